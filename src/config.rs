//! Chapter 8: every limit and timeout in one place, each default with its reason.
//! See `tutorial/08-hardening.md`.

use crate::cli::{Cli, CliError};
use crate::message::Limits;
use std::num::NonZeroUsize;
use std::str::FromStr;
use std::time::Duration;

// ANCHOR: config
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
    /// The bytes of unfinished incoming messages held for all connections
    /// together. Default 256 MiB: sixteen 16 MiB messages at once, and a
    /// fraction of a small laptop's memory; without it, 1024 connections each
    /// part-way through a 16 MiB message would hold 16 GiB. A message that
    /// would go over it is refused with 1013 (try again later): the message
    /// is within its limit, and the server is busy, not the client wrong.
    pub message_budget: usize,
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
    /// Whether the log names the client from `X-Forwarded-For` (its last
    /// entry) instead of the socket's peer. Default off: any client can send
    /// that header, so it is true only when a proxy we run sets it on every
    /// request, as the nginx of chapter 10 does.
    pub trust_proxy: bool,
}
// ANCHOR_END: config

impl Default for Config {
    fn default() -> Config {
        Config {
            max_head: 8 * 1024,
            max_headers: 64,
            limits: Limits {
                max_frame: 16 * 1024 * 1024,
                max_message: 16 * 1024 * 1024,
            },
            message_budget: 256 * 1024 * 1024,
            chat_max_message: 4 * 1024,
            read_buffer: 8 * 1024,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            close_timeout: Duration::from_secs(5),
            max_connections: 1024,
            chat_queue: 256,
            allowed_origins: Vec::new(),
            stack_size: 256 * 1024,
            trust_proxy: false,
        }
    }
}

/// The flags that set a [`Config`]; each takes a value.
pub const FLAGS: &[&str] = &[
    "--max-head",
    "--max-headers",
    "--max-frame",
    "--max-message",
    "--chat-max-message",
    "--read-buffer",
    "--handshake-timeout",
    "--idle-timeout",
    "--close-timeout",
    "--max-connections",
    "--chat-queue",
    "--allow-origin",
    "--stack-size",
];

/// The switches that set a [`Config`]; they take no value.
pub const SWITCHES: &[&str] = &["--trust-proxy"];

/// `--help` text for [`FLAGS`] and [`SWITCHES`], with the defaults.
pub const FLAGS_HELP: &str = "  --max-head BYTES            longest request head (default 8KiB)
  --max-headers N             most header lines (default 64)
  --max-frame BYTES           largest frame (default 16MiB)
  --max-message BYTES         largest message (default 16MiB)
  --chat-max-message BYTES    largest chat message (default 4KiB)
  --read-buffer BYTES         bytes per socket read (default 8KiB)
  --handshake-timeout TIME    time to send the request head (default 10s)
  --idle-timeout TIME         silence before a ping, and again before a drop (default 30s)
  --close-timeout TIME        time to finish the closing handshake (default 5s)
  --max-connections N         connections at once; more get 503 (default 1024)
  --chat-queue N              messages waiting per chat member (default 256)
  --allow-origin LIST         comma-separated allowed Origins (default: all)
  --stack-size BYTES          stack of each connection thread (default 256KiB)
  --trust-proxy               log the client named by X-Forwarded-For, as set
                              by a proxy in front of us (default: ignore it)

BYTES is a number with an optional unit: 512, 8KiB, 16MiB. TIME is a number
with a unit: 500ms, 10s, 2m. Every number must be at least 1.";

/// A byte count written with an optional binary unit: `512`, `8KiB`, `16MiB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes(pub usize);

impl FromStr for Bytes {
    type Err = ();

    fn from_str(text: &str) -> Result<Bytes, ()> {
        let (number, unit) = split_unit(text);
        let scale = match unit {
            "" | "B" => 1,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            _ => return Err(()),
        };
        let n: usize = number.parse().map_err(|_| ())?;
        n.checked_mul(scale).filter(|&b| b > 0).map(Bytes).ok_or(())
    }
}

/// A duration written with a unit: `500ms`, `10s`, `2m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub Duration);

impl FromStr for Time {
    type Err = ();

    fn from_str(text: &str) -> Result<Time, ()> {
        let (number, unit) = split_unit(text);
        let n: u64 = number.parse().map_err(|_| ())?;
        let time = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.checked_mul(60).ok_or(())?),
            _ => return Err(()),
        };
        if time.is_zero() {
            return Err(());
        }
        Ok(Time(time))
    }
}

fn split_unit(text: &str) -> (&str, &str) {
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(digits)
}

impl Config {
    // ANCHOR: from_cli
    /// The defaults, overridden by whichever of [`FLAGS`] and [`SWITCHES`]
    /// were given. A bad value is an error that names its flag; nothing falls
    /// back silently.
    pub fn from_cli(cli: &Cli) -> Result<Config, CliError> {
        let d = Config::default();
        let bytes = |flag, default: usize| -> Result<usize, CliError> {
            Ok(cli
                .value(flag, Bytes(default), "a size such as 4096, 8KiB or 16MiB")?
                .0)
        };
        let time = |flag, default: Duration| -> Result<Duration, CliError> {
            Ok(cli
                .value(flag, Time(default), "a time such as 500ms, 10s or 2m")?
                .0)
        };
        let count = |flag, default: usize| -> Result<usize, CliError> {
            Ok(cli
                .value(
                    flag,
                    NonZeroUsize::new(default).unwrap(),
                    "a whole number, at least 1",
                )?
                .get())
        };
        Ok(Config {
            max_head: bytes("--max-head", d.max_head)?,
            max_headers: count("--max-headers", d.max_headers)?,
            limits: Limits {
                max_frame: bytes("--max-frame", d.limits.max_frame)?,
                max_message: bytes("--max-message", d.limits.max_message)?,
            },
            message_budget: d.message_budget,
            chat_max_message: bytes("--chat-max-message", d.chat_max_message)?,
            read_buffer: bytes("--read-buffer", d.read_buffer)?,
            handshake_timeout: time("--handshake-timeout", d.handshake_timeout)?,
            idle_timeout: time("--idle-timeout", d.idle_timeout)?,
            close_timeout: time("--close-timeout", d.close_timeout)?,
            max_connections: count("--max-connections", d.max_connections)?,
            chat_queue: count("--chat-queue", d.chat_queue)?,
            allowed_origins: cli.raw("--allow-origin").map_or(Vec::new(), |list| {
                list.split(',')
                    .map(|o| o.trim().to_string())
                    .filter(|o| !o.is_empty())
                    .collect()
            }),
            stack_size: bytes("--stack-size", d.stack_size)?,
            trust_proxy: cli.has("--trust-proxy"),
        })
    }
    // ANCHOR_END: from_cli
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times() {
        assert_eq!("512".parse(), Ok(Bytes(512)));
        assert_eq!("8KiB".parse(), Ok(Bytes(8192)));
        assert_eq!("16MiB".parse(), Ok(Bytes(16 << 20)));
        for bad in ["", "0", "8kb", "-1", "1.5MiB", "99999999999999999999"] {
            assert_eq!(bad.parse::<Bytes>(), Err(()), "{bad}");
        }
        assert_eq!("500ms".parse(), Ok(Time(Duration::from_millis(500))));
        assert_eq!("10s".parse(), Ok(Time(Duration::from_secs(10))));
        assert_eq!("2m".parse(), Ok(Time(Duration::from_secs(120))));
        for bad in ["", "10", "0s", "1h", "s"] {
            assert_eq!(bad.parse::<Time>(), Err(()), "{bad}");
        }
    }

    #[test]
    fn flags_override_defaults_and_bad_values_name_their_flag() {
        let cli = Cli::parse(
            [
                "--idle-timeout",
                "2s",
                "--max-frame",
                "1MiB",
                "--allow-origin",
                "http://a, http://b",
                "--trust-proxy",
            ],
            FLAGS,
            SWITCHES,
        )
        .unwrap();
        let config = Config::from_cli(&cli).unwrap();
        assert!(config.trust_proxy);
        assert!(!Config::default().trust_proxy);
        assert_eq!(config.idle_timeout, Duration::from_secs(2));
        assert_eq!(config.limits.max_frame, 1 << 20);
        assert_eq!(config.allowed_origins, ["http://a", "http://b"]);
        assert_eq!(config.max_head, Config::default().max_head);
        for (flag, value) in [
            ("--max-connections", "0"),
            ("--close-timeout", "5"),
            ("--max-head", "big"),
        ] {
            let cli = Cli::parse([flag, value], FLAGS, &[]).unwrap();
            let error = Config::from_cli(&cli).unwrap_err().to_string();
            assert!(error.contains(flag) && error.contains(value), "{error}");
        }
    }
}
