//! Lab 5: parse a frame header, and unmask a payload.
//!
//! Read tutorial/05-frames.md#the-frame-header and
//! tutorial/05-frames.md#masking first. Replace the two `todo!()`s, then run
//! `make lab 5`.

use wslab::error::ProtocolError;
use wslab::frame::{FrameHeader, OpCode};

/// The header at the start of `bytes`, and how many bytes it took.
///
/// - `Ok(None)`: `bytes` holds only the start of a header; wait for more.
/// - `Err(ProtocolError::ReservedOpcode(op))`: the opcode is not one of
///   [`OpCode`]'s (`OpCode::from_u8` tells you).
/// - `Err(ProtocolError::LengthTopBitSet)`: a 64-bit length with its top bit set.
///
/// The payload length takes 7 bits, or 126 and then 2 bytes, or 127 and
/// then 8 bytes, big-endian. The 4-byte masking key follows if the MASK bit
/// is set. RSV bits are reported, not judged.
pub fn parse_header(bytes: &[u8]) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
    todo!("parse the first {} bytes", bytes.len().min(14))
}

/// XORs `payload` with `key`. `offset` is how many bytes of the same
/// payload came before this piece: byte `i` of the piece is byte
/// `offset + i` of the payload.
pub fn unmask(payload: &mut [u8], key: [u8; 4], offset: usize) {
    todo!("unmask {} bytes", payload.len())
}
