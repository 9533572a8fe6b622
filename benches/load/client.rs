//! The load generator's client end: a minimal WebSocket client, and the same
//! calls over raw TCP, so that one loop drives every server.
//!
//! A client MUST mask every frame it sends (RFC 6455 §5.3), so ours does, with
//! wslab's own [`FrameHeader`] and [`apply_mask`]. Frames are masked once, when a
//! workload builds them, and then sent many times: a server cannot tell, and
//! does the same unmasking work either way, while the client stays cheap.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;
use wslab::frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use wslab::mask::apply_mask;

/// What a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    WebSocket,
    /// Raw TCP: a "message" is its payload bytes, written and read back.
    Tcp,
    /// Raw TCP with an 8-byte big-endian length before each message, so that
    /// a store-and-forward echo knows where a message ends.
    TcpStore,
}

/// The length before each message of [`Proto::TcpStore`].
const PREFIX_LEN: usize = 8;

/// No single read may block longer than this: a stuck server fails the run
/// instead of hanging it.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The RFC's sample key (§1.3) and the accept value it must produce.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// One client connection, with a read buffer of its own.
pub struct Peer {
    pub stream: TcpStream,
    proto: Proto,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

impl Peer {
    /// Connects, and for a WebSocket server does the opening handshake on `path`.
    /// `buffer` is the read buffer's size: small for thousands of idle peers,
    /// large for big messages.
    pub fn connect(addr: SocketAddr, proto: Proto, path: &str, buffer: usize) -> io::Result<Peer> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_write_timeout(Some(READ_TIMEOUT))?;
        let mut peer = Peer {
            stream,
            proto,
            buf: vec![0; buffer.max(1024)],
            start: 0,
            end: 0,
        };
        if proto == Proto::WebSocket {
            peer.handshake(addr, path)?;
        }
        Ok(peer)
    }

    fn handshake(&mut self, addr: SocketAddr, path: &str) -> io::Result<()> {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        self.stream.write_all(request.as_bytes())?;
        let head_end = loop {
            let filled = &self.buf[..self.end];
            if let Some(at) = filled.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]);
        if !head.starts_with("HTTP/1.1 101") || !head.contains(ACCEPT) {
            return Err(invalid(format!("handshake refused: {}", head.trim_end())));
        }
        self.start = head_end;
        Ok(())
    }

    /// The bytes that carry `payload` as one message: a masked frame, or the
    /// payload itself over raw TCP, with its length first for `TcpStore`.
    pub fn encode(&self, opcode: OpCode, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
        match self.proto {
            Proto::Tcp => payload.to_vec(),
            Proto::TcpStore => [&(payload.len() as u64).to_be_bytes(), payload].concat(),
            Proto::WebSocket => masked_frame(opcode, payload, key),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads one echoed message of `len` payload bytes, copying its payload
    /// into `keep` if given (to check the echo) and skipping it otherwise.
    pub fn read_reply(&mut self, len: usize, keep: Option<&mut Vec<u8>>) -> io::Result<()> {
        match self.proto {
            Proto::WebSocket => {
                let (opcode, payload_len) = self.read_frame(keep)?;
                if !matches!(opcode, OpCode::Text | OpCode::Binary) || payload_len != len as u64 {
                    return Err(invalid(format!(
                        "expected a {len}-byte message, got {opcode:?} of {payload_len}"
                    )));
                }
                Ok(())
            }
            Proto::Tcp => self.skip(len as u64, keep),
            Proto::TcpStore => {
                let mut prefix = Vec::with_capacity(PREFIX_LEN);
                self.skip(PREFIX_LEN as u64, Some(&mut prefix))?;
                let echoed = u64::from_be_bytes(prefix.try_into().expect("8 bytes"));
                if echoed != len as u64 {
                    return Err(invalid(format!(
                        "expected a {len}-byte message, got {echoed}"
                    )));
                }
                self.skip(len as u64, keep)
            }
        }
    }

    /// Reads one whole frame; returns its opcode and payload length.
    pub fn read_frame(&mut self, keep: Option<&mut Vec<u8>>) -> io::Result<(OpCode, u64)> {
        let (header, len) = loop {
            match FrameHeader::parse(&self.buf[self.start..self.end]) {
                Ok(Some(parsed)) => break parsed,
                Ok(None) => self.fill()?,
                Err(error) => return Err(invalid(error.to_string())),
            }
        };
        self.start += len;
        self.skip(header.payload_len, keep)?;
        Ok((header.opcode, header.payload_len))
    }

    /// Consumes `n` bytes, reading as needed.
    fn skip(&mut self, mut n: u64, mut keep: Option<&mut Vec<u8>>) -> io::Result<()> {
        while n > 0 {
            if self.start == self.end {
                self.fill()?;
            }
            let take = (self.end - self.start).min(n.try_into().unwrap_or(usize::MAX));
            if let Some(keep) = keep.as_mut() {
                keep.extend_from_slice(&self.buf[self.start..self.start + take]);
            }
            self.start += take;
            n -= take as u64;
        }
        Ok(())
    }

    /// Reads once (if nothing complete is buffered) and consumes every whole
    /// `len`-byte reply now buffered; returns how many, at least 1.
    pub fn read_replies(&mut self, len: usize) -> io::Result<usize> {
        loop {
            let mut count = 0;
            while let Some(size) = self.whole_reply(len)? {
                self.start += size;
                count += 1;
            }
            if count > 0 {
                return Ok(count);
            }
            self.fill()?;
        }
    }

    /// The size on the wire of the reply at the front of the buffer, if all of it is there.
    fn whole_reply(&self, len: usize) -> io::Result<Option<usize>> {
        let buffered = &self.buf[self.start..self.end];
        let size = match self.proto {
            Proto::Tcp => len,
            Proto::TcpStore => PREFIX_LEN + len,
            Proto::WebSocket => match FrameHeader::parse(buffered) {
                Ok(Some((header, header_len))) if header.payload_len == len as u64 => {
                    header_len + len
                }
                Ok(Some((header, _))) => {
                    return Err(invalid(format!(
                        "expected a {len}-byte message, got {:?} of {}",
                        header.opcode, header.payload_len
                    )))
                }
                Ok(None) => return Ok(None),
                Err(error) => return Err(invalid(error.to_string())),
            },
        };
        Ok((buffered.len() >= size).then_some(size))
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        match self.stream.read(&mut self.buf[self.end..])? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                self.end += n;
                Ok(())
            }
        }
    }

    /// Ends the connection politely: a Close frame (or our FIN), then reads
    /// until the server's FIN, so that neither side is left with a reset.
    pub fn close(mut self) -> io::Result<()> {
        match self.proto {
            Proto::WebSocket => self.send(&masked_frame(
                OpCode::Close,
                &1000u16.to_be_bytes(),
                [1, 2, 3, 4],
            ))?,
            Proto::Tcp | Proto::TcpStore => self.stream.shutdown(Shutdown::Write)?,
        }
        let mut scratch = [0u8; 512];
        while self.stream.read(&mut scratch)? > 0 {}
        Ok(())
    }
}

// ANCHOR: masked_frame
/// One final frame, masked as a client must (§5.3).
pub fn masked_frame(opcode: OpCode, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let header = FrameHeader {
        mask: Some(key),
        ..FrameHeader::server(opcode, payload.len())
    };
    let mut head = [0u8; MAX_HEADER_LEN];
    let head_len = header.encode(&mut head);
    let mut frame = Vec::with_capacity(head_len + payload.len());
    frame.extend_from_slice(&head[..head_len]);
    frame.extend_from_slice(payload);
    apply_mask(&mut frame[head_len..], key, 0);
    frame
}
// ANCHOR_END: masked_frame

/// Masking keys: a different one for each frame a workload builds. The RFC
/// asks for unpredictable keys, which matters against proxies, not here.
pub struct Keys(u64);

impl Keys {
    pub fn new(seed: u64) -> Keys {
        Keys(seed | 1)
    }

    pub fn next_key(&mut self) -> [u8; 4] {
        // xorshift64
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 as u32).to_ne_bytes()
    }
}
