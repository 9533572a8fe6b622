//! Chapter 1, solved: the library's own function.

pub fn reverse(line: &str) -> String {
    wslab::reverse::reverse(line)
}
