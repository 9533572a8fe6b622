//! Chapter 3, many clients: step1 blocked by a silent client, then step3.

use super::{NC, STEP_ADDR};
use crate::common::{Client, Launch, Ports, Transcript, QUIET, TIMEOUT};

/// step1: while the first client says nothing, the second gets no greeting.
pub fn step1_blocks() -> Vec<(&'static str, String)> {
    let mut server = Launch::example("step1").args(&["--clients", "2"]).start();
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);
    let command = server.launch.command_line();

    let mut silent = Client::connect(server.addr);
    ports.client(silent.local_addr());
    silent.read_line();
    let mut waiting = Client::connect(server.addr);
    ports.client(waiting.local_addr());
    waiting.expect_silence(QUIET);
    let blocked = server.logs();

    silent.send(b"hello\n");
    assert_eq!(silent.read_all(), "olleh\n");
    waiting.read_line();
    waiting.send(b"world\n");
    assert_eq!(waiting.read_all(), "dlrow\n");
    server.wait_exit(TIMEOUT).expect("step1 --clients 2 stops");

    vec![
        (
            "step1-blocked-log",
            Transcript::new()
                .command(&command)
                .lines(&blocked)
                .render(&mut ports),
        ),
        (
            "step1-unblocked-log",
            Transcript::new()
                .command(&command)
                .lines(&server.logs())
                .render(&mut ports),
        ),
    ]
}

/// step3: the same two clients; the second is answered at once.
pub fn step3_does_not_block() -> Vec<(&'static str, String)> {
    let server = Launch::example("step3").start();
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);

    let mut silent = Client::connect(server.addr);
    ports.client(silent.local_addr());
    silent.read_line();
    server.expect_log("accepted 127.0.0.1:");

    let mut other = Client::connect(server.addr);
    ports.client(other.local_addr());
    let greeting = other.read_line();
    other.send(b"world\n");
    let answer = other.read_all();
    let other_addr = other.local_addr().to_string();
    server.expect_log(&format!("closed {other_addr}"));

    silent.send("你好\n".as_bytes());
    assert_eq!(silent.read_all(), "好你\n");
    server.expect_log(&format!("closed {}", silent.local_addr()));

    vec![
        (
            "step3-nc",
            Transcript::new()
                .command(NC)
                .text(&greeting)
                .text("world\n")
                .text(&answer)
                .render(&mut ports),
        ),
        ("step3-log", Transcript::server(&server).render(&mut ports)),
    ]
}

/// step3 with three silent clients: one thread each, plus the main thread.
pub fn a_thread_per_client() -> Vec<(&'static str, String)> {
    let server = Launch::example("step3").start();
    let clients: Vec<Client> = (0..3)
        .map(|_| {
            let mut client = Client::connect(server.addr);
            client.read_line();
            client
        })
        .collect();
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.id()))
        .expect("/proc/PID/status (this transcript needs Linux)");
    let threads = status
        .lines()
        .find(|line| line.starts_with("Threads:"))
        .expect("a Threads: line");
    drop(clients);
    vec![(
        "step3-threads",
        Transcript::new()
            .command("grep Threads /proc/$(pgrep -x step3)/status")
            .text(threads)
            .render(&mut Ports::new()),
    )]
}

/// step3 with a one-second read timeout and a client that never sends.
pub fn a_silent_client_times_out() -> Vec<(&'static str, String)> {
    let server = Launch::example("step3").args(&["--timeout", "1s"]).start();
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);
    let mut silent = Client::connect(server.addr);
    ports.client(silent.local_addr());
    silent.read_line();
    assert_eq!(silent.read_all(), "", "the server closes without a word");
    server.expect_log(&format!("closed {}", silent.local_addr()));
    vec![(
        "step3-timeout-log",
        Transcript::server(&server).render(&mut ports),
    )]
}

/// step3 refuses a timeout of zero before it listens: a command-line mistake,
/// exit status 2, and the help.
pub fn a_zero_timeout_is_refused() -> Vec<(&'static str, String)> {
    let refused = Launch::example("step3")
        .args(&["--timeout", "0"])
        .run(TIMEOUT);
    refused.expect_failure(2, "invalid value \"0\" for --timeout");
    let code = refused.status.code().expect("an exit code");
    // Nothing listened: the addresses in the help are text, shown as they are.
    let mut ports = Ports::new();
    for shown in [STEP_ADDR, "127.0.0.1:8080"] {
        ports.server(shown.parse().unwrap(), shown);
    }
    vec![(
        "step3-zero-timeout",
        Transcript::new()
            .finished(&refused)
            .command("echo $?")
            .text(&code.to_string())
            .render(&mut ports),
    )]
}
