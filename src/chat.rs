//! Chapter 7: the chat room.
//!
//! Every member has a bounded queue and a writer thread of its own. A
//! broadcast only *queues* the message for each member; it never writes to a
//! socket, so a member that stops reading cannot slow anyone else. When a
//! member's queue is full, that member is dropped with 1008 and the others are
//! told it left. Messages are JSON in text frames, written and read by the
//! small functions at the end of this file.
//! See `tutorial/07-the-chat-room.md#the-room`.

use crate::close::CloseCode;
use crate::config::Config;
use crate::connection::{Connection, Handle, Peer, Sender};
use crate::frame::OpCode;
use crate::message::Message;
use crate::protocol::State;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Longest nickname, in characters.
pub const MAX_NAME: usize = 24;

/// Most bytes a writer thread sends in one batch: what it holds beside the queue.
const BATCH: usize = 64 * 1024;

/// How long a sender waits after a message that left some member's queue
/// more than half full. A writer that is merely busy catches up meanwhile;
/// one that is stuck fills up and is dropped. Only the sender waits.
const PACE: Duration = Duration::from_millis(1);

// ANCHOR: member
/// One encoded message. A broadcast puts the same `Arc` in every queue, so a
/// message is held in memory once however many members are waiting for it.
type Outgoing = Arc<str>;

/// Someone in the room, as the room sees them.
struct Member {
    name: String,
    peer: Peer,
    /// The connection, as other threads hold it: to send, close and cut.
    connection: Handle,
    /// `None` in the naive room, which writes to the socket directly.
    outbox: Option<Outbox>,
}

/// The room's end of a member's queue; the writer thread holds the other.
struct Outbox {
    queue: SyncSender<Outgoing>,
    /// Messages queued or being written: at most `chat_queue + 1`.
    backlog: Arc<AtomicUsize>,
    /// Set when the room drops the member; the writer thread then stops.
    dropped: Arc<AtomicBool>,
}
// ANCHOR_END: member

/// How a broadcast reaches the members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// Into each member's bounded queue, drained by its own writer thread.
    Queued,
    /// Straight onto every socket in turn, as the PHP posts do.
    Naive,
}

type Members = BTreeMap<u64, Member>;

/// A chat room: every member gets every message, in the same order.
pub struct Room {
    members: Mutex<Members>,
    delivery: Delivery,
    queue_len: usize,
    max_message: usize,
    close_timeout: Duration,
    next_id: AtomicU64,
    dropped: AtomicU64,
    peak_backlog: AtomicUsize,
}

/// A snapshot of the room, for tests and the curious.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomStats {
    /// Members in the room now.
    pub members: usize,
    /// Members dropped because they could not keep up.
    pub dropped: u64,
    /// The most messages ever held for one member at once: never more than
    /// `chat_queue + 1` (the queue, and the one being written).
    pub peak_backlog: usize,
}

impl Room {
    /// An empty room with the limits of `config`: `chat_queue` messages
    /// waiting per member, `chat_max_message` bytes per message.
    pub fn new(config: &Config) -> Arc<Room> {
        Room::with_delivery(config, Delivery::Queued)
    }

    /// A room that broadcasts the way the PHP posts do, by writing to every
    /// socket in turn from the sender's thread. One member that stops reading
    /// stops the whole room. It is here to be demonstrated, not used.
    pub fn with_naive_broadcast(config: &Config) -> Arc<Room> {
        Room::with_delivery(config, Delivery::Naive)
    }

    fn with_delivery(config: &Config, delivery: Delivery) -> Arc<Room> {
        Arc::new(Room {
            members: Mutex::new(BTreeMap::new()),
            delivery,
            queue_len: config.chat_queue.max(1),
            max_message: config.chat_max_message,
            close_timeout: config.close_timeout,
            next_id: AtomicU64::new(1),
            dropped: AtomicU64::new(0),
            peak_backlog: AtomicUsize::new(0),
        })
    }

    /// How many members are in the room.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the room is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The members' names, in the order they joined.
    pub fn names(&self) -> Vec<String> {
        self.lock().values().map(|m| m.name.clone()).collect()
    }

    /// Counts for tests: members, members dropped, and the largest backlog.
    pub fn stats(&self) -> RoomStats {
        RoomStats {
            members: self.len(),
            dropped: self.dropped.load(Ordering::SeqCst),
            peak_backlog: self.peak_backlog.load(Ordering::SeqCst),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Members> {
        self.members
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    // ANCHOR: serve
    /// Runs one member's connection on the caller's thread: joins, relays
    /// what the member sends, and leaves, however the connection ends.
    pub fn serve(&self, mut connection: Connection) {
        let peer = connection.peer();
        connection.set_max_message(self.max_message);
        let (id, writer_thread) = match self.join(&connection) {
            Ok(joined) => joined,
            Err(error) => {
                log::error!("{peer}: cannot join the chat: {error}");
                return connection.close(CloseCode::TRY_AGAIN_LATER, "server busy");
            }
        };
        while let Some(message) = connection.recv() {
            match message {
                Message::Text(text) => self.handle(id, &text),
                Message::Binary(_) => {
                    connection.close(CloseCode::UNSUPPORTED_DATA, "chat messages are text");
                }
            }
        }
        self.leave(id);
        if let Some(thread) = writer_thread {
            let _ = thread.join();
        }
    }
    // ANCHOR_END: serve

    // ANCHOR: join
    /// Adds the member, starts its writer thread, welcomes it and tells everyone.
    fn join(&self, connection: &Connection) -> io::Result<(u64, Option<JoinHandle<()>>)> {
        let peer = connection.peer();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (outbox, thread) = match self.delivery {
            Delivery::Naive => (None, None),
            Delivery::Queued => {
                let (queue, inbox) = mpsc::sync_channel(self.queue_len);
                let outbox = Outbox {
                    queue,
                    backlog: Arc::new(AtomicUsize::new(0)),
                    dropped: Arc::new(AtomicBool::new(false)),
                };
                let writer = WriterThread {
                    inbox,
                    connection: connection.handle(),
                    backlog: Arc::clone(&outbox.backlog),
                    dropped: Arc::clone(&outbox.dropped),
                    close_timeout: self.close_timeout,
                };
                let thread = thread::Builder::new()
                    .name(format!("{peer} writer"))
                    .stack_size(64 * 1024)
                    .spawn(move || writer.run())?;
                (Some(outbox), Some(thread))
            }
        };
        let name = format!("guest-{id}");
        let mut members = self.lock();
        members.insert(
            id,
            Member {
                name: name.clone(),
                peer,
                connection: connection.handle(),
                outbox,
            },
        );
        let count = members.len();
        log::info!("{peer}: joined the chat as {name} ({count} in the room)");
        let welcome = Json::new("welcome")
            .str("name", &name)
            .num("members", count);
        self.send_to(&mut members, id, welcome.end());
        let join = Json::new("join").str("name", &name).num("members", count);
        self.broadcast(&mut members, join.end());
        Ok((id, thread))
    }
    // ANCHOR_END: join

    /// Removes the member if it is still here and tells the others. A member
    /// the room dropped is gone already, and its leaving was announced then.
    fn leave(&self, id: u64) {
        let mut members = self.lock();
        if let Some(member) = members.remove(&id) {
            let count = members.len();
            log::info!(
                "{}: {} left the chat ({count} in the room)",
                member.peer,
                member.name
            );
            let leave = Json::new("leave")
                .str("name", &member.name)
                .num("members", count);
            self.broadcast(&mut members, leave.end());
        }
    }

    // ANCHOR: handle
    /// Acts on one text message from member `id`.
    fn handle(&self, id: u64, text: &str) {
        match Command::parse(text) {
            Command::Say(text) if text.trim().is_empty() => {}
            Command::Say(text) => {
                let mut members = self.lock();
                let Some(member) = members.get(&id) else {
                    return;
                };
                let message = Json::new("message")
                    .str("from", &member.name)
                    .str("text", &text);
                let backlog = self.broadcast(&mut members, message.end());
                drop(members);
                if backlog > self.queue_len / 2 {
                    thread::sleep(PACE);
                }
            }
            Command::Rename(wanted) => self.rename(id, &wanted),
        }
    }
    // ANCHOR_END: handle

    fn rename(&self, id: u64, wanted: &str) {
        let mut members = self.lock();
        let Some(member) = members.get(&id) else {
            return;
        };
        let name = wanted.trim();
        if name == member.name {
            return;
        }
        if let Err(why) = check_name(name, id, &members) {
            let error = Json::new("error").str("text", &why);
            return self.send_to(&mut members, id, error.end());
        }
        let member = members.get_mut(&id).expect("looked up above");
        let old = std::mem::replace(&mut member.name, name.to_owned());
        log::info!("{}: {old} is now {name}", member.peer);
        let rename = Json::new("rename").str("from", &old).str("to", name);
        self.broadcast(&mut members, rename.end());
    }

    // ANCHOR: broadcast
    /// Gives `text` to every member and returns the longest queue it joined.
    /// A member that cannot take it is dropped, and its leaving is announced
    /// in turn, which may drop another: the loop ends because each round that
    /// drops someone leaves fewer members.
    fn broadcast(&self, members: &mut Members, text: String) -> usize {
        let mut deepest = 0;
        let mut announcements = VecDeque::from([Outgoing::from(text)]);
        while let Some(text) = announcements.pop_front() {
            let mut too_slow = Vec::new();
            for (id, member) in members.iter() {
                match self.deliver(member, &text) {
                    Some(backlog) => deepest = deepest.max(backlog),
                    None => too_slow.push(*id),
                }
            }
            for id in too_slow {
                let member = members.remove(&id).expect("just seen");
                self.drop_member(&member);
                let leave = Json::new("leave")
                    .str("name", &member.name)
                    .num("members", members.len());
                announcements.push_back(leave.end().into());
            }
        }
        deepest
    }

    /// Gives `text` to one member: an answer meant for it alone.
    fn send_to(&self, members: &mut Members, id: u64, text: String) {
        let Some(member) = members.get(&id) else {
            return;
        };
        if self.deliver(member, &text.into()).is_none() {
            let member = members.remove(&id).expect("just seen");
            self.drop_member(&member);
            let leave = Json::new("leave")
                .str("name", &member.name)
                .num("members", members.len());
            self.broadcast(members, leave.end());
        }
    }

    /// Hands `text` to one member and returns its backlog; `None` means the
    /// member cannot take it and must go.
    fn deliver(&self, member: &Member, text: &Outgoing) -> Option<usize> {
        match &member.outbox {
            Some(outbox) => {
                let backlog = outbox.push(text)?;
                self.peak_backlog.fetch_max(backlog, Ordering::SeqCst);
                Some(backlog)
            }
            None => write_now(&member.connection, text).then_some(0),
        }
    }
    // ANCHOR_END: broadcast

    // ANCHOR: drop_member
    /// Drops a member that could not keep up: it is out of the room already,
    /// and its writer thread, seeing the flag, sends Close 1008 as soon as its
    /// current write (if any) finishes. A Close frame cannot be sent sooner
    /// without landing inside the half-written frame. If that write never
    /// finishes, the socket's write timeout fails it and ends the connection.
    fn drop_member(&self, member: &Member) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
        let Some(outbox) = &member.outbox else {
            log::warn!(
                "{}: {} dropped from the chat: a write failed",
                member.peer,
                member.name
            );
            member.connection.cut("a write failed");
            return;
        };
        log::warn!(
            "{}: {} dropped from the chat: {} messages waiting; closing with 1008",
            member.peer,
            member.name,
            self.queue_len
        );
        outbox.dropped.store(true, Ordering::SeqCst);
    }
    // ANCHOR_END: drop_member
}

impl Outbox {
    // ANCHOR: push
    /// Queues `text` without ever waiting. `None` when the queue is full;
    /// otherwise the member's backlog, this message included.
    fn push(&self, text: &Outgoing) -> Option<usize> {
        let backlog = self.backlog.fetch_add(1, Ordering::SeqCst) + 1;
        match self.queue.try_send(Arc::clone(text)) {
            Ok(()) => Some(backlog),
            Err(TrySendError::Full(_)) => {
                self.backlog.fetch_sub(1, Ordering::SeqCst);
                None
            }
            // The writer thread has stopped: the socket failed, and the
            // member's own thread is about to leave. Nothing to do here.
            Err(TrySendError::Disconnected(_)) => {
                self.backlog.fetch_sub(1, Ordering::SeqCst);
                Some(0)
            }
        }
    }
    // ANCHOR_END: push
}

// ANCHOR: naive
/// The PHP posts' broadcast, for one member: write to its socket now, on the
/// sender's thread, under the room's lock. If this member has stopped
/// reading, the write blocks, and so does everyone else's next message.
fn write_now(connection: &Handle, text: &str) -> bool {
    let mut sender = connection.sender();
    sender
        .send(OpCode::Text, text.as_bytes())
        .and_then(|()| sender.flush())
        .is_ok()
}
// ANCHOR_END: naive

/// What a member's writer thread owns.
struct WriterThread {
    inbox: Receiver<Outgoing>,
    connection: Handle,
    backlog: Arc<AtomicUsize>,
    dropped: Arc<AtomicBool>,
    close_timeout: Duration,
}

impl WriterThread {
    // ANCHOR: writer_thread
    /// Writes the member's messages until the queue is closed (the member
    /// left), a write fails, or the room drops the member. The flag is read
    /// under the writer's lock before each batch, so a dropped member's
    /// writer finishes at most the batch it is in, then sends the Close.
    fn run(self) {
        while let Ok(first) = self.inbox.recv() {
            let mut sender = self.connection.sender();
            if self.dropped.load(Ordering::SeqCst) || sender.state() != State::Open {
                break;
            }
            if self.write_batch(&mut sender, first).is_err() {
                drop(sender);
                self.connection.cut("a write failed");
                return;
            }
        }
        if self.dropped.load(Ordering::SeqCst) {
            self.close_too_slow();
        }
    }

    /// Sends `first` and whatever else is waiting, up to [`BATCH`] bytes, with
    /// one flush: a burst costs one `write`, not one per message.
    fn write_batch(&self, writer: &mut Sender<'_>, first: Outgoing) -> io::Result<()> {
        let mut next = Some(first);
        let mut bytes = 0;
        while let Some(text) = next {
            self.backlog.fetch_sub(1, Ordering::SeqCst);
            writer.send(OpCode::Text, text.as_bytes())?;
            bytes += text.len();
            next = if bytes < BATCH {
                self.inbox.try_recv().ok()
            } else {
                None
            };
        }
        writer.flush()
    }

    /// Sends Close 1008, its write bounded by the close timeout, then gives
    /// the member the close timeout to finish the closing handshake on its
    /// own thread; after that the connection is cut, which ends that thread.
    fn close_too_slow(&self) {
        let mut sender = self.connection.sender();
        let sent = sender.close(
            CloseCode::POLICY_VIOLATION,
            "too slow: messages were piling up",
        );
        drop(sender);
        if sent.is_err() || !self.connection.wait_closed(self.close_timeout) {
            self.connection
                .cut("a dropped chat member did not finish the closing handshake");
        }
    }
    // ANCHOR_END: writer_thread
}

/// Why `name` cannot be member `id`'s new name, if it cannot.
fn check_name(name: &str, id: u64, members: &Members) -> Result<(), String> {
    let len = name.chars().count();
    if len == 0 || len > MAX_NAME {
        return Err(format!("a name has 1 to {MAX_NAME} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("a name cannot contain control characters".into());
    }
    let lower = name.to_lowercase();
    if lower.starts_with("guest-") && lower != format!("guest-{id}") {
        return Err("names starting with guest- are given by the server".into());
    }
    let taken = members
        .iter()
        .any(|(other, member)| *other != id && member.name.to_lowercase() == lower);
    if taken {
        return Err(format!("the name {name} is taken"));
    }
    Ok(())
}

// ANCHOR: command
/// What a member's text frame asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    /// `{"type":"message","text":"…"}`, or any text that is not one of these
    /// JSON objects: a console's `ws.send("hi")` is a chat message too.
    Say(String),
    /// `{"type":"rename","name":"…"}`.
    Rename(String),
}

impl Command {
    fn parse(text: &str) -> Command {
        if let Some(fields) = parse_object(text) {
            let field = |key: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
            };
            match (field("type"), field("text"), field("name")) {
                (Some("message"), Some(text), _) => return Command::Say(text.to_owned()),
                (Some("rename"), _, Some(name)) => return Command::Rename(name.to_owned()),
                _ => {}
            }
        }
        Command::Say(text.to_owned())
    }
}
// ANCHOR_END: command

// ANCHOR: json_string
/// Appends `text` as a JSON string, quotes included. RFC 8259 §7: "All
/// Unicode characters may be placed within the quotation marks, except for
/// the characters that MUST be escaped: quotation mark, reverse solidus, and
/// the control characters (U+0000 through U+001F)."
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0}'..='\u{1f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
// ANCHOR_END: json_string

// ANCHOR: json_object
/// One server→client message, built field by field:
/// `Json::new("join").str("name", "ana").num("members", 2).end()` is
/// `{"type":"join","name":"ana","members":2}`.
struct Json(String);

impl Json {
    fn new(kind: &str) -> Json {
        Json(String::from("{\"type\":")).str_value(kind)
    }

    fn str(self, key: &str, value: &str) -> Json {
        self.key(key).str_value(value)
    }

    fn num(mut self, key: &str, value: usize) -> Json {
        self = self.key(key);
        let _ = write!(self.0, "{value}");
        self
    }

    fn key(mut self, key: &str) -> Json {
        self.0.push(',');
        push_json_string(&mut self.0, key);
        self.0.push(':');
        self
    }

    fn str_value(mut self, value: &str) -> Json {
        push_json_string(&mut self.0, value);
        self
    }

    fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}
// ANCHOR_END: json_object

// ANCHOR: json_parse
/// Reads a JSON object whose values are all strings, such as
/// `{"type":"rename","name":"ana"}`: everything a client sends. `None` for
/// anything else, including a key given twice.
fn parse_object(text: &str) -> Option<Vec<(String, String)>> {
    let mut json = Parser { text, pos: 0 };
    json.expect(b'{')?;
    let mut fields: Vec<(String, String)> = Vec::new();
    if json.peek() == Some(b'}') {
        json.pos += 1;
    } else {
        loop {
            let key = json.string()?;
            json.expect(b':')?;
            let value = json.string()?;
            if fields.iter().any(|(k, _)| *k == key) {
                return None;
            }
            fields.push((key, value));
            match json.peek() {
                Some(b',') => json.pos += 1,
                Some(b'}') => {
                    json.pos += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (json.peek().is_none()).then_some(fields)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    /// The next byte that is not white space (RFC 8259 §2), without taking it.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while matches!(bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
        bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// A string (§7): escapes decoded, `\uD83D\uDE00` pairs joined, lone
    /// surrogates and raw control characters refused.
    fn string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            let c = self.text[self.pos..].chars().next()?;
            self.pos += c.len_utf8();
            match c {
                '"' => return Some(out),
                '\\' => out.push(self.escape()?),
                '\u{0}'..='\u{1f}' => return None,
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self) -> Option<char> {
        let c = self.text[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        Some(match c {
            '"' | '\\' | '/' => c,
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        self.text[self.pos..].starts_with("\\u").then_some(())?;
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    unit => unit,
                };
                char::from_u32(code)?
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.pos..self.pos + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).ok()
    }
}
// ANCHOR_END: json_parse

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(text: &str) -> String {
        let mut out = String::new();
        push_json_string(&mut out, text);
        out
    }

    #[test]
    fn escapes_what_rfc_8259_requires_and_nothing_else() {
        assert_eq!(quoted("plain"), r#""plain""#);
        assert_eq!(quoted(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quoted(r"C:\dir"), r#""C:\\dir""#);
        assert_eq!(quoted("a\nb\r\tc"), r#""a\nb\r\tc""#);
        assert_eq!(
            quoted("\u{0}\u{1}\u{8}\u{c}\u{1f}"),
            r#""\u0000\u0001\u0008\u000c\u001f""#
        );
        assert_eq!(quoted("\u{7f} é 中文 😀"), "\"\u{7f} é 中文 😀\"");
        assert_eq!(quoted("</script> / <img>"), r#""</script> / <img>""#);
    }

    #[test]
    fn builds_server_messages() {
        let join = Json::new("join").str("name", "ana").num("members", 2);
        assert_eq!(join.end(), r#"{"type":"join","name":"ana","members":2}"#);
        let message = Json::new("message").str("from", "a\"b").str("text", "x\\y");
        assert_eq!(
            message.end(),
            r#"{"type":"message","from":"a\"b","text":"x\\y"}"#
        );
    }

    #[test]
    fn every_string_survives_a_round_trip() {
        let mut all_controls = String::new();
        for c in 0u8..0x20 {
            all_controls.push(char::from(c));
        }
        let samples = [
            "",
            "hi",
            r#"quote " and backslash \ and slash /"#,
            &all_controls,
            "non-ASCII: é ß 中文 😀 \u{2028}\u{2029}\u{feff}",
            "<img src=x onerror=alert(1)></script>",
        ];
        for text in samples {
            let mut object = String::from(r#"{"type":"message","text":"#);
            push_json_string(&mut object, text);
            object.push('}');
            assert_eq!(Command::parse(&object), Command::Say(text.to_owned()));
        }
    }

    #[test]
    fn parses_the_two_client_messages() {
        assert_eq!(
            Command::parse(r#"{"type":"message","text":"hello"}"#),
            Command::Say("hello".into())
        );
        assert_eq!(
            Command::parse(" {\n \"name\" : \"ana\" , \"type\":\"rename\" } "),
            Command::Rename("ana".into())
        );
        assert_eq!(
            Command::parse(r#"{"type":"message","text":"\u00e9\ud83d\ude00\/\b\f"}"#),
            Command::Say("é😀/\u{8}\u{c}".into())
        );
        assert_eq!(
            Command::parse(r#"{"type":"message","text":"x","extra":"ignored"}"#),
            Command::Say("x".into())
        );
    }

    #[test]
    fn anything_else_is_plain_chat_text() {
        let plain = [
            "hi",
            "{",
            "{}",
            r#"{"type":"message"}"#,
            r#"{"type":"rename","text":"no name"}"#,
            r#"{"type":"shout","text":"x"}"#,
            r#"{"type":"message","text":1}"#,
            r#"{"type":"message","text":"x",}"#,
            r#"{"type":"message","text":"x"} trailing"#,
            r#"{"type":"message","text":"x","text":"y"}"#,
            r#"{"type":"message","text":"raw	tab"}"#,
            r#"{"type":"message","text":"\x"}"#,
            r#"{"type":"message","text":"\u12"}"#,
            r#"{"type":"message","text":"\u+123"}"#,
            r#"{"type":"message","text":"\ud800"}"#,
            r#"{"type":"message","text":"\ud800\u0041"}"#,
            r#"{"type":"message","text":"\udc00"}"#,
            r#"{"type":"message","text":"unterminated}"#,
            r#"["type","message"]"#,
        ];
        for text in plain {
            assert_eq!(Command::parse(text), Command::Say(text.into()), "{text}");
        }
    }

    #[test]
    fn names_are_checked() {
        let members = Members::new();
        assert!(check_name("ana", 1, &members).is_ok());
        assert!(check_name("guest-1", 1, &members).is_ok());
        assert!(check_name("Guest-2", 1, &members).is_err());
        assert!(check_name("", 1, &members).is_err());
        assert!(check_name(&"x".repeat(MAX_NAME + 1), 1, &members).is_err());
        assert!(check_name(&"é".repeat(MAX_NAME), 1, &members).is_ok());
        assert!(check_name("a\u{7}b", 1, &members).is_err());
    }
}
