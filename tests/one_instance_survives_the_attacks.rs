//! One server process, many attackers at once: every hostile input of the
//! protocol checklist, slow lorises, abrupt disconnects, big messages, a
//! stalled chat member and connection churn, all against the same `wslab`
//! binary, side by side. Afterwards it must still be running, still serve
//! the page, an echo and the chat room, and be back to the threads and file
//! descriptors it started with. Each check is about behaviour; the waits are
//! bounded only so that a hung server fails instead of hanging the test.
//! See `tutorial/08-hardening.md#how-the-tests-attack-it`, and the list of the
//! single-attack tests in `CONTRIBUTING.md#hardening-testshardeningrs`.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};
use support::*;

/// Flags for the instance: the defaults, with timeouts short enough that the
/// lorises and the stalled member are cut off while the test waits.
const FLAGS: &[&str] = &[
    "--handshake-timeout",
    "2s",
    "--idle-timeout",
    "2s",
    "--close-timeout",
    "1s",
    // The room waits this long for a stalled member before dropping it. The
    // attack reads its talker and its listener in turn, so while it waits on
    // the talker, the listener's Ping waits too: under two idle timeouts.
    "--chat-stall",
    "1s",
];

/// One kind of attack, run on a thread of its own against the server's address.
type Attack = fn(SocketAddr);

/// Every opening-handshake line of the checklist that must not get a 101.
fn bad_handshakes(addr: SocketAddr) {
    let upgrade = |path: &str, drop: &str, add: &[&str]| {
        let mut headers: Vec<String> = upgrade_headers(KEY)
            .into_iter()
            .filter(|h| drop.is_empty() || !h.starts_with(drop))
            .collect();
        headers.extend(add.iter().map(|h| h.to_string()));
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        request(&format!("GET {path} HTTP/1.1"), &headers)
    };
    let many_headers: Vec<String> = (0..100).map(|i| format!("X-{i}: {i}")).collect();
    let many_headers: Vec<&str> = many_headers.iter().map(String::as_str).collect();
    let cases = [
        (upgrade("/echo", "Upgrade:", &[]), "400"),
        (upgrade("/echo", "Connection:", &[]), "400"),
        (upgrade("/echo", "Sec-WebSocket-Key:", &[]), "400"),
        (upgrade("/echo", "Host:", &[]), "400"),
        (
            upgrade(
                "/echo",
                "Sec-WebSocket-Key:",
                &["Sec-WebSocket-Key: c2hvcnQ="],
            ),
            "400",
        ),
        (
            upgrade(
                "/echo",
                "Sec-WebSocket-Version:",
                &["Sec-WebSocket-Version: 8"],
            ),
            "426",
        ),
        (upgrade("/nowhere", "", &[]), "404"),
        (upgrade_request("/echo").replacen("GET", "POST", 1), "405"),
        (
            upgrade_request("/echo").replacen("HTTP/1.1", "HTTP/1.0", 1),
            "400",
        ),
        (
            upgrade("/echo", "", &[&format!("X-Padding: {}", "a".repeat(9000))]),
            "431",
        ),
        (upgrade("/echo", "", &many_headers), "431"),
        ("\u{0}\u{1}garbage\r\n\r\n".to_string(), "400"),
    ];
    for _ in 0..5 {
        for (head, status) in &cases {
            let response = exchange(addr, head.as_bytes());
            assert!(
                response
                    .status_line
                    .starts_with(&format!("HTTP/1.1 {status}")),
                "{status} expected for {:?}, got {}",
                &head[..head.len().min(60)],
                response.status_line
            );
        }
    }
}

/// Every frame-level violation of the checklist, with its close code.
fn protocol_errors(addr: SocketAddr) {
    let mut cases = vec![
        (unmasked_frame(FIN | TEXT, b"hi"), 1002),
        (client_frame(FIN | RSV1 | TEXT, b"x"), 1002),
        (client_frame(FIN | 0x3, b""), 1002),
        (client_frame(FIN | PING, &[0; 126]), 1002),
        (client_frame(PING, b""), 1002),
        (client_frame(FIN | CONTINUATION, b"x"), 1002),
        (
            concat(&[client_frame(TEXT, b"a"), client_frame(FIN | TEXT, b"b")]),
            1002,
        ),
        (client_frame(FIN | TEXT, b"\xce\xba\xff"), 1007),
        (
            concat(&[
                client_frame(TEXT, b"ok \xed"),
                client_frame(FIN, b"\xa0\x80"),
            ]),
            1007,
        ),
        (client_frame(FIN | CLOSE, &[0x03]), 1002),
        (client_frame(FIN | CLOSE, &close_body(1005, b"")), 1002),
        (client_frame(FIN | CLOSE, &close_body(1000, b"\xff")), 1007),
    ];
    let mut huge = header(FIN | BINARY, true, 1 << 40);
    huge.extend_from_slice(&MASK_KEY);
    cases.push((huge, 1009));
    for _ in 0..5 {
        for (bytes, code) in &cases {
            assert_echo_fails_with(addr, bytes, *code);
        }
    }
}

/// Exact echoes of every length the checklist names, fragmented messages
/// with a ping between the fragments, and 1- and 2-byte messages.
fn echoes(addr: SocketAddr) {
    let mut stream = open(addr, "/echo");
    for len in [0, 1, 2, 125, 126, 65535, 65536, 1 << 20] {
        assert_echoes(&mut stream, BINARY, &pattern(len));
    }
    assert_echoes(&mut stream, TEXT, "你好".as_bytes());
    stream
        .write_all(&concat(&[
            client_frame(TEXT, "你".as_bytes()),
            client_frame(FIN | PING, b"between"),
            client_frame(FIN | CONTINUATION, "好".as_bytes()),
        ]))
        .unwrap();
    let pong = read_frame(&mut stream);
    assert_eq!((pong.opcode, &pong.payload[..]), (PONG, &b"between"[..]));
    let echo = read_frame(&mut stream);
    assert_eq!(echo.payload, "你好".as_bytes());
    stream
        .write_all(&client_frame(FIN | CLOSE, &close_body(1000, b"bye")))
        .unwrap();
    assert_closed_with(&mut stream, Some(1000));
}

/// Half a request head, then silence: cut off by the handshake timeout.
fn slow_lorises(addr: SocketAddr) {
    let lorises: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut stream = connect(addr);
            stream
                .write_all(b"GET /echo HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            stream
        })
        .collect();
    for mut loris in lorises {
        let mut answer = Vec::new();
        let _ = loris.read_to_end(&mut answer);
        assert!(
            answer.starts_with(b"HTTP/1.1 408"),
            "a loris got {:?}",
            String::from_utf8_lossy(&answer)
        );
    }
}

/// Clients that leave without a Close: a FIN mid-frame, a reset (closing with
/// an unread Pong makes the kernel send RST), and silence after the handshake.
fn abrupt_departures(addr: SocketAddr) {
    for _ in 0..20 {
        let mut mid_frame = open(addr, "/echo");
        mid_frame
            .write_all(&client_frame(FIN | BINARY, &[7; 100])[..50])
            .unwrap();
        drop(mid_frame);

        let mut reset = open(addr, "/echo");
        reset.write_all(&client_frame(FIN | PING, b"x")).unwrap();
        thread::sleep(Duration::from_millis(5));
        drop(reset);
    }
    let silent: Vec<TcpStream> = (0..20).map(|_| open(addr, "/echo")).collect();
    for mut stream in silent {
        // The server pings after the idle timeout, then gives up after another.
        let ping = read_frame(&mut stream);
        assert_eq!(ping.opcode, PING);
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    }
}

/// A chat member that never reads while another floods the room.
fn stalled_chat_member(addr: SocketAddr) {
    // A member is in the room once it has read the announcement of its join.
    let join = || {
        let mut member = open(addr, "/chat");
        while !String::from_utf8_lossy(&read_frame(&mut member).payload).contains("\"join\"") {}
        member
    };
    let _stalled = join();
    let mut talker = join();
    let mut listener = join();
    let line = "x".repeat(3000);
    for i in 0..2000 {
        let text = format!("{i} {line}");
        talker
            .write_all(&client_frame(FIN | TEXT, text.as_bytes()))
            .unwrap();
        // The talker and the listener keep up (the room sends the talker its
        // own messages too), so only the stalled member falls behind.
        for (who, member) in [("talker", &mut talker), ("listener", &mut listener)] {
            let deadline = Instant::now() + TIMEOUT;
            loop {
                assert!(Instant::now() < deadline, "{who} never got message {i}");
                let frame = read_frame(member);
                assert_ne!(
                    frame.opcode, CLOSE,
                    "{who} closed at message {i}: {frame:?}"
                );
                if frame.opcode == PING {
                    // §5.5.2: answered, or the server takes us for dead.
                    member
                        .write_all(&client_frame(FIN | PONG, &frame.payload))
                        .unwrap();
                } else if frame
                    .payload
                    .windows(text.len())
                    .any(|w| w == text.as_bytes())
                {
                    break;
                }
            }
        }
    }
}

/// Thousands of connections that open, echo once, and close.
fn churn(addr: SocketAddr) {
    for i in 0..1000 {
        let mut stream = open(addr, "/echo");
        assert_echoes(&mut stream, TEXT, format!("churn {i}").as_bytes());
        stream
            .write_all(&client_frame(FIN | CLOSE, &close_body(1000, b"")))
            .unwrap();
        assert_closed_with(&mut stream, Some(1000));
    }
}

#[test]
fn one_server_survives_every_attack_at_once_and_returns_to_its_baseline() {
    let mut server = MainBinary::start_with(FLAGS);
    let addr = server.addr;
    let proc = format!("/proc/{}", server.pid());
    let task_dir = format!("{proc}/task");
    let fd_dir = format!("{proc}/fd");
    // The baseline: the main thread and the accept thread, which the binary
    // starts just after it logs its address, and the listening socket.
    let mut warm_up = open(addr, "/echo");
    assert_echoes(&mut warm_up, TEXT, b"warm-up");
    drop(warm_up);
    eventually("the main and accept threads alone", || {
        count_entries(&task_dir) == 2
    });
    let baseline = (count_entries(&task_dir), count_entries(&fd_dir));

    let attacks: [(&str, Attack); 7] = [
        ("bad handshakes", bad_handshakes),
        ("protocol errors", protocol_errors),
        ("echoes", echoes),
        ("slow lorises", slow_lorises),
        ("abrupt departures", abrupt_departures),
        ("a stalled chat member", stalled_chat_member),
        ("churn", churn),
    ];
    let failures: Vec<&str> = thread::scope(|scope| {
        let running: Vec<_> = attacks
            .iter()
            .map(|&(name, attack)| (name, scope.spawn(move || attack(addr))))
            .collect();
        running
            .into_iter()
            .filter_map(|(name, thread)| thread.join().is_err().then_some(name))
            .collect()
    });
    if !failures.is_empty() {
        for line in server.new_lines() {
            if !line.contains("INFO") || line.contains("chat") {
                eprintln!("{line}");
            }
        }
        panic!("these attacks failed: {failures:?}");
    }

    assert!(server.is_running(), "the server died under the attacks");
    let page = exchange(addr, request("GET / HTTP/1.1", &["Host: x"]).as_bytes());
    assert!(page.status_line.starts_with("HTTP/1.1 200"));
    let mut stream = open(addr, "/echo");
    assert_echoes(&mut stream, TEXT, b"still here");
    drop(stream);
    let deadline = Instant::now() + TIMEOUT;
    let mut now = (count_entries(&task_dir), count_entries(&fd_dir));
    while now != baseline && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
        now = (count_entries(&task_dir), count_entries(&fd_dir));
    }
    assert_eq!(
        now, baseline,
        "threads and file descriptors, after and before"
    );
}
