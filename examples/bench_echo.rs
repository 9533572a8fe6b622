//! The servers wslab is compared with in `make bench`, in one program:
//!
//! - `--protocol tungstenite`: tungstenite used the way its own example server
//!   uses it, one thread per connection, like wslab;
//! - `--protocol tokio-tungstenite`: tokio-tungstenite's own echo example, on
//!   tokio's default multi-threaded runtime (a worker thread per core): the
//!   async echo most Rust users would pick;
//! - `--protocol tcp`: a raw TCP echo that sends bytes back as they arrive
//!   (cut-through), the no-protocol limit;
//! - `--protocol tcp-store`: a raw TCP echo that reads a whole length-prefixed
//!   message and only then sends it back (store-and-forward), the limit for an
//!   echo that, like every WebSocket echo, must hold the whole message first.
//!
//! All set `TCP_NODELAY` on every accepted socket, as wslab does. See
//! `tutorial/09-performance.md#six-servers-one-load-generator`.
//!
//! Run one alone: `cargo run --release --example bench_echo -- --protocol tcp`.

use futures_util::{future, StreamExt, TryStreamExt};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use wslab::cli::{self, Flags, Parse};

const ABOUT: &str = "Echoes every message (tungstenite, tokio-tungstenite: WebSocket; \
                     tcp-store: raw TCP, messages with an 8-byte length before them) or every \
                     byte (tcp: raw TCP). --protocol is required.";

/// What `--protocol` names: the echo to run.
enum Protocol {
    /// One thread per connection, blocking I/O, running this function.
    Threads(fn(TcpStream)),
    /// Tasks on tokio's multi-threaded runtime.
    Tokio,
}

impl Parse for Protocol {
    const PLACEHOLDER: &'static str = "tungstenite|tokio-tungstenite|tcp|tcp-store";
    fn parse(text: &str) -> Result<Protocol, String> {
        match text {
            "tungstenite" => Ok(Protocol::Threads(tungstenite_echo)),
            "tokio-tungstenite" => Ok(Protocol::Tokio),
            "tcp" => Ok(Protocol::Threads(tcp_echo)),
            "tcp-store" => Ok(Protocol::Threads(tcp_store_echo)),
            _ => Err("tungstenite, tokio-tungstenite, tcp or tcp-store".into()),
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
    let Some(protocol) = protocol else {
        cli::exit_with(&cli::CliError::MissingFlag("--protocol".into()), &help);
    };
    let listener = TcpListener::bind(addr).unwrap_or_else(|error| {
        eprintln!("cannot listen on {addr}: {error}");
        std::process::exit(1);
    });
    match protocol {
        Protocol::Threads(echo) => serve_threads(listener, echo),
        Protocol::Tokio => serve_tokio(listener),
    }
}

fn serve_threads(listener: TcpListener, echo: fn(TcpStream)) {
    for stream in listener.incoming().flatten() {
        let _ = stream.set_nodelay(true);
        let _ = thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || echo(stream));
    }
}

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

/// What `#[tokio::main]` builds: the multi-threaded runtime, one worker thread
/// per core, with I/O enabled. Each connection is a task, not a thread.
fn serve_tokio(listener: TcpListener) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        listener
            .set_nonblocking(true)
            .expect("a non-blocking socket");
        let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(tokio_tungstenite_echo(stream));
        }
    });
}

/// Tokio-tungstenite's example echo server, minus its logging: every text or
/// binary message goes back out, with tungstenite's default size limits.
async fn tokio_tungstenite_echo(stream: tokio::net::TcpStream) {
    let Ok(websocket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (write, read) = websocket.split();
    let _ = read
        .try_filter(|message| future::ready(message.is_text() || message.is_binary()))
        .forward(write)
        .await;
}

/// Whatever arrives goes straight back, 64 KiB at a time.
fn tcp_echo(mut stream: TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n @ 1..) = stream.read(&mut buf) {
        if stream.write_all(&buf[..n]).is_err() {
            break;
        }
    }
}

/// The largest message the store-and-forward echo takes: tungstenite's default.
const MAX_STORED: usize = 64 << 20;

/// A message is an 8-byte big-endian length, then that many bytes. Each one is
/// read whole, and only then written back, length and all, with one `write_all`.
fn tcp_store_echo(mut stream: TcpStream) {
    let mut buf = Vec::new();
    loop {
        let mut prefix = [0u8; 8];
        if stream.read_exact(&mut prefix).is_err() {
            break;
        }
        let len = u64::from_be_bytes(prefix);
        let Some(len) = usize::try_from(len).ok().filter(|&n| n <= MAX_STORED) else {
            break;
        };
        buf.resize(8 + len, 0);
        buf[..8].copy_from_slice(&prefix);
        if stream.read_exact(&mut buf[8..]).is_err() || stream.write_all(&buf).is_err() {
            break;
        }
    }
}
