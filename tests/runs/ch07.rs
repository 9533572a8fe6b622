//! Chapter 7, the chat room: step7 with two "tabs", then a member that stops
//! reading while another floods the room.

use super::STEP_ADDR;
use crate::common::{Client, Launch, Ports, Running, Transcript, TIMEOUT};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

/// A handshake for `/chat` with the RFC's sample key (§1.3), as a tab sends it.
const UPGRADE: &[u8] = b"GET /chat HTTP/1.1\r\nHost: 127.0.0.1:7878\r\n\
    Upgrade: websocket\r\nConnection: Upgrade\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// One masked client frame (the RFC's key, §5.7), for payloads under 64 KiB.
fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
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

/// Loads the page, as a tab does before it opens its WebSocket.
fn load_page(server: &Running, ports: &mut Ports) {
    let mut page = Client::connect(server.addr);
    ports.client(page.local_addr());
    page.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:7878\r\n\r\n");
    assert!(page.read_all().starts_with("HTTP/1.1 200 OK\r\n"));
}

/// What a browser tab does: load the page, then open the WebSocket.
fn tab(server: &Running, ports: &mut Ports) -> Client {
    load_page(server, ports);
    let mut chat = Client::connect(server.addr);
    ports.client(chat.local_addr());
    chat.send(UPGRADE);
    assert_eq!(chat.read_line(), "HTTP/1.1 101 Switching Protocols\r\n");
    while chat.read_line() != "\r\n" {}
    chat
}

/// Two tabs join, one renames itself, they chat, and one tab is closed.
pub fn two_tabs() -> Vec<(&'static str, String)> {
    let server = Launch::example("step7").start();
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);

    let mut first = tab(&server, &mut ports);
    server.expect_log("joined the chat as guest-1");
    let mut second = tab(&server, &mut ports);
    server.expect_log("joined the chat as guest-2");
    first.send(&frame(0x81, br#"{"type":"rename","name":"ana"}"#));
    server.expect_log("guest-1 is now ana");
    second.send(&frame(0x81, br#"{"type":"message","text":"hi ana"}"#));
    // Closing a tab: the browser sends a Close with 1001, "going away".
    second.send(&frame(0x88, &1001u16.to_be_bytes()));
    let _ = second.read_to_end();
    drop(second);
    server.expect_log("guest-2 left the chat");
    let log = Transcript::server(&server).render(&mut ports);
    drop(first);

    vec![("step7-log", log)]
}

/// A WebSocket client on a plain socket, past its handshake.
fn member(server: &Running, ports: &mut Ports) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr).unwrap();
    ports.client(stream.local_addr().unwrap());
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream.write_all(UPGRADE).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101 "));
    stream
}

/// Reads and forgets everything, as a tab that keeps up does.
fn keep_reading(stream: &TcpStream) {
    let mut stream = stream.try_clone().unwrap();
    thread::spawn(move || {
        let mut scratch = [0u8; 64 * 1024];
        while matches!(stream.read(&mut scratch), Ok(1..)) {}
    });
}

/// step7 with a queue of 16: two tabs, then a member that never reads, as
/// the chapter's `nc`; one tab sends 2 KiB messages until the room drops
/// that member, and the other reads them all.
pub fn a_member_that_stops_reading() -> Vec<(&'static str, String)> {
    let server = Launch::example("step7")
        .args(&["--chat-queue", "16"])
        .start();
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);

    load_page(&server, &mut ports);
    let mut talker = member(&server, &mut ports);
    keep_reading(&talker);
    server.expect_log("joined the chat as guest-1");
    load_page(&server, &mut ports);
    let listener = member(&server, &mut ports);
    keep_reading(&listener);
    server.expect_log("joined the chat as guest-2");
    let stalled = member(&server, &mut ports);
    server.expect_log("joined the chat as guest-3");

    let message = frame(0x81, "x".repeat(2000).as_bytes());
    let mut sent = 0;
    while !server.wait_for_log("dropped from the chat", Duration::ZERO) {
        assert!(sent < 100_000, "the stalled member was never dropped");
        for _ in 0..64 {
            talker.write_all(&message).unwrap();
        }
        sent += 64;
    }
    // Like the chapter's `nc`, the stalled member never reads again. What
    // comes next, a close timeout or more later, depends on whether the
    // kernel still takes the rest of the write its writer is in; the
    // chapter describes both endings, and the transcript stops here.
    let log = Transcript::server(&server).render(&mut ports);
    drop((stalled, talker, listener));

    vec![("step7-slow-member", log)]
}
