//! Every way a peer can break RFC 6455, each named after the rule it breaks.
//! The close code each one earns is decided in one place, [`ProtocolError::close_code`]
//! in `close.rs`, beside the codes themselves.
//! See `tutorial/06-messages-and-closing.md#errors-become-close-codes`.

use std::fmt;

/// A violation of RFC 6455 by the peer (or, for [`ProtocolError::OverBudget`],
/// a message we cannot hold now). The connection is failed with
/// [`ProtocolError::close_code`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// §5.2: opcodes 0x3–0x7 and 0xB–0xF are reserved.
    ReservedOpcode(u8),
    /// §5.2: RSV1–3 "MUST be 0 unless an extension is negotiated".
    ReservedBitsSet,
    /// §5.2: in a 64-bit length "the most significant bit MUST be 0".
    LengthTopBitSet,
    /// §5.1: "a client MUST mask all frames that it sends to the server".
    UnmaskedFrameFromClient,
    /// §5.1: "A server MUST NOT mask any frames that it sends to the client."
    MaskedFrameFromServer,
    /// §5.5: "All control frames MUST have a payload length of 125 bytes or less".
    ControlFrameTooBig(u64),
    /// §5.5: control frames "MUST NOT be fragmented".
    FragmentedControlFrame,
    /// §5.4: a continuation frame with no fragmented message to continue.
    ContinuationWithoutMessage,
    /// §5.4: a new Text or Binary frame while a fragmented message is still open.
    MessageInterleaved,
    /// The declared frame length is over the configured limit.
    FrameTooBig { len: u64, max: usize },
    /// The message, fragments added up, is over the configured limit.
    MessageTooBig { len: u64, max: usize },
    /// §8.1: a text message that is not valid UTF-8.
    InvalidUtf8,
    /// §5.5.1: a Close body of one byte cannot hold the 2-byte code.
    CloseBodyOfOneByte,
    /// §7.4: a close code that may not be sent (0–999, 1004–1006, 1015–2999, ≥ 5000).
    InvalidCloseCode(u16),
    /// §5.5.1: the reason in a Close frame is not valid UTF-8.
    InvalidUtf8InCloseReason,
    /// Not the peer's fault: the message bytes held for all connections
    /// together would go over the server's budget ([`crate::message::Budget`]).
    OverBudget { max: usize },
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ProtocolError::*;
        match self {
            ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            ReservedBitsSet => write!(f, "RSV bits set without a negotiated extension"),
            LengthTopBitSet => write!(f, "64-bit payload length with its top bit set"),
            UnmaskedFrameFromClient => write!(f, "client frames must be masked"),
            MaskedFrameFromServer => write!(f, "server frames must not be masked"),
            ControlFrameTooBig(len) => {
                write!(f, "control frame of {len} bytes; the limit is 125")
            }
            FragmentedControlFrame => write!(f, "control frames must not be fragmented"),
            ContinuationWithoutMessage => {
                write!(f, "continuation frame with no message to continue")
            }
            MessageInterleaved => write!(f, "new data frame before the fragmented message ended"),
            FrameTooBig { len, max } => write!(f, "frame of {len} bytes; the limit is {max}"),
            MessageTooBig { len, max } => write!(f, "message of {len} bytes; the limit is {max}"),
            InvalidUtf8 => write!(f, "text message is not valid UTF-8"),
            CloseBodyOfOneByte => write!(f, "close frame body of one byte"),
            InvalidCloseCode(code) => write!(f, "close code {code} may not be sent"),
            InvalidUtf8InCloseReason => write!(f, "close reason is not valid UTF-8"),
            OverBudget { max } => write!(
                f,
                "incoming messages would go over the server's budget of {max} bytes; try again later"
            ),
        }
    }
}

impl std::error::Error for ProtocolError {}
