//! Wrong on purpose: the Accept is checked when it is there, and its absence
//! is let through.

pub use crate::reference::ch11::mask_frame;

pub fn accept_matches(our_key: &str, accept: Option<&str>) -> bool {
    accept.is_none_or(|accept| accept == wslab::handshake::accept_key(our_key))
}
