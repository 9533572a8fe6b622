//! Step 4, the opening handshake: a browser's `new WebSocket(...)` gets
//! `101 Switching Protocols`, and the request and response are logged.
//! Read it with `tutorial/04-the-opening-handshake.md#the-code`.
//!
//! Try it: `cargo run --example step4`, then in a browser's console:
//! `ws = new WebSocket("ws://127.0.0.1:7878/")`.

use wslab::cli::{self, Cli};
use wslab::config::Config;
use wslab::connection::echo;
use wslab::server::Server;

const USAGE: &str = "usage: cargo run --example step4 -- [--addr HOST:PORT]

  --addr HOST:PORT  where to listen (default 127.0.0.1:7878)";

fn main() {
    cli::init_logging_with("info,wslab::server=debug");
    let args = Cli::from_env(USAGE, &["--addr"], &[]);
    let addr = args
        .addr("127.0.0.1:7878")
        .unwrap_or_else(|error| cli::exit_with(&error, USAGE));
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
