//! Chapter 6, solved by the library's receiver: the frames are encoded as a
//! client would send them and fed to `wslab::message::Receiver`.

use crate::given::Frame;
use wslab::close::CloseCode;
use wslab::error::ProtocolError;
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
    let received = Receiver::new(limits, 4096).feed(&bytes)?;
    Ok(received
        .into_iter()
        .filter_map(|item| match item {
            Received::Message(message) => Some(message),
            _ => None,
        })
        .collect())
}

pub fn close_code_allowed(code: u16) -> bool {
    CloseCode(code).is_allowed_on_wire()
}
