//! Chapter 6, messages and closing: step6 with frame dumps. Our client sends a
//! fragmented message around a Ping, then two frames that break the rules
//! (1002, 1007); a handshake typed into `nc` is pinged, then dropped.

use super::ch04::{
    client_piped, client_until_the_server_closes, hide_random_bytes, hide_random_keys, read_head,
    start, typed_request, TRACE,
};
use crate::common::{Client, Transcript};

/// "Hel" (a first fragment, FIN=0), a Ping, "lo" (the last fragment). The
/// fragments keep the RFC's key, so their dumps are the same on every run.
const FRAGMENTS: &str =
    "/raw 01 83 37 fa 21 3d 7f 9f 4d\n/ping ping\n/raw 80 82 37 fa 21 3d 5b 95\n";

/// An unmasked text frame "hi".
const UNMASKED: &str = "/raw 81 02 68 69\n";

/// A first fragment "ok\xff", masked with the RFC's key: `ff` is never UTF-8.
const NOT_UTF8: &str = "/raw 01 83 37 fa 21 3d 58 91 de\n";

pub fn fragments_around_a_ping() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step6", &[], TRACE);
    let client = client_piped(&server, "/echo", FRAGMENTS);
    server.expect_log("closed by the client");
    vec![
        ("step6-fragments-client", client.render(&mut ports)),
        (
            "step6-fragments",
            hide_random_keys(&hide_random_bytes(
                &Transcript::server(&server).render(&mut ports),
            )),
        ),
    ]
}

/// An unmasked frame (1002), then a first fragment with a byte that is never
/// UTF-8 (1007, before the message's last fragment).
pub fn protocol_errors() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step6", &[], TRACE);
    let mut clients = client_until_the_server_closes(&server, "/echo", UNMASKED);
    server.expect_log("closing with 1002");
    clients.append(client_until_the_server_closes(&server, "/echo", NOT_UTF8));
    server.expect_log("closing with 1007");
    vec![
        ("step6-protocol-errors-client", clients.render(&mut ports)),
        (
            "step6-protocol-errors",
            hide_random_keys(&hide_random_bytes(
                &Transcript::server(&server).render(&mut ports),
            )),
        ),
    ]
}

/// `--idle-timeout 1s` and chapter 4's handshake typed into `nc`, which then
/// says nothing, and cannot answer a Ping.
pub fn a_silent_client_is_pinged_then_dropped() -> Vec<(&'static str, String)> {
    let (server, mut ports) = start("step6", &["--idle-timeout", "1s"], TRACE);
    let mut silent = Client::connect(server.addr);
    ports.client(silent.local_addr());
    silent.send(typed_request("/echo").as_bytes());
    read_head(&mut silent);
    server.expect_log("no answer to our ping");
    assert_eq!(silent.read_to_end().unwrap(), b"\x89\x05wslab");
    vec![(
        "step6-idle-timeout",
        Transcript::server(&server).render(&mut ports),
    )]
}
