//! Chapter 6, solved by the library's receiver: the frames are encoded as a
//! client would send them and fed to `wslab::message::Receiver`.

use crate::given::Frame;
use wslab::close::CloseCode;
use wslab::error::ProtocolError;
use wslab::frame::Role;
use wslab::message::{Limits, Message, Received, Receiver};

pub fn assemble(frames: &[Frame]) -> Result<Vec<Message>, ProtocolError> {
    let mut bytes = Vec::new();
    for frame in frames {
        frame.encode_masked([0x37, 0xfa, 0x21, 0x3d], &mut bytes);
    }
    let limits = Limits {
        max_frame: 1 << 20,
        max_message: 1 << 20,
    };
    let mut receiver = Receiver::new(Role::Server, limits);
    receiver.receive_data(&bytes);
    let mut messages = Vec::new();
    while let Some(received) = receiver.next_received()? {
        if let Received::Message(message) = received {
            messages.push(message);
        }
    }
    Ok(messages)
}

pub fn close_code_allowed(code: u16) -> bool {
    CloseCode(code).is_allowed_on_wire()
}
