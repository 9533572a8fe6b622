//! Chapter 11, the other end again: the client as a filter against the main
//! server, and its refusals.

use crate::common::{Launch, Ports, Transcript, TIMEOUT};

/// Where the main server listens by default, as the transcripts show it.
const MAIN_ADDR: &str = "127.0.0.1:8080";

/// The client as a reader starts it (`-q`: without cargo's own lines), with
/// the log level it has when `RUST_LOG` is unset.
fn client(url: &str) -> Launch {
    Launch::example("client")
        .args(&[url])
        .env("RUST_LOG", "warn")
}

/// Two lines piped through `/echo`, then the client's refusals.
pub fn filter_and_refusals() -> Vec<(&'static str, String)> {
    let server = Launch::binary().start();
    let mut ports = Ports::new();
    ports.server(server.addr, MAIN_ADDR);
    let url = |path: &str| format!("ws://{}{path}", server.addr);

    let piped = client(&url("/echo")).input(b"hi\nthere\n").run(TIMEOUT);
    assert!(piped.status.success(), "{}", piped.output());
    let mut filter = Transcript::new();
    filter
        .command(
            "printf 'hi\\nthere\\n' | cargo run -q --example client -- ws://127.0.0.1:8080/echo",
        )
        .lines(&piped.stderr)
        .lines(&piped.stdout)
        .command("echo $?")
        .text("0");

    let not_found = client(&url("/nowhere")).run(TIMEOUT);
    let wss = client("wss://127.0.0.1:8080/echo").run(TIMEOUT);
    let mut refusals = Transcript::new();
    for (finished, shown) in [
        (&not_found, "ws://127.0.0.1:8080/nowhere"),
        (&wss, "wss://127.0.0.1:8080/echo"),
    ] {
        assert_eq!(finished.status.code(), Some(1), "{}", finished.output());
        refusals
            .command(&format!("cargo run -q --example client -- {shown}"))
            .lines(&finished.stderr)
            .lines(&finished.stdout);
    }
    vec![
        ("client-filter", filter.render(&mut ports)),
        ("client-refused", refusals.render(&mut ports)),
    ]
}
