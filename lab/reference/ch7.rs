//! Chapter 7, solved. The room's own broadcast (`src/chat.rs`, quoted in
//! tutorial/07-the-chat-room.md#broadcast-queue-never-write) is this loop
//! over private outboxes whose `push` waits, for at most the close timeout,
//! for a member that is still reading; the lab keeps the first, simpler rule
//! over std's bounded channel: a full queue is a member to drop.

use crate::given::{leave_notice, Member, Outgoing};
use std::collections::VecDeque;
use std::sync::mpsc::TrySendError;
use std::sync::Arc;

pub fn broadcast(members: &mut Vec<Member>, text: &str) -> Vec<String> {
    let mut dropped = Vec::new();
    let mut announcements = VecDeque::from([Outgoing::from(text)]);
    while let Some(text) = announcements.pop_front() {
        let mut full = Vec::new();
        members.retain(|member| match member.queue.try_send(Arc::clone(&text)) {
            Err(TrySendError::Full(_)) => {
                full.push(member.name.clone());
                false
            }
            Ok(()) | Err(TrySendError::Disconnected(_)) => true,
        });
        for name in full {
            announcements.push_back(leave_notice(&name).into());
            dropped.push(name);
        }
    }
    dropped
}
