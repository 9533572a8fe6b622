//! Command-line flags and logging, shared by the examples and the main server.
//!
//! Deliberately tiny: `--name value` (or `--name=value`) pairs, and switches
//! such as `--trace`. A bad value is reported with the flag's name, so a typo
//! never turns silently into a default.

use std::collections::HashMap;
use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::str::FromStr;

/// What went wrong on the command line. The message always names the flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// `--help` was given: not an error, but the program should print usage and stop.
    Help,
    /// A flag this program does not know.
    UnknownFlag(String),
    /// A flag that takes a value was given without one.
    MissingValue(String),
    /// A switch (a flag without a value) was given `=value`.
    UnexpectedValue(String),
    /// A positional argument: none of our programs take one.
    UnexpectedArgument(String),
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
            CliError::UnexpectedValue(flag) => write!(f, "{flag} takes no value"),
            CliError::UnexpectedArgument(arg) => write!(f, "unexpected argument {arg:?}"),
            CliError::InvalidValue {
                flag,
                value,
                expected,
            } => write!(f, "invalid value {value:?} for {flag}: expected {expected}"),
        }
    }
}

impl std::error::Error for CliError {}

/// Parsed flags. Build it with [`Cli::parse`] (testable) or [`Cli::from_env`] (exits on error).
#[derive(Debug, Default)]
pub struct Cli {
    values: HashMap<String, String>,
    switches: Vec<String>,
}

impl Cli {
    /// Parses `args` (without the program name). `valued` lists the flags that take a
    /// value, `switches` the ones that do not; both include the leading `--`.
    pub fn parse<I, S>(args: I, valued: &[&str], switches: &[&str]) -> Result<Cli, CliError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cli = Cli::default();
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Err(CliError::Help);
            }
            if !arg.starts_with("--") {
                return Err(CliError::UnexpectedArgument(arg));
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
                None => (arg, None),
            };
            if valued.contains(&flag.as_str()) {
                let value = match inline {
                    Some(value) => value,
                    None => args
                        .next()
                        .ok_or_else(|| CliError::MissingValue(flag.clone()))?,
                };
                cli.values.insert(flag, value);
            } else if switches.contains(&flag.as_str()) {
                if inline.is_some() {
                    return Err(CliError::UnexpectedValue(flag));
                }
                cli.switches.push(flag);
            } else {
                return Err(CliError::UnknownFlag(flag));
            }
        }
        Ok(cli)
    }

    /// Parses the process's arguments. On `--help` prints `usage` and exits 0; on an
    /// error prints the error and `usage` to stderr and exits 2.
    pub fn from_env(usage: &str, valued: &[&str], switches: &[&str]) -> Cli {
        match Cli::parse(std::env::args().skip(1), valued, switches) {
            Ok(cli) => cli,
            Err(CliError::Help) => {
                println!("{usage}");
                std::process::exit(0);
            }
            Err(error) => exit_with(&error, usage),
        }
    }

    /// True if the switch was given.
    pub fn has(&self, switch: &str) -> bool {
        self.switches.iter().any(|s| s == switch)
    }

    /// The raw value of a flag, if given.
    pub fn raw(&self, flag: &str) -> Option<&str> {
        self.values.get(flag).map(String::as_str)
    }

    /// The flag's value parsed as `T`, or `default` when the flag is absent.
    /// `expected` describes a valid value for the error message.
    pub fn value<T: FromStr>(&self, flag: &str, default: T, expected: &str) -> Result<T, CliError> {
        match self.values.get(flag) {
            None => Ok(default),
            Some(value) => value.parse().map_err(|_| CliError::InvalidValue {
                flag: flag.to_string(),
                value: value.clone(),
                expected: expected.to_string(),
            }),
        }
    }

    /// `--addr HOST:PORT`, resolved (so `localhost:8080` works), or `default`.
    pub fn addr(&self, default: &str) -> Result<SocketAddr, CliError> {
        let value = self.raw("--addr").unwrap_or(default);
        let invalid = || CliError::InvalidValue {
            flag: "--addr".to_string(),
            value: value.to_string(),
            expected: "HOST:PORT, for example 127.0.0.1:8080".to_string(),
        };
        value
            .to_socket_addrs()
            .map_err(|_| invalid())?
            .next()
            .ok_or_else(invalid)
    }
}

/// Prints `error` and `usage` to stderr and exits with status 2, the convention for
/// a command-line mistake.
pub fn exit_with(error: &CliError, usage: &str) -> ! {
    eprintln!("error: {error}\n\n{usage}");
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

    fn parse(args: &[&str]) -> Result<Cli, CliError> {
        Cli::parse(args.iter().copied(), &["--addr", "--clients"], &["--trace"])
    }

    #[test]
    fn values_switches_and_defaults() {
        let cli = parse(&["--addr", "127.0.0.1:9", "--clients=3", "--trace"]).unwrap();
        assert_eq!(cli.addr("127.0.0.1:1").unwrap().port(), 9);
        assert_eq!(cli.value("--clients", 5u32, "a count").unwrap(), 3);
        assert!(cli.has("--trace"));
        let empty = parse(&[]).unwrap();
        assert_eq!(empty.addr("127.0.0.1:7878").unwrap().port(), 7878);
        assert_eq!(empty.value("--clients", 5u32, "a count").unwrap(), 5);
        assert!(!empty.has("--trace"));
    }

    #[test]
    fn errors_name_the_flag() {
        assert_eq!(
            parse(&["--bogus"]).unwrap_err().to_string(),
            "unknown flag --bogus"
        );
        assert_eq!(
            parse(&["--addr"]).unwrap_err().to_string(),
            "--addr needs a value"
        );
        assert_eq!(
            parse(&["--trace=1"]).unwrap_err().to_string(),
            "--trace takes no value"
        );
        assert_eq!(parse(&["--help"]).unwrap_err(), CliError::Help);
        let cli = parse(&["--addr", "nowhere", "--clients", "-1"]).unwrap();
        let addr = cli.addr("127.0.0.1:1").unwrap_err().to_string();
        assert!(
            addr.contains("--addr") && addr.contains("nowhere"),
            "{addr}"
        );
        let clients = cli.value("--clients", 5u32, "a count").unwrap_err();
        assert!(clients.to_string().contains("--clients"));
    }
}
