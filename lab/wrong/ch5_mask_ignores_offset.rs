//! Wrong on purpose: every piece unmasked as if it started the payload.

pub use crate::reference::ch5::parse_header;

pub fn unmask(payload: &mut [u8], key: [u8; 4], _offset: usize) {
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= key[i % 4];
    }
}
