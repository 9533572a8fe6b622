//! Lab 11: the client's two duties, checking the server's Accept and masking
//! what it sends.
//!
//! Read tutorial/11-the-other-end-again.md#the-clients-handshake and
//! tutorial/11-the-other-end-again.md#a-clients-frame first. Replace the two
//! `todo!()`s, then run `make lab 11`. Lab 4's `accept_key` is the library's
//! `wslab::handshake::accept_key`: use it.

use wslab::frame::OpCode;

/// Whether the server's `Sec-WebSocket-Accept` proves that it read our
/// request (§4.1, the fourth check). `our_key` is the `Sec-WebSocket-Key` we
/// sent; `accept` is the header's value, `None` when the 101 has no such
/// header. A client MUST fail the connection unless `accept` is there and is
/// the accept key of *our* key.
pub fn accept_matches(our_key: &str, accept: Option<&str>) -> bool {
    todo!("does {accept:?} answer the key {our_key:?}?")
}

/// A final frame of `opcode` as a client sends it (§5.2, §5.3): FIN and the
/// opcode; the MASK bit and the payload length in its shortest form; the
/// 4-byte `key`; then the payload, byte `i` XORed with `key[i % 4]`.
pub fn mask_frame(opcode: OpCode, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    todo!("a masked {opcode:?} frame of {} bytes", payload.len())
}
