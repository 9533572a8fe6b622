//! Step 5, frames: an echo server that can show every frame it reads and
//! writes, field by field.
//! Read it with `tutorial/05-frames.md#the-code`.
//!
//! Try it: `cargo run --example step5 -- --trace`, then in a browser's console:
//! `ws = new WebSocket("ws://127.0.0.1:7878/"); ws.onmessage = e => console.log(e.data)`
//! and `ws.send("Hello")`.

use wslab::cli::{self, Cli};
use wslab::config::Config;
use wslab::connection::echo;
use wslab::server::Server;

const USAGE: &str = "usage: cargo run --example step5 -- [--addr HOST:PORT] [--trace]

  --addr HOST:PORT  where to listen (default 127.0.0.1:7878)
  --trace           print every frame: FIN, opcode, MASK, length, key, payload";

fn main() {
    let args = Cli::from_env(USAGE, &["--addr"], &["--trace"]);
    // ANCHOR: trace
    if args.has("--trace") {
        cli::init_logging_with("info,wslab::trace=trace");
    } else {
        cli::init_logging();
    }
    // ANCHOR_END: trace
    let addr = args
        .addr("127.0.0.1:7878")
        .unwrap_or_else(|error| cli::exit_with(&error, USAGE));
    match Server::bind(addr, Config::default()) {
        Ok(server) => server.websocket("/", echo).run(),
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    }
}
