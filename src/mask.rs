//! Chapter 5: masking (RFC 6455 §5.3).
//!
//! Every frame a client sends is masked: payload byte `i` is XORed with byte
//! `i % 4` of a 4-byte key. [`apply_mask_naive`] is that sentence as code and is
//! the reference; [`apply_mask`] does the same eight bytes at a time and is
//! tested against it for every length and offset.
//! See `tutorial/05-frames.md#masking`.

// ANCHOR: naive
/// XORs `buf` with `key`, one byte at a time. `offset` is how many payload
/// bytes came before `buf`, so a payload can be unmasked piece by piece.
pub fn apply_mask_naive(buf: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, byte) in buf.iter_mut().enumerate() {
        *byte ^= key[(offset + i) % 4];
    }
}
// ANCHOR_END: naive

// ANCHOR: fast
/// The same as [`apply_mask_naive`], eight bytes at a time.
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate(key, offset);
    let wide = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap()) ^ wide;
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    apply_mask_naive(chunks.into_remainder(), key, 0);
}

/// The key as seen from payload byte `offset`: rotated so that it starts at
/// `key[offset % 4]`.
fn rotate(key: [u8; 4], offset: usize) -> [u8; 4] {
    let mut rotated = key;
    rotated.rotate_left(offset % 4);
    rotated
}
// ANCHOR_END: fast

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_example_hello() {
        // RFC 6455 §5.7: a masked "Hello" with key 37 fa 21 3d.
        let mut payload = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
        apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(&payload, b"Hello");
    }

    #[test]
    fn fast_matches_naive_for_every_length_and_offset() {
        let key = [0x12, 0x34, 0x56, 0x78];
        let data: Vec<u8> = (0..=255u8).cycle().take(70).collect();
        for len in 0..=data.len() {
            for offset in 0..8 {
                // Also every start position in memory, so alignment cannot matter.
                for start in 0..4.min(data.len() - len + 1) {
                    let mut naive = data[start..start + len].to_vec();
                    let mut fast = naive.clone();
                    apply_mask_naive(&mut naive, key, offset);
                    apply_mask(&mut fast, key, offset);
                    assert_eq!(naive, fast, "len {len} offset {offset} start {start}");
                }
            }
        }
    }

    #[test]
    fn masking_twice_restores_and_pieces_compose() {
        let key = [0xde, 0xad, 0xbe, 0xef];
        let original: Vec<u8> = (0..100u8).collect();
        let mut whole = original.clone();
        apply_mask(&mut whole, key, 0);
        let mut pieces = original.clone();
        let (a, rest) = pieces.split_at_mut(7);
        let (b, c) = rest.split_at_mut(30);
        apply_mask(a, key, 0);
        apply_mask(b, key, 7);
        apply_mask(c, key, 37);
        assert_eq!(whole, pieces);
        apply_mask(&mut whole, key, 0);
        assert_eq!(whole, original);
    }
}
