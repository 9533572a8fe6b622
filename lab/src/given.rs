//! What the exercises hand you, ready-made: the types their functions take.
//! Your code uses them as `crate::given::Frame` and so on.

use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use wslab::frame::{FrameHeader, OpCode};
use wslab::mask::apply_mask;

pub use wslab::reverse::{LineError, MAX_LINE};

/// Chapter 6: one frame, already parsed and unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// FIN: the last frame of its message.
    pub fin: bool,
    pub opcode: OpCode,
    pub payload: Vec<u8>,
}

impl Frame {
    /// A frame of `opcode`, final if `fin`.
    pub fn new(fin: bool, opcode: OpCode, payload: impl AsRef<[u8]>) -> Frame {
        Frame {
            fin,
            opcode,
            payload: payload.as_ref().to_vec(),
        }
    }

    /// The frame as a client sends it: header and payload, masked with `key`.
    pub fn encode_masked(&self, key: [u8; 4], out: &mut Vec<u8>) {
        let header = FrameHeader {
            fin: self.fin,
            rsv: [false; 3],
            opcode: self.opcode,
            mask: Some(key),
            payload_len: self.payload.len() as u64,
        };
        let mut raw = [0; wslab::frame::MAX_HEADER_LEN];
        let len = header.encode(&mut raw);
        out.extend_from_slice(&raw[..len]);
        let start = out.len();
        out.extend_from_slice(&self.payload);
        apply_mask(&mut out[start..], key, 0);
    }
}

/// Chapter 7: one encoded message. The same `Arc` goes into every queue, so
/// the text is held once however many members wait for it.
pub type Outgoing = Arc<str>;

/// Chapter 7: a member of the room, as the broadcast sees it: a name, and the
/// sending end of the member's bounded queue. The member's writer thread
/// holds the receiving end and writes what arrives to the socket.
#[derive(Debug)]
pub struct Member {
    pub name: String,
    pub queue: SyncSender<Outgoing>,
}

/// Chapter 7: what the others are told when `name` is dropped.
pub fn leave_notice(name: &str) -> String {
    format!("{name} left")
}
