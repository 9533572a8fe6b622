//! Wrong on purpose: reverses bytes, as PHP's `strrev` does.

pub fn reverse(line: &str) -> String {
    let bytes: Vec<u8> = line.bytes().rev().collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
