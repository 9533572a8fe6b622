//! Fuzzes the handshake: the head reader (fed in reads whose size the first
//! byte picks), the request parser, and the checks of §4.2.1 and §10.2. A
//! panic, or a head over the limit, is a finding. Run with `make fuzz`.
//! See `tutorial/08-hardening.md#property-tests-and-fuzzing`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Read;
use wslab::handshake::{self, Request};

const MAX_HEAD: usize = 1024;
const MAX_HEADERS: usize = 16;

/// Hands out the bytes in reads of at most `size`, then end of stream.
struct Reads<'a> {
    bytes: &'a [u8],
    size: usize,
}

impl Read for Reads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.size).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&size, bytes)) = data.split_first() else {
        return;
    };
    let mut reads = Reads {
        bytes,
        size: usize::from(size).max(1),
    };
    let Ok((head, leftover)) = handshake::read_head(&mut reads, MAX_HEAD) else {
        return;
    };
    assert!(head.len() + leftover.len() <= MAX_HEAD);
    assert!(head.ends_with(b"\n\n") || head.ends_with(b"\n\r\n"));
    let Ok(request) = Request::parse(&head, MAX_HEADERS) else {
        return;
    };
    assert!(request.headers.len() <= MAX_HEADERS);
    let _ = request.path();
    let _ = handshake::validate(&request);
    let _ = handshake::check_origin(&request, &["http://127.0.0.1:8080".to_string()]);
});
