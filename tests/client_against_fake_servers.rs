//! The client (chapter 11) against fake servers written byte by byte: it
//! refuses a 101 that breaks §4.1 with a message naming the header and both
//! values, and a non-101 with its status line; it fails a masked server frame
//! with 1002 (§5.1); it answers a Ping between fragments (§5.4, §5.5.2); it
//! masks every frame with a key not used before in the connection (§5.3); and
//! it answers a server's Close with the code the server sent (§5.5.1).

mod support;

use std::collections::HashSet;
use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use support::{
    client_frame, close_body, read_frame, read_to_eof, unmasked_frame, Frame, CLOSE, CONTINUATION,
    FIN, PING, PONG, TEXT, TIMEOUT,
};
use wslab::client::{connect, ClientError, Options};
use wslab::close::{CloseCode, CloseFrame};
use wslab::error::ProtocolError;
use wslab::handshake::{accept_key, read_head, Request};
use wslab::message::Message;
use wslab::protocol::Ending;

/// A server for one connection on a free loopback port: it reads the
/// client's request, answers with `answer(key)`, then hands the socket to
/// `then`. Returns the URL to connect to, and the thread, which gives back
/// the client's key and what `then` returned.
fn fake_server<T: Send + 'static>(
    answer: impl FnOnce(&str) -> String + Send + 'static,
    then: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (String, JoinHandle<(String, T)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/fake", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let (head, leftover) = read_head(&mut stream, 8192).expect("a request head");
        assert!(leftover.is_empty(), "frames before the 101: {leftover:?}");
        let request = Request::parse(&head, 64).unwrap();
        let key = request
            .header("Sec-WebSocket-Key")
            .unwrap()
            .unwrap()
            .to_string();
        stream.write_all(answer(&key).as_bytes()).unwrap();
        let result = then(stream);
        (key, result)
    });
    (url, server)
}

fn switching(key: &str) -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        accept_key(key)
    )
}

/// The client's error, and the key it sent.
fn refused(answer: impl FnOnce(&str) -> String + Send + 'static) -> (String, String) {
    let (url, server) = fake_server(answer, drop);
    let error = connect(&url, &Options::default()).expect_err("the handshake must fail");
    let (key, ()) = server.join().unwrap();
    (error.to_string(), key)
}

/// Reads the client's next frame, which §5.1 requires to be masked.
fn client_frame_read(stream: &mut TcpStream) -> Frame {
    let frame = read_frame(stream);
    assert!(frame.masked, "an unmasked client frame: {frame:?}");
    frame
}

#[test]
fn a_wrong_accept_is_refused_naming_both_values() {
    let wrong = accept_key("dGhlIHNhbXBsZSBub25jZQ==");
    let sent = wrong.clone();
    let (error, key) = refused(move |key| switching(key).replace(&accept_key(key), &sent));
    assert_eq!(
        error,
        format!(
            "Sec-WebSocket-Accept: expected {:?}, received {wrong:?}",
            accept_key(&key)
        )
    );
}

#[test]
fn a_missing_upgrade_is_refused() {
    let (error, _) = refused(|key| switching(key).replace("Upgrade: websocket\r\n", ""));
    assert_eq!(
        error,
        "Upgrade: expected \"websocket\", received no Upgrade header"
    );
}

#[test]
fn a_404_is_reported_with_its_status_line() {
    let (error, _) = refused(|_| "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string());
    assert_eq!(
        error,
        "the server did not switch protocols; it answered \"HTTP/1.1 404 Not Found\""
    );
}

#[test]
fn a_wss_url_is_refused_before_connecting() {
    let error = connect("wss://127.0.0.1:1/", &Options::default()).unwrap_err();
    assert!(matches!(error, ClientError::SecureScheme), "{error}");
}

#[test]
fn a_masked_server_frame_is_failed_with_1002() {
    let (url, server) = fake_server(switching, |mut stream| {
        stream
            .write_all(&client_frame(FIN | TEXT, b"masked"))
            .unwrap();
        let close = client_frame_read(&mut stream);
        drop(stream);
        close
    });
    let mut connection = connect(&url, &Options::default()).unwrap();
    assert_eq!(connection.recv(), None);
    assert_eq!(
        connection.ending(),
        Some(Ending::ProtocolError(ProtocolError::MaskedFrameFromServer))
    );
    let (_, close) = server.join().unwrap();
    assert_eq!(close.close_code(), Some(1002));
}

#[test]
fn a_ping_between_fragments_is_answered_and_the_message_delivered_whole() {
    let (url, server) = fake_server(switching, |mut stream| {
        let frames = [
            unmasked_frame(TEXT, b"hel"),
            unmasked_frame(FIN | PING, b"still there?"),
            unmasked_frame(FIN | CONTINUATION, b"lo"),
        ]
        .concat();
        stream.write_all(&frames).unwrap();
        let pong = client_frame_read(&mut stream);
        let close = unmasked_frame(FIN | CLOSE, &close_body(1000, b""));
        stream.write_all(&close).unwrap();
        let answer = client_frame_read(&mut stream);
        assert_eq!(answer.close_code(), Some(1000));
        pong
    });
    let mut connection = connect(&url, &Options::default()).unwrap();
    assert_eq!(connection.recv(), Some(Message::Text("hello".into())));
    assert_eq!(connection.recv(), None);
    let (_, pong) = server.join().unwrap();
    assert_eq!((pong.opcode, pong.fin), (PONG, true));
    assert_eq!(pong.payload, b"still there?");
}

#[test]
fn every_frame_is_masked_with_a_key_not_used_before() {
    let (url, server) = fake_server(switching, |mut stream| {
        let mut keys = Vec::new();
        let mut texts = Vec::new();
        loop {
            let frame = client_frame_read(&mut stream);
            keys.push(frame.header[frame.header.len() - 4..].to_vec());
            if frame.opcode == CLOSE {
                break;
            }
            if frame.opcode == TEXT && frame.fin {
                texts.push(String::from_utf8(frame.payload).unwrap());
            }
        }
        let close = unmasked_frame(FIN | CLOSE, &close_body(1000, b""));
        stream.write_all(&close).unwrap();
        (keys, texts)
    });
    let mut connection = connect(&url, &Options::default()).unwrap();
    // The same payload each time: only the keys can make the bytes differ.
    for _ in 0..50 {
        connection.send(&Message::Text("same".into())).unwrap();
    }
    connection
        .sender()
        .send_fragmented_text(&["a", "b", "c"])
        .unwrap();
    connection.close(CloseCode::NORMAL, "");
    assert_eq!(connection.recv(), None);
    let (_, (keys, texts)) = server.join().unwrap();
    assert_eq!(keys.len(), 50 + 3 + 1);
    assert_eq!(texts, vec!["same"; 50]);
    let distinct: HashSet<&Vec<u8>> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len(), "a key was used twice: {keys:?}");
}

#[test]
fn a_server_close_is_answered_with_the_code_it_sent() {
    let (url, server) = fake_server(switching, |mut stream| {
        let close = unmasked_frame(FIN | CLOSE, &close_body(4000, b"bye"));
        stream.write_all(&close).unwrap();
        let answer = client_frame_read(&mut stream);
        // §7.1.1: the server closes the TCP connection first; the client,
        // waiting for that, then closes its end.
        stream.shutdown(Shutdown::Write).unwrap();
        assert!(read_to_eof(&mut stream).is_empty());
        answer
    });
    let mut connection = connect(&url, &Options::default()).unwrap();
    assert_eq!(connection.recv(), None);
    assert_eq!(
        connection.ending(),
        Some(Ending::ClosedByPeer(Some(CloseFrame {
            code: CloseCode(4000),
            reason: "bye".into()
        })))
    );
    let (_, answer) = server.join().unwrap();
    assert_eq!((answer.opcode, answer.close_code()), (CLOSE, Some(4000)));
}
