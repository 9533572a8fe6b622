//! Chapter 5: parsing a frame header, and unmasking.

use crate::check::{expect_eq, Check, Failure};
use wslab::error::ProtocolError;
use wslab::frame::{FrameHeader, OpCode};

type Parsed = Result<Option<(FrameHeader, usize)>, ProtocolError>;

pub struct Impl {
    pub parse_header: fn(&[u8]) -> Parsed,
    pub unmask: fn(&mut [u8], [u8; 4], usize),
}

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn header(fin: bool, opcode: OpCode, mask: Option<[u8; 4]>, payload_len: u64) -> FrameHeader {
    FrameHeader {
        fin,
        rsv: [false; 3],
        opcode,
        mask,
        payload_len,
    }
}

/// §5.7's examples, and two more: the bytes of a header, and what they mean.
fn examples() -> Vec<(&'static str, Vec<u8>, FrameHeader)> {
    let mut masked = vec![0x81, 0x85];
    masked.extend_from_slice(&KEY);
    let mut long = vec![0x82, 0xFF];
    long.extend_from_slice(&65536u64.to_be_bytes());
    long.extend_from_slice(&KEY);
    vec![
        (
            "unmasked text \"Hello\"",
            vec![0x81, 0x05],
            header(true, OpCode::Text, None, 5),
        ),
        (
            "masked text \"Hello\"",
            masked,
            header(true, OpCode::Text, Some(KEY), 5),
        ),
        (
            "first fragment \"Hel\"",
            vec![0x01, 0x03],
            header(false, OpCode::Text, None, 3),
        ),
        (
            "unmasked Ping",
            vec![0x89, 0x05],
            header(true, OpCode::Ping, None, 5),
        ),
        (
            "256 bytes of binary",
            vec![0x82, 0x7E, 0x01, 0x00],
            header(true, OpCode::Binary, None, 256),
        ),
        (
            "masked 64 KiB of binary",
            long,
            header(true, OpCode::Binary, Some(KEY), 65536),
        ),
    ]
}

fn hex(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(" ")
}

pub fn checks() -> Vec<Check<Impl>> {
    vec![
        Check {
            name: "need_more_bytes",
            expect: "Ok(None) for every prefix of a header that is not yet whole",
            hint: "Check that the bytes are there before you read them: 2 bytes, then 2 \
                   or 8 of extended length, then 4 of key. Too few is Ok(None), not an error.",
            section: "tutorial/05-frames.md#parsing-a-header",
            run: |lab| {
                for (what, bytes, _) in examples() {
                    for end in 0..bytes.len() {
                        let case = format!("{} ({what}, cut to {end} bytes)", hex(&bytes[..end]));
                        expect_eq(case, Ok(None), (lab.parse_header)(&bytes[..end]))?;
                    }
                }
                Ok(())
            },
        },
        Check {
            name: "rfc_examples",
            expect: "the header of each of RFC 6455 §5.7's examples, and its length",
            hint: "FIN is the top bit of byte 0, the opcode its low 4 bits; MASK is the \
                   top bit of byte 1, the length its low 7 bits.",
            section: "tutorial/05-frames.md#the-rfcs-examples",
            run: |lab| {
                for (what, bytes, header) in examples() {
                    let mut with_payload = bytes.clone();
                    with_payload.extend_from_slice(b"Hello");
                    let case = format!("{} + payload ({what})", hex(&bytes));
                    let got = (lab.parse_header)(&with_payload);
                    expect_eq(case, Ok(Some((header, bytes.len()))), got)?;
                }
                Ok(())
            },
        },
        Check {
            name: "masked_header_has_its_key",
            expect: "MASK set: the 4 bytes after the length are the key, and the header is 4 bytes longer",
            hint: "The MASK bit (0x80 of byte 1) says whether a 4-byte masking key follows \
                   the length. Every client frame has one.",
            section: "tutorial/05-frames.md#the-frame-header",
            run: |lab| {
                let mut bytes = vec![0x81, 0x85];
                bytes.extend_from_slice(&KEY);
                bytes.extend_from_slice(&[0x7f, 0x9f, 0x4d, 0x51, 0x58]);
                let case = format!("{} (masked \"Hello\")", hex(&bytes));
                let expected = Ok(Some((header(true, OpCode::Text, Some(KEY), 5), 6)));
                expect_eq(case, expected, (lab.parse_header)(&bytes))
            },
        },
        Check {
            name: "extended_lengths",
            expect: "7-bit lengths up to 125; 126 then 16 bits; 127 then 64 bits, big-endian",
            hint: "126 and 127 in the 7-bit field are not lengths: they say where the \
                   length is. u16::from_be_bytes and u64::from_be_bytes read it.",
            section: "tutorial/05-frames.md#parsing-a-header",
            run: |lab| {
                let cases: [(&[u8], u64, usize); 4] = [
                    (&[0x82, 0x7D], 125, 2),
                    (&[0x82, 0x7E, 0x00, 0x7E], 126, 4),
                    (&[0x82, 0x7E, 0xFF, 0xFF], 65535, 4),
                    (&[0x82, 0x7F, 0, 0, 0, 1, 0, 0, 0, 0], 1 << 32, 10),
                ];
                for (bytes, len, header_len) in cases {
                    let expected = Ok(Some((header(true, OpCode::Binary, None, len), header_len)));
                    expect_eq(hex(bytes), expected, (lab.parse_header)(bytes))?;
                }
                Ok(())
            },
        },
        Check {
            name: "broken_rules_are_errors",
            expect: "a reserved opcode is ReservedOpcode, a 64-bit length with its top bit set is LengthTopBitSet",
            hint: "OpCode::from_u8 returns the error for opcodes 0x3-0x7 and 0xB-0xF. \
                   §5.2: in a 64-bit length \"the most significant bit MUST be 0\".",
            section: "tutorial/05-frames.md#parsing-a-header",
            run: |lab| {
                for op in [0x3u8, 0x7, 0xB, 0xF] {
                    let bytes = [0x80 | op, 0x80, 1, 2, 3, 4];
                    let expected = Err(ProtocolError::ReservedOpcode(op));
                    expect_eq(hex(&bytes), expected, (lab.parse_header)(&bytes))?;
                }
                let bytes = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
                let expected = Err(ProtocolError::LengthTopBitSet);
                expect_eq(hex(&bytes), expected, (lab.parse_header)(&bytes))
            },
        },
        Check {
            name: "unmask_rfc_example",
            expect: "7f 9f 4d 51 58 unmasked with key 37 fa 21 3d is \"Hello\" (§5.7)",
            hint: "Byte i of the payload is XORed with byte i % 4 of the key: the key has \
                   4 bytes, so % 4.",
            section: "tutorial/05-frames.md#masking",
            run: |lab| {
                let mut payload = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
                (lab.unmask)(&mut payload, KEY, 0);
                let got = String::from_utf8_lossy(&payload).into_owned();
                expect_eq("unmask(7f 9f 4d 51 58, 37 fa 21 3d, 0)", "Hello", &got)
            },
        },
        Check {
            name: "unmask_in_pieces",
            expect: "a payload unmasked in two pieces, the second with its offset, equals it unmasked whole",
            hint: "A payload may arrive in several reads. Byte i of a piece that starts at \
                   `offset` is byte offset + i of the payload: use key[(offset + i) % 4].",
            section: "tutorial/05-frames.md#masking",
            run: |lab| {
                let plain = "masking is its own inverse: 你好".as_bytes();
                let mut masked = plain.to_vec();
                for (i, byte) in masked.iter_mut().enumerate() {
                    *byte ^= KEY[i % 4];
                }
                for split in 0..=masked.len() {
                    let mut got = masked.clone();
                    let (first, second) = got.split_at_mut(split);
                    (lab.unmask)(first, KEY, 0);
                    (lab.unmask)(second, KEY, split);
                    if got != plain {
                        return Err(Failure::said(
                            format!(
                                "split at byte {split}, the second piece with offset {split} → {:?}",
                                String::from_utf8_lossy(plain)
                            ),
                            format!("{:?}", String::from_utf8_lossy(&got)),
                        ));
                    }
                }
                Ok(())
            },
        },
    ]
}
