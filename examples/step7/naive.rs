//! The chat room as the PHP posts broadcast: by writing to every socket in
//! turn, on the sender's thread, while holding the room. One member that
//! stops reading stops the whole room. It is here to be demonstrated, not
//! used: `cargo run --example step7 -- --naive`, and `tests/chat.rs`.
//! See `tutorial/07-the-chat-room.md#why-the-naive-loop-freezes-the-room`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use wslab::chat::json::{Command, Json};
use wslab::connection::{Connection, Handle};
use wslab::frame::OpCode;
use wslab::message::Message;

/// The members, by id: nothing but their connections.
#[derive(Default)]
pub struct NaiveRoom {
    members: Mutex<Vec<(u64, Handle)>>,
    next_id: AtomicU64,
}

impl NaiveRoom {
    /// Runs one member's connection: joins, broadcasts what it says, leaves.
    pub fn serve(&self, mut connection: Connection) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let name = format!("guest-{id}");
        let mut members = self.members.lock().unwrap();
        members.push((id, connection.handle()));
        let count = members.len();
        let welcome = Json::new("welcome")
            .str("name", &name)
            .num("members", count);
        write_now(&connection.handle(), &welcome.end());
        broadcast(
            &members,
            &Json::new("join")
                .str("name", &name)
                .num("members", count)
                .end(),
        );
        drop(members);
        while let Some(message) = connection.recv() {
            if let Message::Text(text) = message {
                if let Command::Say(text) = Command::parse(&text) {
                    let said = Json::new("message").str("from", &name).str("text", &text);
                    broadcast(&self.members.lock().unwrap(), &said.end());
                }
            }
        }
        let mut members = self.members.lock().unwrap();
        members.retain(|(member, _)| *member != id);
        let leave = Json::new("leave")
            .str("name", &name)
            .num("members", members.len());
        broadcast(&members, &leave.end());
    }
}

// ANCHOR: naive
/// The PHP posts' broadcast: for each member, write to its socket now, on
/// the sender's thread, under the room's lock. If one member has stopped
/// reading, the write to it blocks, and so does everyone else's next message.
fn broadcast(members: &[(u64, Handle)], text: &str) {
    for (_, member) in members {
        write_now(member, text);
    }
}

fn write_now(member: &Handle, text: &str) {
    let mut sender = member.sender();
    let _ = sender
        .send(OpCode::Text, text.as_bytes())
        .and_then(|()| sender.flush());
}
// ANCHOR_END: naive
