//! Command-line flags and logging, shared by the examples and the main server.
//!
//! A program lists its flags once, in a [`Flags`] table: each flag's name, a
//! line of help, and the variable its value goes into. Parsing, `--help` and
//! the error messages all come from that table, so a program accepts exactly
//! the flags its help lists. The variable's type decides how a value is
//! written, the same way in every program ([`Parse`]): a TIME is `500ms`,
//! `1.5s` or `2m`, and a bare number is seconds.
//!
//! ```no_run
//! use std::net::SocketAddr;
//! use wslab::cli::Flags;
//!
//! let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
//! let mut clients: u32 = 5;
//! Flags::new("cargo run --example step1 --", "Answers each client's line reversed.")
//!     .flag("--addr", "where to listen", &mut addr)
//!     .flag("--clients", "stop after serving N clients", &mut clients)
//!     .parse_env();
//! ```
//!
//! A bad value is an error that names the flag and the value, so a typo never
//! turns silently into a default; the program then exits with status 2.

use crate::config::{Bytes, Config, Field, Time};
use std::fmt;
use std::io::Write as _;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

/// What went wrong on the command line. The message always names the flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// `--help` was given: not an error, but the program should print usage and stop.
    Help,
    /// A flag this program does not know.
    UnknownFlag(String),
    /// A flag that takes a value was given without one.
    MissingValue(String),
    /// A flag the program cannot do without was not given.
    MissingFlag(String),
    /// A switch (a flag without a value) was given `=value`.
    UnexpectedValue(String),
    /// A positional argument the program has no [`Flags::operand`] for.
    UnexpectedArgument(String),
    /// An operand the program cannot do without was not given.
    MissingOperand(&'static str),
    /// A value that does not parse.
    InvalidValue {
        flag: String,
        value: String,
        expected: String,
    },
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Help => write!(f, "help requested"),
            CliError::UnknownFlag(flag) => write!(f, "unknown flag {flag}"),
            CliError::MissingValue(flag) => write!(f, "{flag} needs a value"),
            CliError::MissingFlag(flag) => write!(f, "{flag} is required"),
            CliError::UnexpectedValue(flag) => write!(f, "{flag} takes no value"),
            CliError::UnexpectedArgument(arg) => write!(f, "unexpected argument {arg:?}"),
            CliError::MissingOperand(name) => write!(f, "{name} is required"),
            CliError::InvalidValue {
                flag,
                value,
                expected,
            } => write!(f, "invalid value {value:?} for {flag}: expected {expected}"),
        }
    }
}

impl std::error::Error for CliError {}

/// What each placeholder stands for. A program's `--help` explains the ones
/// its flags use, under the flags.
const PLACEHOLDERS: [(&str, &str); 5] = [
    (
        "HOST:PORT",
        "HOST:PORT is an address and a port: 127.0.0.1:8080, localhost:8080.",
    ),
    ("N", "N is a whole number, at least 1."),
    (
        "BYTES",
        "BYTES is a whole number with an optional unit, B, KiB, MiB or GiB: \
         512, 8KiB, 16MiB; at least 1.",
    ),
    (
        "TIME",
        "TIME is a number with a unit, ms, s or m: 500ms, 1.5s, 2m. A bare \
         number is seconds, so 5 is 5s. More than zero.",
    ),
    ("LIST", "LIST is comma-separated: a,b,c."),
];

/// A type whose values a flag can take: how `--help` names it, how to read it
/// from text, and how to write it back.
pub trait Parse: Sized {
    /// The value's name in `--help`: `N`, `TIME`.
    const PLACEHOLDER: &'static str;
    /// The value `text` writes, or what a valid one looks like.
    fn parse(text: &str) -> Result<Self, String>;
    /// The value, written as a flag would take it.
    fn show(&self) -> String;
}

/// A whole number, at least 1: none of our counts makes sense as 0.
macro_rules! counts {
    ($($t:ty),*) => {$(
        impl Parse for $t {
            const PLACEHOLDER: &'static str = "N";
            fn parse(text: &str) -> Result<$t, String> {
                match text.parse() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err("a whole number, at least 1".into()),
                }
            }
            fn show(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
counts!(u32, u64, usize);

impl Parse for Bytes {
    const PLACEHOLDER: &'static str = "BYTES";
    fn parse(text: &str) -> Result<Bytes, String> {
        text.parse()
            .map_err(|()| "a size of at least 1, such as 4096, 8KiB or 16MiB".into())
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Parse for Duration {
    const PLACEHOLDER: &'static str = "TIME";
    fn parse(text: &str) -> Result<Duration, String> {
        match text.parse() {
            Ok(Time(time)) => Ok(time),
            Err(()) => {
                Err("a time above zero, such as 500ms, 10s or 2m (a bare number is seconds)".into())
            }
        }
    }
    fn show(&self) -> String {
        Time(*self).to_string()
    }
}

/// Resolved when parsed, so `localhost:8080` works too.
impl Parse for SocketAddr {
    const PLACEHOLDER: &'static str = "HOST:PORT";
    fn parse(text: &str) -> Result<SocketAddr, String> {
        text.to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .ok_or_else(|| "HOST:PORT, for example 127.0.0.1:8080".into())
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Parse for String {
    const PLACEHOLDER: &'static str = "TEXT";
    fn parse(text: &str) -> Result<String, String> {
        Ok(text.to_string())
    }
    fn show(&self) -> String {
        format!("{self:?}")
    }
}

impl Parse for PathBuf {
    const PLACEHOLDER: &'static str = "PATH";
    fn parse(text: &str) -> Result<PathBuf, String> {
        Ok(PathBuf::from(text))
    }
    fn show(&self) -> String {
        self.display().to_string()
    }
}

/// Comma-separated items; empty items are skipped, so `""` is an empty list.
impl<T: Parse + fmt::Display> Parse for Vec<T> {
    const PLACEHOLDER: &'static str = "LIST";
    fn parse(text: &str) -> Result<Vec<T>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(T::parse)
            .collect::<Result<_, _>>()
            .map_err(|expected| format!("a comma-separated list, each item {expected}"))
    }
    fn show(&self) -> String {
        let items: Vec<String> = self.iter().map(T::to_string).collect();
        items.join(",")
    }
}

/// A variable that a flag sets: a `&mut` to a [`Parse`] type, to an `Option`
/// of one (set to `Some` when the flag is given), or to a `bool`, which makes
/// the flag a switch.
pub trait Value {
    /// How `--help` names the value, or `None` for a switch: a flag that
    /// takes no value and turns the variable on.
    fn placeholder(&self) -> Option<&'static str>;
    /// Reads `text` into the variable, or says what a valid value looks like.
    fn set(&mut self, text: &str) -> Result<(), String>;
    /// The variable's value, shown in `--help` as the default; `None` shows none.
    fn show(&self) -> Option<String>;
}

impl<T: Parse> Value for &mut T {
    fn placeholder(&self) -> Option<&'static str> {
        Some(T::PLACEHOLDER)
    }
    fn set(&mut self, text: &str) -> Result<(), String> {
        **self = T::parse(text)?;
        Ok(())
    }
    fn show(&self) -> Option<String> {
        Some(T::show(self)).filter(|shown| !shown.is_empty())
    }
}

/// `None` until the flag is given: for a flag whose default depends on others.
impl<T: Parse> Value for &mut Option<T> {
    fn placeholder(&self) -> Option<&'static str> {
        Some(T::PLACEHOLDER)
    }
    fn set(&mut self, text: &str) -> Result<(), String> {
        **self = Some(T::parse(text)?);
        Ok(())
    }
    fn show(&self) -> Option<String> {
        self.as_ref().map(T::show)
    }
}

impl Value for &mut bool {
    fn placeholder(&self) -> Option<&'static str> {
        None
    }
    fn set(&mut self, _: &str) -> Result<(), String> {
        **self = true;
        Ok(())
    }
    fn show(&self) -> Option<String> {
        None
    }
}

/// A [`Config`] field is written the way its kind says: a size as BYTES, a
/// timeout as TIME.
impl Value for Field<'_> {
    fn placeholder(&self) -> Option<&'static str> {
        match self {
            Field::Bytes(_) => Some(Bytes::PLACEHOLDER),
            Field::Count(_) => Some(usize::PLACEHOLDER),
            Field::Time(_) => Some(Duration::PLACEHOLDER),
            Field::List(_) => Some(Vec::<String>::PLACEHOLDER),
            Field::Switch(_) => None,
        }
    }
    fn set(&mut self, text: &str) -> Result<(), String> {
        match self {
            Field::Bytes(n) => **n = Bytes::parse(text)?.0,
            Field::Count(n) => **n = usize::parse(text)?,
            Field::Time(time) => **time = Duration::parse(text)?,
            Field::List(list) => **list = Vec::parse(text)?,
            Field::Switch(on) => **on = true,
        }
        Ok(())
    }
    fn show(&self) -> Option<String> {
        match self {
            Field::Bytes(n) => Some(Bytes(**n).show()),
            Field::Count(n) => Some(usize::show(n)),
            Field::Time(time) => Some(Duration::show(time)),
            Field::List(list) => Some(Vec::show(*list)).filter(|shown| !shown.is_empty()),
            Field::Switch(_) => None,
        }
    }
}

/// One row of the table.
struct Flag<'a> {
    name: String,
    help: &'static str,
    /// Taken when the flag is added, before any parsing changes the value.
    default: Option<String>,
    value: Box<dyn Value + 'a>,
}

/// A program's flags: the one table that parsing, `--help` and the error
/// messages all read. See the [module documentation](self).
pub struct Flags<'a> {
    program: String,
    about: &'static str,
    flags: Vec<Flag<'a>>,
    /// Arguments without `--`, in order: the client's URL.
    operands: Vec<(&'static str, &'a mut String)>,
}

impl<'a> Flags<'a> {
    /// A table with no flags yet. `program` is how a reader starts the
    /// program (`cargo run --example step1 --`); `about` says what it does.
    pub fn new(program: &str, about: &'static str) -> Flags<'a> {
        Flags {
            program: program.to_string(),
            about,
            flags: Vec::new(),
            operands: Vec::new(),
        }
    }

    /// Adds a required operand, an argument without `--` such as a URL,
    /// which sets `value`. Operands are taken in the order they are added;
    /// `name` shows in the usage line.
    pub fn operand(mut self, name: &'static str, value: &'a mut String) -> Flags<'a> {
        self.operands.push((name, value));
        self
    }

    /// Adds the flag `name` (with its `--`), which sets `value`: typically
    /// `&mut variable`, whose value before parsing `--help` shows as the
    /// default. Panics if the name is taken or lacks its `--`: a mistake in
    /// the program, not on its command line.
    pub fn flag(self, name: &str, help: &'static str, value: impl Value + 'a) -> Flags<'a> {
        self.add(name.to_string(), help, Box::new(value))
    }

    /// Adds a flag for each of [`Config::settings`]: `--idle-timeout` and the rest.
    pub fn config(mut self, config: &'a mut Config) -> Flags<'a> {
        for setting in config.settings() {
            let name = format!("--{}", setting.name);
            self = self.add(name, setting.help, Box::new(setting.field));
        }
        self
    }

    fn add(mut self, name: String, help: &'static str, value: Box<dyn Value + 'a>) -> Flags<'a> {
        assert!(
            name.starts_with("--") && name != "--help",
            "bad flag name {name}"
        );
        assert!(self.find(&name).is_none(), "{name} is in the table twice");
        let default = value.show();
        self.flags.push(Flag {
            name,
            help,
            default,
            value,
        });
        self
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.flags.iter().position(|flag| flag.name == name)
    }

    /// Sets the variables from `args` (without the program's name), in order:
    /// `--name value`, `--name=value`, or `--name` for a switch.
    pub fn parse<I, S>(&mut self, args: I) -> Result<(), CliError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut args = args.into_iter().map(Into::into);
        let mut operands_given = 0;
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Err(CliError::Help);
            }
            if !arg.starts_with('-') {
                let Some((_, value)) = self.operands.get_mut(operands_given) else {
                    return Err(CliError::UnexpectedArgument(arg));
                };
                **value = arg;
                operands_given += 1;
                continue;
            }
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (arg, None),
            };
            let Some(i) = self.find(&name) else {
                return Err(CliError::UnknownFlag(name));
            };
            let flag = &mut self.flags[i];
            let text = match (flag.value.placeholder(), inline) {
                (None, None) => String::new(),
                (None, Some(_)) => return Err(CliError::UnexpectedValue(name)),
                (Some(_), Some(text)) => text,
                (Some(_), None) => args
                    .next()
                    .ok_or_else(|| CliError::MissingValue(name.clone()))?,
            };
            if let Err(expected) = flag.value.set(&text) {
                return Err(CliError::InvalidValue {
                    flag: name,
                    value: text,
                    expected,
                });
            }
        }
        match self.operands.get(operands_given) {
            Some((name, _)) => Err(CliError::MissingOperand(name)),
            None => Ok(()),
        }
    }

    /// Parses the process's arguments. On `--help` prints the help and exits
    /// with status 0; on a mistake prints it and the help to stderr and exits
    /// with status 2. Returns the help, for mistakes the program finds later.
    pub fn parse_env(mut self) -> String {
        let result = self.parse(std::env::args().skip(1));
        let help = self.help();
        match result {
            Ok(()) => help,
            Err(CliError::Help) => {
                // `--help | head` closes the pipe early: not an error worth a panic.
                let _ = writeln!(std::io::stdout(), "{help}");
                std::process::exit(0);
            }
            Err(error) => exit_with(&error, &help),
        }
    }

    /// The help: usage, what the program does, every flag with its default,
    /// and what the placeholders used stand for.
    pub fn help(&self) -> String {
        let mut rows: Vec<(String, String)> = self
            .flags
            .iter()
            .map(|flag| {
                let mut left = format!("  {}", flag.name);
                if let Some(placeholder) = flag.value.placeholder() {
                    left += &format!(" {placeholder}");
                }
                let right = match &flag.default {
                    Some(default) => format!("{} (default {default})", flag.help),
                    None => flag.help.to_string(),
                };
                (left, right)
            })
            .collect();
        rows.push(("  -h, --help".into(), "print this help".into()));
        let column = rows.iter().map(|(left, _)| left.len()).max().unwrap_or(0) + 2;

        let mut help = format!("usage: {} [FLAGS]", self.program);
        for (name, _) in &self.operands {
            help += &format!(" {name}");
        }
        help += "\n";
        if !self.about.is_empty() {
            help += &format!("\n{}\n", wrap(self.about, 0));
        }
        help += "\n";
        for (left, right) in rows {
            help += &format!("{left:column$}{}\n", wrap(&right, column));
        }
        let mut explained = Vec::new();
        for flag in &self.flags {
            let placeholder = flag.value.placeholder();
            if let Some((name, meaning)) =
                PLACEHOLDERS.iter().find(|(p, _)| Some(*p) == placeholder)
            {
                if !explained.contains(name) {
                    explained.push(name);
                    help += &format!("\n{}", wrap(meaning, 0));
                }
            }
        }
        help.trim_end().to_string()
    }
}

/// Lines of at most 80 characters, the ones after the first indented by
/// `indent`, which is where the first one starts.
fn wrap(text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut width = indent;
    for word in text.split_whitespace() {
        if width > indent && width + 1 + word.chars().count() > 80 {
            out += &format!("\n{:indent$}", "");
            width = indent;
        } else if width > indent {
            out.push(' ');
            width += 1;
        }
        out += word;
        width += word.chars().count();
    }
    out
}

/// Prints `error` and `help` to stderr and exits with status 2, the convention
/// for a command-line mistake.
pub fn exit_with(error: &CliError, help: &str) -> ! {
    eprintln!("error: {error}\n\n{help}");
    std::process::exit(2);
}

/// Starts `env_logger`. `RUST_LOG` chooses the level (default `info`); lines carry
/// the level and the module but no timestamp, so the tutorial can show them exactly.
pub fn init_logging() {
    init_logging_with("info");
}

/// Like [`init_logging`], with another default filter when `RUST_LOG` is unset,
/// such as `info,wslab::server=debug` to also see the handshake's heads.
pub fn init_logging_with(default_filter: &str) {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default_filter))
        .format_timestamp(None)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Vars {
        addr: SocketAddr,
        clients: u32,
        timeout: Duration,
        trace: bool,
        only: Option<Vec<String>>,
    }

    impl Default for Vars {
        fn default() -> Vars {
            Vars {
                addr: SocketAddr::from(([127, 0, 0, 1], 7878)),
                clients: 5,
                timeout: Duration::from_secs(30),
                trace: false,
                only: None,
            }
        }
    }

    fn flags(vars: &mut Vars) -> Flags<'_> {
        Flags::new("demo", "Does nothing.")
            .flag("--addr", "where to listen", &mut vars.addr)
            .flag("--clients", "how many", &mut vars.clients)
            .flag("--timeout", "how long", &mut vars.timeout)
            .flag("--trace", "print more", &mut vars.trace)
            .flag("--only", "these", &mut vars.only)
    }

    fn parse(args: &[&str]) -> Result<Vars, CliError> {
        let mut vars = Vars::default();
        flags(&mut vars).parse(args.iter().copied())?;
        Ok(vars)
    }

    #[test]
    fn operands_are_taken_in_order_between_flags() {
        let mut url = String::new();
        let mut trace = false;
        let mut flags = Flags::new("client", "")
            .operand("URL", &mut url)
            .flag("--trace", "", &mut trace);
        assert_eq!(
            flags.parse(["--trace", "ws://x/", "extra"]),
            Err(CliError::UnexpectedArgument("extra".into()))
        );
        assert!(flags.help().starts_with("usage: client [FLAGS] URL\n"));
        assert_eq!(
            flags.parse(["--trace"]),
            Err(CliError::MissingOperand("URL"))
        );
        drop(flags);
        assert_eq!((url.as_str(), trace), ("ws://x/", true));
    }

    #[test]
    fn values_switches_and_defaults() {
        let vars = parse(&[
            "--addr",
            "127.0.0.1:9",
            "--clients=3",
            "--trace",
            "--only",
            "a,b",
        ]);
        let vars = vars.unwrap();
        assert_eq!(vars.addr.port(), 9);
        assert_eq!(vars.clients, 3);
        assert!(vars.trace);
        assert_eq!(vars.only.unwrap(), ["a", "b"]);
        let empty = parse(&[]).unwrap();
        assert_eq!(empty.addr.port(), 7878);
        assert_eq!(empty.clients, 5);
        assert!(!empty.trace);
        assert_eq!(empty.only, None);
    }

    #[test]
    fn a_time_is_written_the_same_way_everywhere() {
        for (text, ms) in [
            ("5", 5000),
            ("5s", 5000),
            ("500ms", 500),
            ("1.5s", 1500),
            ("2m", 120_000),
        ] {
            let vars = parse(&["--timeout", text]).unwrap();
            assert_eq!(vars.timeout, Duration::from_millis(ms), "{text}");
            let mut config = Config::default();
            Flags::new("demo", "")
                .config(&mut config)
                .parse(["--idle-timeout", text])
                .unwrap();
            assert_eq!(config.idle_timeout, Duration::from_millis(ms), "{text}");
        }
    }

    #[test]
    fn errors_name_the_flag_and_the_value() {
        let error = |args: &[&str]| parse(args).err().unwrap().to_string();
        assert_eq!(error(&["--bogus"]), "unknown flag --bogus");
        assert_eq!(error(&["-x"]), "unknown flag -x");
        assert_eq!(error(&["--addr"]), "--addr needs a value");
        assert_eq!(error(&["--trace=1"]), "--trace takes no value");
        assert_eq!(error(&["here"]), "unexpected argument \"here\"");
        assert_eq!(parse(&["--help"]).err(), Some(CliError::Help));
        assert_eq!(parse(&["--clients", "2", "-h"]).err(), Some(CliError::Help));
        for (flag, bad) in [
            ("--addr", "nowhere"),
            ("--addr", "127.0.0.1"),
            ("--clients", "0"),
            ("--clients", "-1"),
            ("--timeout", "0"),
            ("--timeout", "1h"),
        ] {
            let message = error(&[flag, bad]);
            let start = format!("invalid value {bad:?} for {flag}: expected ");
            assert!(message.starts_with(&start), "{message}");
        }
    }

    #[test]
    fn config_flags_set_the_config_and_bad_values_name_their_flag() {
        let mut config = Config::default();
        let args = [
            "--idle-timeout",
            "2s",
            "--max-frame",
            "1MiB",
            "--allow-origin",
            "http://a, http://b",
            "--trust-proxy",
        ];
        Flags::new("demo", "")
            .config(&mut config)
            .parse(args)
            .unwrap();
        assert!(config.trust_proxy);
        assert_eq!(config.idle_timeout, Duration::from_secs(2));
        assert_eq!(config.limits.max_frame, 1 << 20);
        assert_eq!(config.allowed_origins, ["http://a", "http://b"]);
        assert_eq!(config.max_head, Config::default().max_head);
        for (flag, value) in [
            ("--max-connections", "0"),
            ("--close-timeout", "5 s"),
            ("--max-head", "big"),
        ] {
            let mut config = Config::default();
            let error = Flags::new("demo", "")
                .config(&mut config)
                .parse([flag, value])
                .unwrap_err()
                .to_string();
            assert!(error.contains(flag) && error.contains(value), "{error}");
        }
    }

    #[test]
    fn the_help_lists_every_flag_with_its_default_and_placeholder() {
        let mut vars = Vars::default();
        let help = flags(&mut vars).help();
        for line in [
            "usage: demo [FLAGS]",
            "  --addr HOST:PORT  where to listen (default 127.0.0.1:7878)",
            "  --clients N       how many (default 5)",
            "  --timeout TIME    how long (default 30s)",
            "  --trace           print more",
            "  --only LIST       these",
            "  -h, --help        print this help",
        ] {
            assert!(help.lines().any(|l| l == line), "{line:?} not in\n{help}");
        }
        for (_, meaning) in &PLACEHOLDERS[..2] {
            assert!(help.contains(&meaning[..20]), "{meaning}\n{help}");
        }
        assert!(!help.contains("BYTES"), "{help}");
        let mut config = Config::default();
        let help = Flags::new("demo", "").config(&mut config).help();
        for line in help.lines() {
            assert!(line.chars().count() <= 80, "{line:?}");
        }
        for setting in Config::default().settings() {
            let flag = format!("  --{} ", setting.name);
            assert!(help.contains(&flag), "{flag:?} not in\n{help}");
        }
        assert!(help.contains("  --idle-timeout TIME "), "{help}");
        assert!(help.contains("(default 30s)"), "{help}");
        assert!(help.contains("(default 16MiB)"), "{help}");
    }

    #[test]
    fn the_default_shown_is_the_value_before_parsing() {
        let mut vars = Vars::default();
        let mut flags = flags(&mut vars);
        assert_eq!(
            flags.parse(["--clients", "9", "--help"]),
            Err(CliError::Help)
        );
        assert!(flags.help().contains("how many (default 5)"));
    }

    #[test]
    #[should_panic(expected = "--addr is in the table twice")]
    fn a_flag_is_named_once() {
        let (mut a, mut b) = (Vars::default(), Vars::default());
        let _ =
            Flags::new("demo", "")
                .flag("--addr", "", &mut a.addr)
                .flag("--addr", "", &mut b.addr);
    }
}
