//! Chapter 8: every limit and timeout in one place, each default with its reason.
//! See `tutorial/08-hardening.md`.

use crate::message::Limits;
use std::fmt;
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
    /// Largest frame and message, on every route. Default 16 MiB each: the
    /// conformance suite's largest messages are 16 MiB, and a peer cannot make
    /// us hold more than this for one message. The chat room lowers its own
    /// members' limit to `chat_max_message`.
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
    /// of idle connections. Inside a payload bigger than this, reads grow to
    /// 64 KiB, so a 1 MiB message takes as few as 17 reads: 8 KiB, then 16 of
    /// up to 64 KiB.
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
    /// Messages waiting for one chat member. Default 256.
    pub chat_queue: usize,
    /// How long a chat member whose queue is full may take none of our bytes
    /// before it counts as stopped and is dropped. Default 5 s: a browser tab
    /// that is reading, however slowly, takes some every few milliseconds; one
    /// that takes nothing for seconds has stopped (chapter 7).
    pub chat_stall: Duration,
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
            chat_stall: Duration::from_secs(5),
            allowed_origins: Vec::new(),
            stack_size: 256 * 1024,
            trust_proxy: false,
        }
    }
}

impl Config {
    /// Every field that a command line may set, each with its name and a line
    /// of help: the flags of `wslab` and step 8 (`--idle-timeout 5s`), and step
    /// 7's `chat-` ones.
    /// Adding a setting is adding its entry here.
    #[rustfmt::skip]
    pub fn settings(&mut self) -> Vec<Setting<'_>> {
        vec![
            Setting::bytes("max-head", "longest request head", &mut self.max_head),
            Setting::count("max-headers", "most header lines", &mut self.max_headers),
            Setting::bytes("max-frame", "largest frame", &mut self.limits.max_frame),
            Setting::bytes("max-message", "largest message", &mut self.limits.max_message),
            Setting::bytes("message-budget", "unfinished messages held, all connections together",
                           &mut self.message_budget),
            Setting::bytes("chat-max-message", "largest chat message", &mut self.chat_max_message),
            Setting::bytes("read-buffer", "bytes per socket read", &mut self.read_buffer),
            Setting::time("handshake-timeout", "time to send the request head",
                &mut self.handshake_timeout),
            Setting::time("idle-timeout", "silence before a ping, and again before a drop",
                &mut self.idle_timeout),
            Setting::time("close-timeout", "time to finish the closing handshake",
                &mut self.close_timeout),
            Setting::count("max-connections", "connections at once; more get 503",
                &mut self.max_connections),
            Setting::count("chat-queue", "messages waiting per chat member", &mut self.chat_queue),
            Setting::time("chat-stall", "a full queue taking none of our bytes this long: dropped",
                          &mut self.chat_stall),
            Setting::list("allow-origin", "the Origins allowed, comma-separated (default: any)",
                &mut self.allowed_origins),
            Setting::bytes("stack-size", "stack of each connection thread", &mut self.stack_size),
            Setting::switch("trust-proxy", "log the client named by X-Forwarded-For, as set by \
                a proxy in front of us", &mut self.trust_proxy),
        ]
    }
}

/// One field of a [`Config`] that can be set by name, from text.
#[derive(Debug)]
pub struct Setting<'a> {
    /// Its name, such as `idle-timeout`; a command line writes it `--idle-timeout`.
    pub name: &'static str,
    /// What it limits, in a line.
    pub help: &'static str,
    /// The field, and so how its value is written.
    pub field: Field<'a>,
}

/// A field of a [`Config`], by the kind of value it holds.
#[derive(Debug)]
pub enum Field<'a> {
    /// A size: a [`Bytes`].
    Bytes(&'a mut usize),
    /// A whole number, at least 1.
    Count(&'a mut usize),
    /// A duration: a [`Time`].
    Time(&'a mut Duration),
    /// Comma-separated words.
    List(&'a mut Vec<String>),
    /// On or off; naming it turns it on.
    Switch(&'a mut bool),
}

impl<'a> Setting<'a> {
    fn bytes(name: &'static str, help: &'static str, field: &'a mut usize) -> Setting<'a> {
        let field = Field::Bytes(field);
        Setting { name, help, field }
    }

    fn count(name: &'static str, help: &'static str, field: &'a mut usize) -> Setting<'a> {
        let field = Field::Count(field);
        Setting { name, help, field }
    }

    fn time(name: &'static str, help: &'static str, field: &'a mut Duration) -> Setting<'a> {
        let field = Field::Time(field);
        Setting { name, help, field }
    }

    fn list(name: &'static str, help: &'static str, field: &'a mut Vec<String>) -> Setting<'a> {
        let field = Field::List(field);
        Setting { name, help, field }
    }

    fn switch(name: &'static str, help: &'static str, field: &'a mut bool) -> Setting<'a> {
        let field = Field::Switch(field);
        Setting { name, help, field }
    }
}

/// A byte count: a whole number with an optional binary unit, `512`, `8KiB`,
/// `16MiB`, `1GiB`; at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes(pub usize);

const BYTE_UNITS: [(&str, usize); 4] = [
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
    ("B", 1),
];

impl FromStr for Bytes {
    type Err = ();

    fn from_str(text: &str) -> Result<Bytes, ()> {
        let (number, unit) = split_unit(text);
        let scale = match unit {
            "" => 1,
            unit => {
                BYTE_UNITS
                    .iter()
                    .find(|(name, _)| *name == unit)
                    .ok_or(())?
                    .1
            }
        };
        let n: usize = number.parse().map_err(|_| ())?;
        n.checked_mul(scale).filter(|&b| b > 0).map(Bytes).ok_or(())
    }
}

/// The largest unit that divides it exactly: `8KiB`, `1000B`.
impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, scale) = BYTE_UNITS
            .iter()
            .find(|(_, scale)| self.0 % scale == 0 && self.0 > 0)
            .unwrap_or(&("B", 1));
        write!(f, "{}{unit}", self.0 / scale)
    }
}

/// A duration: a number with a unit, `500ms`, `1.5s`, `2m`; a bare number is
/// seconds, so `5` is `5s`. More than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub Duration);

impl FromStr for Time {
    type Err = ();

    fn from_str(text: &str) -> Result<Time, ()> {
        let (number, unit) = split_unit(text);
        let n: f64 = number.parse().map_err(|_| ())?;
        let seconds = match unit {
            "ms" => n / 1000.0,
            "" | "s" => n,
            "m" => n * 60.0,
            _ => return Err(()),
        };
        match Duration::try_from_secs_f64(seconds) {
            Ok(time) if !time.is_zero() => Ok(Time(time)),
            _ => Err(()),
        }
    }
}

/// In whole minutes, seconds or milliseconds, whichever is exact: `2m`, `30s`, `1500ms`.
impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms > 0 && ms % 60_000 == 0 {
            write!(f, "{}m", ms / 60_000)
        } else if ms % 1000 == 0 {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

/// `"16MiB"` → `("16", "MiB")`; `"1.5s"` → `("1.5", "s")`.
fn split_unit(text: &str) -> (&str, &str) {
    let digits = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    text.split_at(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!("512".parse(), Ok(Bytes(512)));
        assert_eq!("512B".parse(), Ok(Bytes(512)));
        assert_eq!("8KiB".parse(), Ok(Bytes(8192)));
        assert_eq!("16MiB".parse(), Ok(Bytes(16 << 20)));
        for bad in [
            "",
            "0",
            "8kb",
            "-1",
            "1.5MiB",
            "99999999999999999999",
            "KiB",
            "1.0",
        ] {
            assert_eq!(bad.parse::<Bytes>(), Err(()), "{bad}");
        }
        for (bytes, text) in [
            (8192, "8KiB"),
            (16 << 20, "16MiB"),
            (1000, "1000B"),
            (1 << 30, "1GiB"),
        ] {
            assert_eq!(Bytes(bytes).to_string(), text);
            assert_eq!(text.parse(), Ok(Bytes(bytes)));
        }
    }

    #[test]
    fn times_take_a_unit_and_a_bare_number_is_seconds() {
        assert_eq!("500ms".parse(), Ok(Time(Duration::from_millis(500))));
        assert_eq!("10s".parse(), Ok(Time(Duration::from_secs(10))));
        assert_eq!("10".parse(), Ok(Time(Duration::from_secs(10))));
        assert_eq!("1.5s".parse(), Ok(Time(Duration::from_millis(1500))));
        assert_eq!("0.3".parse(), Ok(Time(Duration::from_millis(300))));
        assert_eq!("2m".parse(), Ok(Time(Duration::from_secs(120))));
        for bad in [
            "", "0", "0s", "0.0m", "1h", "s", ".", "-1s", "1e3", "5 s", "inf", "1e400",
        ] {
            assert_eq!(bad.parse::<Time>(), Err(()), "{bad}");
        }
        for (ms, text) in [(30_000, "30s"), (120_000, "2m"), (1500, "1500ms")] {
            let time = Time(Duration::from_millis(ms));
            assert_eq!(time.to_string(), text);
            assert_eq!(text.parse(), Ok(time));
        }
    }

    /// A field added to `Config` must be named here, and then this fails
    /// until it has a line in `settings`.
    #[test]
    fn every_field_is_a_setting_of_its_own() {
        let mut config = Config::default();
        for setting in config.settings() {
            match setting.field {
                Field::Bytes(n) | Field::Count(n) => *n = 7,
                Field::Time(time) => *time = Duration::from_secs(7),
                Field::List(list) => list.push("7".into()),
                Field::Switch(on) => *on = true,
            }
        }
        let Config {
            max_head,
            max_headers,
            limits: Limits {
                max_frame,
                max_message,
            },
            message_budget,
            chat_max_message,
            read_buffer,
            handshake_timeout,
            idle_timeout,
            close_timeout,
            max_connections,
            chat_queue,
            chat_stall,
            allowed_origins,
            stack_size,
            trust_proxy,
        } = config;
        let sizes = [
            max_head,
            max_headers,
            max_frame,
            max_message,
            message_budget,
            chat_max_message,
            read_buffer,
            max_connections,
            chat_queue,
            stack_size,
        ];
        assert_eq!(sizes, [7; 10]);
        let seven = Duration::from_secs(7);
        assert_eq!(
            [handshake_timeout, idle_timeout, close_timeout, chat_stall],
            [seven; 4]
        );
        assert_eq!(allowed_origins, ["7"]);
        assert!(trust_proxy);
        let settings = Config::default().settings().len();
        let mut names: Vec<_> = Config::default()
            .settings()
            .iter()
            .map(|s| s.name)
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), settings, "two settings share a name");
    }
}
