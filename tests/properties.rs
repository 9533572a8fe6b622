//! Property tests for the parsers that read what a client sends: the frame
//! header, the message receiver, and the handshake's head reader and request
//! parser. Whatever the bytes, they never panic and never hold more than their
//! limits; what is encoded parses back the same; and however a byte stream is
//! split into reads, it gives the same answers as when it comes whole.
//! A counting allocator checks "never allocate beyond the limits" directly:
//! the largest single allocation a parser asks for, whatever length the bytes
//! claim.
//! See `tutorial/08-hardening.md#property-tests-and-fuzzing`.

use proptest::collection::vec;
use proptest::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, Read};
use wslab::close::{CloseCode, CloseFrame};
use wslab::error::ProtocolError;
use wslab::fast::FastReceiver;
use wslab::frame::Role;
use wslab::frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use wslab::handshake::{read_head, ReadHeadError, Rejection, Request};
use wslab::message::{Limits, Message, Received, Receiver};

/// Small limits, so that generated messages cross them often.
const SMALL: Limits = Limits {
    max_frame: 300,
    max_message: 600,
};

/// Limits no generated message reaches.
const LARGE: Limits = Limits {
    max_frame: 1 << 20,
    max_message: 1 << 20,
};

// ---------------------------------------------------------------------------
// Counting allocations

/// The system allocator, noting the largest single request of each thread.
struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: the allocator may be called while the thread is ending.
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

// SAFETY: every call is passed on unchanged to `System`, which upholds
// GlobalAlloc's contract; the counting touches only a thread-local Cell.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What `f` returns, and the largest single allocation it made on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|largest| largest.set(0));
    let result = f();
    (result, LARGEST.with(Cell::get))
}

#[test]
fn the_counting_allocator_sees_a_large_allocation() {
    let (bytes, largest) = largest_allocation(|| vec![1u8; 100_000]);
    assert_eq!(bytes.len(), 100_000);
    assert!(largest >= 100_000, "saw only {largest} bytes");
}

// ---------------------------------------------------------------------------
// Building client frames, and splitting byte streams

/// A masked client frame with the masking key `key` (§5.3). The header comes
/// from `FrameHeader::encode`, which the header properties below check.
fn masked(first: u8, key: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let header = FrameHeader {
        fin: first & 0x80 != 0,
        rsv: [false; 3],
        opcode: OpCode::from_u8(first & 0x0F).expect("a defined opcode"),
        mask: Some(key),
        payload_len: payload.len() as u64,
    };
    let mut bytes = [0u8; MAX_HEADER_LEN];
    let len = header.encode(&mut bytes);
    let mut frame = bytes[..len].to_vec();
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}

/// `bytes` cut at the sorted, deduplicated positions `cuts` (taken modulo
/// the length): the reads a socket might return.
fn split<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::new();
    let mut from = 0;
    for cut in cuts.into_iter().chain([bytes.len()]) {
        pieces.push(&bytes[from..cut]);
        from = cut;
    }
    pieces
}

/// Everything the server's receiver makes of `reads`, driven the way the
/// connection drives it: read into [`FastReceiver::space`], then take what is complete.
/// Stops at the first error. The smallest buffer (256 bytes) makes the
/// receiver move its bytes around as often as possible.
fn drive(limits: Limits, reads: &[&[u8]]) -> Driven {
    let mut receiver = FastReceiver::new(Role::Server, limits, 0);
    // Room for every item the bytes could hold (a frame is at least 6 bytes),
    // so that the receiver's allocations are the only ones that grow.
    let mut received = Vec::with_capacity(reads.iter().map(|r| r.len()).sum::<usize>() / 6 + 1);
    for read in reads {
        let mut read = *read;
        loop {
            loop {
                match receiver.next_received() {
                    Ok(Some(item)) => received.push(item),
                    Ok(None) => break,
                    Err(error) => return (received, Some(error)),
                }
            }
            if read.is_empty() {
                break;
            }
            let space = receiver.space();
            // An empty space would be a read of 0 bytes: end of stream.
            assert!(
                !space.is_empty(),
                "a receiver waiting for bytes has no room"
            );
            let n = space.len().min(read.len());
            space[..n].copy_from_slice(&read[..n]);
            receiver.filled(n);
            read = &read[n..];
        }
    }
    (received, None)
}

/// What chapter 6's plain receiver makes of the same bytes, handed over whole.
fn drive_plain(limits: Limits, bytes: &[u8]) -> Driven {
    let mut receiver = Receiver::new(Role::Server, limits);
    receiver.receive_data(bytes);
    let mut received = Vec::new();
    loop {
        match receiver.next_received() {
            Ok(Some(item)) => received.push(item),
            Ok(None) => return (received, None),
            Err(error) => return (received, Some(error)),
        }
    }
}

/// Asserts the plain receiver agrees with the fast one. Only one difference
/// is allowed: the fast one checks text as it arrives, so invalid UTF-8 in a
/// frame cut off at the end fails there, while the plain one waits for the
/// rest of the frame.
fn assert_plain_agrees(plain: &Driven, fast: &Driven) {
    assert_eq!(plain.0, fast.0, "the plain and the fast receiver disagree");
    match (&plain.1, &fast.1) {
        (None, Some(ProtocolError::InvalidUtf8)) => {}
        (plain, fast) => assert_eq!(plain, fast, "the plain and the fast receiver disagree"),
    }
}

/// Asserts nothing in `received` is bigger than the limits allow.
fn assert_within_limits(received: &[Received], limits: Limits) {
    for item in received {
        let len = match item {
            Received::Message(Message::Text(text)) => text.len(),
            Received::Message(Message::Binary(data)) => data.len(),
            Received::Ping(data) | Received::Pong(data) => {
                assert!(data.len() <= 125, "a control payload of {}", data.len());
                continue;
            }
            Received::Close(_) => continue,
        };
        assert!(len <= limits.max_message, "a message of {len} bytes");
    }
}

/// Drives `bytes` with the [`SMALL`] limits, split at `cuts` and whole, and
/// asserts that the split run stays within the limits, in what it delivers and
/// in what it allocates. Returns both runs' results, which must be equal.
fn drive_within_small_limits(bytes: &[u8], cuts: &[usize]) -> (Driven, Driven) {
    let reads = split(bytes, cuts);
    let ((received, error), largest) = largest_allocation(|| drive(SMALL, &reads));
    assert_within_limits(&received, SMALL);
    assert_allocation_within_limits(largest, bytes, SMALL);
    let whole = drive(SMALL, &[bytes]);
    assert_plain_agrees(&drive_plain(SMALL, bytes), &whole);
    ((received, error), whole)
}

/// What [`drive`] makes of a stream: the items, and the error that stopped it.
type Driven = (Vec<Received>, Option<ProtocolError>);

/// Asserts the receiver's largest allocation fits its limits: the 256-byte
/// read buffer, a message that doubled its capacity on the way to the limit,
/// or the list of what came out of `bytes`; never a length a header claimed.
fn assert_allocation_within_limits(largest: usize, bytes: &[u8], limits: Limits) {
    let received_list = (bytes.len() / 6 + 1) * std::mem::size_of::<Received>();
    let bound = 256.max(2 * limits.max_message).max(received_list);
    assert!(
        largest <= bound,
        "an allocation of {largest} bytes, over {bound}"
    );
}

// ---------------------------------------------------------------------------
// Strategies: what a client might send

/// One thing a well-behaved client sends: a data message in fragments (with
/// control frames between them), or a control frame on its own.
#[derive(Debug, Clone)]
enum Sent {
    Data {
        message: Message,
        /// Where the payload is cut into fragments (modulo its length).
        cuts: Vec<usize>,
        /// Pings sent between fragments, by fragment index.
        pings: Vec<(usize, Vec<u8>)>,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

fn control_payload() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=125)
}

fn message(max: usize) -> impl Strategy<Value = Message> {
    prop_oneof![
        ".{0,200}".prop_map(move |text: String| {
            // Cut to `max` bytes on a character boundary.
            let mut end = text.len().min(max);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            Message::Text(text[..end].to_string())
        }),
        vec(any::<u8>(), 0..=max).prop_map(Message::Binary),
    ]
}

fn sent(max_message: usize) -> impl Strategy<Value = Sent> {
    prop_oneof![
        4 => (message(max_message), vec(any::<usize>(), 0..4), vec((0..4usize, control_payload()), 0..2))
            .prop_map(|(message, cuts, pings)| Sent::Data { message, cuts, pings }),
        1 => control_payload().prop_map(Sent::Ping),
        1 => control_payload().prop_map(Sent::Pong),
    ]
}

fn close_frame() -> impl Strategy<Value = CloseFrame> {
    let code = prop_oneof![1000..=1003u16, 1007..=1014u16, 3000..=4999u16];
    (code, ".{0,30}").prop_map(|(code, reason)| CloseFrame {
        code: CloseCode(code),
        reason,
    })
}

/// A frame as sent: the header fields a limit judges, and the bytes.
struct Frame {
    data: bool,
    len: usize,
    bytes: Vec<u8>,
}

/// Encodes what the client sends, with masking keys drawn from `keys`, and
/// returns the frames and what a receiver must hand back for them.
fn encode(
    sent: &[Sent],
    close: &Option<CloseFrame>,
    keys: &[[u8; 4]],
) -> (Vec<Frame>, Vec<Received>) {
    let mut keys = keys.iter().cycle();
    let mut frame = |first: u8, data: bool, payload: &[u8]| Frame {
        data,
        len: payload.len(),
        bytes: masked(first, *keys.next().unwrap(), payload),
    };
    let (mut frames, mut expected) = (Vec::new(), Vec::new());
    for item in sent {
        match item {
            Sent::Data {
                message,
                cuts,
                pings,
            } => {
                let (opcode, payload) = match message {
                    Message::Text(text) => (0x1, text.as_bytes()),
                    Message::Binary(data) => (0x2, data.as_slice()),
                };
                let fragments = split(payload, cuts);
                for (i, fragment) in fragments.iter().enumerate() {
                    let fin = if i + 1 == fragments.len() { 0x80 } else { 0 };
                    let opcode = if i == 0 { opcode } else { 0x0 };
                    frames.push(frame(fin | opcode, true, fragment));
                    for (_, ping) in pings.iter().filter(|(at, _)| *at == i && fin == 0) {
                        frames.push(frame(0x89, false, ping));
                        expected.push(Received::Ping(ping.clone()));
                    }
                }
                expected.push(Received::Message(message.clone()));
            }
            Sent::Ping(payload) => {
                frames.push(frame(0x89, false, payload));
                expected.push(Received::Ping(payload.clone()));
            }
            Sent::Pong(payload) => {
                frames.push(frame(0x8A, false, payload));
                expected.push(Received::Pong(payload.clone()));
            }
        }
    }
    if let Some(close) = close {
        let mut payload = close.code.0.to_be_bytes().to_vec();
        payload.extend_from_slice(close.reason.as_bytes());
        frames.push(frame(0x88, false, &payload));
        expected.push(Received::Close(Some(close.clone())));
    }
    (frames, expected)
}

fn arbitrary_header() -> impl Strategy<Value = FrameHeader> {
    let opcode = prop_oneof![
        Just(OpCode::Continuation),
        Just(OpCode::Text),
        Just(OpCode::Binary),
        Just(OpCode::Close),
        Just(OpCode::Ping),
        Just(OpCode::Pong),
    ];
    // Lengths near every boundary of the three length forms, and anywhere.
    let payload_len = prop_oneof![0..=130u64, 65530..=65540u64, 0..(1u64 << 63),];
    (
        any::<bool>(),
        any::<[bool; 3]>(),
        opcode,
        any::<Option<[u8; 4]>>(),
        payload_len,
    )
        .prop_map(|(fin, rsv, opcode, mask, payload_len)| FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len,
        })
}

// ---------------------------------------------------------------------------
// The frame header

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_header_parsed_from_any_bytes_is_consistent(bytes in vec(any::<u8>(), 0..24)) {
        // Never a panic; a header that parses takes at most 14 bytes, and
        // every shorter prefix of it needs more bytes rather than failing.
        if let Ok(Some((header, len))) = FrameHeader::parse(&bytes) {
            prop_assert!(len <= MAX_HEADER_LEN && len <= bytes.len());
            prop_assert!(header.payload_len >> 63 == 0);
            for cut in 0..len {
                prop_assert_eq!(FrameHeader::parse(&bytes[..cut]), Ok(None));
            }
            prop_assert_eq!(FrameHeader::parse(&bytes[..len]), Ok(Some((header, len))));
        }
    }

    #[test]
    fn an_encoded_header_parses_back_the_same_in_its_shortest_form(header in arbitrary_header()) {
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let len = header.encode(&mut bytes);
        let length_bytes = match header.payload_len {
            0..=125 => 0,
            126..=65535 => 2,
            _ => 8,
        };
        prop_assert_eq!(len, 2 + length_bytes + if header.mask.is_some() { 4 } else { 0 });
        prop_assert_eq!(FrameHeader::parse(&bytes[..len]), Ok(Some((header, len))));
        for cut in 0..len {
            prop_assert_eq!(FrameHeader::parse(&bytes[..cut]), Ok(None));
        }
    }
}

// ---------------------------------------------------------------------------
// The receiver

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_in_any_reads_never_panic_or_pass_the_limits(
        bytes in vec(any::<u8>(), 0..2048),
        cuts in vec(any::<usize>(), 0..16),
    ) {
        let (in_pieces, whole) = drive_within_small_limits(&bytes, &cuts);
        prop_assert_eq!(in_pieces, whole);
    }

    #[test]
    fn a_valid_stream_with_bytes_flipped_never_panics_or_passes_the_limits(
        sent in vec(sent(SMALL.max_message), 1..6),
        keys in vec(any::<[u8; 4]>(), 1..4),
        flips in vec((any::<usize>(), any::<u8>()), 1..4),
        cuts in vec(any::<usize>(), 0..16),
    ) {
        let (frames, _) = encode(&sent, &None, &keys);
        let mut bytes: Vec<u8> = frames.into_iter().flat_map(|f| f.bytes).collect();
        for (at, value) in flips {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        let (in_pieces, whole) = drive_within_small_limits(&bytes, &cuts);
        prop_assert_eq!(in_pieces, whole);
    }

    #[test]
    fn a_claimed_length_is_not_allocated_before_its_bytes_arrive(
        opcode in prop_oneof![Just(OpCode::Text), Just(OpCode::Binary)],
        claimed in 0..=LARGE.max_frame as u64,
        arrived in vec(any::<u8>(), 0..512),
        cuts in vec(any::<usize>(), 0..8),
    ) {
        let header = FrameHeader {
            fin: true,
            rsv: [false; 3],
            opcode,
            mask: Some([1, 2, 3, 4]),
            payload_len: claimed,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        let mut bytes = head[..head_len].to_vec();
        bytes.extend_from_slice(&arrived[..arrived.len().min(claimed as usize)]);
        let reads = split(&bytes, &cuts);
        let (_, largest) = largest_allocation(|| drive(LARGE, &reads));
        // A binary payload bigger than the read buffer may be read straight
        // into its message, 64 KiB of room at a time (chapter 6): a bound
        // that does not grow with the claim.
        let bound = 64 * 1024 + 2 * bytes.len() + 256;
        prop_assert!(largest <= bound, "claimed {}, {} arrived, {} allocated", claimed, bytes.len(), largest);
    }

    #[test]
    fn client_frames_split_at_any_points_give_the_messages_sent(
        sent in vec(sent(600), 0..8),
        close in proptest::option::of(close_frame()),
        keys in vec(any::<[u8; 4]>(), 1..4),
        cuts in vec(any::<usize>(), 0..24),
    ) {
        let (frames, expected) = encode(&sent, &close, &keys);
        let bytes: Vec<u8> = frames.into_iter().flat_map(|f| f.bytes).collect();
        prop_assert_eq!(drive(LARGE, &[&bytes]), (expected.clone(), None));
        prop_assert_eq!(drive_plain(LARGE, &bytes), (expected.clone(), None));
        prop_assert_eq!(drive(LARGE, &split(&bytes, &cuts)), (expected, None));
    }

    #[test]
    fn a_message_over_the_limits_is_an_error_never_a_message(
        sent in vec(sent(2 * SMALL.max_message), 1..6),
        keys in vec(any::<[u8; 4]>(), 1..4),
        cuts in vec(any::<usize>(), 0..16),
    ) {
        let (frames, expected) = encode(&sent, &None, &keys);
        // The model: the first data frame over the frame limit, or that takes
        // its message over the message limit, is refused by its header.
        let mut so_far = 0;
        let mut refused = None;
        let mut frames_before = 0;
        for frame in &frames {
            if frame.data {
                so_far = if frame.bytes[0] & 0x0F == 0 { so_far + frame.len } else { frame.len };
                let len = frame.len as u64;
                if frame.len > SMALL.max_frame {
                    refused = Some(ProtocolError::FrameTooBig { len, max: SMALL.max_frame });
                } else if so_far > SMALL.max_message {
                    refused = Some(ProtocolError::MessageTooBig { len: so_far as u64, max: SMALL.max_message });
                }
                if refused.is_some() {
                    break;
                }
            }
            frames_before += 1;
        }
        let bytes: Vec<u8> = frames.iter().flat_map(|f| f.bytes.clone()).collect();
        let (received, error) = drive(SMALL, &split(&bytes, &cuts));
        assert_within_limits(&received, SMALL);
        prop_assert_eq!(&error, &refused);
        // Everything before the refused frame came out, and nothing after it.
        let whole = drive(LARGE, &[&frames[..frames_before].iter().flat_map(|f| f.bytes.clone()).collect::<Vec<u8>>()]).0;
        prop_assert_eq!(&received, &whole);
        if refused.is_none() {
            prop_assert_eq!(received, expected);
        }
    }
}

// ---------------------------------------------------------------------------
// The handshake

/// A reader that hands out `bytes` in the pieces `cuts` makes, then EOF.
struct Reads<'a> {
    pieces: std::vec::IntoIter<&'a [u8]>,
    current: &'a [u8],
}

impl<'a> Reads<'a> {
    fn new(bytes: &'a [u8], cuts: &[usize]) -> Reads<'a> {
        Reads {
            pieces: split(bytes, cuts).into_iter(),
            current: &[],
        }
    }
}

impl Read for Reads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.pieces.next() {
                Some(piece) => self.current = piece,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = &self.current[n..];
        Ok(n)
    }
}

fn header_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}"
}

fn header_value() -> impl Strategy<Value = String> {
    "[ \t]{0,2}[!-~]([ !-~]{0,30}[!-~])?[ \t]{0,2}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn read_head_returns_exactly_the_head_or_says_why_not(
        bytes in prop_oneof![
            vec(any::<u8>(), 0..600),
            (vec(prop_oneof![Just(b'\r'), Just(b'\n'), any::<u8>()], 0..600)),
        ],
        cuts in vec(any::<usize>(), 0..16),
        max in 1..512usize,
    ) {
        // RFC 9112 §2.2: the first LF followed by `\n` or `\r\n` ends the head.
        let end = (0..bytes.len()).find_map(|i| {
            if bytes[i..].starts_with(b"\n\n") {
                Some(i + 2)
            } else if bytes[i..].starts_with(b"\n\r\n") {
                Some(i + 3)
            } else {
                None
            }
        });
        let mut reads = Reads::new(&bytes, &cuts);
        let (result, largest) = largest_allocation(|| read_head(&mut reads, max));
        prop_assert!(largest <= max, "read_head allocated {} bytes for a limit of {}", largest, max);
        match (result, end) {
            (Ok((head, leftover)), Some(end)) if end <= max => {
                prop_assert_eq!(&head[..], &bytes[..end]);
                prop_assert!(head.len() + leftover.len() <= max);
                prop_assert!(bytes[end..].starts_with(&leftover));
            }
            (Err(ReadHeadError::TooLarge), end) => {
                prop_assert!(bytes.len() >= max && end.is_none_or(|end| end > max));
            }
            (Err(ReadHeadError::Closed(n)), end) => {
                prop_assert!(n == bytes.len() && n < max && end.is_none());
            }
            (result, end) => prop_assert!(false, "{:?} for a head ending at {:?}", result.map(|_| ()), end),
        }
    }

    #[test]
    fn a_request_parsed_from_any_bytes_never_panics(
        bytes in vec(any::<u8>(), 0..400),
        max_headers in 0..8usize,
    ) {
        if let Ok(request) = Request::parse(&bytes, max_headers) {
            prop_assert!(request.headers.len() <= max_headers);
        }
    }

    #[test]
    fn a_request_parses_back_its_header_lines_up_to_the_limit(
        target in "/[!-~]{0,20}",
        headers in vec((header_name(), header_value()), 0..12),
        max_headers in 0..12usize,
    ) {
        let mut head = format!("GET {target} HTTP/1.1\r\n");
        for (name, value) in &headers {
            head.push_str(&format!("{name}:{value}\r\n"));
        }
        head.push_str("\r\n");
        match Request::parse(head.as_bytes(), max_headers) {
            Ok(request) => {
                prop_assert!(headers.len() <= max_headers);
                prop_assert_eq!(request.target, target);
                let trimmed: Vec<(String, String)> = headers
                    .iter()
                    .map(|(n, v)| (n.clone(), v.trim_matches([' ', '\t']).to_string()))
                    .collect();
                prop_assert_eq!(request.headers, trimmed);
            }
            Err(rejection) => {
                prop_assert!(headers.len() > max_headers);
                prop_assert_eq!(rejection, Rejection::TooManyHeaders(max_headers));
            }
        }
    }
}
