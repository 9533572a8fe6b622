//! Wrong on purpose: the header parser never looks at the MASK bit, so a
//! masked frame's key is taken to be the start of its payload.

use wslab::error::ProtocolError;
use wslab::frame::{FrameHeader, OpCode};

pub use crate::reference::ch5::unmask;

pub fn parse_header(bytes: &[u8]) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
    let [first, second, rest @ ..] = bytes else {
        return Ok(None);
    };
    let opcode = OpCode::from_u8(first & 0x0F)?;
    let (payload_len, extra) = match second & 0x7F {
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
    if payload_len >> 63 != 0 {
        return Err(ProtocolError::LengthTopBitSet);
    }
    let header = FrameHeader {
        fin: first & 0x80 != 0,
        rsv: [first & 0x40 != 0, first & 0x20 != 0, first & 0x10 != 0],
        opcode,
        mask: None,
        payload_len,
    };
    Ok(Some((header, 2 + extra)))
}
