//! Chapter 8: the server. One thread accepts; every connection gets its own
//! thread, which reads the handshake, answers it, and then runs the route's
//! handler over a [`Connection`]: steps 4 to 7's accept loop and handshake,
//! with chapter 8's defences. See `tutorial/08-hardening.md#the-code`.

use crate::close::CloseCode;
use crate::config::Config;
use crate::connection::{is_timeout, Connection, Handle};
use crate::forwarded;
use crate::frame::Role;
use crate::handshake::{self, ReadHeadError, Rejection, Request};
use crate::message::Budget;
use crate::protocol::State;
use crate::threads;
use std::collections::HashMap;
use std::fmt::Display;
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What runs a WebSocket connection after its handshake.
pub type Handler = Arc<dyn Fn(Connection) + Send + Sync>;

enum Route {
    Page(Arc<str>),
    WebSocket(Handler),
}

/// What the server knows, shared by every connection thread.
struct Shared {
    config: Arc<Config>,
    routes: Vec<(String, Route)>,
    active: AtomicUsize,
    stopping: AtomicBool,
    /// Every open WebSocket connection, so that shutdown can say goodbye.
    open: Mutex<HashMap<u64, Handle>>,
    next_id: AtomicU64,
    /// The bytes of unfinished messages, all connections together.
    budget: Arc<Budget>,
    /// The threads the process may start.
    threads: Arc<threads::Budget>,
}

impl Shared {
    /// Says so when `max_connections` is more than the threads the process
    /// may start: then the clients past those get 503 before the cap.
    fn warn_if_short_of_threads(&self) {
        let (max, threads) = (self.config.max_connections, &self.threads);
        if max > threads.max() {
            log::warn!(
                "max_connections is {max}, but this process can start only {} threads, {}; \
                 clients past those get 503",
                threads.max(),
                threads.why()
            );
        }
    }

    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Handle>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Counts a connection as active for as long as it lives, even if its thread panics.
struct Active<'a>(&'a AtomicUsize);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Keeps a connection in [`Shared::open`] for as long as it lives.
struct Registered<'a>(&'a Shared, u64);

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.0.open().remove(&self.1);
    }
}

/// A bound server, ready to [`Server::run`].
pub struct Server {
    listener: TcpListener,
    shared: Shared,
}

impl Server {
    /// Binds the listening socket: `socket`, `bind` and `listen` in one call.
    pub fn bind(addr: impl ToSocketAddrs, config: Config) -> io::Result<Server> {
        Ok(Server {
            listener: TcpListener::bind(addr)?,
            shared: Shared {
                budget: Budget::new(config.message_budget),
                threads: threads::Budget::of_this_process(),
                config: Arc::new(config),
                routes: Vec::new(),
                active: AtomicUsize::new(0),
                stopping: AtomicBool::new(false),
                open: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(0),
            },
        })
    }

    /// Serves `html` for a plain `GET path`.
    pub fn page(mut self, path: &str, html: &str) -> Server {
        self.shared
            .routes
            .push((path.into(), Route::Page(html.into())));
        self
    }

    /// Runs `handler` for every WebSocket connection to `path`.
    pub fn websocket(
        mut self,
        path: &str,
        handler: impl Fn(Connection) + Send + Sync + 'static,
    ) -> Server {
        self.shared
            .routes
            .push((path.into(), Route::WebSocket(Arc::new(handler))));
        self
    }

    /// Starts the connections' threads within `threads` instead of the
    /// process's own [`threads::Budget`]: past it, the next client gets 503.
    pub fn thread_budget(mut self, threads: Arc<threads::Budget>) -> Server {
        self.shared.threads = threads;
        self
    }

    /// The address the server listens on: useful after binding port 0.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections until [`ServerHandle::stop`], or forever.
    pub fn run(self) {
        let addr = self
            .listener
            .local_addr()
            .map_or("?".into(), |a| a.to_string());
        log::info!("listening on {addr}");
        self.shared.warn_if_short_of_threads();
        let shared = Arc::new(self.shared);
        accept_loop(&self.listener, &shared);
    }

    /// Runs the server on a thread of its own and returns a handle to stop it.
    pub fn spawn(self) -> io::Result<ServerHandle> {
        let addr = self.local_addr()?;
        self.shared.warn_if_short_of_threads();
        let shared = Arc::new(self.shared);
        let listener = self.listener;
        let for_thread = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("accept".into())
            .spawn(move || accept_loop(&listener, &for_thread))?;
        Ok(ServerHandle {
            addr,
            shared,
            thread: Some(thread),
        })
    }
}

/// A server running on its own thread; stopped when dropped.
pub struct ServerHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections are being served now.
    pub fn active(&self) -> usize {
        self.shared.active.load(Ordering::SeqCst)
    }

    /// Waits for the server to stop (which, without [`ServerHandle::stop`], is never).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    // ANCHOR: shutdown
    /// Graceful shutdown: stop accepting, send every open connection a Close
    /// with 1001 (going away), give them the close timeout to finish the
    /// closing handshake, then cut whatever is left, saying why.
    pub fn shutdown(&mut self) {
        self.stop();
        let open: Vec<Handle> = self.shared.open().values().cloned().collect();
        log::info!(
            "shutting down: closing {} connections with 1001",
            open.len()
        );
        for connection in &open {
            close_going_away(connection, &self.shared.threads);
        }
        let timeout = self.shared.config.close_timeout;
        let deadline = Instant::now() + timeout;
        while self.active() > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        for connection in self.shared.open().values() {
            let why = match connection.try_sender() {
                None => {
                    format!("a write was still in progress after {timeout:?}; no Close was sent")
                }
                Some(_) => format!("no Close from the client within {timeout:?} of ours"),
            };
            connection.cut(&why);
        }
    }
    // ANCHOR_END: shutdown

    /// Stops accepting: sets the flag, then wakes the blocked `accept` with a
    /// connection of our own.
    pub fn stop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Sends Close 1001 from a thread of its own, so that a connection whose
/// socket buffers are full cannot hold up the others; one whose write is in
/// progress (a big echo to a slow reader) gets it as soon as that finishes.
fn close_going_away(connection: &Handle, threads: &Arc<threads::Budget>) {
    let (code, reason) = (CloseCode::GOING_AWAY, "server shutting down");
    if connection.try_sender().is_none() {
        log::info!(
            "{}: a write is in progress; the Close follows it",
            connection.peer()
        );
    }
    let closer = connection.clone();
    let builder = thread::Builder::new()
        .name(format!("{} closer", connection.peer()))
        .stack_size(64 * 1024);
    let spawned = threads.spawn(builder, move || {
        let _ = closer.sender().close(code, reason);
    });
    if let Err(error) = spawned {
        log::warn!(
            "{}: no thread to send the Close: {error}",
            connection.peer()
        );
        let _ = connection.sender().close(code, reason);
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

// ANCHOR: accept_loop
fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut spare = open_spare();
    loop {
        let accepted = accept(listener, &mut spare);
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Some((stream, peer)) = accepted else {
            continue;
        };
        if shared.active.fetch_add(1, Ordering::SeqCst) >= shared.config.max_connections {
            shared.active.fetch_sub(1, Ordering::SeqCst);
            let max = shared.config.max_connections;
            log::warn!("{peer}: refused: {max} connections already");
            refuse(stream, &Rejection::ServiceUnavailable);
            continue;
        }
        spawn_connection(stream, peer, shared);
    }
}
// ANCHOR_END: accept_loop

/// `listener.accept()`, or `None` when there is no client to serve now.
///
/// Each connection takes a file descriptor. When none is left (EMFILE: the
/// process's open-files limit, `ulimit -n`; ENFILE: the system's), `accept`
/// fails and the client would wait in the kernel's queue without an answer.
/// So one descriptor is kept in reserve, `spare`: we close it, accept the
/// client into the descriptor that freed, answer 503, and take it back.
fn accept(listener: &TcpListener, spare: &mut Option<File>) -> Option<(TcpStream, SocketAddr)> {
    let error = match listener.accept() {
        Ok(accepted) => return Some(accepted),
        Err(error) => error,
    };
    let out_of_descriptors = matches!(error.raw_os_error(), Some(EMFILE | ENFILE));
    if !out_of_descriptors || spare.is_none() {
        // Wait for connections to end instead of spinning on the error.
        log::warn!("accept failed: {error}; pausing 100 ms");
        thread::sleep(Duration::from_millis(100));
        *spare = spare.take().or_else(open_spare);
        return None;
    }
    *spare = None;
    let accepted = listener.accept();
    // The spare can be taken back only if a connection ended meanwhile:
    // then there is room for this client after all.
    *spare = open_spare();
    let (stream, peer) = accepted.ok()?;
    if spare.is_none() {
        log::warn!(
            "{peer}: refused: {error}; raise the open-files limit (ulimit -n) \
             above max_connections"
        );
        refuse(stream, &Rejection::ServiceUnavailable);
        *spare = open_spare();
        return None;
    }
    Some((stream, peer))
}

/// `errno` for "too many open files": in this process, and in the system.
const EMFILE: i32 = 24;
const ENFILE: i32 = 23;

/// A descriptor that costs nothing but its place in the process's table.
fn open_spare() -> Option<File> {
    File::open("/dev/null").ok()
}

/// Starts the connection's own thread, counted in `active` until it ends.
/// When no thread can be started, the accept thread answers 503 itself: the
/// stream waits in a slot outside the thread's closure, so it is still ours.
fn spawn_connection(stream: TcpStream, peer: SocketAddr, shared: &Arc<Shared>) {
    let slot = Arc::new(Mutex::new(Some(stream)));
    let (for_thread, slot_for_thread) = (Arc::clone(shared), Arc::clone(&slot));
    let builder = thread::Builder::new()
        .name(format!("{peer}"))
        .stack_size(shared.config.stack_size);
    let spawned = shared.threads.spawn(builder, move || {
        let _active = Active(&for_thread.active);
        if let Some(stream) = take(&slot_for_thread) {
            serve_connection(stream, peer, &for_thread);
        }
    });
    if let Err(error) = spawned {
        shared.active.fetch_sub(1, Ordering::SeqCst);
        log::error!("{peer}: cannot start a thread: {error}; refusing with 503");
        if let Some(stream) = take(&slot) {
            refuse(stream, &Rejection::ServiceUnavailable);
        }
    }
}

/// The stream in `slot`, unless the other side of the spawn took it first.
fn take(slot: &Mutex<Option<TcpStream>>) -> Option<TcpStream> {
    slot.lock().ok().and_then(|mut stream| stream.take())
}

// ANCHOR: serve_connection
/// A connection's thread: [`handle`], with a panic caught and logged, so
/// that a bug in one connection never ends the server.
fn serve_connection(stream: TcpStream, peer: SocketAddr, shared: &Shared) {
    let served = panic::catch_unwind(AssertUnwindSafe(|| handle(stream, peer, shared)));
    if served.is_err() {
        log::error!("{peer}: the connection's thread panicked; the server goes on");
    }
}
// ANCHOR_END: serve_connection

/// Refuses a connection from the accept thread without waiting on the client.
fn refuse(stream: TcpStream, rejection: &Rejection) {
    let _ = stream.set_nonblocking(true);
    let _ = (&stream).read(&mut [0u8; 4096]);
    let _ = (&stream).write_all(&rejection.response());
    let _ = stream.shutdown(Shutdown::Write);
}

fn handle(mut stream: TcpStream, peer: SocketAddr, shared: &Shared) {
    let config = &shared.config;
    let _ = stream.set_nodelay(true);
    let mut reader = Deadline::new(&stream, config.handshake_timeout);
    let (head, leftover) = match handshake::read_head(&mut reader, config.max_head) {
        Ok(read) => read,
        Err(ReadHeadError::TooLarge) => {
            return reject(stream, peer, "?", Rejection::HeadTooLarge(config.max_head))
        }
        // A browser opens spare connections that may never carry a request.
        Err(ReadHeadError::Io(error, 0)) if is_timeout(&error) => {
            let timeout = config.handshake_timeout;
            return log::info!("{peer}: sent nothing within {timeout:?}; closed");
        }
        Err(ReadHeadError::Io(error, _)) if is_timeout(&error) => {
            return reject(stream, peer, "?", Rejection::Timeout)
        }
        Err(ReadHeadError::Closed(n)) => {
            return log::info!("{peer}: left after {n} bytes, before a request")
        }
        Err(ReadHeadError::Io(error, _)) => return log::info!("{peer}: {error}"),
    };
    log::debug!(
        "{peer}: request head:\n{}",
        String::from_utf8_lossy(&head).trim_end()
    );
    let request = match Request::parse(&head, config.max_headers) {
        Ok(request) => request,
        Err(rejection) => return reject(stream, peer, "?", rejection),
    };
    let peer = forwarded::client(&request, peer, config.trust_proxy);
    let line = format!("{} {}", request.method, request.target);
    let answer = route(&request, shared);
    // A connection may stay open for hours: keep nothing of its request but the line.
    drop(request);
    drop(head);
    match answer {
        Err(rejection) => reject(stream, peer, &line, rejection),
        Ok(Answer::Page(html)) => {
            log::info!("{peer}: {line} → 200 OK");
            let _ = stream.write_all(&handshake::page_response(&html));
            close_gently(stream, config.close_timeout);
        }
        Ok(Answer::Upgrade(accept, handler)) => {
            // Under the lock of the open connections, so that shutdown() either
            // finds this one registered or we find it stopping: never both missed.
            let mut open = shared.open();
            if shared.stopping.load(Ordering::SeqCst) {
                drop(open);
                return reject(stream, peer, &line, Rejection::ServiceUnavailable);
            }
            let response = handshake::switching_protocols(&accept);
            log::debug!("{peer}: response head:\n{}", response.trim_end());
            if let Err(error) = stream.write_all(response.as_bytes()) {
                return log::info!("{peer}: {error}");
            }
            drop(response);
            log::info!("{peer}: {line} → 101 Switching Protocols");
            let mut connection =
                match Connection::new(stream, peer, Role::Server, &leftover, config) {
                    Ok(connection) => connection,
                    Err(error) => return log::warn!("{peer}: {error}"),
                };
            connection.set_budget(Arc::clone(&shared.budget));
            let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
            open.insert(id, connection.handle());
            drop(open);
            let _registered = Registered(shared, id);
            run_handler(&handler, connection);
        }
    }
}

/// Runs the route's handler. If it returns with the connection still open,
/// we close it with 1000; if it panics, with 1011 and no detail, which stays
/// in our log (python-websockets does the same).
fn run_handler(handler: &Handler, connection: Connection) {
    let peer = connection.peer();
    let handle = connection.handle();
    let run = panic::catch_unwind(AssertUnwindSafe(|| handler(connection)));
    let code = match run {
        Ok(()) => CloseCode::NORMAL,
        Err(_) => {
            log::error!("{peer}: the handler panicked; closing with 1011");
            CloseCode::INTERNAL_ERROR
        }
    };
    if handle.sender().state() != State::Closed {
        let mut connection = handle.into_connection();
        connection.close(code, "");
        while connection.recv().is_some() {}
    }
}

enum Answer {
    Page(Arc<str>),
    Upgrade(String, Handler),
}

/// Decides the answer to a request: a page, an upgrade, or a rejection.
fn route(request: &Request, shared: &Shared) -> Result<Answer, Rejection> {
    handshake::check_request_line(request)?;
    let path = request.path();
    let route = shared
        .routes
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, route)| route);
    match route {
        Some(Route::Page(html)) if !request.wants_upgrade() => Ok(Answer::Page(Arc::clone(html))),
        Some(Route::WebSocket(handler)) => {
            let accept = handshake::validate(request)?;
            handshake::check_origin(request, &shared.config.allowed_origins)?;
            Ok(Answer::Upgrade(accept, Arc::clone(handler)))
        }
        _ => Err(Rejection::NotFound(path.into())),
    }
}

fn reject(stream: TcpStream, peer: impl Display, line: &str, rejection: Rejection) {
    let (code, reason) = rejection.status();
    log::warn!("{peer}: {line} → {code} {reason}: {rejection}");
    let _ = (&stream).write_all(&rejection.response());
    close_gently(stream, Duration::from_secs(1));
}

/// Sends our FIN, then reads until the client's (or a timeout), so that bytes
/// the client is still sending cannot turn our close into a reset that
/// destroys the response.
fn close_gently(stream: TcpStream, timeout: Duration) {
    let _ = stream.shutdown(Shutdown::Write);
    let mut reader = Deadline::new(&stream, timeout);
    let mut scratch = [0u8; 4096];
    while let Ok(1..) = reader.read(&mut scratch) {}
}

// ANCHOR: deadline
/// A reader with a deadline for all its reads together, not each one: a
/// client that sends a byte every few seconds still runs out of time.
struct Deadline<'a> {
    stream: &'a TcpStream,
    until: Instant,
}

impl<'a> Deadline<'a> {
    fn new(stream: &'a TcpStream, timeout: Duration) -> Deadline<'a> {
        Deadline {
            stream,
            until: Instant::now() + timeout,
        }
    }
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        let mut stream = self.stream;
        stream.read(buf)
    }
}
// ANCHOR_END: deadline
