//! Chapter 3 (with chapter 1's reading): one line from a slow or silent client.

use super::{Failing, Trickle};
use crate::check::{Check, Failure};
use crate::given::{LineError, MAX_LINE};
use std::io::{ErrorKind, Read};

pub struct Impl {
    pub read_line: fn(&mut dyn Read) -> Result<String, LineError>,
}

/// What a `read_line` result looks like in a report.
fn shown(result: &Result<String, LineError>) -> String {
    match result {
        Ok(line) => format!("Ok({line:?})"),
        Err(LineError::Io(error)) => format!("Err(Io({:?}))", error.kind()),
        Err(error) => format!("Err({error:?})"),
    }
}

fn expect(
    case: String,
    expected: &str,
    got: Result<String, LineError>,
    ok: impl Fn(&Result<String, LineError>) -> bool,
) -> Result<(), Failure> {
    if ok(&got) {
        Ok(())
    } else {
        Err(Failure::said(format!("{case} → {expected}"), shown(&got)))
    }
}

pub fn checks() -> Vec<Check<Impl>> {
    vec![
        Check {
            name: "a_line_in_many_reads",
            expect: "the line \"你好 wslab\" however the bytes are split",
            hint: "One read is not one line. Keep reading into the buffer until it holds \
                   a \\n, and only then cut the line (and a \\r before the \\n) out.",
            section: "tutorial/01-listen-and-accept.md#reading-a-line",
            run: |lab| {
                let input = "你好 wslab\r\nleft over".as_bytes();
                for chunk in 1..=input.len() {
                    let got = (lab.read_line)(&mut Trickle {
                        bytes: input,
                        chunk,
                    });
                    let case = format!("{input:?} in pieces of {chunk} bytes");
                    expect(
                        case,
                        "Ok(\"你好 wslab\")",
                        got,
                        |r| matches!(r, Ok(line) if line == "你好 wslab"),
                    )?;
                }
                Ok(())
            },
        },
        Check {
            name: "the_end_of_the_stream",
            expect: "the end of the stream ends a line, and before any byte it is Closed",
            hint: "A read of 0 bytes: if nothing came before it, the client left \
                   (LineError::Closed); otherwise what came is the line.",
            section: "tutorial/01-listen-and-accept.md#reading-a-line",
            run: |lab| {
                let got = (lab.read_line)(&mut &b"no newline"[..]);
                expect(
                    "\"no newline\", then the end".into(),
                    "Ok(\"no newline\")",
                    got,
                    |r| matches!(r, Ok(line) if line == "no newline"),
                )?;
                let got = (lab.read_line)(&mut &b""[..]);
                expect("the end at once".into(), "Err(Closed)", got, |r| {
                    matches!(r, Err(LineError::Closed))
                })
            },
        },
        Check {
            name: "bad_lines_are_named",
            expect: "TooLong without a \\n in MAX_LINE bytes, NotUtf8 for bytes that are not UTF-8",
            hint: "Read into a buffer of MAX_LINE bytes; when it is full and holds no \\n, \
                   the line is too long. String::from_utf8 tells you about UTF-8.",
            section: "tutorial/01-listen-and-accept.md#reading-a-line",
            run: |lab| {
                let long = vec![b'a'; MAX_LINE + 10];
                let got = (lab.read_line)(&mut &long[..]);
                let case = format!("{} bytes without a \\n", long.len());
                expect(case, "Err(TooLong)", got, |r| {
                    matches!(r, Err(LineError::TooLong))
                })?;
                let mut fits = vec![b'a'; MAX_LINE - 1];
                fits.push(b'\n');
                let got = (lab.read_line)(&mut &fits[..]);
                let case = format!("{} bytes and a \\n", MAX_LINE - 1);
                expect(
                    case,
                    "Ok(the line)",
                    got,
                    |r| matches!(r, Ok(line) if line.len() == MAX_LINE - 1),
                )?;
                let got = (lab.read_line)(&mut &b"\xff\xfe\n"[..]);
                expect("b\"\\xff\\xfe\\n\"".into(), "Err(NotUtf8)", got, |r| {
                    matches!(r, Err(LineError::NotUtf8))
                })
            },
        },
        Check {
            name: "interrupted_reads_are_retried",
            expect: "a read that fails with Interrupted is simply tried again",
            hint: "ErrorKind::Interrupted means a signal arrived before any data: \
                   not an error, read again.",
            section: "tutorial/03-many-clients.md#a-deadline-for-silence",
            run: |lab| {
                let mut reader = Failing {
                    errors: vec![ErrorKind::Interrupted; 3],
                    rest: b"ok\n",
                };
                let got = (lab.read_line)(&mut reader);
                expect(
                    "three Interrupted, then \"ok\\n\"".into(),
                    "Ok(\"ok\")",
                    got,
                    |r| matches!(r, Ok(line) if line == "ok"),
                )
            },
        },
        Check {
            name: "timeouts_are_named",
            expect: "a read that times out (WouldBlock or TimedOut) becomes LineError::TimedOut",
            hint: "With set_read_timeout, a silent client makes read fail with WouldBlock \
                   on Unix and TimedOut on Windows. Both are LineError::TimedOut; other \
                   errors stay LineError::Io.",
            section: "tutorial/03-many-clients.md#a-deadline-for-silence",
            run: |lab| {
                for kind in [ErrorKind::WouldBlock, ErrorKind::TimedOut] {
                    let mut reader = Failing {
                        errors: vec![kind],
                        rest: b"late\n",
                    };
                    let got = (lab.read_line)(&mut reader);
                    expect(
                        format!("a read failing with {kind:?}"),
                        "Err(TimedOut)",
                        got,
                        |r| matches!(r, Err(LineError::TimedOut)),
                    )?;
                }
                let mut reader = Failing {
                    errors: vec![ErrorKind::ConnectionReset],
                    rest: b"",
                };
                let got = (lab.read_line)(&mut reader);
                expect(
                    "a read failing with ConnectionReset".into(),
                    "Err(Io(ConnectionReset))",
                    got,
                    |r| matches!(r, Err(LineError::Io(e)) if e.kind() == ErrorKind::ConnectionReset),
                )
            },
        },
    ]
}
