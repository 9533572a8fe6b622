//! Lab 7: the chat room's broadcast, which must never wait for anyone.
//!
//! Read tutorial/07-the-chat-room.md#broadcast-queue-never-write and
//! tutorial/07-the-chat-room.md#dropping-a-member first. Replace the
//! `todo!()`, then run `make lab 7`.

use crate::given::{leave_notice, Member, Outgoing};
use std::sync::mpsc::TrySendError;
use std::sync::Arc;

/// Queues `text` for every member, without ever waiting.
///
/// - Every member's queue gets the same `Outgoing` (one `Arc`, cloned).
/// - A member whose queue is full is removed from `members`, and everyone
///   still there is sent `leave_notice(name)`, which may find another full
///   queue, and so on.
/// - A member whose queue is disconnected (its writer has stopped) stays:
///   its own thread will remove it.
///
/// Returns the names of the members removed, in the order they were removed.
pub fn broadcast(members: &mut Vec<Member>, text: &str) -> Vec<String> {
    todo!("try_send {text:?} to {} members", members.len())
}
