//! Proves chapter 8's defences: every limit and timeout is hit on purpose and
//! gives its documented outcome (an HTTP status or a close code, and a log
//! line), and the server goes on serving others afterwards. Faults too: a
//! panicking handler, a thread that cannot start, a process out of file
//! descriptors, and thousands of connections that come and go.
//! See `tutorial/08-hardening.md`.

mod common;
mod support;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use support::*;
use wslab::close::CloseCode;
use wslab::config::Config;
use wslab::connection::echo;
use wslab::message::Limits;
use wslab::server::{Server, ServerHandle};
use wslab::threads;

/// A server like [`serve`]'s, with this process's log lines captured.
fn start(config: Config) -> ServerHandle {
    capture_logs();
    serve(config)
}

// ---------------------------------------------------------------------------
// Helpers

/// The server still does its job: a new client completes the opening
/// handshake, an echo, and the closing handshake.
fn assert_serves(addr: SocketAddr) {
    let mut stream = open(addr, "/echo");
    assert_echoes(&mut stream, TEXT, b"still serving");
    close_politely(&mut stream);
}

/// Sends Close 1000 and expects the server's Close 1000, then its FIN.
fn close_politely(stream: &mut TcpStream) {
    let close = client_frame(FIN | CLOSE, &close_body(1000, b""));
    stream.write_all(&close).unwrap();
    assert_closed_with(stream, Some(1000));
}

/// How many connections a test may hold open at once: each takes two file
/// descriptors in this process (ours and the server's), and other tests run
/// beside it, so stay well under the soft limit rather than raise it (which
/// std cannot do without libc).
fn affordable_connections(wanted: usize) -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1024);
    wanted.min(soft.saturating_sub(256) / 2)
}

// ---------------------------------------------------------------------------
// The opening handshake: size, count and time

#[test]
fn each_handshake_limit_gets_its_status_and_a_log_line_and_the_server_goes_on() {
    let server = start(Config {
        max_head: 512,
        max_headers: 8,
        handshake_timeout: Duration::from_millis(500),
        ..Config::default()
    });
    let padding = format!("X-Padding: {}", "a".repeat(600));
    let too_long = request("GET /echo HTTP/1.1", &[&padding]);
    let lines: Vec<String> = (0..9).map(|i| format!("X-Header-{i}: {i}")).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let too_many = request("GET /echo HTTP/1.1", &lines);
    let unfinished = "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_string();
    let cases = [
        (
            too_long,
            "431 Request Header Fields Too Large",
            "longer than 512 bytes",
        ),
        (
            too_many,
            "431 Request Header Fields Too Large",
            "more than 8 header lines",
        ),
        (unfinished, "408 Request Timeout", "did not arrive in time"),
    ];
    for (head, status, says) in cases {
        let mut stream = connect(server.addr());
        stream.write_all(head.as_bytes()).unwrap();
        let response = read_response(&mut stream);
        assert_rejected(&response, &format!("HTTP/1.1 {status}"), says);
        assert_logged(me(&stream), &format!("→ {status}: "));
        assert_serves(server.addr());
    }
}

/// Reads `server`'s log until a line about `peer` contains `needle`; returns
/// every line about `peer` read on the way. The server is a process of its
/// own, so no other test's client can share `peer`'s port in its log: Linux
/// may give the same source port to connections to different servers.
fn lines_until(server: &mut MainBinary, peer: SocketAddr, needle: &str) -> Vec<String> {
    let about = format!("{peer}:");
    let mut lines = Vec::new();
    loop {
        let line = server.wait_for_line(&about);
        let done = line.contains(needle);
        lines.push(line);
        if done {
            return lines;
        }
    }
}

#[test]
fn a_connection_that_sends_nothing_is_closed_quietly_and_a_started_head_gets_408() {
    // Browsers open spare connections that may never carry a request: no
    // 408 for them and no warning, only an info line. A head that started
    // and did not finish is still a 408 with a warning.
    let mut server = MainBinary::start_with(&["--handshake-timeout", "300ms"]);
    let mut silent = connect(server.addr);
    assert_eq!(read_to_eof(&mut silent), b"", "no answer to silence");
    let lines = lines_until(
        &mut server,
        me(&silent),
        "sent nothing within 300ms; closed",
    );
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("[INFO ") && !l.contains("408")),
        "{lines:#?}"
    );

    let mut leaving = connect(server.addr);
    leaving.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_to_eof(&mut leaving), b"");
    let lines = lines_until(
        &mut server,
        me(&leaving),
        "left after 0 bytes, before a request",
    );
    assert!(lines.iter().all(|l| l.starts_with("[INFO ")), "{lines:#?}");

    let mut started = connect(server.addr);
    started.write_all(b"G").unwrap();
    let response = read_response(&mut started);
    assert_rejected(&response, "HTTP/1.1 408 Request Timeout", "in time");
    let lines = lines_until(&mut server, me(&started), "? → 408 Request Timeout");
    assert!(lines.iter().any(|l| l.starts_with("[WARN ")), "{lines:#?}");
    assert_serves(server.addr);
}

#[test]
fn slow_loris_connections_are_cut_off_while_a_normal_client_is_served() {
    let n = affordable_connections(300);
    assert!(n >= 50, "too few file descriptors for this test: {n}");
    // Every loris's handshake timeout starts after `started`, so while less
    // than `timeout` has passed since then, none can have been cut off yet:
    // the count below is checked only in that window. A machine too slow to
    // set up within it gets a longer timeout and a new round.
    let mut timeout = Duration::from_secs(4);
    let (server, mut lorises) = loop {
        let server = start(Config {
            handshake_timeout: timeout,
            ..Config::default()
        });
        let started = Instant::now();
        let request = upgrade_request("/echo");
        let half = &request.as_bytes()[..request.len() / 2];
        let lorises: Vec<TcpStream> = (0..n)
            .map(|_| {
                let mut stream = connect(server.addr());
                stream.write_all(half).unwrap();
                stream
            })
            .collect();
        let too_late = || started.elapsed() >= timeout;
        eventually("every loris holds a thread", || {
            server.active() == n || too_late()
        });
        let mut client = open(server.addr(), "/echo");
        assert_echoes(&mut client, TEXT, b"served beside the lorises");
        let active = server.active();
        if !too_late() {
            assert_eq!(active, n + 1, "every loris and the client, all held");
            close_politely(&mut client);
            break (server, lorises);
        }
        assert!(
            timeout < Duration::from_secs(64),
            "setting up {n} lorises never took less than the handshake timeout"
        );
        timeout *= 2;
    };

    for loris in &mut lorises {
        loris.set_read_timeout(Some(timeout + TIMEOUT)).unwrap();
        let response = read_response(loris);
        assert_rejected(&response, "HTTP/1.1 408 Request Timeout", "in time");
        assert_logged(me(loris), "→ 408 Request Timeout");
    }
    eventually("every loris thread has ended", || server.active() == 0);
    assert_serves(server.addr());
}

// ---------------------------------------------------------------------------
// Messages: size, time, and closing

#[test]
fn frames_and_messages_over_the_limit_get_1009_and_a_log_line() {
    let server = start(Config {
        limits: Limits {
            max_frame: 1024,
            max_message: 4096,
        },
        ..Config::default()
    });
    // Exactly at the limits is fine: one 1024-byte frame, four of them in one message.
    let mut stream = open(server.addr(), "/echo");
    assert_echoes(&mut stream, BINARY, &pattern(1024));
    let quarter = pattern(1024);
    for first in [BINARY, CONTINUATION, CONTINUATION] {
        stream.write_all(&client_frame(first, &quarter)).unwrap();
    }
    stream
        .write_all(&client_frame(FIN | CONTINUATION, &quarter))
        .unwrap();
    let echoed = read_frame(&mut stream);
    assert_eq!((echoed.opcode, echoed.payload), (BINARY, quarter.repeat(4)));

    // A header that claims 1 TiB is refused from the header alone.
    let mut claim = header(FIN | BINARY, true, 1 << 40);
    claim.extend_from_slice(&MASK_KEY);
    stream.write_all(&claim).unwrap();
    assert_closed_with(&mut stream, Some(1009));
    assert_logged(
        me(&stream),
        "frame of 1099511627776 bytes; the limit is 1024; closing with 1009",
    );
    drop(stream);

    // Frames within the frame limit that add up past the message limit.
    let mut stream = open(server.addr(), "/echo");
    let mut fragments = client_frame(TEXT, &[b'a'; 1000]);
    for _ in 0..4 {
        fragments.extend(client_frame(CONTINUATION, &[b'a'; 1000]));
    }
    stream.write_all(&fragments).unwrap();
    assert_closed_with(&mut stream, Some(1009));
    assert_logged(me(&stream), "message of 5000 bytes; the limit is 4096");
    assert_serves(server.addr());
}

#[test]
fn an_idle_peer_is_pinged_then_dropped_after_a_second_idle_period() {
    let server = start(Config {
        idle_timeout: Duration::from_secs(1),
        ..Config::default()
    });
    let mut alive = open(server.addr(), "/echo");
    let mut dead = open(server.addr(), "/echo");
    // A peer that answers every Ping with a Pong stays, however quiet.
    for _ in 0..2 {
        let ping = read_frame(&mut alive);
        assert_eq!(ping.opcode, PING, "{ping:?}");
        alive
            .write_all(&client_frame(FIN | PONG, &ping.payload))
            .unwrap();
    }
    assert_echoes(&mut alive, TEXT, b"still alive");
    // A peer that does not is pinged once, then dropped without a Close: it
    // is presumed dead, and a Close would only wait for an answer in vain.
    let ping = read_frame(&mut dead);
    assert_eq!(ping.opcode, PING, "{ping:?}");
    assert_eof(&mut dead);
    assert_logged(me(&dead), "no answer to our ping; dropping the connection");
    close_politely(&mut alive);
    eventually("both threads have ended", || server.active() == 0);
}

#[test]
fn a_peer_that_never_answers_our_close_is_cut_off_after_the_close_timeout() {
    let server = start(Config {
        close_timeout: Duration::from_millis(500),
        ..Config::default()
    });
    let mut stream = open(server.addr(), "/echo");
    stream
        .write_all(&client_frame(FIN | TEXT, b"not UTF-8: \xff"))
        .unwrap();
    let close = read_frame(&mut stream);
    assert_eq!(close.close_code(), Some(1007));
    assert_logged(me(&stream), "closing with 1007");
    // We never send our Close, nor our FIN, and keep talking: the server's
    // drain cannot end on our FIN, only on its close timeout, after which the
    // socket is gone and our writes fail.
    let mut cut_off = false;
    for _ in 0..200 {
        if stream
            .write_all(&client_frame(FIN | PING, b"hello?"))
            .is_err()
        {
            cut_off = true;
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    assert!(cut_off, "the server kept the connection open");
    assert_logged(
        me(&stream),
        "the client did not finish the closing handshake within 500ms; closing the connection",
    );
    eventually("the connection's thread has ended", || server.active() == 0);
    assert_serves(server.addr());
}

// ---------------------------------------------------------------------------
// Connections: how many, and how they end

#[test]
fn past_max_connections_the_next_gets_503_and_a_freed_slot_is_reused() {
    let server = start(Config {
        max_connections: 2,
        ..Config::default()
    });
    let mut first = open(server.addr(), "/echo");
    let mut second = open(server.addr(), "/echo");
    eventually("two connections", || server.active() == 2);
    // The accept thread answers at once, without waiting for the request.
    let mut third = connect(server.addr());
    let response = read_response(&mut third);
    assert_rejected(&response, "HTTP/1.1 503 Service Unavailable", "try again");
    assert!(response.header("Retry-After").is_some(), "{response:#?}");
    assert_logged(me(&third), "refused: 2 connections already");
    assert_echoes(&mut second, TEXT, b"unaffected");

    close_politely(&mut first);
    drop(first);
    eventually("the first connection's slot is free", || {
        server.active() == 1
    });
    assert_serves(server.addr());
    close_politely(&mut second);
}

#[test]
fn graceful_shutdown_sends_1001_to_every_connection_and_releases_them_all() {
    let mut server = start(Config {
        close_timeout: Duration::from_secs(1),
        ..Config::default()
    });
    let addr = server.addr();
    let polite: Vec<thread::JoinHandle<()>> = (0..3)
        .map(|_| {
            let mut stream = open(addr, "/echo");
            thread::spawn(move || {
                let close = read_frame(&mut stream);
                assert_eq!(close.close_code(), Some(1001), "{close:?}");
                let answer = client_frame(FIN | CLOSE, &close.payload[..2]);
                stream.write_all(&answer).unwrap();
                assert_eof(&mut stream);
            })
        })
        .collect();
    let mut silent = open(addr, "/echo");
    eventually("four connections", || server.active() == 4);

    server.shutdown();
    for client in polite {
        client.join().expect("a polite client got its 1001");
    }
    // The silent one got its 1001 too, and was cut off after the close timeout.
    let close = read_frame(&mut silent);
    assert_eq!(close.close_code(), Some(1001), "{close:?}");
    assert_eof(&mut silent);
    eventually("every connection released", || server.active() == 0);
    assert!(LOG
        .lock()
        .unwrap()
        .iter()
        .any(|line| line.contains("shutting down: closing 4 connections with 1001")));
    assert!(
        TcpStream::connect_timeout(&addr, TIMEOUT).is_err(),
        "the listener should be closed after shutdown"
    );
}

#[test]
fn shutdown_during_a_big_echo_to_a_slow_reader_delivers_the_echo_then_1001() {
    // A close timeout long enough for the whole echo; the point is the order.
    let mut server = start(Config {
        close_timeout: Duration::from_secs(120),
        ..Config::default()
    });
    let mut client = open(server.addr(), "/echo");
    let payload = pattern(12 << 20);
    let sender = {
        let mut client = client.try_clone().unwrap();
        let frame = client_frame(FIN | BINARY, &payload);
        thread::spawn(move || client.write_all(&frame).unwrap())
    };
    // The echo's header has arrived: the server is writing 12 MiB, more than
    // the sockets' buffers hold while we read no further.
    let mut header = [0u8; 10];
    client.read_exact(&mut header).unwrap();
    assert_eq!(header[..2], [FIN | BINARY, 127]);
    sender.join().unwrap();
    let shutdown = thread::spawn(move || {
        server.shutdown();
        server
    });
    assert_logged(me(&client), "a write is in progress; the Close follows it");
    let mut echoed = vec![0u8; payload.len()];
    client.read_exact(&mut echoed).unwrap();
    assert!(echoed == payload, "the echo arrived whole");
    let close = read_frame(&mut client);
    assert_eq!(close.close_code(), Some(1001), "{close:?}");
    client
        .write_all(&client_frame(FIN | CLOSE, &close.payload[..2]))
        .unwrap();
    assert_eof(&mut client);
    let client_addr = me(&client);
    drop(client); // our FIN, which the server waits for
    let server = shutdown.join().unwrap();
    assert_eq!(server.active(), 0);
    assert_logged(client_addr, "closed by the server: 1001 (going away)");
}

#[test]
fn a_close_sent_from_another_thread_frees_a_silent_peer_within_the_close_timeout() {
    // An idle timeout far beyond any test: only the close timeout can end it.
    let config = Config {
        idle_timeout: Duration::from_secs(3600),
        close_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    capture_logs();
    let server = Server::bind("127.0.0.1:0", config)
        .unwrap()
        .websocket("/closed-elsewhere", |mut connection| {
            let handle = connection.handle();
            let closer = thread::spawn(move || handle.close(CloseCode::POLICY_VIOLATION, "go"));
            while connection.recv().is_some() {}
            closer.join().unwrap();
        })
        .spawn()
        .unwrap();
    // The peer reads our Close but never answers it, nor sends anything.
    let mut silent = open(server.addr(), "/closed-elsewhere");
    let close = read_frame(&mut silent);
    assert_eq!(close.close_code(), Some(1008));
    eventually("the connection's threads have ended", || {
        server.active() == 0
    });
    assert_logged(
        me(&silent),
        "cut: no Close from the client within 300ms of ours",
    );
    assert_logged(me(&silent), "closed by the server: 1008 (policy violation)");
    let mut rest = Vec::new();
    let _ = silent.read_to_end(&mut rest);
    assert_eq!(rest, b"", "nothing after the Close");
}

#[test]
fn a_handshake_in_progress_at_shutdown_is_not_upgraded_afterwards() {
    let mut server = start(Config {
        close_timeout: Duration::from_millis(500),
        ..Config::default()
    });
    let mut stream = connect(server.addr());
    let request = upgrade_request("/echo");
    let (first, rest) = request.as_bytes().split_at(20);
    stream.write_all(first).unwrap();
    eventually("the handshake has started", || server.active() == 1);
    server.shutdown();
    // The rest of the head arrives after shutdown: whatever the server does
    // with it (a 503, or nothing), it must not open a WebSocket connection.
    let _ = stream.write_all(rest);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert!(
        !answer.starts_with(b"HTTP/1.1 101"),
        "upgraded after shutdown: {:?}",
        String::from_utf8_lossy(&answer)
    );
    eventually("every connection released", || server.active() == 0);
}

#[test]
fn a_panicking_handler_is_contained_logged_and_its_slot_released() {
    capture_logs();
    let server = Server::bind("127.0.0.1:0", Config::default())
        .unwrap()
        .websocket("/panic", |connection| {
            panic!("a bug in the handler for {}", connection.peer())
        })
        .websocket("/echo", echo)
        .spawn()
        .unwrap();
    let mut bystander = open(server.addr(), "/echo");
    let mut victim = open(server.addr(), "/panic");
    // python-websockets' rule: Close 1011, with nothing of the panic in it.
    let close = read_frame(&mut victim);
    assert_eq!((close.opcode, close.close_code()), (CLOSE, Some(1011)));
    assert_eq!(close.payload.len(), 2, "no internal detail in the reason");
    victim
        .write_all(&client_frame(FIN | CLOSE, &close_body(1011, b"")))
        .unwrap();
    assert_eof(&mut victim);
    assert_logged(me(&victim), "the handler panicked; closing with 1011");
    eventually("the panicked connection's slot is released", || {
        server.active() == 1
    });
    assert_echoes(&mut bystander, TEXT, b"unaffected");
    assert_serves(server.addr());
    close_politely(&mut bystander);
}

#[cfg(target_pointer_width = "64")]
#[test]
fn a_connection_whose_thread_cannot_start_gets_503() {
    // A stack bigger than the address space (1 PiB): the kernel refuses to
    // map it, so every spawn fails, as it would when out of memory or threads.
    let server = start(Config {
        stack_size: 1 << 50,
        ..Config::default()
    });
    for _ in 0..3 {
        let mut stream = connect(server.addr());
        let response = read_response(&mut stream);
        assert_rejected(&response, "HTTP/1.1 503 Service Unavailable", "try again");
        assert_logged(me(&stream), "cannot start a thread");
        assert_eq!(server.active(), 0);
    }
}

#[test]
fn past_the_thread_budget_the_next_gets_503_and_an_ended_thread_makes_room() {
    // The budget vm.max_map_count sets (some 16,000 threads on Linux's
    // default), made small: two threads.
    capture_logs();
    let budget = Arc::new(threads::Budget::new(2, "the test's budget"));
    let server = Server::bind("127.0.0.1:0", Config::default())
        .unwrap()
        .websocket("/echo", echo)
        .thread_budget(Arc::clone(&budget))
        .spawn()
        .unwrap();
    let mut first = open(server.addr(), "/echo");
    let mut second = open(server.addr(), "/echo");
    let mut third = connect(server.addr());
    let response = read_response(&mut third);
    assert_rejected(&response, "HTTP/1.1 503 Service Unavailable", "try again");
    assert_logged(
        me(&third),
        "cannot start a thread: 2 threads already, the test's budget; refusing with 503",
    );
    assert_eq!(server.active(), 2);
    assert_echoes(&mut second, TEXT, b"unaffected");

    close_politely(&mut first);
    drop(first);
    eventually("the first connection's thread has ended", || {
        budget.live() == 1
    });
    assert_serves(server.addr());
    close_politely(&mut second);
}

// ---------------------------------------------------------------------------
// Out of file descriptors, in a process of its own

#[test]
fn past_the_open_files_limit_the_next_client_gets_503_and_a_freed_slot_is_reused() {
    // A limit of 64 descriptors and a cap of 1000 connections: the
    // descriptors run out first, and the spare one answers 503.
    const LIMIT: usize = 64;
    let mut server = MainBinary::start_with_fd_limit(LIMIT, &["--max-connections", "1000"]);
    // The descriptors numbered below the limit, the only ones `accept` may
    // use (one inherited from whoever started the test may sit above it).
    let fd_dir = format!("/proc/{}/fd", server.pid());
    let in_use = || {
        std::fs::read_dir(&fd_dir)
            .expect("/proc/PID/fd")
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<usize>().ok())
            .filter(|&fd| fd < LIMIT)
            .count()
    };
    // Each connection takes one of the server's descriptors. Once the first
    // is served, the spare is open and nothing else opens or closes one, so
    // every descriptor still free takes one more connection, and the next
    // client is refused. That client never sends a byte.
    let mut held = vec![open(server.addr, "/echo")];
    let free = LIMIT - in_use();
    for _ in 0..free {
        held.push(open(server.addr, "/echo"));
    }
    assert!(held.len() > LIMIT / 2, "only {} served", held.len());
    for _ in 0..2 {
        let mut refused = connect(server.addr);
        let response = read_response(&mut refused);
        assert_rejected(&response, "HTTP/1.1 503 Service Unavailable", "try again");
        assert!(response.header("Retry-After").is_some(), "{response:#?}");
        let line = server.wait_for_line(&format!("{}: refused: ", me(&refused)));
        assert!(
            line.contains("Too many open files") && line.contains("ulimit -n"),
            "{line}"
        );
    }
    assert_echoes(&mut held[0], TEXT, b"unaffected");

    // Out of descriptors, the accept thread waits with the spare closed, so
    // this count means every connection, or all but one, has ended.
    let n = held.len();
    drop(held);
    eventually("the server has closed the connections", || {
        in_use() <= LIMIT - n
    });
    let mut again = open(server.addr, "/echo");
    assert_echoes(&mut again, TEXT, b"served again");
    close_politely(&mut again);
}

// ---------------------------------------------------------------------------
// Churn: nothing leaks

/// Runs the churn in a child process of its own, so that no other test's
/// threads and sockets come and go while the counts are compared.
#[test]
fn connection_churn_returns_threads_and_fds_to_baseline() {
    let Some(output) = alone(
        "connection_churn_returns_threads_and_fds_to_baseline",
        Duration::from_secs(120),
    ) else {
        return churn();
    };
    assert!(output.contains("churn: back to"), "{output}");
}

/// 2000 connections that come and go in three ways, from four clients at
/// once; then every thread and descriptor they took must be given back.
fn churn() {
    let server = serve(Config {
        handshake_timeout: Duration::from_secs(2),
        ..Config::default()
    });
    let addr = server.addr();
    let cycle = move |i: usize| match i % 3 {
        // The whole life: handshake, a message, the closing handshake.
        0 => {
            let mut stream = open(addr, "/echo");
            assert_echoes(&mut stream, TEXT, b"churn");
            close_politely(&mut stream);
        }
        // Handshake, then gone without a word.
        1 => drop(open(addr, "/echo")),
        // Half a request head, then gone.
        _ => {
            let mut stream = connect(addr);
            let request = upgrade_request("/echo");
            stream
                .write_all(&request.as_bytes()[..request.len() / 2])
                .unwrap();
        }
    };
    let threads = count_entries("/proc/self/task");
    // The accept loop opens its spare descriptor when it starts: after one
    // whole cycle it surely has, and the cycle's own socket is closed.
    cycle(0);
    eventually("the first connection has ended", || server.active() == 0);
    let fds = count_entries("/proc/self/fd");
    let clients: Vec<_> = (0..4)
        .map(|client| thread::spawn(move || (0..500).for_each(|i| cycle(4 * i + client))))
        .collect();
    for client in clients {
        client.join().expect("a churning client");
    }
    // A client that has dropped its socket may not have been accepted yet.
    // The accept queue is first in, first out, so once one last whole cycle
    // is done, every connection before it has at least been accepted.
    cycle(0);
    eventually("every churned connection has ended", || {
        server.active() == 0
    });
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let now = (
            count_entries("/proc/self/task"),
            count_entries("/proc/self/fd"),
        );
        if now == (threads, fds) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "threads and fds: {now:?} after the churn, {:?} before",
            (threads, fds)
        );
        thread::sleep(Duration::from_millis(20));
    }
    println!("churn: back to {threads} threads and {fds} file descriptors");
    let _ = io::stdout().flush();
}
