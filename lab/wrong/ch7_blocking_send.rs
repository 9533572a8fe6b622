//! Wrong on purpose: `send` waits for room in a full queue, so one member
//! that stops reading stops the broadcast, and with it the whole room.

use crate::given::{Member, Outgoing};
use std::sync::Arc;

pub fn broadcast(members: &mut Vec<Member>, text: &str) -> Vec<String> {
    let text = Outgoing::from(text);
    for member in members.iter() {
        let _ = member.queue.send(Arc::clone(&text));
    }
    Vec::new()
}
