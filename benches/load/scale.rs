//! Scale: thousands of idle WebSocket connections held open at once, and the
//! server's resident memory before and after, from `/proc/PID/status`.

use crate::client::{Keys, Peer, Proto};
use crate::servers::{open_files_limit, Server};
use std::fs;
use std::io;
use std::thread;
use std::time::{Duration, Instant};
use wslab::frame::OpCode;

/// Memory of a process, in KiB, split the way `/proc/PID/smaps` lets us.
#[derive(Debug, Default, Clone, Copy)]
struct Memory {
    rss: u64,
    virtual_size: u64,
    threads: u64,
    /// Resident in mappings the size of a thread stack.
    stacks: u64,
    /// Resident in other anonymous mappings: the heap and malloc's arenas.
    heap: u64,
}

fn memory(server: &Server, stack_size: u64) -> io::Result<Memory> {
    let mut memory = Memory {
        rss: server.status("VmRSS")?,
        virtual_size: server.status("VmSize")?,
        threads: server.status("Threads")?,
        ..Memory::default()
    };
    let smaps = fs::read_to_string(format!("/proc/{}/smaps", server.pid()))?;
    let mut size = 0;
    let mut anonymous = false;
    for line in smaps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let Some((start, end)) = fields.first().and_then(|range| range.split_once('-')) {
            if let (Ok(start), Ok(end)) =
                (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
            {
                size = (end - start) / 1024;
                anonymous = fields.len() < 6 || fields[5] == "[heap]";
                continue;
            }
        }
        if let (Some(&"Rss:"), Some(kib)) = (
            fields.first(),
            fields.get(1).and_then(|k| k.parse::<u64>().ok()),
        ) {
            if !anonymous {
                continue;
            }
            // A thread's stack is one mapping of the requested size, a guard page below it.
            if size == stack_size / 1024 {
                memory.stacks += kib;
            } else {
                memory.heap += kib;
            }
        }
    }
    Ok(memory)
}

/// Opens `wanted` idle connections to `server`'s `/echo`, checks each with one
/// echo, and prints the memory they cost.
pub fn idle_connections(server: &Server, wanted: usize, stack_size: u64) -> io::Result<()> {
    let limit = open_files_limit().unwrap_or(0) as usize;
    let mut target = wanted;
    if limit < wanted + 64 {
        target = limit.saturating_sub(64);
        println!(
            "open-files limit (ulimit -n) is {limit}: holding {target} connections instead of {wanted}; \
             raise it with `ulimit -n {}` (up to `ulimit -Hn`)",
            wanted + 64
        );
    }
    thread::sleep(Duration::from_millis(300));
    let before = memory(server, stack_size)?;
    let start = Instant::now();
    let mut peers = Vec::with_capacity(target);
    let mut stopped = None;
    while peers.len() < target {
        match Peer::connect(server.addr, Proto::WebSocket, "/echo", 1024) {
            Ok(peer) => peers.push(peer),
            Err(error) => {
                stopped = Some(error);
                break;
            }
        }
    }
    let opened = start.elapsed();
    // Prove every connection is served, not just accepted: one echo each.
    let mut keys = Keys::new(7);
    let mut alive = 0;
    for peer in &mut peers {
        let message = peer.encode(OpCode::Binary, b"still there?", keys.next_key());
        if peer
            .send(&message)
            .and_then(|()| peer.read_reply(12, None))
            .is_ok()
        {
            alive += 1;
        }
    }
    thread::sleep(Duration::from_millis(500));
    let after = memory(server, stack_size)?;
    let held = peers.len().max(1) as f64;
    println!(
        "{} connections opened in {:.1} s, {alive} answered an echo{}",
        peers.len(),
        opened.as_secs_f64(),
        stopped.map_or(String::new(), |e| format!("; the next one failed: {e}"))
    );
    println!("                      before      after   per connection");
    for (label, before, after) in [
        ("resident (VmRSS)", before.rss, after.rss),
        ("  thread stacks", before.stacks, after.stacks),
        ("  heap, arenas", before.heap, after.heap),
        ("virtual (VmSize)", before.virtual_size, after.virtual_size),
    ] {
        let per_connection = after.saturating_sub(before) as f64 / held;
        println!("{label:<17} {before:>9} KiB {after:>9} KiB {per_connection:>9.1} KiB");
    }
    println!(
        "threads           {:>9}     {:>9}",
        before.threads, after.threads
    );
    Ok(())
}
