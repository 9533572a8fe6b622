//! Chapter 5, solved: the library's own functions.

use wslab::error::ProtocolError;
use wslab::frame::FrameHeader;

pub fn parse_header(bytes: &[u8]) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
    FrameHeader::parse(bytes)
}

pub fn unmask(payload: &mut [u8], key: [u8; 4], offset: usize) {
    wslab::mask::apply_mask_naive(payload, key, offset)
}
