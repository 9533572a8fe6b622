//! Step 2, the client of seed 004: connect, write a line, read until the
//! server closes, print what came back.
//! Read it with `tutorial/02-the-other-end.md#the-code`.
//!
//! Try it: start step 1, then `cargo run --example step2 -- --message "你好"`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use wslab::cli::{self, Flags};

const ABOUT: &str = "Sends one line to a server and prints everything it answers, until it closes.";

fn main() {
    cli::init_logging();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    let mut message = String::from("hello, 世界");
    Flags::new("cargo run --example step2 --", ABOUT)
        .flag("--addr", "the server to connect to", &mut addr)
        .flag("--message", "the line to send", &mut message)
        .parse_env();

    // ANCHOR: connect
    let mut stream = match TcpStream::connect(addr) {
        Ok(stream) => stream,
        Err(error) => {
            log::error!("cannot connect to {addr}: {error}");
            std::process::exit(1);
        }
    };
    log::info!("connected to {addr}");
    // ANCHOR_END: connect

    // ANCHOR: talk
    let line = format!("{message}\n");
    if let Err(error) = stream.write_all(line.as_bytes()) {
        log::error!("write failed: {error}");
        std::process::exit(1);
    }
    log::debug!("wrote {} bytes", line.len());

    let mut received = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                log::debug!("read {n} bytes");
                received.extend_from_slice(&buf[..n]);
            }
            Err(error) => {
                log::error!("read failed: {error}");
                std::process::exit(1);
            }
        }
    }
    log::info!("the server closed the connection");
    print!("{}", String::from_utf8_lossy(&received));
    // ANCHOR_END: talk
}
