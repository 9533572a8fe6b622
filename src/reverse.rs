//! Chapters 1–3: the line-reversing service of seed 004, done right.
//!
//! The server greets, reads *one line*, answers with the line reversed (by
//! characters, as `strrev` should have for Chinese text), and closes. A line
//! may arrive in several reads, so [`read_line`] loops until it sees `\n`; it
//! never trusts one read to be one line.
//! See `tutorial/01-listen-and-accept.md#reading-a-line`.

use std::io::{self, Read, Write};

/// The first thing a client sees, like seed 004's `"测试成功！\n"`.
pub const GREETING: &str = "wslab: send me a line and I will send it back reversed.\n";

/// The longest line we accept, in bytes, counting the `\n`. Seed 004 reads
/// 1024 or 8192 bytes and hopes; we read up to this and say so if it is exceeded.
pub const MAX_LINE: usize = 1024;

// ANCHOR: reverse
/// Reverses a line by characters, not bytes: `"你好"` becomes `"好你"`.
pub fn reverse(line: &str) -> String {
    line.chars().rev().collect()
}
// ANCHOR_END: reverse

/// Why no line could be answered.
#[derive(Debug)]
pub enum LineError {
    /// The client closed the connection before sending a single byte.
    Closed,
    /// No `\n` within [`MAX_LINE`] bytes.
    TooLong,
    /// The line is not valid UTF-8, so it has no characters to reverse.
    NotUtf8,
    /// The read timeout (`TcpStream::set_read_timeout`) expired before a whole line arrived.
    TimedOut,
    /// The socket failed.
    Io(io::Error),
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::Closed => write!(f, "the client closed the connection without sending"),
            LineError::TooLong => write!(f, "line longer than {MAX_LINE} bytes"),
            LineError::NotUtf8 => write!(f, "the line is not valid UTF-8"),
            LineError::TimedOut => write!(f, "no complete line within the read timeout"),
            LineError::Io(error) => write!(f, "{error}"),
        }
    }
}

// ANCHOR: read_line
/// Reads one line: bytes up to `\n`, or up to the end of the stream. The line
/// terminator (`\n` or `\r\n`) is removed. Reads as many times as it takes.
pub fn read_line(reader: &mut impl Read) -> Result<String, LineError> {
    let mut buf = [0u8; MAX_LINE];
    let mut filled = 0;
    let end = loop {
        if let Some(i) = buf[..filled].iter().position(|&b| b == b'\n') {
            break i;
        }
        if filled == buf.len() {
            return Err(LineError::TooLong);
        }
        let n = read_some(reader, &mut buf[filled..])?;
        if n == 0 {
            if filled == 0 {
                return Err(LineError::Closed);
            }
            break filled; // the end of the stream ends the line too
        }
        filled += n;
    };
    let line = buf[..end].strip_suffix(b"\r").unwrap_or(&buf[..end]);
    String::from_utf8(line.to_vec()).map_err(|_| LineError::NotUtf8)
}
// ANCHOR_END: read_line

// ANCHOR: read_some
/// One `read`, with its two special errors sorted out: `Interrupted` (a signal
/// arrived first) is retried, and a timeout, which Unix reports as `WouldBlock`
/// and Windows as `TimedOut`, becomes [`LineError::TimedOut`].
fn read_some(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, LineError> {
    loop {
        match reader.read(buf) {
            Ok(n) => {
                log::debug!("read {n} bytes");
                return Ok(n);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(LineError::TimedOut)
            }
            Err(error) => return Err(LineError::Io(error)),
        }
    }
}
// ANCHOR_END: read_some

// ANCHOR: serve
/// One whole conversation: greet, read a line, answer it reversed, or explain
/// what was wrong with it. The caller closes the stream by dropping it.
pub fn serve(stream: &mut (impl Read + Write)) -> Result<(), LineError> {
    stream
        .write_all(GREETING.as_bytes())
        .map_err(LineError::Io)?;
    let answer = match read_line(stream) {
        Ok(line) => reverse(&line) + "\n",
        Err(error @ (LineError::TooLong | LineError::NotUtf8)) => format!("error: {error}\n"),
        Err(error) => return Err(error),
    };
    stream.write_all(answer.as_bytes()).map_err(LineError::Io)?;
    log::debug!("wrote {} bytes", answer.len());
    Ok(())
}
// ANCHOR_END: serve

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out its bytes a few at a time, as a socket may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn reverses_characters_not_bytes() {
        assert_eq!(reverse("hello"), "olleh");
        assert_eq!(reverse("你好，世界"), "界世，好你");
        assert_eq!(reverse(""), "");
    }

    #[test]
    fn a_line_split_over_many_reads_is_one_line() {
        let input = "你好 wslab\r\nleft over".as_bytes();
        for chunk in 1..=input.len() {
            let line = read_line(&mut Trickle(input, chunk)).unwrap();
            assert_eq!(line, "你好 wslab", "chunk size {chunk}");
        }
    }

    #[test]
    fn the_end_of_the_stream_ends_a_line() {
        assert_eq!(read_line(&mut &b"no newline"[..]).unwrap(), "no newline");
        assert!(matches!(read_line(&mut &b""[..]), Err(LineError::Closed)));
        assert_eq!(read_line(&mut &b"\n"[..]).unwrap(), "");
    }

    #[test]
    fn bad_lines_are_named() {
        let long = vec![b'a'; MAX_LINE];
        assert!(matches!(read_line(&mut &long[..]), Err(LineError::TooLong)));
        let mut fits = vec![b'a'; MAX_LINE - 1];
        fits.push(b'\n');
        assert_eq!(read_line(&mut &fits[..]).unwrap().len(), MAX_LINE - 1);
        assert!(matches!(
            read_line(&mut &b"\xff\xfe\n"[..]),
            Err(LineError::NotUtf8)
        ));
    }

    /// A reader that fails with each of `errors` in turn, then reads `rest`.
    struct Failing(Vec<io::ErrorKind>, &'static [u8]);

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.pop() {
                Some(kind) => Err(kind.into()),
                None => self.1.read(buf),
            }
        }
    }

    #[test]
    fn interrupted_reads_are_retried_and_timeouts_are_named() {
        let interrupted = vec![io::ErrorKind::Interrupted; 3];
        assert_eq!(read_line(&mut Failing(interrupted, b"ok\n")).unwrap(), "ok");
        for kind in [io::ErrorKind::WouldBlock, io::ErrorKind::TimedOut] {
            let result = read_line(&mut Failing(vec![kind], b"late\n"));
            assert!(matches!(result, Err(LineError::TimedOut)), "{kind:?}");
        }
        let reset = read_line(&mut Failing(vec![io::ErrorKind::ConnectionReset], b""));
        assert!(
            matches!(reset, Err(LineError::Io(e)) if e.kind() == io::ErrorKind::ConnectionReset)
        );
    }

    #[test]
    fn serve_greets_then_answers() {
        /// Reads from one buffer and writes to another, like the two directions of a socket.
        struct Pair<'a>(&'a [u8], Vec<u8>);
        impl Read for Pair<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0.read(buf)
            }
        }
        impl Write for Pair<'_> {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.1.write(buf)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut pair = Pair(b"abc\n", Vec::new());
        serve(&mut pair).unwrap();
        assert_eq!(pair.1, format!("{GREETING}cba\n").into_bytes());
        let mut bad = Pair(b"\xff\n", Vec::new());
        serve(&mut bad).unwrap();
        assert!(String::from_utf8(bad.1)
            .unwrap()
            .ends_with("error: the line is not valid UTF-8\n"));
    }
}
