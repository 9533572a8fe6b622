//! The two servers wslab is compared with in `make bench`, in one program:
//! `--protocol tungstenite` is tungstenite used the way its own example server
//! uses it, and `--protocol tcp` is a raw TCP echo, the no-protocol limit. Both
//! have wslab's shape: one thread per connection, blocking I/O, `TCP_NODELAY`.
//! See `tutorial/09-performance.md#three-servers-one-load-generator`.
//!
//! Run one alone: `cargo run --release --example bench_echo -- --protocol tcp`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use wslab::cli::{self, Flags, Parse};

const ABOUT: &str = "Echoes every message (tungstenite: WebSocket, with tungstenite) or every \
                     byte (tcp: raw TCP), a thread per connection. --protocol is required.";

/// What `--protocol` names: the echo to run.
struct Protocol(fn(TcpStream));

impl Parse for Protocol {
    const PLACEHOLDER: &'static str = "tungstenite|tcp";
    fn parse(text: &str) -> Result<Protocol, String> {
        match text {
            "tungstenite" => Ok(Protocol(tungstenite_echo)),
            "tcp" => Ok(Protocol(tcp_echo)),
            _ => Err("tungstenite or tcp".into()),
        }
    }
    fn show(&self) -> String {
        String::new()
    }
}

fn main() {
    let mut protocol = None;
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 9001));
    let help = Flags::new("bench_echo", ABOUT)
        .flag("--protocol", "the echo server to be", &mut protocol)
        .flag("--addr", "where to listen", &mut addr)
        .parse_env();
    let Some(Protocol(echo)) = protocol else {
        cli::exit_with(&cli::CliError::MissingFlag("--protocol".into()), &help);
    };
    let listener = TcpListener::bind(addr).unwrap_or_else(|error| {
        eprintln!("cannot listen on {addr}: {error}");
        std::process::exit(1);
    });
    for stream in listener.incoming().flatten() {
        let _ = stream.set_nodelay(true);
        let _ = thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || echo(stream));
    }
}

// ANCHOR: tungstenite_echo
/// Tungstenite's example server, minus its logging: read a message, send it back.
fn tungstenite_echo(stream: TcpStream) {
    let Ok(mut websocket) = tungstenite_latest::accept(stream) else {
        return;
    };
    while let Ok(message) = websocket.read() {
        if (message.is_binary() || message.is_text()) && websocket.send(message).is_err() {
            break;
        }
    }
}
// ANCHOR_END: tungstenite_echo

// ANCHOR: tcp_echo
/// Whatever arrives goes straight back, 64 KiB at a time.
fn tcp_echo(mut stream: TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n @ 1..) = stream.read(&mut buf) {
        if stream.write_all(&buf[..n]).is_err() {
            break;
        }
    }
}
// ANCHOR_END: tcp_echo
