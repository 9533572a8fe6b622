//! Proves the server interoperates with a real third-party client,
//! tungstenite: echoes of every boundary length (RFC 6455 §5.2), fragmented
//! messages and pings (§5.4, §5.5.2), both directions of the closing handshake
//! (§5.5.1, §7.4), and 100 concurrent clients, against the in-process server
//! and against the main binary itself.

mod support;

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use support::{eventually, serve, MainBinary, TIMEOUT};
use tungstenite::protocol::frame::coding::{Data as OpData, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame};
use tungstenite::{Error, Message, WebSocket};
use wslab::config::Config;
use wslab::message::Limits;

type Client = WebSocket<TcpStream>;

const LENGTHS: [usize; 7] = [0, 1, 125, 126, 65535, 65536, 1 << 20];

/// A tungstenite client connected to `ws://addr{path}`, every read and write
/// bounded by [`TIMEOUT`].
fn client(addr: SocketAddr, path: &str) -> Client {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    let (client, response) =
        tungstenite::client(format!("ws://{addr}{path}"), stream).expect("handshake");
    assert_eq!(response.status(), 101);
    client
}

/// Reads the next message, which must be `expected` (compared without
/// printing megabytes when it is not).
fn expect_message(client: &mut Client, expected: &Message) {
    let got = client.read().expect("a message");
    assert!(
        got == *expected,
        "expected {} bytes, got {:?} of {} bytes",
        expected.len(),
        std::mem::discriminant(&got),
        got.len()
    );
}

fn echo_round_trip(client: &mut Client, message: Message) {
    client.send(message.clone()).expect("send");
    expect_message(client, &message);
}

/// A text of `len` bytes that is not plain ASCII: 'é' is 2 bytes, so an odd
/// length ends in an ASCII letter.
fn text_of(len: usize) -> String {
    let mut text = "é".repeat(len / 2);
    if len % 2 == 1 {
        text.push('x');
    }
    assert_eq!(text.len(), len);
    text
}

/// Asserts the echo of text and binary messages of every boundary length.
fn assert_echoes_every_length(client: &mut Client) {
    for len in LENGTHS {
        echo_round_trip(client, Message::Text(text_of(len)));
        echo_round_trip(client, Message::Binary(support::pattern(len)));
    }
}

/// Reads until the server's Close and returns its code, then checks that the
/// connection ends after the closing handshake.
fn expect_close(client: &mut Client) -> (u16, String) {
    let frame = match client.read().expect("a Close frame") {
        Message::Close(Some(frame)) => frame,
        other => panic!("expected a Close with a code, got {other:?}"),
    };
    // tungstenite answers the Close; then the server closes TCP.
    match client.read() {
        Err(Error::ConnectionClosed) => {}
        other => panic!("expected the connection to end, got {other:?}"),
    }
    (u16::from(frame.code), frame.reason.into_owned())
}

// §5.2: data frames of every length ---------------------------------------------

#[test]
fn text_and_binary_of_every_length_are_echoed() {
    let server = serve(Config::default());
    let mut client = client(server.addr(), "/echo");
    assert_echoes_every_length(&mut client);
    client.close(None).unwrap();
}

// §5.4: fragmentation, built with tungstenite's raw frames ---------------------

#[test]
fn a_fragmented_message_is_echoed_whole_with_a_ping_between_fragments() {
    let server = serve(Config::default());
    let mut client = client(server.addr(), "/echo");
    let fragments: [(&[u8], OpData, bool); 3] = [
        ("Hél".as_bytes(), OpData::Text, false),
        (b"l", OpData::Continue, false),
        (b"o", OpData::Continue, true),
    ];
    for (i, (data, opcode, fin)) in fragments.into_iter().enumerate() {
        let frame = Frame::message(data.to_vec(), OpCode::Data(opcode), fin);
        client.send(Message::Frame(frame)).unwrap();
        if i == 0 {
            client.send(Message::Ping(b"between".to_vec())).unwrap();
        }
    }
    expect_message(&mut client, &Message::Pong(b"between".to_vec()));
    expect_message(&mut client, &Message::Text("Héllo".into()));
    // A binary message in 1 KiB fragments.
    let data = support::pattern(10 * 1024);
    let chunks: Vec<&[u8]> = data.chunks(1024).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let opcode = if i == 0 {
            OpData::Binary
        } else {
            OpData::Continue
        };
        let frame = Frame::message(chunk.to_vec(), OpCode::Data(opcode), i == chunks.len() - 1);
        client.send(Message::Frame(frame)).unwrap();
    }
    expect_message(&mut client, &Message::Binary(data));
}

// §5.5.2: ping and pong -------------------------------------------------------------

#[test]
fn a_ping_gets_a_pong_with_the_same_payload() {
    let server = serve(Config::default());
    let mut client = client(server.addr(), "/echo");
    for payload in [b"".to_vec(), b"are you there?".to_vec(), vec![0xAB; 125]] {
        client.send(Message::Ping(payload.clone())).unwrap();
        expect_message(&mut client, &Message::Pong(payload));
    }
}

// §5.5.1, §7.4: closing -----------------------------------------------------------

#[test]
fn a_client_close_with_1000_and_a_reason_is_echoed() {
    let server = serve(Config::default());
    let mut client = client(server.addr(), "/echo");
    client
        .close(Some(CloseFrame {
            code: 1000.into(),
            reason: "bye".into(),
        }))
        .unwrap();
    let (code, _) = expect_close(&mut client);
    assert_eq!(code, 1000);
    // The server waits (up to its close timeout) for our FIN before it lets go.
    drop(client);
    eventually("the server's connection ends", || server.active() == 0);
}

#[test]
fn protocol_errors_reach_tungstenite_as_a_close_with_their_code() {
    let server = serve(Config {
        limits: Limits {
            max_frame: 1024,
            max_message: 4096,
        },
        ..Config::default()
    });
    let rsv1 = {
        let mut frame = Frame::message(b"compressed?".to_vec(), OpCode::Data(OpData::Text), true);
        frame.header_mut().rsv1 = true;
        frame
    };
    let cases = [
        ("RSV1 without an extension", rsv1, 1002),
        (
            "continuation with no message",
            Frame::message(b"x".to_vec(), OpCode::Data(OpData::Continue), true),
            1002,
        ),
        (
            "invalid UTF-8",
            Frame::message(b"\xff".to_vec(), OpCode::Data(OpData::Text), true),
            1007,
        ),
        (
            "frame over the limit",
            Frame::message(vec![0; 1025], OpCode::Data(OpData::Binary), true),
            1009,
        ),
    ];
    for (what, frame, expected) in cases {
        let mut client = client(server.addr(), "/echo");
        client.send(Message::Frame(frame)).unwrap();
        let (code, reason) = expect_close(&mut client);
        assert_eq!(code, expected, "{what}: {reason:?}");
        assert!(!reason.is_empty(), "{what}: the reason names the rule");
    }
}

// Many clients at once ---------------------------------------------------------------

#[test]
fn a_hundred_concurrent_clients_each_get_their_own_echoes() {
    const CLIENTS: usize = 100;
    const MESSAGES: usize = 10;
    let server = serve(Config::default());
    let addr = server.addr();
    let connected = AtomicUsize::new(0);
    thread::scope(|scope| {
        for id in 0..CLIENTS {
            let connected = &connected;
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(scope, move || {
                    let mut client = client(addr, "/echo");
                    // Hold every connection open until all are, so that all
                    // hundred are served at the same time.
                    connected.fetch_add(1, Ordering::SeqCst);
                    let deadline = Instant::now() + TIMEOUT;
                    while connected.load(Ordering::SeqCst) < CLIENTS {
                        assert!(Instant::now() < deadline, "client {id}: others never came");
                        thread::sleep(Duration::from_millis(5));
                    }
                    for n in 0..MESSAGES {
                        echo_round_trip(
                            &mut client,
                            Message::Text(format!("client {id}, message {n}")),
                        );
                        echo_round_trip(&mut client, Message::Binary(vec![id as u8; n * 100]));
                    }
                    client.close(None).unwrap();
                    let _ = expect_close_or_end(&mut client);
                })
                .expect("spawn a client thread");
        }
    });
    assert_eq!(connected.load(Ordering::SeqCst), CLIENTS);
    eventually("every connection ends", || server.active() == 0);
}

/// After our own Close: the next thing read is the server's Close, or the end
/// of the connection; never another message.
fn expect_close_or_end(client: &mut Client) -> Option<u16> {
    match client.read() {
        Ok(Message::Close(frame)) => frame.map(|f| u16::from(f.code)),
        Ok(other) => panic!("a message after our Close: {other:?}"),
        Err(Error::ConnectionClosed) => None,
        Err(error) => panic!("while closing: {error}"),
    }
}

// The main binary -------------------------------------------------------------------

#[test]
fn the_main_binary_echoes_every_length_and_closes_cleanly() {
    let binary = MainBinary::start();
    let mut client = client(binary.addr, "/echo");
    assert_echoes_every_length(&mut client);
    client.send(Message::Ping(b"main".to_vec())).unwrap();
    expect_message(&mut client, &Message::Pong(b"main".to_vec()));
    client
        .close(Some(CloseFrame {
            code: 1000.into(),
            reason: "done".into(),
        }))
        .unwrap();
    assert_eq!(expect_close(&mut client).0, 1000);
}
