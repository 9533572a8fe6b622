//! Step 7, the chat room: the page at `/` and the room at `/chat`, where every
//! member has a bounded queue and a writer thread of its own.
//! Read it with `tutorial/07-the-chat-room.md#the-code`.
//!
//! Try it: `cargo run --example step7`, then open http://127.0.0.1:7878/ in two
//! browser tabs. With `--naive` the room broadcasts the way the PHP posts do,
//! writing to every socket in turn, and one client that stops reading freezes it.

use wslab::chat::Room;
use wslab::cli::{self, Cli};
use wslab::config::{Config, FLAGS, FLAGS_HELP};
use wslab::server::Server;

const USAGE: &str = "usage: cargo run --example step7 -- [--addr HOST:PORT] [--naive] [LIMITS]

Serves the chat page at http://HOST:PORT/ and the chat room at ws://HOST:PORT/chat.

  --addr HOST:PORT            where to listen (default 127.0.0.1:7878)
  --naive                     broadcast by writing to every socket in turn, as
                              the PHP posts do: one stalled client freezes all";

const PAGE: &str = include_str!("../src/page/index.html");

fn main() {
    cli::init_logging();
    let usage = format!("{USAGE}\n{FLAGS_HELP}");
    let args = Cli::from_env(&usage, &[&["--addr"], FLAGS].concat(), &["--naive"]);
    let addr = args
        .addr("127.0.0.1:7878")
        .unwrap_or_else(|error| cli::exit_with(&error, &usage));
    let config = Config::from_cli(&args).unwrap_or_else(|error| cli::exit_with(&error, &usage));
    // ANCHOR: main
    let room = if args.has("--naive") {
        Room::with_naive_broadcast(&config)
    } else {
        Room::new(&config)
    };
    match Server::bind(addr, config) {
        Ok(server) => server
            .page("/", PAGE)
            .websocket("/chat", move |connection| room.serve(connection))
            .run(),
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    }
    // ANCHOR_END: main
}
