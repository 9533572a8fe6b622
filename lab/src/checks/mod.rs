//! The checks, one module per chapter. Each module has the chapter's
//! `Impl` (the functions the lab asks for, as pointers) and its `checks()`.

pub mod ch1;
pub mod ch11;
pub mod ch2;
pub mod ch3;
pub mod ch4;
pub mod ch5;
pub mod ch6;
pub mod ch7;

use std::io::{self, Read};

/// A reader that hands out its bytes `chunk` at a time, as a socket may.
pub(crate) struct Trickle<'a> {
    pub bytes: &'a [u8],
    pub chunk: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.bytes.len().min(self.chunk).min(buf.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// A reader that first fails with each of `errors`, in order, then reads `rest`.
pub(crate) struct Failing<'a> {
    pub errors: Vec<io::ErrorKind>,
    pub rest: &'a [u8],
}

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.errors.is_empty() {
            return self.rest.read(buf);
        }
        Err(self.errors.remove(0).into())
    }
}
