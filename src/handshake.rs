//! Chapter 4: the opening handshake (RFC 6455 §4.2), written out by hand.
//!
//! The client's request is plain HTTP/1.1. We read its head (everything up to
//! the blank line) within a size limit, parse the request line and headers,
//! check what §4.2.1 requires, and answer `101 Switching Protocols` with the
//! accept key, or an HTTP error that names the problem.
//! See `tutorial/04-the-opening-handshake.md#the-request`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha1::{Digest, Sha1};
use std::fmt;
use std::io::{self, Read};

/// §1.3: the GUID every server appends to the client's key.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// ANCHOR: accept_key
/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: §4.2.2, the base64 of the
/// SHA-1 of the key followed by the GUID.
pub fn accept_key(key: &str) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(key.as_bytes());
    sha1.update(GUID.as_bytes());
    BASE64.encode(sha1.finalize())
}
// ANCHOR_END: accept_key

/// Why a request does not get `101 Switching Protocols`. Each becomes one HTTP
/// status, in [`Rejection::status`], and a one-line body naming the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The head did not end within the size limit.
    HeadTooLarge(usize),
    /// More header lines than the limit.
    TooManyHeaders(usize),
    /// The head did not arrive whole before the handshake timeout.
    Timeout,
    /// The request is not well-formed HTTP/1.1; the text says where.
    Malformed(String),
    /// §4.2.1: "An HTTP/1.1 or higher GET request".
    MethodNotAllowed(String),
    /// §4.2.1, again: HTTP/1.0 and older have no `Upgrade`.
    HttpVersion(String),
    /// No route for this path.
    NotFound(String),
    /// A required header is missing, repeated, or has the wrong value.
    BadHeader(&'static str, String),
    /// §4.2.2: "If this version does not match a version understood by the
    /// server, the server MUST abort the WebSocket handshake ... and instead
    /// send an appropriate HTTP error code (such as 426 Upgrade Required) and
    /// a |Sec-WebSocket-Version| header field indicating the version(s) the
    /// server is capable of understanding."
    UnsupportedVersion(String),
    /// §10.2: the `Origin` is not on the allow-list.
    ForbiddenOrigin(String),
    /// The server is at its connection limit.
    ServiceUnavailable,
}

impl Rejection {
    /// The HTTP status code and reason phrase.
    pub fn status(&self) -> (u16, &'static str) {
        match self {
            Rejection::Malformed(_) | Rejection::HttpVersion(_) | Rejection::BadHeader(..) => {
                (400, "Bad Request")
            }
            Rejection::ForbiddenOrigin(_) => (403, "Forbidden"),
            Rejection::NotFound(_) => (404, "Not Found"),
            Rejection::MethodNotAllowed(_) => (405, "Method Not Allowed"),
            Rejection::Timeout => (408, "Request Timeout"),
            Rejection::UnsupportedVersion(_) => (426, "Upgrade Required"),
            Rejection::HeadTooLarge(_) | Rejection::TooManyHeaders(_) => {
                (431, "Request Header Fields Too Large")
            }
            Rejection::ServiceUnavailable => (503, "Service Unavailable"),
        }
    }

    /// The whole HTTP response: status line, headers, and the problem as text.
    pub fn response(&self) -> Vec<u8> {
        let (code, reason) = self.status();
        let extra = match self {
            Rejection::MethodNotAllowed(_) => "Allow: GET\r\n",
            Rejection::UnsupportedVersion(_) => {
                "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            }
            Rejection::ServiceUnavailable => "Retry-After: 5\r\n",
            _ => "",
        };
        let body = format!("{code} {reason}: {self}\n");
        format!(
            "HTTP/1.1 {code} {reason}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::HeadTooLarge(max) => write!(f, "request head longer than {max} bytes"),
            Rejection::TooManyHeaders(max) => write!(f, "more than {max} header lines"),
            Rejection::Timeout => write!(f, "the request head did not arrive in time"),
            Rejection::Malformed(what) => write!(f, "malformed request: {what}"),
            Rejection::MethodNotAllowed(method) => {
                write!(
                    f,
                    "method {method} not allowed; a WebSocket handshake is a GET"
                )
            }
            Rejection::HttpVersion(version) => {
                write!(
                    f,
                    "{version} cannot upgrade; a WebSocket handshake needs HTTP/1.1"
                )
            }
            Rejection::NotFound(path) => write!(f, "no such path: {path}"),
            Rejection::BadHeader(name, problem) => write!(f, "{name}: {problem}"),
            Rejection::UnsupportedVersion(version) => {
                write!(
                    f,
                    "Sec-WebSocket-Version {version:?} is not supported; this server speaks 13"
                )
            }
            Rejection::ForbiddenOrigin(origin) => write!(f, "origin {origin} is not allowed"),
            Rejection::ServiceUnavailable => write!(f, "too many connections; try again later"),
        }
    }
}

// ANCHOR: read_head
/// Reads the request head: every byte up to and including the blank line that
/// ends it. One read is not one request: the head may come a byte at a time,
/// and the client's first frame may come in the same read, so whatever follows
/// the head is returned too, to be handed to the frame parser.
pub fn read_head(reader: &mut impl Read, max: usize) -> Result<(Vec<u8>, Vec<u8>), ReadHeadError> {
    let mut buf = vec![0u8; max];
    let mut filled = 0;
    loop {
        let n = match reader.read(&mut buf[filled..]) {
            Ok(0) => return Err(ReadHeadError::Closed(filled)),
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(ReadHeadError::Io(error, filled)),
        };
        // The blank line may straddle two reads: look 2 bytes back.
        let from = filled.saturating_sub(2);
        filled += n;
        if let Some(end) = find_head_end(&buf[from..filled]) {
            let end = from + end;
            let leftover = buf[end..filled].to_vec();
            buf.truncate(end);
            return Ok((buf, leftover));
        }
        if filled == max {
            return Err(ReadHeadError::TooLarge);
        }
    }
}
// ANCHOR_END: read_head

/// Why no head could be read.
#[derive(Debug)]
pub enum ReadHeadError {
    /// The peer closed the connection after sending this many bytes.
    Closed(usize),
    /// No blank line within the limit.
    TooLarge,
    /// The socket failed, or a read timed out, after this many bytes.
    Io(io::Error, usize),
}

// ANCHOR: find_head_end
/// The index just past the first blank line, if any. RFC 9112 §2.2: "a
/// recipient MAY recognize a single LF as a line terminator and ignore any
/// preceding CR", so the head ends with a line's LF followed by `\n` or `\r\n`:
/// `\r\n\r\n` as the RFC writes it, but also `\n\n` from `nc`, or a mix.
pub fn find_head_end(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len()).find_map(|i| match bytes[i..] {
        [b'\n', b'\n', ..] => Some(i + 2),
        [b'\n', b'\r', b'\n', ..] => Some(i + 3),
        _ => None,
    })
}
// ANCHOR_END: find_head_end

/// A parsed HTTP request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent, for example `/chat?room=1`.
    pub target: String,
    /// For example `HTTP/1.1`.
    pub version: String,
    /// Header lines in order, names as sent; look them up with [`Request::header`].
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// Parses a head read by [`read_head`]: a request line, header lines, a blank line.
    pub fn parse(head: &[u8], max_headers: usize) -> Result<Request, Rejection> {
        if find_head_end(head) != Some(head.len()) {
            return Err(Rejection::Malformed(
                "the head does not end with a blank line".into(),
            ));
        }
        let head = std::str::from_utf8(head)
            .map_err(|_| Rejection::Malformed("the head is not valid UTF-8".into()))?;
        // ANCHOR: parse_request
        // `lines` ends a line at LF and drops one CR before it (RFC 9112 §2.2),
        // so a CR that is left is a bare CR, which that section makes invalid.
        if head.lines().any(|line| line.contains('\r')) {
            return Err(Rejection::Malformed(
                "bare CR; a line ends with CRLF or LF".into(),
            ));
        }
        let mut lines = head.lines().take_while(|line| !line.is_empty());
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let (Some(method), Some(target), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Rejection::Malformed(format!(
                "bad request line {request_line:?}"
            )));
        };
        if method.is_empty() || !method.bytes().all(is_tchar) {
            return Err(Rejection::Malformed(format!("bad method {method:?}")));
        }
        if !target.starts_with('/') {
            return Err(Rejection::Malformed(format!(
                "bad request target {target:?}"
            )));
        }
        let mut headers = Vec::new();
        for line in lines {
            if headers.len() == max_headers {
                return Err(Rejection::TooManyHeaders(max_headers));
            }
            headers.push(parse_header_line(line)?);
        }
        // ANCHOR_END: parse_request
        Ok(Request {
            method: method.into(),
            target: target.into(),
            version: version.into(),
            headers,
        })
    }

    /// The path part of the target, without `?query`.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// Every value of the header `name`, compared case-insensitively.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The single value of the header `name`: `Ok(None)` when absent, an error when repeated.
    pub fn header(&self, name: &'static str) -> Result<Option<&str>, Rejection> {
        let mut values = self.header_values(name);
        match (values.next(), values.next()) {
            (first, None) => Ok(first),
            _ => Err(Rejection::BadHeader(name, "sent more than once".into())),
        }
    }

    /// Whether any value of the comma-separated header `name` has `token`,
    /// compared case-insensitively: `Connection: keep-alive, Upgrade` has `upgrade`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.header_values(name)
            .flat_map(|value| value.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// Whether the client asks to upgrade at all (an `Upgrade` header is present).
    pub fn wants_upgrade(&self) -> bool {
        self.header_values("Upgrade").next().is_some()
    }
}

// ANCHOR: header_line
/// `name: value`. RFC 9112 §5.1: no whitespace between the name and the
/// colon, and no obsolete line folding; the value is trimmed of spaces and tabs.
pub(crate) fn parse_header_line(line: &str) -> Result<(String, String), Rejection> {
    if line.starts_with([' ', '\t']) {
        return Err(Rejection::Malformed("obsolete line folding".into()));
    }
    let Some((name, value)) = line.split_once(':') else {
        return Err(Rejection::Malformed(format!(
            "header line without a colon: {line:?}"
        )));
    };
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(Rejection::Malformed(format!("bad header name {name:?}")));
    }
    Ok((name.into(), value.trim_matches([' ', '\t']).into()))
}
// ANCHOR_END: header_line

/// RFC 9110 §5.6.2: the characters of a token.
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

// ANCHOR: validate
/// Checks what §4.2.1 requires of an upgrade request and returns the
/// `Sec-WebSocket-Accept` value to answer with.
pub fn validate(request: &Request) -> Result<String, Rejection> {
    // 1. "An HTTP/1.1 or higher GET request"
    check_request_line(request)?;
    // 2. "A |Host| header field"
    if request.header("Host")?.is_none_or(str::is_empty) {
        return Err(Rejection::BadHeader("Host", "missing".into()));
    }
    // 3. "An |Upgrade| header field containing the value "websocket""
    if !request.has_token("Upgrade", "websocket") {
        return Err(Rejection::BadHeader(
            "Upgrade",
            "must include websocket".into(),
        ));
    }
    // 4. "A |Connection| header field that includes the token "Upgrade""
    if !request.has_token("Connection", "Upgrade") {
        return Err(Rejection::BadHeader(
            "Connection",
            "must include Upgrade".into(),
        ));
    }
    // 5. "A |Sec-WebSocket-Key| header field with a base64-encoded value
    //    that, when decoded, is 16 bytes in length."
    let key = request
        .header("Sec-WebSocket-Key")?
        .ok_or_else(|| Rejection::BadHeader("Sec-WebSocket-Key", "missing".into()))?;
    if BASE64.decode(key).map(|nonce| nonce.len()) != Ok(16) {
        return Err(Rejection::BadHeader(
            "Sec-WebSocket-Key",
            "must be base64 of 16 bytes".into(),
        ));
    }
    // 6. "A |Sec-WebSocket-Version| header field, with a value of 13."
    match request.header("Sec-WebSocket-Version")? {
        Some("13") => {}
        Some(other) => return Err(Rejection::UnsupportedVersion(other.into())),
        None => return Err(Rejection::UnsupportedVersion(String::new())),
    }
    Ok(accept_key(key))
}
// ANCHOR_END: validate

/// §4.2.1's rule for the request line, "An HTTP/1.1 or higher GET request":
/// a method other than GET is a 405, a version before HTTP/1.1 a 400. The
/// server checks it before it looks at the path, so that `POST /nowhere` is
/// a 405 rather than a 404, and [`validate`] checks it as its first point.
pub fn check_request_line(request: &Request) -> Result<(), Rejection> {
    if request.method != "GET" {
        return Err(Rejection::MethodNotAllowed(request.method.clone()));
    }
    check_http_version(&request.version)
}

/// `HTTP/1.1` or a later 1.x; HTTP/1.0 and 0.9 cannot upgrade.
fn check_http_version(version: &str) -> Result<(), Rejection> {
    let malformed = || Rejection::Malformed(format!("bad HTTP version {version:?}"));
    let numbers = version.strip_prefix("HTTP/").ok_or_else(malformed)?;
    let (major, minor) = numbers.split_once('.').ok_or_else(malformed)?;
    let digit = |s: &str| s.len() == 1 && s.as_bytes()[0].is_ascii_digit();
    if !digit(major) || !digit(minor) {
        return Err(malformed());
    }
    if (major, minor) < ("1", "1") {
        return Err(Rejection::HttpVersion(version.into()));
    }
    Ok(())
}

/// §10.2: when `allowed` is not empty, a browser's `Origin` must be in it.
/// Clients that send no `Origin` (non-browsers) pass: the check protects
/// browser users from other sites, not the server from other programs.
pub fn check_origin(request: &Request, allowed: &[String]) -> Result<(), Rejection> {
    match request.header("Origin")? {
        Some(origin)
            if !allowed.is_empty() && !allowed.iter().any(|a| a.eq_ignore_ascii_case(origin)) =>
        {
            Err(Rejection::ForbiddenOrigin(origin.into()))
        }
        _ => Ok(()),
    }
}

// ANCHOR: switching_protocols
/// The 101 response. No subprotocol and no extension is selected: a client
/// that offered some learns, by their absence, that none was accepted (§4.2.2).
pub fn switching_protocols(accept: &str) -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    )
}
// ANCHOR_END: switching_protocols

/// A `200 OK` carrying an HTML page: plain HTTP, not part of any handshake,
/// for a `GET` that asks for no upgrade (chapter 7's chat page).
pub fn page_response(html: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n{html}",
        html.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\n\
        Upgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n\
        Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";

    #[test]
    fn rfc_accept_key() {
        // §1.3 and §4.2.2
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn rfc_request_is_accepted() {
        let request = Request::parse(RFC_REQUEST, 64).unwrap();
        assert_eq!(request.path(), "/chat");
        assert_eq!(validate(&request).unwrap(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        let response = switching_protocols("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert!(!response.contains("Sec-WebSocket-Protocol"));
    }

    #[test]
    fn read_head_keeps_what_follows() {
        let mut input = RFC_REQUEST.to_vec();
        input.extend_from_slice(b"\x81\x80abcd");
        let (head, leftover) = read_head(&mut &input[..], 8192).unwrap();
        assert_eq!(head, RFC_REQUEST);
        assert_eq!(leftover, b"\x81\x80abcd");
        assert!(matches!(
            read_head(&mut &RFC_REQUEST[..20], 8192),
            Err(ReadHeadError::Closed(20))
        ));
        assert!(matches!(
            read_head(&mut &RFC_REQUEST[..], 100),
            Err(ReadHeadError::TooLarge)
        ));
    }

    /// The RFC's request with every line end replaced by `eol`, and `blank`
    /// as the blank line.
    fn with_line_ends(eol: &str, blank: &str) -> Vec<u8> {
        let text = std::str::from_utf8(RFC_REQUEST).unwrap();
        let lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
        format!("{}{eol}{blank}", lines.join(eol)).into_bytes()
    }

    /// Gives `bytes[..split]` in the first read and the rest in the second.
    struct TwoReads<'a>(&'a [u8], usize);

    impl Read for TwoReads<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(self.0.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            self.1 = usize::MAX;
            Ok(n)
        }
    }

    #[test]
    fn a_bare_lf_ends_lines_and_the_head_at_every_split_point() {
        // RFC 9112 §2.2: a single LF ends a line; a CR before it is ignored.
        for (eol, blank) in [
            ("\r\n", "\r\n"),
            ("\n", "\n"),
            ("\r\n", "\n"),
            ("\n", "\r\n"),
        ] {
            let head = with_line_ends(eol, blank);
            let mut input = head.clone();
            input.extend_from_slice(b"\x81\x80abcd");
            for split in 1..=input.len() {
                let (read, leftover) = read_head(&mut TwoReads(&input, split), 8192).unwrap();
                assert_eq!(read, head, "{eol:?} {blank:?} split at {split}");
                let rest = &input[head.len()..];
                let expected = if split >= head.len() {
                    &input[head.len()..split]
                } else {
                    rest
                };
                assert_eq!(leftover, expected, "{eol:?} {blank:?} split at {split}");
            }
            let request = Request::parse(&head, 64).unwrap();
            assert_eq!(request, Request::parse(RFC_REQUEST, 64).unwrap());
        }
    }

    #[test]
    fn a_bare_cr_is_malformed() {
        // RFC 9112 §2.2: "A recipient of such a bare CR MUST consider that
        // element to be invalid or replace each bare CR with SP".
        for head in [
            &b"GET / HTTP/1.1\rHost: x\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\n\r\r\n\n",
        ] {
            let (read, _) = read_head(&mut &head[..], 8192).unwrap();
            let rejection = Request::parse(&read, 64).unwrap_err();
            assert_eq!(rejection.status().0, 400, "{head:?}");
            assert!(rejection.to_string().contains("bare CR"), "{rejection}");
        }
        // A CR then a line that goes on is no blank line: the head has not ended.
        assert!(matches!(
            read_head(&mut &b"GET / HTTP/1.1\r\n\rHost: x"[..], 8192),
            Err(ReadHeadError::Closed(_))
        ));
    }

    #[test]
    fn the_request_line_must_be_get_and_http_1_1_or_later() {
        let check = |line: &str| {
            let request = Request::parse(format!("{line}\r\n\r\n").as_bytes(), 64).unwrap();
            check_request_line(&request).map_err(|rejection| rejection.status().0)
        };
        assert_eq!(check("GET /chat HTTP/1.1"), Ok(()));
        assert_eq!(check("GET /chat HTTP/1.2"), Ok(()));
        assert_eq!(check("POST /chat HTTP/1.1"), Err(405));
        assert_eq!(check("GET /chat HTTP/1.0"), Err(400));
        assert_eq!(check("GET /chat HTTP/one"), Err(400));
    }

    #[test]
    fn statuses() {
        let cases: &[(&str, u16)] = &[
            ("POST / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
            ("GET / HTTP/1.0\r\nHost: x\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\n\r\n", 400),
        ];
        for (head, status) in cases {
            let request = Request::parse(head.as_bytes(), 64).unwrap();
            assert_eq!(
                validate(&request).unwrap_err().status().0,
                *status,
                "{head}"
            );
        }
        let response =
            String::from_utf8(Rejection::UnsupportedVersion("8".into()).response()).unwrap();
        assert!(response.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(response.contains("\r\nSec-WebSocket-Version: 13\r\n"));
    }
}
