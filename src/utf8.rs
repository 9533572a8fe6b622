//! Chapter 6: UTF-8 validated as the bytes arrive (RFC 6455 §5.6, §8.1).
//!
//! §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds
//! that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint
//! MUST _Fail the WebSocket Connection_." A text message may come in many
//! fragments, and a character may be split between two of them, so validity is
//! checked on the message so far: a sequence cut off at the end may still be
//! completed; any other error is final at once (fail fast).
//! See `tutorial/06-messages-and-closing.md#utf-8-as-it-arrives`.

// ANCHOR: validator
/// How far a growing text message has been validated.
#[derive(Debug, Default, Clone)]
pub struct Utf8Validator {
    valid_up_to: usize,
}

/// The bytes can never become valid UTF-8, whatever follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8;

impl Utf8Validator {
    /// Checks the new bytes at the end of `message` (the whole message so far).
    /// `Ok` if they are valid, or valid up to a character that is not finished yet.
    pub fn feed(&mut self, message: &[u8]) -> Result<(), InvalidUtf8> {
        match std::str::from_utf8(&message[self.valid_up_to..]) {
            Ok(_) => self.valid_up_to = message.len(),
            Err(error) => match error.error_len() {
                Some(_) => return Err(InvalidUtf8),
                None => self.valid_up_to += error.valid_up_to(),
            },
        }
        Ok(())
    }

    /// Checks that the message, now complete, does not end inside a character.
    pub fn finish(&self, message: &[u8]) -> Result<(), InvalidUtf8> {
        if self.valid_up_to == message.len() {
            Ok(())
        } else {
            Err(InvalidUtf8)
        }
    }
}
// ANCHOR_END: validator

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_in_pieces(bytes: &[u8], split: usize) -> Result<(), InvalidUtf8> {
        let mut validator = Utf8Validator::default();
        validator.feed(&bytes[..split])?;
        validator.feed(bytes)?;
        validator.finish(bytes)
    }

    #[test]
    fn a_character_split_anywhere_is_accepted() {
        let text = "κόσμε 你好 🎉".as_bytes();
        for split in 0..=text.len() {
            assert_eq!(feed_in_pieces(text, split), Ok(()), "split at {split}");
        }
    }

    #[test]
    fn invalid_bytes_fail_as_soon_as_they_arrive() {
        // 0xED 0xA0 0x80 is a UTF-16 surrogate: invalid from its second byte on.
        let mut validator = Utf8Validator::default();
        let message = b"ok \xed\xa0\x80";
        assert_eq!(validator.feed(&message[..4]), Ok(()));
        assert_eq!(validator.feed(&message[..5]), Err(InvalidUtf8));
        // A byte that can never start a character fails at once.
        assert_eq!(Utf8Validator::default().feed(b"\xff"), Err(InvalidUtf8));
        // Code points above U+10FFFF fail on the second byte.
        assert_eq!(Utf8Validator::default().feed(b"\xf4\x90"), Err(InvalidUtf8));
    }

    #[test]
    fn a_message_may_not_end_inside_a_character() {
        let mut validator = Utf8Validator::default();
        let message = "你".as_bytes();
        assert_eq!(validator.feed(&message[..2]), Ok(()));
        assert_eq!(validator.finish(&message[..2]), Err(InvalidUtf8));
    }
}
