//! Step 3, many clients at once: the service of step 1, with one OS thread per
//! connection, so a silent client holds up nobody but itself.
//! Read it with `tutorial/03-many-clients.md#the-code`.
//!
//! Try it: `cargo run --example step3`, then several `nc 127.0.0.1 7878` at once.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;
use wslab::cli::{self, Flags};
use wslab::reverse;

const ABOUT: &str = "Step 1's service, with a thread per client: answers each client's first \
                     line reversed, and closes.";

fn main() {
    cli::init_logging();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    let mut timeout = Duration::from_secs(30);
    Flags::new("cargo run --example step3 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .flag(
            "--timeout",
            "how long a client may stay silent",
            &mut timeout,
        )
        .parse_env();

    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    log::info!("listening on {addr}", addr = listener.local_addr().unwrap());

    // ANCHOR: spawn
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(error) => {
                log::warn!("accept failed: {error}");
                continue;
            }
        };
        let peer = match stream.peer_addr() {
            Ok(peer) => peer,
            Err(error) => {
                log::warn!("a client left before we could look at it: {error}");
                continue;
            }
        };
        log::info!("accepted {peer}");
        let spawned = thread::Builder::new()
            .name(format!("client {peer}"))
            .spawn(move || handle(stream, peer, timeout));
        if let Err(error) = spawned {
            log::error!("cannot start a thread for {peer}: {error}; closing it");
        }
    }
    // ANCHOR_END: spawn
}

// ANCHOR: handle
fn handle(mut stream: TcpStream, peer: SocketAddr, timeout: Duration) {
    if let Err(error) = stream.set_read_timeout(Some(timeout)) {
        log::warn!("{peer}: cannot set a read timeout: {error}");
        return;
    }
    match reverse::serve(&mut stream) {
        Ok(()) => log::info!("answered {peer}"),
        Err(error) => log::warn!("{peer}: {error}"),
    }
    log::info!("closed {peer}");
}
// ANCHOR_END: handle
