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
use std::time::Duration;
use workloads::{Limit, Workload};
use wslab::cli::{self, Cli};

const USAGE: &str =
    "usage: cargo run --release --example step9 -- [--addr HOST:PORT] [--seconds S] [--tcp]

  --addr HOST:PORT  the echo server (default 127.0.0.1:8080, the main server)
  --seconds S       how long each of the two runs lasts (default 2)
  --tcp             the server is a raw TCP echo, not WebSocket";

fn main() {
    let args = Cli::from_env(USAGE, &["--addr", "--seconds"], &["--tcp"]);
    let addr = args
        .addr("127.0.0.1:8080")
        .unwrap_or_else(|error| cli::exit_with(&error, USAGE));
    let seconds: f64 = args
        .value("--seconds", 2.0, "seconds, such as 0.5")
        .unwrap_or_else(|error| cli::exit_with(&error, USAGE));
    let proto = if args.has("--tcp") {
        Proto::Tcp
    } else {
        Proto::WebSocket
    };
    // ANCHOR: main
    let limit = Limit {
        budget: Duration::from_secs_f64(seconds.clamp(0.1, 60.0)),
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
    // ANCHOR_END: main
}
