//! Chapter 5, frames: step5's frame dumps of the RFC's masked "Hello", sent
//! byte for byte by our client's `/raw`, its echo, and the client's Close.

use super::ch04::{client_piped, hide_random_keys, start, TRACE};
use crate::common::Transcript;

/// RFC 6455 §5.7: "A single-frame masked text message" containing "Hello".
const MASKED_HELLO: &str = "/raw 81 85 37 fa 21 3d 7f 9f 4d 51 58\n";

pub fn trace_hello() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step5", &[], TRACE);
    let client = client_piped(&server, "/", MASKED_HELLO);
    server.expect_log("closed by the client");
    vec![
        ("step5-client", client.render(&mut ports)),
        (
            "step5-trace",
            hide_random_keys(&Transcript::server(&server).render(&mut ports)),
        ),
    ]
}
