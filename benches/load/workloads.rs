//! The workloads. Each runs against one server for a time budget (and at most
//! a number of round trips) and returns how many round trips it completed.
//! Connections are opened before the clock starts, except in `Handshakes`,
//! where opening them is the thing measured.

use crate::client::{Keys, Peer, Proto};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};
use wslab::frame::OpCode;

/// What one run measured.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub round_trips: u64,
    pub elapsed: Duration,
}

impl Sample {
    pub fn per_second(&self) -> f64 {
        self.round_trips as f64 / self.elapsed.as_secs_f64()
    }
}

/// The load generator's workloads, in the order of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// One connection; send a message, wait for its echo, repeat.
    PingPong { len: usize },
    /// One connection with `depth` messages in flight.
    Pipelined { len: usize, depth: usize },
    /// `conns` connections, each its own ping-pong, on a thread each.
    Connections { len: usize, conns: usize },
    /// One big message at a time.
    Large { len: usize, text: bool },
    /// Connect, handshake, close handshake: the whole life of a connection.
    Handshakes,
}

impl Workload {
    /// At most this many round trips in one round. Handshakes are capped:
    /// each leaves a socket in TIME_WAIT for a minute, loopback has some
    /// 28,000 ports, and the kernel keeps 131,072 such sockets at most
    /// (`net.ipv4.tcp_max_tw_buckets`), for every program on the machine.
    pub fn max_per_round(&self) -> u64 {
        match self {
            Workload::Handshakes => 500,
            _ => u64::MAX,
        }
    }

    /// Runs against the server at `addr` until `limit`. With `check`, first
    /// verifies one echo byte for byte.
    pub fn run(
        &self,
        addr: SocketAddr,
        proto: Proto,
        limit: Limit,
        check: bool,
    ) -> io::Result<Sample> {
        match *self {
            // Ping-pong is a window of one message.
            Workload::PingPong { len } => pipelined(addr, proto, len, 1, limit, check),
            Workload::Pipelined { len, depth } => pipelined(addr, proto, len, depth, limit, check),
            Workload::Connections { len, conns } => connections(addr, proto, len, conns, limit),
            Workload::Large { len, text } => large(addr, proto, len, text, limit, check),
            Workload::Handshakes => handshakes(addr, proto, limit),
        }
    }
}

/// When a run stops: after `budget`, or `max` round trips, whichever comes
/// first; but never before 3 round trips, so slow workloads still give a rate.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub budget: Duration,
    pub max: u64,
}

impl Limit {
    fn done(&self, round_trips: u64, start: Instant) -> bool {
        round_trips >= self.max || (round_trips >= 3 && start.elapsed() >= self.budget)
    }
}

fn payload(len: usize, text: bool) -> Vec<u8> {
    if !text {
        return (0..len).map(|i| (i * 7 + 3) as u8).collect();
    }
    // Mostly ASCII with 2-, 3- and 4-byte characters, so validation has work.
    let pattern = "The quick brown fox jumps over the lazy dog. κόσμε 你好 🎉 ";
    let mut text: String = pattern.chars().cycle().take(len).collect();
    while text.len() > len {
        text.pop();
    }
    while text.len() < len {
        text.push('.');
    }
    text.into_bytes()
}

fn opcode(text: bool) -> OpCode {
    if text {
        OpCode::Text
    } else {
        OpCode::Binary
    }
}

/// Sends one message and checks that the very same bytes come back.
fn check_echo(peer: &mut Peer, message: &[u8], payload: &[u8]) -> io::Result<()> {
    peer.send(message)?;
    let mut echoed = Vec::with_capacity(payload.len());
    peer.read_reply(payload.len(), Some(&mut echoed))?;
    if echoed != payload {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the echo differs from what was sent",
        ));
    }
    Ok(())
}

// ANCHOR: pipelined
fn pipelined(
    addr: SocketAddr,
    proto: Proto,
    len: usize,
    depth: usize,
    limit: Limit,
    check: bool,
) -> io::Result<Sample> {
    let mut peer = Peer::connect(addr, proto, "/echo", 64 << 10)?;
    let payload = payload(len, false);
    let mut keys = Keys::new(depth as u64);
    let first = peer.encode(OpCode::Binary, &payload, keys.next_key());
    if check {
        check_echo(&mut peer, &first, &payload)?;
    }
    // `depth` frames back to back, each with its own key; any prefix of
    // whole frames can be written in one call.
    let mut window = first.clone();
    for _ in 1..depth {
        window.extend(peer.encode(OpCode::Binary, &payload, keys.next_key()));
    }
    let size = first.len();
    let start = Instant::now();
    peer.send(&window)?;
    let (mut sent, mut round_trips) = (depth as u64, 0);
    while !limit.done(round_trips, start) {
        let echoed = peer.read_replies(len)?;
        round_trips += echoed as u64;
        peer.send(&window[..echoed * size])?;
        sent += echoed as u64;
    }
    let sample = Sample {
        round_trips,
        elapsed: start.elapsed(),
    };
    let mut drained = round_trips;
    while drained < sent {
        drained += peer.read_replies(len)? as u64;
    }
    peer.close()?;
    Ok(sample)
}
// ANCHOR_END: pipelined

fn connections(
    addr: SocketAddr,
    proto: Proto,
    len: usize,
    conns: usize,
    limit: Limit,
) -> io::Result<Sample> {
    let payload = payload(len, false);
    let mut keys = Keys::new(conns as u64);
    let mut peers = Vec::with_capacity(conns);
    for _ in 0..conns {
        let peer = Peer::connect(addr, proto, "/echo", 4 << 10)?;
        let message = peer.encode(OpCode::Binary, &payload, keys.next_key());
        peers.push((peer, message));
    }
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        let mut threads = Vec::new();
        for (mut peer, message) in peers {
            let (done, stop) = (&done, &stop);
            let spawned = thread::Builder::new().stack_size(128 << 10).spawn_scoped(
                scope,
                move || -> io::Result<()> {
                    while !stop.load(Ordering::Relaxed) {
                        peer.send(&message)?;
                        peer.read_reply(len, None)?;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    peer.close()
                },
            );
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(error) => {
                    stop.store(true, Ordering::Relaxed);
                    return Err(error);
                }
            }
        }
        // Let every connection get going, then count what finishes in the budget.
        thread::sleep(Duration::from_millis(50));
        let (before, start) = (done.load(Ordering::Relaxed), Instant::now());
        thread::sleep(limit.budget);
        let sample = Sample {
            round_trips: done.load(Ordering::Relaxed) - before,
            elapsed: start.elapsed(),
        };
        stop.store(true, Ordering::Relaxed);
        for thread in threads {
            thread.join().expect("a client thread panicked")?;
        }
        Ok(sample)
    })
}

/// Big messages: a second thread writes while this one reads, because the raw
/// TCP echo starts answering before the message is all sent, and with both
/// ends only writing, both socket buffers would fill and the run would hang.
fn large(
    addr: SocketAddr,
    proto: Proto,
    len: usize,
    text: bool,
    limit: Limit,
    check: bool,
) -> io::Result<Sample> {
    let mut peer = Peer::connect(addr, proto, "/echo", 256 << 10)?;
    let payload = payload(len, text);
    let message = Arc::new(peer.encode(opcode(text), &payload, Keys::new(len as u64).next_key()));
    let mut writer = peer.stream.try_clone()?;
    let (go, gone) = mpsc::sync_channel::<()>(1);
    let for_writer = Arc::clone(&message);
    let writes = thread::spawn(move || -> io::Result<()> {
        for () in gone {
            io::Write::write_all(&mut writer, &for_writer)?;
        }
        Ok(())
    });
    let mut keep = Vec::new();
    let mut run = || -> io::Result<Sample> {
        if check {
            let _ = go.send(());
            peer.read_reply(len, Some(&mut keep))?;
            if keep != payload {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the echo differs from what was sent",
                ));
            }
        }
        let start = Instant::now();
        let mut round_trips = 0;
        while !limit.done(round_trips, start) {
            if go.send(()).is_err() {
                break; // the writer failed: its error is reported below
            }
            peer.read_reply(len, None)?;
            round_trips += 1;
        }
        Ok(Sample {
            round_trips,
            elapsed: start.elapsed(),
        })
    };
    let sample = run();
    drop(go);
    writes.join().expect("the writer thread panicked")?;
    let sample = sample?;
    peer.close()?;
    Ok(sample)
}

fn handshakes(addr: SocketAddr, proto: Proto, limit: Limit) -> io::Result<Sample> {
    let payload = [0u8; 16];
    let start = Instant::now();
    let mut round_trips = 0;
    while !limit.done(round_trips, start) {
        let mut peer = Peer::connect(addr, proto, "/echo", 1 << 10)?;
        if proto != Proto::WebSocket {
            // No handshake to do: one 16-byte echo stands in for it.
            let ping = peer.encode(OpCode::Binary, &payload, [0; 4]);
            peer.send(&ping)?;
            peer.read_reply(payload.len(), None)?;
        }
        peer.close()?;
        round_trips += 1;
    }
    Ok(Sample {
        round_trips,
        elapsed: start.elapsed(),
    })
}
