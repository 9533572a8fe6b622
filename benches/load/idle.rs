//! Idle WebSocket connections by the ten thousand, held by one thread: each
//! socket non-blocking, `poll(2)` to wait on many at once. A load generator
//! with a thread per connection would run into the kernel's limits on
//! threads before the server it measures.
//!
//! Connections come from 127.0.0.2, 127.0.0.3, … in turn, [`PER_SOURCE`] per
//! address: a TCP connection is named by its two addresses and two ports, and
//! to one server address and port, one source address has only the ephemeral
//! ports (`net.ipv4.ip_local_port_range`, some 28,000) to offer. 127.0.0.1 is
//! left to everything else on the machine. The pool answers the server's
//! Pings, so a server that drops silent peers (wslab, after twice its idle
//! timeout) keeps them all.

use std::io::{self, Read, Write};
use std::mem;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wslab::frame::{FrameHeader, OpCode};

use crate::client::{masked_frame, Keys};

/// Connections from one source address before the next one is used.
pub const PER_SOURCE: usize = 10_000;

/// Handshakes in flight at once while the pool grows: fewer than the 128
/// connections a listening socket from std queues for `accept` (its
/// `listen` backlog). Past that, the kernel drops the client's packets, and
/// the client waits a second before it tries again.
pub const WINDOW: usize = 100;

/// Longest wait for any progress (an answer, an echo) before the run gives up
/// on the connections that are still waiting.
const STALL: Duration = Duration::from_secs(10);

/// The RFC's sample key (§1.3) and the accept value it must produce.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// What each idle connection sends once, to prove it is served.
const ECHO: &[u8] = b"still there?";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// `connect` is under way.
    Connecting,
    /// The request is sent; the response is awaited.
    Requested,
    /// Upgraded and idle.
    Open,
    /// One message sent; its echo is awaited.
    Echoing,
    /// Gone: refused, failed, or closed by the server.
    Closed,
}

struct Conn {
    stream: TcpStream,
    state: State,
    /// Bytes of a response or frame that is not complete yet.
    partial: Vec<u8>,
}

/// How a round of opening connections went.
pub struct Opened {
    pub count: usize,
    pub elapsed: Duration,
    /// The first failure, as the client saw it: the server's status line, or
    /// the socket's error.
    pub refused: Option<String>,
    pub failures: usize,
}

/// The idle connections, and the little work they do: answer Pings, and
/// notice when the server goes away.
pub struct Pool {
    server: SocketAddr,
    conns: Vec<Conn>,
    request: Vec<u8>,
    source: u8,
    on_source: usize,
    keys: Keys,
    /// Connections the server closed, or that failed, after they were open.
    pub lost: usize,
    pub lost_why: Option<String>,
    pub pongs: u64,
}

impl Pool {
    pub fn new(server: SocketAddr) -> Pool {
        let request = format!(
            "GET /echo HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        Pool {
            server,
            conns: Vec::new(),
            request: request.into_bytes(),
            source: 2,
            on_source: 0,
            keys: Keys::new(16),
            lost: 0,
            lost_why: None,
            pongs: 0,
        }
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.conns.iter().filter(|c| c.state == State::Open).count()
    }

    /// Opens connections until `target` are open, [`WINDOW`] handshakes at a
    /// time. At the first failure it starts no more, and lets those in flight
    /// finish.
    pub fn open_until(&mut self, target: usize) -> Opened {
        let start = Instant::now();
        let first_new = self.conns.len();
        let mut wanted = target.saturating_sub(self.open());
        let (mut in_flight, mut count, mut failures) = (0, 0, 0);
        let mut refused: Option<String> = None;
        let mut progress = Instant::now();
        let mut pinged = Instant::now();
        loop {
            while refused.is_none() && wanted > 0 && in_flight < WINDOW {
                match self.connect() {
                    Ok(()) => {
                        wanted -= 1;
                        in_flight += 1;
                    }
                    Err(error) => {
                        failures += 1;
                        refused = Some(format!("connect: {error}"));
                    }
                }
            }
            if in_flight == 0 {
                break;
            }
            let waiting: Vec<usize> = (first_new..self.conns.len())
                .filter(|&i| matches!(self.conns[i].state, State::Connecting | State::Requested))
                .collect();
            let ready = self.poll(&waiting, 50);
            for i in ready {
                let before = self.conns[i].state;
                let outcome = self.advance(i);
                if self.conns[i].state == before && outcome.is_none() {
                    continue;
                }
                progress = Instant::now();
                match outcome {
                    None if self.conns[i].state == State::Open => {
                        in_flight -= 1;
                        count += 1;
                    }
                    None => {}
                    Some(why) => {
                        in_flight -= 1;
                        failures += 1;
                        refused.get_or_insert(why);
                    }
                }
            }
            if progress.elapsed() > STALL {
                for &i in &waiting {
                    if matches!(self.conns[i].state, State::Connecting | State::Requested) {
                        self.conns[i].state = State::Closed;
                        failures += 1;
                    }
                }
                refused.get_or_insert(format!(
                    "no answer within {STALL:?} to {in_flight} handshakes"
                ));
                break;
            }
            if pinged.elapsed() > Duration::from_millis(200) {
                self.serve_once(0);
                pinged = Instant::now();
            }
        }
        self.forget_closed();
        Opened {
            count,
            elapsed: start.elapsed(),
            refused,
            failures,
        }
    }

    /// Sends one message on every connection opened since `since` connections
    /// were open, and waits for the echoes; returns how many came back.
    pub fn echo_from(&mut self, since: usize) -> usize {
        let mut waiting = Vec::new();
        let (mut open_seen, mut answered) = (0, 0);
        for i in 0..self.conns.len() {
            if self.conns[i].state != State::Open {
                continue;
            }
            open_seen += 1;
            if open_seen <= since {
                continue;
            }
            let frame = masked_frame(OpCode::Binary, ECHO, self.keys.next_key());
            let conn = &mut self.conns[i];
            // A fresh socket's send buffer takes a few bytes whole.
            match conn.stream.write(&frame) {
                Ok(n) if n == frame.len() => {
                    conn.state = State::Echoing;
                    waiting.push(i);
                }
                _ => self.lose(i, "could not send the echo".into()),
            }
        }
        let mut progress = Instant::now();
        while !waiting.is_empty() && progress.elapsed() < STALL {
            for i in self.poll(&waiting, 50) {
                self.read_frames(i);
                if self.conns[i].state != State::Echoing {
                    progress = Instant::now();
                    if self.conns[i].state == State::Open {
                        answered += 1;
                    }
                }
            }
            waiting.retain(|&i| self.conns[i].state == State::Echoing);
        }
        for i in waiting {
            self.lose(i, format!("no echo within {STALL:?}"));
        }
        self.forget_closed();
        answered
    }

    /// Answers Pings and notices closes until `stop` is set.
    pub fn serve_until(&mut self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            self.serve_once(100);
        }
        self.forget_closed();
    }

    /// Closes `n` of the idle connections (the newest), politely: a Close
    /// frame, which every server here answers by closing.
    pub fn close_some(&mut self, n: usize) {
        for _ in 0..n {
            let Some(mut conn) = self.conns.pop() else {
                break;
            };
            let close = masked_frame(OpCode::Close, &1000u16.to_be_bytes(), [1, 2, 3, 4]);
            let _ = conn.stream.write(&close);
        }
    }

    /// One look at every open connection, waiting up to `timeout_ms`.
    fn serve_once(&mut self, timeout_ms: i32) {
        let open: Vec<usize> = (0..self.conns.len())
            .filter(|&i| self.conns[i].state == State::Open)
            .collect();
        for i in self.poll(&open, timeout_ms) {
            self.read_frames(i);
        }
    }

    fn forget_closed(&mut self) {
        self.conns.retain(|c| c.state != State::Closed);
    }

    fn lose(&mut self, i: usize, why: String) {
        if self.conns[i].state != State::Closed {
            self.conns[i].state = State::Closed;
            self.lost += 1;
            self.lost_why.get_or_insert(why);
        }
    }

    /// A non-blocking socket, bound to this turn's source address, connecting.
    fn connect(&mut self) -> io::Result<()> {
        loop {
            if self.on_source == PER_SOURCE {
                self.next_source()?;
            }
            let source = SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, self.source), 0);
            match start_connect(source, self.server) {
                Ok(stream) => {
                    self.on_source += 1;
                    self.conns.push(Conn {
                        stream,
                        state: State::Connecting,
                        partial: Vec::new(),
                    });
                    return Ok(());
                }
                // This address has no port left for the server: take the next.
                Err(error) if error.raw_os_error() == Some(libc::EADDRNOTAVAIL) => {
                    self.next_source()?
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn next_source(&mut self) -> io::Result<()> {
        if self.source == 254 {
            return Err(io::Error::other("out of loopback source addresses"));
        }
        self.source += 1;
        self.on_source = 0;
        Ok(())
    }

    /// Moves a connection in its handshake on: sends the request once the
    /// socket is connected, checks the response once it is whole. `Some` is
    /// why it failed.
    fn advance(&mut self, i: usize) -> Option<String> {
        let conn = &mut self.conns[i];
        match conn.state {
            State::Connecting => {
                if let Ok(Some(error)) | Err(error) = conn.stream.take_error() {
                    conn.state = State::Closed;
                    return Some(format!("connect: {error}"));
                }
                match conn.stream.write(&self.request) {
                    Ok(n) if n == self.request.len() => {
                        conn.state = State::Requested;
                        None
                    }
                    Ok(_) => {
                        conn.state = State::Closed;
                        Some("the request did not fit the socket's buffer".into())
                    }
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => None,
                    Err(error) => {
                        conn.state = State::Closed;
                        Some(format!("sending the request: {error}"))
                    }
                }
            }
            State::Requested => {
                let mut buf = [0u8; 2048];
                match conn.stream.read(&mut buf) {
                    Ok(0) => {
                        conn.state = State::Closed;
                        Some(match conn.partial.is_empty() {
                            true => "closed without an answer".into(),
                            false => format!("closed after {}", head_line(&conn.partial)),
                        })
                    }
                    Ok(n) => {
                        conn.partial.extend_from_slice(&buf[..n]);
                        let end = find_head_end(&conn.partial)?;
                        let head = String::from_utf8_lossy(&conn.partial[..end]).into_owned();
                        if head.starts_with("HTTP/1.1 101") && head.contains(ACCEPT) {
                            conn.partial = conn.partial.split_off(end);
                            conn.partial.shrink_to_fit();
                            conn.state = State::Open;
                            None
                        } else {
                            conn.state = State::Closed;
                            Some(refusal(&head))
                        }
                    }
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => None,
                    Err(error) => {
                        conn.state = State::Closed;
                        Some(format!("reading the response: {error}"))
                    }
                }
            }
            _ => None,
        }
    }

    /// Reads what the server sent an open (or echoing) connection: answers
    /// Pings, takes the echo, notices a Close or the end of the stream.
    fn read_frames(&mut self, i: usize) {
        let mut buf = [0u8; 4096];
        let read = self.conns[i].stream.read(&mut buf);
        match read {
            Ok(0) => return self.lose(i, "the server closed the connection".into()),
            Ok(n) => self.conns[i].partial.extend_from_slice(&buf[..n]),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => return,
            Err(error) => return self.lose(i, error.to_string()),
        }
        loop {
            let conn = &mut self.conns[i];
            let (header, header_len) = match FrameHeader::parse(&conn.partial) {
                Ok(Some(parsed)) => parsed,
                Ok(None) => break,
                Err(error) => return self.lose(i, error.to_string()),
            };
            let end = header_len + header.payload_len as usize;
            if conn.partial.len() < end {
                break;
            }
            let payload = conn.partial[header_len..end].to_vec();
            conn.partial.drain(..end);
            match header.opcode {
                OpCode::Ping => {
                    let pong = masked_frame(OpCode::Pong, &payload, self.keys.next_key());
                    let _ = self.conns[i].stream.write(&pong);
                    self.pongs += 1;
                }
                OpCode::Binary if self.conns[i].state == State::Echoing && payload == ECHO => {
                    self.conns[i].state = State::Open;
                }
                OpCode::Close => {
                    let code = payload
                        .get(..2)
                        .map_or(0, |c| u16::from_be_bytes([c[0], c[1]]));
                    return self.lose(i, format!("the server sent Close {code}"));
                }
                _ => {}
            }
        }
        self.conns[i].partial.shrink_to_fit();
    }

    /// The connections among `which` that are ready, after waiting up to
    /// `timeout_ms` for the first.
    fn poll(&self, which: &[usize], timeout_ms: i32) -> Vec<usize> {
        if which.is_empty() {
            std::thread::sleep(Duration::from_millis(timeout_ms.max(0) as u64));
            return Vec::new();
        }
        let mut fds: Vec<libc::pollfd> = which
            .iter()
            .map(|&i| {
                let conn = &self.conns[i];
                let events = match conn.state {
                    State::Connecting => libc::POLLOUT,
                    _ => libc::POLLIN,
                };
                libc::pollfd {
                    fd: conn.stream.as_raw_fd(),
                    events,
                    revents: 0,
                }
            })
            .collect();
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structures.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        if n <= 0 {
            return Vec::new();
        }
        which
            .iter()
            .zip(&fds)
            .filter(|(_, fd)| fd.revents != 0)
            .map(|(&i, _)| i)
            .collect()
    }
}

/// `socket`, `bind` to `source` (port chosen at `connect`), and a
/// non-blocking `connect` to `server`, which is then under way.
fn start_connect(source: SocketAddrV4, server: SocketAddr) -> io::Result<TcpStream> {
    let SocketAddr::V4(server) = server else {
        return Err(io::Error::other("the server must have an IPv4 address"));
    };
    // SAFETY: plain system calls on a descriptor we own from the first one
    // on; the sockaddr structures live across the calls that read them.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let stream = TcpStream::from(OwnedFd::from_raw_fd(fd));
        stream.set_nonblocking(true)?;
        // Linux: let `connect` pick the port, so that the same port can serve
        // connections to different servers (without it, `bind` picks a port
        // no other socket on the address holds).
        #[cfg(target_os = "linux")]
        {
            let one: libc::c_int = 1;
            libc::setsockopt(
                fd,
                libc::IPPROTO_IP,
                libc::IP_BIND_ADDRESS_NO_PORT,
                (&one as *const libc::c_int).cast(),
                mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        let from = sockaddr(source);
        let size = mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        if libc::bind(fd, (&from as *const libc::sockaddr_in).cast(), size) < 0 {
            return Err(io::Error::last_os_error());
        }
        let to = sockaddr(server);
        if libc::connect(fd, (&to as *const libc::sockaddr_in).cast(), size) < 0 {
            let error = io::Error::last_os_error();
            if error.raw_os_error() != Some(libc::EINPROGRESS) {
                return Err(error);
            }
        }
        Ok(stream)
    }
}

fn sockaddr(addr: SocketAddrV4) -> libc::sockaddr_in {
    // SAFETY: sockaddr_in is plain data; all zeroes is a valid value.
    let mut raw: libc::sockaddr_in = unsafe { mem::zeroed() };
    raw.sin_family = libc::AF_INET as libc::sa_family_t;
    raw.sin_port = addr.port().to_be();
    raw.sin_addr = libc::in_addr {
        s_addr: u32::from(*addr.ip()).to_be(),
    };
    raw
}

fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}

fn head_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines().next().unwrap_or_default().to_string()
}

/// A refusal as the client saw it: the status line, and `Retry-After` if any.
fn refusal(head: &str) -> String {
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default().to_string();
    match lines.find(|l| l.to_ascii_lowercase().starts_with("retry-after:")) {
        Some(retry) => format!("{status} ({retry})"),
        None => status,
    }
}

/// Raises this process's open-files limit as far as it may: the hard limit to
/// `fs.nr_open` (only with `CAP_SYS_RESOURCE`, as root usually has), and the
/// soft limit to the hard one. Returns the soft limit now, and what stopped it
/// going higher. The servers this process starts inherit the limit.
pub fn raise_open_files_limit() -> (u64, String) {
    let nr_open = std::fs::read_to_string("/proc/sys/fs/nr_open")
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok());
    // SAFETY: getrlimit and setrlimit read and write the one struct we pass.
    unsafe {
        let mut limit: libc::rlimit = mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return (0, io::Error::last_os_error().to_string());
        }
        let mut why = "the hard limit".to_string();
        if let Some(nr_open) = nr_open.filter(|&n| n > limit.rlim_max) {
            let wanted = libc::rlimit {
                rlim_cur: nr_open,
                rlim_max: nr_open,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) == 0 {
                return (nr_open, "fs.nr_open".into());
            }
            why = format!(
                "the hard limit; raising it to fs.nr_open ({nr_open}) needs \
                 CAP_SYS_RESOURCE: {}",
                io::Error::last_os_error()
            );
        }
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        let _ = libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        (limit.rlim_cur, why)
    }
}
