//! Chapter 6: fragments into messages, and the close codes a peer may send.

use crate::check::{expect_eq, Check, Failure};
use crate::given::Frame;
use wslab::error::ProtocolError;
use wslab::frame::OpCode;
use wslab::message::Message;

pub struct Impl {
    pub assemble: fn(&[Frame]) -> Result<Vec<Message>, ProtocolError>,
    pub close_code_allowed: fn(u16) -> bool,
}

fn frame(fin: bool, opcode: OpCode, payload: &str) -> Frame {
    Frame::new(fin, opcode, payload.as_bytes())
}

fn text(text: &str) -> Message {
    Message::Text(text.to_string())
}

/// The frames as a reader would write them: `Text(fin) "Hel"`, ….
fn shown(frames: &[Frame]) -> String {
    let parts: Vec<String> = frames
        .iter()
        .map(|f| {
            let fin = if f.fin { "fin" } else { "not fin" };
            match std::str::from_utf8(&f.payload) {
                Ok(s) => format!("{:?}({fin}) {s:?}", f.opcode),
                Err(_) => format!("{:?}({fin}) {:?}", f.opcode, f.payload),
            }
        })
        .collect();
    parts.join(", ")
}

fn expect_messages(
    lab: &Impl,
    frames: &[Frame],
    expected: Result<Vec<Message>, ProtocolError>,
) -> Result<(), Failure> {
    expect_eq(shown(frames), expected, (lab.assemble)(frames))
}

pub fn checks() -> Vec<Check<Impl>> {
    use OpCode::*;
    vec![
        Check {
            name: "single_frame_messages",
            expect: "a Text or Binary frame with FIN set is a whole message",
            hint: "FIN set on the first frame: the message is that frame's payload. \
                   Text becomes Message::Text, Binary Message::Binary.",
            section: "tutorial/06-messages-and-closing.md#fragments",
            run: |lab| {
                expect_messages(lab, &[frame(true, Text, "hi")], Ok(vec![text("hi")]))?;
                let binary = Frame::new(true, Binary, [0, 255]);
                expect_messages(lab, &[binary], Ok(vec![Message::Binary(vec![0, 255])]))?;
                let both = [frame(true, Text, ""), frame(true, Text, "two")];
                expect_messages(lab, &both, Ok(vec![text(""), text("two")]))
            },
        },
        Check {
            name: "fragments_are_joined",
            expect: "Text(not fin) \"Hel\", Continuation(not fin) \"lo, \", Continuation(fin) \"world\" is \"Hello, world\"",
            hint: "The first frame gives the message its type; Continuation frames append \
                   to it; FIN ends it. Check UTF-8 on the whole message: a character may \
                   be split between two fragments.",
            section: "tutorial/06-messages-and-closing.md#fragments",
            run: |lab| {
                let frames = [
                    frame(false, Text, "Hel"),
                    frame(false, Continuation, "lo, "),
                    frame(true, Continuation, "world"),
                ];
                expect_messages(lab, &frames, Ok(vec![text("Hello, world")]))?;
                let nihao = "你好".as_bytes();
                let frames = [
                    Frame::new(false, Text, &nihao[..2]),
                    Frame::new(true, Continuation, &nihao[2..]),
                ];
                expect_messages(lab, &frames, Ok(vec![text("你好")]))
            },
        },
        Check {
            name: "control_frames_in_between",
            expect: "a Ping between two fragments is not part of the message",
            hint: "Control frames (opcode 0x8 and up: OpCode::is_control) may come between \
                   the fragments of a message. Leave the message open and go on.",
            section: "tutorial/06-messages-and-closing.md#control-frames-in-between",
            run: |lab| {
                let frames = [
                    frame(false, Text, "a"),
                    frame(true, Ping, "are you there?"),
                    frame(true, Pong, ""),
                    frame(true, Continuation, "b"),
                ];
                expect_messages(lab, &frames, Ok(vec![text("ab")]))
            },
        },
        Check {
            name: "continuation_without_message",
            expect: "a Continuation frame with no message open is ContinuationWithoutMessage",
            hint: "A Continuation frame continues something: with no message open, the \
                   peer broke §5.4.",
            section: "tutorial/06-messages-and-closing.md#fragments",
            run: |lab| {
                let frames = [frame(true, Text, "done"), frame(true, Continuation, "more")];
                expect_messages(lab, &frames, Err(ProtocolError::ContinuationWithoutMessage))
            },
        },
        Check {
            name: "new_message_before_the_last_ends",
            expect: "a Text or Binary frame while a message is open is MessageInterleaved",
            hint: "While a fragmented message is open, the next data frame must be a \
                   Continuation: a new Text or Binary frame is an error, not a new message.",
            section: "tutorial/06-messages-and-closing.md#the-receiver",
            run: |lab| {
                let frames = [frame(false, Text, "Hel"), frame(true, Text, "lo")];
                expect_messages(lab, &frames, Err(ProtocolError::MessageInterleaved))?;
                let frames = [frame(false, Binary, "a"), frame(true, Binary, "b")];
                expect_messages(lab, &frames, Err(ProtocolError::MessageInterleaved))
            },
        },
        Check {
            name: "control_frame_rules",
            expect: "a control frame without FIN is FragmentedControlFrame; one over 125 bytes is ControlFrameTooBig",
            hint: "§5.5: \"All control frames MUST have a payload length of 125 bytes or \
                   less and MUST NOT be fragmented.\"",
            section: "tutorial/06-messages-and-closing.md#control-frames-in-between",
            run: |lab| {
                let frames = [frame(false, Ping, "a")];
                expect_messages(lab, &frames, Err(ProtocolError::FragmentedControlFrame))?;
                let frames = [Frame::new(true, Pong, [b'x'; 126])];
                expect_messages(lab, &frames, Err(ProtocolError::ControlFrameTooBig(126)))?;
                let frames = [Frame::new(true, Ping, [b'x'; 125])];
                expect_messages(lab, &frames, Ok(vec![]))
            },
        },
        Check {
            name: "text_must_be_utf8",
            expect: "a text message that is not UTF-8 is InvalidUtf8",
            hint: "§8.1: a text message is UTF-8. Check it (String::from_utf8) when the \
                   message is whole, and fail with InvalidUtf8; binary messages are not checked.",
            section: "tutorial/06-messages-and-closing.md#utf-8-as-it-arrives",
            run: |lab| {
                let frames = [Frame::new(true, Text, [0xff, 0xfe])];
                expect_messages(lab, &frames, Err(ProtocolError::InvalidUtf8))?;
                let frames = [Frame::new(true, Binary, [0xff, 0xfe])];
                expect_messages(lab, &frames, Ok(vec![Message::Binary(vec![0xff, 0xfe])]))
            },
        },
        Check {
            name: "close_codes_allowed",
            expect: "1000-1003, 1007-1014, 3000-4999 may be sent",
            hint: "§7.4.1 defines 1000-1003 and 1007-1011, IANA registered up to 1014, \
                   3000-3999 belong to libraries and 4000-4999 to applications.",
            section: "tutorial/06-messages-and-closing.md#the-closing-handshake",
            run: |lab| {
                for code in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1014, 3000, 3999, 4000, 4999] {
                    expect_eq(format!("close_code_allowed({code})"), true, (lab.close_code_allowed)(code))?;
                }
                Ok(())
            },
        },
        Check {
            name: "reserved_close_codes",
            expect: "1004, 1005, 1006, 1015, 0-999, 1016-2999 and 5000 up may not be sent",
            hint: "1005 (\"no status code\") and 1006 (\"closed abnormally\") are for reports \
                   inside an endpoint, never for the wire; 1004 and 1015 are reserved too.",
            section: "tutorial/06-messages-and-closing.md#close-payloads",
            run: |lab| {
                for code in [1005, 1006, 1004, 1015, 0, 999, 1016, 2999, 5000, 65535] {
                    expect_eq(format!("close_code_allowed({code})"), false, (lab.close_code_allowed)(code))?;
                }
                Ok(())
            },
        },
    ]
}
