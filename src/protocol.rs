//! Chapter 6: the WebSocket protocol, sans I/O, for either end.
//!
//! A [`Protocol`] is handed the bytes that arrived and hands back events: the
//! messages, and the control frames it has already acted on. What it sends
//! (data, Pongs, Close frames) waits in [`Protocol::data_to_send`] for the I/O
//! layer to write. The closing handshake is one state machine, in RFC 6455 §7's
//! words: the connection is OPEN, then CLOSING once a Close frame has gone
//! either way, then CLOSED once the TCP connection is closed. No socket and no
//! thread here, so every rule, closing and pings included, is tested with bytes.
//! [`crate::connection`] drives it over a `TcpStream`.
//! See `tutorial/06-messages-and-closing.md#the-protocol-one-state-machine`.

use crate::close::{close_payload, CloseCode, CloseFrame};
use crate::error::ProtocolError;
use crate::fast::FastReceiver;
use crate::frame::{FrameHeader, OpCode, Role, MAX_HEADER_LEN};
use crate::mask::apply_mask;
use crate::message::{Budget, Limits, Message, Received};
use crate::trace;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the connection is in its life (§7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// A Close frame has been sent or received: §7.1.3 "The WebSocket Closing
    /// Handshake is Started". No more data goes out, and a server delivers
    /// none; a client delivers what the server sent before its Close.
    Closing,
    /// §7.1.4: "The WebSocket Connection is Closed" once the TCP connection is.
    Closed,
}

/// How a connection ended, for the log and for the application. Decided
/// when the connection leaves [`State::Open`], by whatever made it leave.
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

/// A send refused because a Close has gone out or come in (§5.5.1: "The
/// application MUST NOT send any more data frames after sending a Close frame").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyClosing;

impl std::fmt::Display for AlreadyClosing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the connection is closing; nothing more can be sent")
    }
}

impl std::error::Error for AlreadyClosing {}

/// Fresh masking keys for a client. §5.3: "The masking key needs to be
/// unpredictable"; std's hasher is keyed randomly for each `RandomState`,
/// so hashing a counter gives a new, unguessable key for every frame.
#[derive(Debug)]
struct MaskKeys {
    seed: RandomState,
    count: u64,
}

impl MaskKeys {
    fn next(&mut self) -> [u8; 4] {
        let mut hasher = self.seed.build_hasher();
        hasher.write_u64(self.count);
        self.count += 1;
        (hasher.finish() as u32).to_ne_bytes()
    }
}

/// One end of a WebSocket connection, after its opening handshake.
#[derive(Debug)]
pub struct Protocol {
    role: Role,
    /// The receiving half; `None` only while lent out (see [`Protocol::lend_receiver`]).
    receiver: Option<FastReceiver>,
    out: Vec<u8>,
    state: State,
    ending: Option<Ending>,
    close_sent: bool,
    close_received: bool,
    /// Set when we fail the connection: nothing more is parsed.
    failed: bool,
    /// When the state became CLOSING.
    closing_since: Option<Instant>,
    close_timeout: Duration,
    /// Our Ping is out and nothing has arrived since.
    awaiting_pong: bool,
    keys: MaskKeys,
}

impl Protocol {
    /// A protocol for `role`, with limits on what it receives, a read buffer
    /// of `buffer_size` bytes, and `close_timeout` for the peer to finish the
    /// closing handshake.
    pub fn new(
        role: Role,
        limits: Limits,
        buffer_size: usize,
        close_timeout: Duration,
    ) -> Protocol {
        Protocol {
            role,
            receiver: Some(FastReceiver::new(role, limits, buffer_size)),
            out: Vec::new(),
            state: State::Open,
            ending: None,
            close_sent: false,
            close_received: false,
            failed: false,
            closing_since: None,
            close_timeout,
            awaiting_pong: false,
            keys: MaskKeys {
                seed: RandomState::new(),
                count: 0,
            },
        }
    }

    /// Which end we are.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Where the connection is in its life.
    pub fn state(&self) -> State {
        self.state
    }

    /// How it ended, or is ending: `None` while [`State::Open`].
    pub fn ending(&self) -> Option<&Ending> {
        self.ending.as_ref()
    }

    /// Lowers the message and frame limits to `max` bytes; see
    /// [`crate::message::Assembler::set_limits`].
    pub fn set_max_message(&mut self, max: usize) {
        let assembler = self.receiver().assembler();
        let limits = assembler.limits();
        assembler.set_limits(Limits {
            max_frame: limits.max_frame.min(max),
            max_message: limits.max_message.min(max),
        });
    }

    /// Counts unfinished messages against a budget shared with other connections.
    pub fn set_budget(&mut self, budget: Arc<Budget>) {
        self.receiver().assembler().set_budget(budget);
    }

    /// Hands over bytes that arrived.
    pub fn receive_data(&mut self, bytes: &[u8]) {
        self.awaiting_pong = false;
        self.receiver().receive_data(bytes);
    }

    /// Lends the receiving half to the I/O layer, to read into
    /// ([`FastReceiver::space`], then [`FastReceiver::filled`]) without a
    /// copy and without holding whatever guards this protocol: senders on
    /// other threads never touch it. Give it back with
    /// [`Protocol::receiver_returned`] before asking for the next event.
    pub fn lend_receiver(&mut self) -> FastReceiver {
        self.receiver.take().expect("one lender at a time")
    }

    /// Takes the receiving half back; `read` is whether bytes arrived
    /// meanwhile, which is proof of life.
    pub fn receiver_returned(&mut self, receiver: FastReceiver, read: bool) {
        self.receiver = Some(receiver);
        if read {
            self.awaiting_pong = false;
        }
    }

    fn receiver(&mut self) -> &mut FastReceiver {
        self.receiver
            .as_mut()
            .expect("the receiver is back before it is used")
    }

    /// The next event from the bytes received so far, `None` when more bytes
    /// are needed (or no more will be read). Pings are answered, and Close
    /// frames acted on, before they are returned.
    pub fn next_event(&mut self) -> Option<Received> {
        while !self.failed && !self.close_received {
            let received = match self.receiver().next_received() {
                Ok(Some(received)) => received,
                Ok(None) => return None,
                Err(error) => {
                    self.fail(error);
                    return None;
                }
            };
            // ANCHOR: next_event
            match &received {
                // Once our Close is out, a server only waits for the peer's.
                // A client still delivers what the server sent before its
                // Close, the answers to what the client sent before its own:
                // §1.4, "after receiving a control frame indicating the
                // connection should be closed, a peer discards any further
                // data received", and not before.
                Received::Message(_) if self.state != State::Open && self.role == Role::Server => {
                    continue
                }
                Received::Message(_) => {}
                // §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send
                // a Pong frame in response ... [with] identical "Application data""
                Received::Ping(payload) if self.state == State::Open => {
                    self.frame(OpCode::Pong, payload);
                }
                Received::Ping(_) => {}
                // §5.5.3: "A response to an unsolicited Pong frame is not expected."
                Received::Pong(_) => {}
                Received::Close(frame) => self.receive_close(frame.clone()),
            }
            // ANCHOR_END: next_event
            return Some(received);
        }
        None
    }

    /// Sends a data message.
    pub fn send_message(&mut self, message: &Message) -> Result<(), AlreadyClosing> {
        match message {
            Message::Text(text) => self.send(OpCode::Text, text.as_bytes()),
            Message::Binary(data) => self.send(OpCode::Binary, data),
        }
    }

    /// Sends one data frame (Text or Binary, final) or a Ping.
    pub fn send(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), AlreadyClosing> {
        // §5.5.1: "The application MUST NOT send any more data frames after
        // sending a Close frame."
        if self.state != State::Open {
            return Err(AlreadyClosing);
        }
        if opcode == OpCode::Ping {
            self.awaiting_pong = true;
        }
        self.frame(opcode, payload);
        Ok(())
    }

    /// Starts a data frame whose payload the caller writes itself, straight
    /// after [`Protocol::data_to_send`]: a server's way to send a big payload
    /// without copying it. A client masks, and so always copies: use [`Protocol::send`].
    pub fn send_header(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), AlreadyClosing> {
        assert!(!self.role.masks(), "a client's payload is masked: use send");
        if self.state != State::Open {
            return Err(AlreadyClosing);
        }
        let header = FrameHeader::new(self.role, opcode, payload.len(), None);
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let n = header.encode(&mut bytes);
        trace::sent(&bytes[..n], &header, payload);
        self.out.extend_from_slice(&bytes[..n]);
        Ok(())
    }

    /// Encodes a frame into the output, masked with a fresh key if we are a client.
    fn frame(&mut self, opcode: OpCode, payload: &[u8]) {
        self.fragment(opcode, payload, true);
    }

    /// [`Protocol::frame`] with the FIN bit as given: `false` on every
    /// fragment of a message but the last (§5.4).
    fn fragment(&mut self, opcode: OpCode, payload: &[u8], fin: bool) {
        let key = self.role.masks().then(|| self.keys.next());
        let mut header = FrameHeader::new(self.role, opcode, payload.len(), key);
        header.fin = fin;
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let n = header.encode(&mut bytes);
        trace::sent(&bytes[..n], &header, payload);
        self.out.extend_from_slice(&bytes[..n]);
        let start = self.out.len();
        self.out.extend_from_slice(payload);
        if let Some(key) = key {
            apply_mask(&mut self.out[start..], key, 0);
        }
    }

    /// Sends one text message as several frames, one for each part: a Text
    /// frame, then Continuation frames, FIN set on the last (§5.4). Nothing
    /// needs this but a client that shows fragmentation from the sending side.
    pub fn send_fragmented_text(&mut self, parts: &[&str]) -> Result<(), AlreadyClosing> {
        if self.state != State::Open {
            return Err(AlreadyClosing);
        }
        for (i, part) in parts.iter().enumerate() {
            let opcode = if i == 0 {
                OpCode::Text
            } else {
                OpCode::Continuation
            };
            self.fragment(opcode, part.as_bytes(), i + 1 == parts.len());
        }
        Ok(())
    }

    /// The bytes waiting to be written, oldest first.
    pub fn data_to_send(&self) -> &[u8] {
        &self.out
    }

    /// Forgets the bytes of [`Protocol::data_to_send`]: they were written.
    pub fn data_sent(&mut self) {
        self.out.clear();
    }

    /// Starts the closing handshake ourselves, for example when the server
    /// shuts down (1001) or a chat member is too slow (1008). Does nothing
    /// once closing has started.
    pub fn close(&mut self, code: CloseCode, reason: &str) {
        if self.state == State::Open {
            self.ending = Some(Ending::ClosedByUs(code));
            self.send_close(code, reason);
        }
    }

    // ANCHOR: closing
    /// §7.1.7: to _Fail the WebSocket Connection_, send a Close frame with the
    /// code for the rule that was broken (if ours is not out yet), then close
    /// the TCP connection; what the peer sends after that is not read.
    pub fn fail(&mut self, error: ProtocolError) {
        self.failed = true;
        if self.state == State::Open {
            self.send_close(error.close_code(), &error.to_string());
            self.ending = Some(Ending::ProtocolError(error));
        }
    }

    /// §5.5.1: "If an endpoint receives a Close frame and did not previously
    /// send a Close frame, the endpoint MUST send a Close frame in response.
    /// ... It SHOULD do so as soon as practical." We echo the peer's code.
    fn receive_close(&mut self, frame: Option<CloseFrame>) {
        self.close_received = true;
        if self.state == State::Open {
            let code = frame.as_ref().map(|frame| frame.code);
            self.ending = Some(Ending::ClosedByPeer(frame));
            match code {
                Some(code) => self.send_close(code, ""),
                None => self.send_close_payload(&[]),
            }
        }
    }
    // ANCHOR_END: closing

    fn send_close(&mut self, code: CloseCode, reason: &str) {
        self.send_close_payload(&close_payload(code, reason));
    }

    fn send_close_payload(&mut self, payload: &[u8]) {
        self.frame(OpCode::Close, payload);
        self.close_sent = true;
        self.state = State::Closing;
        self.closing_since = Some(Instant::now());
    }

    /// Whether the TCP connection should now be closed: the closing handshake
    /// is complete (a Close both ways), or we failed the connection. §7.1.1:
    /// the server "SHOULD close the underlying TCP connection first"; a client
    /// waits a while for the server to do it.
    pub fn close_expected(&self) -> bool {
        self.failed || (self.close_sent && self.close_received)
    }

    /// When the peer's time to finish the closing handshake runs out.
    pub fn close_deadline(&self) -> Option<Instant> {
        match self.state {
            State::Closing => self.closing_since.map(|since| since + self.close_timeout),
            _ => None,
        }
    }

    /// Closes the connection if the close deadline has passed by `now`;
    /// returns whether it did.
    pub fn check_timeout(&mut self, now: Instant) -> bool {
        let expired = self
            .close_deadline()
            .is_some_and(|deadline| now >= deadline);
        if expired {
            self.state = State::Closed;
        }
        expired
    }

    /// Nothing arrived for an idle timeout: the first time, send a Ping; the
    /// second time in a row, give up on the peer.
    pub fn idle(&mut self) {
        match self.state {
            State::Open if !self.awaiting_pong => {
                let _ = self.send(OpCode::Ping, b"wslab");
            }
            State::Open => self.lose(Ending::Timeout),
            State::Closing | State::Closed => {}
        }
    }

    /// The TCP connection has ended (a read returned 0 bytes) or failed.
    /// `why` says which, for the log of a connection that was still open.
    pub fn connection_lost(&mut self, why: &str) {
        self.lose(Ending::Abnormal(why.into()));
    }

    fn lose(&mut self, ending: Ending) {
        if self.ending.is_none() {
            self.ending = Some(ending);
        }
        self.state = State::Closed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::FrameHeader;
    use crate::message::tests::{masked, LIMITS};

    fn server() -> Protocol {
        Protocol::new(Role::Server, LIMITS, 256, Duration::from_secs(5))
    }

    fn events(protocol: &mut Protocol, bytes: &[u8]) -> Vec<Received> {
        protocol.receive_data(bytes);
        std::iter::from_fn(|| protocol.next_event()).collect()
    }

    /// The frames in `data_to_send`, as (opcode, unmasked payload), then forgotten.
    fn sent(protocol: &mut Protocol) -> Vec<(OpCode, Vec<u8>)> {
        let mut bytes = protocol.data_to_send();
        let mut frames = Vec::new();
        while let Some((header, len)) = FrameHeader::parse(bytes).unwrap() {
            let end = len + header.payload_len as usize;
            let mut payload = bytes[len..end].to_vec();
            if let Some(key) = header.mask {
                apply_mask(&mut payload, key, 0);
            }
            assert!(header.fin);
            frames.push((header.opcode, payload));
            bytes = &bytes[end..];
        }
        assert!(bytes.is_empty());
        protocol.data_sent();
        frames
    }

    fn close_body(code: u16, reason: &str) -> Vec<u8> {
        close_payload(CloseCode(code), reason)
    }

    #[test]
    fn a_ping_is_answered_with_its_payload_while_open() {
        let mut p = server();
        let got = events(&mut p, &masked(OpCode::Ping, true, b"are you there"));
        assert_eq!(got, [Received::Ping(b"are you there".to_vec())]);
        assert_eq!(sent(&mut p), [(OpCode::Pong, b"are you there".to_vec())]);
        assert_eq!(p.state(), State::Open);
    }

    #[test]
    fn closing_started_by_the_peer() {
        let mut p = server();
        let got = events(
            &mut p,
            &masked(OpCode::Close, true, &close_body(1000, "bye")),
        );
        let frame = CloseFrame {
            code: CloseCode::NORMAL,
            reason: "bye".into(),
        };
        assert_eq!(got, [Received::Close(Some(frame.clone()))]);
        // Our answer echoes the code, and nothing more may be sent.
        assert_eq!(sent(&mut p), [(OpCode::Close, close_body(1000, ""))]);
        assert_eq!(p.state(), State::Closing);
        assert!(p.close_expected());
        assert_eq!(p.send(OpCode::Text, b"late"), Err(AlreadyClosing));
        assert_eq!(p.ending(), Some(&Ending::ClosedByPeer(Some(frame))));
        // Whatever follows the Close is not parsed.
        assert_eq!(events(&mut p, &masked(OpCode::Text, true, b"after")), []);
        p.connection_lost("closed");
        assert_eq!(p.state(), State::Closed);
        assert!(matches!(p.ending(), Some(Ending::ClosedByPeer(_))));
    }

    #[test]
    fn an_empty_close_is_answered_with_an_empty_close() {
        let mut p = server();
        assert_eq!(
            events(&mut p, &masked(OpCode::Close, true, b"")),
            [Received::Close(None)]
        );
        assert_eq!(sent(&mut p), [(OpCode::Close, vec![])]);
    }

    #[test]
    fn closing_started_by_us_then_the_peers_close_after_ours() {
        let mut p = server();
        p.close(CloseCode::GOING_AWAY, "server shutting down");
        assert_eq!(
            sent(&mut p),
            [(OpCode::Close, close_body(1001, "server shutting down"))]
        );
        assert_eq!(p.state(), State::Closing);
        assert!(!p.close_expected(), "the peer's Close is still to come");
        // Data that crossed our Close is not delivered; pings not answered.
        let mut bytes = masked(OpCode::Text, true, b"crossed");
        bytes.extend(masked(OpCode::Ping, true, b"p"));
        bytes.extend(masked(OpCode::Close, true, &close_body(1001, "")));
        let got = events(&mut p, &bytes);
        assert_eq!(
            got,
            [
                Received::Ping(b"p".to_vec()),
                Received::Close(Some(CloseFrame {
                    code: CloseCode::GOING_AWAY,
                    reason: String::new()
                }))
            ]
        );
        assert_eq!(sent(&mut p), [], "no second Close, no Pong");
        assert!(p.close_expected());
        assert_eq!(p.ending(), Some(&Ending::ClosedByUs(CloseCode::GOING_AWAY)));
        // A second close() changes nothing.
        p.close(CloseCode::NORMAL, "");
        assert_eq!(sent(&mut p), []);
        assert_eq!(p.ending(), Some(&Ending::ClosedByUs(CloseCode::GOING_AWAY)));
    }

    #[test]
    fn closing_while_a_fragmented_message_is_open() {
        let mut p = server();
        assert_eq!(events(&mut p, &masked(OpCode::Text, false, b"hel")), []);
        // The peer closes in the middle of its message: a control frame may
        // come between fragments (§5.4), and the message is abandoned.
        let got = events(&mut p, &masked(OpCode::Close, true, &close_body(1000, "")));
        assert_eq!(got.len(), 1);
        assert_eq!(sent(&mut p), [(OpCode::Close, close_body(1000, ""))]);
        // And the other way: we close while the peer is mid-message; its last
        // fragment is read but not delivered, then its Close completes the handshake.
        let mut p = server();
        assert_eq!(events(&mut p, &masked(OpCode::Binary, false, b"12")), []);
        p.close(CloseCode::POLICY_VIOLATION, "too slow");
        let mut bytes = masked(OpCode::Continuation, true, b"34");
        bytes.extend(masked(OpCode::Close, true, &close_body(1000, "")));
        let got = events(&mut p, &bytes);
        assert!(matches!(got[..], [Received::Close(Some(_))]), "{got:?}");
        assert!(p.close_expected());
        assert_eq!(
            p.ending(),
            Some(&Ending::ClosedByUs(CloseCode::POLICY_VIOLATION))
        );
    }

    #[test]
    fn a_broken_rule_fails_the_connection_with_its_code_and_stops_parsing() {
        let mut p = server();
        let mut bytes = vec![0x81, 0x02, b'h', b'i']; // unmasked: §5.1
        bytes.extend(masked(OpCode::Text, true, b"never read"));
        assert_eq!(events(&mut p, &bytes), []);
        let error = ProtocolError::UnmaskedFrameFromClient;
        assert_eq!(
            sent(&mut p),
            [(OpCode::Close, close_body(1002, &error.to_string()))]
        );
        assert!(p.close_expected(), "we close the TCP connection at once");
        assert_eq!(p.ending(), Some(&Ending::ProtocolError(error)));
    }

    #[test]
    fn the_close_timeout() {
        let mut p = server();
        assert_eq!(p.close_deadline(), None);
        let before = Instant::now();
        p.close(CloseCode::NORMAL, "");
        let deadline = p.close_deadline().expect("closing");
        assert!(deadline >= before + Duration::from_secs(5));
        assert!(!p.check_timeout(deadline - Duration::from_millis(1)));
        assert_eq!(p.state(), State::Closing);
        assert!(p.check_timeout(deadline));
        assert_eq!(p.state(), State::Closed);
        assert_eq!(p.close_deadline(), None);
        assert_eq!(p.ending(), Some(&Ending::ClosedByUs(CloseCode::NORMAL)));
    }

    #[test]
    fn idle_pings_once_then_gives_up_unless_something_arrives() {
        let mut p = server();
        p.idle();
        assert_eq!(sent(&mut p), [(OpCode::Ping, b"wslab".to_vec())]);
        // Any bytes are proof of life.
        assert_eq!(
            events(&mut p, &masked(OpCode::Pong, true, b"wslab")),
            [Received::Pong(b"wslab".to_vec())]
        );
        p.idle();
        assert_eq!(sent(&mut p), [(OpCode::Ping, b"wslab".to_vec())]);
        p.idle();
        assert_eq!(sent(&mut p), []);
        assert_eq!(p.state(), State::Closed);
        assert_eq!(p.ending(), Some(&Ending::Timeout));
    }

    #[test]
    fn a_lost_connection_while_open_is_abnormal() {
        let mut p = server();
        p.connection_lost("connection reset");
        assert_eq!(p.state(), State::Closed);
        assert_eq!(
            p.ending(),
            Some(&Ending::Abnormal("connection reset".into()))
        );
    }

    #[test]
    fn a_client_still_delivers_what_crossed_its_close() {
        let mut p = Protocol::new(Role::Client, LIMITS, 256, Duration::from_secs(5));
        p.send(OpCode::Text, b"hi").unwrap();
        p.close(CloseCode::NORMAL, "");
        // The server's echo of "hi" was on its way when our Close went out.
        let got = events(&mut p, b"\x81\x02hi\x88\x02\x03\xe8\x81\x05after");
        assert_eq!(
            got,
            [
                Received::Message(Message::Text("hi".into())),
                Received::Close(Some(CloseFrame {
                    code: CloseCode::NORMAL,
                    reason: String::new()
                }))
            ]
        );
        assert!(p.close_expected());
    }

    #[test]
    fn a_fragmented_text_goes_out_as_text_then_continuations() {
        let mut p = Protocol::new(Role::Client, LIMITS, 256, Duration::from_secs(5));
        p.send_fragmented_text(&["hel", "lo", "!"]).unwrap();
        let mut bytes = p.data_to_send();
        let mut frames = Vec::new();
        while let Some((header, len)) = FrameHeader::parse(bytes).unwrap() {
            let end = len + header.payload_len as usize;
            let mut payload = bytes[len..end].to_vec();
            apply_mask(&mut payload, header.mask.expect("masked"), 0);
            frames.push((header.fin, header.opcode, payload));
            bytes = &bytes[end..];
        }
        assert_eq!(
            frames,
            [
                (false, OpCode::Text, b"hel".to_vec()),
                (false, OpCode::Continuation, b"lo".to_vec()),
                (true, OpCode::Continuation, b"!".to_vec()),
            ]
        );
        // What a server's receiver makes of them: one message.
        let mut server = server();
        assert_eq!(
            events(&mut server, p.data_to_send()),
            [Received::Message(Message::Text("hello!".into()))]
        );
    }

    #[test]
    fn a_client_masks_every_frame_with_a_fresh_key_and_reads_unmasked_ones() {
        let mut p = Protocol::new(Role::Client, LIMITS, 256, Duration::from_secs(5));
        p.send(OpCode::Text, b"hello").unwrap();
        p.send(OpCode::Text, b"hello").unwrap();
        let bytes = p.data_to_send().to_vec();
        let (first, len) = FrameHeader::parse(&bytes).unwrap().unwrap();
        let (second, _) = FrameHeader::parse(&bytes[len + 5..]).unwrap().unwrap();
        let (Some(a), Some(b)) = (first.mask, second.mask) else {
            panic!("client frames are masked");
        };
        assert_ne!(a, b, "a fresh key for every frame");
        assert_eq!(
            sent(&mut p),
            [
                (OpCode::Text, b"hello".to_vec()),
                (OpCode::Text, b"hello".to_vec())
            ]
        );
        // From the server: unmasked frames are read, masked ones fail with 1002.
        assert_eq!(
            events(&mut p, b"\x81\x02hi"),
            [Received::Message(Message::Text("hi".into()))]
        );
        assert_eq!(events(&mut p, &masked(OpCode::Text, true, b"x")), []);
        assert_eq!(
            p.ending(),
            Some(&Ending::ProtocolError(ProtocolError::MaskedFrameFromServer))
        );
        assert_eq!(sent(&mut p)[0].1[..2], 1002u16.to_be_bytes());
    }
}
