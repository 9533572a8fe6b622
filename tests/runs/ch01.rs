//! Chapter 1, listen and accept: step1 and `nc`.

use super::{NC, STEP_ADDR};
use crate::common::{Client, Launch, Ports, Transcript, TIMEOUT};

/// step1 and one client that sends a line with Chinese in it.
pub fn first_client() -> Vec<(&'static str, String)> {
    let mut server = Launch::example("step1").start();
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);
    let command = server.launch.command_line();
    let listening = server.logs();

    let mut nc = Client::connect(server.addr);
    ports.client(nc.local_addr());
    let greeting = nc.read_line();
    let typed = "你好, wslab\n";
    nc.send(typed.as_bytes());
    let answer = nc.read_all();
    server.expect_log("closed 127.0.0.1:");
    assert_eq!(answer, "balsw ,好你\n");
    let log = server.logs();
    assert!(
        server.wait_exit(std::time::Duration::ZERO).is_none(),
        "step1 stopped after one client"
    );

    vec![
        (
            "step1-listening",
            Transcript::new()
                .command(&command)
                .lines(&listening)
                .render(&mut ports),
        ),
        (
            "step1-nc",
            Transcript::new()
                .command(NC)
                .text(&greeting)
                .text(typed)
                .text(&answer)
                .render(&mut ports),
        ),
        (
            "step1-log",
            Transcript::new()
                .command(&command)
                .lines(&log)
                .render(&mut ports),
        ),
    ]
}

/// step1 limited to two clients, both of which send something that is not a
/// line it can reverse.
pub fn bad_input() -> Vec<(&'static str, String)> {
    let mut server = Launch::example("step1").args(&["--clients", "2"]).start();
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);
    let mut terminal = Transcript::new();

    let inputs: [(&str, Vec<u8>); 2] = [
        (r"printf '\xff\xfe\n'", b"\xff\xfe\n".to_vec()),
        (r"head -c 1024 /dev/zero | tr '\0' a", vec![b'a'; 1024]),
    ];
    for (producer, bytes) in inputs {
        let mut nc = Client::connect(server.addr);
        ports.client(nc.local_addr());
        nc.send(&bytes);
        let got = nc.read_all();
        terminal.command(&format!("{producer} | {NC}")).text(&got);
    }
    let status = server
        .wait_exit(TIMEOUT)
        .unwrap_or_else(|| panic!("step1 --clients 2 still runs\n{}", server.output()));
    assert!(status.success(), "{status}\n{}", server.output());
    let log = Transcript::server(&server).render(&mut ports);
    vec![
        ("step1-bad-input", terminal.render(&mut ports)),
        ("step1-bad-input-log", log),
    ]
}

/// One line that arrives in two reads, with the debug log on.
pub fn a_line_in_two_reads() -> Vec<(&'static str, String)> {
    let mut server = Launch::example("step1")
        .env("RUST_LOG", "debug")
        .args(&["--clients", "1"])
        .start();
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);
    let mut nc = Client::connect(server.addr);
    ports.client(nc.local_addr());
    nc.read_line();
    nc.send("你好".as_bytes());
    server.expect_log("read 6 bytes");
    nc.send(" wslab\n".as_bytes());
    assert_eq!(nc.read_all(), "balsw 好你\n");
    server.wait_exit(TIMEOUT).expect("step1 --clients 1 stops");
    vec![(
        "step1-debug-log",
        Transcript::server(&server).render(&mut ports),
    )]
}
