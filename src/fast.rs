//! Chapter 9: the receiver the server runs, which gives the same answers as
//! chapter 6's [`crate::message::Receiver`] (a test feeds both the same bytes,
//! cut at every point) with fewer copies and less memory:
//!
//! - a payload is unmasked and added to its message as it arrives, instead of
//!   waiting whole in the buffer first;
//! - a big binary payload is read straight into its message, with no copy in
//!   between, in reads that grow with the message;
//! - a big text payload is read in pieces of up to [`DIRECT_READ`] bytes, and
//!   the buffer shrinks back to its idle size after the message.
//!
//! The socket reads into [`FastReceiver::space`] and reports with
//! [`FastReceiver::filled`]; there is no socket here either.
//! See `tutorial/09-performance.md#reading-straight-into-the-message`.

use crate::error::ProtocolError;
use crate::frame::{FrameHeader, Role};
use crate::mask::apply_mask;
use crate::message::{control, Assembler, Limits, Partial, Received};
use crate::trace;

/// While a payload larger than the read buffer arrives, and nothing else is
/// buffered, reads go straight into the message (binary), with room for at
/// least this many bytes, or into a buffer grown to this size (text).
pub const DIRECT_READ: usize = 64 * 1024;

/// Where the receiver is in the byte stream.
#[derive(Debug)]
enum State {
    /// Waiting for a frame header.
    Header,
    /// Inside a data frame's payload: `remaining` bytes still to come.
    Payload {
        fin: bool,
        key: Option<[u8; 4]>,
        offset: usize,
        remaining: u64,
    },
}

/// The fast receiving half of the protocol. See the module documentation.
#[derive(Debug)]
pub struct FastReceiver {
    buf: Vec<u8>,
    /// The buffer's size between messages.
    buffer_size: usize,
    start: usize,
    end: usize,
    state: State,
    assembler: Assembler,
    /// Bytes at the end of a binary message that were zeroed and offered by
    /// [`FastReceiver::space`], and that no read has filled yet. While there
    /// are any, the buffer is empty and every read goes into them.
    unfilled: usize,
}

impl FastReceiver {
    /// A receiver that reads through a buffer of `buffer_size` bytes (at least
    /// 256, so any control frame fits whole).
    pub fn new(role: Role, limits: Limits, buffer_size: usize) -> FastReceiver {
        FastReceiver {
            buf: vec![0; buffer_size.max(256)],
            buffer_size: buffer_size.max(256),
            start: 0,
            end: 0,
            state: State::Header,
            assembler: Assembler::new_for(role, limits),
            unfilled: 0,
        }
    }

    /// The rules and the message being built, to change limits and budget.
    pub fn assembler(&mut self) -> &mut Assembler {
        &mut self.assembler
    }

    /// Room to read more bytes into. Call [`FastReceiver::filled`] with how
    /// many were read. Only call this when [`FastReceiver::next_received`] has
    /// returned `Ok(None)`.
    pub fn space(&mut self) -> &mut [u8] {
        if self.unfilled > 0 {
            let Some(Partial::Binary(data)) = &mut self.assembler.message else {
                unreachable!("only a binary message is read into directly");
            };
            let from = data.len() - self.unfilled;
            return &mut data[from..];
        }
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
            let remaining = match self.state {
                State::Payload { remaining, .. } => remaining,
                State::Header => 0,
            };
            match &self.assembler.message {
                // A big text payload is read in bigger pieces.
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

    /// Records that `n` bytes were read into [`FastReceiver::space`].
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
        ) = (&mut self.assembler.message, &mut self.state)
        else {
            unreachable!("space() offers the message only inside a binary payload");
        };
        let from = data.len() - self.unfilled;
        if let Some(key) = key {
            apply_mask(&mut data[from..from + n], *key, *offset);
        }
        self.unfilled -= n;
        *offset += n;
        *remaining -= n as u64;
    }

    /// Copies bytes in through [`FastReceiver::space`]: for bytes that came
    /// with the handshake, and for tests. [`FastReceiver::next_received`] parses them.
    pub fn receive_data(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.unfilled == 0 && self.end == self.buf.len() && self.start == 0 {
                let bigger = self.buf.len() * 2;
                self.buf.resize(bigger, 0);
            }
            let space = self.space();
            let n = space.len().min(bytes.len());
            space[..n].copy_from_slice(&bytes[..n]);
            self.filled(n);
            bytes = &bytes[n..];
        }
    }

    /// Whether bytes are waiting that [`FastReceiver::next_received`] has not consumed.
    pub fn has_buffered(&self) -> bool {
        self.start < self.end
    }

    /// The next message or control frame from the buffered bytes; `Ok(None)`
    /// when more bytes are needed first.
    pub fn next_received(&mut self) -> Result<Option<Received>, ProtocolError> {
        self.assembler.release_delivered();
        loop {
            match self.state {
                State::Header => {
                    let Some((header, len)) = FrameHeader::parse(&self.buf[self.start..self.end])?
                    else {
                        return Ok(None);
                    };
                    self.assembler.check(&header)?;
                    trace::header(&self.buf[self.start..self.start + len], &header);
                    if header.opcode.is_control() {
                        let total = len + header.payload_len as usize;
                        if self.end - self.start < total {
                            return Ok(None); // wait for the whole control frame
                        }
                        let mut payload = self.buf[self.start + len..self.start + total].to_vec();
                        if let Some(key) = header.mask {
                            apply_mask(&mut payload, key, 0);
                        }
                        self.start += total;
                        return control(header.opcode, payload).map(Some);
                    }
                    self.start += len;
                    let arrived = (self.end - self.start).min(header.payload_len as usize);
                    self.assembler.open(header.opcode, arrived);
                    self.state = State::Payload {
                        fin: header.fin,
                        key: header.mask,
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
                        self.read_direct(remaining)?;
                        return Ok(None);
                    }
                    let piece = &mut self.buf[self.start..self.start + available];
                    if let Some(key) = key {
                        apply_mask(piece, key, offset);
                    }
                    self.start += available;
                    self.assembler.push(piece)?;
                    let remaining = remaining - available as u64;
                    if remaining > 0 {
                        self.state = State::Payload {
                            fin,
                            key,
                            offset: offset + available,
                            remaining,
                        };
                        continue;
                    }
                    self.state = State::Header;
                    if fin {
                        return self.assembler.finish().map(Some);
                    }
                }
            }
        }
    }

    // ANCHOR: read_direct
    /// With nothing buffered inside a binary payload bigger than the buffer,
    /// makes room at the end of the message for the next read to land in: as
    /// much as the message holds already, at least [`DIRECT_READ`], never more
    /// than the payload still to come. So the message doubles each time, as a
    /// `Vec` doubles its capacity, and room for 16 MiB is made nine times, not
    /// 256; yet a peer that sends slowly gets no more room than it has filled.
    /// The header's length was checked against the limits, and the budget is
    /// charged before the room is made.
    fn read_direct(&mut self, remaining: u64) -> Result<(), ProtocolError> {
        let Some(Partial::Binary(data)) = &self.assembler.message else {
            return Ok(());
        };
        if self.unfilled > 0 || remaining <= self.buf.len() as u64 {
            return Ok(());
        }
        let room = remaining.min(data.len().max(DIRECT_READ) as u64) as usize;
        self.assembler.grow(room)?;
        let Some(Partial::Binary(data)) = &mut self.assembler.message else {
            unreachable!("matched above");
        };
        data.resize(data.len() + room, 0);
        self.unfilled = room;
        Ok(())
    }
    // ANCHOR_END: read_direct
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::OpCode;
    use crate::message::tests::{masked, LIMITS};
    use crate::message::{Message, Receiver};

    fn feed_in_pieces(bytes: &[u8], piece: usize) -> Vec<Received> {
        let mut receiver = FastReceiver::new(Role::Server, LIMITS, 256);
        let mut received = Vec::new();
        for chunk in bytes.chunks(piece) {
            receiver.receive_data(chunk);
            while let Some(item) = receiver.next_received().unwrap() {
                received.push(item);
            }
        }
        assert!(!receiver.has_buffered());
        received
    }

    fn plain(bytes: &[u8]) -> Vec<Received> {
        let mut receiver = Receiver::new(Role::Server, LIMITS);
        receiver.receive_data(bytes);
        std::iter::from_fn(|| receiver.next_received().unwrap()).collect()
    }

    #[test]
    fn a_large_binary_message_read_straight_into_itself_arrives_whole() {
        // Larger than the 256-byte buffer, so the message's own Vec is
        // offered, and larger than DIRECT_READ, so more than once.
        let payload: Vec<u8> = (0..DIRECT_READ * 2 + 1000)
            .map(|i| (i % 251) as u8)
            .collect();
        let mut bytes = masked(OpCode::Binary, false, &payload[..70_000]);
        bytes.extend(masked(OpCode::Ping, true, b"between"));
        bytes.extend(masked(OpCode::Continuation, true, &payload[70_000..]));
        bytes.extend(masked(OpCode::Binary, true, b"next"));
        let expected = [
            Received::Ping(b"between".to_vec()),
            Received::Message(Message::Binary(payload.clone())),
            Received::Message(Message::Binary(b"next".to_vec())),
        ];
        assert_eq!(plain(&bytes), expected);
        for piece in [1, 3, 255, 256, 257, 4096, DIRECT_READ + 1, bytes.len()] {
            assert_eq!(
                feed_in_pieces(&bytes, piece),
                expected,
                "pieces of {piece} bytes"
            );
        }
    }

    #[test]
    fn a_big_text_message_is_read_in_big_pieces_then_the_buffer_shrinks_back() {
        let text = "κόσμε ".repeat(20_000); // 240,000 bytes
        let bytes = masked(OpCode::Text, true, text.as_bytes());
        let mut receiver = FastReceiver::new(Role::Server, LIMITS, 256);
        let (header, rest) = bytes.split_at(20);
        receiver.receive_data(header);
        assert_eq!(receiver.next_received(), Ok(None));
        // Inside the payload, the room offered grows to DIRECT_READ...
        assert_eq!(receiver.space().len(), DIRECT_READ);
        let mut received = Vec::new();
        for piece in rest.chunks(DIRECT_READ) {
            receiver.receive_data(piece);
            received.extend(std::iter::from_fn(|| receiver.next_received().unwrap()));
        }
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
