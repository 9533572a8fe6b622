//! The chat room of chapter 7, driven by several real clients over loopback:
//! announcements, per-sender order, JSON escaping, a member that stops
//! reading (dropped in the real room, freezing the naive one), and every way a
//! client can leave. See `tutorial/07-the-chat-room.md`.

mod support;

#[path = "../examples/step7/naive.rs"]
mod naive;

use naive::NaiveRoom;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};
use support::{alone, assert_logged, capture_logs, count_entries, me};
use wslab::chat::Room;
use wslab::config::Config;
use wslab::connection::Connection;
use wslab::server::{Server, ServerHandle};

/// Every read in these tests gives up after this long: a hang is a failure.
const PATIENCE: Duration = Duration::from_secs(30);

/// A server whose only route is `/chat`, served by `room`.
fn serve(room: &Arc<Room>, config: Config) -> ServerHandle {
    let room = Arc::clone(room);
    serve_with(config, move |connection| room.serve(connection))
}

/// A server whose only route is `/chat`, served by `handler`.
fn serve_with(
    config: Config,
    handler: impl Fn(Connection) + Send + Sync + 'static,
) -> ServerHandle {
    capture_logs();
    Server::bind("127.0.0.1:0", config)
        .unwrap()
        .websocket("/chat", handler)
        .spawn()
        .unwrap()
}

/// A real room with the test configuration, and a server for it.
fn open_room() -> (Arc<Room>, ServerHandle) {
    let room = Room::new(&config());
    let server = serve(&room, config());
    (room, server)
}

/// The default configuration, with timeouts long enough that none of them
/// can be what ends a connection in a test that does not ask for it.
fn config() -> Config {
    Config {
        idle_timeout: Duration::from_secs(120),
        ..Config::default()
    }
}

/// A minimal WebSocket client: raw frames over a `TcpStream`, so a test can
/// stop reading, half-close, or reset the connection at will.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

#[derive(Debug, PartialEq)]
enum Frame {
    Text(String),
    Binary(Vec<u8>),
    Close(Option<u16>),
    Ping(Vec<u8>),
    Pong,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        write!(
            stream,
            "GET /chat HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut client = Client {
            stream,
            buf: Vec::new(),
        };
        let end = loop {
            if let Some(end) = client.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            client.fill().expect("the handshake's response");
        };
        let head = String::from_utf8_lossy(&client.buf[..end]).into_owned();
        assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
        client.buf.drain(..end);
        client
    }

    /// Connects and reads the welcome and the announcement of our own join.
    fn join(addr: SocketAddr) -> (Client, String) {
        let mut client = Client::connect(addr);
        let welcome = client.recv();
        assert_eq!(field(&welcome, "type"), "welcome", "{welcome}");
        let name = field(&welcome, "name").to_owned();
        let join = client.recv();
        assert_eq!(field(&join, "type"), "join");
        assert_eq!(field(&join, "name"), name);
        (client, name)
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk)? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
        }
    }

    /// The next frame from the server (servers never fragment chat messages).
    fn frame(&mut self) -> io::Result<Frame> {
        loop {
            if let Some((opcode, payload, used)) = parse_server_frame(&self.buf) {
                self.buf.drain(..used);
                return Ok(match opcode {
                    0x1 => Frame::Text(String::from_utf8(payload).unwrap()),
                    0x2 => Frame::Binary(payload),
                    0x8 if payload.len() >= 2 => {
                        Frame::Close(Some(u16::from_be_bytes([payload[0], payload[1]])))
                    }
                    0x8 => Frame::Close(None),
                    0x9 => Frame::Ping(payload),
                    0xA => Frame::Pong,
                    other => panic!("unexpected opcode {other:#x}"),
                });
            }
            self.fill()?;
        }
    }

    /// The next text message; pings are answered on the way.
    fn recv(&mut self) -> String {
        loop {
            match self.frame() {
                Ok(Frame::Text(text)) => return text,
                Ok(Frame::Ping(payload)) => send_frame(&mut self.stream, 0xA, &payload).unwrap(),
                Ok(other) => panic!("expected a text message, got {other:?}"),
                Err(error) => panic!("expected a text message: {error}"),
            }
        }
    }

    /// Reads until the server's Close frame, skipping messages: its code, or
    /// `None` if the connection ended without one. Then hangs up, as a
    /// client does once the closing handshake is done.
    fn close_code(mut self) -> Option<u16> {
        loop {
            match self.frame() {
                Ok(Frame::Close(code)) => return code,
                Ok(_) => {}
                Err(error) if is_timeout(&error) => panic!("no close within {PATIENCE:?}"),
                Err(_) => return None,
            }
        }
    }

    fn send(&mut self, text: &str) {
        send_frame(&mut self.stream, 0x1, text.as_bytes()).unwrap();
    }

    /// A second handle that sends, for a thread of its own.
    fn sender(&self) -> TcpStream {
        self.stream.try_clone().unwrap()
    }
}

/// `(opcode, payload, bytes used)` if `buf` starts with a whole frame.
fn parse_server_frame(buf: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    let (&b0, &b1) = (buf.first()?, buf.get(1)?);
    assert_eq!(b1 & 0x80, 0, "server frames are not masked");
    assert_eq!(b0 & 0x80, 0x80, "chat messages come in one frame");
    let (len, start) = match b1 & 0x7F {
        126 => (
            u16::from_be_bytes(buf.get(2..4)?.try_into().unwrap()) as usize,
            4,
        ),
        127 => (
            u64::from_be_bytes(buf.get(2..10)?.try_into().unwrap()) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let payload = buf.get(start..start + len)?.to_vec();
    Some((b0 & 0x0F, payload, start + len))
}

/// Writes one masked frame, as a client must (RFC 6455 §5.3).
fn send_frame(stream: &mut impl Write, opcode: u8, payload: &[u8]) -> io::Result<()> {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= 0xFFFF => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    stream.write_all(&frame)
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The raw (still escaped) value of `"key":"…"` or `"key":123` in `json`.
fn field<'a>(json: &'a str, key: &str) -> &'a str {
    let tag = format!("\"{key}\":");
    let start = json
        .find(&tag)
        .unwrap_or_else(|| panic!("no {key} in {json}"))
        + tag.len();
    let rest = &json[start..];
    if let Some(rest) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                '"' if !escaped => return &rest[..i],
                '\\' => escaped = !escaped,
                _ => escaped = false,
            }
        }
        panic!("unterminated string in {json}");
    }
    let end = rest.find([',', '}']).unwrap();
    &rest[..end]
}

/// Polls `done` until it holds, for at most `PATIENCE`.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn join_rename_and_leave_are_announced() {
    let (room, server) = open_room();
    let mut a = Client::connect(server.addr());
    assert_eq!(
        a.recv(),
        r#"{"type":"welcome","name":"guest-1","members":1}"#
    );
    assert_eq!(a.recv(), r#"{"type":"join","name":"guest-1","members":1}"#);
    let mut b = Client::connect(server.addr());
    assert_eq!(
        b.recv(),
        r#"{"type":"welcome","name":"guest-2","members":2}"#
    );
    assert_eq!(b.recv(), r#"{"type":"join","name":"guest-2","members":2}"#);
    assert_eq!(a.recv(), r#"{"type":"join","name":"guest-2","members":2}"#);

    a.send(r#"{"type":"rename","name":"  ana "}"#);
    let renamed = r#"{"type":"rename","from":"guest-1","to":"ana"}"#;
    assert_eq!(a.recv(), renamed);
    assert_eq!(b.recv(), renamed);

    for (wanted, why) in [
        ("ANA", "the name ANA is taken"),
        (
            "guest-7",
            "names starting with guest- are given by the server",
        ),
        ("", "a name has 1 to 24 characters"),
        ("a\\u0007b", "a name cannot contain control characters"),
    ] {
        b.send(&format!(r#"{{"type":"rename","name":"{wanted}"}}"#));
        assert_eq!(b.recv(), format!(r#"{{"type":"error","text":"{why}"}}"#));
    }
    b.send("still guest-2");
    let said = r#"{"type":"message","from":"guest-2","text":"still guest-2"}"#;
    assert_eq!(a.recv(), said, "a heard none of b's failed renames");
    assert_eq!(b.recv(), said);
    assert_eq!(room.names(), ["ana", "guest-2"]);

    send_frame(&mut b.stream, 0x8, &1000u16.to_be_bytes()).unwrap();
    assert_eq!(b.close_code(), Some(1000));
    assert_eq!(a.recv(), r#"{"type":"leave","name":"guest-2","members":1}"#);
    assert_eq!(room.len(), 1);
    eventually("b's thread ends", || server.active() == 1);
}

#[test]
fn plain_text_is_a_chat_message() {
    let (_room, server) = open_room();
    let (mut a, _) = Client::join(server.addr());
    let url = format!("ws://{}/chat", server.addr());
    let stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let (mut browserish, _) = tungstenite::client(url.as_str(), stream).unwrap();
    assert_eq!(a.recv(), r#"{"type":"join","name":"guest-2","members":2}"#);

    // What the PHP posts do from a browser's console: `ws.send("hi")`.
    browserish.send("hi".into()).unwrap();
    browserish.send(r#"{"not":"ours"}"#.into()).unwrap();
    assert_eq!(
        a.recv(),
        r#"{"type":"message","from":"guest-2","text":"hi"}"#
    );
    assert_eq!(
        a.recv(),
        r#"{"type":"message","from":"guest-2","text":"{\"not\":\"ours\"}"}"#
    );
    let mut texts = Vec::new();
    while texts.len() < 4 {
        if let tungstenite::Message::Text(text) = browserish.read().unwrap() {
            texts.push(text);
        }
    }
    assert_eq!(
        texts[2],
        r#"{"type":"message","from":"guest-2","text":"hi"}"#
    );

    // Empty and blank messages are not broadcast.
    a.send("");
    a.send(" \n ");
    a.send(r#"{"type":"message","text":"  "}"#);
    a.send("after the blanks");
    assert_eq!(
        a.recv(),
        r#"{"type":"message","from":"guest-1","text":"after the blanks"}"#
    );
}

#[test]
fn json_escaping_round_trips() {
    let (_room, server) = open_room();
    let (mut a, _) = Client::join(server.addr());
    let (mut b, _) = Client::join(server.addr());
    a.recv();

    // Sent as JSON with every kind of escape; comes back in the server's
    // spelling: only what RFC 8259 requires is escaped.
    a.send(concat!(
        r#"{"type":"message","text":"quote \" backslash \\ slash \/ "#,
        r#"controls \b\f\n\r\t\u0000\u001F non-ASCII \u00e9 中文 \ud83d\ude00 "#,
        r#"</script><img src=x onerror=alert(1)>"}"#
    ));
    let expected = concat!(
        r#"{"type":"message","from":"guest-1","text":"quote \" backslash \\ slash / "#,
        r#"controls \u0008\u000c\n\r\t\u0000\u001f non-ASCII é 中文 😀 "#,
        r#"</script><img src=x onerror=alert(1)>"}"#
    );
    assert_eq!(b.recv(), expected);
    assert_eq!(a.recv(), expected);

    // Sent as plain text: the same characters, raw, are escaped on the way out.
    a.send("quote \" backslash \\ controls \u{8}\u{c}\n\r\t\u{0}\u{1f} é 中文 😀 </script>");
    let expected = concat!(
        r#"{"type":"message","from":"guest-1","text":"quote \" backslash \\ "#,
        r#"controls \u0008\u000c\n\r\t\u0000\u001f é 中文 😀 </script>"}"#
    );
    assert_eq!(b.recv(), expected);
    assert_eq!(a.recv(), expected);

    // Names too.
    b.send(r#"{"type":"rename","name":"\"</b> é"}"#);
    assert_eq!(
        a.recv(),
        r#"{"type":"rename","from":"guest-2","to":"\"</b> é"}"#
    );
}

#[test]
fn broadcast_keeps_each_senders_order() {
    const CLIENTS: usize = 3;
    const EACH: usize = 300;
    let (_room, server) = open_room();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(Client::join(server.addr()).0);
    }
    for (i, client) in clients.iter_mut().enumerate() {
        for _ in i + 1..CLIENTS {
            assert_eq!(field(&client.recv(), "type"), "join");
        }
    }
    let readers: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, mut client)| {
            let mut sender = client.sender();
            thread::spawn(move || {
                for n in 0..EACH {
                    let text = format!("{i}:{n}");
                    send_frame(&mut sender, 0x1, text.as_bytes()).unwrap();
                }
            });
            thread::spawn(move || {
                (0..CLIENTS * EACH)
                    .map(|_| field(&client.recv(), "text").to_owned())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let seen: Vec<Vec<String>> = readers.into_iter().map(|r| r.join().unwrap()).collect();
    for order in &seen {
        let mut next = [0usize; CLIENTS];
        for text in order {
            let (sender, n) = text.split_once(':').unwrap();
            let (sender, n): (usize, usize) = (sender.parse().unwrap(), n.parse().unwrap());
            assert_eq!(n, next[sender], "sender {sender}'s messages out of order");
            next[sender] += 1;
        }
        assert_eq!(next, [EACH; CLIENTS]);
    }
    // The room's lock orders all broadcasts, so everyone sees the same story.
    assert!(seen.windows(2).all(|w| w[0] == w[1]));
}

/// Reads `client` on a thread of its own and passes every text message on.
/// The thread ends at the server's Close frame, or when the socket ends
/// (shut it down through [`Client::sender`] to stop it).
fn listen(mut client: Client) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || loop {
        match client.frame() {
            Ok(Frame::Text(text)) => {
                let _ = tx.send(text);
            }
            Ok(Frame::Close(_)) => return,
            Ok(_) => {}
            Err(error) if is_timeout(&error) => {}
            Err(_) => return,
        }
    });
    rx
}

/// Sends numbered 2 KiB messages until `stop` is set, then `done`; returns
/// how many it sent, and whether a write waited longer than `patience` (the
/// server stopped reading).
fn chatter(
    mut stream: TcpStream,
    stop: Arc<AtomicBool>,
    limit: usize,
    patience: Duration,
) -> (usize, bool) {
    stream.set_write_timeout(Some(patience)).unwrap();
    let padding = "x".repeat(2000);
    let mut sent = 0;
    while !stop.load(Ordering::SeqCst) && sent < limit {
        let text = format!("{sent} {padding}");
        match send_frame(&mut stream, 0x1, text.as_bytes()) {
            Ok(()) => sent += 1,
            Err(error) if is_timeout(&error) => return (sent, true),
            Err(error) => panic!("{error}"),
        }
    }
    send_frame(&mut stream, 0x1, b"done").unwrap();
    (sent, false)
}

/// Reads `rx` until `done` from both `senders`, checking that each sender's
/// numbered messages come complete and in order. Returns how many came from
/// each, and every announcement (join, leave…) seen on the way.
fn tally(rx: &mpsc::Receiver<String>, senders: [&str; 2]) -> ([usize; 2], Vec<String>) {
    let mut counts = [0; 2];
    let mut done = [false; 2];
    let mut announcements = Vec::new();
    while done != [true, true] {
        let message = rx.recv_timeout(PATIENCE).expect("a message");
        if field(&message, "type") != "message" {
            announcements.push(message);
            continue;
        }
        let who = senders
            .iter()
            .position(|s| *s == field(&message, "from"))
            .expect("a known sender");
        let text = field(&message, "text");
        if text == "done" {
            done[who] = true;
            continue;
        }
        let n: usize = text.split(' ').next().unwrap().parse().unwrap();
        assert_eq!(n, counts[who], "{}'s messages out of order", senders[who]);
        counts[who] += 1;
    }
    (counts, announcements)
}

/// A member that joins first and then never reads, and two that chat.
fn stalled_room(server: &ServerHandle) -> (Client, Client, Client) {
    let (stalled, _) = Client::join(server.addr());
    let (mut a, _) = Client::join(server.addr());
    let (b, _) = Client::join(server.addr());
    assert_eq!(a.recv(), r#"{"type":"join","name":"guest-3","members":3}"#);
    (stalled, a, b)
}

/// `a` and `b` send numbered 2 KiB messages, each from a thread of its own,
/// and two more threads read what they receive.
struct Chatter {
    stop: Arc<AtomicBool>,
    senders: [thread::JoinHandle<(usize, bool)>; 2],
    heard: [mpsc::Receiver<String>; 2],
}

impl Chatter {
    fn start(a: Client, b: Client) -> Chatter {
        let stop = Arc::new(AtomicBool::new(false));
        let senders = [a.sender(), b.sender()].map(|stream| {
            let stop = Arc::clone(&stop);
            thread::spawn(move || chatter(stream, stop, 100_000, PATIENCE))
        });
        Chatter {
            stop,
            senders,
            heard: [listen(a), listen(b)],
        }
    }

    /// Stops both senders: how many each sent, and whether one was stuck.
    fn stop(self) -> ([(usize, bool); 2], [mpsc::Receiver<String>; 2]) {
        self.stop.store(true, Ordering::SeqCst);
        (self.senders.map(|s| s.join().unwrap()), self.heard)
    }
}

/// A close timeout of `close`, a member stalled for 2 s is dropped, and an
/// idle timeout that cannot be what ends a connection in these tests. A
/// dropped member has the close timeout to start reading again before the
/// write it is stuck in fails: `close` is that margin.
fn with_close_timeout(close: Duration) -> Config {
    Config {
        idle_timeout: Duration::from_secs(3600),
        close_timeout: close,
        chat_stall: Duration::from_secs(2),
        ..Config::default()
    }
}

#[test]
fn a_member_that_stops_reading_is_dropped_and_the_others_carry_on() {
    let config = with_close_timeout(Duration::from_secs(5));
    let queue = config.chat_queue;
    let room = Room::new(&config);
    let server = serve(&room, config);
    let (stalled, a, b) = stalled_room(&server);
    let stalled_addr = me(&stalled.stream);
    let chat = Chatter::start(a, b);

    // The stalled member's socket buffers take a few MiB before its writer
    // blocks and its queue fills; 2 s later, it is dropped.
    assert_logged(
        stalled_addr,
        &format!(
            "guest-1 dropped from the chat: {queue} messages waiting, none taken for 2s; closing with 1008"
        ),
    );
    // Reading at last, it finds the backlog its socket held, then the Close
    // its writer thread sent once the write it was stuck in had finished.
    let stalled_end = thread::spawn(move || stalled.close_code());
    // Then a thousand more messages each.
    let enough = Instant::now();
    while enough.elapsed() < Duration::from_millis(50) {
        thread::yield_now();
    }
    let (sent, heard) = chat.stop();
    assert!(!sent[0].1 && !sent[1].1, "the server kept reading a and b");
    assert!(
        sent[0].0 + sent[1].0 >= 2000,
        "thousands of messages: {sent:?}"
    );
    for rx in &heard {
        let (counts, announcements) = tally(rx, ["guest-2", "guest-3"]);
        assert_eq!(counts, [sent[0].0, sent[1].0], "everything, in order");
        assert_eq!(
            announcements,
            [r#"{"type":"leave","name":"guest-1","members":2}"#]
        );
    }
    assert_eq!(room.names(), ["guest-2", "guest-3"]);
    assert_eq!(stalled_end.join().unwrap(), Some(1008));
    eventually("the dropped member's threads end", || server.active() == 2);
}

#[test]
fn a_member_that_reads_slowly_is_kept_and_gets_every_message() {
    const BURST: usize = 500;
    // A queue of 4, and messages of 60 KB: the socket buffers hold a few
    // MiB of the 30 MB burst, and the queue very little.
    let config = Config {
        chat_queue: 4,
        chat_max_message: 64 * 1024,
        ..config()
    };
    let room = Room::new(&config);
    let server = serve(&room, config);
    let (mut slow, _) = Client::join(server.addr());
    let (talker, _) = Client::join(server.addr());
    assert_eq!(
        slow.recv(),
        r#"{"type":"join","name":"guest-2","members":2}"#
    );
    let mut burst = talker.sender();
    let talker_heard = listen(talker);
    let padding = "x".repeat(60_000);
    let sending = thread::spawn(move || {
        for i in 0..BURST {
            send_frame(&mut burst, 0x1, format!("{i} {padding}").as_bytes()).unwrap();
        }
    });
    // It reads every message, with a pause after each.
    for i in 0..BURST {
        let message = slow.recv();
        assert_eq!(field(&message, "from"), "guest-2", "{message:.80}");
        let n = field(&message, "text").split(' ').next().unwrap();
        assert_eq!(n, i.to_string(), "every message, in order");
        thread::sleep(Duration::from_millis(5));
    }
    sending.join().unwrap();
    for i in 0..BURST {
        let message = talker_heard.recv_timeout(PATIENCE).unwrap();
        assert!(field(&message, "text").starts_with(&format!("{i} ")));
    }
    assert_eq!(room.names(), ["guest-1", "guest-2"]);
}

/// A room whose stalled member is dropped while two others chat on; once the
/// drop is logged, the stalled member reads its backlog up to our Close 1008.
/// The 5 s close timeout is its time to start reading before the write it
/// is stuck in fails.
fn dropped_member_reading_up_to_our_close() -> (ServerHandle, Client, Chatter) {
    let config = with_close_timeout(Duration::from_secs(5));
    let room = Room::new(&config);
    let server = serve(&room, config);
    let (mut stalled, a, b) = stalled_room(&server);
    let chat = Chatter::start(a, b);
    assert_logged(me(&stalled.stream), "guest-1 dropped from the chat");
    loop {
        match stalled.frame() {
            Ok(Frame::Close(code)) => break assert_eq!(code, Some(1008)),
            Ok(_) => {}
            Err(error) => panic!("no Close 1008: {error}"),
        }
    }
    (server, stalled, chat)
}

#[test]
fn a_dropped_member_that_ignores_the_close_and_talks_on_is_cut_off() {
    let (server, stalled, chat) = dropped_member_reading_up_to_our_close();
    // It never answers our Close, and talks on, more often than the idle
    // timeout could ever notice.
    let mut talking = stalled.sender();
    let talker = thread::spawn(move || {
        (0..1000).any(|_| {
            thread::sleep(Duration::from_millis(10));
            send_frame(&mut talking, 0x1, b"still here").is_err()
        })
    });
    eventually("the dropped member's threads end", || server.active() == 2);
    assert!(talker.join().unwrap(), "the server kept reading the talker");
    assert_logged(me(&stalled.stream), "closed by the server: 1008");
    chat.stop();
}

#[test]
fn a_dropped_member_that_never_answers_our_close_is_freed_by_the_close_timeout() {
    // An hour of idle timeout: only the close timeout can end it.
    let (server, stalled, chat) = dropped_member_reading_up_to_our_close();
    // It stays silent: no Close, no FIN.
    eventually("the dropped member's threads end", || server.active() == 2);
    assert_logged(
        me(&stalled.stream),
        "closed by the server: 1008 (policy violation)",
    );
    chat.stop();
}

/// `a` says something, and `a` and `b` each read it; pings are answered on
/// the way. Returns the announcements either of them saw first.
fn say_and_hear(a: &mut Client, b: &mut Client, text: &str) -> Vec<String> {
    a.send(text);
    let mut announcements = Vec::new();
    for client in [a, b] {
        loop {
            let message = client.recv();
            if field(&message, "type") == "message" {
                assert_eq!(field(&message, "text"), text);
                break;
            }
            announcements.push(message);
        }
    }
    announcements
}

#[test]
fn a_member_that_never_reads_again_is_freed() {
    // An hour of idle timeout: only the stall rule and the write timeout
    // (the stall time and a close timeout) can end it.
    let config = Config {
        chat_queue: 8,
        chat_stall: Duration::from_millis(300),
        ..with_close_timeout(Duration::from_millis(300))
    };
    let room = Room::new(&config);
    let server = serve(&room, config);
    let (stalled, mut a, mut b) = stalled_room(&server);

    // `a` talks, and `a` and `b` read, until the stalled member is out of the
    // room and its threads have ended. Whichever comes first, the room
    // dropping it or its writer's write timing out, it leaves once.
    let padding = "x".repeat(2000);
    let mut announcements = Vec::new();
    let mut said = 0;
    while room.len() == 3 || server.active() == 3 {
        assert!(said < 100_000, "the stalled member is still here");
        announcements.extend(say_and_hear(&mut a, &mut b, &format!("{said} {padding}")));
        said += 1;
    }
    announcements.extend(say_and_hear(&mut a, &mut b, "still here"));
    assert_eq!(
        announcements,
        [r#"{"type":"leave","name":"guest-1","members":2}"#; 2]
    );
    assert_eq!(room.names(), ["guest-2", "guest-3"]);
    // What it finds when it reads at last: its backlog, then the end, or
    // our Close if its writer was between two writes when it was dropped.
    let code = stalled.close_code();
    assert!(matches!(code, None | Some(1008)), "{code:?}");
}

#[test]
fn a_stalled_member_freezes_the_naive_room() {
    let room = Arc::new(NaiveRoom::default());
    let server = serve_with(config(), move |connection| room.serve(connection));
    let (stalled, a, b) = stalled_room(&server);
    let mut b_sender = b.sender();
    let (a_sender, a_rx, b_rx) = (a.sender(), listen(a), listen(b));
    let stop = Arc::new(AtomicBool::new(false));
    // `a` talks until its own writes stop getting through: the server's
    // thread for `a` is stuck writing to the stalled member, holding the room.
    let (sent, frozen) = chatter(a_sender, stop, 100_000, Duration::from_secs(1));
    assert!(frozen, "the naive room kept up with {sent} messages");

    // Nothing moves now, for anyone: `b` hears nothing, not even itself.
    while b_rx.recv_timeout(Duration::from_millis(500)).is_ok() {}
    send_frame(&mut b_sender, 0x1, b"anyone there?").unwrap();
    assert!(
        b_rx.recv_timeout(Duration::from_secs(1)).is_err(),
        "the room still moved"
    );

    // The stalled client goes away; its reset fails the stuck write, and the
    // room moves again: `b` finally hears itself.
    drop(stalled);
    let heard = r#"{"type":"message","from":"guest-3","text":"anyone there?"}"#;
    while b_rx.recv_timeout(PATIENCE).expect("the room moves again") != heard {}
    drop(a_rx);
}

#[test]
fn abrupt_disconnects_are_leaves() {
    let (room, server) = open_room();
    let (mut a, _) = Client::join(server.addr());
    let (fin, _) = Client::join(server.addr());
    let (rst, _) = Client::join(server.addr());
    a.recv();
    a.recv();

    // A FIN without a Close frame: what a killed browser tab often sends.
    fin.stream.shutdown(Shutdown::Write).unwrap();
    let left = r#"{"type":"leave","name":"guest-2","members":2}"#;
    assert_eq!(a.recv(), left);
    eventually("the FIN member's threads end", || server.active() == 2);

    // A reset: closing a socket with unread bytes makes the kernel send RST
    // instead of FIN. The leave announcement above is such bytes.
    rst.stream.set_read_timeout(Some(PATIENCE)).unwrap();
    assert!(rst.stream.peek(&mut [0u8; 1]).unwrap() > 0);
    drop(rst);
    assert_eq!(a.recv(), r#"{"type":"leave","name":"guest-3","members":1}"#);
    eventually("the RST member's threads end", || server.active() == 1);
    assert_eq!(room.names(), ["guest-1"]);
}

#[test]
fn a_silent_peer_is_caught_by_the_ping() {
    if alone("a_silent_peer_is_caught_by_the_ping", 6 * PATIENCE).is_some() {
        return;
    }
    let config = Config {
        idle_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let room = Room::new(&config);
    let server = serve(&room, config);
    let (mut a, _) = Client::join(server.addr());
    let fds = count_entries("/proc/self/fd");
    // Joins, then neither reads nor answers the server's ping, like a peer
    // whose cable was pulled.
    let (silent, _) = Client::join(server.addr());
    a.recv();
    // `a` answers its pings inside `recv`, so only the silent one goes.
    assert_eq!(a.recv(), r#"{"type":"leave","name":"guest-2","members":1}"#);
    eventually("the silent member's threads end", || server.active() == 1);
    // Our end of the socket goes now; the server's end must be gone already.
    drop(silent);
    eventually("the silent member's descriptors are closed", || {
        count_entries("/proc/self/fd") == fds
    });
}

#[test]
fn oversized_and_binary_messages_end_the_membership() {
    let (_room, server) = open_room();
    let (mut a, _) = Client::join(server.addr());
    let (mut big, _) = Client::join(server.addr());
    let (mut binary, _) = Client::join(server.addr());
    for _ in 0..2 {
        a.recv();
    }
    big.recv();

    let limit = config().chat_max_message;
    let just_fits = "x".repeat(limit);
    big.send(&just_fits);
    assert_eq!(field(&a.recv(), "text").len(), limit);
    big.send(&"x".repeat(limit + 1));
    let big_addr = me(&big.stream);
    assert_eq!(big.close_code(), Some(1009));
    assert_logged(
        big_addr,
        "protocol error: frame of 4097 bytes; the limit is 4096; closing with 1009",
    );
    assert_eq!(a.recv(), r#"{"type":"leave","name":"guest-2","members":2}"#);

    send_frame(&mut binary.stream, 0x2, b"\x00\x01").unwrap();
    assert_eq!(binary.close_code(), Some(1003));
    assert_eq!(a.recv(), r#"{"type":"leave","name":"guest-3","members":1}"#);
    eventually("their threads end", || server.active() == 1);
}

#[test]
fn a_chat_frame_over_the_limit_is_refused_from_its_header_alone() {
    let (_room, server) = open_room();
    let (mut a, _) = Client::join(server.addr());
    let (mut big, _) = Client::join(server.addr());
    a.recv();
    // A text frame that declares 1 MiB, masked, and not one byte of payload:
    // the chat's limit, not the server's 16 MiB, applies as the header is read.
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&(1u64 << 20).to_be_bytes());
    header.extend_from_slice(&[0x37, 0xfa, 0x21, 0x3d]);
    big.stream.write_all(&header).unwrap();
    let big_addr = me(&big.stream);
    assert_eq!(big.close_code(), Some(1009));
    assert_logged(
        big_addr,
        "protocol error: frame of 1048576 bytes; the limit is 4096; closing with 1009",
    );
    assert_eq!(a.recv(), r#"{"type":"leave","name":"guest-2","members":1}"#);
    eventually("its thread ends", || server.active() == 1);
}

#[test]
fn many_members_come_and_go() {
    let (room, server) = open_room();
    let (mut watcher, _) = Client::join(server.addr());
    for round in 0..20 {
        let (mut client, name) = Client::join(server.addr());
        assert_eq!(name, format!("guest-{}", round + 2));
        assert_eq!(field(&watcher.recv(), "members"), "2");
        client.send(&format!("round {round}"));
        assert_eq!(field(&watcher.recv(), "text"), format!("round {round}"));
        if round % 2 == 0 {
            send_frame(&mut client.stream, 0x8, &1001u16.to_be_bytes()).unwrap();
        }
        drop(client);
        let leave = watcher.recv();
        assert_eq!(
            (field(&leave, "type"), field(&leave, "members")),
            ("leave", "1")
        );
    }
    eventually("all their threads end", || server.active() == 1);
    assert_eq!(room.names(), ["guest-1"]);
}
