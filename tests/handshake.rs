//! Proves every "Opening handshake" line of the protocol checklist (RFC 6455
//! §4.2, §10.2) over real loopback sockets against an in-process server, with
//! the exact HTTP status line each request must get, plus the request parser's
//! answers to malformed heads.

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;
use support::*;
use wslab::config::Config;
use wslab::handshake::{Rejection, Request};

/// An upgrade request for `/echo` with the RFC's key, after `edit` has changed
/// its header lines.
fn upgrade_with(edit: impl FnOnce(&mut Vec<String>)) -> Vec<u8> {
    upgrade_to_with("GET /echo HTTP/1.1", edit)
}

fn upgrade_to_with(request_line: &str, edit: impl FnOnce(&mut Vec<String>)) -> Vec<u8> {
    let mut headers = upgrade_headers(KEY);
    edit(&mut headers);
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    request(request_line, &headers).into_bytes()
}

/// Replaces the header line that starts with `name:` by `line`.
fn replace(headers: &mut [String], name: &str, line: &str) {
    let slot = headers
        .iter_mut()
        .find(|h| h.starts_with(&format!("{name}:")))
        .expect("a header to replace");
    *slot = line.into();
}

/// Removes the header line that starts with `name:`.
fn remove(headers: &mut Vec<String>, name: &str) {
    headers.retain(|h| !h.starts_with(&format!("{name}:")));
}

/// Sends `head` and asserts a 101 for the RFC's key, then that the connection
/// is a working WebSocket: one message comes back.
fn assert_upgrades(addr: std::net::SocketAddr, head: &[u8]) {
    let mut stream = connect(addr);
    stream.write_all(head).unwrap();
    let response = read_response_head(&mut stream);
    assert_switching(&response, KEY);
    assert_echoes(&mut stream, TEXT, b"upgraded");
}

// §4.2.1: reading the client's opening handshake ----------------------------

#[test]
fn request_sent_one_byte_at_a_time_gets_101_with_the_accept_key() {
    let server = serve(Config::default());
    let mut stream = connect(server.addr());
    for byte in upgrade_request("/echo").as_bytes() {
        stream.write_all(&[*byte]).unwrap();
        thread::sleep(Duration::from_millis(1));
    }
    let response = read_response_head(&mut stream);
    assert_switching(&response, KEY);
    assert_eq!(response.header("Sec-WebSocket-Accept"), Some(ACCEPT));
    assert_echoes(&mut stream, TEXT, b"after a slow handshake");
}

#[test]
fn request_and_first_frame_in_one_write_keep_the_frame() {
    let server = serve(Config::default());
    let mut stream = connect(server.addr());
    let mut bytes = upgrade_request("/echo").into_bytes();
    bytes.extend(client_frame(FIN | TEXT, b"first"));
    bytes.extend(client_frame(FIN | BINARY, b"second"));
    stream.write_all(&bytes).unwrap();
    assert_switching(&read_response_head(&mut stream), KEY);
    let first = read_frame(&mut stream);
    assert_eq!((first.opcode, &first.payload[..]), (TEXT, &b"first"[..]));
    let second = read_frame(&mut stream);
    assert_eq!(
        (second.opcode, &second.payload[..]),
        (BINARY, &b"second"[..])
    );
}

#[test]
fn lines_ended_by_a_bare_lf_as_nc_sends_them_get_101_and_keep_the_frame() {
    // RFC 9112 §2.2: "a recipient MAY recognize a single LF as a line
    // terminator and ignore any preceding CR". `nc` sends LF alone.
    let server = serve(Config::default());
    let crlf = upgrade_request("/echo");
    let lf = crlf.replace("\r\n", "\n");
    let mixed = crlf.replacen("\r\n", "\n", 2);
    let crlf_then_lf = crlf.replace("\r\n\r\n", "\r\n\n");
    for head in [lf, mixed, crlf_then_lf] {
        let mut stream = connect(server.addr());
        let mut bytes = head.clone().into_bytes();
        bytes.extend(client_frame(FIN | TEXT, b"right behind the head"));
        stream.write_all(&bytes).unwrap();
        assert_switching(&read_response_head(&mut stream), KEY);
        let frame = read_frame(&mut stream);
        assert_eq!(
            (frame.opcode, &frame.payload[..]),
            (TEXT, &b"right behind the head"[..]),
            "{head:?}"
        );
    }
}

#[test]
fn a_bare_cr_in_the_head_gets_400() {
    // RFC 9112 §2.2: a bare CR makes its element invalid.
    let server = serve(Config::default());
    let head = upgrade_request("/echo").replacen("\r\n", "\r", 1);
    assert_request_rejected(
        server.addr(),
        head.as_bytes(),
        "HTTP/1.1 400 Bad Request",
        "bare CR",
    );
}

#[test]
fn firefox_connection_token_list_gets_101() {
    let server = serve(Config::default());
    let head = upgrade_with(|h| replace(h, "Connection", "Connection: keep-alive, Upgrade"));
    assert_upgrades(server.addr(), &head);
}

#[test]
fn tokens_compare_case_insensitively() {
    let server = serve(Config::default());
    let head = upgrade_with(|h| {
        replace(h, "Upgrade", "Upgrade: WebSocket");
        replace(h, "Connection", "Connection: UPGRADE");
    });
    assert_upgrades(server.addr(), &head);
}

#[test]
fn lower_case_header_names_get_101() {
    let server = serve(Config::default());
    let head = upgrade_with(|h| {
        for line in h.iter_mut() {
            let (name, value) = line.split_once(':').unwrap();
            *line = format!("{}:{value}", name.to_ascii_lowercase());
        }
    });
    assert!(String::from_utf8_lossy(&head).contains("\r\nsec-websocket-key: "));
    assert_upgrades(server.addr(), &head);
}

#[test]
fn key_with_extra_spaces_is_trimmed() {
    let server = serve(Config::default());
    let head = upgrade_with(|h| {
        replace(
            h,
            "Sec-WebSocket-Key",
            &format!("Sec-WebSocket-Key:   {KEY} \t "),
        )
    });
    // The accept value must be computed from the trimmed key.
    assert_upgrades(server.addr(), &head);
}

#[test]
fn key_that_is_not_base64_of_16_bytes_gets_400() {
    let server = serve(Config::default());
    for key in [
        "",                             // empty
        "AAAA",                         // 3 bytes
        "AQIDBAUGBwgJCgsMDQ4PEBE=",     // 17 bytes
        "dGhlIHNhbXBsZSBub25jZQ",       // 16 bytes, but the padding is missing
        "!!!!not base64 at all!!!",     // not base64
        "dGhlIHNhbXBsZSBub25jZQ==,abc", // a list
    ] {
        let head =
            upgrade_with(|h| replace(h, "Sec-WebSocket-Key", &format!("Sec-WebSocket-Key: {key}")));
        assert_request_rejected(
            server.addr(),
            &head,
            "HTTP/1.1 400 Bad Request",
            "Sec-WebSocket-Key",
        );
    }
}

#[test]
fn missing_upgrade_connection_key_or_host_gets_400() {
    let server = serve(Config::default());
    for name in ["Upgrade", "Connection", "Sec-WebSocket-Key", "Host"] {
        let head = upgrade_with(|h| remove(h, name));
        assert_request_rejected(server.addr(), &head, "HTTP/1.1 400 Bad Request", name);
    }
}

#[test]
fn wrong_upgrade_or_connection_token_gets_400() {
    let server = serve(Config::default());
    let cases = [
        ("Upgrade", "Upgrade: h2c"),
        ("Connection", "Connection: keep-alive"),
        ("Host", "Host:"),
    ];
    for (name, line) in cases {
        let head = upgrade_with(|h| replace(h, name, line));
        assert_request_rejected(server.addr(), &head, "HTTP/1.1 400 Bad Request", name);
    }
}

#[test]
fn http_1_0_gets_400() {
    let server = serve(Config::default());
    let head = upgrade_to_with("GET /echo HTTP/1.0", |_| {});
    assert_request_rejected(server.addr(), &head, "HTTP/1.1 400 Bad Request", "HTTP/1.0");
}

#[test]
fn method_other_than_get_gets_405_with_allow_get() {
    let server = serve(Config::default());
    // The request line is checked before the path: a page, a WebSocket
    // route and no route at all get the same 405.
    for path in ["/echo", "/", "/nowhere"] {
        for method in ["POST", "PUT", "HEAD"] {
            let head = upgrade_to_with(&format!("{method} {path} HTTP/1.1"), |_| {});
            let response = assert_request_rejected(
                server.addr(),
                &head,
                "HTTP/1.1 405 Method Not Allowed",
                method,
            );
            assert_eq!(response.header("Allow"), Some("GET"));
        }
    }
}

// §4.2.2: the server's answer -----------------------------------------------

#[test]
fn version_other_than_13_gets_426_naming_13() {
    let server = serve(Config::default());
    let versions: [Option<&str>; 4] = [Some("8"), Some("12"), Some("14"), None];
    for version in versions {
        let head = upgrade_with(|h| match version {
            Some(v) => replace(
                h,
                "Sec-WebSocket-Version",
                &format!("Sec-WebSocket-Version: {v}"),
            ),
            None => remove(h, "Sec-WebSocket-Version"),
        });
        let response =
            assert_request_rejected(server.addr(), &head, "HTTP/1.1 426 Upgrade Required", "13");
        assert_eq!(response.header("Sec-WebSocket-Version"), Some("13"));
    }
}

#[test]
fn unknown_path_gets_404() {
    let server = serve(Config::default());
    let head = upgrade_to_with("GET /nowhere HTTP/1.1", |_| {});
    assert_request_rejected(server.addr(), &head, "HTTP/1.1 404 Not Found", "/nowhere");
}

#[test]
fn offered_subprotocols_get_101_without_one_selected() {
    let server = serve(Config::default());
    let head = upgrade_with(|h| h.push("Sec-WebSocket-Protocol: chat, superchat".into()));
    let mut stream = connect(server.addr());
    stream.write_all(&head).unwrap();
    let response = read_response_head(&mut stream);
    assert_switching(&response, KEY);
    assert_eq!(response.header("Sec-WebSocket-Protocol"), None);
    assert_eq!(response.header("Sec-WebSocket-Extensions"), None);
}

#[test]
fn plain_get_of_a_page_route_serves_the_html() {
    let server = serve(Config::default());
    let response = exchange(
        server.addr(),
        request("GET / HTTP/1.1", &["Host: 127.0.0.1"]).as_bytes(),
    );
    assert_eq!(response.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        response.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(response.body, PAGE);
}

// §10.2: origin considerations ----------------------------------------------

#[test]
fn origin_outside_the_allow_list_gets_403_and_inside_gets_101() {
    capture_logs();
    let server = serve(Config {
        allowed_origins: vec!["http://good.example".into()],
        ..Config::default()
    });
    let evil = upgrade_with(|h| h.push("Origin: http://evil.example".into()));
    let mut stream = connect(server.addr());
    stream.write_all(&evil).unwrap();
    let response = read_response(&mut stream);
    assert_rejected(&response, "HTTP/1.1 403 Forbidden", "http://evil.example");
    assert_logged(
        me(&stream),
        "GET /echo → 403 Forbidden: origin http://evil.example is not allowed",
    );

    let good = upgrade_with(|h| h.push("Origin: http://good.example".into()));
    assert_upgrades(server.addr(), &good);
    // Non-browser clients send no Origin; the check is not for them.
    assert_upgrades(server.addr(), &upgrade_with(|_| {}));
}

// Limits: size, header count, time -------------------------------------------

#[test]
fn head_over_8_kib_gets_431() {
    let server = serve(Config::default());
    let padding = format!("X-Padding: {}", "a".repeat(9 * 1024));
    let head = upgrade_with(|h| h.push(padding));
    assert_request_rejected(
        server.addr(),
        &head,
        "HTTP/1.1 431 Request Header Fields Too Large",
        "8192",
    );
}

#[test]
fn request_line_over_8_kib_gets_431() {
    let server = serve(Config::default());
    let headers = upgrade_headers(KEY);
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let long_target = format!("/echo?{}", "a".repeat(9 * 1024));
    let head = request(&format!("GET {long_target} HTTP/1.1"), &headers);
    assert_request_rejected(
        server.addr(),
        head.as_bytes(),
        "HTTP/1.1 431 Request Header Fields Too Large",
        "8192",
    );
}

#[test]
fn head_that_never_ends_within_the_size_limit_gets_431() {
    let server = serve(Config::default());
    let mut stream = connect(server.addr());
    let endless = [
        b"GET /echo HTTP/1.1\r\nX-Padding: ".as_slice(),
        &[b'a'; 16 * 1024],
    ]
    .concat();
    stream.write_all(&endless).unwrap();
    let response = read_response(&mut stream);
    assert_rejected(
        &response,
        "HTTP/1.1 431 Request Header Fields Too Large",
        "8192",
    );
}

#[test]
fn too_many_headers_get_431() {
    let server = serve(Config::default());
    let extra = |n: usize| {
        move |h: &mut Vec<String>| h.extend((h.len()..n).map(|i| format!("X-H{i}: {i}")))
    };
    // 64 header lines are the limit; 65 are too many.
    assert_upgrades(server.addr(), &upgrade_with(extra(64)));
    assert_request_rejected(
        server.addr(),
        &upgrade_with(extra(65)),
        "HTTP/1.1 431 Request Header Fields Too Large",
        "64 header lines",
    );
}

fn short_handshake_timeout() -> Config {
    Config {
        handshake_timeout: Duration::from_millis(300),
        ..Config::default()
    }
}

#[test]
fn head_that_never_ends_before_the_timeout_gets_408_then_close() {
    let server = serve(short_handshake_timeout());
    let mut stream = connect(server.addr());
    stream
        .write_all(b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    let response = read_response(&mut stream);
    assert_rejected(&response, "HTTP/1.1 408 Request Timeout", "in time");
    eventually("the connection thread ends", || server.active() == 0);
}

#[test]
fn slow_loris_gets_408_then_close() {
    let server = serve(short_handshake_timeout());
    let mut stream = connect(server.addr());
    let head = upgrade_request("/echo").into_bytes();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    // One byte every 100 ms: each read comes well within the timeout, but the
    // head as a whole (about 150 bytes, so 15 s) does not.
    let writer = {
        let (mut stream, stop, sent) = (stream.try_clone().unwrap(), stop.clone(), sent.clone());
        let head = head.clone();
        thread::spawn(move || {
            for byte in head {
                if stop.load(Ordering::SeqCst) || stream.write_all(&[byte]).is_err() {
                    break;
                }
                sent.fetch_add(1, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let response = read_response(&mut stream);
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert_rejected(&response, "HTTP/1.1 408 Request Timeout", "in time");
    assert!(
        sent.load(Ordering::SeqCst) < head.len(),
        "the head was sent whole"
    );
    eventually("the connection thread ends", || server.active() == 0);
}

// Concurrency: the seeds' global `$handshake` --------------------------------

#[test]
fn interleaved_handshakes_are_each_answered_with_their_own_key() {
    let server = serve(Config::default());
    let keys = ["AQIDBAUGBwgJCgsMDQ4PEA==", "x3JJHMbDL1EzLkh9GBhXDw=="];
    let heads = keys.map(|key| {
        let headers = upgrade_headers(key);
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        request("GET /echo HTTP/1.1", &headers).into_bytes()
    });
    let mut streams = [connect(server.addr()), connect(server.addr())];
    // A's first half, B's first half, A's second half, B's second half.
    for half in 0..2 {
        for (stream, head) in streams.iter_mut().zip(&heads) {
            let middle = head.len() / 2;
            let piece = if half == 0 {
                &head[..middle]
            } else {
                &head[middle..]
            };
            stream.write_all(piece).unwrap();
            thread::sleep(Duration::from_millis(20));
        }
    }
    for (stream, key) in streams.iter_mut().zip(keys) {
        assert_switching(&read_response_head(stream), key);
    }
    for (i, stream) in streams.iter_mut().enumerate() {
        assert_echoes(stream, TEXT, format!("client {i}").as_bytes());
    }
}

// The request parser, without a socket ---------------------------------------

fn parse_error(head: &[u8]) -> Rejection {
    Request::parse(head, 64).expect_err("the head should be rejected")
}

#[test]
fn malformed_heads_get_400_naming_the_problem() {
    let cases: &[(&[u8], &str)] = &[
        (
            b"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
            "obsolete line folding",
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n",
            "obsolete line folding",
        ),
        (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", "bad header name"),
        (
            b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
            "without a colon",
        ),
        (b"GET / HTTP/1.1\r\n: empty name\r\n\r\n", "bad header name"),
        (b"GET /\r\nHost: a\r\n\r\n", "bad request line"),
        (b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "bad request line"),
        (
            b"GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n",
            "bad request line",
        ),
        (b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", "bad method"),
        (
            b"GET chat HTTP/1.1\r\nHost: a\r\n\r\n",
            "bad request target",
        ),
        (
            b"GET / HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n",
            "not valid UTF-8",
        ),
        (b"GET / HTTP/1.1\r\nHost: a\r\n", "blank line"),
    ];
    for (head, says) in cases {
        let rejection = parse_error(head);
        assert_eq!(rejection.status(), (400, "Bad Request"), "{head:?}");
        let text = rejection.to_string();
        assert!(
            text.contains(says),
            "{head:?}: {text:?} should say {says:?}"
        );
    }
}

#[test]
fn more_header_lines_than_the_limit_are_too_many() {
    let mut head = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..4 {
        head.extend(format!("X-{i}: {i}\r\n").bytes());
    }
    head.extend(b"\r\n");
    assert_eq!(Request::parse(&head, 4).map(|r| r.headers.len()), Ok(4));
    assert_eq!(Request::parse(&head, 3), Err(Rejection::TooManyHeaders(3)));
    assert_eq!(Rejection::TooManyHeaders(3).status().0, 431);
}

#[test]
fn malformed_head_over_a_socket_gets_400_naming_the_problem() {
    let server = serve(Config::default());
    let head = upgrade_with(|h| h.push(" folded continuation".into()));
    assert_request_rejected(
        server.addr(),
        &head,
        "HTTP/1.1 400 Bad Request",
        "obsolete line folding",
    );
}

#[test]
fn bad_http_version_gets_400() {
    let server = serve(Config::default());
    for request_line in [
        "GET /echo HTTP/x.y",
        "GET /echo HTTP/0.9",
        "GET /echo FTP/1.1",
    ] {
        assert_request_rejected(
            server.addr(),
            &upgrade_to_with(request_line, |_| {}),
            "HTTP/1.1 400 Bad Request",
            "HTTP",
        );
    }
}
