//! Lab 4: the server's half of the opening handshake's proof.
//!
//! Read tutorial/04-the-opening-handshake.md#the-answer first. Replace the
//! `todo!()`, then run `make lab 4`. You will want these:
//!
//! ```text
//! use base64::engine::general_purpose::STANDARD as BASE64;
//! use base64::Engine as _;
//! use sha1::{Digest, Sha1};
//! ```

/// §1.3: the GUID every server appends to the client's key.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// `Sec-WebSocket-Accept` for the client's `Sec-WebSocket-Key`: the base64
/// of the SHA-1 of the key, as sent, followed by [`GUID`].
pub fn accept_key(key: &str) -> String {
    todo!("base64(sha1({key:?} + GUID))")
}
