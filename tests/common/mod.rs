//! Shared helpers for the tests that run the programs as real processes: start
//! an example or the `wslab` binary on an ephemeral loopback port, watch its log,
//! talk to it as a TCP client, and turn what happened into a tutorial transcript.
//!
//! Every wait here is bounded: a program that hangs fails its test with the
//! output it has produced so far, instead of hanging the test run.
#![allow(dead_code)]

pub mod book;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// How long a program may take to start listening before the test gives up.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The bound on any single wait for something that should happen (a reply, a
/// log line, an exit). A passing test waits milliseconds; this only turns a hang
/// into a failure.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// How long a test waits to conclude that something does *not* happen. Absence
/// can only be observed for a while: a slow machine makes this check pass more
/// easily, never fail spuriously.
pub const QUIET: Duration = Duration::from_millis(500);

/// The repository's root: where `Cargo.toml` is.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------
// Lines captured from a child's stdout or stderr

/// Lines read from one pipe by a background thread; `closed` once the pipe ends.
#[derive(Default)]
struct Lines {
    lines: Vec<String>,
    closed: bool,
}

#[derive(Clone, Default)]
struct Capture(Arc<(Mutex<Lines>, Condvar)>);

impl Capture {
    fn start(pipe: impl Read + Send + 'static) -> Capture {
        let capture = Capture::default();
        let writer = capture.clone();
        thread::spawn(move || {
            let mut reader = BufReader::new(pipe);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line);
                        let text = text.strip_suffix('\n').unwrap_or(&text);
                        let text = text.strip_suffix('\r').unwrap_or(text);
                        writer.lock().lines.push(text.to_string());
                        writer.0 .1.notify_all();
                    }
                }
            }
            writer.lock().closed = true;
            writer.0 .1.notify_all();
        });
        capture
    }

    fn lock(&self) -> MutexGuard<'_, Lines> {
        self.0
             .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lines(&self) -> Vec<String> {
        self.lock().lines.clone()
    }

    /// Waits until `done` holds for the lines, the pipe closes, or `timeout`
    /// passes. Returns what `done` said last.
    fn wait_until(&self, timeout: Duration, mut done: impl FnMut(&[String]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut lines = self.lock();
        loop {
            if done(&lines.lines) {
                return true;
            }
            let now = Instant::now();
            if lines.closed || now >= deadline {
                return false;
            }
            lines = self
                .0
                 .1
                .wait_timeout(lines, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    fn wait_closed(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut lines = self.lock();
        while !lines.closed {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            lines = self
                .0
                 .1
                .wait_timeout(lines, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        true
    }
}

// ---------------------------------------------------------------------------
// Starting a program

/// What to start and how to show it. Build one with [`Launch::example`] or
/// [`Launch::binary`], then [`Launch::start`] a server or [`Launch::run`] a
/// program to its end.
#[derive(Clone, Debug)]
pub struct Launch {
    program: PathBuf,
    /// How a reader starts this program: `cargo run --example step1`.
    shown: String,
    /// The arguments a reader types too.
    args: Vec<String>,
    /// Arguments the test needs but a reader does not type (`--addr 127.0.0.1:0`).
    hidden_args: Vec<String>,
    /// Environment variables a reader sets too, shown before the command.
    env: Vec<(String, String)>,
    stdin: bool,
    /// What [`Launch::run`] writes to stdin before closing it.
    input: Vec<u8>,
}

impl Launch {
    /// An example, `target/<profile>/examples/<name>`. `cargo test` builds the
    /// examples before it runs the tests; `cargo test --test NAME` does not, so
    /// a missing or outdated binary is reported rather than silently run.
    pub fn example(name: &str) -> Launch {
        let program = example_path(name);
        check_fresh(&program);
        Launch::new(program, format!("cargo run --example {name}"))
    }

    /// The main server, the `wslab` binary (which cargo builds for integration
    /// tests). A reader starts it with `cargo run --release`.
    pub fn binary() -> Launch {
        Launch::new(
            PathBuf::from(env!("CARGO_BIN_EXE_wslab")),
            "cargo run --release".to_string(),
        )
    }

    fn new(program: PathBuf, shown: String) -> Launch {
        Launch {
            program,
            shown,
            args: Vec::new(),
            hidden_args: Vec::new(),
            env: Vec::new(),
            stdin: false,
            input: Vec::new(),
        }
    }

    /// Arguments, as a reader would type them after `--`.
    pub fn args(mut self, args: &[&str]) -> Launch {
        self.args.extend(args.iter().map(|arg| arg.to_string()));
        self
    }

    /// Arguments the program gets but the transcript does not show, such as
    /// the ephemeral address of a server the test started.
    pub fn hidden_args(mut self, args: &[&str]) -> Launch {
        self.hidden_args
            .extend(args.iter().map(|arg| arg.to_string()));
        self
    }

    /// Tells a client where the server is, without showing it: the reader's
    /// server listens on the default address, the test's on an ephemeral port.
    pub fn connect_to(self, addr: SocketAddr) -> Launch {
        self.hidden_args(&["--addr", &addr.to_string()])
    }

    /// An environment variable, shown in front of the command (`RUST_LOG=debug
    /// cargo run ...`). Without it, `RUST_LOG` is `info`, the programs' own default.
    pub fn env(mut self, key: &str, value: &str) -> Launch {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Gives the program a pipe for stdin (see [`Running::write_stdin`]) instead of
    /// `/dev/null`.
    pub fn with_stdin(mut self) -> Launch {
        self.stdin = true;
        self
    }

    /// Gives [`Launch::run`] this input on a pipe, as `printf ... |` would,
    /// instead of `/dev/null`.
    pub fn input(mut self, bytes: &[u8]) -> Launch {
        self.stdin = true;
        self.input = bytes.to_vec();
        self
    }

    /// Starts a program that is not a server (a client whose stdin stays
    /// open): no `--addr`, and no waiting for `listening on`.
    pub fn start_client(self) -> Running {
        let (mut child, stdout, stderr) = self.spawn();
        let stdin = child.stdin.take();
        Running {
            launch: self,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            child,
            stdin,
            stdout,
            stderr,
        }
    }

    /// The command line a reader types for this launch: the environment the test
    /// set explicitly, the program, and the visible arguments.
    pub fn command_line(&self) -> String {
        let mut line = String::new();
        for (key, value) in &self.env {
            write!(line, "{key}={} ", shell_quote(value)).unwrap();
        }
        line.push_str(&self.shown);
        if !self.args.is_empty() {
            line.push_str(" --");
            for arg in &self.args {
                write!(line, " {}", shell_quote(arg)).unwrap();
            }
        }
        line
    }

    fn has_addr(&self) -> bool {
        self.args
            .iter()
            .chain(&self.hidden_args)
            .any(|arg| arg == "--addr" || arg.starts_with("--addr="))
    }

    fn spawn(&self) -> (Child, Capture, Capture) {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .args(&self.hidden_args)
            // The environment decides neither the level nor the colours: a
            // transcript must come out the same everywhere.
            .env("RUST_LOG", "info")
            .env("RUST_LOG_STYLE", "never")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if self.stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", self.program.display()));
        let stdout = Capture::start(child.stdout.take().unwrap());
        let stderr = Capture::start(child.stderr.take().unwrap());
        (child, stdout, stderr)
    }

    /// Starts a server: adds `--addr 127.0.0.1:0` unless an address was given,
    /// then waits for the log line `listening on ADDR` and reads the address
    /// from it. Panics with the program's output if that line does not come.
    pub fn start(mut self) -> Running {
        if !self.has_addr() {
            self.hidden_args
                .extend(["--addr".into(), "127.0.0.1:0".into()]);
        }
        let mut running = self.start_client();
        let found = running.stderr.wait_until(START_TIMEOUT, |lines| {
            lines.iter().any(|l| listening_addr(l).is_some())
        });
        if !found {
            panic!(
                "{} did not log `listening on ADDR` within {START_TIMEOUT:?}\n{}",
                running.launch.command_line(),
                running.output()
            );
        }
        running.addr = running
            .logs()
            .iter()
            .find_map(|line| listening_addr(line))
            .unwrap();
        running
    }

    /// Runs a program that ends by itself (a client, or a server given bad
    /// flags) and returns how it ended. Panics if it is still running after `timeout`.
    pub fn run(self, timeout: Duration) -> Finished {
        let (mut child, stdout, stderr) = self.spawn();
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(&self.input)
                .expect("write the program's input");
        }
        let status = wait_child(&mut child, timeout);
        let Some(status) = status else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} did not finish within {timeout:?}\nstderr:\n{}\nstdout:\n{}",
                self.command_line(),
                stderr.lines().join("\n"),
                stdout.lines().join("\n")
            );
        };
        // The pipes close when the process is gone; the reader threads may
        // still be draining them.
        stdout.wait_closed(TIMEOUT);
        stderr.wait_closed(TIMEOUT);
        Finished {
            command_line: self.command_line(),
            status,
            stdout: stdout.lines(),
            stderr: stderr.lines(),
        }
    }
}

/// The address after `listening on ` in a log line, if there is one.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("listening on ")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Quotes an argument the way a reader would type it in a POSIX shell.
pub fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./:=,@%+".contains(c));
    if plain {
        arg.to_string()
    } else if !arg.contains(['"', '\\', '$', '`', '!']) {
        format!("\"{arg}\"")
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

fn example_path(name: &str) -> PathBuf {
    // The test binary is target/<profile>/deps/<test>-<hash>; the examples are
    // in target/<profile>/examples/.
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps");
    let mut path = profile_dir.join("examples").join(name);
    path.set_extension(std::env::consts::EXE_EXTENSION);
    path
}

/// Panics if the example is missing or older than a file it was built from,
/// which is what `cargo test --test NAME` (which does not build examples)
/// would otherwise run without a word. Cargo's dep-info file lists the sources.
fn check_fresh(program: &Path) {
    let hint = "build them first: `cargo build --examples` (`make test` does)";
    let built = match program.metadata().and_then(|m| m.modified()) {
        Ok(built) => built,
        Err(_) => panic!("no example at {}; {hint}", program.display()),
    };
    let Ok(dep_info) = std::fs::read_to_string(program.with_extension("d")) else {
        return;
    };
    let Some((_, sources)) = dep_info.lines().next().and_then(|l| l.split_once(": ")) else {
        return;
    };
    // Paths in dep-info escape spaces with a backslash.
    let sources = sources.replace("\\ ", "\u{0}");
    for source in sources.split_whitespace() {
        let source = PathBuf::from(source.replace('\u{0}', " "));
        if let Ok(changed) = source.metadata().and_then(|m| m.modified()) {
            if changed > built {
                panic!(
                    "{} is older than {}; {hint}",
                    program.display(),
                    source.display()
                );
            }
        }
    }
}

fn wait_child(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            Ok(None) => return None,
            Err(error) => panic!("cannot wait for the child: {error}"),
        }
    }
}

/// A program that ran to its end.
#[derive(Debug)]
pub struct Finished {
    /// As a reader types it.
    pub command_line: String,
    pub status: ExitStatus,
    pub stdout: Vec<String>,
    /// The log.
    pub stderr: Vec<String>,
}

impl Finished {
    /// Panics unless the program exited with `code` and logged a line that
    /// contains `needle`.
    pub fn expect_failure(&self, code: i32, needle: &str) {
        assert_eq!(self.status.code(), Some(code), "{}", self.output());
        assert!(
            self.stderr.iter().any(|line| line.contains(needle)),
            "no log line with {needle:?}\n{}",
            self.output()
        );
    }

    /// Everything it wrote, for assertion messages.
    pub fn output(&self) -> String {
        format!(
            "{} ({})\nstderr:\n{}\nstdout:\n{}",
            self.command_line,
            self.status,
            self.stderr.join("\n"),
            self.stdout.join("\n")
        )
    }
}

/// A server started by [`Launch::start`]. Dropping it kills the process and
/// reaps it.
pub struct Running {
    pub launch: Launch,
    /// Where it listens, as it logged it.
    pub addr: SocketAddr,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Capture,
    stderr: Capture,
}

impl Running {
    /// Starts `examples/<name>` with `args`, on an ephemeral port unless `args`
    /// has `--addr`, with `RUST_LOG=info`.
    pub fn example(name: &str, args: &[&str]) -> Running {
        Launch::example(name).args(args).start()
    }

    /// Like [`Running::example`], with environment variables (for example
    /// `("RUST_LOG", "debug")`).
    pub fn example_with_env(name: &str, args: &[&str], env: &[(&str, &str)]) -> Running {
        env.iter()
            .fold(Launch::example(name).args(args), |launch, (k, v)| {
                launch.env(k, v)
            })
            .start()
    }

    /// Starts the main server, the `wslab` binary, the same way.
    pub fn binary(args: &[&str]) -> Running {
        Launch::binary().args(args).start()
    }

    /// The process id, for looking at it from outside (`/proc/PID` on Linux).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The log (stderr) so far, one entry per line.
    pub fn logs(&self) -> Vec<String> {
        self.stderr.lines()
    }

    /// Stdout so far.
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lines()
    }

    /// Waits until a log line contains `needle`. False if none did within
    /// `timeout` or the program ended first.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        self.wait_for_logs(needle, 1, timeout)
    }

    /// Waits until `count` log lines contain `needle`.
    pub fn wait_for_logs(&self, needle: &str, count: usize, timeout: Duration) -> bool {
        self.stderr.wait_until(timeout, |lines| {
            lines.iter().filter(|line| line.contains(needle)).count() >= count
        })
    }

    /// Like [`Running::wait_for_log`], but panics with the output on a timeout.
    pub fn expect_log(&self, needle: &str) {
        if !self.wait_for_log(needle, TIMEOUT) {
            panic!("no log line with {needle:?}\n{}", self.output());
        }
    }

    /// Waits for the process to end by itself. `None` if it is still running
    /// after `timeout`; it is then left running (and killed on drop).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let status = wait_child(&mut self.child, timeout)?;
        self.stdout.wait_closed(TIMEOUT);
        self.stderr.wait_closed(TIMEOUT);
        Some(status)
    }

    /// Writes to the program's stdin (needs [`Launch::with_stdin`]).
    pub fn write_stdin(&mut self, bytes: &[u8]) {
        let stdin = self
            .stdin
            .as_mut()
            .expect("start the program with Launch::with_stdin() to write to its stdin");
        stdin
            .write_all(bytes)
            .expect("write to the program's stdin");
        stdin.flush().expect("flush the program's stdin");
    }

    /// Closes the program's stdin: it reads end of file.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Everything it wrote so far, for assertion messages.
    pub fn output(&self) -> String {
        format!(
            "{}\nstderr:\n{}\nstdout:\n{}",
            self.launch.command_line(),
            self.logs().join("\n"),
            self.stdout().join("\n")
        )
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// A TCP client, as `nc` would be

/// A plain TCP client with bounded reads: what `nc` does in the tutorial.
pub struct Client {
    stream: TcpStream,
    /// Bytes read but not yet handed out.
    pending: Vec<u8>,
}

impl Client {
    /// Connects, with reads and writes bounded by [`TIMEOUT`].
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT)
            .unwrap_or_else(|error| panic!("cannot connect to {addr}: {error}"));
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        Client {
            stream,
            pending: Vec::new(),
        }
    }

    /// This end's address: the peer address the server logs.
    pub fn local_addr(&self) -> SocketAddr {
        self.stream.local_addr().unwrap()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .unwrap_or_else(|error| panic!("cannot send {} bytes: {error}", bytes.len()));
    }

    /// Closes the sending half: the server reads end of stream.
    pub fn shutdown_write(&mut self) {
        self.stream.shutdown(Shutdown::Write).unwrap();
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut buf = [0u8; 4096];
        let n = self.stream.read(&mut buf)?;
        self.pending.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    /// Reads one line, with its `\n`. Panics on a timeout or an early end.
    pub fn read_line(&mut self) -> String {
        loop {
            if let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=i).collect();
                return String::from_utf8(line).expect("a UTF-8 line");
            }
            match self.fill() {
                Ok(0) => panic!(
                    "the connection ended inside a line: {:?}",
                    String::from_utf8_lossy(&self.pending)
                ),
                Ok(_) => {}
                Err(error) => panic!(
                    "no whole line within {TIMEOUT:?} ({error}); have {:?}",
                    String::from_utf8_lossy(&self.pending)
                ),
            }
        }
    }

    /// Reads until the server closes the connection. `Err` carries what was
    /// read before an error (a reset, or the [`TIMEOUT`]) and the error.
    pub fn read_to_end(&mut self) -> Result<Vec<u8>, (Vec<u8>, io::Error)> {
        loop {
            match self.fill() {
                Ok(0) => return Ok(std::mem::take(&mut self.pending)),
                Ok(_) => {}
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err((std::mem::take(&mut self.pending), error)),
            }
        }
    }

    /// Reads until the end and returns it as text; panics on an error.
    pub fn read_all(&mut self) -> String {
        match self.read_to_end() {
            Ok(bytes) => String::from_utf8(bytes).expect("UTF-8 from the server"),
            Err((bytes, error)) => panic!(
                "read failed after {:?}: {error}",
                String::from_utf8_lossy(&bytes)
            ),
        }
    }

    /// Asserts that nothing arrives for `quiet`: no byte and no end of stream.
    pub fn expect_silence(&mut self, quiet: Duration) {
        self.stream.set_read_timeout(Some(quiet)).unwrap();
        let result = self.fill();
        self.stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        match result {
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Ok(0) => panic!("expected silence, but the server closed the connection"),
            Ok(_) => panic!(
                "expected silence, but got {:?}",
                String::from_utf8_lossy(&self.pending)
            ),
            Err(error) => panic!("expected silence, but the read failed: {error}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Transcripts

/// Replaces the addresses that change from run to run with the ones a reader
/// sees: a server the test started on an ephemeral port is shown at its
/// default address, and each client port, in order of first appearance, as
/// `127.0.0.1:50001`, `127.0.0.1:50002`, ...
///
/// One `Ports` serves a whole scenario, so the same client has the same
/// number in every block.
#[derive(Debug, Default)]
pub struct Ports {
    known: HashMap<u16, String>,
    next_peer: u16,
}

/// The first port shown for a client; clients after it count up.
pub const FIRST_PEER_PORT: u16 = 50001;

impl Ports {
    pub fn new() -> Ports {
        Ports {
            known: HashMap::new(),
            next_peer: FIRST_PEER_PORT,
        }
    }

    /// Shows the server at `addr` as `shown`, for example `127.0.0.1:7878`.
    pub fn server(&mut self, addr: SocketAddr, shown: &str) -> &mut Ports {
        let port = shown
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("{shown:?} is not HOST:PORT"));
        self.known.insert(addr.port(), port.to_string());
        self.known.insert(port, port.to_string());
        self
    }

    /// Gives the client at `addr` its number now, so numbering does not depend
    /// on which log line happens to mention it first.
    pub fn client(&mut self, addr: SocketAddr) -> &mut Ports {
        self.shown_port(addr.port());
        self
    }

    fn shown_port(&mut self, port: u16) -> String {
        if let Some(shown) = self.known.get(&port) {
            return shown.clone();
        }
        let shown = self.next_peer.to_string();
        self.next_peer += 1;
        self.known.insert(port, shown.clone());
        shown
    }

    /// Rewrites every `127.0.0.1:PORT` in `text`.
    pub fn apply(&mut self, text: &str) -> String {
        const HOST: &str = "127.0.0.1:";
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find(HOST) {
            let (before, after) = rest.split_at(i + HOST.len());
            out.push_str(before);
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            match after[..digits].parse::<u16>() {
                Ok(port) => out.push_str(&self.shown_port(port)),
                Err(_) => out.push_str(&after[..digits]),
            }
            rest = &after[digits..];
        }
        out.push_str(rest);
        out
    }
}

/// A terminal session as a reader sees it: commands after `$ `, then what the
/// programs printed and what the reader typed, in order.
#[derive(Debug, Default)]
pub struct Transcript {
    /// Each line, and whether it is output (whose addresses [`Ports`] rewrites)
    /// rather than a command the test wrote as the reader would type it.
    lines: Vec<(String, bool)>,
}

impl Transcript {
    pub fn new() -> Transcript {
        Transcript::default()
    }

    /// A command the reader types at the prompt.
    pub fn command(&mut self, line: &str) -> &mut Transcript {
        self.lines.push((format!("$ {line}"), false));
        self
    }

    /// Text that appears on the terminal: program output, or what the reader
    /// typed (a terminal echoes it). A final newline does not add an empty line.
    pub fn text(&mut self, text: &str) -> &mut Transcript {
        let text = text.strip_suffix('\n').unwrap_or(text);
        self.lines
            .extend(text.split('\n').map(|line| (line.to_string(), true)));
        self
    }

    /// Several lines, such as a program's log.
    pub fn lines<S: AsRef<str>>(&mut self, lines: &[S]) -> &mut Transcript {
        self.lines
            .extend(lines.iter().map(|line| (line.as_ref().to_string(), true)));
        self
    }

    /// Adds the lines of `other` after these: two sessions in one terminal.
    pub fn append(&mut self, other: Transcript) -> &mut Transcript {
        self.lines.extend(other.lines);
        self
    }

    /// A server's terminal so far: its command and its log.
    pub fn server(running: &Running) -> Transcript {
        let mut transcript = Transcript::new();
        transcript
            .command(&running.launch.command_line())
            .lines(&running.logs());
        transcript
    }

    /// A program that ran to its end: its command, its log, then its stdout.
    /// The two are separate pipes, so their interleaving is not known; every
    /// program here logs before it prints.
    pub fn finished(&mut self, finished: &Finished) -> &mut Transcript {
        self.command(&finished.command_line);
        self.lines(&finished.stderr);
        self.lines(&finished.stdout)
    }

    /// The transcript with its addresses made stable by `ports`.
    pub fn render(&self, ports: &mut Ports) -> String {
        let mut text = String::new();
        for (line, output) in &self.lines {
            let line = if *output {
                ports.apply(line)
            } else {
                line.clone()
            };
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}
