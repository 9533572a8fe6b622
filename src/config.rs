//! Chapter 8: every limit and timeout in one place, each default with its reason.
//! See `tutorial/08-hardening.md`.

use crate::message::Limits;
use std::time::Duration;

/// The server's limits. `Config::default()` is what `cargo run --release` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// Longest request head, in bytes. Default 8 KiB: browsers send 0.5–2 KiB,
    /// and 8 KiB is the common limit of HTTP servers (nginx, python-websockets).
    pub max_head: usize,
    /// Most header lines. Default 64: browsers send about 15.
    pub max_headers: usize,
    /// Largest frame and message on `/echo`. Default 16 MiB each: the
    /// conformance suite's largest messages are 16 MiB, and a peer cannot make
    /// us hold more than this for one message.
    pub limits: Limits,
    /// Largest chat message. Default 4 KiB: a chat line is short, and every
    /// message is copied to every member's queue.
    pub chat_max_message: usize,
    /// Bytes per read from a socket. Default 8 KiB: small enough for thousands
    /// of idle connections, large enough that a 1 MiB message takes 128 reads.
    pub read_buffer: usize,
    /// Time to send the whole request head. Default 10 s: a browser needs
    /// milliseconds; a client that sends its head a byte at a time (slow
    /// loris) holds a thread for no longer than this.
    pub handshake_timeout: Duration,
    /// Silence before we ping, and then again before we give up. Default 30 s:
    /// well under the 60 s after which proxies such as nginx drop idle
    /// connections, so a dead peer is found within 60 s.
    pub idle_timeout: Duration,
    /// Time a peer has to finish the closing handshake. Default 5 s.
    pub close_timeout: Duration,
    /// Connections served at once; the next gets HTTP 503. Default 1024: each
    /// takes a thread and a file descriptor, and 1024 is a common `ulimit -n`.
    pub max_connections: usize,
    /// Messages waiting for one chat member before it is dropped as too slow.
    /// Default 256.
    pub chat_queue: usize,
    /// Allowed `Origin` values; empty allows all. Default empty.
    pub allowed_origins: Vec<String>,
    /// Stack of each connection thread. Default 256 KiB: our deepest call
    /// chain needs a few KiB; only the pages touched become resident memory.
    pub stack_size: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_head: 8 * 1024,
            max_headers: 64,
            limits: Limits {
                max_frame: 16 * 1024 * 1024,
                max_message: 16 * 1024 * 1024,
            },
            chat_max_message: 4 * 1024,
            read_buffer: 8 * 1024,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            close_timeout: Duration::from_secs(5),
            max_connections: 1024,
            chat_queue: 256,
            allowed_origins: Vec::new(),
            stack_size: 256 * 1024,
        }
    }
}
