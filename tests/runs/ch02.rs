//! Chapter 2, the other end: step2 against step1, and against nothing.

use std::net::TcpListener;

use super::STEP_ADDR;
use crate::common::{Launch, Ports, Transcript, TIMEOUT};

/// step2 sends a line to step1 and prints the answer.
pub fn hello() -> Vec<(&'static str, String)> {
    let server = Launch::example("step1").start();
    let mut ports = Ports::new();
    ports.server(server.addr, STEP_ADDR);
    let client = Launch::example("step2")
        .args(&["--message", "你好, wslab"])
        .connect_to(server.addr)
        .run(TIMEOUT);
    assert!(client.status.success(), "{}", client.output());
    vec![(
        "step2-hello",
        Transcript::new().finished(&client).render(&mut ports),
    )]
}

/// step2 with no server: a port that was just free.
pub fn refused() -> Vec<(&'static str, String)> {
    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap();
    let mut ports = Ports::new();
    ports.server(addr, STEP_ADDR);
    let client = Launch::example("step2").connect_to(addr).run(TIMEOUT);
    let code = client.status.code().expect("an exit code");
    vec![(
        "step2-refused",
        Transcript::new()
            .finished(&client)
            .command("echo $?")
            .text(&code.to_string())
            .render(&mut ports),
    )]
}
