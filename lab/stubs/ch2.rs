//! Lab 2: the client's read loop. Read everything the server sends, until it
//! closes the connection.
//!
//! Read tutorial/02-the-other-end.md#talking first. Replace the `todo!()`,
//! then run `make lab 2`.

use std::io::{self, Read};

/// Every byte `reader` yields before the end of the stream. One `read`
/// returns *some* bytes, not all of them; `Ok(0)` is the end. An error
/// is returned as it is.
pub fn read_until_closed(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    todo!("call reader.read(..) until it returns Ok(0)")
}
