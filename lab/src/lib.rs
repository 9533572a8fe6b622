//! # The wslab classroom lab
//!
//! For chapters 1 to 7 and 11, the lab asks for the chapter's key functions
//! with their bodies removed, and checks what the student writes. `make lab N`
//! (or `cargo run --example lab -- N`) runs chapter N's checks against
//! `lab/work/chN.rs`, which it first copies from `lab/stubs/chN.rs`; `lab/work/`
//! is not tracked by git, so `git pull` never touches it. Every failing check
//! prints what it expected, what it got, a hint, and the section of the
//! tutorial that explains it. See `tutorial/lab.md`.
//!
//! The same checks run in CI against three kinds of code: the reference
//! ([`reference`](mod@reference), thin wrappers over `wslab`), which passes them all; the
//! stubs ([`stubs`]), which fail them all; and [`wrong`] implementations,
//! each caught by the check meant for its mistake.

// Without a work file, `student::chN` is `stubs/chN.rs` a second time.
#![allow(clippy::duplicate_mod)]

pub mod check;
pub mod checks;
pub mod given;
pub mod reference;
pub mod stubs;
pub mod wrong;

/// The student's code: `work/chN.rs` where it exists, the stub elsewhere
/// (see `build.rs`).
#[allow(unused_imports, unused_variables, clippy::ptr_arg)]
pub mod student {
    include!(concat!(env!("OUT_DIR"), "/student.rs"));
}

use check::{run_all, Outcome};

/// The chapters that have a lab. `build.rs` lists them too.
pub const CHAPTERS: [u32; 8] = [1, 2, 3, 4, 5, 6, 7, 11];

/// Chapter N's title and tutorial file.
pub fn chapter(n: u32) -> Option<(&'static str, &'static str)> {
    Some(match n {
        1 => ("Listen and accept", "tutorial/01-listen-and-accept.md"),
        2 => ("The other end", "tutorial/02-the-other-end.md"),
        3 => ("Many clients", "tutorial/03-many-clients.md"),
        4 => (
            "The opening handshake",
            "tutorial/04-the-opening-handshake.md",
        ),
        5 => ("Frames", "tutorial/05-frames.md"),
        6 => (
            "Messages and closing",
            "tutorial/06-messages-and-closing.md",
        ),
        7 => ("The chat room", "tutorial/07-the-chat-room.md"),
        11 => ("The other end, again", "tutorial/11-the-other-end-again.md"),
        _ => return None,
    })
}

/// Whose code to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    Student,
    Stub,
    Reference,
    /// One of [`wrong::WRONG`], by name.
    Wrong(&'a str),
}

macro_rules! ch1 { ($($m:ident)::+) => { checks::ch1::Impl { reverse: $($m)::+::reverse } } }
macro_rules! ch2 {
    ($($m:ident)::+) => { checks::ch2::Impl { read_until_closed: $($m)::+::read_until_closed } }
}
macro_rules! ch3 { ($($m:ident)::+) => { checks::ch3::Impl { read_line: $($m)::+::read_line } } }
macro_rules! ch4 { ($($m:ident)::+) => { checks::ch4::Impl { accept_key: $($m)::+::accept_key } } }
macro_rules! ch5 {
    ($($m:ident)::+) => {
        checks::ch5::Impl { parse_header: $($m)::+::parse_header, unmask: $($m)::+::unmask }
    };
}
macro_rules! ch6 {
    ($($m:ident)::+) => {
        checks::ch6::Impl {
            assemble: $($m)::+::assemble,
            close_code_allowed: $($m)::+::close_code_allowed,
        }
    };
}
macro_rules! ch7 { ($($m:ident)::+) => { checks::ch7::Impl { broadcast: $($m)::+::broadcast } } }
macro_rules! ch11 {
    ($($m:ident)::+) => {
        checks::ch11::Impl {
            accept_matches: $($m)::+::accept_matches,
            mask_frame: $($m)::+::mask_frame,
        }
    };
}

/// Runs chapter `n`'s checks against `source`. `None` if there is no such
/// chapter, or no such wrong implementation for it.
pub fn run(n: u32, source: Source) -> Option<Vec<Outcome>> {
    use Source::*;
    macro_rules! go {
        ($ch:ident, $imp:expr) => {
            run_all(&$imp, &checks::$ch::checks())
        };
    }
    Some(match (n, source) {
        (1, Student) => go!(ch1, ch1!(student::ch1)),
        (1, Stub) => go!(ch1, ch1!(stubs::ch1)),
        (1, Reference) => go!(ch1, ch1!(reference::ch1)),
        (1, Wrong("ch1_bytes")) => go!(ch1, ch1!(wrong::ch1_bytes)),
        (2, Student) => go!(ch2, ch2!(student::ch2)),
        (2, Stub) => go!(ch2, ch2!(stubs::ch2)),
        (2, Reference) => go!(ch2, ch2!(reference::ch2)),
        (2, Wrong("ch2_one_read")) => go!(ch2, ch2!(wrong::ch2_one_read)),
        (3, Student) => go!(ch3, ch3!(student::ch3)),
        (3, Stub) => go!(ch3, ch3!(stubs::ch3)),
        (3, Reference) => go!(ch3, ch3!(reference::ch3)),
        (3, Wrong("ch3_timeout_is_io")) => go!(ch3, ch3!(wrong::ch3_timeout_is_io)),
        (4, Student) => go!(ch4, ch4!(student::ch4)),
        (4, Stub) => go!(ch4, ch4!(stubs::ch4)),
        (4, Reference) => go!(ch4, ch4!(reference::ch4)),
        (4, Wrong("ch4_no_guid")) => go!(ch4, ch4!(wrong::ch4_no_guid)),
        (4, Wrong("ch4_hex_digest")) => go!(ch4, ch4!(wrong::ch4_hex_digest)),
        (5, Student) => go!(ch5, ch5!(student::ch5)),
        (5, Stub) => go!(ch5, ch5!(stubs::ch5)),
        (5, Reference) => go!(ch5, ch5!(reference::ch5)),
        (5, Wrong("ch5_ignores_mask_bit")) => go!(ch5, ch5!(wrong::ch5_ignores_mask_bit)),
        (5, Wrong("ch5_mask_mod_3")) => go!(ch5, ch5!(wrong::ch5_mask_mod_3)),
        (5, Wrong("ch5_mask_ignores_offset")) => go!(ch5, ch5!(wrong::ch5_mask_ignores_offset)),
        (6, Student) => go!(ch6, ch6!(student::ch6)),
        (6, Stub) => go!(ch6, ch6!(stubs::ch6)),
        (6, Reference) => go!(ch6, ch6!(reference::ch6)),
        (6, Wrong("ch6_accepts_1005")) => go!(ch6, ch6!(wrong::ch6_accepts_1005)),
        (6, Wrong("ch6_no_interleave_check")) => go!(ch6, ch6!(wrong::ch6_no_interleave_check)),
        (7, Student) => go!(ch7, ch7!(student::ch7)),
        (7, Stub) => go!(ch7, ch7!(stubs::ch7)),
        (7, Reference) => go!(ch7, ch7!(reference::ch7)),
        (7, Wrong("ch7_blocking_send")) => go!(ch7, ch7!(wrong::ch7_blocking_send)),
        (7, Wrong("ch7_copy_per_member")) => go!(ch7, ch7!(wrong::ch7_copy_per_member)),
        (7, Wrong("ch7_silent_drop")) => go!(ch7, ch7!(wrong::ch7_silent_drop)),
        (11, Student) => go!(ch11, ch11!(student::ch11)),
        (11, Stub) => go!(ch11, ch11!(stubs::ch11)),
        (11, Reference) => go!(ch11, ch11!(reference::ch11)),
        (11, Wrong("ch11_presence_only")) => go!(ch11, ch11!(wrong::ch11_presence_only)),
        (11, Wrong("ch11_missing_accept_passes")) => {
            go!(ch11, ch11!(wrong::ch11_missing_accept_passes))
        }
        (11, Wrong("ch11_accept_ignores_case")) => {
            go!(ch11, ch11!(wrong::ch11_accept_ignores_case))
        }
        (11, Wrong("ch11_no_mask_bit")) => go!(ch11, ch11!(wrong::ch11_no_mask_bit)),
        (11, Wrong("ch11_126_is_short")) => go!(ch11, ch11!(wrong::ch11_126_is_short)),
        (11, Wrong("ch11_mask_counts_the_header")) => {
            go!(ch11, ch11!(wrong::ch11_mask_counts_the_header))
        }
        _ => return None,
    })
}

/// Where chapter `n`'s student code was taken from in this build: `"work"`
/// or `"stubs"`.
pub fn student_source(n: u32) -> &'static str {
    match n {
        1 => student::CH1_SOURCE,
        2 => student::CH2_SOURCE,
        3 => student::CH3_SOURCE,
        4 => student::CH4_SOURCE,
        5 => student::CH5_SOURCE,
        6 => student::CH6_SOURCE,
        7 => student::CH7_SOURCE,
        11 => student::CH11_SOURCE,
        _ => "stubs",
    }
}
