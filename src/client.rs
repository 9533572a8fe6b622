//! Chapter 11: the opening handshake from the client's side (RFC 6455 §4.1).
//!
//! The client sends the upgrade request with a fresh random key, then checks
//! the server's answer the way §4.1 says a client MUST: status 101, `Upgrade`,
//! `Connection`, and a `Sec-WebSocket-Accept` computed from *our* key. After
//! that, the connection is the same [`Connection`] the server uses, in the
//! client role: it masks what it sends and refuses masked frames.
//! See `tutorial/11-the-other-end-again.md#the-clients-handshake`.

use crate::config::Config;
use crate::connection::{Connection, Peer};
use crate::frame::Role;
use crate::handshake::{accept_key, find_head_end, parse_header_line, read_head, ReadHeadError};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::net::TcpStream;

/// A `ws://` URL taken apart (§3): where to connect, and what to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The host as written: a name, an IPv4 address, or `[an IPv6 address]`.
    pub host: String,
    /// 80 unless the URL names another (§3: "the default port is 80").
    pub port: u16,
    /// §3's "resource name": the path and the query, `/` when the URL has none.
    pub resource: String,
}

impl Url {
    /// Parses `ws://host[:port][/path][?query]`. A `wss://` URL is refused
    /// with [`ClientError::SecureScheme`]: wslab has no TLS.
    pub fn parse(url: &str) -> Result<Url, ClientError> {
        let bad = |why: &str| ClientError::BadUrl(url.into(), why.into());
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("wss://") {
            return Err(ClientError::SecureScheme);
        }
        if !lower.starts_with("ws://") {
            return Err(bad("it must start with ws://"));
        }
        // §3: "Fragment identifiers are meaningless in the context of
        // WebSocket URIs and MUST NOT be used on these URIs."
        if url.contains('#') {
            return Err(bad("a WebSocket URL has no #fragment"));
        }
        let rest = &url["ws://".len()..];
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, resource) = rest.split_at(split);
        let resource = match resource {
            "" => "/".to_string(),
            r if r.starts_with('?') => format!("/{r}"),
            r => r.to_string(),
        };
        // The port's colon is the last one after any `]` of an IPv6 address.
        let port_colon = authority
            .rfind(':')
            .filter(|&i| !authority[i..].contains(']'));
        let (host, port) = match port_colon {
            Some(i) => {
                let port = authority[i + 1..]
                    .parse()
                    .map_err(|_| bad("the port is not a number from 0 to 65535"))?;
                (&authority[..i], port)
            }
            None => (authority, 80),
        };
        if host.is_empty() || host.contains('@') {
            return Err(bad("it needs a host, and no user@"));
        }
        Ok(Url {
            host: host.into(),
            port,
            resource,
        })
    }

    /// The `Host` header's value (§4.1: "the port ... if it is not the default").
    pub fn host_header(&self) -> String {
        match self.port {
            80 => self.host.clone(),
            port => format!("{}:{port}", self.host),
        }
    }

    /// The address to connect to: the host without IPv6's brackets, and the port.
    pub fn address(&self) -> (String, u16) {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        (host.into(), self.port)
    }
}

/// What a client may add to its request, and the limits it lives by.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The `Origin` header, which browsers send and other programs need not
    /// (§4.1, §10.2).
    pub origin: Option<String>,
    /// Subprotocols to offer in `Sec-WebSocket-Protocol`, preferred first.
    pub protocols: Vec<String>,
    /// Limits and timeouts: the handshake timeout, the message limits, the
    /// idle and close timeouts.
    pub config: Config,
}

/// Why there is no connection. Each handshake error names the header, what
/// §4.1 expects and what the server sent.
#[derive(Debug)]
pub enum ClientError {
    /// The URL cannot be used, and why.
    BadUrl(String, String),
    /// A `wss://` URL: TLS is not in wslab (chapter 10).
    SecureScheme,
    /// No TCP connection to this address.
    Connect(String, io::Error),
    /// The connection failed or timed out during the handshake.
    Io(io::Error),
    /// The server closed the connection before its answer was whole.
    ClosedDuringHandshake,
    /// The answer is not an HTTP response we can read; the text says where.
    Malformed(String),
    /// §4.1: "If the status code received from the server is not 101, the
    /// client handles the response per HTTP \[RFC2616\] procedures." We report
    /// the status line.
    NotSwitching(String),
    /// A header of the 101 is missing or has the wrong value.
    BadHeader {
        /// The header's name.
        name: &'static str,
        /// What §4.1 requires it to be.
        expected: String,
        /// What the server sent, `None` when it sent no such header.
        received: Option<String>,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::BadUrl(url, why) => write!(f, "cannot use the URL {url:?}: {why}"),
            ClientError::SecureScheme => write!(
                f,
                "wss:// needs TLS, and wslab has none: it keeps to four dependencies, \
                 and TLS lives in a reverse proxy (tutorial/10-going-live.md); \
                 connect to the server's ws:// address instead"
            ),
            ClientError::Connect(address, error) => {
                write!(f, "cannot connect to {address}: {error}")
            }
            ClientError::Io(error) => write!(f, "the handshake failed: {error}"),
            ClientError::ClosedDuringHandshake => {
                write!(f, "the server closed the connection before answering")
            }
            ClientError::Malformed(what) => write!(f, "malformed response: {what}"),
            ClientError::NotSwitching(status_line) => write!(
                f,
                "the server did not switch protocols; it answered {status_line:?}"
            ),
            ClientError::BadHeader {
                name,
                expected,
                received: Some(received),
            } => write!(f, "{name}: expected {expected}, received {received:?}"),
            ClientError::BadHeader {
                name,
                expected,
                received: None,
            } => write!(f, "{name}: expected {expected}, received no {name} header"),
        }
    }
}

impl std::error::Error for ClientError {}

// ANCHOR: key
/// A fresh `Sec-WebSocket-Key`. §4.1: "a randomly selected 16-byte value that
/// has been base64-encoded ... The nonce MUST be selected randomly for each
/// connection." std's hasher is keyed randomly for each `RandomState`, so
/// two hashes give 16 unguessable bytes without a dependency.
pub fn new_key() -> String {
    let seed = RandomState::new();
    let mut nonce = [0u8; 16];
    for (i, half) in nonce.chunks_mut(8).enumerate() {
        let mut hasher = seed.build_hasher();
        hasher.write_usize(i);
        half.copy_from_slice(&hasher.finish().to_ne_bytes());
    }
    BASE64.encode(nonce)
}
// ANCHOR_END: key

// ANCHOR: request
/// The upgrade request (§4.1): a GET of the resource with the five headers
/// every client sends, then `Origin` and `Sec-WebSocket-Protocol` if asked.
pub fn request(url: &Url, key: &str, options: &Options) -> String {
    let mut request = format!(
        "GET {} HTTP/1.1\r\n\
         Host: {}\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\n\
         Sec-WebSocket-Version: 13\r\n",
        url.resource,
        url.host_header()
    );
    if let Some(origin) = &options.origin {
        request.push_str(&format!("Origin: {origin}\r\n"));
    }
    if !options.protocols.is_empty() {
        let offered = options.protocols.join(", ");
        request.push_str(&format!("Sec-WebSocket-Protocol: {offered}\r\n"));
    }
    request.push_str("\r\n");
    request
}
// ANCHOR_END: request

/// The server's answer: its status line and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// For example `HTTP/1.1 101 Switching Protocols`.
    pub status_line: String,
    /// The status code from the status line.
    pub status: u16,
    /// Header lines in order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Response {
    /// Parses a head read by [`read_head`]: a status line, header lines, a blank line.
    pub fn parse(head: &[u8]) -> Result<Response, ClientError> {
        let malformed = |what: &str| ClientError::Malformed(what.into());
        if find_head_end(head) != Some(head.len()) {
            return Err(malformed("the head does not end with a blank line"));
        }
        let head =
            std::str::from_utf8(head).map_err(|_| malformed("the head is not valid UTF-8"))?;
        let mut lines = head.lines().take_while(|line| !line.is_empty());
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
            return Err(malformed(&format!("bad status line {status_line:?}")));
        };
        let status = match code.parse() {
            Ok(status) if version.starts_with("HTTP/") && code.len() == 3 => status,
            _ => return Err(malformed(&format!("bad status line {status_line:?}"))),
        };
        let headers = lines
            .map(|line| parse_header_line(line).map_err(|r| ClientError::Malformed(r.to_string())))
            .collect::<Result<_, _>>()?;
        Ok(Response {
            status_line: status_line.into(),
            status,
            headers,
        })
    }

    /// Every value of the header `name`, compared case-insensitively.
    fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The values of the header `name` joined as one list, `None` when absent.
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self.header_values(name).collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

// ANCHOR: check_response
/// Checks the server's answer to our request with `key`, in §4.1's order, and
/// returns the subprotocol it chose, if any. The first rule broken is the error.
pub fn check_response(
    response: &Response,
    key: &str,
    options: &Options,
) -> Result<Option<String>, ClientError> {
    let bad = |name, expected: &str, received: Option<String>| ClientError::BadHeader {
        name,
        expected: expected.into(),
        received,
    };
    // 1. "If the status code received from the server is not 101, the client
    //    handles the response per HTTP [RFC2616] procedures."
    if response.status != 101 {
        return Err(ClientError::NotSwitching(response.status_line.clone()));
    }
    // 2. "If the response lacks an |Upgrade| header field or the |Upgrade|
    //    header field contains a value that is not an ASCII case-insensitive
    //    match for the value "websocket", the client MUST _Fail the WebSocket
    //    Connection_."
    let upgrade = response.header("Upgrade");
    if !upgrade
        .as_deref()
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
    {
        return Err(bad("Upgrade", "\"websocket\"", upgrade));
    }
    // 3. "If the response lacks a |Connection| header field or the
    //    |Connection| header field doesn't contain a token that is an ASCII
    //    case-insensitive match for the value "Upgrade", the client MUST
    //    _Fail the WebSocket Connection_."
    let connection = response.header("Connection");
    let has_upgrade = |value: &str| {
        value
            .split(',')
            .any(|token| token.trim().eq_ignore_ascii_case("Upgrade"))
    };
    if !connection.as_deref().is_some_and(has_upgrade) {
        return Err(bad("Connection", "a list with \"Upgrade\"", connection));
    }
    // 4. "If the response lacks a |Sec-WebSocket-Accept| header field or the
    //    |Sec-WebSocket-Accept| contains a value other than the base64-encoded
    //    SHA-1 of the concatenation of the |Sec-WebSocket-Key| (as a string,
    //    not base64-decoded) with the string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    //    but ignoring any leading and trailing whitespace, the client MUST
    //    _Fail the WebSocket Connection_."
    let expected = accept_key(key);
    let accept = response.header("Sec-WebSocket-Accept");
    if accept.as_deref() != Some(expected.as_str()) {
        return Err(bad(
            "Sec-WebSocket-Accept",
            &format!("{expected:?}"),
            accept,
        ));
    }
    // 5. "If the response includes a |Sec-WebSocket-Extensions| header field
    //    and this header field indicates the use of an extension that was not
    //    present in the client's handshake ..., the client MUST _Fail the
    //    WebSocket Connection_." We offer none.
    if let Some(extensions) = response.header("Sec-WebSocket-Extensions") {
        return Err(bad(
            "Sec-WebSocket-Extensions",
            "none: we offered no extension",
            Some(extensions),
        ));
    }
    // 6. "If the response includes a |Sec-WebSocket-Protocol| header field and
    //    this header field indicates the use of a subprotocol that was not
    //    present in the client's handshake ..., the client MUST _Fail the
    //    WebSocket Connection_."
    let protocol = response.header("Sec-WebSocket-Protocol");
    if let Some(chosen) = &protocol {
        if !options.protocols.iter().any(|offered| offered == chosen) {
            let expected = match options.protocols.is_empty() {
                true => "none: we offered no subprotocol".to_string(),
                false => format!("one of {:?}", options.protocols),
            };
            return Err(bad("Sec-WebSocket-Protocol", &expected, protocol));
        }
    }
    Ok(protocol)
}
// ANCHOR_END: check_response

// ANCHOR: connect
/// Opens a WebSocket connection to a `ws://` URL: TCP, the handshake, and a
/// [`Connection`] in the client role.
pub fn connect(url: &str, options: &Options) -> Result<Connection, ClientError> {
    let url = Url::parse(url)?;
    let (host, port) = url.address();
    let mut stream = TcpStream::connect((host.as_str(), port))
        .map_err(|error| ClientError::Connect(format!("{host}:{port}"), error))?;
    let (protocol, leftover) = handshake(&mut stream, &url, options)?;
    let peer = Peer::from(stream.peer_addr().map_err(ClientError::Io)?);
    match protocol {
        Some(protocol) => log::info!("{peer}: connected, subprotocol {protocol}"),
        None => log::info!("{peer}: connected"),
    }
    Connection::new(stream, peer, Role::Client, &leftover, &options.config).map_err(ClientError::Io)
}

/// Sends the request and checks the answer, within the handshake timeout.
/// Returns the chosen subprotocol, and what came after the response's head:
/// possibly the server's first frames.
pub fn handshake(
    stream: &mut TcpStream,
    url: &Url,
    options: &Options,
) -> Result<(Option<String>, Vec<u8>), ClientError> {
    let key = new_key();
    stream
        .set_read_timeout(Some(options.config.handshake_timeout))
        .map_err(ClientError::Io)?;
    stream
        .write_all(request(url, &key, options).as_bytes())
        .map_err(ClientError::Io)?;
    let (head, leftover) =
        read_head(stream, options.config.max_head).map_err(|error| match error {
            ReadHeadError::Closed(_) => ClientError::ClosedDuringHandshake,
            ReadHeadError::TooLarge => ClientError::Malformed(format!(
                "the head is longer than {} bytes",
                options.config.max_head
            )),
            ReadHeadError::Io(error, _) => ClientError::Io(error),
        })?;
    let response = Response::parse(&head)?;
    let protocol = check_response(&response, &key, options)?;
    Ok((protocol, leftover))
}
// ANCHOR_END: connect

#[cfg(test)]
mod tests {
    use super::*;

    /// §1.3's example key and the answer a server gives to it.
    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    const RFC_RESPONSE: &str = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
        Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    fn check(response: &str, options: &Options) -> Result<Option<String>, ClientError> {
        check_response(&Response::parse(response.as_bytes())?, KEY, options)
    }

    fn error(response: &str) -> String {
        check(response, &Options::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn urls() {
        let url = Url::parse("ws://127.0.0.1:8080/echo").unwrap();
        assert_eq!(url.address(), ("127.0.0.1".into(), 8080));
        assert_eq!(url.host_header(), "127.0.0.1:8080");
        assert_eq!(url.resource, "/echo");
        let url = Url::parse("WS://example.com?room=1").unwrap();
        assert_eq!((url.port, url.resource.as_str()), (80, "/?room=1"));
        assert_eq!(url.host_header(), "example.com");
        let url = Url::parse("ws://[::1]:9001/runCase?case=1&agent=wslab").unwrap();
        assert_eq!(url.address(), ("::1".into(), 9001));
        assert_eq!(url.host_header(), "[::1]:9001");
        assert_eq!(url.resource, "/runCase?case=1&agent=wslab");
        assert_eq!(Url::parse("ws://[::1]").unwrap().port, 80);
        for bad in [
            "http://x/",
            "ws:///echo",
            "ws://x:port/",
            "ws://x/#top",
            "x",
        ] {
            assert!(
                matches!(Url::parse(bad), Err(ClientError::BadUrl(..))),
                "{bad}"
            );
        }
        let wss = Url::parse("wss://example.com/").unwrap_err().to_string();
        assert!(wss.contains("tutorial/10-going-live.md"), "{wss}");
    }

    #[test]
    fn keys_are_base64_of_16_fresh_bytes() {
        let (a, b) = (new_key(), new_key());
        assert_eq!(BASE64.decode(&a).unwrap().len(), 16);
        assert_ne!(a, b);
    }

    #[test]
    fn the_request_has_the_headers_of_section_4_1() {
        let url = Url::parse("ws://server.example.com/chat").unwrap();
        let options = Options {
            origin: Some("http://example.com".into()),
            protocols: vec!["chat".into(), "superchat".into()],
            ..Options::default()
        };
        // What the server's own parser and §4.2.1 checks make of it.
        let request = request(&url, KEY, &options);
        let parsed = crate::handshake::Request::parse(request.as_bytes(), 64).unwrap();
        assert_eq!(
            crate::handshake::validate(&parsed).unwrap(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        assert_eq!(parsed.target, "/chat");
        assert_eq!(parsed.header("Host").unwrap(), Some("server.example.com"));
        assert_eq!(parsed.header("Origin").unwrap(), Some("http://example.com"));
        assert_eq!(
            parsed.header("Sec-WebSocket-Protocol").unwrap(),
            Some("chat, superchat")
        );
        let plain = super::request(&url, KEY, &Options::default());
        assert!(!plain.contains("Origin") && !plain.contains("Protocol"));
    }

    #[test]
    fn the_rfc_answer_is_accepted() {
        assert_eq!(check(RFC_RESPONSE, &Options::default()).unwrap(), None);
        // Names are case-insensitive, values too where §4.1 says so; a bare
        // LF ends lines as it does for the server.
        let relaxed = "HTTP/1.1 101 OK\nupgrade: WebSocket\nconnection: keep-alive, upgrade\n\
            sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n\n";
        assert_eq!(check(relaxed, &Options::default()).unwrap(), None);
    }

    #[test]
    fn each_broken_rule_names_the_header_and_both_values() {
        let wrong_accept = RFC_RESPONSE.replace("s3pP", "AAAA");
        assert_eq!(
            error(&wrong_accept),
            "Sec-WebSocket-Accept: expected \"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\", \
             received \"AAAALMBiTxaQ9kYGzzhZRbK+xOo=\""
        );
        let no_upgrade = RFC_RESPONSE.replace("Upgrade: websocket\r\n", "");
        assert_eq!(
            error(&no_upgrade),
            "Upgrade: expected \"websocket\", received no Upgrade header"
        );
        let connection = RFC_RESPONSE.replace("Connection: Upgrade", "Connection: close");
        assert_eq!(
            error(&connection),
            "Connection: expected a list with \"Upgrade\", received \"close\""
        );
        let extension = RFC_RESPONSE.replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: x\r\n\r\n");
        assert!(error(&extension).starts_with("Sec-WebSocket-Extensions: expected none"));
        let chosen = RFC_RESPONSE.replace("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat\r\n\r\n");
        assert!(error(&chosen).starts_with("Sec-WebSocket-Protocol: expected none"));
        let offered = Options {
            protocols: vec!["chat".into()],
            ..Options::default()
        };
        assert_eq!(check(&chosen, &offered).unwrap().as_deref(), Some("chat"));
    }

    #[test]
    fn a_status_other_than_101_is_reported_with_its_status_line() {
        let not_found = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(
            error(not_found),
            "the server did not switch protocols; it answered \"HTTP/1.1 404 Not Found\""
        );
        assert!(matches!(
            check("SSH-2.0-OpenSSH\r\n\r\n", &Options::default()),
            Err(ClientError::Malformed(_))
        ));
    }
}
