//! step1, chapter 1's server, as a reader drives it with `nc`: it greets, answers
//! one line reversed by characters, closes, and stops after `--clients N`. Input
//! it cannot reverse gets an answer that says why, and the server goes on.

mod common;

use common::{Client, Launch, Running, TIMEOUT};
use std::io::ErrorKind;
use wslab::reverse::GREETING;

/// Connects, checks the greeting, sends `bytes`, and returns what the server
/// sent after the greeting, up to its close.
fn answer(server: &Running, bytes: &[u8]) -> String {
    let mut client = Client::connect(server.addr);
    assert_eq!(client.read_line(), GREETING);
    client.send(bytes);
    client.read_all()
}

/// Fails if the program panicked: a panic message goes to stderr.
fn assert_no_panic(server: &Running) {
    assert!(
        !server.logs().iter().any(|line| line.contains("panicked")),
        "{}",
        server.output()
    );
}

#[test]
fn greets_and_reverses_by_characters() {
    let server = Running::example("step1", &[]);
    assert_eq!(answer(&server, b"hello world\n"), "dlrow olleh\n");
    assert_eq!(answer(&server, "你好，世界\r\n".as_bytes()), "界世，好你\n");
    assert_eq!(answer(&server, "ab😀c\n".as_bytes()), "c😀ba\n");
    server.expect_log("answered 127.0.0.1:");
}

#[test]
fn stops_after_the_client_limit() {
    let mut server = Running::example("step1", &["--clients", "2"]);
    let addr = server.addr;
    assert_eq!(answer(&server, b"one\n"), "eno\n");
    assert!(
        server.wait_exit(common::QUIET).is_none(),
        "step1 stopped after one of two clients\n{}",
        server.output()
    );
    assert_eq!(answer(&server, b"two\n"), "owt\n");
    let status = server
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("still running after two clients\n{}", server.output()));
    assert!(status.success(), "{status}\n{}", server.output());
    assert!(server
        .logs()
        .last()
        .unwrap()
        .contains("client limit reached"));
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "something still listens on {addr}"
    );
}

#[test]
fn bad_input_gets_a_clear_answer_and_the_server_goes_on() {
    let mut server = Running::example("step1", &["--clients", "9"]);

    // An empty line is a line: its reverse is empty.
    assert_eq!(answer(&server, b"\n"), "\n");

    // Bytes that are not UTF-8.
    assert_eq!(
        answer(&server, b"\xff\xfe\n"),
        "error: the line is not valid UTF-8\n"
    );

    // Exactly the buffer, with no room left for the newline.
    assert_eq!(
        answer(&server, &[b'a'; 1024]),
        "error: line longer than 1024 bytes\n"
    );
    // One byte less and a newline fits.
    let mut fits = vec![b'b'; 1023];
    fits.push(b'\n');
    assert_eq!(answer(&server, &fits), format!("{}\n", "b".repeat(1023)));

    // Far more than the buffer: the server reads 1024 bytes, answers, and closes
    // with the rest unread, which TCP reports to the client as a reset. Whatever
    // arrives must be the start of the error answer.
    let mut client = Client::connect(server.addr);
    client.send(&[b'c'; 5000]);
    let expected = format!("{GREETING}error: line longer than 1024 bytes\n");
    match client.read_to_end() {
        Ok(bytes) => assert_eq!(String::from_utf8(bytes).unwrap(), expected),
        Err((bytes, error)) => {
            assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{error}");
            assert!(expected.as_bytes().starts_with(&bytes), "{bytes:?}");
        }
    }

    // A client that stops sending in the middle of a line: the end of the
    // stream ends the line.
    let mut client = Client::connect(server.addr);
    assert_eq!(client.read_line(), GREETING);
    client.send(b"half a li");
    client.shutdown_write();
    assert_eq!(client.read_all(), "il a flah\n");

    // A client that vanishes in the middle of a line, not waiting for the answer.
    let mut client = Client::connect(server.addr);
    let vanished = client.local_addr();
    assert_eq!(client.read_line(), GREETING);
    client.send(b"gone bef");
    drop(client);
    server.expect_log(&format!("closed {vanished}"));

    // A client that says nothing at all.
    let mut client = Client::connect(server.addr);
    let silent = client.local_addr();
    assert_eq!(client.read_line(), GREETING);
    client.shutdown_write();
    assert_eq!(client.read_all(), "");
    server.expect_log(&format!(
        "{silent}: the client closed the connection without sending"
    ));

    // And after all that, a well-behaved client.
    assert_eq!(answer(&server, b"still here\n"), "ereh llits\n");
    let status = server
        .wait_exit(TIMEOUT)
        .expect("step1 stops after 9 clients");
    assert!(status.success(), "{status}\n{}", server.output());
    assert_no_panic(&server);
}

#[test]
fn a_second_server_on_the_same_port_exits_with_status_1() {
    let first = Running::example("step1", &[]);
    let addr = first.addr.to_string();
    let second = Launch::example("step1")
        .args(&["--addr", &addr])
        .run(TIMEOUT);
    second.expect_failure(1, &format!("cannot listen on {addr}"));
    // The first one is not disturbed.
    assert_eq!(answer(&first, b"ok\n"), "ko\n");
}
