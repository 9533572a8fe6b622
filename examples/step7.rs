//! Step 7, the chat room: the page at `/` and the room at `/chat`, where every
//! member has a bounded queue and a writer thread of its own.
//! Read it with `tutorial/07-the-chat-room.md#the-code`.
//!
//! Try it: `cargo run --example step7`, then open http://127.0.0.1:7878/ in two
//! browser tabs. With `--naive` the room broadcasts the way the PHP posts do,
//! writing to every socket in turn, and one client that stops reading freezes it.

#[path = "step7/naive.rs"]
mod naive;

use naive::NaiveRoom;
use std::net::SocketAddr;
use std::sync::Arc;
use wslab::chat::Room;
use wslab::cli::{self, Flags};
use wslab::config::Config;
use wslab::server::Server;

const ABOUT: &str = "Serves the chat page at http://HOST:PORT/ and the chat room at \
                     ws://HOST:PORT/chat.";

const PAGE: &str = include_str!("../src/page/index.html");

fn main() {
    cli::init_logging();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    let mut naive = false;
    let mut config = Config::default();
    Flags::new("cargo run --example step7 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .flag(
            "--naive",
            "broadcast by writing to every socket in turn, as the PHP posts do: one \
             stalled client freezes all",
            &mut naive,
        )
        .config(&mut config)
        .parse_env();
    // ANCHOR: main
    let room = Room::new(&config);
    let server = match Server::bind(addr, config) {
        Ok(server) => server.page("/", PAGE),
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    let server = if naive {
        let naive_room = Arc::new(NaiveRoom::default());
        server.websocket("/chat", move |connection| naive_room.serve(connection))
    } else {
        server.websocket("/chat", move |connection| room.serve(connection))
    };
    server.run();
    // ANCHOR_END: main
}
