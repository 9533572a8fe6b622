//! Step 7, the chat room: step 6 with a page at `/` and the room at `/chat`,
//! where every member has a bounded queue and a writer thread of its own.
//! Read it with `tutorial/07-the-chat-room.md#the-code`.
//!
//! Try it: `cargo run --example step7`, then open http://127.0.0.1:7878/ in two
//! browser tabs. With `--naive` the room broadcasts the way the PHP posts do,
//! writing to every socket in turn, and one client that stops reading freezes it.

#[path = "step7/naive.rs"]
mod naive;
#[path = "step4/upgrade.rs"]
mod upgrade;

use naive::NaiveRoom;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use upgrade::Site;
use wslab::chat::Room;
use wslab::cli::{self, Flags};
use wslab::config::Config;
use wslab::connection::Connection;
use wslab::frame::Role;

const ABOUT: &str = "Serves the chat page at http://HOST:PORT/ and the chat room at \
                     ws://HOST:PORT/chat.";

const PAGE: &str = include_str!("../src/page/index.html");

fn main() {
    cli::init_logging();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    let mut naive = false;
    let mut config = Config::default();
    let mut flags = Flags::new("cargo run --example step7 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .flag(
            "--naive",
            "broadcast by writing to every socket in turn, as the PHP posts do: one \
             stalled client freezes all",
            &mut naive,
        );
    // The room's settings; the server's limits are chapter 8's.
    for setting in config.settings() {
        if setting.name.starts_with("chat-") {
            flags = flags.flag(&format!("--{}", setting.name), setting.help, setting.field);
        }
    }
    flags.parse_env();
    // ANCHOR: main
    let room = Room::new(&config);
    let naive_room = Arc::new(NaiveRoom::default());
    let after = move |stream: TcpStream, peer: SocketAddr, leftover: Vec<u8>| {
        let connection = Connection::new(stream, peer.into(), Role::Server, &leftover, &config);
        match connection {
            Ok(connection) if naive => naive_room.serve(connection),
            Ok(connection) => room.serve(connection),
            Err(error) => log::warn!("{peer}: {error}"),
        }
    };
    let site = Site {
        page: Some(PAGE),
        ..Site::websocket("/chat", after)
    };
    upgrade::serve(addr, site);
    // ANCHOR_END: main
}
