//! Step 1, the server of seed 004: bind, listen, accept, greet, read one line,
//! answer it reversed, close; stop after a fixed number of clients.
//! Read it with `tutorial/01-listen-and-accept.md#the-code`.
//!
//! Try it: `cargo run --example step1`, then `nc 127.0.0.1 7878` in another terminal.

use std::net::TcpListener;
use wslab::{cli, reverse};

const USAGE: &str = "usage: cargo run --example step1 -- [--addr HOST:PORT] [--clients N]

  --addr HOST:PORT  where to listen (default 127.0.0.1:7878)
  --clients N       stop after serving N clients (default 5, as in post 004)";

fn main() {
    cli::init_logging();
    let args = cli::Cli::from_env(USAGE, &["--addr", "--clients"], &[]);
    let addr = args
        .addr("127.0.0.1:7878")
        .unwrap_or_else(|error| cli::exit_with(&error, USAGE));
    let clients: u32 = args
        .value("--clients", 5, "a whole number of clients")
        .unwrap_or_else(|error| cli::exit_with(&error, USAGE));

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
