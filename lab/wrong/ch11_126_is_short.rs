//! Wrong on purpose: the 7-bit length used up to 126, not 125. In the 7-bit
//! field, 126 means "a 16-bit length follows", so the server reads the key as
//! the length.

use wslab::frame::OpCode;

pub use crate::reference::ch11::accept_matches;

pub fn mask_frame(opcode: OpCode, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mut frame = vec![0x80 | opcode.to_u8()];
    match payload.len() {
        short @ 0..=126 => frame.push(0x80 | short as u8),
        medium @ 127..=0xFFFF => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(medium as u16).to_be_bytes());
        }
        long => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(long as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}
