//! Lab 1: reverse a line, as step 1 does for every client.
//!
//! Read tutorial/01-listen-and-accept.md#answering first, and
//! tutorial/01-listen-and-accept.md#what-goes-wrong-in-the-php-version for
//! what PHP's `strrev` does to Chinese text. Replace the `todo!()`, then run
//! `make lab 1`.

/// `line` reversed character by character: `"你好"` becomes `"好你"`.
pub fn reverse(line: &str) -> String {
    todo!("reverse {line:?} by characters")
}
