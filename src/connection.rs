//! Chapter 6: one WebSocket connection over a blocking `TcpStream`.
//!
//! The protocol itself is in [`crate::protocol`], without a socket. This is
//! the thin layer that drives it: wait for bytes, hand them over, act on what
//! comes back, write what it queued, and keep the two timeouts (idle, close).
//! Replies are queued and written just before we would wait for the peer, so a
//! burst of pipelined messages costs one write.
//!
//! Other threads (the chat room's writer, the server's shutdown) send through
//! a [`Handle`]. The protocol sits behind a mutex, and the connection's own
//! thread waits for bytes *without* holding it: it borrows the receiving
//! half, which no other thread touches, for the read.
//! See `tutorial/06-messages-and-closing.md#the-connection-loop`.

use crate::close::CloseCode;
use crate::config::Config;
use crate::error::ProtocolError;
use crate::frame::{OpCode, Role};
use crate::message::{Message, Received};
use crate::protocol::{Ending, Protocol, State};
use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Payloads at least this big are written straight from the caller's buffer
/// (header and payload in one vectored write) instead of being copied.
const WRITE_DIRECT: usize = 16 * 1024;

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

/// What every thread of one connection shares.
#[derive(Debug)]
struct Link {
    stream: TcpStream,
    peer: Peer,
    protocol: Mutex<Protocol>,
    /// Signalled when the protocol reaches [`State::Closed`].
    closed: Condvar,
    idle_timeout: Duration,
    close_timeout: Duration,
}

impl Link {
    fn log_close_timeout(&self, role: Role) {
        log::info!(
            "{}: {} did not finish the closing handshake within {:?}; \
             closing the connection",
            self.peer,
            names(role).1,
            self.close_timeout
        );
    }

    fn lock(&self) -> MutexGuard<'_, Protocol> {
        self.protocol
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The sending side, while it holds the protocol's lock: frames cannot
/// interleave, whichever threads send.
pub struct Sender<'a> {
    link: &'a Link,
    protocol: MutexGuard<'a, Protocol>,
}

impl Sender<'_> {
    /// Queues one data frame (Text or Binary) until [`Sender::flush`]; a
    /// large one is written at once, without a copy.
    pub fn send(&mut self, opcode: OpCode, payload: &[u8]) -> io::Result<()> {
        let direct = payload.len() >= WRITE_DIRECT && self.protocol.role() == Role::Server;
        if !direct {
            return self.protocol.send(opcode, payload).map_err(closing);
        }
        self.protocol
            .send_header(opcode, payload)
            .map_err(closing)?;
        let written = write_all_vectored(
            &self.link.stream,
            &mut [
                IoSlice::new(self.protocol.data_to_send()),
                IoSlice::new(payload),
            ],
        );
        self.protocol.data_sent();
        written
    }

    /// Queues a data message.
    pub fn send_message(&mut self, message: &Message) -> io::Result<()> {
        match message {
            Message::Text(text) => self.send(OpCode::Text, text.as_bytes()),
            Message::Binary(data) => self.send(OpCode::Binary, data),
        }
    }

    /// Starts the closing handshake (see [`Protocol::close`]) and writes the Close.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> io::Result<()> {
        self.protocol.close(code, reason);
        self.flush()
    }

    /// Writes everything queued.
    pub fn flush(&mut self) -> io::Result<()> {
        let written = (&self.link.stream).write_all(self.protocol.data_to_send());
        self.protocol.data_sent();
        written
    }

    /// Where the connection is in its life.
    pub fn state(&self) -> State {
        self.protocol.state()
    }
}

/// For the classroom's client (chapter 11): frames the protocol does not
/// make on its own.
impl Sender<'_> {
    /// Queues one text message in several frames (see
    /// [`Protocol::send_fragmented_text`]).
    pub fn send_fragmented_text(&mut self, parts: &[&str]) -> io::Result<()> {
        self.protocol.send_fragmented_text(parts).map_err(closing)
    }

    /// Writes `bytes` as they are, after whatever is queued, past the
    /// protocol: no masking, no checks, nothing remembered. For sending bad
    /// frames on purpose, to see the peer refuse them.
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.flush()?;
        (&self.link.stream).write_all(bytes)
    }
}

fn closing(error: crate::protocol::AlreadyClosing) -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, error)
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

/// A connection as other threads hold it: to send, to close, and to cut.
#[derive(Debug, Clone)]
pub struct Handle {
    link: Arc<Link>,
}

impl Handle {
    /// Who the client is.
    pub fn peer(&self) -> Peer {
        self.link.peer
    }

    /// Takes the sending side, waiting for a write in progress to finish.
    pub fn sender(&self) -> Sender<'_> {
        Sender {
            link: &self.link,
            protocol: self.link.lock(),
        }
    }

    /// Takes the sending side if no other thread is writing.
    pub fn try_sender(&self) -> Option<Sender<'_>> {
        let protocol = match self.link.protocol.try_lock() {
            Ok(protocol) => protocol,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        Some(Sender {
            link: &self.link,
            protocol,
        })
    }

    /// Starts the closing handshake from another thread and sees it through:
    /// the connection's own thread, blocked waiting for bytes, finishes it
    /// when the peer's Close arrives; if that has not happened within the
    /// close timeout, the connection is cut, which wakes that thread. So a
    /// peer that stopped reading holds its threads for the close timeout at
    /// most, not the idle timeout.
    pub fn close(&self, code: CloseCode, reason: &str) {
        let sent = self.sender().close(code, reason);
        if sent.is_err() || !self.wait_closed(self.link.close_timeout) {
            let role = self.link.lock().role();
            self.cut(&format!(
                "no Close from {} within {:?} of ours",
                names(role).1,
                self.link.close_timeout
            ));
        }
    }

    /// Waits until the connection is closed, at most `timeout`; returns
    /// whether it is.
    pub fn wait_closed(&self, timeout: Duration) -> bool {
        let protocol = self.link.lock();
        let (protocol, _) = self
            .link
            .closed
            .wait_timeout_while(protocol, timeout, |p| p.state() != State::Closed)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        protocol.state() == State::Closed
    }

    /// The connection's own side again, for the server to finish it after
    /// its handler returned or panicked.
    pub(crate) fn into_connection(self) -> Connection {
        Connection {
            link: self.link,
            read_timeout: None,
        }
    }

    /// Closes the socket both ways, whatever the protocol's state: a blocked
    /// read sees the end, a blocked write fails. Logs why.
    pub fn cut(&self, why: &str) {
        log::info!("{}: cut: {why}", self.link.peer);
        let _ = self.link.stream.shutdown(Shutdown::Both);
    }
}

/// One WebSocket connection after the handshake, as its own thread holds it.
#[derive(Debug)]
pub struct Connection {
    link: Arc<Link>,
    /// The read timeout set on the socket now.
    read_timeout: Option<Duration>,
}

impl Connection {
    /// Wraps a stream whose handshake is done. `leftover` is whatever arrived
    /// after the request head: possibly the first frames already.
    pub fn new(
        stream: TcpStream,
        peer: Peer,
        role: Role,
        leftover: &[u8],
        config: &Config,
    ) -> io::Result<Connection> {
        stream.set_write_timeout(Some(config.idle_timeout))?;
        let mut protocol = Protocol::new(
            role,
            config.limits,
            config.read_buffer,
            config.close_timeout,
        );
        protocol.receive_data(leftover);
        let link = Link {
            stream,
            peer,
            protocol: Mutex::new(protocol),
            closed: Condvar::new(),
            idle_timeout: config.idle_timeout,
            close_timeout: config.close_timeout,
        };
        Ok(Connection {
            link: Arc::new(link),
            read_timeout: None,
        })
    }

    /// Lowers this connection's message limit (see [`Protocol::set_max_message`]).
    pub fn set_max_message(&mut self, max: usize) {
        self.link.lock().set_max_message(max);
    }

    /// Counts this connection's unfinished messages against a shared budget.
    pub fn set_budget(&mut self, budget: Arc<crate::message::Budget>) {
        self.link.lock().set_budget(budget);
    }

    /// Bounds every write to the socket, whichever thread writes: one that
    /// makes no progress for `timeout` fails. `Connection::new` sets the idle
    /// timeout; the chat room sets its own (chapter 7).
    pub fn set_write_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.link.stream.set_write_timeout(Some(timeout))
    }

    /// Who the client is.
    pub fn peer(&self) -> Peer {
        self.link.peer
    }

    /// A handle for other threads.
    pub fn handle(&self) -> Handle {
        Handle {
            link: Arc::clone(&self.link),
        }
    }

    /// Takes the sending side (see [`Handle::sender`]).
    pub fn sender(&self) -> Sender<'_> {
        Sender {
            link: &self.link,
            protocol: self.link.lock(),
        }
    }

    /// Sends a data message (queued until the next read, or [`Connection::flush`]).
    pub fn send(&mut self, message: &Message) -> io::Result<()> {
        self.sender().send_message(message)
    }

    /// Writes everything queued.
    pub fn flush(&mut self) -> io::Result<()> {
        self.sender().flush()
    }

    /// Starts the closing handshake ourselves; [`Connection::recv`] then
    /// reads on until it is done.
    pub fn close(&mut self, code: CloseCode, reason: &str) {
        let _ = self.sender().close(code, reason);
    }

    /// How the connection ended, once [`Connection::recv`] has returned `None`.
    pub fn ending(&self) -> Option<Ending> {
        let protocol = self.link.lock();
        match protocol.state() {
            State::Closed => protocol.ending().cloned(),
            _ => None,
        }
    }

    /// The next message. Pings are answered, and the closing handshake done,
    /// on the way; `None` means the connection is over (see
    /// [`Connection::ending`]) and the socket has been closed.
    pub fn recv(&mut self) -> Option<Message> {
        loop {
            let mut protocol = self.link.lock();
            while let Some(event) = protocol.next_event() {
                if let Received::Message(message) = event {
                    return Some(message);
                }
            }
            if let Err(error) = self.flush_locked(&mut protocol) {
                protocol.connection_lost(&error.to_string());
            }
            // Checked before every wait, not when one times out: a peer that
            // keeps sending after our Close never lets a wait time out.
            if protocol.check_timeout(Instant::now()) {
                self.link.log_close_timeout(protocol.role());
            }
            if protocol.state() == State::Closed || protocol.close_expected() {
                drop(protocol);
                self.end();
                return None;
            }
            let wait = match protocol.close_deadline() {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => self.link.idle_timeout,
            };
            drop(protocol);
            self.wait_and_read(wait);
        }
    }

    /// Reads what the peer sends next, waiting up to `wait`. The receiving
    /// half is taken out of the protocol for the wait, so the lock is free
    /// and other threads can send meanwhile. A wait that times out while
    /// open is the idle timeout (ping, or give up).
    fn wait_and_read(&mut self, wait: Duration) {
        let mut receiver = self.link.lock().lend_receiver();
        let read = self
            .set_read_timeout(wait)
            .and_then(|()| (&self.link.stream).read(receiver.space()));
        if let Ok(n) = read {
            receiver.filled(n);
        }
        let mut protocol = self.link.lock();
        protocol.receiver_returned(receiver, matches!(read, Ok(1..)));
        match read {
            Ok(0) => protocol.connection_lost("connection closed without a Close frame"),
            Ok(_) => {}
            // While closing, `recv` finds that the close deadline has passed.
            Err(error) if is_timeout(&error) => protocol.idle(),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => protocol.connection_lost(&error.to_string()),
        }
    }

    fn set_read_timeout(&mut self, wait: Duration) -> io::Result<()> {
        // A zero timeout would mean "block for ever" to the socket.
        let wait = Some(wait.max(Duration::from_millis(1)));
        if self.read_timeout != wait {
            self.link.stream.set_read_timeout(wait)?;
            self.read_timeout = wait;
        }
        Ok(())
    }

    fn flush_locked(&self, protocol: &mut Protocol) -> io::Result<()> {
        let written = (&self.link.stream).write_all(protocol.data_to_send());
        protocol.data_sent();
        written
    }

    /// Closes the TCP connection. After a clean closing handshake, §7.1.1:
    /// the server "SHOULD close the underlying TCP connection first": we send
    /// our FIN, then read (and discard) until the peer's, within the close
    /// timeout, so that unread bytes cannot turn our close into a reset that
    /// destroys the Close frame we just sent. A client only reads: §5.5.1,
    /// "the client SHOULD wait for the server to close the connection but MAY
    /// close the connection at any time after sending and receiving a Close
    /// message, e.g., if it has not received a TCP Close from the server in a
    /// reasonable time period": the close timeout.
    // Run once per connection: kept out of `recv`, so that the drain's
    // scratch buffer does not deepen the stack of every idle connection.
    #[inline(never)]
    fn end(&mut self) {
        // How it ended is known now, and the log says so before the wait below.
        let (state, role) = {
            let protocol = self.link.lock();
            if let Some(ending) = protocol.ending() {
                log_ending(self.link.peer, protocol.role(), ending);
            }
            (protocol.state(), protocol.role())
        };
        if state != State::Closed {
            if role == Role::Server {
                let _ = self.link.stream.shutdown(Shutdown::Write);
            }
            let deadline = self.link.lock().close_deadline();
            self.drain(deadline.unwrap_or_else(Instant::now));
        }
        let _ = self.link.stream.shutdown(Shutdown::Both);
        self.link.lock().connection_lost("closed");
        self.link.closed.notify_all();
    }

    fn drain(&mut self, deadline: Instant) {
        let mut scratch = [0u8; 4096];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.set_read_timeout(left).is_err() {
                return self.link.log_close_timeout(self.link.lock().role());
            }
            match (&self.link.stream).read(&mut scratch) {
                Ok(0) => return,
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) if is_timeout(&error) => {}
                Err(_) => return,
            }
        }
    }
}

/// The two ends as the log names them: (us, the peer).
fn names(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Server => ("the server", "the client"),
        Role::Client => ("the client", "the server"),
    }
}

fn log_ending(peer: Peer, role: Role, ending: &Ending) {
    let (us, them) = names(role);
    match ending {
        Ending::ClosedByPeer(Some(frame)) if frame.reason.is_empty() => {
            log::info!("{peer}: closed by {them}: {}", frame.code)
        }
        Ending::ClosedByPeer(Some(frame)) => {
            log::info!(
                "{peer}: closed by {them}: {} {:?}",
                frame.code,
                frame.reason
            )
        }
        Ending::ClosedByPeer(None) => log::info!("{peer}: closed by {them}, no status code"),
        Ending::ClosedByUs(code) => log::info!("{peer}: closed by {us}: {code}"),
        Ending::ProtocolError(error @ ProtocolError::OverBudget { .. }) => {
            log::warn!(
                "{peer}: refused a message: {error}; closing with {}",
                error.close_code()
            )
        }
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

/// The echo service of `/echo`: every message comes back as it came.
pub fn echo(mut connection: Connection) {
    while let Some(message) = connection.recv() {
        if connection.send(&message).is_err() {
            break;
        }
    }
}
