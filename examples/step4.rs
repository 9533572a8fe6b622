//! Step 4, the opening handshake: step 3's thread per client, now reading an
//! HTTP request, checking it as RFC 6455 §4.2.1 asks, and answering
//! `101 Switching Protocols` or the HTTP error that says why not. After the
//! 101 it understands nothing more: it prints each read as raw bytes.
//! Read it with `tutorial/04-the-opening-handshake.md#the-code`.
//!
//! Try it: `cargo run --example step4`, then in a browser's console:
//! `ws = new WebSocket("ws://127.0.0.1:7878/")` and `ws.send("Hello")`.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use wslab::cli::{self, Flags};
use wslab::config::Config;
use wslab::handshake::{self, ReadHeadError, Rejection, Request};
use wslab::trace::hex;

const ABOUT: &str = "Answers a WebSocket handshake on ws://HOST:PORT/, logging the request and \
                     the response, then prints every byte the client sends as hex.";

fn main() {
    cli::init_logging();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    Flags::new("cargo run --example step4 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .parse_env();

    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    log::info!("listening on {addr}", addr = listener.local_addr().unwrap());

    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(error) => {
                log::warn!("accept failed: {error}");
                continue;
            }
        };
        let Ok(peer) = stream.peer_addr() else {
            continue;
        };
        let spawned = thread::Builder::new()
            .name(format!("client {peer}"))
            .spawn(move || handle(stream, peer));
        if let Err(error) = spawned {
            log::error!("cannot start a thread for {peer}: {error}; closing it");
        }
    }
}

// ANCHOR: handle
fn handle(mut stream: TcpStream, peer: SocketAddr) {
    let config = Config::default();
    let _ = stream.set_read_timeout(Some(config.handshake_timeout));
    let (head, leftover) = match handshake::read_head(&mut stream, config.max_head) {
        Ok(read) => read,
        Err(ReadHeadError::TooLarge) => {
            return refuse(stream, peer, Rejection::HeadTooLarge(config.max_head))
        }
        Err(ReadHeadError::Io(error, n)) if n > 0 && is_timeout(&error) => {
            return refuse(stream, peer, Rejection::Timeout)
        }
        Err(ReadHeadError::Closed(n)) => {
            return log::info!("{peer}: left after {n} bytes, before a request")
        }
        Err(ReadHeadError::Io(error, _)) => return log::info!("{peer}: {error}"),
    };
    log::info!(
        "{peer}: request head:\n{}",
        String::from_utf8_lossy(&head).trim_end()
    );
    let accept = match Request::parse(&head, config.max_headers).and_then(|r| answer(&r)) {
        Ok(accept) => accept,
        Err(rejection) => return refuse(stream, peer, rejection),
    };
    let response = handshake::switching_protocols(&accept);
    if let Err(error) = stream.write_all(response.as_bytes()) {
        return log::info!("{peer}: {error}");
    }
    log::info!("{peer}: response head:\n{}", response.trim_end());
    let _ = stream.set_read_timeout(None);
    show_bytes(stream, peer, leftover);
}
// ANCHOR_END: handle

// ANCHOR: answer
/// §4.2.1's checks, for the one path this step serves: the accept value, or
/// why not.
fn answer(request: &Request) -> Result<String, Rejection> {
    handshake::check_request_line(request)?;
    if request.path() != "/" {
        return Err(Rejection::NotFound(request.path().into()));
    }
    handshake::validate(request)
}

/// Chapter 3: a read timeout is `WouldBlock` on Unix, `TimedOut` on Windows.
fn is_timeout(error: &std::io::Error) -> bool {
    matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

fn refuse(mut stream: TcpStream, peer: SocketAddr, rejection: Rejection) {
    let (code, reason) = rejection.status();
    log::warn!("{peer}: {code} {reason}: {rejection}");
    let _ = stream.write_all(&rejection.response());
}
// ANCHOR_END: answer

// ANCHOR: show_bytes
/// What the client sends after the 101, as hex, one line per read: the
/// question chapter 5 answers.
fn show_bytes(mut stream: TcpStream, peer: SocketAddr, leftover: Vec<u8>) {
    if !leftover.is_empty() {
        log::info!("{peer}: {} bytes: {}", leftover.len(), hex(&leftover));
    }
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return log::info!("{peer}: closed the connection"),
            Ok(n) => log::info!("{peer}: {n} bytes: {}", hex(&buf[..n])),
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return log::info!("{peer}: {error}"),
        }
    }
}
// ANCHOR_END: show_bytes
