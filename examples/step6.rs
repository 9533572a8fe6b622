//! Step 6, the complete echo server: step 4's handshake, then a `Connection`
//! that reads messages: fragmented messages, ping and pong, the closing
//! handshake, and every protocol error answered with its close code.
//! The main server's `/echo` runs the same `Connection` and `echo`.
//! Read it with `tutorial/06-messages-and-closing.md#the-code`.
//!
//! Try it: `cargo run --example step6 -- --idle-timeout 5` and connect to
//! `ws://127.0.0.1:7878/echo`; stay quiet and watch the server ping.

#[path = "step4/upgrade.rs"]
mod upgrade;

use std::net::{SocketAddr, TcpStream};
use upgrade::Site;
use wslab::cli::{self, Flags};
use wslab::config::Config;
use wslab::connection::{echo, Connection};
use wslab::frame::Role;

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
    let after = move |stream: TcpStream, peer: SocketAddr, leftover: Vec<u8>| {
        let connection = Connection::new(stream, peer.into(), Role::Server, &leftover, &config);
        match connection {
            Ok(connection) => echo(connection),
            Err(error) => log::warn!("{peer}: {error}"),
        }
    };
    upgrade::serve(addr, Site::websocket("/echo", after));
    // ANCHOR_END: main
}
