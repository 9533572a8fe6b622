//! Scale (`make bench-scale`): for each server in turn, idle WebSocket
//! connections held open by the thousand, and at each step the server's
//! resident memory per connection (`/proc/PID/smaps`), the rate at which the
//! step's connections were opened, and the round-trip rate of 64 more, active
//! connections while the idle ones are held. A server that stops taking
//! connections ends its curve there, and the run says what it was refused by.

use crate::idle::{self, Pool};
use crate::servers;
use crate::svg::{self, Panel, Series};
use crate::workloads::{Limit, Workload};
use std::fs;
use std::io::{self, BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::client::Proto;

/// The steps of the curve, up to the number asked for.
const STEPS: [usize; 7] = [1_000, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000];

/// The active connections measured at each step.
const ACTIVE: Workload = Workload::Connections { len: 64, conns: 64 };
const ACTIVE_CONNS: usize = 64;

/// Descriptors the load generator keeps for itself beyond the idle
/// connections: the active ones, the servers' pipes, files in `/proc`.
const OWN_FDS: usize = 200;

/// The stack each connection's thread asks for in wslab and the tungstenite
/// echo: the size of the mappings counted as thread stacks.
const STACK_SIZE: u64 = 256 * 1024;

/// What the run is asked to do.
pub struct Plan {
    /// The most idle connections to try.
    pub max: usize,
    /// The wslab build: `wslab`, or a path.
    pub wslab: String,
    /// Rounds of the active connections per step, and their length.
    pub rounds: usize,
    pub round: Duration,
    /// The servers to measure, by name; all if empty.
    pub only: Vec<String>,
}

/// A server under test: a process of its own with its log collected, so that
/// its refusals can be quoted.
struct Subject {
    addr: SocketAddr,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Subject {
    fn start(name: &'static str, program: &str, extra: &[String]) -> io::Result<Subject> {
        let path = servers::program(program)?;
        for _attempt in 0..5 {
            let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
            let mut child = Command::new(&path)
                .arg("--addr")
                .arg(addr.to_string())
                .args(extra)
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()?;
            let log = Arc::new(Mutex::new(Vec::new()));
            let stderr = BufReader::new(child.stderr.take().expect("piped"));
            let for_reader = Arc::clone(&log);
            // Reads the log to its end, so the server never blocks on a full pipe.
            thread::spawn(move || {
                for line in stderr.lines().map_while(Result::ok) {
                    let mut log = for_reader.lock().unwrap_or_else(|p| p.into_inner());
                    if log.len() < 1000 {
                        log.push(line);
                    }
                }
            });
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if child.try_wait()?.is_some() {
                    break; // it could not bind: try another port
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Ok(Subject { addr, child, log });
                }
                thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        Err(io::Error::other(format!("{name} did not start")))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for Subject {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `/proc` says about a server.
#[derive(Debug, Default, Clone, Copy)]
struct Snapshot {
    /// Resident memory, KiB: all of it, in thread stacks, in the rest of the
    /// anonymous mappings (heap, arenas).
    rss: u64,
    stacks: u64,
    heap: u64,
    threads: u64,
    maps: u64,
    fds: u64,
}

fn snapshot(pid: u32) -> io::Result<Snapshot> {
    let mut snap = Snapshot {
        rss: servers::status_field(pid, "VmRSS")?,
        threads: servers::status_field(pid, "Threads")?,
        fds: fs::read_dir(format!("/proc/{pid}/fd"))?.count() as u64,
        ..Snapshot::default()
    };
    let smaps = fs::read_to_string(format!("/proc/{pid}/smaps"))?;
    let (mut size, mut anonymous) = (0, false);
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let first = fields.next().unwrap_or_default();
        if let Some((start, end)) = first.split_once('-') {
            if let (Ok(start), Ok(end)) =
                (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
            {
                snap.maps += 1;
                size = end - start;
                let rest: Vec<&str> = fields.collect();
                anonymous = rest.len() < 5 || rest[4] == "[heap]";
                continue;
            }
        }
        if first == "Rss:" && anonymous {
            let kib: u64 = fields.next().and_then(|k| k.parse().ok()).unwrap_or(0);
            // A thread's stack is one mapping of the size asked for, its guard page apart.
            if size == STACK_SIZE {
                snap.stacks += kib;
            } else {
                snap.heap += kib;
            }
        }
    }
    Ok(snap)
}

/// The machine's limits on threads and descriptors, and its tasks now.
struct Kernel {
    pid_max: u64,
    threads_max: u64,
    max_map_count: u64,
}

fn sysctl(name: &str) -> u64 {
    let path = format!("/proc/sys/{}", name.replace('.', "/"));
    fs::read_to_string(path)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0)
}

/// Threads on the whole machine: the fourth field of `/proc/loadavg`, "running/total".
fn tasks() -> u64 {
    let loadavg = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    loadavg
        .split_whitespace()
        .nth(3)
        .and_then(|f| f.split_once('/'))
        .and_then(|(_, total)| total.parse().ok())
        .unwrap_or(0)
}

/// One step of a curve.
struct Point {
    /// The step it was for, and the idle connections it reached.
    step: usize,
    idle: usize,
    opened_per_second: f64,
    snap: Snapshot,
    /// Memory per idle connection, KiB: all, stacks, the rest.
    per_conn: (f64, f64, f64),
    /// Round trips per second of the active connections, per round.
    rates: Vec<f64>,
    /// Idle connections during the rates, when fewer than `idle`.
    idle_during_rates: Option<usize>,
}

/// Where a server stopped taking connections, with the evidence.
struct End {
    held: usize,
    /// What the client got.
    refused: String,
    failures: usize,
    /// The server's log lines about it.
    log: Vec<String>,
    /// Its state then, if it was still running.
    then: Option<Snapshot>,
    tasks: u64,
    died: Option<String>,
    /// After making room: whether new connections were served.
    still_serving: Option<String>,
}

struct Curve {
    name: &'static str,
    points: Vec<Point>,
    end: Option<End>,
    /// A failure of the run itself, not of the server.
    error: Option<String>,
}

pub fn run(plan: &Plan) -> io::Result<()> {
    let (limit, why) = idle::raise_open_files_limit();
    let kernel = Kernel {
        pid_max: sysctl("kernel.pid_max"),
        threads_max: sysctl("kernel.threads-max"),
        max_map_count: sysctl("vm.max_map_count"),
    };
    let capacity = capacity(limit);
    let mut steps: Vec<usize> = STEPS.iter().copied().filter(|&s| s < plan.max).collect();
    steps.push(plan.max);
    if plan.max > capacity {
        steps.retain(|&s| s < capacity);
        steps.push(capacity);
    }
    println!("machine: {}", servers::machine());
    println!(
        "limits: open files {limit} for the load generator and each server ({why}); \
         vm.max_map_count {}; kernel.pid_max {} ({} threads on the machine now); \
         kernel.threads-max {}",
        kernel.max_map_count,
        kernel.pid_max,
        tasks(),
        kernel.threads_max
    );
    if plan.max > capacity {
        println!(
            "{} idle connections asked for; the open-files limit leaves room for {} \
             (and {ACTIVE_CONNS} active ones) in one process",
            number(plan.max as f64),
            number(capacity as f64)
        );
    }
    println!(
        "method: each server alone, idle connections to /echo opened {} at a time from \
         127.0.0.2, 127.0.0.3, ... ({} per address), each checked with one echo, its Pings answered; at each step, \
         resident memory from /proc/PID/smaps, then {ACTIVE_CONNS} more connections \
         ping-pong 64 B for {} rounds of {:.1} s (median [min-max])",
        idle::WINDOW,
        number(idle::PER_SOURCE as f64),
        plan.rounds,
        plan.round.as_secs_f64()
    );
    let subjects: [(&'static str, &str, Vec<String>, &str); 3] = [
        (
            "wslab",
            plan.wslab.as_str(),
            vec!["--max-connections".into(), "1000000".into()],
            "a thread per connection, 256 KiB stacks; --max-connections 1000000",
        ),
        (
            "tungstenite",
            "bench_echo",
            vec!["--protocol".into(), "tungstenite".into()],
            "a thread per connection, 256 KiB stacks",
        ),
        (
            "tokio-tungstenite",
            "bench_echo",
            vec!["--protocol".into(), "tokio-tungstenite".into()],
            "a task per connection on tokio's multi-threaded runtime",
        ),
    ];
    let started = Instant::now();
    let mut curves = Vec::new();
    for (name, program, extra, what) in subjects {
        if !plan.only.is_empty() && !plan.only.iter().any(|o| o == name) {
            continue;
        }
        println!("\n{name} ({what})");
        let curve = measure(name, program, &extra, &steps, plan, &kernel);
        curves.push(curve);
    }
    print_summary(&curves, &steps);
    print_ceilings(&curves, &kernel);
    print_targets(&curves, plan.max, limit, &kernel);
    let path = write_chart(&curves)?;
    println!(
        "\nchart: {} ({:.0} s in all)",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs the active connections for `plan.rounds` rounds while the pool keeps
/// answering the idle ones, and adds each round's rate to `rates`.
fn active_rates(
    pool: &mut Pool,
    addr: SocketAddr,
    plan: &Plan,
    rates: &mut Vec<f64>,
) -> io::Result<()> {
    let round = Limit {
        budget: plan.round,
        max: u64::MAX,
    };
    for _ in 0..plan.rounds {
        let stop = AtomicBool::new(false);
        let sample = thread::scope(|scope| {
            let holder = scope.spawn(|| pool.serve_until(&stop));
            let sample = ACTIVE.run(addr, Proto::WebSocket, round, false);
            stop.store(true, Ordering::Relaxed);
            let _ = holder.join();
            sample
        });
        rates.push(sample?.per_second());
    }
    Ok(())
}

/// The idle connections one process may open under an open-files limit,
/// keeping room for the active ones and its own.
fn capacity(limit: u64) -> usize {
    (limit as usize).saturating_sub(ACTIVE_CONNS + OWN_FDS) / 100 * 100
}

fn measure(
    name: &'static str,
    program: &str,
    extra: &[String],
    steps: &[usize],
    plan: &Plan,
    kernel: &Kernel,
) -> Curve {
    let mut curve = Curve {
        name,
        points: Vec::new(),
        end: None,
        error: None,
    };
    let mut subject = match Subject::start(name, program, extra) {
        Ok(subject) => subject,
        Err(error) => {
            curve.error = Some(error.to_string());
            println!("  could not start: {error}");
            return curve;
        }
    };
    let warm_up = Limit {
        budget: plan.round / 5,
        max: u64::MAX,
    };
    if let Err(error) = ACTIVE.run(subject.addr, Proto::WebSocket, warm_up, false) {
        curve.error = Some(format!("the active connections failed: {error}"));
        println!("  the active connections failed: {error}");
        return curve;
    }
    thread::sleep(Duration::from_millis(300));
    let Ok(base) = snapshot(subject.pid()) else {
        curve.error = Some("cannot read /proc".into());
        return curve;
    };
    println!(
        "{:>8} {:>10} {:>9} {:>7} {:>7} {:>8} {:>8} {:>8}   {ACTIVE_CONNS} active: rt/s [range]",
        "idle", "opened/s", "KiB/conn", "stack", "rest", "threads", "maps", "fds",
    );
    println!(
        "{:>8} {:>10} {:>9} {:>7} {:>7} {:>8} {:>8} {:>8}   (RSS {} KiB)",
        0, "-", "-", "-", "-", base.threads, base.maps, base.fds, base.rss
    );
    let mut pool = Pool::new(subject.addr);
    for &step in steps {
        let before = pool.open();
        let opened = pool.open_until(step);
        let mut end = None;
        if let Some(refused) = &opened.refused {
            // The first refusal: the state of things before anything changes.
            end = Some(End {
                held: pool.open(),
                refused: refused.clone(),
                failures: opened.failures,
                log: Vec::new(),
                then: snapshot(subject.pid()).ok(),
                tasks: tasks(),
                died: None,
                still_serving: None,
            });
        }
        let answered = pool.echo_from(before);
        let held = pool.open();
        thread::sleep(Duration::from_millis(500));
        let died = subject.exited();
        if let Some(end) = &mut end {
            end.died = died.map(|status| describe(&status));
            end.log = subject.log();
            if died.is_none() {
                end.held = held;
            }
        }
        if died.is_some() {
            let end = end.unwrap_or_else(|| End {
                held: 0,
                refused: "nothing: the server died while idle".into(),
                failures: 0,
                log: subject.log(),
                then: None,
                tasks: tasks(),
                died: died.map(|status| describe(&status)),
                still_serving: None,
            });
            print_end(&end, kernel);
            curve.end = Some(end);
            return curve;
        }
        let snap = match snapshot(subject.pid()) {
            Ok(snap) => snap,
            Err(error) => {
                curve.error = Some(format!("cannot read /proc: {error}"));
                return curve;
            }
        };
        let per = |now: u64, then: u64| now.saturating_sub(then) as f64 / held.max(1) as f64;
        let mut point = Point {
            step,
            idle: held,
            opened_per_second: opened.count as f64 / opened.elapsed.as_secs_f64(),
            snap,
            per_conn: (
                per(snap.rss, base.rss),
                per(snap.stacks, base.stacks),
                per(snap.heap, base.heap),
            ),
            rates: Vec::new(),
            idle_during_rates: None,
        };
        if end.is_some() {
            // At the limit, the active connections need room of their own.
            pool.close_some(ACTIVE_CONNS + 16);
            let wanted = point.snap.threads.saturating_sub(ACTIVE_CONNS as u64);
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline
                && servers::status_field(subject.pid(), "Threads").unwrap_or(0) > wanted
            {
                thread::sleep(Duration::from_millis(50));
            }
            point.idle_during_rates = Some(pool.open());
        }
        let failed = active_rates(&mut pool, subject.addr, plan, &mut point.rates).err();
        print_point(&point, held.saturating_sub(before), answered, &pool);
        if let Some(end) = &mut end {
            end.still_serving = Some(match &failed {
                None => format!(
                    "after {} idle connections were closed, {ACTIVE_CONNS} new ones were \
                     served: {} round trips/s",
                    ACTIVE_CONNS + 16,
                    number(median(&point.rates))
                ),
                Some(error) => format!("new connections still failed: {error}"),
            });
        } else if let Some(error) = failed {
            curve.error = Some(format!("the active connections failed: {error}"));
            println!("  the active connections failed: {error}");
        }
        curve.points.push(point);
        if let Some(end) = end {
            print_end(&end, kernel);
            curve.end = Some(end);
            break;
        }
        if curve.error.is_some() {
            break;
        }
    }
    // The server closes first, so that our side of each connection does not
    // wait in TIME_WAIT holding its port.
    drop(subject);
    drop(pool);
    curve
}

fn print_point(point: &Point, new: usize, answered: usize, pool: &Pool) {
    let s = &point.snap;
    let (rss, stacks, rest) = point.per_conn;
    let rates = if point.rates.is_empty() {
        "-".into()
    } else {
        format!(
            "{} [{}-{}]",
            number(median(&point.rates)),
            number(point.rates.iter().copied().fold(f64::INFINITY, f64::min)),
            number(point.rates.iter().copied().fold(0.0, f64::max))
        )
    };
    let mut notes = Vec::new();
    if answered < new {
        notes.push(format!("{answered} of {new} answered the echo"));
    }
    if let Some(during) = point.idle_during_rates {
        notes.push(format!("rates with {during} idle"));
    }
    if pool.lost > 0 {
        notes.push(format!(
            "{} lost: {}",
            pool.lost,
            pool.lost_why.clone().unwrap_or_default()
        ));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("  ({})", notes.join("; "))
    };
    println!(
        "{:>8} {:>10} {:>9.1} {:>7.1} {:>7.1} {:>8} {:>8} {:>8}   {rates}{notes}",
        number(point.idle as f64),
        number(point.opened_per_second),
        rss,
        stacks,
        rest,
        s.threads,
        s.maps,
        s.fds,
    );
}

fn print_end(end: &End, kernel: &Kernel) {
    let held = number(end.held as f64);
    match &end.died {
        Some(died) => println!(
            "{held:>8}   the server died ({died}); the client saw: {} ({} failed in all)",
            end.refused, end.failures
        ),
        None => println!(
            "  the next connection was refused: {} ({} refused in all)",
            end.refused, end.failures
        ),
    }
    let lines = match end.died {
        // A dying process's last words.
        Some(_) => end.log[end.log.len().saturating_sub(5)..].to_vec(),
        None => interesting(&end.log),
    };
    for line in lines.iter().take(5) {
        println!("  log: {line}");
    }
    if let Some(s) = &end.then {
        println!(
            "  then: {} threads, {} memory mappings of vm.max_map_count's {}, {} file \
             descriptors; {} threads on the machine, of kernel.pid_max's {}",
            number(s.threads as f64),
            number(s.maps as f64),
            number(kernel.max_map_count as f64),
            number(s.fds as f64),
            number(end.tasks as f64),
            number(kernel.pid_max as f64)
        );
    }
    println!("  limit: {}", name_limit(end, kernel));
    if let Some(serving) = &end.still_serving {
        println!("  {serving}");
    }
}

/// The log lines that say why: the first refusal of each kind, and warnings.
fn interesting(log: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for line in log {
        let kind = line
            .split_once(": ")
            .map_or(line.as_str(), |(_, rest)| rest)
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        if !kept.iter().any(|k| k.contains(&kind)) {
            kept.push(line.clone());
        }
    }
    kept
}

/// Which limit refused, named from the evidence.
fn name_limit(end: &End, kernel: &Kernel) -> String {
    let log = end.log.join("\n");
    let max_map_count = number(kernel.max_map_count as f64);
    if log.contains("vm.max_map_count") {
        format!(
            "vm.max_map_count ({max_map_count}), 4 mappings per thread; wslab's thread budget \
             stops 2,048 mappings short of it"
        )
    } else if log.contains("alternative stack") {
        format!(
            "vm.max_map_count ({max_map_count}), 4 mappings per thread; a new thread could not \
             map its signal stack, and the process aborted"
        )
    } else if end.then.is_some_and(|s| s.maps + 4 > kernel.max_map_count) {
        format!(
            "vm.max_map_count ({max_map_count}), 4 mappings per thread: all in use, so no \
             thread for the next connection, which the server dropped"
        )
    } else if log.contains("Too many open files") || end.refused.contains("Too many open files") {
        "the open-files limit (ulimit -n)".into()
    } else if end.tasks + 100 >= kernel.pid_max {
        format!(
            "kernel.pid_max ({}): {} threads on the machine",
            number(kernel.pid_max as f64),
            number(end.tasks as f64)
        )
    } else {
        format!("not named by the server; the client got {}", end.refused)
    }
}

fn describe(status: &ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(6) => "killed by SIGABRT: it aborted".into(),
        Some(signal) => format!("killed by signal {signal}"),
        None => format!("exit status {}", status.code().unwrap_or(-1)),
    }
}

fn print_summary(curves: &[Curve], steps: &[usize]) {
    let names: Vec<&str> = curves.iter().map(|c| c.name).collect();
    println!("\nresident memory per idle connection, KiB");
    let mut header = format!("{:>8}", "idle");
    for name in &names {
        header += &format!(" {name:>18}");
    }
    println!("{header}");
    for &step in steps {
        let mut line = format!("{:>8}", number(step as f64));
        for curve in curves {
            line += &match at_step(curve, step) {
                Some((p, note)) => format!(" {:>18}", format!("{:.1}{note}", p.per_conn.0)),
                None => format!(" {:>18}", "-"),
            };
        }
        println!("{line}");
    }
    println!("\nround trips per second of {ACTIVE_CONNS} active connections beside the idle ones (median of the rounds)");
    println!("{header}");
    for &step in steps {
        let mut line = format!("{:>8}", number(step as f64));
        for curve in curves {
            line += &match at_step(curve, step) {
                Some((p, _)) if !p.rates.is_empty() => {
                    let during = p.idle_during_rates.unwrap_or(p.idle);
                    let note = match during == step {
                        true => String::new(),
                        false => format!(" ({})", number(during as f64)),
                    };
                    format!(" {:>18}", format!("{}{note}", number(median(&p.rates))))
                }
                _ => format!(" {:>18}", "-"),
            };
        }
        println!("{line}");
    }
    println!("\nconnections opened per second while ramping up to each step");
    println!("{header}");
    for &step in steps {
        let mut line = format!("{:>8}", number(step as f64));
        for curve in curves {
            line += &match at_step(curve, step) {
                Some((p, note)) => {
                    format!(" {:>18}", format!("{}{note}", number(p.opened_per_second)))
                }
                None => format!(" {:>18}", "-"),
            };
        }
        println!("{line}");
    }
}

/// The point of `curve` for `step`, and a note when it fell short of it.
fn at_step(curve: &Curve, step: usize) -> Option<(&Point, String)> {
    let point = curve.points.iter().find(|p| p.step == step)?;
    let note = match point.idle == step {
        true => String::new(),
        false => format!(" ({})", number(point.idle as f64)),
    };
    Some((point, note))
}

fn print_ceilings(curves: &[Curve], kernel: &Kernel) {
    println!("\nwhere each server stopped");
    for curve in curves {
        let held = curve.points.last().map_or(0, |p| p.idle);
        match (&curve.end, &curve.error) {
            (Some(end), _) => {
                let how = match &end.died {
                    Some(died) => format!("the process died, {died}"),
                    None => format!("the next was refused: {}", end.refused),
                };
                println!(
                    "  {:<18} held {}; {how}; limit: {}",
                    curve.name,
                    number(end.held as f64),
                    name_limit(end, kernel)
                );
            }
            (None, Some(error)) => println!("  {:<18} stopped at {held}: {error}", curve.name),
            (None, None) => println!(
                "  {:<18} held {} and was not refused",
                curve.name,
                number(held as f64)
            ),
        }
    }
}

fn print_targets(curves: &[Curve], wanted: usize, limit: u64, kernel: &Kernel) {
    let capacity = capacity(limit);
    println!("\ntargets:");
    let find = |name: &str| curves.iter().find(|c| c.name == name);
    if let (Some(wslab), Some(tokio)) = (find("wslab"), find("tokio-tungstenite")) {
        // The largest number of idle connections both held.
        let common = wslab
            .points
            .iter()
            .filter_map(|p| {
                tokio
                    .points
                    .iter()
                    .find(|q| q.idle == p.idle)
                    .map(|q| (p, q))
            })
            .next_back();
        match common {
            Some((p, q)) => {
                let ratio = p.per_conn.0 / q.per_conn.0;
                let verdict = if ratio <= 0.5 { "met" } else { "MISSED" };
                println!(
                    "  memory per idle connection at {}: wslab {:.1} KiB, tokio-tungstenite {:.1} KiB: \
                     {ratio:.2} <= 0.5: {verdict}",
                    number(p.idle as f64),
                    p.per_conn.0,
                    q.per_conn.0
                );
            }
            None => println!("  memory per idle connection: no step that both reached"),
        }
    }
    if let Some(wslab) = find("wslab") {
        let held = wslab.points.iter().map(|p| p.idle).max().unwrap_or(0);
        let target = 30_000;
        if held >= target {
            println!(
                "  {} idle connections held by wslab: {}: met",
                number(target as f64),
                number(held as f64)
            );
        } else {
            let why = match &wslab.end {
                Some(end) => format!("then 503 at {}", name_limit(end, kernel)),
                None if wanted < target => {
                    format!("only {} were asked for", number(wanted as f64))
                }
                None if capacity < target => format!(
                    "the load generator could open only {} (open-files limit)",
                    number(capacity as f64)
                ),
                None => "not refused; the run stopped first".into(),
            };
            println!(
                "  {} idle connections held by wslab: {}, {why}: MISSED",
                number(target as f64),
                number(held as f64)
            );
            if capacity < target {
                println!(
                    "    (and no process here may hold {} connections: the open-files limit, \
                     {}, is the most each may have open)",
                    number(target as f64),
                    number(limit as f64)
                );
            }
        }
    }
}

fn write_chart(curves: &[Curve]) -> io::Result<PathBuf> {
    const COLORS: [&str; 3] = ["#1f77b4", "#d62728", "#2ca02c"];
    let series = |value: &dyn Fn(&Point) -> Option<f64>, ranged: bool| -> Vec<Series> {
        curves
            .iter()
            .zip(COLORS)
            .map(|(curve, color)| Series {
                name: curve.name.to_string(),
                color,
                points: curve
                    .points
                    .iter()
                    .filter_map(|p| Some((p.idle as f64, value(p)?)))
                    .collect(),
                ranges: curve
                    .points
                    .iter()
                    .filter(|p| ranged && p.rates.len() > 1)
                    .map(|p| {
                        let low = p.rates.iter().copied().fold(f64::INFINITY, f64::min);
                        let high = p.rates.iter().copied().fold(0.0, f64::max);
                        (p.idle as f64, low, high)
                    })
                    .collect(),
                end: curve.end.as_ref().map(|end| {
                    let what = match end.died {
                        Some(_) => format!("aborted at {}", number(end.held as f64)),
                        None => format!("503 past {}", number(end.held as f64)),
                    };
                    (end.held as f64, what)
                }),
            })
            .collect()
    };
    let panels = [
        Panel {
            title: "Resident memory per idle connection".into(),
            y_label: "KiB per connection".into(),
            series: series(&|p| Some(p.per_conn.0), false),
        },
        Panel {
            title: format!("Round trips/s of {ACTIVE_CONNS} active connections (median, range)"),
            y_label: "round trips per second".into(),
            series: series(&|p| (!p.rates.is_empty()).then(|| median(&p.rates)), true),
        },
    ];
    let note = format!("make bench-scale on {}", servers::machine());
    let chart = svg::chart("Idle connections: memory and throughput", &note, &panels);
    let exe = std::env::current_exe()?;
    // target/release/examples/bench_load: three levels below target/.
    let target = exe
        .ancestors()
        .nth(3)
        .map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let dir = target.join("bench-scale");
    fs::create_dir_all(&dir)?;
    let path = dir.join("scale.svg");
    fs::write(&path, chart)?;
    Ok(path)
}

fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// `value` rounded, with a comma between thousands: `15,863`.
pub fn number(value: f64) -> String {
    let digits = (value.round() as u64).to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
