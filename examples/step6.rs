//! Step 6, the complete echo server: fragmented messages, ping and pong, the
//! closing handshake, and every protocol error answered with its close code.
//! The main server's `/echo` is this same code.
//! Read it with `tutorial/06-messages-and-closing.md#the-code`.
//!
//! Try it: `cargo run --example step6 -- --idle-timeout 5` and connect to
//! `ws://127.0.0.1:7878/echo`; stay quiet and watch the server ping.

use std::net::SocketAddr;
use wslab::cli::{self, Flags};
use wslab::config::Config;
use wslab::connection::echo;
use wslab::server::Server;

const ABOUT: &str = "Echoes every message on ws://HOST:PORT/echo: fragments, ping and pong, \
                     and the closing handshake.";

fn main() {
    cli::init_logging();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    let mut idle_timeout = Config::default().idle_timeout;
    Flags::new("cargo run --example step6 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .flag(
            "--idle-timeout",
            "silence before the server pings, and again before it gives up on the client",
            &mut idle_timeout,
        )
        .parse_env();
    // ANCHOR: main
    let config = Config {
        idle_timeout,
        ..Config::default()
    };
    match Server::bind(addr, config) {
        Ok(server) => server.websocket("/echo", echo).run(),
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    }
    // ANCHOR_END: main
}
