//! Chapter 7: the chat room.
//!
//! Every member has a bounded queue and a writer thread of its own
//! (`outbox`). A broadcast *queues* the message for each member and never
//! writes to a socket. A member that reads slowly makes the broadcast wait
//! for room in its queue; one that has stopped reading (its queue is full
//! and none of our writes to it has finished for `chat_stall`) is
//! dropped with 1008, and the others are told it left. The messages are JSON
//! in text frames ([`json`]).
//! See `tutorial/07-the-chat-room.md#the-room`.

pub mod json;
mod outbox;

use crate::close::CloseCode;
use crate::config::Config;
use crate::connection::{Connection, Peer};
use crate::message::Message;
use crate::threads;
use json::{Command, Json};
use outbox::{Outbox, Outgoing, Stopped, Writer};
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Longest nickname, in characters.
pub const MAX_NAME: usize = 24;

// ANCHOR: member
/// Someone in the room, as the room sees them.
struct Member {
    name: String,
    peer: Peer,
    /// The member's queue; its writer thread takes from the other end.
    outbox: Arc<Outbox>,
}
// ANCHOR_END: member

type Members = BTreeMap<u64, Member>;

/// A chat room: every member gets every message, in the same order.
pub struct Room {
    members: Mutex<Members>,
    queue_len: usize,
    max_message: usize,
    /// How long a member whose queue is full may take none of our bytes
    /// before it counts as stopped.
    stall: Duration,
    close_timeout: Duration,
    next_id: AtomicU64,
}

impl Room {
    /// An empty room with the limits of `config`: `chat_queue` messages
    /// waiting per member, `chat_max_message` bytes per message, and
    /// `chat_stall` for a member with a full queue to take some of it.
    pub fn new(config: &Config) -> Arc<Room> {
        Arc::new(Room {
            members: Mutex::new(BTreeMap::new()),
            queue_len: config.chat_queue.max(1),
            max_message: config.chat_max_message,
            stall: config.chat_stall,
            close_timeout: config.close_timeout,
            next_id: AtomicU64::new(1),
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

    /// The members' names, in the order they joined.
    pub fn names(&self) -> Vec<String> {
        self.lock().values().map(|m| m.name.clone()).collect()
    }

    fn lock(&self) -> MutexGuard<'_, Members> {
        self.members
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    // ANCHOR: serve
    /// Runs one member's connection on the caller's thread: joins, relays
    /// what the member sends, and leaves, however the connection ends.
    pub fn serve(&self, mut connection: Connection) {
        let peer = connection.peer();
        connection.set_max_message(self.max_message);
        let (id, writer_thread) = match self.join(&mut connection) {
            Ok(joined) => joined,
            Err(error) => {
                log::error!("{peer}: cannot join the chat: {error}");
                return connection.close(CloseCode::TRY_AGAIN_LATER, "server busy");
            }
        };
        while let Some(message) = connection.recv() {
            match message {
                Message::Text(text) => self.handle(id, &text),
                Message::Binary(_) => {
                    connection.close(CloseCode::UNSUPPORTED_DATA, "chat messages are text");
                }
            }
        }
        self.leave(id);
        let _ = writer_thread.join();
    }
    // ANCHOR_END: serve

    // ANCHOR: join
    /// Adds the member, starts its writer thread, welcomes it and tells everyone.
    fn join(&self, connection: &mut Connection) -> io::Result<(u64, JoinHandle<()>)> {
        let peer = connection.peer();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        // The stall time to be found stopped, then the close timeout for the
        // write in progress to finish and make way for our Close.
        connection.set_write_timeout(self.stall + self.close_timeout)?;
        let outbox = Arc::new(Outbox::new(self.queue_len, self.stall));
        let writer = Writer {
            outbox: Arc::clone(&outbox),
            connection: connection.handle(),
        };
        let builder = thread::Builder::new()
            .name(format!("{peer} writer"))
            .stack_size(64 * 1024);
        let thread = threads::Budget::of_this_process().spawn(builder, move || writer.run())?;
        let name = format!("guest-{id}");
        let mut members = self.lock();
        members.insert(
            id,
            Member {
                name: name.clone(),
                peer,
                outbox,
            },
        );
        let count = members.len();
        log::info!("{peer}: joined the chat as {name} ({count} in the room)");
        let welcome = Json::new("welcome")
            .str("name", &name)
            .num("members", count);
        self.send_to(&mut members, id, welcome.end());
        let join = Json::new("join").str("name", &name).num("members", count);
        self.broadcast(&mut members, join.end());
        Ok((id, thread))
    }
    // ANCHOR_END: join

    /// Removes the member if it is still here and tells the others; its
    /// writer thread then stops. A member the room dropped is gone already,
    /// and its leaving was announced then.
    fn leave(&self, id: u64) {
        let mut members = self.lock();
        if let Some(member) = members.remove(&id) {
            member.outbox.close();
            let count = members.len();
            log::info!(
                "{}: {} left the chat ({count} in the room)",
                member.peer,
                member.name
            );
            let leave = Json::new("leave")
                .str("name", &member.name)
                .num("members", count);
            self.broadcast(&mut members, leave.end());
        }
    }

    /// Acts on one text message from member `id`.
    fn handle(&self, id: u64, text: &str) {
        match Command::parse(text) {
            Command::Say(text) if text.trim().is_empty() => {}
            Command::Say(text) => {
                let mut members = self.lock();
                let Some(member) = members.get(&id) else {
                    return;
                };
                let message = Json::new("message")
                    .str("from", &member.name)
                    .str("text", &text);
                self.broadcast(&mut members, message.end());
            }
            Command::Rename(wanted) => self.rename(id, &wanted),
        }
    }

    fn rename(&self, id: u64, wanted: &str) {
        let mut members = self.lock();
        let Some(member) = members.get(&id) else {
            return;
        };
        let name = wanted.trim();
        if name == member.name {
            return;
        }
        if let Err(why) = check_name(name, id, &members) {
            let error = Json::new("error").str("text", &why);
            return self.send_to(&mut members, id, error.end());
        }
        let member = members.get_mut(&id).expect("looked up above");
        let old = std::mem::replace(&mut member.name, name.to_owned());
        log::info!("{}: {old} is now {name}", member.peer);
        let rename = Json::new("rename").str("from", &old).str("to", name);
        self.broadcast(&mut members, rename.end());
    }

    // ANCHOR: broadcast
    /// Gives `text` to every member, waiting for room in the queue of one
    /// that reads slowly. A member that has stopped is dropped, and its
    /// leaving is announced in turn, which may drop another: the loop ends
    /// because each round that drops someone leaves fewer members.
    fn broadcast(&self, members: &mut Members, text: String) {
        let mut announcements = VecDeque::from([Outgoing::from(text)]);
        while let Some(text) = announcements.pop_front() {
            let mut stopped = Vec::new();
            for (id, member) in members.iter() {
                if member.outbox.push(&text) == Err(Stopped) {
                    stopped.push(*id);
                }
            }
            for id in stopped {
                let leave = self.drop_member(members, id);
                announcements.push_back(leave.into());
            }
        }
    }

    /// Gives `text` to one member: an answer meant for it alone.
    fn send_to(&self, members: &mut Members, id: u64, text: String) {
        let Some(member) = members.get(&id) else {
            return;
        };
        if member.outbox.push(&text.into()) == Err(Stopped) {
            let leave = self.drop_member(members, id);
            self.broadcast(members, leave);
        }
    }
    // ANCHOR_END: broadcast

    /// Drops a member that has stopped reading, and returns the leave
    /// announcement for the others. Its writer thread, seeing the flag, sends
    /// Close 1008 as soon as the write it is in (if any) finishes; if that
    /// write makes no progress for its write timeout, it fails, and the
    /// connection is cut instead.
    fn drop_member(&self, members: &mut Members, id: u64) -> String {
        let member = members.remove(&id).expect("a member of the room");
        log::warn!(
            "{}: {} dropped from the chat: {} messages waiting, none taken for {:?}; \
             closing with 1008",
            member.peer,
            member.name,
            self.queue_len,
            self.stall
        );
        member.outbox.drop_member();
        Json::new("leave")
            .str("name", &member.name)
            .num("members", members.len())
            .end()
    }
}

/// Why `name` cannot be member `id`'s new name, if it cannot.
fn check_name(name: &str, id: u64, members: &Members) -> Result<(), String> {
    let len = name.chars().count();
    if len == 0 || len > MAX_NAME {
        return Err(format!("a name has 1 to {MAX_NAME} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("a name cannot contain control characters".into());
    }
    let lower = name.to_lowercase();
    if lower.starts_with("guest-") && lower != format!("guest-{id}") {
        return Err("names starting with guest- are given by the server".into());
    }
    let taken = members
        .iter()
        .any(|(other, member)| *other != id && member.name.to_lowercase() == lower);
    if taken {
        return Err(format!("the name {name} is taken"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        let members = Members::new();
        assert!(check_name("ana", 1, &members).is_ok());
        assert!(check_name("guest-1", 1, &members).is_ok());
        assert!(check_name("Guest-2", 1, &members).is_err());
        assert!(check_name("", 1, &members).is_err());
        assert!(check_name(&"x".repeat(MAX_NAME + 1), 1, &members).is_err());
        assert!(check_name(&"é".repeat(MAX_NAME), 1, &members).is_ok());
        assert!(check_name("a\u{7}b", 1, &members).is_err());
    }
}
