//! Chapter 4, solved: the library's own function.

pub fn accept_key(key: &str) -> String {
    wslab::handshake::accept_key(key)
}
