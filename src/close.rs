//! Chapter 6: close codes and the Close frame's payload (RFC 6455 §5.5.1, §7.4).
//! See `tutorial/06-messages-and-closing.md#the-closing-handshake`.

use crate::error::ProtocolError;
use std::fmt;

/// A status code carried by a Close frame (§7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    pub const NORMAL: CloseCode = CloseCode(1000);
    /// 1001: the server is going down, or a browser left the page.
    pub const GOING_AWAY: CloseCode = CloseCode(1001);
    /// 1002: the peer broke the protocol.
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(1002);
    /// 1003: a kind of data this endpoint cannot accept.
    pub const UNSUPPORTED_DATA: CloseCode = CloseCode(1003);
    /// 1005: reserved: "no status code was present". Never sent on the wire.
    pub const NO_STATUS: CloseCode = CloseCode(1005);
    /// 1006: reserved: "closed abnormally", without a Close frame. Never sent.
    pub const ABNORMAL: CloseCode = CloseCode(1006);
    /// 1007: a text message that is not UTF-8, or similar.
    pub const INVALID_PAYLOAD: CloseCode = CloseCode(1007);
    /// 1008: a message that violates the endpoint's policy.
    pub const POLICY_VIOLATION: CloseCode = CloseCode(1008);
    /// 1009: a message too big to process.
    pub const MESSAGE_TOO_BIG: CloseCode = CloseCode(1009);
    /// 1011: the server met an unexpected condition.
    pub const INTERNAL_ERROR: CloseCode = CloseCode(1011);
    /// 1013: try again later (IANA registry; used when the server is overloaded).
    pub const TRY_AGAIN_LATER: CloseCode = CloseCode(1013);

    /// Whether a peer may send this code in a Close frame. §7.4.1 reserves
    /// 1004, 1005, 1006 and 1015 and leaves 0–999 unused; §7.4.2 gives
    /// 1000–2999 to the protocol (of which IANA has registered up to 1014),
    /// 3000–3999 to libraries and frameworks, 4000–4999 to applications.
    pub fn is_allowed_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match *self {
            CloseCode::NORMAL => "normal closure",
            CloseCode::GOING_AWAY => "going away",
            CloseCode::PROTOCOL_ERROR => "protocol error",
            CloseCode::UNSUPPORTED_DATA => "unsupported data",
            CloseCode::NO_STATUS => "no status code",
            CloseCode::ABNORMAL => "abnormal closure",
            CloseCode::INVALID_PAYLOAD => "invalid payload data",
            CloseCode::POLICY_VIOLATION => "policy violation",
            CloseCode::MESSAGE_TOO_BIG => "message too big",
            CloseCode(1010) => "mandatory extension",
            CloseCode::INTERNAL_ERROR => "internal error",
            CloseCode(1012) => "service restart",
            CloseCode::TRY_AGAIN_LATER => "try again later",
            CloseCode(1014) => "bad gateway",
            CloseCode(3000..=3999) => "library code",
            CloseCode(4000..=4999) => "application code",
            _ => "unknown",
        };
        write!(f, "{} ({name})", self.0)
    }
}

impl ProtocolError {
    // ANCHOR: close_code
    /// The code we send in our Close frame when the peer breaks this rule.
    pub fn close_code(&self) -> CloseCode {
        use ProtocolError::*;
        match self {
            FrameTooBig { .. } | MessageTooBig { .. } => CloseCode::MESSAGE_TOO_BIG,
            OverBudget { .. } => CloseCode::TRY_AGAIN_LATER,
            InvalidUtf8 | InvalidUtf8InCloseReason => CloseCode::INVALID_PAYLOAD,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
    // ANCHOR_END: close_code
}

/// The body of a Close frame: a code and a UTF-8 reason, both optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    pub code: CloseCode,
    pub reason: String,
}

/// Reads a Close frame's payload. `Ok(None)` is an empty payload: no code.
pub fn parse_close_payload(payload: &[u8]) -> Result<Option<CloseFrame>, ProtocolError> {
    match payload {
        [] => Ok(None),
        // §5.5.1: "If there is a body, the first two bytes of the body MUST be
        // a 2-byte unsigned integer (in network byte order)"
        [_] => Err(ProtocolError::CloseBodyOfOneByte),
        [high, low, reason @ ..] => {
            let code = CloseCode(u16::from_be_bytes([*high, *low]));
            if !code.is_allowed_on_wire() {
                return Err(ProtocolError::InvalidCloseCode(code.0));
            }
            let reason =
                std::str::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8InCloseReason)?;
            Ok(Some(CloseFrame {
                code,
                reason: reason.to_string(),
            }))
        }
    }
}

/// The payload of a Close frame we send: the code, big-endian, then the reason.
/// The reason is cut to fit the 125-byte control-frame limit, on a character boundary.
pub fn close_payload(code: CloseCode, reason: &str) -> Vec<u8> {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut payload = Vec::with_capacity(2 + end);
    payload.extend_from_slice(&code.0.to_be_bytes());
    payload.extend_from_slice(&reason.as_bytes()[..end]);
    payload
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_allowed_on_the_wire() {
        for code in [
            1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
            4000, 4999,
        ] {
            assert!(CloseCode(code).is_allowed_on_wire(), "{code}");
        }
        for code in [
            0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ] {
            assert!(!CloseCode(code).is_allowed_on_wire(), "{code}");
        }
    }

    #[test]
    fn close_payloads() {
        assert_eq!(parse_close_payload(b""), Ok(None));
        assert_eq!(
            parse_close_payload(&[0x03]),
            Err(ProtocolError::CloseBodyOfOneByte)
        );
        assert_eq!(
            parse_close_payload(b"\x03\xe8bye"),
            Ok(Some(CloseFrame {
                code: CloseCode::NORMAL,
                reason: "bye".into()
            }))
        );
        assert_eq!(
            parse_close_payload(b"\x03\xed"),
            Err(ProtocolError::InvalidCloseCode(1005))
        );
        assert_eq!(
            parse_close_payload(b"\x03\xe8\xff"),
            Err(ProtocolError::InvalidUtf8InCloseReason)
        );
    }

    #[test]
    fn our_close_payload_fits_a_control_frame() {
        let long = "长".repeat(100);
        let payload = close_payload(CloseCode::GOING_AWAY, &long);
        assert!(payload.len() <= 125);
        assert!(parse_close_payload(&payload).is_ok());
        assert_eq!(close_payload(CloseCode::NORMAL, ""), vec![0x03, 0xe8]);
    }
}
