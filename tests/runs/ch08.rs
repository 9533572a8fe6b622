//! Chapter 8, hardening: step8 with tiny limits, and each defence firing.

use super::{NC, STEP_ADDR};
use crate::common::{Client, Launch, Ports, Running, Transcript, TIMEOUT};
use std::thread;
use std::time::{Duration, Instant};

/// The RFC's sample request (§1.3), for `/echo`.
const UPGRADE: &[u8] = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1:7878\r\n\
    Upgrade: websocket\r\nConnection: Upgrade\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// A masked client frame with the RFC's key (§5.7), for payloads under 64 KiB.
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![first];
    match payload.len() {
        len @ 0..=125 => frame.push(0x80 | len as u8),
        len => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
    }
    frame.extend_from_slice(&KEY);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ KEY[i % 4]));
    frame
}

/// A WebSocket client past its handshake, as a browser tab would be.
fn open(server: &Running, ports: &mut Ports) -> Client {
    let mut client = Client::connect(server.addr);
    ports.client(client.local_addr());
    client.send(UPGRADE);
    assert_eq!(client.read_line(), "HTTP/1.1 101 Switching Protocols\r\n");
    while client.read_line() != "\r\n" {}
    // The server logs the 101 after sending it: wait, so the log is in order.
    server.expect_log(&format!("{}: GET /echo → 101", client.local_addr()));
    client
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

/// step8 with two connections at most, two seconds for a request head, and
/// 1 KiB messages: a slow client, a full server, and a message too big.
pub fn tiny_limits() -> Vec<(&'static str, String)> {
    let server = Launch::example("step8")
        .args(&[
            "--max-connections",
            "2",
            "--handshake-timeout",
            "2s",
            "--max-message",
            "1KiB",
        ])
        .start();
    let idle = threads(&server);
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);

    let mut slow = Client::connect(server.addr);
    ports.client(slow.local_addr());
    let typed = "GET /echo HTTP/1.1\n";
    slow.send(typed.replace('\n', "\r\n").as_bytes());
    let timed_out = slow.read_all();
    server.expect_log("408 Request Timeout");
    drop(slow);
    wait_idle(&server, idle);

    let mut first = open(&server, &mut ports);
    let mut second = open(&server, &mut ports);
    let mut third = Client::connect(server.addr);
    ports.client(third.local_addr());
    let busy = third.read_all();
    server.expect_log("refused: 2 connections already");

    first.send(&masked(0x81, "x".repeat(2000).as_bytes()));
    let closed = first.read_to_end().unwrap_or_else(|(bytes, _)| bytes);
    assert_eq!(
        (closed[0], &closed[2..4]),
        (0x88, &[0x03, 0xf1][..]),
        "a Close with 1009: {closed:?}"
    );
    server.expect_log("closing with 1009");
    second.send(&masked(0x88, &1000u16.to_be_bytes()));
    let _ = second.read_to_end();
    server.expect_log("closed by the client: 1000");
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
            "step8-busy",
            Transcript::new().command(NC).text(&busy).render(&mut ports),
        ),
        ("step8-log", Transcript::server(&server).render(&mut ports)),
    ]
}
