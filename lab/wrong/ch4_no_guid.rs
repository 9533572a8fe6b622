//! Wrong on purpose: the SHA-1 of the key alone, without the GUID.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha1::{Digest, Sha1};

pub fn accept_key(key: &str) -> String {
    BASE64.encode(Sha1::digest(key.as_bytes()))
}
