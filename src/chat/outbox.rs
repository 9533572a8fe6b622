//! Chapter 7: a member's outbox, and the writer thread that empties it.
//!
//! The room puts messages in; the member's own writer thread takes them out
//! and writes them to its socket, a batch per write. The queue is bounded,
//! and it knows when the writer last finished a write. That is what tells a
//! member that reads slowly (its writes finish, later than we would like)
//! from one that has stopped (none finishes): the room waits for the first
//! and drops the second.
//! See `tutorial/07-the-chat-room.md#the-outbox`.

use crate::close::CloseCode;
use crate::connection::Handle;
use crate::frame::OpCode;
use crate::protocol::State;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Most bytes a writer thread sends in one batch: what it holds beside the queue.
const BATCH: usize = 64 * 1024;

/// One encoded message. A broadcast puts the same `Arc` in every queue, so a
/// message is held in memory once however many members are waiting for it.
pub type Outgoing = Arc<str>;

/// A member's bounded queue, shared by the room (which pushes) and the
/// member's writer thread (which takes).
pub struct Outbox {
    queue: Mutex<Queue>,
    /// Signalled when messages are added or taken, when a write finishes,
    /// and when the outbox closes.
    changed: Condvar,
    /// Most messages waiting: `chat_queue`.
    capacity: usize,
    /// How long a member may take none of our bytes while its queue is full
    /// before it counts as stopped: `chat_stall`.
    stall: Duration,
}

struct Queue {
    messages: VecDeque<Outgoing>,
    /// Since when messages have waited without the writer finishing a
    /// write: set when it finishes one, and when a message arrives in an
    /// empty queue (a writer with nothing to write is not stalled).
    since: Instant,
    /// The room dropped the member: the writer sends Close 1008 and stops.
    dropped: bool,
    /// The member left, or its writer stopped: nothing more goes out.
    closed: bool,
}

/// A member whose queue is full and who has taken none of our bytes for the
/// stall time: it has stopped reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

impl Outbox {
    /// An empty outbox for `capacity` messages (at least 1).
    pub fn new(capacity: usize, stall: Duration) -> Outbox {
        Outbox {
            queue: Mutex::new(Queue {
                messages: VecDeque::new(),
                since: Instant::now(),
                dropped: false,
                closed: false,
            }),
            changed: Condvar::new(),
            capacity: capacity.max(1),
            stall,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    // ANCHOR: push
    /// Queues `text`. If the queue is full, waits for room as long as the
    /// member is still reading: until messages have waited for the stall
    /// time without its writer finishing a write. Then gives up with
    /// [`Stopped`]. A member on its way out takes the message without
    /// keeping it.
    pub fn push(&self, text: &Outgoing) -> Result<(), Stopped> {
        let mut queue = self.lock();
        loop {
            if queue.closed || queue.dropped {
                return Ok(());
            }
            if queue.messages.len() < self.capacity {
                if queue.messages.is_empty() {
                    queue.since = Instant::now();
                }
                queue.messages.push_back(Arc::clone(text));
                self.changed.notify_all();
                return Ok(());
            }
            let stopped_at = queue.since + self.stall;
            let now = Instant::now();
            if now >= stopped_at {
                return Err(Stopped);
            }
            queue = self
                .changed
                .wait_timeout(queue, stopped_at - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }
    // ANCHOR_END: push

    /// The room has dropped the member: its writer sends Close 1008 next.
    pub fn drop_member(&self) {
        self.lock().dropped = true;
        self.changed.notify_all();
    }

    /// Nothing more goes out: the member left, or its writer stopped.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// Waits for messages and takes up to [`BATCH`] bytes of them; `None`
    /// once the outbox is closed or the member dropped.
    fn next_batch(&self) -> Option<Vec<Outgoing>> {
        let mut queue = self.lock();
        while queue.messages.is_empty() && !queue.closed && !queue.dropped {
            queue = self
                .changed
                .wait(queue)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        if queue.closed || queue.dropped {
            return None;
        }
        let mut batch = Vec::new();
        let mut bytes = 0;
        while bytes < BATCH {
            let Some(text) = queue.messages.pop_front() else {
                break;
            };
            bytes += text.len();
            batch.push(text);
        }
        self.changed.notify_all();
        Some(batch)
    }

    /// A batch has been written: the member is reading.
    fn written(&self) {
        self.lock().since = Instant::now();
        self.changed.notify_all();
    }

    fn is_dropped(&self) -> bool {
        self.lock().dropped
    }
}

/// What a member's writer thread owns.
pub struct Writer {
    pub outbox: Arc<Outbox>,
    pub connection: Handle,
}

impl Writer {
    // ANCHOR: writer_thread
    /// Writes the member's messages until it leaves, a write fails, or the
    /// room drops it; then, if dropped, closes with 1008 (and waits for the
    /// member to finish the closing handshake, or cuts it: [`Handle::close`]).
    /// A dropped member's writer finishes the write it is in first: a Close
    /// cannot go out in the middle of a frame.
    pub fn run(self) {
        while let Some(batch) = self.outbox.next_batch() {
            let mut sender = self.connection.sender();
            // §5.5.1: no data frame after a Close; the member's own thread
            // has started closing.
            if sender.state() != State::Open {
                break;
            }
            let written = batch
                .iter()
                .try_for_each(|text| sender.send(OpCode::Text, text.as_bytes()))
                .and_then(|()| sender.flush());
            drop(sender);
            if written.is_err() {
                self.outbox.close();
                return self.connection.cut("a write to a chat member failed");
            }
            self.outbox.written();
        }
        if self.outbox.is_dropped() {
            self.connection.close(
                CloseCode::POLICY_VIOLATION,
                "too slow: messages were piling up",
            );
        }
        self.outbox.close();
    }
    // ANCHOR_END: writer_thread
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    fn text(s: &str) -> Outgoing {
        Outgoing::from(s)
    }

    #[test]
    fn a_full_queue_whose_writer_is_stopped_refuses_after_the_stall_time() {
        let created = Instant::now();
        let outbox = Outbox::new(2, Duration::from_millis(50));
        assert_eq!(outbox.push(&text("a")), Ok(()));
        assert_eq!(outbox.push(&text("b")), Ok(()));
        assert_eq!(outbox.push(&text("c")), Err(Stopped));
        assert!(created.elapsed() >= Duration::from_millis(50), "it waited");
        assert_eq!(outbox.lock().messages.len(), 2, "bounded by the capacity");
    }

    #[test]
    fn the_stall_time_counts_from_the_first_message_waiting() {
        let outbox = Outbox::new(1, Duration::from_millis(50));
        // Nothing to write for longer than the stall time is not a stall.
        thread::sleep(Duration::from_millis(100));
        let first = Instant::now();
        outbox.push(&text("a")).unwrap();
        assert_eq!(outbox.push(&text("b")), Err(Stopped));
        assert!(first.elapsed() >= Duration::from_millis(50), "it waited");
    }

    #[test]
    fn a_full_queue_waits_for_a_writer_that_takes_messages() {
        let outbox = Arc::new(Outbox::new(1, Duration::from_secs(3600)));
        outbox.push(&text("first")).unwrap();
        let writer = {
            let outbox = Arc::clone(&outbox);
            thread::spawn(move || {
                let mut got = Vec::new();
                while got.len() < 100 {
                    for message in outbox.next_batch().unwrap() {
                        got.push(message.to_string());
                    }
                    outbox.written();
                }
                got
            })
        };
        for i in 1..100 {
            outbox.push(&text(&i.to_string())).unwrap();
        }
        let got = writer.join().unwrap();
        assert_eq!(got[0], "first");
        assert!(got[1..].iter().zip(1..).all(|(s, i)| *s == i.to_string()));
    }

    #[test]
    fn a_closed_or_dropped_outbox_takes_without_keeping() {
        let outbox = Outbox::new(1, Duration::from_secs(3600));
        outbox.push(&text("a")).unwrap();
        outbox.drop_member();
        assert_eq!(outbox.push(&text("b")), Ok(()));
        assert_eq!(outbox.next_batch(), None);
        let outbox = Outbox::new(1, Duration::from_secs(3600));
        outbox.close();
        assert_eq!(outbox.push(&text("a")), Ok(()));
        assert_eq!(outbox.next_batch(), None);
    }
}
