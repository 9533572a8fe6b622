//! Proves every "UTF-8" line (RFC 6455 §5.6, §8.1) and every "Closing" line
//! (§5.5.1, §7) of the protocol checklist, at the sans-I/O `Receiver` and end
//! to end over a loopback socket against the echo server, including a peer
//! that goes silent and is found by the server's pings.

mod support;

use std::io::Write;
use std::time::Duration;
use support::*;
use wslab::close::{CloseCode, CloseFrame};
use wslab::config::Config;
use wslab::error::ProtocolError;
use wslab::message::Received;

/// Byte strings that are not UTF-8, each for a different reason.
const INVALID_UTF8: [&[u8]; 6] = [
    b"\xff",             // a byte that never appears in UTF-8
    b"\x80",             // a continuation byte with nothing to continue
    b"\xc0\xaf",         // an overlong encoding of '/'
    b"\xed\xa0\x80",     // a UTF-16 surrogate, U+D800
    b"\xf4\x90\x80\x80", // above U+10FFFF
    b"\xce\x28",         // a lead byte followed by ASCII
];

fn assert_refused(bytes: &[u8], expected: ProtocolError, code: CloseCode) {
    let error = receive(bytes).expect_err("the receiver should refuse these bytes");
    assert_eq!(error, expected, "{bytes:02x?}");
    assert_eq!(error.close_code(), code, "{error}");
}

/// A text message whose first fragment is `first` and whose last is `last`.
fn two_fragments(first: &[u8], last: &[u8]) -> Vec<u8> {
    concat(&[
        client_frame(TEXT, first),
        client_frame(FIN | CONTINUATION, last),
    ])
}

// §8.1: invalid UTF-8, at the receiver ----------------------------------------

#[test]
fn invalid_utf8_in_one_frame_is_1007() {
    for bad in INVALID_UTF8 {
        let payload = [b"valid prefix ".as_slice(), bad].concat();
        assert_refused(
            &client_frame(FIN | TEXT, &payload),
            ProtocolError::InvalidUtf8,
            CloseCode::INVALID_PAYLOAD,
        );
    }
    // A message that ends inside a character is not valid either.
    assert_refused(
        &client_frame(FIN | TEXT, b"euro \xe2\x82"),
        ProtocolError::InvalidUtf8,
        CloseCode::INVALID_PAYLOAD,
    );
}

#[test]
fn invalid_utf8_across_fragments_is_1007() {
    for bad in INVALID_UTF8 {
        // The bad sequence split between the two fragments where it can be.
        let (a, b) = bad.split_at(bad.len() / 2);
        let first = [b"ok ".as_slice(), a].concat();
        assert_refused(
            &two_fragments(&first, b),
            ProtocolError::InvalidUtf8,
            CloseCode::INVALID_PAYLOAD,
        );
    }
    // Each fragment valid on its own cannot hide a lead byte left unfinished.
    assert_refused(
        &two_fragments(b"\xe2\x82", b"!"),
        ProtocolError::InvalidUtf8,
        CloseCode::INVALID_PAYLOAD,
    );
}

#[test]
fn invalid_utf8_fails_at_the_fragment_where_it_appears() {
    // The message's final frame never comes, yet the first fragment is refused.
    let mut open = receiver(LIMITS);
    assert_eq!(open.feed(&client_frame(TEXT, b"fine ")), Ok(vec![]));
    assert_eq!(
        open.feed(&client_frame(CONTINUATION, b"bad \xff")),
        Err(ProtocolError::InvalidUtf8)
    );
    // Within one frame: 10 of a declared 100 bytes are enough to refuse it.
    let frame = client_frame(
        FIN | TEXT,
        &[b"\xc0\xafabcdefgh".as_slice(), &[b'x'; 90]].concat(),
    );
    let header_len = frame.len() - 100;
    assert_eq!(
        receiver(LIMITS).feed(&frame[..header_len + 10]),
        Err(ProtocolError::InvalidUtf8)
    );
}

#[test]
fn a_code_point_split_across_fragments_is_accepted() {
    let message = "κόσμε 你好 🎉";
    let bytes = message.as_bytes();
    for split in 0..=bytes.len() {
        let (a, b) = bytes.split_at(split);
        assert_eq!(
            receive(&two_fragments(a, b)),
            Ok(vec![text(message)]),
            "split at {split}"
        );
    }
    // One character in four fragments of one byte.
    let frames = concat(&[
        client_frame(TEXT, b"\xf0"),
        client_frame(CONTINUATION, b"\x9f"),
        client_frame(CONTINUATION, b"\x8e"),
        client_frame(FIN | CONTINUATION, b"\x89"),
    ]);
    assert_eq!(receive(&frames), Ok(vec![text("🎉")]));
}

#[test]
fn binary_messages_are_not_checked_for_utf8() {
    let frame = client_frame(FIN | BINARY, b"\xff\xfe\xc0\xaf");
    assert_eq!(receive(&frame), Ok(vec![binary(b"\xff\xfe\xc0\xaf")]));
}

// §8.1 over a socket --------------------------------------------------------------

#[test]
fn invalid_utf8_in_a_text_message_gets_1007() {
    let server = serve(Config::default());
    let cases = [
        client_frame(FIN | TEXT, b"bad \xed\xa0\x80"),
        two_fragments(b"bad \xce", b"\x28"),
    ];
    for bytes in cases {
        assert_echo_fails_with(server.addr(), &bytes, 1007);
    }
}

#[test]
fn invalid_utf8_gets_1007_before_the_message_ends() {
    let server = serve(Config::default());
    // A first fragment that is already invalid, and no FIN frame ever: a
    // server that waited for the whole message would time the read out.
    assert_echo_fails_with(server.addr(), &client_frame(TEXT, b"bad \xff"), 1007);
    // The same inside one frame: the header promises 100 bytes, 10 arrive.
    let frame = client_frame(
        FIN | TEXT,
        &[b"\xf4\x90\x80\x80abcdef".as_slice(), &[b'x'; 90]].concat(),
    );
    let header_len = frame.len() - 100;
    assert_echo_fails_with(server.addr(), &frame[..header_len + 10], 1007);
}

#[test]
fn a_code_point_split_across_fragments_is_echoed() {
    let server = serve(Config::default());
    let mut stream = open(server.addr(), "/echo");
    let price = "price: 3 €".as_bytes();
    let (a, b) = price.split_at(price.len() - 1); // inside the euro sign
    stream.write_all(&client_frame(TEXT, a)).unwrap();
    stream
        .write_all(&client_frame(FIN | CONTINUATION, b))
        .unwrap();
    let echo = read_frame(&mut stream);
    assert_server_frame(&echo);
    assert_eq!(
        (echo.fin, echo.opcode, &echo.payload[..]),
        (true, TEXT, price)
    );
}

// §5.5.1: the Close frame's body -----------------------------------------------------

#[test]
fn close_bodies_are_parsed_and_checked() {
    assert_eq!(
        receive(&client_frame(FIN | CLOSE, b"")),
        Ok(vec![Received::Close(None)])
    );
    assert_eq!(
        receive(&client_frame(
            FIN | CLOSE,
            &close_body(1000, "bye ✓".as_bytes())
        )),
        Ok(vec![Received::Close(Some(CloseFrame {
            code: CloseCode::NORMAL,
            reason: "bye ✓".into()
        }))])
    );
    assert_refused(
        &client_frame(FIN | CLOSE, &[0x03]),
        ProtocolError::CloseBodyOfOneByte,
        CloseCode::PROTOCOL_ERROR,
    );
    assert_refused(
        &client_frame(FIN | CLOSE, &close_body(1000, b"bad \xff")),
        ProtocolError::InvalidUtf8InCloseReason,
        CloseCode::INVALID_PAYLOAD,
    );
}

/// Codes a peer may not send (§7.4.1, §7.4.2): unused, reserved, or unassigned.
const FORBIDDEN_CODES: [u16; 11] = [
    0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535,
];

/// Codes a peer may send: the assigned ones and the library and application ranges.
const ALLOWED_CODES: [u16; 17] = [
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4001,
    4999,
];

#[test]
fn forbidden_close_codes_are_refused_and_allowed_ones_accepted() {
    for code in FORBIDDEN_CODES {
        assert_refused(
            &client_frame(FIN | CLOSE, &close_body(code, b"")),
            ProtocolError::InvalidCloseCode(code),
            CloseCode::PROTOCOL_ERROR,
        );
    }
    for code in ALLOWED_CODES {
        let got = receive(&client_frame(FIN | CLOSE, &close_body(code, b"r")));
        assert_eq!(
            got,
            Ok(vec![Received::Close(Some(CloseFrame {
                code: CloseCode(code),
                reason: "r".into()
            }))])
        );
    }
}

// §5.5.1, §7: the closing handshake over a socket ----------------------------------

/// A server whose close timeout is far longer than our read timeout, so the
/// FIN we wait for must come from the closing handshake itself (§7.1.1: the
/// server "SHOULD close the underlying TCP connection first"), not from the
/// server giving up on ours.
fn closing_server() -> wslab::server::ServerHandle {
    serve(Config {
        close_timeout: Duration::from_secs(60),
        ..Config::default()
    })
}

#[test]
fn an_empty_close_gets_an_empty_close_then_the_tcp_close() {
    let server = closing_server();
    let mut stream = open(server.addr(), "/echo");
    stream.write_all(&client_frame(FIN | CLOSE, b"")).unwrap();
    let close = assert_closed_with(&mut stream, None);
    assert_eq!(close.payload, b"");
}

#[test]
fn nothing_is_sent_after_the_servers_close() {
    let server = closing_server();
    let mut stream = open(server.addr(), "/echo");
    // A message before the Close is answered; messages after it are not.
    let bytes = concat(&[
        client_frame(FIN | TEXT, b"before"),
        client_frame(FIN | CLOSE, &close_body(1000, b"")),
        client_frame(FIN | TEXT, b"after"),
        client_frame(FIN | PING, b"after"),
    ]);
    stream.write_all(&bytes).unwrap();
    let echo = read_frame(&mut stream);
    assert_eq!((echo.opcode, &echo.payload[..]), (TEXT, &b"before"[..]));
    assert_closed_with(&mut stream, Some(1000));
}

#[test]
fn a_close_with_code_1000_and_a_reason_is_echoed_with_1000() {
    let server = closing_server();
    let mut stream = open(server.addr(), "/echo");
    let body = close_body(1000, b"done for today");
    stream.write_all(&client_frame(FIN | CLOSE, &body)).unwrap();
    let close = assert_closed_with(&mut stream, Some(1000));
    assert_eq!(close.payload, [0x03, 0xe8], "the code alone is echoed");
}

#[test]
fn a_close_body_of_one_byte_gets_1002() {
    let server = closing_server();
    assert_echo_fails_with(server.addr(), &client_frame(FIN | CLOSE, &[0x03]), 1002);
}

#[test]
fn a_close_reason_that_is_not_utf8_gets_1007() {
    let server = closing_server();
    let body = close_body(1000, b"bad \xc3\x28");
    assert_echo_fails_with(server.addr(), &client_frame(FIN | CLOSE, &body), 1007);
}

#[test]
fn each_forbidden_close_code_gets_1002() {
    let server = closing_server();
    for code in FORBIDDEN_CODES {
        let frame = client_frame(FIN | CLOSE, &close_body(code, b""));
        let mut stream = open(server.addr(), "/echo");
        stream.write_all(&frame).unwrap();
        let close = assert_closed_with(&mut stream, Some(1002));
        let reason = String::from_utf8_lossy(&close.payload[2..]).into_owned();
        assert!(
            reason.contains(&code.to_string()),
            "code {code}: {reason:?}"
        );
    }
}

#[test]
fn each_allowed_close_code_is_echoed() {
    let server = closing_server();
    for code in ALLOWED_CODES {
        let mut stream = open(server.addr(), "/echo");
        let frame = client_frame(FIN | CLOSE, &close_body(code, b"reason"));
        stream.write_all(&frame).unwrap();
        let close = assert_closed_with(&mut stream, Some(code));
        // The echo carries the code alone: a 1002 from a protocol error would
        // also name the broken rule.
        assert_eq!(close.payload, code.to_be_bytes(), "code {code}");
    }
}

#[test]
fn one_and_two_byte_messages_are_messages_not_a_disconnect() {
    // The seeds took a read of fewer than 9 bytes for "the client left"; a
    // masked 1-byte text frame is 7 bytes on the wire, a 2-byte one 8.
    let server = closing_server();
    let mut stream = open(server.addr(), "/echo");
    assert_eq!(client_frame(FIN | TEXT, b"a").len(), 7);
    for payload in [&b"a"[..], b"ab", b"", b"abc"] {
        assert_echoes(&mut stream, TEXT, payload);
        assert_echoes(&mut stream, BINARY, payload);
    }
    stream.write_all(&client_frame(FIN | CLOSE, b"")).unwrap();
    assert_closed_with(&mut stream, None);
}

// §7.1.1, and the checklist's vanished peer: pings and a read timeout --------------

fn short_idle_timeout(millis: u64) -> Config {
    Config {
        idle_timeout: Duration::from_millis(millis),
        ..Config::default()
    }
}

#[test]
fn a_silent_peer_is_pinged_then_dropped_and_its_thread_freed() {
    let server = serve(short_idle_timeout(200));
    let mut stream = open(server.addr(), "/echo");
    assert_eq!(server.active(), 1);
    // We never answer. The server pings after one idle period...
    let ping = read_frame(&mut stream);
    assert_server_frame(&ping);
    assert_eq!((ping.fin, ping.opcode), (true, PING));
    // ...and after another without an answer, closes the TCP connection.
    let rest = read_to_eof(&mut stream);
    assert!(rest.is_empty(), "after the ping: {rest:02x?}");
    eventually("the connection's thread ends", || server.active() == 0);
}

#[test]
fn a_peer_that_answers_pings_stays_connected() {
    let server = serve(short_idle_timeout(300));
    let mut stream = open(server.addr(), "/echo");
    for _ in 0..4 {
        let ping = read_frame(&mut stream);
        assert_eq!(ping.opcode, PING, "{ping:?}");
        stream
            .write_all(&client_frame(FIN | PONG, &ping.payload))
            .unwrap();
    }
    assert_eq!(server.active(), 1);
    assert_echoes(&mut stream, TEXT, b"still here after four idle periods");
    // The server answers our pings too, with the same payload (§5.5.2).
    stream
        .write_all(&client_frame(FIN | PING, b"and you?"))
        .unwrap();
    let pong = read_frame(&mut stream);
    assert_eq!((pong.opcode, &pong.payload[..]), (PONG, &b"and you?"[..]));
}
