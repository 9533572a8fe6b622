//! `cargo run --example client -- URL` as a real process without a terminal:
//! each line piped in comes back from the server's echo, one per line on
//! stdout, against wslab's own server and against tungstenite's; the end of
//! input closes with 1000 and exit status 0; lines that start with `/` are
//! commands there too, so a transcript's input can be piped; a server that
//! closes first gets its answer and the client exits although its input is
//! still open; and a refused handshake is a message on stderr and exit status 1.

mod common;

use common::{Launch, Running, TIMEOUT};
use std::net::{SocketAddr, TcpListener};
use std::thread::{self, JoinHandle};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::Message;

fn client(url: &str) -> Launch {
    Launch::example("client").args(&[url])
}

/// tungstenite's server for one connection: `serve` gets it after the handshake.
fn tungstenite_server(
    serve: impl FnOnce(&mut tungstenite::WebSocket<std::net::TcpStream>) + Send + 'static,
) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut socket = tungstenite::accept(stream).expect("the client's handshake");
        serve(&mut socket);
    });
    (addr, server)
}

/// Echoes every data message until the connection ends.
fn echo(socket: &mut tungstenite::WebSocket<std::net::TcpStream>) {
    loop {
        match socket.read() {
            Ok(message @ (Message::Text(_) | Message::Binary(_))) => {
                socket.send(message).expect("send the echo")
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

#[test]
fn piped_lines_come_back_from_our_server() {
    let server = Running::binary(&[]);
    let url = format!("ws://{}/echo", server.addr);
    let finished = client(&url).input(b"hi\nthere\n").run(TIMEOUT);
    assert_eq!(finished.status.code(), Some(0), "{}", finished.output());
    assert_eq!(finished.stdout, ["hi", "there"], "{}", finished.output());
}

#[test]
fn piped_commands_are_commands() {
    let server = Running::binary(&[]);
    let url = format!("ws://{}/echo", server.addr);
    let finished = client(&url)
        .input(b"/fragments a|b|c\n//etc\n/close 4000 bye\nnot sent\n")
        .run(TIMEOUT);
    assert_eq!(finished.status.code(), Some(0), "{}", finished.output());
    assert_eq!(finished.stdout, ["abc", "/etc"], "{}", finished.output());
    assert!(server.wait_for_log("closed by the client: 4000", TIMEOUT));
}

#[test]
fn without_a_terminal_and_without_input_it_closes_at_once() {
    let server = Running::binary(&[]);
    let url = format!("ws://{}/echo", server.addr);
    let finished = client(&url).run(TIMEOUT);
    assert_eq!(finished.status.code(), Some(0), "{}", finished.output());
    assert!(finished.stdout.is_empty(), "{}", finished.output());
    assert!(server.wait_for_log("closed by the client: 1000", TIMEOUT));
}

#[test]
fn piped_lines_come_back_from_tungstenites_server() {
    let (addr, server) = tungstenite_server(echo);
    let finished = client(&format!("ws://{addr}/"))
        .input("hi\nnaïve\n".as_bytes())
        .run(TIMEOUT);
    assert_eq!(finished.status.code(), Some(0), "{}", finished.output());
    assert_eq!(finished.stdout, ["hi", "naïve"], "{}", finished.output());
    server.join().unwrap();
}

#[test]
fn when_the_server_closes_first_the_client_answers_and_exits() {
    let (addr, server) = tungstenite_server(|socket| {
        let first = socket.read().expect("the client's line");
        assert_eq!(first, Message::Text("hi".into()));
        socket
            .close(Some(CloseFrame {
                code: CloseCode::Away,
                reason: "bye".into(),
            }))
            .unwrap();
        // tungstenite completes the handshake as it reads the answer.
        while socket.read().is_ok() {}
    });
    let mut running = client(&format!("ws://{addr}/")).with_stdin().start_client();
    running.write_stdin(b"hi\n");
    // Its input stays open: the server's Close alone ends the client.
    let status = running.wait_exit(TIMEOUT).expect("the client exits");
    assert_eq!(status.code(), Some(0), "{}", running.output());
    server.join().unwrap();
}

#[test]
fn a_refused_handshake_is_a_message_and_exit_status_1() {
    let server = Running::binary(&[]);
    let finished = client(&format!("ws://{}/nowhere", server.addr)).run(TIMEOUT);
    finished.expect_failure(1, "it answered \"HTTP/1.1 404 Not Found\"");
    let finished = client("wss://127.0.0.1:1/").run(TIMEOUT);
    finished.expect_failure(1, "tutorial/10-going-live.md");
}
