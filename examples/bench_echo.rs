//! The two servers wslab is compared with in `make bench`, in one program:
//! `--protocol tungstenite` is tungstenite used the way its own example server
//! uses it, and `--protocol tcp` is a raw TCP echo, the no-protocol limit. Both
//! have wslab's shape: one thread per connection, blocking I/O, `TCP_NODELAY`.
//! See `tutorial/09-performance.md#three-servers-one-load-generator`.
//!
//! Run one alone: `cargo run --release --example bench_echo -- --protocol tcp`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use wslab::cli::{self, Cli};

const USAGE: &str = "usage: bench_echo --protocol tungstenite|tcp [--addr HOST:PORT]

Echoes every message (tungstenite) or every byte (tcp), a thread per connection.

  --protocol NAME   tungstenite: WebSocket, with tungstenite; tcp: raw TCP
  --addr HOST:PORT  where to listen (default 127.0.0.1:9001)";

fn main() {
    let args = Cli::from_env(USAGE, &["--addr", "--protocol"], &[]);
    let addr = args
        .addr("127.0.0.1:9001")
        .unwrap_or_else(|error| cli::exit_with(&error, USAGE));
    let echo: fn(TcpStream) = match args.raw("--protocol") {
        Some("tungstenite") => tungstenite_echo,
        Some("tcp") => tcp_echo,
        other => cli::exit_with(
            &cli::CliError::InvalidValue {
                flag: "--protocol".into(),
                value: other.unwrap_or("").into(),
                expected: "tungstenite or tcp".into(),
            },
            USAGE,
        ),
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
