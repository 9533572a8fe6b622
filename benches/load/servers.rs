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
        let path = self::program(program)?;
        for _attempt in 0..5 {
            let addr = free_port()?;
            let mut child = Command::new(&path)
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

    /// CPU time the server has used so far, all its threads together, from
    /// `/proc/PID/stat` (utime + stime, in clock ticks of 10 ms).
    pub fn cpu_time(&self) -> io::Result<Duration> {
        let stat = fs::read_to_string(format!("/proc/{}/stat", self.pid()))?;
        // The fields after the command name, which is in parentheses: state
        // is field 3, utime 14, stime 15.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<u64> = after_name
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|f| f.parse().ok())
            .collect();
        match fields[..] {
            [utime, stime] => Ok(Duration::from_millis((utime + stime) * 10)),
            _ => Err(io::Error::other("cannot read /proc/PID/stat")),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
