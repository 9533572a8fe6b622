//! Step 6, the complete echo server: fragmented messages, ping and pong, the
//! closing handshake, and every protocol error answered with its close code.
//! The main server's `/echo` is this same code.
//! Read it with `tutorial/06-messages-and-closing.md#the-code`.
//!
//! Try it: `cargo run --example step6 -- --idle-timeout 5` and connect to
//! `ws://127.0.0.1:7878/echo`; stay quiet and watch the server ping.

use std::num::NonZeroU64;
use std::time::Duration;
use wslab::cli::{self, Cli};
use wslab::config::Config;
use wslab::connection::echo;
use wslab::server::Server;

const USAGE: &str =
    "usage: cargo run --example step6 -- [--addr HOST:PORT] [--idle-timeout SECONDS]

  --addr HOST:PORT        where to listen (default 127.0.0.1:7878)
  --idle-timeout SECONDS  silence before the server pings, and again before it
                          gives up on the client (default 30)";

fn main() {
    cli::init_logging();
    let args = Cli::from_env(USAGE, &["--addr", "--idle-timeout"], &[]);
    let addr = args
        .addr("127.0.0.1:7878")
        .unwrap_or_else(|error| cli::exit_with(&error, USAGE));
    let idle: NonZeroU64 = args
        .value(
            "--idle-timeout",
            NonZeroU64::new(30).unwrap(),
            "a whole number of seconds, at least 1",
        )
        .unwrap_or_else(|error| cli::exit_with(&error, USAGE));
    // ANCHOR: main
    let config = Config {
        idle_timeout: Duration::from_secs(idle.get()),
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
