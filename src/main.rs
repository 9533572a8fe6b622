//! The main server: `cargo run --release` serves the chat page at `/`, the
//! chat room at `/chat` and echo at `/echo`, on 127.0.0.1:8080.

use wslab::chat::Room;
use wslab::cli::{self, Cli};
use wslab::config::Config;
use wslab::connection::echo;
use wslab::server::Server;

const USAGE: &str = "usage: wslab [--addr HOST:PORT]

Serves the chat page at /, the chat room at ws://HOST:PORT/chat and an echo
service at ws://HOST:PORT/echo.

  --addr HOST:PORT  where to listen (default 127.0.0.1:8080)";

const PAGE: &str = include_str!("page/index.html");

fn main() {
    cli::init_logging();
    let args = Cli::from_env(USAGE, &["--addr"], &[]);
    let addr = args
        .addr("127.0.0.1:8080")
        .unwrap_or_else(|error| cli::exit_with(&error, USAGE));
    let config = Config::default();
    let room = Room::new(config.chat_queue, config.chat_max_message);
    let server = match Server::bind(addr, config) {
        Ok(server) => server,
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    server
        .page("/", PAGE)
        .websocket("/echo", echo)
        .websocket("/chat", move |connection| room.serve(connection))
        .run();
}
