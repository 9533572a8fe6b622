//! Mistakes made on purpose, each of them common, and the check that must
//! catch it. The lab's tests run every one; an instructor can show one with
//! `cargo run --example lab -- N --impl wrong:NAME`.

// Chapter 7's must take `&mut Vec`, like the right one, and not all remove.
#![allow(clippy::ptr_arg)]

/// A wrong implementation, and where it must be caught.
pub struct Wrong {
    /// As given to `--impl wrong:NAME`.
    pub name: &'static str,
    pub chapter: u32,
    /// The mistake, in words.
    pub mistake: &'static str,
    /// The check that must fail.
    pub caught_by: &'static str,
    /// The section that check's hint must point to.
    pub section: &'static str,
}

pub const WRONG: &[Wrong] = &[
    Wrong {
        name: "ch1_bytes",
        chapter: 1,
        mistake: "reverses bytes, like strrev",
        caught_by: "reverses_characters_not_bytes",
        section: "tutorial/01-listen-and-accept.md#what-goes-wrong-in-the-php-version",
    },
    Wrong {
        name: "ch2_one_read",
        chapter: 2,
        mistake: "one read taken for the whole answer",
        caught_by: "reads_until_the_end",
        section: "tutorial/02-the-other-end.md#talking",
    },
    Wrong {
        name: "ch3_timeout_is_io",
        chapter: 3,
        mistake: "a timed-out read reported as an I/O error",
        caught_by: "timeouts_are_named",
        section: "tutorial/03-many-clients.md#a-deadline-for-silence",
    },
    Wrong {
        name: "ch4_no_guid",
        chapter: 4,
        mistake: "the accept key without the GUID",
        caught_by: "accept_key_rfc_example",
        section: "tutorial/04-the-opening-handshake.md#the-answer",
    },
    Wrong {
        name: "ch4_hex_digest",
        chapter: 4,
        mistake: "base64 of the hex digest, not of its 20 bytes",
        caught_by: "accept_key_is_base64_of_20_bytes",
        section: "tutorial/04-the-opening-handshake.md#the-answer",
    },
    Wrong {
        name: "ch5_ignores_mask_bit",
        chapter: 5,
        mistake: "a header parser that ignores the MASK bit",
        caught_by: "masked_header_has_its_key",
        section: "tutorial/05-frames.md#the-frame-header",
    },
    Wrong {
        name: "ch5_mask_mod_3",
        chapter: 5,
        mistake: "unmasking with i % 3",
        caught_by: "unmask_rfc_example",
        section: "tutorial/05-frames.md#masking",
    },
    Wrong {
        name: "ch5_mask_ignores_offset",
        chapter: 5,
        mistake: "every piece unmasked as if it started the payload",
        caught_by: "unmask_in_pieces",
        section: "tutorial/05-frames.md#masking",
    },
    Wrong {
        name: "ch6_accepts_1005",
        chapter: 6,
        mistake: "a close-code check that accepts 1005 on the wire",
        caught_by: "reserved_close_codes",
        section: "tutorial/06-messages-and-closing.md#close-payloads",
    },
    Wrong {
        name: "ch6_no_interleave_check",
        chapter: 6,
        mistake: "a new data frame inside a fragmented message starts a new message",
        caught_by: "new_message_before_the_last_ends",
        section: "tutorial/06-messages-and-closing.md#the-receiver",
    },
    Wrong {
        name: "ch7_blocking_send",
        chapter: 7,
        mistake: "send, which waits on a full queue, instead of try_send",
        caught_by: "broadcast_never_waits",
        section: "tutorial/07-the-chat-room.md#broadcast-queue-never-write",
    },
    Wrong {
        name: "ch7_copy_per_member",
        chapter: 7,
        mistake: "a copy of the text for every member",
        caught_by: "one_copy_for_everyone",
        section: "tutorial/07-the-chat-room.md#the-room",
    },
    Wrong {
        name: "ch7_silent_drop",
        chapter: 7,
        mistake: "a full member removed without telling the others",
        caught_by: "leaving_is_announced",
        section: "tutorial/07-the-chat-room.md#dropping-a-member",
    },
    Wrong {
        name: "ch11_presence_only",
        chapter: 11,
        mistake: "any Accept taken, so long as there is one",
        caught_by: "accept_of_another_key_is_refused",
        section: "tutorial/11-the-other-end-again.md#the-clients-handshake",
    },
    Wrong {
        name: "ch11_missing_accept_passes",
        chapter: 11,
        mistake: "a 101 without Sec-WebSocket-Accept let through",
        caught_by: "missing_accept_is_refused",
        section: "tutorial/11-the-other-end-again.md#the-clients-handshake",
    },
    Wrong {
        name: "ch11_accept_ignores_case",
        chapter: 11,
        mistake: "the Accept compared without case, like Upgrade",
        caught_by: "accept_is_compared_exactly",
        section: "tutorial/11-the-other-end-again.md#the-clients-handshake",
    },
    Wrong {
        name: "ch11_no_mask_bit",
        chapter: 11,
        mistake: "the payload masked and the key sent, without the MASK bit",
        caught_by: "mask_bit_is_set",
        section: "tutorial/11-the-other-end-again.md#a-clients-frame",
    },
    Wrong {
        name: "ch11_126_is_short",
        chapter: 11,
        mistake: "the 7-bit length used up to 126, not 125",
        caught_by: "shortest_length_form",
        section: "tutorial/11-the-other-end-again.md#a-clients-frame",
    },
    Wrong {
        name: "ch11_mask_counts_the_header",
        chapter: 11,
        mistake: "the key indexed by the byte's place in the frame, not in the payload",
        caught_by: "payload_masked_from_its_first_byte",
        section: "tutorial/11-the-other-end-again.md#a-clients-frame",
    },
];

#[path = "../wrong/ch11_126_is_short.rs"]
pub mod ch11_126_is_short;
#[path = "../wrong/ch11_accept_ignores_case.rs"]
pub mod ch11_accept_ignores_case;
#[path = "../wrong/ch11_mask_counts_the_header.rs"]
pub mod ch11_mask_counts_the_header;
#[path = "../wrong/ch11_missing_accept_passes.rs"]
pub mod ch11_missing_accept_passes;
#[path = "../wrong/ch11_no_mask_bit.rs"]
pub mod ch11_no_mask_bit;
#[path = "../wrong/ch11_presence_only.rs"]
pub mod ch11_presence_only;
#[path = "../wrong/ch1_bytes.rs"]
pub mod ch1_bytes;
#[path = "../wrong/ch2_one_read.rs"]
pub mod ch2_one_read;
#[path = "../wrong/ch3_timeout_is_io.rs"]
pub mod ch3_timeout_is_io;
#[path = "../wrong/ch4_hex_digest.rs"]
pub mod ch4_hex_digest;
#[path = "../wrong/ch4_no_guid.rs"]
pub mod ch4_no_guid;
#[path = "../wrong/ch5_ignores_mask_bit.rs"]
pub mod ch5_ignores_mask_bit;
#[path = "../wrong/ch5_mask_ignores_offset.rs"]
pub mod ch5_mask_ignores_offset;
#[path = "../wrong/ch5_mask_mod_3.rs"]
pub mod ch5_mask_mod_3;
#[path = "../wrong/ch6_accepts_1005.rs"]
pub mod ch6_accepts_1005;
#[path = "../wrong/ch6_no_interleave_check.rs"]
pub mod ch6_no_interleave_check;
#[path = "../wrong/ch7_blocking_send.rs"]
pub mod ch7_blocking_send;
#[path = "../wrong/ch7_copy_per_member.rs"]
pub mod ch7_copy_per_member;
#[path = "../wrong/ch7_silent_drop.rs"]
pub mod ch7_silent_drop;
