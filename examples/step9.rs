//! Step 9, measuring: a small load client. It sends 16-byte messages to an echo
//! server one at a time (ping-pong), then 32 at a time (pipelined), and prints
//! the round trips per second of each. The difference is what answering a
//! burst with one write instead of one write per message buys.
//! Read it with `tutorial/09-performance.md#a-load-client-of-your-own`.
//!
//! Try it: `cargo run --release` in one terminal, then
//! `cargo run --release --example step9` in another. `make bench` runs the
//! full comparison with tungstenite and raw TCP.

// The benchmark harness's own client and workloads, shared rather than copied.
#[allow(dead_code)]
#[path = "../benches/load/client.rs"]
mod client;
#[allow(dead_code)]
#[path = "../benches/load/workloads.rs"]
mod workloads;

use client::Proto;
use std::net::SocketAddr;
use std::time::Duration;
use workloads::{Limit, Workload};
use wslab::cli::Flags;

const ABOUT: &str = "Measures an echo server's round trips per second, one message in flight \
                     and then 32.";

fn main() {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 8080));
    let mut seconds = Duration::from_secs(2);
    let mut tcp = false;
    Flags::new("cargo run --release --example step9 --", ABOUT)
        .flag(
            "--addr",
            "the echo server to measure, such as the main server",
            &mut addr,
        )
        .flag(
            "--seconds",
            "how long each of the two runs lasts, up to 1m",
            &mut seconds,
        )
        .flag(
            "--tcp",
            "the server is a raw TCP echo, not WebSocket",
            &mut tcp,
        )
        .parse_env();
    let proto = if tcp { Proto::Tcp } else { Proto::WebSocket };
    let limit = Limit {
        budget: seconds.clamp(Duration::from_millis(100), Duration::from_secs(60)),
        max: u64::MAX,
    };
    let mut first = None;
    for (name, workload) in [
        ("ping-pong, 1 in flight", Workload::PingPong { len: 16 }),
        (
            "pipelined, 32 in flight",
            Workload::Pipelined { len: 16, depth: 32 },
        ),
    ] {
        match workload.run(addr, proto, limit, true) {
            Ok(sample) => {
                let rate = sample.per_second();
                let speedup = first.map_or(String::new(), |f| format!(" ({:.1}x)", rate / f));
                first = first.or(Some(rate));
                println!("{name:<24} {rate:>10.0} round trips/s{speedup}");
            }
            Err(error) => {
                eprintln!("{name}: {error} (is an echo server listening on {addr}?)");
                std::process::exit(1);
            }
        }
    }
}
