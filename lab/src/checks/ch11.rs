//! Chapter 11: the client's Accept check, and a client's masked frame.

use crate::check::{expect_eq, Check, Failure};
use wslab::frame::OpCode;

pub struct Impl {
    pub accept_matches: fn(&str, Option<&str>) -> bool,
    pub mask_frame: fn(OpCode, &[u8], [u8; 4]) -> Vec<u8>,
}

/// §1.3's key and the Accept a server answers it with.
const RFC_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const RFC_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
/// Another key, and its Accept.
const OTHER_KEY: &str = "x3JJHMbDL1EzLkh9GBhXDw==";
const OTHER_ACCEPT: &str = "HSmrc0sMlYUkAGmm5OPpG2HaGWk=";

/// §5.7's masking key.
const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The lengths where the header changes form, and a few on either side.
const LENGTHS: [usize; 10] = [0, 1, 5, 125, 126, 127, 1000, 65535, 65536, 70000];

fn accept_case(lab: &Impl, key: &str, accept: Option<&str>, expected: bool) -> Result<(), Failure> {
    let got = (lab.accept_matches)(key, accept);
    expect_eq(
        format!("accept_matches({key:?}, {accept:?})"),
        expected,
        got,
    )
}

fn hex(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(" ")
}

/// At most the first `n` bytes, in hex, with "…" when there are more.
fn start(bytes: &[u8], n: usize) -> String {
    match bytes.len() > n {
        true => format!("{} …", hex(&bytes[..n])),
        false => hex(bytes),
    }
}

/// A payload of `len` bytes that are not all alike, so a key applied at the
/// wrong place shows.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

/// The header a client sends for a final frame: FIN and the opcode, MASK and
/// the shortest length form, the key.
fn client_header(opcode: OpCode, len: usize, key: [u8; 4]) -> Vec<u8> {
    let mut header = vec![0x80 | opcode.to_u8()];
    match len {
        0..=125 => header.push(0x80 | len as u8),
        126..=0xFFFF => {
            header.push(0x80 | 126);
            header.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            header.push(0x80 | 127);
            header.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    header.extend_from_slice(&key);
    header
}

/// `mask_frame(opcode, payload, key)`, as a case is named in a failure.
fn call(opcode: OpCode, payload: &[u8], key: [u8; 4]) -> String {
    let bytes = match payload.len() {
        1 => "1 byte".to_string(),
        n => format!("{n} bytes"),
    };
    format!("mask_frame({opcode:?}, {bytes}, {})", hex(&key))
}

pub fn checks() -> Vec<Check<Impl>> {
    vec![
        Check {
            name: "accept_rfc_example",
            expect: "accept_matches(\"dGhlIHNhbXBsZSBub25jZQ==\", Some(\"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\")) is true (§1.3)",
            hint: "The Accept a server sends is accept_key(our key): base64 of the SHA-1 of \
                   the key and the GUID, which is lab 4. Compute it from our_key and compare.",
            section: "tutorial/11-the-other-end-again.md#the-clients-handshake",
            run: |lab| {
                accept_case(lab, RFC_KEY, Some(RFC_ACCEPT), true)?;
                accept_case(lab, OTHER_KEY, Some(OTHER_ACCEPT), true)
            },
        },
        Check {
            name: "accept_of_another_key_is_refused",
            expect: "false for an Accept that is right for some key, but not for ours",
            hint: "Being there is not enough: a server that never read our request, or a cache \
                   replaying an old 101, sends an Accept too. Only accept_key(our_key) proves \
                   the server read this request.",
            section: "tutorial/11-the-other-end-again.md#the-clients-handshake",
            run: |lab| {
                accept_case(lab, OTHER_KEY, Some(RFC_ACCEPT), false)?;
                accept_case(lab, RFC_KEY, Some(OTHER_ACCEPT), false)?;
                accept_case(lab, RFC_KEY, Some(RFC_KEY), false)?;
                accept_case(lab, RFC_KEY, Some(""), false)
            },
        },
        Check {
            name: "missing_accept_is_refused",
            expect: "false when the 101 has no Sec-WebSocket-Accept",
            hint: "§4.1: \"If the response lacks a |Sec-WebSocket-Accept| header field ... the \
                   client MUST _Fail the WebSocket Connection_.\" None is a refusal, not a pass.",
            section: "tutorial/11-the-other-end-again.md#the-clients-handshake",
            run: |lab| {
                accept_case(lab, RFC_KEY, None, false)?;
                accept_case(lab, OTHER_KEY, None, false)
            },
        },
        Check {
            name: "accept_is_compared_exactly",
            expect: "false for the right Accept in another case",
            hint: "Upgrade and Connection are compared without case; the Accept is base64, \
                   where `s` and `S` are different values. Compare it with ==.",
            section: "tutorial/11-the-other-end-again.md#the-clients-handshake",
            run: |lab| {
                let lower = RFC_ACCEPT.to_ascii_lowercase();
                let upper = RFC_ACCEPT.to_ascii_uppercase();
                accept_case(lab, RFC_KEY, Some(&lower), false)?;
                accept_case(lab, RFC_KEY, Some(&upper), false)
            },
        },
        Check {
            name: "mask_rfc_example",
            expect: "mask_frame(Text, \"Hello\", 37 fa 21 3d) is 81 85 37 fa 21 3d 7f 9f 4d 51 58 (§5.7)",
            hint: "FIN and the opcode (0x81), MASK and the length (0x80 | 5), the key, then each \
                   payload byte XORed with key[i % 4].",
            section: "tutorial/11-the-other-end-again.md#the-bytes-on-the-wire",
            run: |lab| {
                let got = (lab.mask_frame)(OpCode::Text, b"Hello", KEY);
                let expected = "81 85 37 fa 21 3d 7f 9f 4d 51 58";
                expect_eq(call(OpCode::Text, b"Hello", KEY), expected, &hex(&got))
            },
        },
        Check {
            name: "mask_bit_is_set",
            expect: "the MASK bit (0x80 of byte 1) set in every frame, whatever its length",
            hint: "§5.2: the MASK bit says that a key follows the length. Without it the server \
                   reads the key as payload, and fails the connection with 1002, because §5.1 \
                   wants every client frame masked.",
            section: "tutorial/11-the-other-end-again.md#a-clients-frame",
            run: |lab| {
                for len in LENGTHS {
                    let data = payload(len);
                    let got = (lab.mask_frame)(OpCode::Binary, &data, KEY);
                    if got.get(1).is_none_or(|byte| byte & 0x80 == 0) {
                        return Err(Failure::said(
                            format!("{}: byte 1 with 0x80 set", call(OpCode::Binary, &data, KEY)),
                            start(&got, 14),
                        ));
                    }
                }
                Ok(())
            },
        },
        Check {
            name: "shortest_length_form",
            expect: "lengths up to 125 in 7 bits; 126 to 65535 as 126 and 16 bits; more as 127 and 64 bits",
            hint: "In the 7-bit field, 126 and 127 are not lengths: they say that 2 or 8 bytes \
                   of length follow, big-endian. So 125 is the last length that fits, and \
                   §5.2 says the shortest form MUST be used.",
            section: "tutorial/11-the-other-end-again.md#a-clients-frame",
            run: |lab| {
                for len in LENGTHS {
                    let data = payload(len);
                    let got = (lab.mask_frame)(OpCode::Binary, &data, KEY);
                    let header = client_header(OpCode::Binary, len, KEY);
                    let got_header = &got[..got.len().min(header.len())];
                    if got_header != header || got.len() != header.len() + len {
                        return Err(Failure::said(
                            format!(
                                "{}: {} bytes, starting {}",
                                call(OpCode::Binary, &data, KEY),
                                header.len() + len,
                                hex(&header)
                            ),
                            format!("{} bytes, starting {}", got.len(), start(&got, header.len())),
                        ));
                    }
                }
                Ok(())
            },
        },
        Check {
            name: "payload_masked_from_its_first_byte",
            expect: "after the key, payload byte i XORed with key[i % 4], for every length and opcode",
            hint: "i counts the payload's bytes from 0, not the frame's: the first payload byte \
                   meets key[0] whatever the header's length. Masking in place in the frame \
                   needs key[(j - header_len) % 4].",
            section: "tutorial/11-the-other-end-again.md#a-clients-frame",
            run: |lab| {
                let opcodes = [OpCode::Text, OpCode::Binary, OpCode::Ping, OpCode::Close];
                let keys = [KEY, [0x01, 0x02, 0x03, 0x04]];
                for (n, len) in LENGTHS.into_iter().enumerate() {
                    let (opcode, key) = (opcodes[n % 4], keys[n % 2]);
                    let data = match opcode.is_control() {
                        true => payload(len.min(125)),
                        false => payload(len),
                    };
                    let got = (lab.mask_frame)(opcode, &data, key);
                    let mut expected = client_header(opcode, data.len(), key);
                    let header_len = expected.len();
                    expected.extend(data.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
                    if let Some(at) = (0..expected.len()).find(|&at| got.get(at) != Some(&expected[at])) {
                        let part = match at.checked_sub(header_len) {
                            Some(i) => format!("payload byte {i}"),
                            None => "the header".to_string(),
                        };
                        return Err(Failure::said(
                            format!(
                                "{}: byte {at} ({part}) is {:02x}",
                                call(opcode, &data, key),
                                expected[at]
                            ),
                            match got.get(at) {
                                Some(byte) => format!("{byte:02x}; the frame starts {}", start(&got, 20)),
                                None => format!("a frame of {} bytes", got.len()),
                            },
                        ));
                    }
                    if got.len() != expected.len() {
                        return Err(Failure::said(
                            format!("{}: {} bytes", call(opcode, &data, key), expected.len()),
                            format!("{} bytes", got.len()),
                        ));
                    }
                }
                Ok(())
            },
        },
    ]
}
