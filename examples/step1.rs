//! Step 1, the server of seed 004: bind, listen, accept, greet, read one line,
//! answer it reversed, close; stop after a fixed number of clients.
//! Read it with `tutorial/01-listen-and-accept.md#the-code`.
//!
//! Try it: `cargo run --example step1`, then `nc 127.0.0.1 7878` in another terminal.

use std::net::{SocketAddr, TcpListener};
use wslab::cli::{self, Flags};
use wslab::reverse;

const ABOUT: &str = "Greets each client, answers its first line reversed, and closes.";

fn main() {
    cli::init_logging();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    let mut clients: u32 = 5;
    Flags::new("cargo run --example step1 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .flag(
            "--clients",
            "stop after serving N clients, as post 004 does",
            &mut clients,
        )
        .parse_env();

    // ANCHOR: listen
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    log::info!("listening on {addr}", addr = listener.local_addr().unwrap());
    // ANCHOR_END: listen

    // ANCHOR: accept_loop
    let mut served = 0;
    while served < clients {
        let (mut stream, peer) = match listener.accept() {
            Ok(connection) => connection,
            Err(error) => {
                log::warn!("accept failed: {error}");
                continue;
            }
        };
        served += 1;
        log::info!("accepted {peer} (client {served} of {clients})");
        match reverse::serve(&mut stream) {
            Ok(()) => log::info!("answered {peer}"),
            Err(error) => log::warn!("{peer}: {error}"),
        }
        drop(stream);
        log::info!("closed {peer}");
    }
    log::info!("client limit reached, stopping");
    // ANCHOR_END: accept_loop
}
