//! Fuzzes the frame header parser and the message receiver with whatever
//! bytes libFuzzer makes up. The first byte picks the size of each read, so
//! the same frames are also tried split in many ways. A panic, or a message
//! over the limit, is a finding. Run with `make fuzz`.
//! See `tutorial/08-hardening.md#property-tests-and-fuzzing`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wslab::frame::{FrameHeader, MAX_HEADER_LEN};
use wslab::message::{Limits, Message, Received, Receiver};

const LIMITS: Limits = Limits {
    max_frame: 1024,
    max_message: 4096,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((header, len))) = FrameHeader::parse(data) {
        assert!(len <= MAX_HEADER_LEN && len <= data.len());
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let encoded = header.encode(&mut bytes);
        assert_eq!(
            FrameHeader::parse(&bytes[..encoded]),
            Ok(Some((header, encoded)))
        );
    }

    let Some((&read_size, bytes)) = data.split_first() else {
        return;
    };
    let read_size = usize::from(read_size).max(1);
    let mut receiver = Receiver::new(LIMITS, 0);
    for read in bytes.chunks(read_size) {
        match receiver.feed(read) {
            Ok(received) => received.iter().for_each(check),
            Err(_) => return,
        }
    }
});

fn check(received: &Received) {
    match received {
        Received::Message(Message::Text(text)) => assert!(text.len() <= LIMITS.max_message),
        Received::Message(Message::Binary(data)) => assert!(data.len() <= LIMITS.max_message),
        Received::Ping(data) | Received::Pong(data) => assert!(data.len() <= 125),
        Received::Close(_) => {}
    }
}
