//! Wrong on purpose: any Accept will do, so long as there is one. A server
//! that never read our key, or a cache replaying an old answer, passes.

pub use crate::reference::ch11::mask_frame;

pub fn accept_matches(_our_key: &str, accept: Option<&str>) -> bool {
    accept.is_some()
}
