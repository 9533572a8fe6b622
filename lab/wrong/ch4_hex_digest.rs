//! Wrong on purpose: the base64 of the SHA-1 written in hex (PHP's
//! `sha1($text)` without `true`), not of its 20 raw bytes.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha1::{Digest, Sha1};
use std::fmt::Write as _;

pub fn accept_key(key: &str) -> String {
    let digest = Sha1::digest(format!("{key}{}", wslab::handshake::GUID).as_bytes());
    let mut hex = String::new();
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    BASE64.encode(hex)
}
