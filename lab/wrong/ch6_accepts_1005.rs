//! Wrong on purpose: every code from 1000 to 4999 accepted, including the
//! reserved 1005 ("no status code"), which must never be on the wire.

pub use crate::reference::ch6::assemble;

pub fn close_code_allowed(code: u16) -> bool {
    (1000..=4999).contains(&code)
}
