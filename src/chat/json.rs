//! Chapter 7: the chat room's messages, JSON in text frames, written and read
//! by hand: our only dependencies are `sha1`, `base64`, `log` and `env_logger`.
//! The server writes with [`Json`], which escapes through
//! [`push_json_string`]; what a member sends is read by [`Command::parse`].
//! See `tutorial/appendix-json.md`.

use std::fmt::Write as _;

// ANCHOR: command
/// What a member's text frame asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `{"type":"message","text":"…"}`, or any text that is not one of these
    /// JSON objects: a console's `ws.send("hi")` is a chat message too.
    Say(String),
    /// `{"type":"rename","name":"…"}`.
    Rename(String),
}

impl Command {
    pub fn parse(text: &str) -> Command {
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
pub fn push_json_string(out: &mut String, text: &str) {
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
pub struct Json(String);

impl Json {
    pub fn new(kind: &str) -> Json {
        Json(String::from("{\"type\":")).str_value(kind)
    }

    pub fn str(self, key: &str, value: &str) -> Json {
        self.key(key).str_value(value)
    }

    pub fn num(mut self, key: &str, value: usize) -> Json {
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

    pub fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}
// ANCHOR_END: json_object

// ANCHOR: json_parse
/// Reads a JSON object whose values are all strings, such as
/// `{"type":"rename","name":"ana"}`: everything a client sends. `None` for
/// anything else, including a key given twice.
pub fn parse_object(text: &str) -> Option<Vec<(String, String)>> {
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
}
