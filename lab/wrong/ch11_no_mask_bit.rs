//! Wrong on purpose: the key is sent and the payload masked, but the MASK bit
//! is never set, so the server reads the key as payload and fails the
//! connection with 1002.

use wslab::frame::OpCode;

pub use crate::reference::ch11::accept_matches;

pub fn mask_frame(opcode: OpCode, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mut frame = vec![0x80 | opcode.to_u8()];
    match payload.len() {
        short @ 0..=125 => frame.push(short as u8),
        medium @ 126..=0xFFFF => {
            frame.push(126);
            frame.extend_from_slice(&(medium as u16).to_be_bytes());
        }
        long => {
            frame.push(127);
            frame.extend_from_slice(&(long as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}
