//! The servers under test, each a separate process on a loopback port of its
//! own, and what the load generator reads about them from `/proc`.

use crate::client::Proto;
use std::fs;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// A server process, killed when dropped.
pub struct Server {
    pub name: &'static str,
    pub proto: Proto,
    pub addr: SocketAddr,
    child: Child,
}

/// Where `cargo build --release` put a program: the load generator runs from
/// `target/release/examples/`, the main binary lives one level up. A name
/// with a `/` in it is a path already.
pub fn program(name: &str) -> io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let examples = exe.parent().expect("an executable has a folder");
    let path = match name {
        _ if name.contains('/') => PathBuf::from(name),
        "wslab" => examples.parent().expect("target/release").join(name),
        _ => examples.join(name),
    };
    if !path.exists() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "{} is missing: build it first with `make bench`, or \
                 `cargo build --release --bin wslab --examples`",
                path.display()
            ),
        ));
    }
    Ok(path)
}

/// A loopback port that was free a moment ago. Another process could take it
/// before the server binds it, so [`Server::start`] retries with a new one.
fn free_port() -> io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}

impl Server {
    /// Starts `program --addr 127.0.0.1:PORT extra…` with `RUST_LOG=warn` (so
    /// logging costs nothing) and waits until it accepts connections.
    pub fn start(
        name: &'static str,
        proto: Proto,
        program: &str,
        extra: &[String],
    ) -> io::Result<Server> {
        Server::start_on(name, proto, program, extra, None)
    }

    /// [`Server::start`], on the cores `cpus` names (a list for `taskset -c`,
    /// such as `1` or `0-3`) if given.
    pub fn start_on(
        name: &'static str,
        proto: Proto,
        program: &str,
        extra: &[String],
        cpus: Option<&str>,
    ) -> io::Result<Server> {
        let path = self::program(program)?;
        for _attempt in 0..5 {
            let addr = free_port()?;
            // taskset sets the cores, then becomes the program: same process.
            let mut command = match cpus {
                Some(cpus) => {
                    let mut taskset = Command::new("taskset");
                    taskset.arg("-c").arg(cpus).arg(&path);
                    taskset
                }
                None => Command::new(&path),
            };
            let mut child = command
                .arg("--addr")
                .arg(addr.to_string())
                .args(extra)
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if child.try_wait()?.is_some() {
                    break; // it could not bind: try another port
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Ok(Server {
                        name,
                        proto,
                        addr,
                        child,
                    });
                }
                thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        Err(io::Error::other(format!("{name} did not start")))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time the server has used so far: see [`cpu_time_of`].
    pub fn cpu_time(&self) -> io::Result<Duration> {
        cpu_time_of(self.pid())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CPU time process `pid` has used so far, all its threads together
/// (ended ones included), to the nanosecond: the kernel's CPU clock for that
/// process, clock_getcpuclockid(3). (`/proc/PID/stat` has the same, counted
/// in ticks of 10 ms: too coarse for a round of half a second.)
pub fn cpu_time_of(pid: u32) -> io::Result<Duration> {
    let mut clock: libc::clockid_t = 0;
    // SAFETY: the call writes the clock's id into `clock`, nothing else.
    let error = unsafe { libc::clock_getcpuclockid(pid as libc::pid_t, &mut clock) };
    if error != 0 {
        return Err(io::Error::from_raw_os_error(error));
    }
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: the call writes the time into `time`, nothing else.
    if unsafe { libc::clock_gettime(clock, &mut time) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Duration::new(time.tv_sec as u64, time.tv_nsec as u32))
}

/// The CPU time this process, the load generator, has used so far.
pub fn own_cpu_time() -> io::Result<Duration> {
    cpu_time_of(std::process::id())
}

/// A field of `/proc/PID/status` in kB (`VmRSS`, `VmSize`) or a count (`Threads`).
pub fn status_field(pid: u32, field: &str) -> io::Result<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| io::Error::other(format!("no {field} in /proc/{pid}/status")))
}

/// The cores this process may run on, from `Cpus_allowed_list` in
/// `/proc/self/status` (such as `0-1` or `0,2-3`).
pub fn allowed_cpus() -> Vec<usize> {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let list = status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
        .unwrap_or("");
    let mut cpus = Vec::new();
    for part in list.trim().split(',').filter(|p| !p.is_empty()) {
        let (first, last) = part.split_once('-').unwrap_or((part, part));
        if let (Ok(first), Ok(last)) = (first.parse::<usize>(), last.parse::<usize>()) {
            cpus.extend(first..=last);
        }
    }
    cpus
}

/// Moves this process, every thread of it, onto the cores `cpus` names;
/// threads started later inherit them. Needs `taskset` (util-linux).
pub fn pin_self(cpus: &str) -> io::Result<()> {
    let status = Command::new("taskset")
        .args(["--all-tasks", "--pid", "--cpu-list", cpus])
        .arg(std::process::id().to_string())
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(io::Error::other(format!("taskset failed: {status}")));
    }
    Ok(())
}

/// The soft limit on open files of this process (servers inherit it).
pub fn open_files_limit() -> Option<u64> {
    let limits = fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The machine, as the table's heading: cores, CPU model, kernel.
pub fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cores} cores, {model}, Linux {}", kernel.trim())
}
