//! Steps 4 to 7 share this: chapter 3's accept loop with a thread per
//! client, and chapter 4's handshake on each client's socket. After the 101,
//! the thread hands the stream to the step: step 4 shows the bytes that follow,
//! step 5 reads them as frames, steps 6 and 7 run a `Connection` over them.
//! Step 7 also serves its page. From step 8 on, the library's `Server` does
//! this, with chapter 8's defences.
//! See `tutorial/04-the-opening-handshake.md#the-code`.

use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use wslab::config::Config;
use wslab::handshake::{self, ReadHeadError, Rejection, Request};

/// What a step does with a connection after its 101: the stream, the peer,
/// and the bytes that came in the same read as the head.
pub type AfterUpgrade = Box<dyn Fn(TcpStream, SocketAddr, Vec<u8>) + Send + Sync>;

/// What a step serves: WebSocket connections at `path`, each handed to
/// `after`; and, if it has one, a page for a plain `GET /` (step 7's).
pub struct Site {
    pub path: &'static str,
    pub page: Option<&'static str>,
    pub after: AfterUpgrade,
}

impl Site {
    /// WebSocket connections at `path`, and no page.
    pub fn websocket(
        path: &'static str,
        after: impl Fn(TcpStream, SocketAddr, Vec<u8>) + Send + Sync + 'static,
    ) -> Site {
        Site {
            path,
            page: None,
            after: Box::new(after),
        }
    }
}

/// How a step answers a request that passed its checks.
enum Answer {
    /// `101 Switching Protocols`, with this accept value.
    Upgrade(String),
    /// `200 OK`, with this page.
    Page(&'static str),
}

/// Listens on `addr` and serves each client on a thread of its own.
pub fn serve(addr: SocketAddr, site: Site) {
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(error) => {
            log::error!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    log::info!("listening on {addr}", addr = listener.local_addr().unwrap());
    let site = Arc::new(site);

    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(error) => {
                log::warn!("accept failed: {error}");
                continue;
            }
        };
        let Ok(peer) = stream.peer_addr() else {
            continue;
        };
        let site = Arc::clone(&site);
        let spawned = thread::Builder::new()
            .name(format!("client {peer}"))
            .spawn(move || handle(stream, peer, &site));
        if let Err(error) = spawned {
            log::error!("cannot start a thread for {peer}: {error}; closing it");
        }
    }
}

// ANCHOR: handle
fn handle(mut stream: TcpStream, peer: SocketAddr, site: &Site) {
    let config = Config::default();
    let _ = stream.set_read_timeout(Some(config.handshake_timeout));
    let (head, leftover) = match handshake::read_head(&mut stream, config.max_head) {
        Ok(read) => read,
        Err(ReadHeadError::TooLarge) => {
            return refuse(stream, peer, Rejection::HeadTooLarge(config.max_head))
        }
        Err(ReadHeadError::Io(error, n)) if n > 0 && is_timeout(&error) => {
            return refuse(stream, peer, Rejection::Timeout)
        }
        Err(ReadHeadError::Io(error, 0)) if is_timeout(&error) => {
            let waited = config.handshake_timeout;
            return log::info!("{peer}: sent nothing within {waited:?}; closed");
        }
        Err(ReadHeadError::Closed(n)) => {
            return log::info!("{peer}: left after {n} bytes, before a request")
        }
        Err(ReadHeadError::Io(error, _)) => return log::info!("{peer}: {error}"),
    };
    log::info!(
        "{peer}: request head:\n{}",
        String::from_utf8_lossy(&head).trim_end()
    );
    let accept = match Request::parse(&head, config.max_headers).and_then(|r| answer(&r, site)) {
        Ok(Answer::Upgrade(accept)) => accept,
        Ok(Answer::Page(html)) => return send_page(stream, peer, html),
        Err(rejection) => return refuse(stream, peer, rejection),
    };
    let response = handshake::switching_protocols(&accept);
    if let Err(error) = stream.write_all(response.as_bytes()) {
        return log::info!("{peer}: {error}");
    }
    log::info!("{peer}: response head:\n{}", response.trim_end());
    let _ = stream.set_read_timeout(None);
    (site.after)(stream, peer, leftover);
}
// ANCHOR_END: handle

// ANCHOR: answer
/// §4.2.1's checks, for the one path this step serves: the accept value, or
/// why not. A step with a page sends it for a plain `GET /`.
fn answer(request: &Request, site: &Site) -> Result<Answer, Rejection> {
    handshake::check_request_line(request)?;
    if request.path() == "/" && !request.wants_upgrade() {
        if let Some(html) = site.page {
            return Ok(Answer::Page(html));
        }
    }
    if request.path() != site.path {
        return Err(Rejection::NotFound(request.path().into()));
    }
    handshake::validate(request).map(Answer::Upgrade)
}
// ANCHOR_END: answer

/// Chapter 3: a read timeout is `WouldBlock` on Unix, `TimedOut` on Windows.
fn is_timeout(error: &std::io::Error) -> bool {
    matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

fn refuse(mut stream: TcpStream, peer: SocketAddr, rejection: Rejection) {
    let (code, reason) = rejection.status();
    log::warn!("{peer}: {code} {reason}: {rejection}");
    let _ = stream.write_all(&rejection.response());
}

/// Step 7's page: `200 OK`, the page, and the end of the connection.
fn send_page(mut stream: TcpStream, peer: SocketAddr, html: &str) {
    log::info!("{peer}: 200 OK: sent the page");
    let _ = stream.write_all(&handshake::page_response(html));
}
