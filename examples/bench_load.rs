//! The benchmark harness of chapter 9 (`make bench`): wslab's `/echo`, a
//! second wslab (the A/A check), a tungstenite echo, a tokio-tungstenite echo,
//! and two raw TCP echoes (cut-through and store-and-forward), each a separate
//! process on a loopback port, driven by this one load generator with the same
//! workloads, in alternating rounds so that the machine's noise hits them all
//! alike. By default everything runs on one core, and each round's rate is
//! scaled by the share of that core the round got. It prints the median of
//! the rounds, wslab's ratio to each of the others with a 95 % confidence
//! interval, and the targets. See `tutorial/09-performance.md#the-method`.
//!
//! `make bench-scale` runs its other mode, `--scale N`: up to N idle
//! connections to each of wslab, tungstenite and tokio-tungstenite in turn, at
//! steps from 1,000; at each, the server's memory per connection and the
//! round-trip rate of 64 active connections; and a chart of both.

// The parts live in benches/load/, because every file under examples/ is a
// program of its own; step9 shares two of them.
#[path = "../benches/load/chat.rs"]
mod chat;
#[path = "../benches/load/client.rs"]
mod client;
#[path = "../benches/load/idle.rs"]
mod idle;
#[path = "../benches/load/scale.rs"]
mod scale;
#[path = "../benches/load/servers.rs"]
mod servers;
#[path = "../benches/load/svg.rs"]
mod svg;
#[path = "../benches/load/workloads.rs"]
mod workloads;

use client::Proto;
use servers::Server;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use workloads::{Limit, Sample, Workload};
use wslab::cli::{self, CliError, Flags, Parse};

const ABOUT: &str = "Starts wslab twice, tungstenite, tokio-tungstenite and two raw TCP \
                     echoes on loopback ports, runs every workload against each in alternating \
                     rounds, and prints the medians, the ratios and the targets. \
                     With --scale, instead holds up to N idle connections to each of wslab, \
                     tungstenite and tokio-tungstenite, prints the memory per connection and the \
                     rate of 64 active ones at each step, and draws them. With --addr, instead drives a server you started yourself \
                     (under a profiler, say) for a fixed --count of round trips per workload.";

/// A server to start: `wslab`, an example's name, or a path to a build.
struct Program(String);

impl Parse for Program {
    const PLACEHOLDER: &'static str = "PROGRAM";
    fn parse(text: &str) -> Result<Program, String> {
        Ok(Program(text.to_string()))
    }
    fn show(&self) -> String {
        self.0.clone()
    }
}

/// The workloads: a key for `--only`, a label for the table, the workload.
const WORKLOADS: [(&str, &str, Workload); 7] = [
    ("pingpong", "16 B ping-pong", Workload::PingPong { len: 16 }),
    (
        "pipelined",
        "16 B pipelined x32",
        Workload::Pipelined { len: 16, depth: 32 },
    ),
    (
        "conns",
        "64 B ping-pong x64 conns",
        Workload::Connections { len: 64, conns: 64 },
    ),
    (
        "text64k",
        "64 KiB text",
        Workload::Large {
            len: 64 << 10,
            text: true,
        },
    ),
    (
        "bin1m",
        "1 MiB binary",
        Workload::Large {
            len: 1 << 20,
            text: false,
        },
    ),
    (
        "bin16m",
        "16 MiB binary",
        Workload::Large {
            len: 16 << 20,
            text: false,
        },
    ),
    (
        "handshakes",
        "handshakes (TCP: connect)",
        Workload::Handshakes,
    ),
];

/// Where `--pin` puts the load generator and the servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pin {
    /// All on one core: a message goes from client to server by a switch of
    /// threads on that core, never by waking another core.
    Same,
    /// The servers on one core, the load generator on the others.
    Apart,
    /// Wherever the scheduler puts them.
    Off,
}

impl Parse for Pin {
    const PLACEHOLDER: &'static str = "same|apart|none";
    fn parse(text: &str) -> Result<Pin, String> {
        match text {
            "same" => Ok(Pin::Same),
            "apart" => Ok(Pin::Apart),
            "none" => Ok(Pin::Off),
            _ => Err("same, apart or none".into()),
        }
    }
    fn show(&self) -> String {
        match self {
            Pin::Same => "same",
            Pin::Apart => "apart",
            Pin::Off => "none",
        }
        .into()
    }
}

struct Options {
    rounds: usize,
    quick: bool,
    pin: Pin,
    round: Duration,
    only: Option<Vec<String>>,
    chat_members: Vec<usize>,
    chat_messages: usize,
    verbose: bool,
    candidate: Option<String>,
}

impl Options {
    fn wants(&self, key: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|k| k == key))
    }
}

fn main() {
    let mut quick = false;
    let mut rounds: Option<usize> = None;
    let mut seconds: Option<Duration> = None;
    let mut only: Vec<String> = Vec::new();
    let mut chat_members: Option<Vec<usize>> = None;
    let mut chat_messages: Option<usize> = None;
    let mut verbose = false;
    let mut candidate: Option<Program> = None;
    let mut scale: Option<usize> = None;
    let mut server = Program("wslab".into());
    let mut addr: Option<SocketAddr> = None;
    let mut tcp = false;
    let mut tcp_store = false;
    let mut count: u64 = 10_000;
    let mut pin = Pin::Same;
    let help = Flags::new("bench_load", ABOUT)
        .flag(
            "--quick",
            "one round of 0.3s, fewer chat members: a smoke check that every server \
             answers, no figures",
            &mut quick,
        )
        .flag(
            "--rounds",
            "rounds per workload and server, up to 99 (default: six times the number of \
             servers, so that each goes first equally often)",
            &mut rounds,
        )
        .flag(
            "--seconds",
            "length of one round, up to 1m (default 0.15s; 0.3s with --quick)",
            &mut seconds,
        )
        .flag(
            "--pin",
            "the cores: the load generator and the servers on the same one, apart \
             (servers on the last core, the load generator on the others), or none",
            &mut pin,
        )
        .flag(
            "--only",
            "the workloads: pingpong, pipelined, conns, text64k, bin1m, bin16m, \
             handshakes, chat (default: all); with --scale, the servers: wslab, \
             tungstenite, tokio-tungstenite",
            &mut only,
        )
        .flag(
            "--chat-members",
            "room sizes for the fan-out (default 100,300,1000; 100,1000 with --quick)",
            &mut chat_members,
        )
        .flag(
            "--chat-messages",
            "messages per room size, up to 100 (default 10; 3 with --quick)",
            &mut chat_messages,
        )
        .flag(
            "--verbose",
            "print every round's numbers to stderr",
            &mut verbose,
        )
        .flag(
            "--candidate",
            "also run this build of wslab, first, and compare it with the others (to \
             measure a change before and after)",
            &mut candidate,
        )
        .flag(
            "--scale",
            "instead: up to N idle connections to each server, in steps from 1000",
            &mut scale,
        )
        .flag(
            "--server",
            "with --scale: the wslab build to measure",
            &mut server,
        )
        .flag(
            "--addr",
            "instead: drive the server at this address",
            &mut addr,
        )
        .flag(
            "--tcp",
            "with --addr: the server is a raw TCP echo",
            &mut tcp,
        )
        .flag(
            "--tcp-store",
            "with --addr: the server is a raw TCP store-and-forward echo",
            &mut tcp_store,
        )
        .flag(
            "--count",
            "with --addr: round trips per workload",
            &mut count,
        )
        .parse_env();
    let round = seconds.unwrap_or(Duration::from_millis(if quick { 300 } else { 150 }));
    if !(Duration::from_millis(10)..=Duration::from_secs(60)).contains(&round) {
        let error = CliError::InvalidValue {
            flag: "--seconds".into(),
            value: round.show(),
            expected: "between 10ms and 1m".into(),
        };
        cli::exit_with(&error, &help);
    }
    let options = Options {
        // 0: as many rounds as `run_comparison` finds fair for its servers.
        rounds: rounds.unwrap_or(0).min(99),
        quick,
        pin,
        round,
        only: Some(only).filter(|only| !only.is_empty()),
        chat_members: chat_members.unwrap_or(if quick {
            vec![100, 1000]
        } else {
            vec![100, 300, 1000]
        }),
        chat_messages: chat_messages.unwrap_or(if quick { 3 } else { 10 }).min(100),
        verbose,
        candidate: candidate.map(|program| program.0),
    };
    let result = if let Some(addr) = addr {
        let proto = match (tcp, tcp_store) {
            (_, true) => Proto::TcpStore,
            (true, false) => Proto::Tcp,
            (false, false) => Proto::WebSocket,
        };
        drive(addr, proto, count, &options)
    } else if let Some(n) = scale {
        run_scale(n, &server.0, &options)
    } else {
        run_comparison(&options)
    };
    if let Err(error) = result {
        eprintln!("bench_load: {error}");
        std::process::exit(1);
    }
}

/// One round against one server: what the client saw, the CPU time the
/// server and the load generator used meanwhile, and the wall-clock time all
/// that took, setup included.
#[derive(Debug, Clone, Copy)]
struct Round {
    sample: Sample,
    server_cpu: Duration,
    client_cpu: Duration,
    wall: Duration,
}

impl Round {
    /// Server CPU per round trip, in microseconds.
    fn cpu_micros(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.sample.round_trips.max(1) as f64
    }

    /// The load generator's CPU per round trip, in microseconds.
    fn client_micros(&self) -> f64 {
        self.client_cpu.as_secs_f64() * 1e6 / self.sample.round_trips.max(1) as f64
    }

    /// The share of one core that the load generator and the server got:
    /// their CPU time over the wall-clock time. With a core to themselves,
    /// pinned to it together, they keep it busy and get 1.
    fn share(&self) -> f64 {
        let cpu = (self.client_cpu + self.server_cpu).as_secs_f64();
        (cpu / self.wall.as_secs_f64()).clamp(0.01, 1.0)
    }

    /// Round trips per second; `per_core`, divided by the share of the core
    /// the round got: what it would have done with the core to itself.
    fn rate(&self, per_core: bool) -> f64 {
        if per_core {
            self.sample.per_second() / self.share()
        } else {
            self.sample.per_second()
        }
    }
}

/// Runs `workload` `rounds` times against every server, after one short
/// warm-up run each that also checks the echo. Each round starts with the next
/// server (A B C, B C A, C A B, …), so that whatever going first is worth is
/// shared out evenly.
fn measure(
    servers: &[Server],
    workload: Workload,
    rounds_wanted: usize,
    options: &Options,
) -> io::Result<Vec<Vec<Round>>> {
    let max = workload.max_per_round();
    let warm_up = Limit {
        budget: options.round / 5,
        max,
    };
    for server in servers {
        workload.run(server.addr, server.proto, warm_up, true)?;
    }
    let limit = Limit {
        budget: options.round,
        max,
    };
    let mut rounds = vec![Vec::new(); servers.len()];
    for round_number in 0..rounds_wanted {
        for place in 0..servers.len() {
            let which = (round_number + place) % servers.len();
            let server = &servers[which];
            let cpu_before = (server.cpu_time()?, servers::own_cpu_time()?);
            let began = Instant::now();
            let sample = workload.run(server.addr, server.proto, limit, false)?;
            let round = Round {
                sample,
                wall: began.elapsed(),
                server_cpu: server.cpu_time()?.saturating_sub(cpu_before.0),
                client_cpu: servers::own_cpu_time()?.saturating_sub(cpu_before.1),
            };
            if options.verbose {
                eprintln!(
                    "  {:<17} {:>12.1}/s  core share {:.2}  {sample:?}",
                    server.name,
                    sample.per_second(),
                    round.share()
                );
            }
            rounds[which].push(round);
        }
    }
    Ok(rounds)
}

/// The `q` quantile of `values` (0.5 is the median), interpolated between the
/// two nearest values when it falls between them.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = q * (sorted.len() - 1) as f64;
    let (below, above) = (at.floor() as usize, at.ceil() as usize);
    sorted[below] + (sorted[above] - sorted[below]) * (at - below as f64)
}

fn median(values: Vec<f64>) -> f64 {
    quantile(&values, 0.5)
}

/// A ratio is too wide to trust when its 95 % interval spans more than this
/// fraction of it: then a 10 % target, or the A/A check's ±10 %, could come
/// out either way by the luck of the rounds.
const TOO_WIDE: f64 = 0.10;

/// One server's rate over another's in one workload: the median of the
/// per-round ratios (round i of one against round i of the other, run
/// moments apart), and a 95 % confidence interval for it, `low..=high`.
#[derive(Debug, Clone, Copy)]
struct Ratio {
    median: f64,
    low: f64,
    high: f64,
}

impl Ratio {
    fn of(a: &[Round], b: &[Round], per_core: bool) -> Ratio {
        let mut per_round: Vec<f64> = a
            .iter()
            .zip(b)
            .map(|(a, b)| a.rate(per_core) / b.rate(per_core))
            .collect();
        per_round.sort_by(f64::total_cmp);
        let k = interval_rank(per_round.len());
        Ratio {
            median: quantile(&per_round, 0.5),
            low: per_round[k - 1],
            high: per_round[per_round.len() - k],
        }
    }

    fn too_wide(&self) -> bool {
        self.high - self.low > TOO_WIDE * self.median
    }

    /// `1.02 [0.98-1.05]`, with a `?` after it when too wide to trust.
    fn cell(&self) -> String {
        let mark = if self.too_wide() { "?" } else { " " };
        format!(
            "{:.2} [{:.2}-{:.2}]{mark}",
            self.median, self.low, self.high
        )
    }
}

/// The sign test's interval for a median: of `n` values sorted, the `k`th
/// lowest to the `k`th highest. Each per-round ratio falls below the true
/// median with a chance of one half, so how many fall below it is a count of
/// heads in `n` tosses of a coin. `k` is the largest count for which fewer
/// than `k` heads, or fewer than `k` tails, each have a chance of at most
/// 2.5 %: then the true median lies in the interval with a chance of at least
/// 95 %. With 36 rounds, `k` is 12. Too few rounds for 95 % give 1: all of them.
fn interval_rank(n: usize) -> usize {
    let mut below = 0.0; // the chance of fewer than k heads
    let mut k = 0;
    loop {
        let exactly_k = binomial(n, k) / 2f64.powi(n as i32);
        if below + exactly_k > 0.025 {
            return k.max(1);
        }
        below += exactly_k;
        k += 1;
    }
}

/// 1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, … 21st.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// n choose k.
fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64)
}

/// A column of ratios: as wide as its title, and room for `1.02 [0.98-1.05]?`.
fn ratio_width(title: &str) -> usize {
    title.len().max(20) + 2
}

fn number(value: f64) -> String {
    if value >= 1000.0 {
        scale::number(value)
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// The names of the servers besides wslab: the A/A twin and the four others.
const TWIN: &str = "wslab-2";
const TOKIO: &str = "tokio-tungstenite";
const CUT_THROUGH: &str = "tcp-cut-through";
const STORE: &str = "tcp-store-fwd";

/// Pins this process as `pin` says. Returns the cores for the servers, if
/// pinned, and a line that says where everything runs.
fn pin_cores(pin: Pin) -> (Option<String>, String) {
    let cpus = servers::allowed_cpus();
    let (Some(&last), false) = (cpus.last(), pin == Pin::Off) else {
        return (None, "none: the scheduler places every process".into());
    };
    let client = match pin {
        Pin::Apart if cpus.len() < 2 => {
            return (None, "none: --pin apart needs two cores".into());
        }
        Pin::Apart => {
            let others: Vec<String> = cpus[..cpus.len() - 1]
                .iter()
                .map(usize::to_string)
                .collect();
            others.join(",")
        }
        _ => last.to_string(),
    };
    if let Err(error) = servers::pin_self(&client) {
        return (None, format!("none: cannot pin with taskset: {error}"));
    }
    let line = match pin {
        Pin::Apart => format!("servers on core {last}, the load generator on core(s) {client}"),
        _ => format!("the load generator and every server on core {last}"),
    };
    (Some(last.to_string()), line)
}

fn run_comparison(options: &Options) -> io::Result<()> {
    let began = Instant::now();
    let machine = servers::machine();
    let all_cpus = servers::allowed_cpus();
    let (server_cpus, pinning) = pin_cores(options.pin);
    // The chat fan-out runs wslab alone, with nothing to compare: on every core.
    let unpin = || -> io::Result<()> {
        if server_cpus.is_some() {
            let all: Vec<String> = all_cpus.iter().map(usize::to_string).collect();
            servers::pin_self(&all.join(","))?;
        }
        Ok(())
    };
    let mut servers = Vec::new();
    let mut start = |name, proto, program: &str, protocol: Option<&str>| -> io::Result<()> {
        let extra: Vec<String> =
            protocol.map_or(Vec::new(), |p| vec!["--protocol".into(), p.into()]);
        let cpus = server_cpus.as_deref();
        servers.push(Server::start_on(name, proto, program, &extra, cpus)?);
        Ok(())
    };
    if let Some(candidate) = &options.candidate {
        start("candidate", Proto::WebSocket, candidate, None)?;
    }
    start("wslab", Proto::WebSocket, "wslab", None)?;
    start(TWIN, Proto::WebSocket, "wslab", None)?;
    start(
        "tungstenite",
        Proto::WebSocket,
        "bench_echo",
        Some("tungstenite"),
    )?;
    start(
        TOKIO,
        Proto::WebSocket,
        "bench_echo",
        Some("tokio-tungstenite"),
    )?;
    start(CUT_THROUGH, Proto::Tcp, "bench_echo", Some("tcp"))?;
    start(STORE, Proto::TcpStore, "bench_echo", Some("tcp-store"))?;
    let names: Vec<&str> = servers.iter().map(|s| s.name).collect();
    let subject = names[0];
    // Pinned to one core together, a round keeps that core busy, so the share
    // of it the round got measures what other programs took.
    let per_core = server_cpus.is_some() && options.pin == Pin::Same;
    let rounds_wanted = match options.rounds {
        0 if options.quick => 1,
        0 => 6 * servers.len(),
        n => n,
    };
    println!("machine: {machine}");
    println!("pinning: {pinning}");
    println!(
        "method: {rounds_wanted} {} of {:.2} s per workload and server; servers {}, each round starting with the next",
        if rounds_wanted == 1 { "round" } else { "rounds" },
        options.round.as_secs_f64(),
        names.join(", ")
    );
    let width = |name: &str| name.len().max(11) + 2;
    let mut header = format!("{:<26}", "workload");
    for name in &names {
        header += &format!("{name:>w$}", w = width(name));
    }
    let cpu_header = header.clone();
    if per_core && !options.quick {
        header += "  core share";
    }
    if options.quick {
        println!(
            "\nsmoke check (--quick): each server echoed each workload byte for byte, then ran \
             one short round.\nThe counts below say only that it kept answering: they are \
             not figures, and no ratio or target is claimed.\n"
        );
        println!(
            "round trips in one round of {:.1} s",
            options.round.as_secs_f64()
        );
    } else if per_core {
        println!(
            "\nround trips per second (messages echoed), the median of the rounds, each round's \
             rate divided by\nits core share: the CPU time the load generator and the server \
             used over the round's wall-clock time.\nOn a quiet machine the share is 1 and the \
             rate is as measured; the rest of the core went to other programs.\n"
        );
    } else {
        println!("\nround trips per second (messages echoed), the median of the rounds\n");
    }
    println!("{header}");
    let mut results = Vec::new();
    for (key, label, workload) in WORKLOADS {
        if !options.wants(key) {
            continue;
        }
        let rounds = measure(&servers, workload, rounds_wanted, options)?;
        let mut line = format!("{label:<26}");
        for (name, rounds) in names.iter().zip(&rounds) {
            let value = if options.quick {
                rounds[0].sample.round_trips.to_string()
            } else {
                number(median(rounds.iter().map(|r| r.rate(per_core)).collect()))
            };
            line += &format!("{value:>w$}", w = width(name));
        }
        if per_core && !options.quick {
            let shares = rounds.iter().flatten().map(Round::share).collect();
            line += &format!("{:>12.2}", median(shares));
        }
        println!("{line}");
        results.push((key, label, rounds));
    }
    drop(servers);
    if options.quick {
        if options.wants("chat") {
            unpin()?;
            run_chat(options)?;
        }
        println!("\nsmoke check passed in {}", minutes(began.elapsed()));
        return Ok(());
    }

    println!(
        "\n{subject}'s ratio to each: the median of the per-round ratios [its 95 % confidence \
         interval: of the {rounds_wanted} ratios,\nthe {k} lowest to the {k} highest]; ? = too \
         wide to trust: the interval spans more than {:.0} % of the ratio\n",
        TOO_WIDE * 100.0,
        k = ordinal(interval_rank(rounds_wanted)),
    );
    let mut header = format!("{:<26}", "workload");
    for name in &names[1..] {
        let title = format!("{subject}/{name}");
        header += &format!("{title:>w$}", w = ratio_width(&title));
    }
    println!("{header}");
    let mut ratios = Vec::new();
    for (key, label, rounds) in &results {
        let mut line = format!("{label:<26}");
        for (other, name) in names.iter().enumerate().skip(1) {
            let ratio = Ratio::of(&rounds[0], &rounds[other], per_core);
            let w = ratio_width(&format!("{subject}/{name}"));
            line += &format!("{:>w$}", ratio.cell());
            ratios.push((*key, *name, ratio));
        }
        println!("{line}");
    }

    println!(
        "\nserver CPU time per round trip, in microseconds: the median of the rounds \
         (the server's CPU clock, setup included)\n"
    );
    println!("{cpu_header}");
    for (_, label, rounds) in &results {
        let mut line = format!("{label:<26}");
        for (name, rounds) in names.iter().zip(rounds) {
            let micros = median(rounds.iter().map(Round::cpu_micros).collect());
            line += &format!("{:>w$}", number(micros), w = width(name));
        }
        println!("{line}");
    }
    println!(
        "\nthe load generator's CPU time per round trip against each server, in microseconds: \
         the median of the rounds\n"
    );
    println!("{cpu_header}");
    for (_, label, rounds) in &results {
        let mut line = format!("{label:<26}");
        for (name, rounds) in names.iter().zip(rounds) {
            let micros = median(rounds.iter().map(Round::client_micros).collect());
            line += &format!("{:>w$}", number(micros), w = width(name));
        }
        println!("{line}");
    }

    let twin = names
        .iter()
        .position(|n| *n == "wslab")
        .expect("wslab runs");
    let a_a: Vec<(&str, Ratio)> = results
        .iter()
        .map(|(key, _, rounds)| (*key, Ratio::of(&rounds[twin], &rounds[twin + 1], per_core)))
        .collect();
    let mut chat_p95 = Vec::new();
    if options.wants("chat") {
        unpin()?;
        chat_p95 = run_chat(options)?;
    }
    let share = per_core.then(|| {
        let all = results
            .iter()
            .flat_map(|(_, _, rounds)| rounds.iter().flatten());
        median(all.map(Round::share).collect())
    });
    print_spread(&ratios, share);
    print_targets(subject, &ratios, &a_a, &chat_p95);
    println!("\nthis run took {}", minutes(began.elapsed()));
    Ok(())
}

fn minutes(time: Duration) -> String {
    let seconds = time.as_secs();
    format!("{}m {:02}s", seconds / 60, seconds % 60)
}

fn run_chat(options: &Options) -> io::Result<Vec<(usize, f64)>> {
    println!(
        "\nchat fan-out, /chat of {}, not pinned: one message from one member to N others; \
         medians over {} messages, in ms",
        options.candidate.as_deref().unwrap_or("wslab"),
        options.chat_messages
    );
    println!(
        "{:>8} {:>8} {:>8} {:>8} {:>8}",
        "members", "p50", "p95", "max", "missed"
    );
    let limit = servers::open_files_limit().unwrap_or(0) as usize;
    let mut p95s = Vec::new();
    for &members in &options.chat_members {
        // The server holds a socket per member, the client a socket and a clone.
        if limit < 2 * members + 100 {
            println!(
                "{members:>8}  skipped: `ulimit -n` is {limit}, this needs {}",
                2 * members + 100
            );
            continue;
        }
        let program = options.candidate.as_deref().unwrap_or("wslab");
        let server = Server::start("wslab", Proto::WebSocket, program, &[])?;
        let fan_outs = chat::fan_out(server.addr, members, options.chat_messages)?;
        let ms = |q: f64| {
            median(
                fan_outs
                    .iter()
                    .map(|f| f.quantile(q).as_secs_f64() * 1e3)
                    .collect(),
            )
        };
        let missed: usize = fan_outs.iter().map(|f| f.missing).sum();
        println!(
            "{members:>8} {:>8.2} {:>8.2} {:>8.2} {missed:>8}",
            ms(0.5),
            ms(0.95),
            ms(1.0)
        );
        p95s.push((members, ms(0.95)));
    }
    Ok(p95s)
}

/// Says how many ratios are too wide to trust, and what to do about it.
/// With `share`, the median core share of the rounds, also says how much of
/// the core other programs took.
fn print_spread(ratios: &[(&str, &str, Ratio)], share: Option<f64>) {
    if let Some(share) = share {
        println!(
            "\ncore share: the load generator and the servers got {:.0} % of their core, the \
             median of all rounds;\nother programs took the rest. The rates above are scaled \
             to a whole core.",
            share * 100.0
        );
        if share < 0.5 {
            println!(
                "WARNING: other programs took most of the core. Scaling takes out the time \
                 they took, not the\ncaches they emptied or the wake-ups they delayed: \
                 trust these figures less."
            );
        }
    }
    let wide: Vec<String> = ratios
        .iter()
        .filter(|(_, _, ratio)| ratio.too_wide())
        .map(|(key, other, _)| format!("{key}/{other}"))
        .collect();
    if wide.is_empty() {
        println!(
            "\nspread: every ratio's 95 % interval spans at most {:.0} % of it",
            TOO_WIDE * 100.0
        );
    } else {
        println!(
            "\nWARNING: {} of {} ratios are too wide to trust (marked ?): {}.\n\
             Their rounds disagree, more than this many rounds can settle. Run again with \
             more --rounds\n(four times as many halve the interval), or when the machine \
             is quieter.",
            wide.len(),
            ratios.len(),
            wide.join(", ")
        );
    }
}

/// The targets of issues 6 and 16, read off the ratios above. Printed, never
/// asserted: a shared machine's timing is no test.
fn print_targets(
    subject: &str,
    ratios: &[(&str, &str, Ratio)],
    a_a: &[(&str, Ratio)],
    chat_p95: &[(usize, f64)],
) {
    println!("\ntargets, from this run's ratios:");
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    let outside: Vec<String> = a_a
        .iter()
        .filter(|(_, r)| !(0.9..=1.1).contains(&r.median))
        .map(|(key, r)| format!("{key} {:.2}", r.median))
        .collect();
    let (low, high) = a_a
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(low, high), (_, r)| {
            (low.min(r.median), high.max(r.median))
        });
    let missed = if outside.is_empty() {
        String::new()
    } else {
        format!(", outside: {}", outside.join(", "))
    };
    println!(
        "  A/A         wslab/{TWIN} within 0.90-1.10 on every workload ({low:.2} to {high:.2}): {}{missed}",
        verdict(outside.is_empty()),
    );
    for (key, other, ratio) in ratios {
        let target = match (*key, *other) {
            (_, TOKIO) => 1.0,
            ("pipelined", "tungstenite") => 1.5,
            (_, "tungstenite") => 1.0,
            ("bin1m" | "bin16m", STORE) => 0.9,
            _ => continue,
        };
        let close_call = if (ratio.low..=ratio.high).contains(&target) {
            format!(
                " (too close to call: the interval {:.2}-{:.2} holds it)",
                ratio.low, ratio.high
            )
        } else {
            String::new()
        };
        println!(
            "  {key:<11} {subject}/{other:<18} {:.3} >= {target:.1}: {}{close_call}",
            ratio.median,
            verdict(ratio.median >= target)
        );
    }
    if let Some((members, p95)) = chat_p95.iter().find(|(m, _)| *m >= 1000) {
        println!(
            "  chat        p95 to {members} members {p95:.1} ms < 50 ms: {}",
            verdict(*p95 < 50.0)
        );
    }
}

/// Runs each chosen workload once against a server started by hand: a
/// fixed amount of work, for a profiler's counts.
fn drive(addr: SocketAddr, proto: Proto, count: u64, options: &Options) -> io::Result<()> {
    let limit = Limit {
        budget: Duration::from_secs(120),
        max: count,
    };
    for (key, label, workload) in WORKLOADS {
        if options.wants(key) {
            let limit = match workload {
                Workload::Connections { .. } => Limit {
                    budget: options.round,
                    ..limit
                },
                _ => limit,
            };
            let sample = workload.run(addr, proto, limit, true)?;
            println!(
                "{label}: {} round trips in {:.3} s",
                sample.round_trips,
                sample.elapsed.as_secs_f64()
            );
        }
    }
    Ok(())
}

fn run_scale(n: usize, program: &str, options: &Options) -> io::Result<()> {
    let plan = scale::Plan {
        max: n.max(1),
        wslab: program.to_string(),
        rounds: if options.quick { 1 } else { 3 },
        round: options.round,
        only: options.only.clone().unwrap_or_default(),
    };
    scale::run(&plan)
}
