//! Chapter 6: UTF-8 validated as the bytes arrive (RFC 6455 §5.6, §8.1).
//!
//! §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds
//! that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint
//! MUST _Fail the WebSocket Connection_." A text message may come in many
//! fragments, and a character may be split between two of them, so each piece
//! is checked as it arrives: a character cut off at the end of a piece waits
//! for the next one; any other error is final at once (fail fast). What passes
//! the check is appended to the message's `String`, so no byte is checked twice.
//! See `tutorial/06-messages-and-closing.md#utf-8-as-it-arrives`.

/// A text message being checked, and built, piece by piece.
#[derive(Debug, Default, Clone)]
pub struct Utf8Validator {
    text: String,
    /// The first bytes of a character that the last piece cut off.
    unfinished: Vec<u8>,
}

/// The bytes can never become valid UTF-8, whatever follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8;

impl Utf8Validator {
    /// A validator with room for `bytes` of text before it must grow.
    pub fn with_capacity(bytes: usize) -> Utf8Validator {
        Utf8Validator {
            text: String::with_capacity(bytes),
            unfinished: Vec::new(),
        }
    }

    // ANCHOR: push
    /// Checks the next piece of the message and keeps it. `Ok` if it is valid,
    /// or valid up to a character that the next piece may finish.
    pub fn push(&mut self, mut piece: &[u8]) -> Result<(), InvalidUtf8> {
        if !self.unfinished.is_empty() {
            let missing = char_width(self.unfinished[0]) - self.unfinished.len();
            let (rest_of_char, rest) = piece.split_at(missing.min(piece.len()));
            self.unfinished.extend_from_slice(rest_of_char);
            piece = rest;
            match std::str::from_utf8(&self.unfinished) {
                Ok(char) => self.text.push_str(char),
                Err(error) if error.error_len().is_some() => return Err(InvalidUtf8),
                Err(_) => return Ok(()), // still unfinished: the piece was short
            }
            self.unfinished.clear();
        }
        let (whole, cut_off) = piece.split_at(start_of_cut_off_char(piece));
        let whole = std::str::from_utf8(whole).map_err(|_| InvalidUtf8)?;
        self.text.push_str(whole);
        // The cut-off bytes may already be wrong (`e0 80`): fail fast on them too.
        if let Err(error) = std::str::from_utf8(cut_off) {
            if error.error_len().is_some() {
                return Err(InvalidUtf8);
            }
        }
        self.unfinished.extend_from_slice(cut_off);
        Ok(())
    }
    // ANCHOR_END: push

    /// How many bytes of text have been checked so far.
    pub fn len(&self) -> usize {
        self.text.len() + self.unfinished.len()
    }

    /// Whether nothing has arrived yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The complete message, unless it ends inside a character.
    pub fn finish(self) -> Result<String, InvalidUtf8> {
        if self.unfinished.is_empty() {
            Ok(self.text)
        } else {
            Err(InvalidUtf8)
        }
    }
}

/// The length of the character that `first` starts, from its high bits
/// (RFC 3629 §3). A byte that starts no character counts as 1, so that
/// `from_utf8` sees it, and rejects it, with the bytes before it.
fn char_width(first: u8) -> usize {
    match first {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// Where the character that runs past the end of `piece` starts, if one does;
/// otherwise `piece.len()`. Only the last 3 bytes can hold such a start.
fn start_of_cut_off_char(piece: &[u8]) -> usize {
    let len = piece.len();
    for start in (len.saturating_sub(3)..len).rev() {
        let is_continuation = piece[start] & 0xc0 == 0x80;
        if !is_continuation {
            return if start + char_width(piece[start]) > len {
                start
            } else {
                len
            };
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_in_pieces(bytes: &[u8], splits: &[usize]) -> Result<String, InvalidUtf8> {
        let mut validator = Utf8Validator::default();
        let mut from = 0;
        for &to in splits.iter().chain([&bytes.len()]) {
            validator.push(&bytes[from..to])?;
            from = to;
        }
        validator.finish()
    }

    #[test]
    fn a_character_split_anywhere_is_accepted() {
        let text = "κόσμε 你好 🎉";
        let bytes = text.as_bytes();
        for split in 0..=bytes.len() {
            assert_eq!(
                push_in_pieces(bytes, &[split]).as_deref(),
                Ok(text),
                "split at {split}"
            );
        }
    }

    #[test]
    fn a_character_split_byte_by_byte_is_accepted() {
        let text = "🎉你a";
        let bytes = text.as_bytes();
        let every_byte: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(push_in_pieces(bytes, &every_byte).as_deref(), Ok(text));
    }

    #[test]
    fn invalid_bytes_fail_as_soon_as_they_arrive() {
        // 0xED 0xA0 0x80 is a UTF-16 surrogate: invalid from its second byte on.
        let mut validator = Utf8Validator::default();
        assert_eq!(validator.push(b"ok \xed"), Ok(()));
        assert_eq!(validator.push(b"\xa0"), Err(InvalidUtf8));
        // The same, when the second byte arrives in the same piece.
        assert_eq!(
            Utf8Validator::default().push(b"ok \xed\xa0"),
            Err(InvalidUtf8)
        );
        // A byte that can never start a character fails at once.
        assert_eq!(Utf8Validator::default().push(b"\xff"), Err(InvalidUtf8));
        assert_eq!(Utf8Validator::default().push(b"ab\xf8"), Err(InvalidUtf8));
        // Code points above U+10FFFF fail on the second byte.
        assert_eq!(Utf8Validator::default().push(b"\xf4\x90"), Err(InvalidUtf8));
        // A cut-off character followed by a byte that cannot continue it.
        let mut validator = Utf8Validator::default();
        assert_eq!(validator.push(b"\xe4\xbd"), Ok(()));
        assert_eq!(validator.push(b"a"), Err(InvalidUtf8));
    }

    #[test]
    fn a_message_may_not_end_inside_a_character() {
        let mut validator = Utf8Validator::default();
        assert_eq!(validator.push(&"你".as_bytes()[..2]), Ok(()));
        assert_eq!(validator.len(), 2);
        assert_eq!(validator.finish(), Err(InvalidUtf8));
    }

    #[test]
    fn agrees_with_std_on_every_split_of_every_short_input() {
        // Every sequence of up to 3 bytes drawn from bytes that matter to the
        // rules, split at every point: the verdict must be std's.
        let bytes = [
            0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe4, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
            0xff, 0xa0, 0x90, 0x8f,
        ];
        let mut inputs = vec![vec![]];
        for _ in 0..3 {
            let longer: Vec<Vec<u8>> = inputs
                .iter()
                .flat_map(|input| {
                    bytes.iter().map(move |&b| {
                        let mut input = input.clone();
                        input.push(b);
                        input
                    })
                })
                .collect();
            inputs.extend(longer);
        }
        inputs.sort();
        inputs.dedup();
        for input in &inputs {
            let expected = std::str::from_utf8(input)
                .map(str::to_owned)
                .map_err(|_| InvalidUtf8);
            for split in 0..=input.len() {
                assert_eq!(
                    push_in_pieces(input, &[split]),
                    expected,
                    "{input:02x?} split at {split}"
                );
            }
        }
    }
}
