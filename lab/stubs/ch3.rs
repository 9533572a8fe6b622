//! Lab 3: read one line from a client that may be slow, or silent.
//!
//! Read tutorial/01-listen-and-accept.md#reading-a-line and
//! tutorial/03-many-clients.md#a-deadline-for-silence first. Replace the
//! `todo!()`, then run `make lab 3`.

use crate::given::{LineError, MAX_LINE};
use std::io::Read;

/// One line: the bytes up to `\n`, or up to the end of the stream, without
/// the `\n` or `\r\n`. A line may take many reads. At most [`MAX_LINE`]
/// bytes, `\n` included. The errors:
///
/// - the stream ends before a single byte: [`LineError::Closed`];
/// - no `\n` within [`MAX_LINE`] bytes: [`LineError::TooLong`];
/// - not UTF-8: [`LineError::NotUtf8`];
/// - a read times out (`WouldBlock` on Unix, `TimedOut` on Windows): [`LineError::TimedOut`];
/// - a read is `Interrupted`: not an error, read again;
/// - any other error: [`LineError::Io`].
pub fn read_line(reader: &mut dyn Read) -> Result<String, LineError> {
    todo!("fill a [0u8; MAX_LINE] buffer until it holds a \\n")
}
