//! The scenarios behind the tutorial's *Run it* transcripts, one file per
//! chapter. A scenario runs real programs once and returns the text of each
//! `<!-- run: NAME -->` block it declares, in the declared order.

mod ch01;
mod ch02;
mod ch03;
mod ch04;
mod ch05;
mod ch06;
mod ch07;
mod ch08;
mod ch11;

/// One run of the programs, and the transcript blocks it produces.
pub struct Scenario {
    /// The names of its `<!-- run: NAME -->` blocks, in the order `run` returns them.
    pub blocks: &'static [&'static str],
    pub run: fn() -> Vec<(&'static str, String)>,
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        blocks: &["step1-listening", "step1-nc", "step1-log"],
        run: ch01::first_client,
    },
    Scenario {
        blocks: &["step1-bad-input", "step1-bad-input-log"],
        run: ch01::bad_input,
    },
    Scenario {
        blocks: &["step1-debug-log"],
        run: ch01::a_line_in_two_reads,
    },
    Scenario {
        blocks: &["step2-hello"],
        run: ch02::hello,
    },
    Scenario {
        blocks: &["step2-refused"],
        run: ch02::refused,
    },
    Scenario {
        blocks: &["step1-blocked-log", "step1-unblocked-log"],
        run: ch03::step1_blocks,
    },
    Scenario {
        blocks: &["step3-nc", "step3-log"],
        run: ch03::step3_does_not_block,
    },
    Scenario {
        blocks: &["step3-threads"],
        run: ch03::a_thread_per_client,
    },
    Scenario {
        blocks: &["step3-timeout-log"],
        run: ch03::a_silent_client_times_out,
    },
    Scenario {
        blocks: &["step3-zero-timeout"],
        run: ch03::a_zero_timeout_is_refused,
    },
    Scenario {
        blocks: &["step4-first-client", "step4-handshake", "step4-version-8"],
        run: ch04::handshake_and_refusal,
    },
    Scenario {
        blocks: &["step4-nc", "step4-nc-log"],
        run: ch04::typed_into_nc,
    },
    Scenario {
        blocks: &["step4-client", "step4-client-log"],
        run: ch04::bytes_from_our_client,
    },
    Scenario {
        blocks: &["step5-client", "step5-trace"],
        run: ch05::trace_hello,
    },
    Scenario {
        blocks: &["step5-fragments-client", "step5-fragments"],
        run: ch05::ping_and_fragments,
    },
    Scenario {
        blocks: &["step6-fragments-client", "step6-fragments"],
        run: ch06::fragments_around_a_ping,
    },
    Scenario {
        blocks: &["step6-protocol-errors-client", "step6-protocol-errors"],
        run: ch06::protocol_errors,
    },
    Scenario {
        blocks: &["step6-idle-timeout"],
        run: ch06::a_silent_client_is_pinged_then_dropped,
    },
    Scenario {
        blocks: &["step7-log"],
        run: ch07::two_tabs,
    },
    Scenario {
        blocks: &["step7-slow-member"],
        run: ch07::a_member_that_stops_reading,
    },
    Scenario {
        blocks: &[
            "step8-slow-client",
            "step8-too-large",
            "step8-busy",
            "step8-too-big",
            "step8-log",
        ],
        run: ch08::tiny_limits,
    },
    Scenario {
        blocks: &["client-filter", "client-refused"],
        run: ch11::filter_and_refusals,
    },
];

/// What a reader types to connect to the step servers.
pub const NC: &str = "nc 127.0.0.1 7878";

/// Where the step servers listen by default, as the transcripts show them.
pub const STEP_ADDR: &str = "127.0.0.1:7878";
