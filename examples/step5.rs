//! Step 5, frames: an echo server that can show every frame it reads and
//! writes, field by field.
//! Read it with `tutorial/05-frames.md#the-code`.
//!
//! Try it: `cargo run --example step5 -- --trace`, then in a browser's console:
//! `ws = new WebSocket("ws://127.0.0.1:7878/"); ws.onmessage = e => console.log(e.data)`
//! and `ws.send("Hello")`.

use std::net::SocketAddr;
use wslab::cli::{self, Flags};
use wslab::config::Config;
use wslab::connection::echo;
use wslab::server::Server;

const ABOUT: &str = "Echoes every message on ws://HOST:PORT/.";

fn main() {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    let mut trace = false;
    Flags::new("cargo run --example step5 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .flag(
            "--trace",
            "print every frame: FIN, opcode, MASK, length, key, payload",
            &mut trace,
        )
        .parse_env();
    // ANCHOR: trace
    if trace {
        cli::init_logging_with("info,wslab::trace=trace");
    } else {
        cli::init_logging();
    }
    // ANCHOR_END: trace
    match Server::bind(addr, Config::default()) {
        Ok(server) => server.websocket("/", echo).run(),
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    }
}
