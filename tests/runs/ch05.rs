//! Chapter 5, frames: step5's frame dumps of the RFC's masked "Hello", sent
//! byte for byte by our client's `/raw`, its echo, and the client's Close,
//! which step5 does not answer; then a Ping and a fragmented message, which
//! step5 gets wrong.

use super::ch04::{
    client_piped, client_until_the_server_closes, hide_random_bytes, hide_random_keys, start,
};
use crate::common::Transcript;

/// RFC 6455 §5.7: "A single-frame masked text message" containing "Hello".
const MASKED_HELLO: &str = "/raw 81 85 37 fa 21 3d 7f 9f 4d 51 58\n";

/// A Ping, then "Hello" in two fragments: the Ping is sent first, so that
/// the server reads it before the client reacts to the fragments' echo.
const PING_AND_FRAGMENTS: &str = "/ping hi\n/fragments Hel|lo\n";

/// The server's log, with our client's random keys hidden.
fn log(server: &crate::common::Running, ports: &mut crate::common::Ports) -> String {
    hide_random_keys(&hide_random_bytes(
        &Transcript::server(server).render(ports),
    ))
}

pub fn trace_hello() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step5", &[], "info");
    let client = client_piped(&server, "/", MASKED_HELLO);
    server.expect_log("closed the connection");
    vec![
        ("step5-client", client.render(&mut ports)),
        ("step5-trace", log(&server, &mut ports)),
    ]
}

pub fn ping_and_fragments() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step5", &[], "info");
    let client = client_until_the_server_closes(&server, "/", PING_AND_FRAGMENTS);
    server.expect_log("closed the connection");
    vec![
        ("step5-fragments-client", client.render(&mut ports)),
        ("step5-fragments", log(&server, &mut ports)),
    ]
}
