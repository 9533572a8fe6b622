//! Wrong on purpose: a timed-out read is reported as any other I/O error.

use crate::given::{LineError, MAX_LINE};
use std::io::{ErrorKind, Read};

pub fn read_line(reader: &mut dyn Read) -> Result<String, LineError> {
    let mut buf = [0u8; MAX_LINE];
    let mut filled = 0;
    let end = loop {
        if let Some(i) = buf[..filled].iter().position(|&b| b == b'\n') {
            break i;
        }
        if filled == buf.len() {
            return Err(LineError::TooLong);
        }
        let n = match reader.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(LineError::Io(error)),
        };
        if n == 0 {
            if filled == 0 {
                return Err(LineError::Closed);
            }
            break filled;
        }
        filled += n;
    };
    let line = buf[..end].strip_suffix(b"\r").unwrap_or(&buf[..end]);
    String::from_utf8(line.to_vec()).map_err(|_| LineError::NotUtf8)
}
