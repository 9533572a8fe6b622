//! Chapter 8, hardening: step8 with tiny limits, and each defence firing.

use super::ch04::{close_normally, websocket, KEY};
use super::{NC, STEP_ADDR};
use crate::common::{Client, Launch, Ports, Running, Transcript, TIMEOUT};
use std::thread;
use std::time::{Duration, Instant};

/// A client past its handshake on `/echo`, as a browser tab would be. The
/// server logs the 101 after sending it: wait for that, so the log is in order.
fn open(server: &Running, ports: &mut Ports) -> Client {
    let client = websocket(server, ports, "/echo");
    server.expect_log(&format!("{}: GET /echo → 101", client.local_addr()));
    client
}

/// A masked text message of `len` bytes in one frame, as `ws.send` sends it.
fn big_text(len: u16) -> Vec<u8> {
    let mut frame = vec![0x81, 0x80 | 126];
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&KEY);
    frame.extend((0..len as usize).map(|i| b'x' ^ KEY[i % 4]));
    frame
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
/// request head, and 1 KiB messages: a slow client, a head too large, a full
/// server, and a message too big.
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

    let mut first = open(&server, &mut ports);
    let mut second = open(&server, &mut ports);
    let mut third = Client::connect(server.addr);
    ports.client(third.local_addr());
    let busy = third.read_all();
    server.expect_log("refused: 2 connections already");

    first.send(&big_text(2000));
    let closed = first.read_to_end().unwrap_or_else(|(bytes, _)| bytes);
    assert_eq!(
        (closed[0], &closed[2..4]),
        (0x88, &[0x03, 0xf1][..]),
        "a Close with 1009: {closed:?}"
    );
    server.expect_log("closing with 1009");
    close_normally(&mut second, &server, b"");
    drop((first, second));
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
        ("step8-log", Transcript::server(&server).render(&mut ports)),
    ]
}
