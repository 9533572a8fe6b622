//! Chapter 8, hardening: step8 with tiny limits, and each defence firing.

use super::ch04::CLIENT;
use super::{NC, STEP_ADDR};
use crate::common::{Client, Launch, Ports, Running, Transcript, TIMEOUT};
use std::thread;
use std::time::{Duration, Instant};

/// Our client on `/echo`, with its input open, as a reader starts it in a
/// terminal: `cargo run -q --example client -- ws://127.0.0.1:7878/echo`.
fn our_client(server: &Running) -> Running {
    Launch::example("client")
        .args(&[&format!("ws://{}/echo", server.addr)])
        .env("RUST_LOG", "warn")
        .with_stdin()
        .start_client()
}

/// Ends our client's input, as Ctrl-D does: it closes with 1000 and exits.
fn end_input(mut client: Running) {
    client.close_stdin();
    let status = client
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("the client did not exit\n{}", client.output()));
    assert!(status.success(), "{}", client.output());
}

/// The server's threads, from `/proc` (this transcript needs Linux).
fn threads(server: &Running) -> usize {
    std::fs::read_dir(format!("/proc/{}/task", server.id()))
        .expect("/proc/PID/task")
        .count()
}

/// Waits until the server has only the threads it started with: every
/// connection so far has ended and given back its slot.
fn wait_idle(server: &Running, idle: usize) {
    let deadline = Instant::now() + TIMEOUT;
    while threads(server) > idle {
        assert!(Instant::now() < deadline, "a connection thread never ended");
        thread::sleep(Duration::from_millis(10));
    }
}

/// step8 with two connections at most, two seconds and 512 bytes for a
/// request head, and 1 KiB messages: a slow client and a head too large (the
/// bytes `nc` sends), a full server (two of our clients, then `nc`), and a
/// message too big (our client, in the slot the second one gave back).
pub fn tiny_limits() -> Vec<(&'static str, String)> {
    let server = Launch::example("step8")
        .args(&[
            "--max-connections",
            "2",
            "--handshake-timeout",
            "2s",
            "--max-message",
            "1KiB",
            "--max-head",
            "512",
        ])
        .start();
    let idle = threads(&server);
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);

    let mut slow = Client::connect(server.addr);
    ports.client(slow.local_addr());
    let typed = "GET /echo HTTP/1.1\n";
    slow.send(typed.as_bytes());
    let timed_out = slow.read_all();
    server.expect_log("408 Request Timeout");
    drop(slow);
    wait_idle(&server, idle);

    let mut large = Client::connect(server.addr);
    ports.client(large.local_addr());
    large.send(format!("GET /echo HTTP/1.1\nCookie: {:0600}\n\n", 0).as_bytes());
    let too_large = large.read_all();
    server.expect_log("431 Request Header Fields Too Large");
    drop(large);
    wait_idle(&server, idle);

    // Two of our clients take both slots; nc, a third, is refused.
    let first = our_client(&server);
    server.expect_log("GET /echo → 101");
    let second = our_client(&server);
    assert!(
        server.wait_for_logs("GET /echo → 101", 2, TIMEOUT),
        "{}",
        second.output()
    );
    let mut third = Client::connect(server.addr);
    let busy = third.read_all();
    server.expect_log("refused: 2 connections already");

    // The second ends, and gives its slot to a client with a message of
    // 2000 bytes; `sleep` holds its input open, so the server's Close comes
    // first.
    end_input(second);
    server.expect_log("closed by the client");
    let long_line = format!("{:02000}\n", 0);
    let mut big = our_client(&server);
    big.write_stdin(long_line.as_bytes());
    let status = big
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("the server did not close\n{}", big.output()));
    server.expect_log("closing with 1009");
    let mut too_big = Transcript::new();
    too_big
        .command(&format!("(printf '%02000d\\n' 0; sleep 1) | {CLIENT}/echo"))
        .lines(&big.logs())
        .lines(&big.stdout())
        .command("echo $?")
        .text(&status.code().expect("an exit status").to_string());
    end_input(first);
    assert!(
        server.wait_for_logs("closed by the client", 2, TIMEOUT),
        "{}",
        server.output()
    );
    wait_idle(&server, idle);

    vec![
        (
            "step8-slow-client",
            Transcript::new()
                .command(NC)
                .text(typed)
                .text(&timed_out)
                .render(&mut ports),
        ),
        (
            "step8-too-large",
            Transcript::new()
                .command(&format!(
                    "printf 'GET /echo HTTP/1.1\\nCookie: %0600d\\n\\n' 0 | {NC}"
                ))
                .text(&too_large)
                .render(&mut ports),
        ),
        (
            "step8-busy",
            Transcript::new().command(NC).text(&busy).render(&mut ports),
        ),
        ("step8-too-big", too_big.render(&mut ports)),
        ("step8-log", Transcript::server(&server).render(&mut ports)),
    ]
}
