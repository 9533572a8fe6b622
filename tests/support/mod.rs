//! Helpers for the protocol tests: client frames built by hand (not with the
//! library's encoder, so the tests do not check the library against itself),
//! a raw handshake over a loopback socket, and a frame reader that keeps the
//! header bytes exactly as the server sent them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};
use wslab::config::Config;
use wslab::connection::echo;
use wslab::error::ProtocolError;
use wslab::fast::FastReceiver;
use wslab::frame::Role;
use wslab::message::{Limits, Message, Received};
use wslab::server::{Server, ServerHandle};

// Bits of a frame's first byte (§5.2).
pub const FIN: u8 = 0x80;
pub const RSV1: u8 = 0x40;
pub const RSV2: u8 = 0x20;
pub const RSV3: u8 = 0x10;

// Opcodes (§5.2, §11.8).
pub const CONTINUATION: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// The masking key of RFC 6455 §5.7's examples.
pub const MASK_KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The RFC's sample key (§1.3) and the accept value it must produce.
pub const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
pub const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// Upper bound for any single wait on the server. Liveness only: a passing
/// test takes milliseconds; a hung server fails the test instead of hanging it.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The HTML served at `/` by [`serve`].
pub const PAGE: &str = "<!doctype html><title>wslab test page</title><p>hello</p>\n";

// ---------------------------------------------------------------------------
// Frames, built by hand

/// A frame header: `first` is FIN | RSV | opcode; the length takes the
/// shortest form unless `len` forces the 64-bit one. No masking key.
pub fn header(first: u8, masked: bool, len: u64) -> Vec<u8> {
    let mask_bit = if masked { 0x80 } else { 0 };
    let mut out = vec![first];
    match len {
        0..=125 => out.push(mask_bit | len as u8),
        126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    out
}

/// A masked frame, as a client must send it (§5.3): payload byte `i` is XORed
/// with `MASK_KEY[i % 4]`.
pub fn client_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = header(first, true, payload.len() as u64);
    out.extend_from_slice(&MASK_KEY);
    out.extend(
        payload
            .iter()
            .enumerate()
            .map(|(i, byte)| byte ^ MASK_KEY[i % 4]),
    );
    out
}

/// An unmasked frame: what a server sends, and what a client must not.
pub fn unmasked_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = header(first, false, payload.len() as u64);
    out.extend_from_slice(payload);
    out
}

/// A Close frame's body: the code, big-endian, then the reason.
pub fn close_body(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut body = code.to_be_bytes().to_vec();
    body.extend_from_slice(reason);
    body
}

/// Frames joined into one byte string, to send in one write or feed in one call.
pub fn concat(frames: &[Vec<u8>]) -> Vec<u8> {
    frames.concat()
}

/// `len` bytes that are not all alike, so a misplaced or unmasked byte shows.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}

// ---------------------------------------------------------------------------
// The sans-I/O receiver

/// Generous limits for receiver tests that are not about limits.
pub const LIMITS: Limits = Limits {
    max_frame: 16 << 20,
    max_message: 16 << 20,
};

/// The receiver the server runs, with the server's default read buffer, and
/// a way to hand it bytes and take everything they complete.
pub fn receiver(limits: Limits) -> Feeder {
    Feeder(FastReceiver::new(
        Role::Server,
        limits,
        Config::default().read_buffer,
    ))
}

pub struct Feeder(pub FastReceiver);

impl Feeder {
    /// Hands over `bytes`, then takes every item they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Received>, ProtocolError> {
        self.0.receive_data(bytes);
        let mut received = Vec::new();
        while let Some(item) = self.0.next_received()? {
            received.push(item);
        }
        Ok(received)
    }

    pub fn has_buffered(&self) -> bool {
        self.0.has_buffered()
    }
}

/// Everything a fresh receiver makes of `bytes`, fed in one call, checked
/// against chapter 6's plain receiver, which must say the same.
pub fn receive(bytes: &[u8]) -> Result<Vec<Received>, ProtocolError> {
    let fast = receiver(LIMITS).feed(bytes);
    let mut plain = wslab::message::Receiver::new(Role::Server, LIMITS);
    plain.receive_data(bytes);
    let plain = std::iter::from_fn(|| plain.next_received().transpose()).collect();
    assert_eq!(fast, plain, "the fast and the plain receiver disagree");
    fast
}

pub fn text(s: &str) -> Received {
    Received::Message(Message::Text(s.into()))
}

pub fn binary(data: &[u8]) -> Received {
    Received::Message(Message::Binary(data.to_vec()))
}

// ---------------------------------------------------------------------------
// A server and raw client sockets

/// A server on a free loopback port: the page [`PAGE`] at `/`, echo at `/echo`.
pub fn serve(config: Config) -> ServerHandle {
    Server::bind("127.0.0.1:0", config)
        .expect("bind 127.0.0.1:0")
        .page("/", PAGE)
        .websocket("/echo", echo)
        .spawn()
        .expect("spawn the server")
}

/// A loopback connection whose reads and writes give up after [`TIMEOUT`].
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// A request head: the request line, then each header line, then the blank line.
pub fn request(request_line: &str, headers: &[&str]) -> String {
    let mut head = format!("{request_line}\r\n");
    for line in headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// The header lines of a valid upgrade request with `key`, as a browser sends them.
pub fn upgrade_headers(key: &str) -> Vec<String> {
    vec![
        "Host: 127.0.0.1".into(),
        "Upgrade: websocket".into(),
        "Connection: Upgrade".into(),
        format!("Sec-WebSocket-Key: {key}"),
        "Sec-WebSocket-Version: 13".into(),
    ]
}

/// A valid upgrade request for `path` with the RFC's key.
pub fn upgrade_request(path: &str) -> String {
    let headers = upgrade_headers(KEY);
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    request(&format!("GET {path} HTTP/1.1"), &headers)
}

/// An HTTP response head and body.
#[derive(Debug)]
pub struct Response {
    pub status_line: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// The value of the header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a response head one byte at a time, so not one byte of the frames
/// that may follow it is consumed. The body is left unread.
pub fn read_response_head(stream: &mut TcpStream) -> Response {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert!(
            head.len() < 64 * 1024,
            "response head never ended: {head:?}"
        );
        match stream.read(&mut byte) {
            Ok(0) => panic!(
                "connection closed inside the response head: {:?}",
                String::from_utf8_lossy(&head)
            ),
            Ok(_) => head.push(byte[0]),
            Err(error) => panic!(
                "reading the response head: {error}; got {:?}",
                String::from_utf8_lossy(&head)
            ),
        }
    }
    let head = String::from_utf8(head).expect("response head is UTF-8");
    let mut lines = head.trim_end().split("\r\n");
    let status_line = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("header line with a colon");
            (name.to_string(), value.trim().to_string())
        })
        .collect();
    Response {
        status_line,
        headers,
        body: String::new(),
    }
}

/// Reads a whole non-101 response: the head, then the body up to the server's
/// FIN, which must follow (every error response says `Connection: close`).
pub fn read_response(stream: &mut TcpStream) -> Response {
    let mut response = read_response_head(stream);
    let body = read_to_eof(stream);
    response.body = String::from_utf8(body).expect("response body is UTF-8");
    if let Some(len) = response.header("Content-Length") {
        assert_eq!(len.parse::<usize>().unwrap(), response.body.len());
    }
    response
}

/// Sends `head` on a new connection and reads the whole response.
pub fn exchange(addr: SocketAddr, head: &[u8]) -> Response {
    let mut stream = connect(addr);
    stream.write_all(head).unwrap();
    read_response(&mut stream)
}

/// Asserts that `response` is the rejection `status_line`, that it closes the
/// connection, and that its body names the problem with `says`.
pub fn assert_rejected(response: &Response, status_line: &str, says: &str) {
    assert_eq!(response.status_line, status_line, "{response:#?}");
    assert_eq!(
        response.header("Connection"),
        Some("close"),
        "{response:#?}"
    );
    assert!(
        response.body.contains(says),
        "body should say {says:?}: {response:#?}"
    );
}

/// `Sec-WebSocket-Accept` for `key`, computed here from §4.2.2's recipe
/// rather than with the library: base64 of the SHA-1 of the key and the GUID.
pub fn accept_for(key: &str) -> String {
    use base64::Engine as _;
    use sha1::Digest as _;
    let digest = sha1::Sha1::new()
        .chain_update(key.as_bytes())
        .chain_update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
        .finalize();
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// Sends `head` on a new connection and asserts the response is the
/// rejection `status_line` naming the problem with `says`; returns it.
pub fn assert_request_rejected(
    addr: SocketAddr,
    head: &[u8],
    status_line: &str,
    says: &str,
) -> Response {
    let response = exchange(addr, head);
    assert_rejected(&response, status_line, says);
    response
}

/// Asserts a 101 response carrying the accept value for `key`.
pub fn assert_switching(response: &Response, key: &str) {
    assert_eq!(
        response.status_line, "HTTP/1.1 101 Switching Protocols",
        "{response:#?}"
    );
    assert!(response
        .header("Upgrade")
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket")));
    assert!(response
        .header("Connection")
        .is_some_and(|v| v.eq_ignore_ascii_case("upgrade")));
    assert_eq!(
        response.header("Sec-WebSocket-Accept"),
        Some(accept_for(key).as_str())
    );
}

/// A connection to `path` whose handshake is done: sends the RFC's request and
/// checks for a 101 with the RFC's accept value (§1.3).
pub fn open(addr: SocketAddr, path: &str) -> TcpStream {
    let mut stream = connect(addr);
    stream.write_all(upgrade_request(path).as_bytes()).unwrap();
    let response = read_response_head(&mut stream);
    assert_switching(&response, KEY);
    assert_eq!(response.header("Sec-WebSocket-Accept"), Some(ACCEPT));
    stream
}

/// A frame as the server sent it: the header bytes as on the wire, and the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub header: Vec<u8>,
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    pub payload: Vec<u8>,
}

impl Frame {
    /// The close code, if this is a Close frame with a body.
    pub fn close_code(&self) -> Option<u16> {
        assert_eq!(self.opcode, CLOSE, "expected a Close frame: {self:?}");
        let code = self.payload.first_chunk::<2>()?;
        Some(u16::from_be_bytes(*code))
    }
}

/// Reads one frame, failing the test on EOF or after [`TIMEOUT`].
pub fn read_frame(stream: &mut TcpStream) -> Frame {
    let mut header = vec![0u8; 2];
    stream.read_exact(&mut header).expect("a frame header");
    let extended = match header[1] & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let masked = header[1] & 0x80 != 0;
    header.resize(2 + extended + if masked { 4 } else { 0 }, 0);
    stream
        .read_exact(&mut header[2..])
        .expect("the rest of the frame header");
    let len = match extended {
        2 => u16::from_be_bytes([header[2], header[3]]) as u64,
        8 => u64::from_be_bytes(header[2..10].try_into().unwrap()),
        _ => (header[1] & 0x7F) as u64,
    };
    assert!(len < 1 << 32, "implausible frame length {len}: {header:?}");
    let mut payload = vec![0u8; len as usize];
    stream.read_exact(&mut payload).expect("a frame payload");
    if masked {
        let key = &header[header.len() - 4..];
        for (i, byte) in payload.iter_mut().enumerate() {
            *byte ^= key[i % 4];
        }
    }
    Frame {
        fin: header[0] & 0x80 != 0,
        rsv: header[0] & 0x70,
        opcode: header[0] & 0x0F,
        masked,
        header,
        payload,
    }
}

/// Asserts the server obeyed §5.1 and §5.2 in `frame`: no mask, no RSV bit,
/// and the length in its shortest form, with the top bit of a 64-bit length 0.
pub fn assert_server_frame(frame: &Frame) {
    assert!(
        !frame.masked,
        "a server frame was masked: {:?}",
        frame.header
    );
    assert_eq!(frame.rsv, 0, "RSV bits in a server frame");
    let len = frame.payload.len();
    let (marker, header_len) = match len {
        0..=125 => (len as u8, 2),
        126..=0xFFFF => (126, 4),
        _ => (127, 10),
    };
    assert_eq!(
        (frame.header[1] & 0x7F, frame.header.len()),
        (marker, header_len),
        "a payload of {len} bytes is not in its shortest form: {:?}",
        frame.header
    );
    if marker == 127 {
        assert_eq!(frame.header[2] & 0x80, 0, "top bit of a 64-bit length");
    }
}

/// Reads everything up to the server's FIN; fails on a timeout or a reset.
pub fn read_to_eof(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .expect("the server should close the connection");
    rest
}

/// Asserts the server sends nothing more and closes the TCP connection.
pub fn assert_eof(stream: &mut TcpStream) {
    let rest = read_to_eof(stream);
    assert!(rest.is_empty(), "data after the end: {rest:?}");
}

/// Reads the next frame, asserts it is a Close with `code` (none when
/// `None`), then that the server sends nothing after it and closes TCP
/// (§5.5.1, §7.1.1). Returns the Close frame.
pub fn assert_closed_with(stream: &mut TcpStream, code: Option<u16>) -> Frame {
    let frame = read_frame(stream);
    assert_server_frame(&frame);
    assert_eq!(frame.opcode, CLOSE, "expected a Close frame: {frame:?}");
    assert!(frame.fin);
    assert_eq!(
        frame.close_code(),
        code,
        "close reason: {:?}",
        String::from_utf8_lossy(frame.payload.get(2..).unwrap_or_default())
    );
    assert!(
        std::str::from_utf8(&frame.payload[frame.payload.len().min(2)..]).is_ok(),
        "the server's close reason must be UTF-8"
    );
    assert_eof(stream);
    frame
}

/// Opens `/echo`, sends `bytes` in one write, and asserts the server fails the
/// connection with Close `code`.
pub fn assert_echo_fails_with(addr: SocketAddr, bytes: &[u8], code: u16) {
    let mut stream = open(addr, "/echo");
    stream.write_all(bytes).unwrap();
    assert_closed_with(&mut stream, Some(code));
}

/// Sends one message as a masked frame and asserts the echo is the same
/// message in one well-formed, unmasked server frame.
pub fn assert_echoes(stream: &mut TcpStream, opcode: u8, payload: &[u8]) {
    stream
        .write_all(&client_frame(FIN | opcode, payload))
        .unwrap();
    let frame = read_frame(stream);
    assert_server_frame(&frame);
    assert_eq!((frame.fin, frame.opcode), (true, opcode));
    assert!(
        frame.payload == payload,
        "echo of {} bytes differs",
        payload.len()
    );
}

/// Polls `condition` every 10 ms until it holds or [`TIMEOUT`] passes.
pub fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Whether a read error means the peer reset the connection.
pub fn is_reset(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe
    )
}

// ---------------------------------------------------------------------------
// The main binary, in a process of its own

/// The `wslab` binary listening on a free loopback port; killed when dropped.
pub struct MainBinary {
    child: Child,
    pub addr: SocketAddr,
    stderr: mpsc::Receiver<String>,
}

impl MainBinary {
    /// Starts `wslab --addr 127.0.0.1:0` and learns its port from the log
    /// line `listening on 127.0.0.1:PORT`.
    pub fn start() -> MainBinary {
        MainBinary::spawn(Command::new(env!("CARGO_BIN_EXE_wslab")))
    }

    /// The same, with flags of the test's choosing (limits, timeouts).
    pub fn start_with(args: &[&str]) -> MainBinary {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wslab"));
        command.args(args);
        MainBinary::spawn(command)
    }

    /// The process id, for `/proc/PID`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The log lines that arrived since the last call (or the start).
    pub fn new_lines(&mut self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The same, with at most `max_fds` file descriptors, set by the shell's
    /// `ulimit` (std cannot set one without libc), and flags `args`.
    pub fn start_with_fd_limit(max_fds: usize, args: &[&str]) -> MainBinary {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {max_fds} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_wslab"))
            .args(args);
        MainBinary::spawn(command)
    }

    fn spawn(mut command: Command) -> MainBinary {
        let mut child = command
            .args(["--addr", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the wslab binary");
        let (lines, stderr) = mpsc::channel();
        let pipe = BufReader::new(child.stderr.take().unwrap());
        // Reads the log to the end, so the server never blocks on a full pipe.
        thread::spawn(move || {
            for line in pipe.lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut binary = MainBinary {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr,
        };
        let listening = binary.wait_for_line("listening on ");
        let addr = listening.rsplit(' ').next().unwrap_or_default();
        binary.addr = addr.parse().expect("the address in the log line");
        binary
    }

    /// Waits up to [`TIMEOUT`] for a log line that contains `needle`, and returns it.
    pub fn wait_for_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("the binary never logged {needle:?}"),
            }
        }
    }
}

impl Drop for MainBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// Log lines: the server starts each line about a connection with the client's
// address, so a test finds the lines about its own sockets among everyone's.

/// Every line logged at info or above since [`capture_logs`], as `LEVEL text`.
pub static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct LogCapture;

impl log::Log for LogCapture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}", record.level(), record.args());
            LOG.lock().unwrap_or_else(|p| p.into_inner()).push(line);
        }
    }

    fn flush(&self) {}
}

/// Installs the logger that keeps every line in [`LOG`]; once per test binary.
pub fn capture_logs() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&LogCapture).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Info);
    });
}

/// Waits (up to [`TIMEOUT`]) for a line about `peer` that contains `needle`.
pub fn assert_logged(peer: SocketAddr, needle: &str) {
    let about = format!("{peer}:");
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let lines: Vec<String> = LOG
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|line| line.contains(&about))
            .cloned()
            .collect();
        if lines.iter().any(|line| line.contains(needle)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no log line about {peer} says {needle:?}; the lines about it: {lines:#?}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// The address the server sees for this client.
pub fn me(stream: &TcpStream) -> SocketAddr {
    stream.local_addr().unwrap()
}

// ---------------------------------------------------------------------------
// Counting what a process holds

/// How many entries a directory has: threads under `/proc/PID/task`, file
/// descriptors under `/proc/PID/fd`.
pub fn count_entries(dir: &str) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| entries.count())
}

/// Runs test `name` alone, in a child process (this same test binary, with
/// only that test), so that no other test's threads and sockets come and go
/// while it counts its own. In the child, returns `None`: the caller runs the
/// test's body. In the parent, waits up to `limit`, checks that the child's
/// test passed, and returns its output for the caller to check more.
pub fn alone(name: &str, limit: Duration) -> Option<String> {
    const CHILD: &str = "WSLAB_TEST_ALONE";
    if std::env::var_os(CHILD).is_some() {
        return None;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run this test in a child process");
    let stdout = read_to_end_on_a_thread(child.stdout.take().unwrap());
    let stderr = read_to_end_on_a_thread(child.stderr.take().unwrap());
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} took more than {limit:?} in its own process");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let output = stdout.join().unwrap() + &stderr.join().unwrap();
    assert!(status.success(), "{name} failed:\n{output}");
    assert!(output.contains("1 passed"), "{output}");
    Some(output)
}

/// Reads `pipe` to its end on a thread of its own.
fn read_to_end_on_a_thread(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}
