//! Chapter 6: from frames to messages, sans I/O.
//!
//! A [`Receiver`] is fed the bytes a client sent, in whatever pieces they
//! arrived, and hands back whole messages and control frames. It checks every
//! rule of §5 as early as the bytes allow: a header is judged before its
//! payload is read, a payload is unmasked and (for text) validated as it
//! arrives, and nothing is allocated because of a length the peer merely claims.
//! It never touches a socket, so every rule is tested with byte arrays.
//! See `tutorial/06-messages-and-closing.md#the-receiver`.

use crate::close::{parse_close_payload, CloseFrame};
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, OpCode};
use crate::mask::apply_mask;
use crate::trace;
use crate::utf8::Utf8Validator;

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

/// A data message whose frames are still arriving.
#[derive(Debug)]
enum Partial {
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

/// While a binary payload larger than the read buffer arrives, and nothing
/// else is buffered, reads go straight into the message this much at a time.
const DIRECT_READ: usize = 64 * 1024;

/// Where the receiver is in the byte stream.
#[derive(Debug)]
enum State {
    /// Waiting for a frame header.
    Header,
    /// Inside a data frame's payload: `remaining` bytes still to come.
    Payload {
        fin: bool,
        key: [u8; 4],
        offset: usize,
        remaining: u64,
    },
}

/// The receiving half of the protocol. See the module documentation.
#[derive(Debug)]
pub struct Receiver {
    buf: Vec<u8>,
    /// The buffer's size between messages.
    buffer_size: usize,
    start: usize,
    end: usize,
    limits: Limits,
    state: State,
    message: Option<Partial>,
    /// Bytes at the end of a binary message that [`Receiver::space`] zeroed
    /// and offered, and no read has filled yet. While there are any, the
    /// buffer is empty and every read goes into them.
    unfilled: usize,
}

impl Receiver {
    /// A receiver that reads through a buffer of `buffer_size` bytes (at least
    /// 256, so any control frame fits whole).
    pub fn new(limits: Limits, buffer_size: usize) -> Receiver {
        Receiver {
            buf: vec![0; buffer_size.max(256)],
            buffer_size: buffer_size.max(256),
            start: 0,
            end: 0,
            limits,
            state: State::Header,
            message: None,
            unfilled: 0,
        }
    }

    /// Replaces the limits; they apply from the next frame header on. A
    /// route with a smaller limit than the server's calls this before the
    /// first read, so an over-long frame is refused from its header alone.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    // ANCHOR: buffer
    /// Room to read more bytes into. Call [`Receiver::filled`] with how many
    /// were read. Only call this when [`Receiver::next_received`] has returned `Ok(None)`.
    pub fn space(&mut self) -> &mut [u8] {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
            let remaining = match self.state {
                State::Payload { remaining, .. } => remaining,
                State::Header => 0,
            };
            match &mut self.message {
                Some(Partial::Binary(data))
                    if self.unfilled > 0 || remaining > self.buf.len() as u64 =>
                {
                    if self.unfilled == 0 {
                        // Room for bytes on their way: the header's length was
                        // checked against the limits, and DIRECT_READ bounds it.
                        self.unfilled = remaining.min(DIRECT_READ as u64) as usize;
                        data.resize(data.len() + self.unfilled, 0);
                    }
                    let from = data.len() - self.unfilled;
                    return &mut data[from..];
                }
                // A big text payload is read in bigger pieces, up to the same bound.
                Some(Partial::Text(_)) if remaining > self.buf.len() as u64 => {
                    let room = remaining.min(DIRECT_READ as u64) as usize;
                    self.buf.resize(room.max(self.buf.len()), 0);
                }
                // Between messages: back to the size an idle connection keeps.
                None if self.buf.len() > self.buffer_size => {
                    self.buf.truncate(self.buffer_size);
                    self.buf.shrink_to_fit();
                }
                _ => {}
            }
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were read into [`Receiver::space`].
    pub fn filled(&mut self, n: usize) {
        if self.unfilled == 0 {
            self.end += n;
            debug_assert!(self.end <= self.buf.len());
            return;
        }
        // The bytes landed in the message: unmask them where they are.
        let (
            Some(Partial::Binary(data)),
            State::Payload {
                key,
                offset,
                remaining,
                ..
            },
        ) = (&mut self.message, &mut self.state)
        else {
            unreachable!("space() offers the message only inside a binary payload");
        };
        let from = data.len() - self.unfilled;
        apply_mask(&mut data[from..from + n], *key, *offset);
        self.unfilled -= n;
        *offset += n;
        *remaining -= n as u64;
    }

    /// Copies `bytes` in: for tests, and for bytes that arrived with the handshake.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<Vec<Received>, ProtocolError> {
        let mut received = Vec::new();
        loop {
            while let Some(item) = self.next_received()? {
                received.push(item);
            }
            if bytes.is_empty() {
                return Ok(received);
            }
            let space = self.space();
            let n = space.len().min(bytes.len());
            space[..n].copy_from_slice(&bytes[..n]);
            self.filled(n);
            bytes = &bytes[n..];
        }
    }

    /// Copies `bytes` into the buffer without parsing them yet: the bytes that
    /// came with the handshake. [`Receiver::next_received`] will find them.
    pub fn feed_bytes(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let space = self.space();
            if space.is_empty() {
                self.buf.resize(self.buf.len() * 2, 0);
                continue;
            }
            let n = space.len().min(bytes.len());
            space[..n].copy_from_slice(&bytes[..n]);
            self.filled(n);
            bytes = &bytes[n..];
        }
    }

    /// Whether bytes are waiting that [`Receiver::next_received`] has not consumed.
    pub fn has_buffered(&self) -> bool {
        self.start < self.end
    }
    // ANCHOR_END: buffer

    // ANCHOR: next
    /// The next message or control frame from the buffered bytes; `Ok(None)`
    /// when more bytes are needed first.
    pub fn next_received(&mut self) -> Result<Option<Received>, ProtocolError> {
        loop {
            match self.state {
                State::Header => {
                    let Some((header, len)) = FrameHeader::parse(&self.buf[self.start..self.end])?
                    else {
                        return Ok(None);
                    };
                    self.check(&header)?;
                    trace::header(&self.buf[self.start..self.start + len], &header);
                    let key = header.mask.expect("checked: client frames are masked");
                    if header.opcode.is_control() {
                        let total = len + header.payload_len as usize;
                        if self.end - self.start < total {
                            return Ok(None); // wait for the whole control frame
                        }
                        let mut payload = self.buf[self.start + len..self.start + total].to_vec();
                        apply_mask(&mut payload, key, 0);
                        trace::payload(&payload, header.opcode);
                        self.start += total;
                        return control(header.opcode, payload).map(Some);
                    }
                    self.start += len;
                    self.open_message(&header);
                    self.state = State::Payload {
                        fin: header.fin,
                        key,
                        offset: 0,
                        remaining: header.payload_len,
                    };
                }
                State::Payload {
                    fin,
                    key,
                    offset,
                    remaining,
                } => {
                    let available = (self.end - self.start).min(remaining as usize);
                    if available == 0 && remaining > 0 {
                        return Ok(None);
                    }
                    let piece = &mut self.buf[self.start..self.start + available];
                    apply_mask(piece, key, offset);
                    self.start += available;
                    match self.message.as_mut().expect("a data frame opens a message") {
                        Partial::Text(text) => {
                            text.push(piece).map_err(|_| ProtocolError::InvalidUtf8)?
                        }
                        Partial::Binary(data) => data.extend_from_slice(piece),
                    }
                    let remaining = remaining - available as u64;
                    if remaining > 0 {
                        self.state = State::Payload {
                            fin,
                            key,
                            offset: offset + available,
                            remaining,
                        };
                        return Ok(None);
                    }
                    self.state = State::Header;
                    if fin {
                        return self.finish_message().map(Some);
                    }
                }
            }
        }
    }
    // ANCHOR_END: next

    // ANCHOR: check
    /// Judges a header before any of its payload is read.
    fn check(&self, header: &FrameHeader) -> Result<(), ProtocolError> {
        // §5.2: "MUST be 0 unless an extension is negotiated that defines
        // meanings for non-zero values"
        if header.rsv != [false; 3] {
            return Err(ProtocolError::ReservedBitsSet);
        }
        // §5.1: "The server MUST close the connection upon receiving a frame
        // that is not masked."
        if header.mask.is_none() {
            return Err(ProtocolError::UnmaskedFrameFromClient);
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
        let max = self.limits.max_frame;
        if header.payload_len > max as u64 {
            return Err(ProtocolError::FrameTooBig {
                len: header.payload_len,
                max,
            });
        }
        debug_assert_eq!(self.unfilled, 0, "a payload ends before the next header");
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
    // ANCHOR_END: check

    fn open_message(&mut self, header: &FrameHeader) {
        // Reserve only what has already arrived: the declared length is a claim.
        let arrived = (self.end - self.start).min(header.payload_len as usize);
        match header.opcode {
            OpCode::Text => {
                self.message = Some(Partial::Text(Utf8Validator::with_capacity(arrived)))
            }
            OpCode::Binary => self.message = Some(Partial::Binary(Vec::with_capacity(arrived))),
            _ => {} // a continuation adds to the message already open
        }
    }

    fn finish_message(&mut self) -> Result<Received, ProtocolError> {
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
}

fn control(opcode: OpCode, payload: Vec<u8>) -> Result<Received, ProtocolError> {
    match opcode {
        OpCode::Ping => Ok(Received::Ping(payload)),
        OpCode::Pong => Ok(Received::Pong(payload)),
        _ => Ok(Received::Close(parse_close_payload(&payload)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::MAX_HEADER_LEN;

    const LIMITS: Limits = Limits {
        max_frame: 1 << 20,
        max_message: 1 << 20,
    };

    fn masked(opcode: OpCode, fin: bool, payload: &[u8]) -> Vec<u8> {
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

    fn feed_in_pieces(bytes: &[u8], piece: usize) -> Vec<Received> {
        let mut receiver = Receiver::new(LIMITS, 256);
        let mut received = Vec::new();
        for chunk in bytes.chunks(piece) {
            received.extend(receiver.feed(chunk).unwrap());
        }
        assert!(!receiver.has_buffered());
        received
    }

    #[test]
    fn a_large_binary_message_read_straight_into_itself_arrives_whole() {
        // Larger than the 256-byte buffer, so `space` offers the message's own
        // Vec, and larger than DIRECT_READ, so it does so more than once.
        let payload: Vec<u8> = (0..DIRECT_READ * 2 + 1000)
            .map(|i| (i % 251) as u8)
            .collect();
        let mut bytes = masked(OpCode::Binary, false, &payload[..70_000]);
        bytes.extend(masked(OpCode::Ping, true, b"between"));
        bytes.extend(masked(OpCode::Continuation, true, &payload[70_000..]));
        bytes.extend(masked(OpCode::Binary, true, b"next"));
        for piece in [1, 3, 255, 256, 257, 4096, DIRECT_READ + 1, bytes.len()] {
            assert_eq!(
                feed_in_pieces(&bytes, piece),
                [
                    Received::Ping(b"between".to_vec()),
                    Received::Message(Message::Binary(payload.clone())),
                    Received::Message(Message::Binary(b"next".to_vec())),
                ],
                "pieces of {piece} bytes"
            );
        }
    }

    #[test]
    fn a_big_text_message_is_read_in_big_pieces_then_the_buffer_shrinks_back() {
        let text = "κόσμε ".repeat(20_000); // 240,000 bytes
        let bytes = masked(OpCode::Text, true, text.as_bytes());
        let mut receiver = Receiver::new(LIMITS, 256);
        let (header, rest) = bytes.split_at(20);
        assert_eq!(receiver.feed(header).unwrap(), []);
        // Inside the payload, the room offered grows to DIRECT_READ...
        assert_eq!(receiver.space().len(), DIRECT_READ);
        let received = receiver.feed(rest).unwrap();
        assert_eq!(received, [Received::Message(Message::Text(text))]);
        // ...and between messages it is back to what an idle connection keeps.
        assert_eq!(receiver.space().len(), 256);
        assert_eq!(receiver.buf.capacity(), 256);
    }

    #[test]
    fn a_text_message_is_built_once_whatever_the_pieces() {
        let text = "你好, κόσμε 🎉 ".repeat(100);
        let (first, second) = text.as_bytes().split_at(1001); // inside a character
        let mut bytes = masked(OpCode::Text, false, first);
        bytes.extend(masked(OpCode::Continuation, true, second));
        for piece in [1, 2, 3, 5, 256, bytes.len()] {
            assert_eq!(
                feed_in_pieces(&bytes, piece),
                [Received::Message(Message::Text(text.clone()))],
                "pieces of {piece} bytes"
            );
        }
    }
}
