//! The main server names a client by `X-Forwarded-For` only when started with
//! `--trust-proxy`, and then by the header's last entry, the one a proxy
//! appends; without the flag the header is ignored, since anyone can send it.
//! Real processes, checked by their log lines.
//! See `tutorial/10-going-live.md#who-is-the-client`.

mod common;
mod support;

use common::{Client, Running};
use support::{client_frame, close_body, request, upgrade_headers, CLOSE, FIN, KEY};

/// Opens `/echo` with `extra` header lines, as a proxy would pass it on, and
/// returns the client once the server has answered 101.
fn open(server: &Running, extra: &[&str]) -> Client {
    let mut headers = upgrade_headers(KEY);
    headers.extend(extra.iter().map(|line| line.to_string()));
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut client = Client::connect(server.addr);
    client.send(request("GET /echo HTTP/1.1", &headers).as_bytes());
    let status = client.read_line();
    assert!(status.starts_with("HTTP/1.1 101 "), "{status}");
    while client.read_line() != "\r\n" {}
    client
}

/// Closes with 1000 and waits for the server's log line about it, which
/// comes after every other line about this client.
fn close(server: &Running, mut client: Client, shown_as: &str) {
    client.send(&client_frame(FIN | CLOSE, &close_body(1000, b"")));
    server.expect_log(&format!("{shown_as}: closed by the client: 1000"));
}

const SPOOFED_AND_REAL: &str = "X-Forwarded-For: 10.6.6.6, 203.0.113.7";

#[test]
fn with_trust_proxy_the_last_forwarded_entry_names_the_client() {
    let server = Running::binary(&["--trust-proxy"]);
    let client = open(&server, &[SPOOFED_AND_REAL]);
    let shown_as = format!("203.0.113.7 via {}", client.local_addr());
    server.expect_log(&format!("{shown_as}: GET /echo → 101 Switching Protocols"));
    close(&server, client, &shown_as);

    let v6 = open(&server, &["X-Forwarded-For: 2001:db8::7"]);
    let shown_as = format!("2001:db8::7 via {}", v6.local_addr());
    server.expect_log(&format!("{shown_as}: GET /echo → 101"));
    close(&server, v6, &shown_as);

    let mut page = Client::connect(server.addr);
    page.send(request("GET / HTTP/1.1", &["Host: 127.0.0.1", SPOOFED_AND_REAL]).as_bytes());
    assert!(page.read_line().starts_with("HTTP/1.1 200 OK"));
    server.expect_log(&format!(
        "203.0.113.7 via {}: GET / → 200 OK",
        page.local_addr()
    ));
    assert!(
        !server.logs().iter().any(|line| line.contains("10.6.6.6")),
        "the client's own entries are never believed\n{}",
        server.output()
    );
}

#[test]
fn with_trust_proxy_a_missing_or_bad_header_leaves_the_socket_address() {
    let server = Running::binary(&["--trust-proxy"]);
    let direct = open(&server, &[]);
    let shown_as = direct.local_addr().to_string();
    server.expect_log(&format!("] {shown_as}: GET /echo → 101"));
    close(&server, direct, &shown_as);

    let bad = open(&server, &["X-Forwarded-For: 203.0.113.7, unknown"]);
    let shown_as = bad.local_addr().to_string();
    server.expect_log(&format!(
        "] {shown_as}: ignoring X-Forwarded-For \"203.0.113.7, unknown\" does not end with an IP address"
    ));
    server.expect_log(&format!("] {shown_as}: GET /echo → 101"));
    close(&server, bad, &shown_as);
    assert!(
        !server.logs().iter().any(|line| line.contains(" via ")),
        "{}",
        server.output()
    );
}

#[test]
fn without_trust_proxy_the_header_is_ignored() {
    let server = Running::binary(&[]);
    let client = open(&server, &[SPOOFED_AND_REAL]);
    let shown_as = client.local_addr().to_string();
    server.expect_log(&format!(
        "] {shown_as}: GET /echo → 101 Switching Protocols"
    ));
    close(&server, client, &shown_as);
    assert!(
        !server
            .logs()
            .iter()
            .any(|line| line.contains("203.0.113.7") || line.contains("10.6.6.6")),
        "{}",
        server.output()
    );
}
