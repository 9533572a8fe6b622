//! Chapter 6: one WebSocket connection over a blocking `TcpStream`.
//!
//! This and `server.rs` are the only modules that touch sockets. The loop is:
//! hand the [`Receiver`] what the socket gave, act on what it returns (answer
//! pings, finish the closing handshake, fail the connection with the right
//! code), and write replies in batches: they are flushed just before we would
//! block on a read, so a burst of pipelined messages costs one write.
//! See `tutorial/06-messages-and-closing.md#the-connection-loop`.

use crate::close::{close_payload, CloseCode, CloseFrame};
use crate::config::Config;
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use crate::message::{Limits, Message, Received, Receiver};
use crate::trace;
use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Payloads at least this big are written straight from the caller's buffer
/// (header and payload in one vectored write) instead of being copied.
const WRITE_DIRECT: usize = 16 * 1024;

/// The sending half: frames go into a buffer and out in as few writes as possible.
#[derive(Debug)]
pub struct Writer {
    stream: Arc<TcpStream>,
    out: Vec<u8>,
    /// The code of the Close we sent, 0 until then; shared with the
    /// connection's own thread, for when another thread sent it.
    sent_close_code: Arc<AtomicU16>,
}

impl Writer {
    fn new(stream: Arc<TcpStream>, sent_close_code: Arc<AtomicU16>) -> Writer {
        Writer {
            stream,
            out: Vec::new(),
            sent_close_code,
        }
    }

    // ANCHOR: send
    /// Queues one unmasked frame. Small frames wait in the buffer until
    /// [`Writer::flush`]; a large one is written at once, without a copy.
    pub fn send(&mut self, opcode: OpCode, payload: &[u8]) -> io::Result<()> {
        // §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any
        // further data frames."
        if self.close_sent() {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "Close already sent",
            ));
        }
        if opcode == OpCode::Close {
            let code = payload
                .first_chunk()
                .map_or(CloseCode::NO_STATUS.0, |code| u16::from_be_bytes(*code));
            self.sent_close_code.store(code, Ordering::SeqCst);
        }
        let header = FrameHeader::server(opcode, payload.len());
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let len = header.encode(&mut bytes);
        trace::sent(&bytes[..len], &header, payload);
        if payload.len() < WRITE_DIRECT {
            self.out.extend_from_slice(&bytes[..len]);
            self.out.extend_from_slice(payload);
            return Ok(());
        }
        self.flush()?;
        write_all_vectored(
            &self.stream,
            &mut [IoSlice::new(&bytes[..len]), IoSlice::new(payload)],
        )
    }
    // ANCHOR_END: send

    /// Writes everything queued.
    pub fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            let result = (&*self.stream).write_all(&self.out);
            self.out.clear();
            result?;
        }
        Ok(())
    }

    /// Sends a data message.
    pub fn send_message(&mut self, message: &Message) -> io::Result<()> {
        match message {
            Message::Text(text) => self.send(OpCode::Text, text.as_bytes()),
            Message::Binary(data) => self.send(OpCode::Binary, data),
        }
    }

    /// Closes the socket in both directions, which also wakes the thread
    /// blocked reading it.
    pub fn shutdown(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Whether our Close frame has gone out.
    pub fn close_sent(&self) -> bool {
        self.sent_close_code.load(Ordering::SeqCst) != 0
    }
}

fn write_all_vectored(mut stream: &TcpStream, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    while !slices.is_empty() {
        match stream.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// A [`Writer`] that several threads may use: the connection's own thread
/// answers pings through it while, in the chat room, a writer thread sends
/// broadcasts. The lock keeps their frames from interleaving.
pub type SharedWriter = Arc<Mutex<Writer>>;

/// How a connection ended, for the log and for the chat room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The peer started the closing handshake; we answered.
    ClosedByPeer(Option<CloseFrame>),
    /// We started it, with this code.
    ClosedByUs(CloseCode),
    /// The peer broke the protocol; we closed with its code.
    ProtocolError(ProtocolError),
    /// The TCP connection ended or failed without a Close frame (1006).
    Abnormal(String),
    /// No traffic, not even a Pong, within two idle timeouts.
    Timeout,
}

// ANCHOR: peer
/// Who is at the other end, as the log names them: the socket's peer address
/// and, behind a trusted proxy, the client address that the proxy reported.
/// Shown as `203.0.113.7 via 127.0.0.1:50001`, or as the bare socket address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The other end of the TCP connection: the client, or a proxy.
    pub addr: SocketAddr,
    /// The client's address from `X-Forwarded-For`, if we trust the proxy.
    pub forwarded_for: Option<IpAddr>,
}
// ANCHOR_END: peer

impl From<SocketAddr> for Peer {
    fn from(addr: SocketAddr) -> Peer {
        Peer {
            addr,
            forwarded_for: None,
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.forwarded_for {
            Some(client) => write!(f, "{client} via {}", self.addr),
            None => write!(f, "{}", self.addr),
        }
    }
}

/// One WebSocket connection after the handshake.
#[derive(Debug)]
pub struct Connection {
    stream: Arc<TcpStream>,
    peer: Peer,
    receiver: Receiver,
    writer: SharedWriter,
    sent_close_code: Arc<AtomicU16>,
    config: Arc<Config>,
    ping_sent: bool,
    ending: Option<Ending>,
}

impl Connection {
    /// Wraps a stream whose handshake is done. `leftover` is whatever arrived
    /// after the request head: possibly the first frames already.
    pub fn new(
        stream: TcpStream,
        peer: Peer,
        leftover: &[u8],
        config: Arc<Config>,
    ) -> io::Result<Connection> {
        stream.set_read_timeout(Some(config.idle_timeout))?;
        stream.set_write_timeout(Some(config.idle_timeout))?;
        let stream = Arc::new(stream);
        let sent_close_code = Arc::new(AtomicU16::new(0));
        let writer = Writer::new(Arc::clone(&stream), Arc::clone(&sent_close_code));
        let mut connection = Connection {
            stream,
            peer,
            receiver: Receiver::new(config.limits, config.read_buffer),
            writer: Arc::new(Mutex::new(writer)),
            sent_close_code,
            config,
            ping_sent: false,
            ending: None,
        };
        connection.receiver.feed_bytes(leftover);
        Ok(connection)
    }

    /// Lowers this connection's message limit to `max` bytes (and its frame
    /// limit with it, as a frame cannot be bigger than a message). Called
    /// before the first [`Connection::recv`], an over-long message is refused
    /// with 1009 before its payload is read, as the server's own limit is.
    pub fn set_max_message(&mut self, max: usize) {
        let limits = self.receiver.limits();
        self.receiver.set_limits(Limits {
            max_frame: limits.max_frame.min(max),
            max_message: limits.max_message.min(max),
        });
    }

    /// Who the client is.
    pub fn peer(&self) -> Peer {
        self.peer
    }

    /// The socket, shared: the server keeps it to close every connection on shutdown.
    pub fn socket(&self) -> Arc<TcpStream> {
        Arc::clone(&self.stream)
    }

    /// The sending half, to share with another thread.
    pub fn writer(&self) -> SharedWriter {
        Arc::clone(&self.writer)
    }

    /// The code of the Close we sent, whichever thread sent it.
    fn sent_close_code(&self) -> Option<CloseCode> {
        match self.sent_close_code.load(Ordering::SeqCst) {
            0 => None,
            code => Some(CloseCode(code)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Writer> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends a data message (queued until the next read, or [`Connection::flush`]).
    pub fn send(&mut self, message: &Message) -> io::Result<()> {
        self.lock().send_message(message)
    }

    /// Writes everything queued.
    pub fn flush(&mut self) -> io::Result<()> {
        self.lock().flush()
    }

    /// How the connection ended, once [`Connection::recv`] has returned `None`.
    pub fn ending(&self) -> Option<&Ending> {
        self.ending.as_ref()
    }

    // ANCHOR: recv
    /// The next message. Pings are answered, Pongs noted, and the closing
    /// handshake done here; `None` means the connection is over (see
    /// [`Connection::ending`]) and the socket has been closed.
    pub fn recv(&mut self) -> Option<Message> {
        while self.ending.is_none() {
            // Another thread (the chat room's writer) may have sent our Close.
            // §5.5.1: we then only wait for the peer's; its data is not ours to
            // deliver, and `end` bounds the wait with the close timeout.
            if let Some(code) = self.sent_close_code() {
                self.end(Ending::ClosedByUs(code));
                break;
            }
            match self.receiver.next_received() {
                Ok(Some(Received::Message(message))) => return Some(message),
                // §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a
                // Pong frame in response ... [with] identical "Application data""
                Ok(Some(Received::Ping(payload))) => {
                    let pong = self.lock().send(OpCode::Pong, &payload);
                    if let Err(error) = pong {
                        self.end(Ending::Abnormal(error.to_string()));
                    }
                }
                // §5.5.3: "A response to an unsolicited Pong frame is not expected."
                Ok(Some(Received::Pong(_))) => {}
                Ok(Some(Received::Close(frame))) => self.answer_close(frame),
                Ok(None) => self.read_more(),
                Err(error) => self.fail(error),
            }
        }
        None
    }
    // ANCHOR_END: recv

    // ANCHOR: read_more
    /// Flushes our replies, then blocks until the socket has more bytes. A read
    /// that times out sends a Ping; a second one in a row ends the connection.
    fn read_more(&mut self) {
        if let Err(error) = self.flush() {
            return self.end(Ending::Abnormal(error.to_string()));
        }
        match (&*self.stream).read(self.receiver.space()) {
            Ok(0) => self.end(Ending::Abnormal(
                "connection closed without a Close frame".into(),
            )),
            Ok(n) => {
                self.receiver.filled(n);
                self.ping_sent = false;
            }
            Err(error) if is_timeout(&error) && !self.ping_sent => {
                self.ping_sent = true;
                let ping = {
                    let mut writer = self.lock();
                    writer
                        .send(OpCode::Ping, b"wslab")
                        .and_then(|()| writer.flush())
                };
                if let Err(error) = ping {
                    self.end(Ending::Abnormal(error.to_string()));
                }
            }
            Err(error) if is_timeout(&error) => self.end(Ending::Timeout),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => self.end(Ending::Abnormal(error.to_string())),
        }
    }
    // ANCHOR_END: read_more

    // ANCHOR: closing
    /// §5.5.1: "If an endpoint receives a Close frame and did not previously
    /// send a Close frame, the endpoint MUST send a Close frame in response.
    /// ... It SHOULD do so as soon as practical." We echo the peer's code.
    fn answer_close(&mut self, frame: Option<CloseFrame>) {
        let already_sent = self.sent_close_code().is_some();
        if !already_sent {
            let payload = frame
                .as_ref()
                .map_or(Vec::new(), |f| close_payload(f.code, ""));
            let _ = self.lock().send(OpCode::Close, &payload);
        }
        self.end(Ending::ClosedByPeer(frame));
    }

    /// §7.1.7: to _Fail the WebSocket Connection_, send a Close frame with the
    /// code for the rule that was broken, then close the TCP connection.
    fn fail(&mut self, error: ProtocolError) {
        let _ = self.lock().send(
            OpCode::Close,
            &close_payload(error.close_code(), &error.to_string()),
        );
        self.end(Ending::ProtocolError(error));
    }

    /// Starts the closing handshake ourselves, for example when the server
    /// shuts down (1001) or a chat member is too slow (1008).
    pub fn close(&mut self, code: CloseCode, reason: &str) {
        let _ = self
            .lock()
            .send(OpCode::Close, &close_payload(code, reason));
        self.end(Ending::ClosedByUs(code));
    }

    /// Flushes, sends our FIN, and reads (and discards) until the peer's FIN or
    /// the close timeout. §7.1.1: the server "SHOULD close the underlying TCP
    /// connection first"; draining first means unread bytes cannot turn our
    /// close into a reset that destroys the Close frame we just sent.
    fn end(&mut self, ending: Ending) {
        log_ending(self.peer, &ending);
        let _ = self.flush();
        if matches!(ending, Ending::Abnormal(_) | Ending::Timeout) {
            let _ = self.stream.shutdown(Shutdown::Both);
        } else {
            let _ = self.stream.shutdown(Shutdown::Write);
            drain(self.peer, &self.stream, self.config.close_timeout);
        }
        self.ending = Some(ending);
    }
    // ANCHOR_END: closing
}

fn drain(peer: Peer, mut stream: &TcpStream, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let mut scratch = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            log::info!(
                "{peer}: the client did not finish the closing handshake within {timeout:?}; \
                 closing the connection"
            );
            break;
        }
        match stream.read(&mut scratch) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) if is_timeout(&error) => {}
            Err(_) => break,
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn log_ending(peer: Peer, ending: &Ending) {
    match ending {
        Ending::ClosedByPeer(Some(frame)) if frame.reason.is_empty() => {
            log::info!("{peer}: closed by the client: {}", frame.code)
        }
        Ending::ClosedByPeer(Some(frame)) => {
            log::info!(
                "{peer}: closed by the client: {} {:?}",
                frame.code,
                frame.reason
            )
        }
        Ending::ClosedByPeer(None) => log::info!("{peer}: closed by the client, no status code"),
        Ending::ClosedByUs(code) => log::info!("{peer}: closed by the server: {code}"),
        Ending::ProtocolError(error) => {
            log::warn!(
                "{peer}: protocol error: {error}; closing with {}",
                error.close_code()
            )
        }
        Ending::Abnormal(why) => log::info!("{peer}: {why} (1006)"),
        Ending::Timeout => log::info!("{peer}: no answer to our ping; dropping the connection"),
    }
}

/// A read timeout shows as `WouldBlock` on Unix and `TimedOut` on Windows.
pub fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

// ANCHOR: echo
/// The echo service of `/echo`: every message comes back as it came.
pub fn echo(mut connection: Connection) {
    while let Some(message) = connection.recv() {
        if connection.send(&message).is_err() {
            break;
        }
    }
}
// ANCHOR_END: echo
