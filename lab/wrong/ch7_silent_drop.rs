//! Wrong on purpose: a full member is removed, but nobody is told it left.

use crate::given::{Member, Outgoing};
use std::sync::mpsc::TrySendError;
use std::sync::Arc;

pub fn broadcast(members: &mut Vec<Member>, text: &str) -> Vec<String> {
    let text = Outgoing::from(text);
    let mut dropped = Vec::new();
    members.retain(|member| match member.queue.try_send(Arc::clone(&text)) {
        Err(TrySendError::Full(_)) => {
            dropped.push(member.name.clone());
            false
        }
        _ => true,
    });
    dropped
}
