//! Chapter 5: annotated frame dumps for the classroom.
//!
//! With `RUST_LOG=wslab::trace=trace` (the client's `--trace`), every frame in and
//! out is printed field by field: FIN, RSV, opcode, MASK, length, key, payload.
//! See `tutorial/05-frames.md#watching-the-bytes`.

use crate::frame::{FrameHeader, OpCode};
use log::Level;
use std::fmt::Write;

const TARGET: &str = "wslab::trace";

/// How many payload bytes a dump shows before it elides the rest.
pub const SHOWN: usize = 32;

/// True when frame dumps are switched on, so callers can skip work.
pub fn enabled() -> bool {
    log::log_enabled!(target: TARGET, Level::Trace)
}

/// Logs a received header: its raw bytes, then each field with its meaning.
pub fn header(raw: &[u8], header: &FrameHeader) {
    if enabled() {
        log::trace!(target: TARGET, "{}", describe("received", raw, header));
    }
}

/// Logs a received payload after unmasking.
pub fn payload(payload: &[u8], opcode: OpCode) {
    if enabled() {
        log::trace!(target: TARGET, "  payload, unmasked: {}", show_payload(payload, opcode));
    }
}

/// Logs a frame we send: header fields and payload.
pub fn sent(raw_header: &[u8], header: &FrameHeader, payload: &[u8]) {
    if enabled() {
        log::trace!(
            target: TARGET,
            "{}\n  payload: {}",
            describe("sent", raw_header, header),
            show_payload(payload, header.opcode)
        );
    }
}

/// One header, explained: the bytes, then FIN, RSV, opcode, MASK, length, key.
pub fn describe(direction: &str, raw: &[u8], header: &FrameHeader) -> String {
    let form = match raw.get(1).map(|b| b & 0x7F) {
        Some(126) => "16-bit",
        Some(127) => "64-bit",
        _ => "7-bit",
    };
    let bit = |b: bool| b as u8;
    let mut text = format!("{direction} frame header {}\n", hex(raw));
    let _ = write!(
        text,
        "  FIN={} RSV={}{}{} opcode={:#x} ({}) MASK={} length={} ({form})",
        bit(header.fin),
        bit(header.rsv[0]),
        bit(header.rsv[1]),
        bit(header.rsv[2]),
        header.opcode.to_u8(),
        name(header.opcode),
        bit(header.mask.is_some()),
        header.payload_len,
    );
    if let Some(key) = header.mask {
        let _ = write!(text, " key={}", hex(&key));
    }
    text
}

/// The payload as hex, and as text when it is a text frame.
pub fn show_payload(payload: &[u8], opcode: OpCode) -> String {
    let shown = &payload[..payload.len().min(SHOWN)];
    let more = if payload.len() > SHOWN { " …" } else { "" };
    let mut text = format!("{} bytes [{}{more}]", payload.len(), hex(shown));
    if matches!(opcode, OpCode::Text | OpCode::Continuation) || opcode == OpCode::Close {
        let start = if opcode == OpCode::Close {
            2.min(payload.len())
        } else {
            0
        };
        let _ = write!(
            text,
            " {:?}",
            String::from_utf8_lossy(&shown[start.min(shown.len())..])
        );
    }
    text
}

fn name(opcode: OpCode) -> &'static str {
    match opcode {
        OpCode::Continuation => "continuation",
        OpCode::Text => "text",
        OpCode::Binary => "binary",
        OpCode::Close => "close",
        OpCode::Ping => "ping",
        OpCode::Pong => "pong",
    }
}

/// Bytes as lowercase hex pairs separated by spaces.
pub fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 3);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_rfc_hello() {
        let raw = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d];
        let (header, _) = FrameHeader::parse(&raw).unwrap().unwrap();
        assert_eq!(
            describe("received", &raw, &header),
            "received frame header 81 85 37 fa 21 3d\n  \
             FIN=1 RSV=000 opcode=0x1 (text) MASK=1 length=5 (7-bit) key=37 fa 21 3d"
        );
        assert_eq!(
            show_payload(b"Hello", OpCode::Text),
            "5 bytes [48 65 6c 6c 6f] \"Hello\""
        );
        let long = vec![0u8; 40];
        assert!(show_payload(&long, OpCode::Binary).ends_with(" …]"));
        assert_eq!(
            show_payload(b"\x03\xe8ok", OpCode::Close),
            "4 bytes [03 e8 6f 6b] \"ok\""
        );
    }
}
