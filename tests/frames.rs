//! Proves every "Frames" line of the protocol checklist (RFC 6455 §5.2–5.5):
//! first at the sans-I/O `Receiver`, fed hand-built client frames in pieces,
//! then end to end over a loopback socket against the echo server.

mod support;

use std::io::Write;
use std::thread;
use std::time::Duration;
use support::*;
use wslab::close::CloseCode;
use wslab::config::Config;
use wslab::error::ProtocolError;
use wslab::message::{Limits, Received};

/// Feeds `bytes` to a fresh receiver and returns the error it must end in.
fn receive_error(limits: Limits, bytes: &[u8]) -> ProtocolError {
    receiver(limits)
        .feed(bytes)
        .expect_err("the receiver should refuse these bytes")
}

/// Asserts the receiver refuses `bytes` with `expected`, which closes with `code`.
fn assert_refused(bytes: &[u8], expected: ProtocolError, code: CloseCode) {
    let error = receive_error(LIMITS, bytes);
    assert_eq!(error, expected, "{bytes:02x?}");
    assert_eq!(error.close_code(), code, "{error}");
}

/// A limit of 1000 bytes per frame and 4000 per message.
const SMALL: Limits = Limits {
    max_frame: 1000,
    max_message: 4000,
};

fn small_limits_server() -> wslab::server::ServerHandle {
    serve(Config {
        limits: SMALL,
        ..Config::default()
    })
}

// §5.2: a frame arrives in any pieces -----------------------------------------

/// Splits a masked binary frame of `len` bytes at every byte offset (in the
/// header, the extended length, the key and the payload), feeds the two pieces
/// to a fresh receiver, and asserts one intact message comes out, and only
/// after the last byte. Offsets are shared among the machine's cores: for a
/// 64 KiB payload this is 65,550 frames, each unmasked in full.
fn assert_every_split_is_one_message(len: usize) {
    let payload = pattern(len);
    let frame = client_frame(FIN | BINARY, &payload);
    let expected = [binary(&payload)];
    let splits: Vec<usize> = (0..=frame.len()).collect();
    let threads = thread::available_parallelism().map_or(1, |n| n.get());
    thread::scope(|scope| {
        for splits in splits.chunks(splits.len().div_ceil(threads)) {
            let (frame, expected) = (&frame, &expected);
            scope.spawn(move || {
                for &split in splits {
                    let mut receiver = receiver(LIMITS);
                    let mut got = receiver.feed(&frame[..split]).unwrap();
                    if split < frame.len() {
                        assert!(
                            got.is_empty(),
                            "length {len}: a message after {split} bytes"
                        );
                    }
                    got.extend(receiver.feed(&frame[split..]).unwrap());
                    assert!(got == *expected, "length {len}, split at {split}");
                }
            });
        }
    });
}

#[test]
fn a_frame_split_at_every_byte_offset_is_one_intact_message() {
    for len in [0, 1, 125, 126, 127] {
        assert_every_split_is_one_message(len);
    }
}

#[test]
fn a_65535_byte_frame_split_at_every_byte_offset_is_one_intact_message() {
    assert_every_split_is_one_message(65535);
}

#[test]
fn a_65536_byte_frame_split_at_every_byte_offset_is_one_intact_message() {
    assert_every_split_is_one_message(65536);
}

#[test]
fn a_frame_fed_one_byte_at_a_time_is_one_intact_message() {
    for (opcode, len) in [(TEXT, 0), (TEXT, 126), (BINARY, 70_000)] {
        let payload: Vec<u8> = pattern(len).iter().map(|b| b'a' + b % 26).collect();
        let frame = client_frame(FIN | opcode, &payload);
        let mut receiver = receiver(LIMITS);
        let (last, init) = frame.split_last().unwrap();
        for (i, byte) in init.iter().enumerate() {
            assert_eq!(receiver.feed(&[*byte]), Ok(vec![]), "byte {i}");
        }
        let expected = match opcode {
            TEXT => text(std::str::from_utf8(&payload).unwrap()),
            _ => binary(&payload),
        };
        assert_eq!(receiver.feed(&[*last]), Ok(vec![expected]));
    }
}

#[test]
fn a_fragmented_message_split_at_every_byte_offset_is_one_message() {
    let bytes = concat(&[
        client_frame(TEXT, b"Hel"),
        client_frame(FIN | PING, b"?"),
        client_frame(CONTINUATION, &[b'l'; 130]),
        client_frame(FIN | CONTINUATION, b"o"),
    ]);
    let expected = format!("Hel{}o", "l".repeat(130));
    for split in 0..=bytes.len() {
        let mut receiver = receiver(LIMITS);
        let mut got = receiver.feed(&bytes[..split]).unwrap();
        got.extend(receiver.feed(&bytes[split..]).unwrap());
        assert_eq!(
            got,
            [Received::Ping(b"?".to_vec()), text(&expected)],
            "split at {split}"
        );
    }
}

#[test]
fn several_frames_in_one_feed_all_come_out_in_order() {
    let bytes = concat(&[
        client_frame(FIN | TEXT, b"one"),
        client_frame(FIN | BINARY, &[2; 300]),
        client_frame(FIN | PING, b"three"),
        client_frame(TEXT, b"fo"),
        client_frame(FIN | CONTINUATION, b"ur"),
        client_frame(FIN | PONG, b"five"),
        client_frame(FIN | BINARY, b""),
        client_frame(FIN | CLOSE, &close_body(1000, b"seven")),
    ]);
    let got = receive(&bytes).unwrap();
    assert_eq!(
        got,
        [
            text("one"),
            binary(&[2; 300]),
            Received::Ping(b"three".to_vec()),
            text("four"),
            Received::Pong(b"five".to_vec()),
            binary(b""),
            Received::Close(Some(wslab::close::CloseFrame {
                code: CloseCode::NORMAL,
                reason: "seven".into()
            })),
        ]
    );
}

// §5.2: payload length ----------------------------------------------------------

#[test]
fn a_declared_length_over_the_limit_is_refused_from_the_header_alone() {
    // A header claiming 2^62 bytes, and not one byte of payload: the receiver
    // must not wait for (or reserve room for) what is merely claimed.
    let mut claim = header(FIN | BINARY, true, 1 << 62);
    claim.extend_from_slice(&MASK_KEY);
    assert_refused(
        &claim,
        ProtocolError::FrameTooBig {
            len: 1 << 62,
            max: LIMITS.max_frame,
        },
        CloseCode::MESSAGE_TOO_BIG,
    );
    // One byte over a small limit, again from the header alone; at the limit is fine.
    let mut over = header(FIN | BINARY, true, 1001);
    over.extend_from_slice(&MASK_KEY);
    assert_eq!(
        receive_error(SMALL, &over),
        ProtocolError::FrameTooBig {
            len: 1001,
            max: 1000
        }
    );
    let at = client_frame(FIN | BINARY, &[7; 1000]);
    assert_eq!(receiver(SMALL).feed(&at), Ok(vec![binary(&[7; 1000])]));
}

#[test]
fn a_64_bit_length_with_its_top_bit_set_is_a_protocol_error() {
    let mut bytes = header(FIN | BINARY, true, 1 << 63);
    bytes.extend_from_slice(&MASK_KEY);
    assert_eq!(bytes[2], 0x80);
    assert_refused(
        &bytes,
        ProtocolError::LengthTopBitSet,
        CloseCode::PROTOCOL_ERROR,
    );
}

// §5.1, §5.3: masking --------------------------------------------------------------

#[test]
fn an_unmasked_client_frame_is_a_protocol_error() {
    for first in [FIN | TEXT, FIN | BINARY, FIN | PING, FIN | CLOSE] {
        assert_refused(
            &unmasked_frame(first, b"hi"),
            ProtocolError::UnmaskedFrameFromClient,
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

// §5.2: reserved bits and opcodes ---------------------------------------------------

#[test]
fn each_rsv_bit_without_an_extension_is_a_protocol_error() {
    for rsv in [RSV1, RSV2, RSV3, RSV1 | RSV2 | RSV3] {
        for opcode in [TEXT, BINARY, PING] {
            assert_refused(
                &client_frame(FIN | rsv | opcode, b"x"),
                ProtocolError::ReservedBitsSet,
                CloseCode::PROTOCOL_ERROR,
            );
        }
    }
}

#[test]
fn every_reserved_opcode_is_a_protocol_error() {
    for opcode in (0x3..=0x7).chain(0xB..=0xF) {
        assert_refused(
            &client_frame(FIN | opcode, b""),
            ProtocolError::ReservedOpcode(opcode),
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

// §5.5: control frames -------------------------------------------------------------

#[test]
fn a_control_frame_over_125_bytes_is_a_protocol_error() {
    assert_eq!(
        receive(&client_frame(FIN | PING, &[1; 125])),
        Ok(vec![Received::Ping(vec![1; 125])])
    );
    for opcode in [PING, PONG, CLOSE] {
        assert_refused(
            &client_frame(FIN | opcode, &[1; 126]),
            ProtocolError::ControlFrameTooBig(126),
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

#[test]
fn a_control_frame_without_fin_is_a_protocol_error() {
    for opcode in [PING, PONG, CLOSE] {
        assert_refused(
            &client_frame(opcode, b""),
            ProtocolError::FragmentedControlFrame,
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

// §5.4: fragmentation --------------------------------------------------------------

#[test]
fn a_continuation_with_no_message_open_is_a_protocol_error() {
    for first in [CONTINUATION, FIN | CONTINUATION] {
        assert_refused(
            &client_frame(first, b"orphan"),
            ProtocolError::ContinuationWithoutMessage,
            CloseCode::PROTOCOL_ERROR,
        );
    }
    // Also after a message has ended.
    let after = concat(&[
        client_frame(FIN | TEXT, b"done"),
        client_frame(FIN | CONTINUATION, b"more"),
    ]);
    assert_refused(
        &after,
        ProtocolError::ContinuationWithoutMessage,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn a_new_data_frame_inside_a_fragmented_message_is_a_protocol_error() {
    for (open, interloper) in [(TEXT, TEXT), (TEXT, BINARY), (BINARY, FIN | TEXT)] {
        let bytes = concat(&[
            client_frame(open, b"part"),
            client_frame(interloper, b"new"),
        ]);
        assert_refused(
            &bytes,
            ProtocolError::MessageInterleaved,
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

#[test]
fn a_ping_between_fragments_is_answered_and_the_message_assembled() {
    let bytes = concat(&[
        client_frame(TEXT, b"frag"),
        client_frame(FIN | PING, b"still there?"),
        client_frame(CONTINUATION, b"men"),
        client_frame(FIN | PONG, b""),
        client_frame(FIN | CONTINUATION, b"ted"),
    ]);
    assert_eq!(
        receive(&bytes),
        Ok(vec![
            Received::Ping(b"still there?".to_vec()),
            Received::Pong(vec![]),
            text("fragmented"),
        ])
    );
}

#[test]
fn many_small_fragments_over_the_message_limit_are_too_big() {
    // 4000 bytes in 40 fragments is the limit exactly; one more byte is over.
    let mut frames = vec![client_frame(BINARY, &[1; 100])];
    frames.extend((0..38).map(|_| client_frame(CONTINUATION, &[1; 100])));
    let at_limit = concat(
        &[
            frames.clone(),
            vec![client_frame(FIN | CONTINUATION, &[1; 100])],
        ]
        .concat(),
    );
    assert_eq!(
        receiver(SMALL).feed(&at_limit),
        Ok(vec![binary(&[1; 4000])])
    );

    let over = concat(&[frames, vec![client_frame(FIN | CONTINUATION, &[1; 101])]].concat());
    let error = receive_error(SMALL, &over);
    assert_eq!(
        error,
        ProtocolError::MessageTooBig {
            len: 4001,
            max: 4000
        }
    );
    assert_eq!(error.close_code(), CloseCode::MESSAGE_TOO_BIG);
}

// End to end: the echo server over a socket ----------------------------------------

#[test]
fn echoes_exactly_every_length_in_the_shortest_form_unmasked() {
    let server = serve(Config::default());
    let mut stream = open(server.addr(), "/echo");
    for len in [0, 1, 125, 126, 127, 65535, 65536, 1 << 20] {
        let payload = pattern(len);
        assert_echoes(&mut stream, BINARY, &payload);
        let ascii: Vec<u8> = payload.iter().map(|b| b'a' + b % 26).collect();
        assert_echoes(&mut stream, TEXT, &ascii);
    }
}

#[test]
fn a_frame_split_at_every_header_offset_over_a_socket_is_echoed_whole() {
    let server = serve(Config::default());
    let mut stream = open(server.addr(), "/echo");
    for len in [5, 300, 70_000] {
        let payload = pattern(len);
        let frame = client_frame(FIN | BINARY, &payload);
        let header_len = frame.len() - len;
        // Every offset inside the header and key, and a few inside the payload.
        for split in (1..=header_len + 1).chain([frame.len() / 2, frame.len() - 1]) {
            stream.write_all(&frame[..split]).unwrap();
            thread::sleep(Duration::from_millis(2));
            stream.write_all(&frame[split..]).unwrap();
            let echo = read_frame(&mut stream);
            assert_server_frame(&echo);
            assert!(echo.payload == payload, "length {len} split at {split}");
        }
    }
}

#[test]
fn several_frames_in_one_write_are_all_echoed_in_order() {
    let server = serve(Config::default());
    let mut stream = open(server.addr(), "/echo");
    let messages: Vec<Vec<u8>> = (0..50)
        .map(|i| format!("message {i}").into_bytes())
        .collect();
    let frames: Vec<Vec<u8>> = messages
        .iter()
        .map(|m| client_frame(FIN | TEXT, m))
        .collect();
    stream.write_all(&concat(&frames)).unwrap();
    for message in &messages {
        let echo = read_frame(&mut stream);
        assert_eq!((echo.opcode, &echo.payload), (TEXT, message));
    }
}

#[test]
fn a_huge_declared_length_gets_1009_at_once_without_its_payload() {
    let server = serve(Config::default());
    let mut claim = header(FIN | BINARY, true, 1 << 62);
    claim.extend_from_slice(&MASK_KEY);
    // Nothing follows the header: a server waiting for the payload would time
    // the read out instead of answering.
    assert_echo_fails_with(server.addr(), &claim, 1009);
}

#[test]
fn a_frame_over_the_configured_limit_gets_1009() {
    let server = small_limits_server();
    let mut stream = open(server.addr(), "/echo");
    assert_echoes(&mut stream, BINARY, &[3; 1000]);
    let mut over = header(FIN | BINARY, true, 1001);
    over.extend_from_slice(&MASK_KEY);
    stream.write_all(&over).unwrap();
    assert_closed_with(&mut stream, Some(1009));
}

#[test]
fn many_small_fragments_over_the_message_limit_get_1009() {
    let server = small_limits_server();
    let mut stream = open(server.addr(), "/echo");
    stream.write_all(&client_frame(TEXT, b"")).unwrap();
    // 100 bytes at a time: the 41st fragment passes 4000. Stop at the Close.
    let fragment = client_frame(CONTINUATION, &[b'x'; 100]);
    for _ in 0..41 {
        stream.write_all(&fragment).unwrap();
    }
    assert_closed_with(&mut stream, Some(1009));
}

#[test]
fn protocol_errors_over_a_socket_get_1002() {
    let server = serve(Config::default());
    let mut top_bit = header(FIN | BINARY, true, 1 << 63);
    top_bit.extend_from_slice(&MASK_KEY);
    let mut cases = vec![
        ("64-bit length with its top bit set", top_bit),
        ("unmasked frame", unmasked_frame(FIN | TEXT, b"hi")),
        (
            "control frame of 126 bytes",
            client_frame(FIN | PING, &[0; 126]),
        ),
        ("ping without FIN", client_frame(PING, b"")),
        ("close without FIN", client_frame(CLOSE, b"")),
        (
            "continuation with no message",
            client_frame(FIN | CONTINUATION, b"x"),
        ),
        (
            "new data frame in a fragmented message",
            concat(&[client_frame(TEXT, b"a"), client_frame(FIN | TEXT, b"b")]),
        ),
    ];
    for rsv in [RSV1, RSV2, RSV3] {
        cases.push(("RSV bit", client_frame(FIN | rsv | TEXT, b"x")));
    }
    for opcode in (0x3..=0x7).chain(0xB..=0xF) {
        cases.push(("reserved opcode", client_frame(FIN | opcode, b"")));
    }
    for (what, bytes) in cases {
        eprintln!("case: {what}: {:02x?}", &bytes[..2]);
        assert_echo_fails_with(server.addr(), &bytes, 1002);
    }
}

#[test]
fn a_ping_between_fragments_gets_its_pong_and_the_message_is_echoed_whole() {
    let server = serve(Config::default());
    let mut stream = open(server.addr(), "/echo");
    stream.write_all(&client_frame(TEXT, b"Hel")).unwrap();
    stream
        .write_all(&client_frame(FIN | PING, b"ping payload"))
        .unwrap();
    let pong = read_frame(&mut stream);
    assert_server_frame(&pong);
    assert_eq!(
        (pong.fin, pong.opcode, &pong.payload[..]),
        (true, PONG, &b"ping payload"[..])
    );
    stream
        .write_all(&client_frame(FIN | CONTINUATION, b"lo"))
        .unwrap();
    let echo = read_frame(&mut stream);
    assert_eq!(
        (echo.fin, echo.opcode, &echo.payload[..]),
        (true, TEXT, &b"Hello"[..])
    );
}

#[test]
fn an_unsolicited_pong_is_ignored() {
    let server = serve(Config::default());
    let mut stream = open(server.addr(), "/echo");
    stream
        .write_all(&client_frame(FIN | PONG, b"unasked"))
        .unwrap();
    assert_echoes(
        &mut stream,
        TEXT,
        b"next message comes back, nothing before it",
    );
}
