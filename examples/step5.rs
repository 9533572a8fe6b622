//! Step 5, frames: step 4's handshake, then each frame the client sends is
//! parsed, unmasked, shown field by field, and sent back on its own. There are
//! no messages yet: fragments, pings and the closing handshake are chapter 6's.
//! Read it with `tutorial/05-frames.md#the-code`.
//!
//! Try it: `cargo run --example step5`, then in a browser's console:
//! `ws = new WebSocket("ws://127.0.0.1:7878/"); ws.onmessage = e => console.log(e.data)`
//! and `ws.send("Hello")`.

#[path = "step4/upgrade.rs"]
mod upgrade;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use upgrade::Site;
use wslab::cli::{self, Flags};
use wslab::frame::{FrameHeader, MAX_HEADER_LEN};
use wslab::mask::apply_mask;
use wslab::trace::{describe, show_payload};

const ABOUT: &str = "Answers a WebSocket handshake on ws://HOST:PORT/, then shows every frame \
                     the client sends and echoes each data frame on its own.";

fn main() {
    cli::init_logging();
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 7878));
    Flags::new("cargo run --example step5 --", ABOUT)
        .flag("--addr", "where to listen", &mut addr)
        .parse_env();
    upgrade::serve(addr, Site::websocket("/", frames));
}

/// The biggest frame step 5 waits for: a frame waits whole in `buf`, and a
/// length the client claims must not make us hold more. Chapter 8 makes the
/// limits settings.
const MAX_FRAME: u64 = 1 << 20;

// ANCHOR: frames
/// Reads frames until the client closes the connection: each whole frame in
/// `buf` is shown, unmasked and echoed; then more bytes are read.
fn frames(mut stream: TcpStream, peer: SocketAddr, mut buf: Vec<u8>) {
    let mut read = [0u8; 4096];
    loop {
        loop {
            let (header, header_len) = match FrameHeader::parse(&buf) {
                Ok(Some(parsed)) => parsed,
                Ok(None) => break,
                Err(error) => return log::warn!("{peer}: {error}; hanging up"),
            };
            if header.payload_len > MAX_FRAME {
                return log::warn!(
                    "{peer}: a frame of {} bytes; step 5 takes {MAX_FRAME} at most; hanging up",
                    header.payload_len
                );
            }
            let end = header_len + header.payload_len as usize;
            if buf.len() < end {
                break;
            }
            log::info!(
                "{peer}: {}",
                describe("received", &buf[..header_len], &header)
            );
            let mut payload = buf[header_len..end].to_vec();
            if let Some(key) = header.mask {
                apply_mask(&mut payload, key, 0);
            }
            log::info!(
                "  payload, unmasked: {}",
                show_payload(&payload, header.opcode)
            );
            buf.drain(..end);
            if header.opcode.is_control() {
                log::info!("  not answered: control frames are chapter 6's");
            } else if let Err(error) = echo(&mut stream, peer, &header, &payload) {
                return log::info!("{peer}: {error}");
            }
        }
        match stream.read(&mut read) {
            Ok(0) => return log::info!("{peer}: closed the connection"),
            Ok(n) => buf.extend_from_slice(&read[..n]),
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return log::info!("{peer}: {error}"),
        }
    }
}
// ANCHOR_END: frames

// ANCHOR: echo
/// Sends `payload` back in one final, unmasked frame with the opcode it came
/// with, as if each frame were a whole message.
fn echo(
    stream: &mut TcpStream,
    peer: SocketAddr,
    received: &FrameHeader,
    payload: &[u8],
) -> std::io::Result<()> {
    let header = FrameHeader::server(received.opcode, payload.len());
    let mut raw = [0u8; MAX_HEADER_LEN];
    let len = header.encode(&mut raw);
    stream.write_all(&raw[..len])?;
    stream.write_all(payload)?;
    log::info!("{peer}: {}", describe("sent", &raw[..len], &header));
    Ok(())
}
// ANCHOR_END: echo
