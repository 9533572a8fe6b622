//! Chapter 4: the accept key.

use crate::check::{expect_eq, Check, Failure};

pub struct Impl {
    pub accept_key: fn(&str) -> String,
}

pub fn checks() -> Vec<Check<Impl>> {
    vec![
        Check {
            name: "accept_key_rfc_example",
            expect: "accept_key(\"dGhlIHNhbXBsZSBub25jZQ==\") is \"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\" (RFC 6455 §1.3)",
            hint: "SHA-1 of the key followed by the GUID 258EAFA5-E914-47DA-95CA-C5AB0DC85B11, \
                   then base64. Leave out the GUID and every browser refuses the connection.",
            section: "tutorial/04-the-opening-handshake.md#the-answer",
            run: |lab| {
                let key = "dGhlIHNhbXBsZSBub25jZQ==";
                let got = (lab.accept_key)(key);
                expect_eq(format!("accept_key({key:?})"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", &got)
            },
        },
        Check {
            name: "accept_key_of_other_keys",
            expect: "the right accept key for keys other than the RFC's",
            hint: "Use the key as sent: a string, not decoded from base64, and not trimmed \
                   of its `==`.",
            section: "tutorial/04-the-opening-handshake.md#answering-it",
            run: |lab| {
                for (key, accept) in [
                    ("x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk="),
                    ("AQIDBAUGBwgJCgsMDQ4PEA==", "C/0nmHhBztSRGR1CwL6Tf4ZjwpY="),
                ] {
                    expect_eq(format!("accept_key({key:?})"), accept, &(lab.accept_key)(key))?;
                }
                Ok(())
            },
        },
        Check {
            name: "accept_key_is_base64_of_20_bytes",
            expect: "28 characters of base64 ending in `=`: the 20 raw bytes of the SHA-1",
            hint: "Encode the digest's 20 bytes, not its 40-character hex form (PHP's \
                   sha1($s) without `true` gives hex).",
            section: "tutorial/04-the-opening-handshake.md#the-answer",
            run: |lab| {
                let got = (lab.accept_key)("dGhlIHNhbXBsZSBub25jZQ==");
                if got.len() == 28 && got.ends_with('=') && !got.ends_with("==") {
                    Ok(())
                } else {
                    Err(Failure::said(
                        "28 characters, the last one `=`",
                        format!("{} characters: {got:?}", got.len()),
                    ))
                }
            },
        },
    ]
}
