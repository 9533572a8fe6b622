//! Chapter 7, solved. The room's own broadcast (`src/chat.rs`, quoted in
//! tutorial/07-the-chat-room.md#broadcast-queue-never-write) works on private
//! types with writer threads behind them; this is the same loop over the
//! lab's plain queues.

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
