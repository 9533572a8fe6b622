//! Wrong on purpose: a Text or Binary frame in the middle of a fragmented
//! message silently starts a new message instead of failing.

use crate::given::Frame;
use wslab::error::ProtocolError;
use wslab::frame::OpCode;
use wslab::message::Message;

pub use crate::reference::ch6::close_code_allowed;

pub fn assemble(frames: &[Frame]) -> Result<Vec<Message>, ProtocolError> {
    let mut messages = Vec::new();
    let mut open: Option<(bool, Vec<u8>)> = None;
    for frame in frames {
        if frame.opcode.is_control() {
            if !frame.fin {
                return Err(ProtocolError::FragmentedControlFrame);
            }
            if frame.payload.len() > 125 {
                return Err(ProtocolError::ControlFrameTooBig(frame.payload.len() as u64));
            }
            continue;
        }
        let (text, data) = match (frame.opcode, open.take()) {
            (OpCode::Continuation, None) => return Err(ProtocolError::ContinuationWithoutMessage),
            (OpCode::Continuation, Some((text, mut data))) => {
                data.extend_from_slice(&frame.payload);
                (text, data)
            }
            (opcode, _) => (opcode == OpCode::Text, frame.payload.clone()),
        };
        if !frame.fin {
            open = Some((text, data));
        } else if text {
            let text = String::from_utf8(data).map_err(|_| ProtocolError::InvalidUtf8)?;
            messages.push(Message::Text(text));
        } else {
            messages.push(Message::Binary(data));
        }
    }
    Ok(messages)
}
