//! Step 8, the hardened server: the echo service of step 6 with every limit
//! and timeout of [`Config`] as a flag, so that each defence can be made to
//! fire by hand.
//! Read it with `tutorial/08-hardening.md#the-code`.
//!
//! Try it with tiny limits, then attack it with `nc` and a browser:
//! `cargo run --example step8 -- --max-connections 2 --handshake-timeout 2s --max-message 1KiB`

use std::net::SocketAddr;
use wslab::cli::{self, Flags};
use wslab::config::Config;
use wslab::connection::echo;
use wslab::server::Server;

const ABOUT: &str = "Echoes every message on ws://HOST:PORT/echo, within the limits below.";

fn main() {
    cli::init_logging();
    // ANCHOR: main
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    let mut config = Config::default();
    Flags::new("cargo run --example step8 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .config(&mut config)
        .parse_env();
    match Server::bind(addr, config) {
        Ok(server) => server.websocket("/echo", echo).run(),
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    }
    // ANCHOR_END: main
}
