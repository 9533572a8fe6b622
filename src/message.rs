//! Chapter 6: from frames to messages, sans I/O.
//!
//! A [`Receiver`] is handed the bytes the peer sent, in whatever pieces they
//! arrived, and hands back whole messages and control frames. It buffers,
//! parses a header, judges it, waits for the whole payload, unmasks it, and
//! adds it to the message. It never touches a socket, so every rule is tested
//! with byte arrays. The rules themselves, and the message being built, are in
//! [`Assembler`], which the faster receiver of chapter 9
//! ([`crate::fast::FastReceiver`]) shares.
//! See `tutorial/06-messages-and-closing.md#the-receiver`.

use crate::close::{parse_close_payload, CloseFrame};
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, OpCode, Role};
use crate::mask::apply_mask;
use crate::trace;
use crate::utf8::Utf8Validator;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A complete data message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Text(String),
    Binary(Vec<u8>),
}

/// What the receiver hands back: a message, or a control frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Message(Message),
    /// §5.5.2: the caller must answer with a Pong carrying the same payload.
    Ping(Vec<u8>),
    /// §5.5.3: an answer to our Ping, or unsolicited; either way, proof of life.
    Pong(Vec<u8>),
    /// §5.5.1: the peer starts (or answers) the closing handshake.
    Close(Option<CloseFrame>),
}

/// How big a frame or a message may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_frame: usize,
    pub max_message: usize,
}

/// The bytes of unfinished messages held for all connections together, and
/// the most there may be. Each connection's limit bounds one message; this
/// bounds their sum, which a thousand connections could otherwise make
/// sixteen gigabytes.
#[derive(Debug)]
pub struct Budget {
    held: AtomicUsize,
    max: usize,
}

impl Budget {
    /// A budget of `max` bytes, to share between receivers.
    pub fn new(max: usize) -> Arc<Budget> {
        Arc::new(Budget {
            held: AtomicUsize::new(0),
            max,
        })
    }

    /// Bytes held now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    // ANCHOR: budget
    /// Takes `n` more bytes, unless that would go over the budget.
    fn take(&self, n: usize) -> Result<(), ProtocolError> {
        self.held
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |held| {
                held.checked_add(n).filter(|&total| total <= self.max)
            })
            .map(|_| ())
            .map_err(|_| ProtocolError::OverBudget { max: self.max })
    }
    // ANCHOR_END: budget

    fn give_back(&self, n: usize) {
        self.held.fetch_sub(n, Ordering::SeqCst);
    }
}

/// A data message whose frames are still arriving.
#[derive(Debug)]
pub(crate) enum Partial {
    /// Checked as it arrives (§8.1), and built into a `String` at the same time.
    Text(Utf8Validator),
    Binary(Vec<u8>),
}

impl Partial {
    fn len(&self) -> usize {
        match self {
            Partial::Text(text) => text.len(),
            Partial::Binary(data) => data.len(),
        }
    }
}

/// The rules of §5 that a frame header is judged by, and the message its
/// frames build: everything about receiving except where the bytes wait.
#[derive(Debug)]
pub struct Assembler {
    role: Role,
    limits: Limits,
    pub(crate) message: Option<Partial>,
    budget: Option<Arc<Budget>>,
    /// Bytes of `message` taken from `budget`.
    taken: usize,
    /// Bytes of the last message handed out, still counted: its caller holds
    /// it until it asks for the next one (an echo, until the echo is written).
    delivered: usize,
}

impl Assembler {
    pub(crate) fn new_for(role: Role, limits: Limits) -> Assembler {
        Assembler {
            role,
            limits,
            message: None,
            budget: None,
            taken: 0,
            delivered: 0,
        }
    }

    // ANCHOR: check
    /// Judges a header before any of its payload is read.
    pub fn check(&self, header: &FrameHeader) -> Result<(), ProtocolError> {
        // §5.2: "MUST be 0 unless an extension is negotiated that defines
        // meanings for non-zero values"
        if header.rsv != [false; 3] {
            return Err(ProtocolError::ReservedBitsSet);
        }
        // §5.1: "The server MUST close the connection upon receiving a frame
        // that is not masked." ... "A client MUST close a connection if it
        // detects a masked frame."
        match (self.role, header.mask) {
            (Role::Server, None) => return Err(ProtocolError::UnmaskedFrameFromClient),
            (Role::Client, Some(_)) => return Err(ProtocolError::MaskedFrameFromServer),
            _ => {}
        }
        if header.opcode.is_control() {
            // §5.5: "All control frames MUST have a payload length of 125
            // bytes or less and MUST NOT be fragmented."
            if header.payload_len > 125 {
                return Err(ProtocolError::ControlFrameTooBig(header.payload_len));
            }
            if !header.fin {
                return Err(ProtocolError::FragmentedControlFrame);
            }
            return Ok(());
        }
        match (header.opcode, &self.message) {
            (OpCode::Continuation, None) => return Err(ProtocolError::ContinuationWithoutMessage),
            (OpCode::Text | OpCode::Binary, Some(_)) => {
                return Err(ProtocolError::MessageInterleaved)
            }
            _ => {}
        }
        // ANCHOR_END: check
        let max = self.limits.max_frame;
        if header.payload_len > max as u64 {
            return Err(ProtocolError::FrameTooBig {
                len: header.payload_len,
                max,
            });
        }
        let so_far = self.message.as_ref().map_or(0, Partial::len) as u64;
        let max = self.limits.max_message;
        if so_far + header.payload_len > max as u64 {
            return Err(ProtocolError::MessageTooBig {
                len: so_far + header.payload_len,
                max,
            });
        }
        Ok(())
    }

    /// Starts a message on a Text or Binary header, with room for the
    /// `arrived` bytes already here: the declared length is only a claim.
    pub(crate) fn open(&mut self, opcode: OpCode, arrived: usize) {
        match opcode {
            OpCode::Text => {
                self.message = Some(Partial::Text(Utf8Validator::with_capacity(arrived)))
            }
            OpCode::Binary => self.message = Some(Partial::Binary(Vec::with_capacity(arrived))),
            _ => {} // a continuation adds to the message already open
        }
    }

    /// Takes `n` bytes from the budget for the message to grow by.
    pub(crate) fn grow(&mut self, n: usize) -> Result<(), ProtocolError> {
        if let Some(budget) = &self.budget {
            budget.take(n)?;
            self.taken += n;
        }
        Ok(())
    }

    /// Adds an unmasked piece of payload to the message.
    pub(crate) fn push(&mut self, piece: &[u8]) -> Result<(), ProtocolError> {
        self.grow(piece.len())?;
        match self.message.as_mut().expect("a data frame opens a message") {
            Partial::Text(text) => text.push(piece).map_err(|_| ProtocolError::InvalidUtf8),
            Partial::Binary(data) => {
                data.extend_from_slice(piece);
                Ok(())
            }
        }
    }

    /// The message its final frame completed.
    pub(crate) fn finish(&mut self) -> Result<Received, ProtocolError> {
        self.delivered = std::mem::take(&mut self.taken);
        let message = match self.message.take().expect("a final frame ends a message") {
            Partial::Text(text) => {
                Message::Text(text.finish().map_err(|_| ProtocolError::InvalidUtf8)?)
            }
            Partial::Binary(data) => Message::Binary(data),
        };
        match &message {
            Message::Text(text) => trace::payload(text.as_bytes(), OpCode::Text),
            Message::Binary(data) => trace::payload(data, OpCode::Binary),
        }
        Ok(Received::Message(message))
    }

    /// Replaces the limits; they apply from the next frame header on. A
    /// route with a smaller limit than the server's sets it before the first
    /// read, so an over-long frame is refused from its header alone.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Counts message bytes against `budget`, shared with other receivers:
    /// a message from its first byte until the receiver is next asked for
    /// something, by which time its caller is done with it. A message that
    /// would go over the budget fails with [`ProtocolError::OverBudget`].
    pub fn set_budget(&mut self, budget: Arc<Budget>) {
        self.budget = Some(budget);
    }

    /// The caller asks for more: it is done with the message handed out last.
    pub(crate) fn release_delivered(&mut self) {
        if let Some(budget) = &self.budget {
            budget.give_back(std::mem::take(&mut self.delivered));
        }
    }
}

impl Drop for Assembler {
    fn drop(&mut self) {
        if let Some(budget) = &self.budget {
            budget.give_back(self.taken + self.delivered);
        }
    }
}

/// A control frame's unmasked payload, as what it means.
pub(crate) fn control(opcode: OpCode, payload: Vec<u8>) -> Result<Received, ProtocolError> {
    trace::payload(&payload, opcode);
    match opcode {
        OpCode::Ping => Ok(Received::Ping(payload)),
        OpCode::Pong => Ok(Received::Pong(payload)),
        _ => Ok(Received::Close(parse_close_payload(&payload)?)),
    }
}

/// The receiving half of the protocol, written plainly: every byte waits in
/// one buffer until its whole frame is there.
#[derive(Debug)]
pub struct Receiver {
    buf: Vec<u8>,
    assembler: Assembler,
}

impl Receiver {
    /// A receiver for this end of the connection.
    pub fn new(role: Role, limits: Limits) -> Receiver {
        Receiver {
            buf: Vec::new(),
            assembler: Assembler::new_for(role, limits),
        }
    }

    /// Keeps bytes that arrived; [`Receiver::next_received`] parses them.
    pub fn receive_data(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    // ANCHOR: next_received
    /// The next message or control frame from the bytes received so far;
    /// `Ok(None)` when more bytes are needed first.
    pub fn next_received(&mut self) -> Result<Option<Received>, ProtocolError> {
        self.assembler.release_delivered();
        loop {
            let Some((header, len)) = FrameHeader::parse(&self.buf)? else {
                return Ok(None);
            };
            self.assembler.check(&header)?;
            let total = len + header.payload_len as usize;
            if self.buf.len() < total {
                return Ok(None); // wait for the whole frame
            }
            trace::header(&self.buf[..len], &header);
            let mut payload: Vec<u8> = self.buf.drain(..total).skip(len).collect();
            if let Some(key) = header.mask {
                apply_mask(&mut payload, key, 0);
            }
            if header.opcode.is_control() {
                return control(header.opcode, payload).map(Some);
            }
            self.assembler.open(header.opcode, 0);
            self.assembler.push(&payload)?;
            if header.fin {
                return self.assembler.finish().map(Some);
            }
        }
    }
    // ANCHOR_END: next_received

    /// Whether bytes are waiting that [`Receiver::next_received`] has not consumed.
    pub fn has_buffered(&self) -> bool {
        !self.buf.is_empty()
    }

    /// The rules and the message being built, to change limits and budget.
    pub fn assembler(&mut self) -> &mut Assembler {
        &mut self.assembler
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::frame::MAX_HEADER_LEN;

    pub const LIMITS: Limits = Limits {
        max_frame: 1 << 20,
        max_message: 1 << 20,
    };

    /// A frame as a client sends it: masked.
    pub fn masked(opcode: OpCode, fin: bool, payload: &[u8]) -> Vec<u8> {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let header = FrameHeader {
            fin,
            mask: Some(key),
            ..FrameHeader::server(opcode, payload.len())
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let len = header.encode(&mut head);
        let mut frame = head[..len].to_vec();
        frame.extend_from_slice(payload);
        apply_mask(&mut frame[len..], key, 0);
        frame
    }

    fn all(receiver: &mut Receiver, bytes: &[u8]) -> Result<Vec<Received>, ProtocolError> {
        receiver.receive_data(bytes);
        let mut received = Vec::new();
        while let Some(item) = receiver.next_received()? {
            received.push(item);
        }
        Ok(received)
    }

    #[test]
    fn a_client_refuses_masked_frames_and_reads_unmasked_ones() {
        let mut client = Receiver::new(Role::Client, LIMITS);
        let mut unmasked = masked(OpCode::Text, true, b"hi");
        assert_eq!(
            all(&mut client, &unmasked),
            Err(ProtocolError::MaskedFrameFromServer)
        );
        let mut client = Receiver::new(Role::Client, LIMITS);
        unmasked = vec![0x81, 0x02, b'h', b'i'];
        assert_eq!(
            all(&mut client, &unmasked),
            Ok(vec![Received::Message(Message::Text("hi".into()))])
        );
        let mut server = Receiver::new(Role::Server, LIMITS);
        assert_eq!(
            all(&mut server, &unmasked),
            Err(ProtocolError::UnmaskedFrameFromClient)
        );
    }

    #[test]
    fn the_budget_counts_unfinished_messages_across_receivers() {
        let budget = Budget::new(10);
        let mut first = Receiver::new(Role::Server, LIMITS);
        let mut second = Receiver::new(Role::Server, LIMITS);
        first.assembler().set_budget(Arc::clone(&budget));
        second.assembler().set_budget(Arc::clone(&budget));
        assert_eq!(
            all(&mut first, &masked(OpCode::Binary, false, b"123456")),
            Ok(vec![])
        );
        assert_eq!(budget.held(), 6);
        assert_eq!(
            all(&mut second, &masked(OpCode::Binary, false, b"12345")),
            Err(ProtocolError::OverBudget { max: 10 })
        );
        assert_eq!(budget.held(), 6, "the refused piece took nothing");
        // A finished message is counted until the receiver is next asked for
        // something: its caller holds it until then. So is a dropped receiver's.
        first.receive_data(&masked(OpCode::Continuation, true, b"78"));
        let done = first.next_received();
        assert!(matches!(done, Ok(Some(Received::Message(_)))), "{done:?}");
        assert_eq!(budget.held(), 8, "held by its caller");
        assert_eq!(first.next_received(), Ok(None));
        assert_eq!(budget.held(), 0);
        assert_eq!(
            all(&mut first, &masked(OpCode::Text, false, b"abc")),
            Ok(vec![])
        );
        assert_eq!(budget.held(), 3);
        drop(first);
        assert_eq!(budget.held(), 0);
    }
}
