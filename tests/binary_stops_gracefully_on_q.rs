//! The main binary, started from a terminal, stops gracefully when `q` and
//! Enter are typed: every client gets a Close with 1001, and the process
//! exits with status 0. std cannot open a pseudo-terminal, so `script` (from
//! util-linux, on every Debian system) runs the binary on one, and what the
//! test writes to `script` is what the binary reads from its terminal.
//! See `tutorial/08-hardening.md#graceful-shutdown`.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};
use support::*;

#[test]
fn typing_q_in_the_servers_terminal_closes_every_client_with_1001() {
    let command = format!("{} --addr 127.0.0.1:0", env!("CARGO_BIN_EXE_wslab"));
    let mut script = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script (util-linux) runs the binary on a pseudo-terminal");
    // The terminal carries the binary's log; read it on a thread of its own.
    let (lines, log) = mpsc::channel();
    let output = BufReader::new(script.stdout.take().unwrap());
    thread::spawn(move || {
        for line in output.lines().map_while(Result::ok) {
            let _ = lines.send(line.trim_end().to_string());
        }
    });
    let wait_for = |needle: &str| -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match log.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("the binary never logged {needle:?}"),
            }
        }
    };
    let listening = wait_for("listening on ");
    let addr: SocketAddr = listening.rsplit(' ').next().unwrap().parse().unwrap();

    let mut clients = [open(addr, "/echo"), open(addr, "/chat")];
    assert_echoes(&mut clients[0], TEXT, b"before q");
    script.stdin.as_mut().unwrap().write_all(b"q\n").unwrap();

    for client in &mut clients {
        // The chat room's welcome and announcements may come first.
        let close = std::iter::repeat_with(|| read_frame(client))
            .find(|frame| frame.opcode == CLOSE)
            .unwrap();
        assert_eq!(close.close_code(), Some(1001), "{close:?}");
        client
            .write_all(&client_frame(FIN | CLOSE, &close_body(1001, b"")))
            .unwrap();
        client.shutdown(Shutdown::Write).unwrap();
    }
    wait_for("shutting down: closing 2 connections with 1001");
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = script.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the binary did not exit after q");
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "the binary exited with {status}");
}
