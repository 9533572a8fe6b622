//! Wrong on purpose: the Accept compared without case, like `Upgrade` and
//! `Connection`. Base64 is case-sensitive: another case is another value.

pub use crate::reference::ch11::mask_frame;

pub fn accept_matches(our_key: &str, accept: Option<&str>) -> bool {
    accept.is_some_and(|accept| accept.eq_ignore_ascii_case(&wslab::handshake::accept_key(our_key)))
}
