//! Wrong on purpose: a fresh copy of the text for every member, so a room of
//! a thousand holds a message a thousand times.

use crate::given::{leave_notice, Member, Outgoing};
use std::collections::VecDeque;
use std::sync::mpsc::TrySendError;

pub fn broadcast(members: &mut Vec<Member>, text: &str) -> Vec<String> {
    let mut dropped = Vec::new();
    let mut announcements = VecDeque::from([text.to_string()]);
    while let Some(text) = announcements.pop_front() {
        let mut full = Vec::new();
        members.retain(
            |member| match member.queue.try_send(Outgoing::from(text.as_str())) {
                Err(TrySendError::Full(_)) => {
                    full.push(member.name.clone());
                    false
                }
                Ok(()) | Err(TrySendError::Disconnected(_)) => true,
            },
        );
        for name in full {
            announcements.push_back(leave_notice(&name));
            dropped.push(name);
        }
    }
    dropped
}
