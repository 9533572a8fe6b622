//! Chapter 6, messages and closing: step6 with frame dumps, assembling a
//! fragmented message around a Ping, failing two rule-breakers with their close
//! codes, and pinging, then dropping, a silent client.

use super::ch04::{
    close_normally, masked, start, websocket, LAST_CONTINUATION, PING, TEXT_FIRST, TRACE,
};
use crate::common::Transcript;

/// "Hel", a Ping, "lo", then a Close.
pub fn fragments_around_a_ping() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step6", &[], TRACE);
    let mut client = websocket(&server, &mut ports, "/echo");
    client.send(&masked(TEXT_FIRST, b"Hel"));
    client.send(&masked(PING, b"ping"));
    client.send(&masked(LAST_CONTINUATION, b"lo"));
    server.expect_log("sent frame header 81 05");
    close_normally(&mut client, &server, b"\x8a\x04ping\x81\x05Hello");
    vec![(
        "step6-fragments",
        Transcript::server(&server).render(&mut ports),
    )]
}

/// An unmasked frame (1002), then a first fragment with a byte that is never
/// UTF-8 (1007, before the message's last fragment).
pub fn protocol_errors() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step6", &[], TRACE);

    let mut unmasked = websocket(&server, &mut ports, "/echo");
    unmasked.send(b"\x81\x02hi");
    let close = unmasked.read_to_end().unwrap();
    assert_eq!(close[..4], [0x88, 0x1e, 0x03, 0xea], "1002: {close:?}");
    server.expect_log("closing with 1002");
    drop(unmasked);

    let mut not_utf8 = websocket(&server, &mut ports, "/echo");
    not_utf8.send(&masked(TEXT_FIRST, b"ok\xff"));
    let close = not_utf8.read_to_end().unwrap();
    assert_eq!(close[..4], [0x88, 0x21, 0x03, 0xef], "1007: {close:?}");
    server.expect_log("closing with 1007");

    vec![(
        "step6-protocol-errors",
        Transcript::server(&server).render(&mut ports),
    )]
}

/// `--idle-timeout 1s` and a client that says nothing after its handshake.
pub fn a_silent_client_is_pinged_then_dropped() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step6", &["--idle-timeout", "1s"], TRACE);
    let mut silent = websocket(&server, &mut ports, "/echo");
    server.expect_log("no answer to our ping");
    assert_eq!(silent.read_to_end().unwrap(), b"\x89\x05wslab");
    vec![(
        "step6-idle-timeout",
        Transcript::server(&server).render(&mut ports),
    )]
}
