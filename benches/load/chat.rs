//! Chat fan-out: how long one message takes to reach every member of wslab's
//! `/chat` room.
//!
//! Every member gets a reader thread that timestamps each text frame the
//! moment it is read. The room may send frames of its own (join notices, in
//! any format), so before each message we wait until the room has been quiet
//! for a while; then the first text frame a member reads after the send is its
//! delivery. The message is plain text, which the room relays as chat.

use crate::client::{masked_frame, Peer, Proto};
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};
use wslab::frame::OpCode;

/// How long the room must be silent before a message is sent.
const QUIET: Duration = Duration::from_millis(300);
/// The longest any wait here may take.
const GIVE_UP: Duration = Duration::from_secs(15);
/// Members join in batches of this many, each followed by a quiet spell, the
/// way people arrive over time rather than all in one millisecond.
const BATCH: usize = 100;

/// What one message's fan-out measured.
#[derive(Debug, Clone)]
pub struct FanOut {
    /// Delivery time to each member that got it, sorted.
    pub latencies: Vec<Duration>,
    /// Members that did not get it within [`GIVE_UP`].
    pub missing: usize,
}

impl FanOut {
    /// The `q` quantile (0.0–1.0) of the delivery times.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return GIVE_UP;
        }
        let at = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[at]
    }
}

/// A text frame read by member `usize` at `Instant`.
type Arrival = (usize, Instant);

/// Joins `members` receivers and one sender to the room at `addr`, sends
/// `messages` messages one after another, and measures each one's fan-out.
pub fn fan_out(addr: SocketAddr, members: usize, messages: usize) -> io::Result<Vec<FanOut>> {
    let (arrivals, arrived) = mpsc::channel::<Arrival>();
    let mut sockets: Vec<TcpStream> = Vec::with_capacity(members + 1);
    let mut readers = Vec::with_capacity(members + 1);
    let result = (|| {
        for index in 0..=members {
            let mut peer = Peer::connect(addr, Proto::WebSocket, "/chat", 4 << 10)?;
            sockets.push(peer.stream.try_clone()?);
            let arrivals = arrivals.clone();
            let reader = thread::Builder::new().stack_size(64 << 10).spawn(move || {
                while let Ok((opcode, _)) = peer.read_frame(None) {
                    match opcode {
                        OpCode::Text if arrivals.send((index, Instant::now())).is_err() => break,
                        OpCode::Close => break,
                        _ => {}
                    }
                }
            })?;
            readers.push(reader);
            if index % BATCH == BATCH - 1 {
                wait_for_quiet(&arrived)?;
            }
        }
        let sender = &mut sockets[members];
        let mut results = Vec::with_capacity(messages);
        for n in 0..messages {
            wait_for_quiet(&arrived)?;
            let frame = masked_frame(
                OpCode::Text,
                format!("fan-out {n}").as_bytes(),
                [7, 1, 9, n as u8],
            );
            let sent = Instant::now();
            sender.write_all(&frame)?;
            results.push(collect(&arrived, members, sent));
        }
        Ok(results)
    })();
    for socket in &sockets {
        let _ = socket.shutdown(Shutdown::Both);
    }
    drop(arrivals);
    for reader in readers {
        let _ = reader.join();
    }
    result
}

fn wait_for_quiet(arrived: &Receiver<Arrival>) -> io::Result<()> {
    let start = Instant::now();
    loop {
        match arrived.recv_timeout(QUIET) {
            Err(RecvTimeoutError::Timeout) => return Ok(()),
            Err(RecvTimeoutError::Disconnected) => return Err(io::ErrorKind::BrokenPipe.into()),
            Ok(_) if start.elapsed() > GIVE_UP => {
                return Err(io::Error::other("the chat room never fell quiet"))
            }
            Ok(_) => {}
        }
    }
}

// ANCHOR: collect
/// Waits for the first text frame after `sent` at each of the `members`
/// receivers (the sender, number `members`, is not counted).
fn collect(arrived: &Receiver<Arrival>, members: usize, sent: Instant) -> FanOut {
    let mut delivered = vec![None; members];
    let mut left = members;
    let deadline = sent + GIVE_UP;
    while left > 0 {
        let wait = deadline.saturating_duration_since(Instant::now());
        let Ok((member, at)) = arrived.recv_timeout(wait) else {
            break;
        };
        if member < members && at >= sent && delivered[member].is_none() {
            delivered[member] = Some(at - sent);
            left -= 1;
        }
    }
    let mut latencies: Vec<Duration> = delivered.into_iter().flatten().collect();
    latencies.sort();
    FanOut {
        latencies,
        missing: left,
    }
}
// ANCHOR_END: collect
