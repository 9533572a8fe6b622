//! Step 4, the opening handshake: a browser's `new WebSocket(...)` gets
//! `101 Switching Protocols`, and the request and response are logged.
//! Read it with `tutorial/04-the-opening-handshake.md#the-code`.
//!
//! Try it: `cargo run --example step4`, then in a browser's console:
//! `ws = new WebSocket("ws://127.0.0.1:7878/")`.

use std::net::SocketAddr;
use wslab::cli::{self, Flags};
use wslab::config::Config;
use wslab::connection::echo;
use wslab::server::Server;

const ABOUT: &str = "Answers a WebSocket handshake on ws://HOST:PORT/, logging the request and \
                     the response.";

fn main() {
    cli::init_logging_with("info,wslab::server=debug");
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    Flags::new("cargo run --example step4 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .parse_env();
    // ANCHOR: main
    match Server::bind(addr, Config::default()) {
        Ok(server) => server.websocket("/", echo).run(),
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    }
    // ANCHOR_END: main
}
