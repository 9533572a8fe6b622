//! Step 4, the opening handshake: step 3's thread per client, now reading an
//! HTTP request, checking it as RFC 6455 §4.2.1 asks, and answering
//! `101 Switching Protocols` or the HTTP error that says why not. After the
//! 101 it understands nothing more: it prints each read as raw bytes.
//! Read it with `tutorial/04-the-opening-handshake.md#the-code`.
//!
//! Try it: `cargo run --example step4`, then in a browser's console:
//! `ws = new WebSocket("ws://127.0.0.1:7878/")` and `ws.send("Hello")`.

#[path = "step4/upgrade.rs"]
mod upgrade;

use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};
use upgrade::Site;
use wslab::cli::{self, Flags};
use wslab::trace::hex;

const ABOUT: &str = "Answers a WebSocket handshake on ws://HOST:PORT/, logging the request and \
                     the response, then prints every byte the client sends as hex.";

fn main() {
    cli::init_logging();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    Flags::new("cargo run --example step4 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .parse_env();
    upgrade::serve(addr, Site::websocket("/", show_bytes));
}

// ANCHOR: show_bytes
/// What the client sends after the 101, as hex, one line per read: the
/// question chapter 5 answers.
fn show_bytes(mut stream: TcpStream, peer: SocketAddr, leftover: Vec<u8>) {
    if !leftover.is_empty() {
        log::info!("{peer}: {} bytes: {}", leftover.len(), hex(&leftover));
    }
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return log::info!("{peer}: closed the connection"),
            Ok(n) => log::info!("{peer}: {n} bytes: {}", hex(&buf[..n])),
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return log::info!("{peer}: {error}"),
        }
    }
}
// ANCHOR_END: show_bytes
