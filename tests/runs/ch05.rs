//! Chapter 5, frames: step5's frame dumps of the RFC's masked "Hello", its
//! echo, and a close.

use super::ch04::{close_normally, start, websocket, TRACE};
use crate::common::Transcript;

/// RFC 6455 §5.7: "A single-frame masked text message" containing "Hello".
const MASKED_HELLO: [u8; 11] = [
    0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
];

pub fn trace_hello() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step5", &[], TRACE);
    let mut client = websocket(&server, &mut ports, "/");
    client.send(&MASKED_HELLO);
    server.expect_log("sent frame header 81 05");
    close_normally(&mut client, &server, b"\x81\x05Hello");
    vec![(
        "step5-trace",
        Transcript::server(&server).render(&mut ports),
    )]
}
