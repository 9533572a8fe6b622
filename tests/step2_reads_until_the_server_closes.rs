//! step2, chapter 2's client: it sends one line, reads until the server closes
//! the connection however many reads that takes, prints it, and tells an error
//! apart from the end of the stream.

mod common;

use common::{Launch, Running, TIMEOUT};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;
use wslab::reverse::GREETING;

/// A one-connection server in the test: accepts, hands the stream to `serve`,
/// and returns what `serve` returns.
fn one_connection<T: Send + 'static>(
    serve: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (std::net::SocketAddr, thread::JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        serve(stream)
    });
    (addr, handle)
}

#[test]
fn sends_one_line_and_prints_everything_until_the_close() {
    let (addr, server) = one_connection(|mut stream| {
        let mut line = String::new();
        BufReader::new(stream.try_clone().unwrap())
            .read_line(&mut line)
            .unwrap();
        // The answer in three writes, the last with a byte that is not UTF-8,
        // and a pause so they are likely to arrive in separate reads.
        for piece in [&b"first "[..], b"second\n", b"third \xff\n"] {
            stream.write_all(piece).unwrap();
            thread::sleep(Duration::from_millis(50));
        }
        line
    });
    let client = Launch::example("step2")
        .args(&["--message", "你好, wslab"])
        .connect_to(addr)
        .run(TIMEOUT);
    assert_eq!(server.join().unwrap(), "你好, wslab\n");
    assert!(client.status.success(), "{}", client.output());
    assert_eq!(client.stdout, ["first second", "third \u{fffd}"]);
    assert!(client
        .stderr
        .iter()
        .any(|l| l.contains("the server closed the connection")));
}

#[test]
fn talks_to_step1() {
    let server = Running::example("step1", &[]);
    let client = Launch::example("step2")
        .args(&["--message", "hello, 世界"])
        .connect_to(server.addr)
        .run(TIMEOUT);
    assert!(client.status.success(), "{}", client.output());
    let printed = client.stdout.join("\n") + "\n";
    assert_eq!(printed, format!("{GREETING}界世 ,olleh\n"));
    server.expect_log("answered 127.0.0.1:");
}

#[test]
fn a_reset_is_an_error_not_the_end() {
    let (addr, server) = one_connection(|stream| {
        // Wait until the client's line has arrived, then close without reading
        // it: unread data turns the close into a reset.
        let mut byte = [0u8; 1];
        stream.peek(&mut byte).unwrap();
        drop(stream);
    });
    let client = Launch::example("step2").connect_to(addr).run(TIMEOUT);
    server.join().unwrap();
    client.expect_failure(1, "read failed");
    assert!(client.stdout.is_empty(), "{}", client.output());
}

#[test]
fn says_so_when_nothing_listens() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = Launch::example("step2").connect_to(addr).run(TIMEOUT);
    client.expect_failure(1, &format!("cannot connect to {addr}"));
}

#[test]
fn waits_for_the_end_of_the_stream_not_for_a_quiet_moment() {
    // The server answers, pauses, answers again, and only then closes. A
    // client that stopped at the first read that returned less than its
    // buffer, or at a pause, would miss the end.
    let (addr, server) = one_connection(|mut stream| {
        let mut buf = [0u8; 64];
        let _ = stream.read(&mut buf).unwrap();
        stream.write_all(b"before the pause\n").unwrap();
        thread::sleep(Duration::from_millis(300));
        stream.write_all(b"after it\n").unwrap();
    });
    let client = Launch::example("step2").connect_to(addr).run(TIMEOUT);
    server.join().unwrap();
    assert!(client.status.success(), "{}", client.output());
    assert_eq!(client.stdout, ["before the pause", "after it"]);
}
