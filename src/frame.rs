//! Chapter 5: the frame header (RFC 6455 §5.2), parsed from bytes and encoded
//! to bytes. No socket here: parsing answers "a header", "need more bytes",
//! or an error naming the broken rule.
//! See `tutorial/05-frames.md#the-frame-header`.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! ```

use crate::error::ProtocolError;

/// Which end of the connection we are. §5.1: "a client MUST mask all frames
/// that it sends to the server" and "A server MUST NOT mask any frames that it
/// sends to the client"; each end closes the connection on a frame masked the
/// wrong way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Server,
    Client,
}

impl Role {
    /// Whether the frames this end sends are masked (and so the frames it
    /// receives must not be).
    pub fn masks(self) -> bool {
        self == Role::Client
    }
}

/// What a frame carries (§5.2, §11.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpCode {
    /// 0x0: the next fragment of a message.
    Continuation,
    /// 0x1: the first frame of a text message.
    Text,
    /// 0x2: the first frame of a binary message.
    Binary,
    /// 0x8: the closing handshake.
    Close,
    /// 0x9: are you there?
    Ping,
    /// 0xA: yes, I am.
    Pong,
}

impl OpCode {
    /// The opcode's 4-bit value on the wire.
    pub fn to_u8(self) -> u8 {
        match self {
            OpCode::Continuation => 0x0,
            OpCode::Text => 0x1,
            OpCode::Binary => 0x2,
            OpCode::Close => 0x8,
            OpCode::Ping => 0x9,
            OpCode::Pong => 0xA,
        }
    }

    /// The opcode for a 4-bit value; reserved values are an error (§5.2).
    pub fn from_u8(value: u8) -> Result<OpCode, ProtocolError> {
        match value {
            0x0 => Ok(OpCode::Continuation),
            0x1 => Ok(OpCode::Text),
            0x2 => Ok(OpCode::Binary),
            0x8 => Ok(OpCode::Close),
            0x9 => Ok(OpCode::Ping),
            0xA => Ok(OpCode::Pong),
            reserved => Err(ProtocolError::ReservedOpcode(reserved)),
        }
    }

    /// Control frames have opcodes with the high bit set: Close, Ping, Pong (§5.5).
    pub fn is_control(self) -> bool {
        self.to_u8() & 0x8 != 0
    }
}

/// The fields before a frame's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN: this is the last frame of its message.
    pub fin: bool,
    /// RSV1, RSV2, RSV3: for extensions; we negotiate none.
    pub rsv: [bool; 3],
    pub opcode: OpCode,
    /// The masking key, present when the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    pub payload_len: u64,
}

/// The longest a header can be: 2 bytes, 8 of extended length, 4 of key.
pub const MAX_HEADER_LEN: usize = 14;

impl FrameHeader {
    // ANCHOR: parse
    /// Parses a header from the start of `bytes`. Returns the header and its
    /// length in bytes, `Ok(None)` if `bytes` holds only part of a header, or
    /// the rule the bytes break.
    pub fn parse(bytes: &[u8]) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
        let [first, second, rest @ ..] = bytes else {
            return Ok(None);
        };
        let fin = first & 0x80 != 0;
        let rsv = [first & 0x40 != 0, first & 0x20 != 0, first & 0x10 != 0];
        let opcode = OpCode::from_u8(first & 0x0F)?;
        let masked = second & 0x80 != 0;

        // The payload length is read in three steps: 7 bits; if they say 126,
        // the next 2 bytes; if they say 127, the next 8 bytes.
        let (payload_len, length_bytes) = match second & 0x7F {
            126 => match rest {
                [a, b, ..] => (u16::from_be_bytes([*a, *b]) as u64, 2),
                _ => return Ok(None),
            },
            127 => match rest.first_chunk::<8>() {
                Some(eight) => (u64::from_be_bytes(*eight), 8),
                None => return Ok(None),
            },
            short => (short as u64, 0),
        };
        // §5.2: "the most significant bit MUST be 0"
        if payload_len >> 63 != 0 {
            return Err(ProtocolError::LengthTopBitSet);
        }

        let rest = &rest[length_bytes..];
        let mask = match (masked, rest.first_chunk::<4>()) {
            (false, _) => None,
            (true, Some(key)) => Some(*key),
            (true, None) => return Ok(None),
        };
        let header_len = 2 + length_bytes + if masked { 4 } else { 0 };
        let header = FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len,
        };
        Ok(Some((header, header_len)))
    }
    // ANCHOR_END: parse

    // ANCHOR: encode
    /// Writes the header into `out` and returns how many bytes it took. The
    /// length uses the shortest form (§5.2: "the minimal number of bytes MUST
    /// be used to encode the length").
    pub fn encode(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        let rsv = (self.rsv[0] as u8) << 6 | (self.rsv[1] as u8) << 5 | (self.rsv[2] as u8) << 4;
        out[0] = (self.fin as u8) << 7 | rsv | self.opcode.to_u8();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut len = 2;
        match self.payload_len {
            short @ 0..=125 => out[1] = mask_bit | short as u8,
            medium @ 126..=0xFFFF => {
                out[1] = mask_bit | 126;
                out[2..4].copy_from_slice(&(medium as u16).to_be_bytes());
                len += 2;
            }
            long => {
                out[1] = mask_bit | 127;
                out[2..10].copy_from_slice(&long.to_be_bytes());
                len += 8;
            }
        }
        if let Some(key) = self.mask {
            out[len..len + 4].copy_from_slice(&key);
            len += 4;
        }
        len
    }
    // ANCHOR_END: encode

    /// The header of an unmasked, final frame: what a server sends (§5.1: "A
    /// server MUST NOT mask any frames that it sends to the client").
    pub fn server(opcode: OpCode, payload_len: usize) -> FrameHeader {
        FrameHeader::new(Role::Server, opcode, payload_len, None)
    }

    /// The header of a final frame sent by `role`: a client's carries its
    /// masking key, a server's none.
    pub fn new(
        role: Role,
        opcode: OpCode,
        payload_len: usize,
        key: Option<[u8; 4]>,
    ) -> FrameHeader {
        debug_assert_eq!(key.is_some(), role.masks(), "§5.1: who masks");
        FrameHeader {
            fin: true,
            rsv: [false; 3],
            opcode,
            mask: key,
            payload_len: payload_len as u64,
        }
    }
}

/// Appends a whole unmasked frame, header and payload, to `out`.
pub fn encode_frame(opcode: OpCode, payload: &[u8], out: &mut Vec<u8>) {
    let mut header = [0u8; MAX_HEADER_LEN];
    let len = FrameHeader::server(opcode, payload.len()).encode(&mut header);
    out.extend_from_slice(&header[..len]);
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        // §5.7: a single-frame unmasked text message containing "Hello".
        let (header, len) = FrameHeader::parse(b"\x81\x05Hello").unwrap().unwrap();
        assert_eq!(len, 2);
        assert_eq!(header, FrameHeader::server(OpCode::Text, 5));
        // §5.7: a single-frame masked text message containing "Hello".
        let bytes = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let (header, len) = FrameHeader::parse(&bytes).unwrap().unwrap();
        assert_eq!((len, header.mask), (6, Some([0x37, 0xfa, 0x21, 0x3d])));
        // §5.7: the first fragment of "Hel" then "lo".
        let (header, _) = FrameHeader::parse(b"\x01\x03Hel").unwrap().unwrap();
        assert!(!header.fin && header.opcode == OpCode::Text);
        let (header, _) = FrameHeader::parse(b"\x80\x02lo").unwrap().unwrap();
        assert!(header.fin && header.opcode == OpCode::Continuation);
        // §5.7: 256 bytes binary in one unmasked frame, and 64 KiB.
        let (header, len) = FrameHeader::parse(b"\x82\x7E\x01\x00").unwrap().unwrap();
        assert_eq!((header.payload_len, len), (256, 4));
        let (header, len) = FrameHeader::parse(b"\x82\x7F\0\0\0\0\0\x01\0\0")
            .unwrap()
            .unwrap();
        assert_eq!((header.payload_len, len), (65536, 10));
    }

    #[test]
    fn every_prefix_of_a_header_needs_more_bytes() {
        for header in [
            FrameHeader {
                mask: Some([1, 2, 3, 4]),
                ..FrameHeader::server(OpCode::Binary, 5)
            },
            FrameHeader {
                mask: Some([1, 2, 3, 4]),
                ..FrameHeader::server(OpCode::Binary, 300)
            },
            FrameHeader {
                mask: Some([1, 2, 3, 4]),
                ..FrameHeader::server(OpCode::Binary, 70_000)
            },
            FrameHeader::server(OpCode::Ping, 70_000),
        ] {
            let mut bytes = [0u8; MAX_HEADER_LEN];
            let len = header.encode(&mut bytes);
            for cut in 0..len {
                assert_eq!(
                    FrameHeader::parse(&bytes[..cut]),
                    Ok(None),
                    "{header:?} cut at {cut}"
                );
            }
            assert_eq!(FrameHeader::parse(&bytes[..len]), Ok(Some((header, len))));
        }
    }

    #[test]
    fn lengths_use_the_shortest_form() {
        for (payload_len, header_len) in [
            (0, 2),
            (125, 2),
            (126, 4),
            (65535, 4),
            (65536, 10),
            (1 << 20, 10),
        ] {
            let mut bytes = [0u8; MAX_HEADER_LEN];
            let len = FrameHeader::server(OpCode::Binary, payload_len).encode(&mut bytes);
            assert_eq!(len, header_len, "payload of {payload_len}");
            let (parsed, _) = FrameHeader::parse(&bytes[..len]).unwrap().unwrap();
            assert_eq!(parsed.payload_len, payload_len as u64);
        }
    }

    #[test]
    fn broken_rules_are_named() {
        for reserved in [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            assert_eq!(
                FrameHeader::parse(&[0x80 | reserved, 0x80]),
                Err(ProtocolError::ReservedOpcode(reserved))
            );
        }
        let top_bit = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            FrameHeader::parse(&top_bit),
            Err(ProtocolError::LengthTopBitSet)
        );
    }

    #[test]
    fn encode_frame_appends_header_and_payload() {
        let mut out = Vec::new();
        encode_frame(OpCode::Text, b"Hello", &mut out);
        assert_eq!(out, b"\x81\x05Hello");
        assert!(OpCode::Ping.is_control() && !OpCode::Binary.is_control());
    }
}
