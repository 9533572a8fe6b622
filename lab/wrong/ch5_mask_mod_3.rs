//! Wrong on purpose: the key indexed with `i % 3`, not `i % 4`.

pub use crate::reference::ch5::parse_header;

pub fn unmask(payload: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= key[(offset + i) % 3];
    }
}
