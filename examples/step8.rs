//! Step 8, the hardened server: the echo service of step 6 with every limit
//! and timeout of [`Config`] as a flag, so that each defence can be made to
//! fire by hand.
//! Read it with `tutorial/08-hardening.md#the-code`.
//!
//! Try it with tiny limits, then attack it with `nc` and a browser:
//! `cargo run --example step8 -- --max-connections 2 --handshake-timeout 2s --max-message 1KiB`

use wslab::cli::{self, Cli};
use wslab::config::{Config, FLAGS, FLAGS_HELP, SWITCHES};
use wslab::connection::echo;
use wslab::server::Server;

const USAGE: &str = "usage: cargo run --example step8 -- [--addr HOST:PORT] [LIMITS]

Echoes every message on ws://HOST:PORT/echo, within the limits below.

  --addr HOST:PORT            where to listen (default 127.0.0.1:7878)";

fn main() {
    cli::init_logging();
    let usage = format!("{USAGE}\n{FLAGS_HELP}");
    let args = Cli::from_env(&usage, &[&["--addr"], FLAGS].concat(), SWITCHES);
    let addr = args
        .addr("127.0.0.1:7878")
        .unwrap_or_else(|error| cli::exit_with(&error, &usage));
    // ANCHOR: main
    let config = Config::from_cli(&args).unwrap_or_else(|error| cli::exit_with(&error, &usage));
    match Server::bind(addr, config) {
        Ok(server) => server.websocket("/echo", echo).run(),
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    }
    // ANCHOR_END: main
}
