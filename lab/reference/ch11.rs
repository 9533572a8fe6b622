//! Chapter 11, solved by the library: the client's own `check_response` on a
//! 101 that carries `accept`, and a header encoded for the client role with
//! the payload masked after it, as `Protocol` sends every client frame.

use wslab::client::{check_response, Options, Response};
use wslab::frame::{FrameHeader, OpCode, Role, MAX_HEADER_LEN};
use wslab::mask::apply_mask;

pub fn accept_matches(our_key: &str, accept: Option<&str>) -> bool {
    let mut headers = vec![
        ("Upgrade".to_string(), "websocket".to_string()),
        ("Connection".to_string(), "Upgrade".to_string()),
    ];
    if let Some(accept) = accept {
        headers.push(("Sec-WebSocket-Accept".to_string(), accept.to_string()));
    }
    let response = Response {
        status_line: "HTTP/1.1 101 Switching Protocols".to_string(),
        status: 101,
        headers,
    };
    check_response(&response, our_key, &Options::default()).is_ok()
}

pub fn mask_frame(opcode: OpCode, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let header = FrameHeader::new(Role::Client, opcode, payload.len(), Some(key));
    let mut bytes = [0; MAX_HEADER_LEN];
    let len = header.encode(&mut bytes);
    let mut frame = bytes[..len].to_vec();
    frame.extend_from_slice(payload);
    apply_mask(&mut frame[len..], key, 0);
    frame
}
