//! step3, chapter 3's server: with a thread per connection, a client that says
//! nothing holds up nobody but itself, and its read timeout ends it. step1,
//! for contrast, is held up by it.

mod common;

use common::{Client, Running, QUIET, TIMEOUT};
use std::thread;
use wslab::reverse::GREETING;

#[test]
fn a_silent_client_holds_up_none_of_ten_others() {
    let server = Running::example("step3", &["--timeout", "60"]);
    let mut silent = Client::connect(server.addr);
    assert_eq!(silent.read_line(), GREETING);

    let addr = server.addr;
    let others: Vec<_> = (0..10)
        .map(|i| {
            thread::spawn(move || {
                let mut client = Client::connect(addr);
                assert_eq!(client.read_line(), GREETING);
                client.send(format!("client {i}, 你好\n").as_bytes());
                client.read_all()
            })
        })
        .collect();
    for (i, other) in others.into_iter().enumerate() {
        let answer = other.join().unwrap_or_else(|_| panic!("client {i} failed"));
        assert_eq!(answer, format!("好你 ,{i} tneilc\n"));
    }

    // The silent client's connection was held all along: it is answered now.
    silent.send(b"still here\n");
    assert_eq!(silent.read_all(), "ereh llits\n");
    assert!(
        server.wait_for_logs("answered 127.0.0.1:", 11, TIMEOUT),
        "{}",
        server.output()
    );
}

#[test]
fn with_step1_a_silent_client_holds_up_the_next_one() {
    let server = Running::example("step1", &["--clients", "2"]);
    let mut silent = Client::connect(server.addr);
    assert_eq!(silent.read_line(), GREETING);

    // The second connection is made (the kernel queues it) but not served.
    let mut next = Client::connect(server.addr);
    next.expect_silence(QUIET);
    assert!(
        !server.logs().iter().any(|l| l.contains("client 2 of 2")),
        "{}",
        server.output()
    );

    // As soon as the first client is done, the second is greeted.
    silent.send(b"done\n");
    assert_eq!(silent.read_all(), "enod\n");
    assert_eq!(next.read_line(), GREETING);
    next.send(b"me too\n");
    assert_eq!(next.read_all(), "oot em\n");
}

#[test]
fn a_silent_client_is_closed_when_its_timeout_runs_out() {
    let server = Running::example("step3", &["--timeout", "1"]);
    let mut silent = Client::connect(server.addr);
    let peer = silent.local_addr();
    assert_eq!(silent.read_line(), GREETING);
    assert_eq!(silent.read_all(), "", "closed without another word");
    server.expect_log(&format!("{peer}: no complete line within the read timeout"));
    // Others are still served.
    let mut client = Client::connect(server.addr);
    assert_eq!(client.read_line(), GREETING);
    client.send(b"ok\n");
    assert_eq!(client.read_all(), "ko\n");
}

#[test]
fn a_zero_timeout_is_refused() {
    let finished = common::Launch::example("step3")
        .args(&["--timeout", "0"])
        .run(TIMEOUT);
    finished.expect_failure(2, "invalid value \"0\" for --timeout");
}

/// Counts the entries of `/proc/PID/<dir>` (Linux).
#[cfg(target_os = "linux")]
fn count(server: &Running, dir: &str) -> usize {
    std::fs::read_dir(format!("/proc/{}/{dir}", server.id()))
        .unwrap()
        .count()
}

#[cfg(target_os = "linux")]
#[test]
fn each_client_costs_one_thread_and_one_file_descriptor() {
    use std::time::{Duration, Instant};

    let server = Running::example("step3", &[]);
    let (threads, fds) = (count(&server, "task"), count(&server, "fd"));
    assert_eq!(threads, 1, "only the accepting thread");

    let clients: Vec<Client> = (0..5)
        .map(|_| {
            let mut client = Client::connect(server.addr);
            // The greeting comes from the client's thread: it is running.
            assert_eq!(client.read_line(), GREETING);
            client
        })
        .collect();
    assert_eq!(count(&server, "task"), threads + 5);
    assert_eq!(count(&server, "fd"), fds + 5);

    // When the clients leave, their threads end and their descriptors close.
    drop(clients);
    let deadline = Instant::now() + TIMEOUT;
    while (count(&server, "task"), count(&server, "fd")) != (threads, fds) {
        assert!(
            Instant::now() < deadline,
            "threads and descriptors not released\n{}",
            server.output()
        );
        thread::sleep(Duration::from_millis(10));
    }
}
