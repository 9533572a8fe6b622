//! Chapter 11, the other end again: a WebSocket client, built on the same
//! connection as the server, in the client role.
//! Read it with `tutorial/11-the-other-end-again.md#the-command-line-client`.
//!
//! Try it, with the server running (`cargo run --release`):
//! `cargo run --example client -- ws://127.0.0.1:8080/echo`, then type a line,
//! or `/help`. As a filter: `printf 'hi\n' | cargo run -q --example client --
//! ws://127.0.0.1:8080/echo` prints `hi`.

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::exit;
use std::thread;
use wslab::cli::{self, Flags};
use wslab::client::{connect, Options};
use wslab::close::CloseCode;
use wslab::connection::Handle;
use wslab::frame::OpCode;
use wslab::message::Message;
use wslab::protocol::Ending;
use wslab::trace::hex;

const ABOUT: &str = "A WebSocket client for ws:// URLs. Each line of input is sent as a \
    text message, and lines that start with / are commands (/help lists them); the end \
    of input closes the connection with 1000. In a terminal, each message received is \
    printed after `< `. As a filter, when stdin is not a terminal, each text message \
    received is printed on its own line, as it is. Logs and traces go to stderr.";

const COMMANDS: &str = "\
/ping [TEXT]            send a Ping (its Pong shows with --trace)
/close [CODE [REASON]]  start the closing handshake (default 1000)
/binary HEX             send a binary message: /binary 01 02 ff
/fragments A|B|C        send one text message in several frames
/raw HEX                write these bytes as they are, unmasked unless you mask them
/help                   this list
//TEXT                  send a text message that starts with /
Ctrl-D closes the connection with 1000.";

fn main() {
    let mut url = String::new();
    let mut trace = false;
    let mut origin: Option<String> = None;
    let mut protocols: Vec<String> = Vec::new();
    Flags::new("cargo run --example client --", ABOUT)
        .operand("URL", &mut url)
        .flag(
            "--trace",
            "print every frame both ways: FIN, opcode, MASK, length, key, payload",
            &mut trace,
        )
        .flag("--origin", "send this Origin header", &mut origin)
        .flag("--protocol", "offer these subprotocols", &mut protocols)
        .parse_env();
    cli::init_logging_with(if trace {
        "warn,wslab::trace=trace"
    } else {
        "warn"
    });

    let options = Options {
        origin,
        protocols,
        ..Options::default()
    };
    // ANCHOR: main
    let mut connection = match connect(&url, &options) {
        Ok(connection) => connection,
        Err(error) => {
            eprintln!("error: {error}");
            exit(1);
        }
    };
    let interactive = io::stdin().is_terminal();
    if interactive {
        eprintln!("connected to {url}; type a message, or /help");
    }
    let handle = connection.handle();
    thread::spawn(move || send_lines(&handle));
    let mut stdout = io::stdout();
    while let Some(message) = connection.recv() {
        let _ = match (message, interactive) {
            (Message::Text(text), false) => writeln!(stdout, "{text}"),
            (Message::Binary(data), false) => stdout.write_all(&data),
            (Message::Text(text), true) => writeln!(stdout, "< {text}"),
            (Message::Binary(data), true) => {
                writeln!(stdout, "< binary, {} bytes: {}", data.len(), hex(&data))
            }
        };
        let _ = stdout.flush();
    }
    // A filter is quiet unless something went wrong.
    let (status, how) = report(connection.ending());
    if status != 0 {
        eprintln!("error: {how}");
    } else if interactive {
        eprintln!("{how}");
    }
    exit(status);
    // ANCHOR_END: main
}

// ANCHOR: send_lines
/// Each line of input is a text message, or a command; the end of input
/// closes with 1000.
fn send_lines(handle: &Handle) {
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let command = match Command::parse(&line) {
            Ok(Command::Help) => {
                eprintln!("{COMMANDS}");
                continue;
            }
            Ok(command) => command,
            Err(error) => {
                eprintln!("{error}; /help lists the commands");
                continue;
            }
        };
        if let Command::Close(code, reason) = command {
            return handle.close(code, reason);
        }
        let mut sender = handle.sender();
        let sent = match command {
            Command::Text(text) => sender.send(OpCode::Text, text.as_bytes()),
            Command::Ping(text) => sender.send(OpCode::Ping, text.as_bytes()),
            Command::Binary(data) => sender.send(OpCode::Binary, &data),
            Command::Fragments(parts) => sender.send_fragmented_text(&parts),
            Command::Raw(bytes) => sender.write_raw(&bytes),
            Command::Close(..) | Command::Help => Ok(()),
        };
        if let Err(error) = sent.and_then(|()| sender.flush()) {
            eprintln!("not sent: {error}");
        }
    }
    handle.close(CloseCode::NORMAL, "");
}
// ANCHOR_END: send_lines

/// A line of input.
#[derive(Debug, PartialEq, Eq)]
enum Command<'a> {
    Text(&'a str),
    Ping(&'a str),
    Close(CloseCode, &'a str),
    Binary(Vec<u8>),
    Fragments(Vec<&'a str>),
    Raw(Vec<u8>),
    Help,
}

impl Command<'_> {
    fn parse(line: &str) -> Result<Command<'_>, String> {
        let Some(command) = line.strip_prefix('/') else {
            return Ok(Command::Text(line));
        };
        if command.starts_with('/') {
            return Ok(Command::Text(command));
        }
        let (name, rest) = command.split_once(' ').unwrap_or((command, ""));
        match name {
            "ping" => Ok(Command::Ping(rest)),
            "close" => {
                let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
                match code {
                    "" => Ok(Command::Close(CloseCode::NORMAL, "")),
                    code => code
                        .parse()
                        .map(|code| Command::Close(CloseCode(code), reason))
                        .map_err(|_| format!("{code:?} is not a close code")),
                }
            }
            "binary" => parse_hex(rest).map(Command::Binary),
            "fragments" => Ok(Command::Fragments(rest.split('|').collect())),
            "raw" => parse_hex(rest).map(Command::Raw),
            "help" => Ok(Command::Help),
            _ => Err(format!("no command /{name}")),
        }
    }
}

/// `81 05 48 65` or `81054865`: pairs of hex digits, spaces anywhere between pairs.
fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text.split_whitespace().collect();
    if !digits.is_ascii() || digits.len() % 2 == 1 {
        return Err(format!("{text:?} is not hex bytes, such as 81 05"));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16)
                .map_err(|_| format!("{text:?} is not hex bytes, such as 81 05"))
        })
        .collect()
}

/// How the connection ended, and the exit status: 0 for a closing handshake
/// we started, or one the server started with 1000, 1001 or no code; 1 for
/// anything else.
fn report(ending: Option<Ending>) -> (i32, String) {
    match ending {
        Some(Ending::ClosedByUs(code)) => (0, format!("closed: {code}")),
        Some(Ending::ClosedByPeer(None)) => (0, "closed by the server, no status code".into()),
        Some(Ending::ClosedByPeer(Some(frame))) => {
            let status = match frame.code {
                CloseCode::NORMAL | CloseCode::GOING_AWAY => 0,
                _ => 1,
            };
            let reason = match frame.reason.as_str() {
                "" => String::new(),
                reason => format!(" {reason:?}"),
            };
            (
                status,
                format!("closed by the server: {}{reason}", frame.code),
            )
        }
        Some(Ending::ProtocolError(error)) => (
            1,
            format!(
                "the server broke the protocol: {error}; closed with {}",
                error.close_code()
            ),
        ),
        Some(Ending::Abnormal(why)) => (1, format!("{why} (1006)")),
        Some(Ending::Timeout) => (1, "no answer from the server, not even to a Ping".into()),
        None => (1, "the connection ended, and it is not known how".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(Command::parse("hello"), Ok(Command::Text("hello")));
        assert_eq!(Command::parse("//etc"), Ok(Command::Text("/etc")));
        assert_eq!(Command::parse("/ping"), Ok(Command::Ping("")));
        assert_eq!(
            Command::parse("/ping are you"),
            Ok(Command::Ping("are you"))
        );
        assert_eq!(
            Command::parse("/close"),
            Ok(Command::Close(CloseCode::NORMAL, ""))
        );
        assert_eq!(
            Command::parse("/close 4000 see you"),
            Ok(Command::Close(CloseCode(4000), "see you"))
        );
        assert!(Command::parse("/close soon").is_err());
        assert_eq!(
            Command::parse("/binary 01 ff"),
            Ok(Command::Binary(vec![1, 255]))
        );
        assert_eq!(
            Command::parse("/raw 8180abcd"),
            Ok(Command::Raw(vec![0x81, 0x80, 0xab, 0xcd]))
        );
        assert!(Command::parse("/raw 818").is_err());
        assert!(Command::parse("/raw zz").is_err());
        assert_eq!(
            Command::parse("/fragments a|b|c"),
            Ok(Command::Fragments(vec!["a", "b", "c"]))
        );
        assert_eq!(Command::parse("/help"), Ok(Command::Help));
        assert!(Command::parse("/nope").is_err());
    }
}
