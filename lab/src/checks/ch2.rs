//! Chapter 2: the client reads until the server closes.

use super::{Failing, Trickle};
use crate::check::{expect_eq, Check, Failure};
use std::io::{self, ErrorKind, Read};

pub struct Impl {
    pub read_until_closed: fn(&mut dyn Read) -> io::Result<Vec<u8>>,
}

const ANSWER: &str = "wslab: send me a line and I will send it back reversed.\n界世 ,olleh\n";

pub fn checks() -> Vec<Check<Impl>> {
    vec![
        Check {
            name: "reads_until_the_end",
            expect: "every byte the server sent, however many reads it takes",
            hint: "One read returns some bytes, not all of them. Keep reading, and \
                   append what each read returns, until a read returns 0.",
            section: "tutorial/02-the-other-end.md#talking",
            run: |lab| {
                for chunk in [1, 3, 7, 64] {
                    let mut reader = Trickle {
                        bytes: ANSWER.as_bytes(),
                        chunk,
                    };
                    let got = (lab.read_until_closed)(&mut reader)
                        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
                    let case =
                        format!("a server whose {chunk}-byte pieces arrive one read at a time");
                    if got.as_deref().ok() != Some(ANSWER) {
                        return Err(Failure::new(case, Ok::<_, ()>(ANSWER), got));
                    }
                }
                Ok(())
            },
        },
        Check {
            name: "a_closed_stream_is_empty",
            expect: "Ok(empty) when the server closes without sending",
            hint: "A read of 0 bytes is the end of the stream, even the first one.",
            section: "tutorial/02-the-other-end.md#talking",
            run: |lab| {
                let got = (lab.read_until_closed)(&mut io::empty()).map_err(|e| e.kind());
                expect_eq("a server that closes at once", Ok(Vec::new()), got)
            },
        },
        Check {
            name: "errors_are_returned",
            expect: "Err(ConnectionReset) when a read fails with ConnectionReset",
            hint: "A failed read is not the end of the stream: return the error (`?` does).",
            section: "tutorial/02-the-other-end.md#talking",
            run: |lab| {
                let mut reader = Failing {
                    errors: vec![ErrorKind::ConnectionReset],
                    rest: b"never read",
                };
                let got = (lab.read_until_closed)(&mut reader).map_err(|e| e.kind());
                expect_eq(
                    "a connection reset by the server",
                    Err(ErrorKind::ConnectionReset),
                    got,
                )
            },
        },
    ]
}
