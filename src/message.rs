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
struct Partial {
    text: bool,
    data: Vec<u8>,
    utf8: Utf8Validator,
}

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
    start: usize,
    end: usize,
    limits: Limits,
    state: State,
    message: Option<Partial>,
}

impl Receiver {
    /// A receiver that reads through a buffer of `buffer_size` bytes (at least
    /// 256, so any control frame fits whole).
    pub fn new(limits: Limits, buffer_size: usize) -> Receiver {
        Receiver {
            buf: vec![0; buffer_size.max(256)],
            start: 0,
            end: 0,
            limits,
            state: State::Header,
            message: None,
        }
    }

    // ANCHOR: buffer
    /// Room to read more bytes into. Call [`Receiver::filled`] with how many
    /// were read. Only call this when [`Receiver::next_received`] has returned `Ok(None)`.
    pub fn space(&mut self) -> &mut [u8] {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were read into [`Receiver::space`].
    pub fn filled(&mut self, n: usize) {
        self.end += n;
        debug_assert!(self.end <= self.buf.len());
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
                    let partial = self.message.as_mut().expect("a data frame opens a message");
                    let from = partial.data.len();
                    partial
                        .data
                        .extend_from_slice(&self.buf[self.start..self.start + available]);
                    apply_mask(&mut partial.data[from..], key, offset);
                    self.start += available;
                    if partial.text {
                        partial
                            .utf8
                            .feed(&partial.data)
                            .map_err(|_| ProtocolError::InvalidUtf8)?;
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
        let so_far = self.message.as_ref().map_or(0, |m| m.data.len()) as u64;
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
        if header.opcode != OpCode::Continuation {
            // Reserve only what has already arrived: the declared length is a claim.
            let arrived = (self.end - self.start).min(header.payload_len as usize);
            self.message = Some(Partial {
                text: header.opcode == OpCode::Text,
                data: Vec::with_capacity(arrived),
                utf8: Utf8Validator::default(),
            });
        }
    }

    fn finish_message(&mut self) -> Result<Received, ProtocolError> {
        let partial = self.message.take().expect("a final frame ends a message");
        trace::payload(
            &partial.data,
            if partial.text {
                OpCode::Text
            } else {
                OpCode::Binary
            },
        );
        if !partial.text {
            return Ok(Received::Message(Message::Binary(partial.data)));
        }
        partial
            .utf8
            .finish(&partial.data)
            .map_err(|_| ProtocolError::InvalidUtf8)?;
        let text = String::from_utf8(partial.data).map_err(|_| ProtocolError::InvalidUtf8)?;
        Ok(Received::Message(Message::Text(text)))
    }
}

fn control(opcode: OpCode, payload: Vec<u8>) -> Result<Received, ProtocolError> {
    match opcode {
        OpCode::Ping => Ok(Received::Ping(payload)),
        OpCode::Pong => Ok(Received::Pong(payload)),
        _ => Ok(Received::Close(parse_close_payload(&payload)?)),
    }
}
