//! Lab 6: frames to messages, and which close codes may be sent.
//!
//! Read tutorial/06-messages-and-closing.md#fragments,
//! tutorial/06-messages-and-closing.md#control-frames-in-between and
//! tutorial/06-messages-and-closing.md#close-payloads first. Replace the two
//! `todo!()`s, then run `make lab 6`.

use crate::given::Frame;
use wslab::error::ProtocolError;
use wslab::frame::OpCode;
use wslab::message::Message;

/// The messages that `frames` (parsed and unmasked already) make up, in order.
///
/// A Text or Binary frame starts a message, Continuation frames add to it,
/// and the frame with FIN set ends it. Control frames (Ping, Pong, Close)
/// may come between fragments; skip them here. A message still open at the
/// end is not returned. The first broken rule is the answer, as
/// `Err(ProtocolError::...)`: `ContinuationWithoutMessage`,
/// `MessageInterleaved`, `FragmentedControlFrame`, `ControlFrameTooBig(len)`,
/// `InvalidUtf8` (a whole text message that is not UTF-8).
pub fn assemble(frames: &[Frame]) -> Result<Vec<Message>, ProtocolError> {
    todo!("join the payloads of {} frames", frames.len())
}

/// Whether a peer may send `code` in a Close frame (§7.4).
pub fn close_code_allowed(code: u16) -> bool {
    todo!("is {code} allowed on the wire?")
}
