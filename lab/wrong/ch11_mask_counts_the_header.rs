//! Wrong on purpose: the payload masked in place in the frame, with `i`
//! counting the frame's bytes rather than the payload's. It comes out right
//! only when the header's length is a multiple of 4 (the 16-bit length form:
//! 2 + 2 + 4 bytes).

use wslab::frame::{FrameHeader, OpCode, Role, MAX_HEADER_LEN};

pub use crate::reference::ch11::accept_matches;

pub fn mask_frame(opcode: OpCode, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let header = FrameHeader::new(Role::Client, opcode, payload.len(), Some(key));
    let mut bytes = [0; MAX_HEADER_LEN];
    let len = header.encode(&mut bytes);
    let mut frame = bytes[..len].to_vec();
    frame.extend_from_slice(payload);
    for (i, byte) in frame.iter_mut().enumerate().skip(len) {
        *byte ^= key[i % 4];
    }
    frame
}
