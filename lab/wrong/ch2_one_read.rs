//! Wrong on purpose: one `read` taken to be everything the server sent.

use std::io::{self, Read};

pub fn read_until_closed(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut buf = [0u8; 8192];
    let n = reader.read(&mut buf)?;
    Ok(buf[..n].to_vec())
}
