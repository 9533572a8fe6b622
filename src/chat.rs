//! Chapter 7: the chat room.
//!
//! Every member has a bounded queue and a writer thread of its own. A
//! broadcast only *queues* the message for each member; it never writes to a
//! socket, so a member that stops reading cannot slow anyone else. When a
//! member's queue is full, that member is dropped with 1008.
//! See `tutorial/07-the-chat-room.md`.

use crate::close::{close_payload, CloseCode};
use crate::connection::{Connection, SharedWriter};
use crate::frame::OpCode;
use crate::message::Message;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;

/// What a writer thread is asked to send.
type Outgoing = Arc<str>;

struct Member {
    peer: SocketAddr,
    queue: SyncSender<Outgoing>,
    dropped: Arc<AtomicBool>,
}

/// A chat room: everyone in it gets every message.
pub struct Room {
    members: Mutex<HashMap<u64, Member>>,
    next_id: AtomicU64,
    queue_len: usize,
    max_message: usize,
}

impl Room {
    /// An empty room whose members may each have `queue_len` messages waiting.
    pub fn new(queue_len: usize, max_message: usize) -> Arc<Room> {
        Arc::new(Room {
            members: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            queue_len,
            max_message,
        })
    }

    /// How many members are in the room.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the room is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Member>> {
        self.members
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs one member's connection: joins, relays its messages, leaves.
    pub fn serve(self: &Arc<Room>, mut connection: Connection) {
        let peer = connection.peer();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (queue, outbox) = mpsc::sync_channel(self.queue_len);
        let dropped = Arc::new(AtomicBool::new(false));
        let writer = connection.writer();
        let writer_dropped = Arc::clone(&dropped);
        let spawned = thread::Builder::new()
            .name(format!("{peer} writer"))
            .stack_size(64 * 1024)
            .spawn(move || write_loop(outbox, writer, writer_dropped));
        if spawned.is_err() {
            return connection.close(CloseCode::TRY_AGAIN_LATER, "server busy");
        }
        self.lock().insert(
            id,
            Member {
                peer,
                queue,
                dropped,
            },
        );
        log::info!("{peer} joined the chat ({} members)", self.len());
        while let Some(message) = connection.recv() {
            match message {
                Message::Text(text) if text.len() <= self.max_message => self.broadcast(&text),
                Message::Text(_) => {
                    connection.close(CloseCode::MESSAGE_TOO_BIG, "chat messages are limited");
                }
                Message::Binary(_) => {
                    connection.close(CloseCode::UNSUPPORTED_DATA, "chat messages are text");
                }
            }
        }
        self.lock().remove(&id);
        log::info!("{peer} left the chat ({} members)", self.len());
    }

    /// Queues `text` for every member; drops the ones whose queue is full.
    pub fn broadcast(&self, text: &str) {
        let text: Outgoing = text.into();
        let mut members = self.lock();
        let mut too_slow = Vec::new();
        for (id, member) in members.iter() {
            match member.queue.try_send(Arc::clone(&text)) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => too_slow.push(*id),
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
        for id in too_slow {
            if let Some(member) = members.remove(&id) {
                log::warn!(
                    "{}: dropped from the chat: {} messages waiting",
                    member.peer,
                    self.queue_len
                );
                member.dropped.store(true, Ordering::SeqCst);
            }
        }
    }
}

fn write_loop(outbox: Receiver<Outgoing>, writer: SharedWriter, dropped: Arc<AtomicBool>) {
    for text in outbox {
        if dropped.load(Ordering::SeqCst) {
            break;
        }
        let mut writer = writer.lock().unwrap_or_else(|p| p.into_inner());
        if writer
            .send(OpCode::Text, text.as_bytes())
            .and_then(|()| writer.flush())
            .is_err()
        {
            return;
        }
    }
    if dropped.load(Ordering::SeqCst) {
        let mut writer = writer.lock().unwrap_or_else(|p| p.into_inner());
        let payload = close_payload(
            CloseCode::POLICY_VIOLATION,
            "too slow: messages were piling up",
        );
        let _ = writer
            .send(OpCode::Close, &payload)
            .and_then(|()| writer.flush());
        writer.shutdown();
    }
}
