//! The main server: `cargo run --release` serves the chat page at `/`, the
//! chat room at `/chat` and echo at `/echo`, on 127.0.0.1:8080.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use wslab::chat::Room;
use wslab::cli::{self, Flags};
use wslab::config::Config;
use wslab::connection::echo;
use wslab::server::Server;

const ABOUT: &str = "Serves the chat page at /, the chat room at ws://HOST:PORT/chat and an \
                     echo service at ws://HOST:PORT/echo. When started from a terminal, type q \
                     and Enter (or Ctrl-D) to stop gracefully: every client gets a Close with 1001.";

const PAGE: &str = include_str!("page/index.html");

fn main() {
    cli::init_logging();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 8080));
    let mut config = Config::default();
    Flags::new("wslab", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .config(&mut config)
        .parse_env();
    let room = Room::new(&config);
    let server = match Server::bind(addr, config) {
        Ok(server) => server,
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    log::info!("listening on {addr}", addr = server.local_addr().unwrap());
    let server = server
        .page("/", PAGE)
        .websocket("/echo", echo)
        .websocket("/chat", move |connection| room.serve(connection));
    let mut handle = match server.spawn() {
        Ok(handle) => handle,
        Err(error) => {
            log::error!("cannot start the accept thread: {error}");
            std::process::exit(1);
        }
    };
    // std has no portable signal handling, and our only dependencies are
    // sha1, base64, log and env_logger, so Ctrl-C ends the process abruptly.
    // From a terminal, `q` (or end of input) shuts down gracefully instead.
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        for line in stdin.lock().lines() {
            if line.map_or(true, |line| line.trim() == "q") {
                break;
            }
        }
        handle.shutdown();
    } else {
        handle.wait();
    }
}
