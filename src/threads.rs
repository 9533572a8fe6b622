//! Chapters 8 and 9: how many threads this process may start, and a spawn that
//! refuses, as an error, the one thread too many.
//!
//! Linux lets a process have at most `vm.max_map_count` memory mappings
//! (65,530 by default), and each thread takes four: the C library maps the
//! thread's stack and a guard page below it, and Rust's runtime, in the new
//! thread, maps a stack for its stack-overflow handler and a guard page below
//! that. When the first two cannot be mapped, `thread::Builder::spawn` returns
//! an error. When the last two cannot, the new thread panics before any of our
//! code runs, and that panic aborts the whole process. So we count the threads
//! we start, and refuse the one that would take the process near the limit.
//! See `tutorial/08-hardening.md#too-many-connections-and-the-faults-of-our-own-process`.

use std::fs;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};

/// Memory mappings per thread: its stack and guard page (the C library's),
/// its signal stack and guard page (Rust's).
pub const MAPS_PER_THREAD: usize = 4;

/// Mappings kept for everything else: the allocator's arenas, and the
/// mapping of its own that the allocator gives each big buffer.
pub const RESERVE_MAPS: usize = 2048;

/// The threads a process may start, and how many of them are running.
#[derive(Debug)]
pub struct Budget {
    max: usize,
    live: AtomicUsize,
    /// Why `max`, for the refusal's message.
    why: String,
}

impl Budget {
    /// A budget of `max` threads; `why` ends the refusal's message.
    pub fn new(max: usize, why: &str) -> Budget {
        Budget {
            max,
            live: AtomicUsize::new(0),
            why: why.into(),
        }
    }

    /// This process's budget, read from the kernel the first time it is asked
    /// for: `vm.max_map_count`, less the mappings in use then and
    /// [`RESERVE_MAPS`], over [`MAPS_PER_THREAD`]. Without `/proc` (not
    /// Linux), no limit.
    pub fn of_this_process() -> Arc<Budget> {
        static BUDGET: OnceLock<Arc<Budget>> = OnceLock::new();
        Arc::clone(BUDGET.get_or_init(|| Arc::new(Budget::from_kernel())))
    }

    fn from_kernel() -> Budget {
        let limit = fs::read_to_string("/proc/sys/vm/max_map_count")
            .ok()
            .and_then(|text| text.trim().parse::<usize>().ok());
        let in_use = fs::read_to_string("/proc/self/maps").map(|maps| maps.lines().count());
        match (limit, in_use) {
            (Some(limit), Ok(in_use)) => Budget::new(
                limit.saturating_sub(in_use + RESERVE_MAPS) / MAPS_PER_THREAD,
                &format!(
                    "the most that vm.max_map_count ({limit}) allows at \
                     {MAPS_PER_THREAD} memory mappings each"
                ),
            ),
            _ => Budget::new(usize::MAX, "no limit known"),
        }
    }

    /// The most threads at once.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Where `max` comes from.
    pub fn why(&self) -> &str {
        &self.why
    }

    /// Threads started through this budget and still running.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// `builder.spawn(f)`, counted until `f` returns or panics; an error
    /// instead when `max` threads are running already.
    pub fn spawn<F, T>(
        self: &Arc<Self>,
        builder: thread::Builder,
        f: F,
    ) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        if self.live.fetch_add(1, Ordering::SeqCst) >= self.max {
            self.live.fetch_sub(1, Ordering::SeqCst);
            return Err(io::Error::other(format!(
                "{} threads already, {}",
                self.max, self.why
            )));
        }
        let counted = Counted(Arc::clone(self));
        builder.spawn(move || {
            let _counted = counted;
            f()
        })
        // On an error, the closure is dropped inside `spawn`, and `counted` with it.
    }
}

/// One running thread of a [`Budget`], given back when dropped.
struct Counted(Arc<Budget>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn the_thread_past_the_budget_is_an_error_and_an_ended_one_makes_room() {
        let budget = Arc::new(Budget::new(2, "the test's"));
        let (release, released) = mpsc::channel::<()>();
        let released = Arc::new(std::sync::Mutex::new(released));
        let hold = || {
            let released = Arc::clone(&released);
            move || {
                let _ = released.lock().unwrap().recv();
            }
        };
        let first = budget.spawn(thread::Builder::new(), hold()).unwrap();
        let second = budget.spawn(thread::Builder::new(), hold()).unwrap();
        assert_eq!(budget.live(), 2);
        let refused = budget.spawn(thread::Builder::new(), || ()).unwrap_err();
        assert_eq!(refused.to_string(), "2 threads already, the test's");
        assert_eq!(budget.live(), 2);

        release.send(()).unwrap();
        release.send(()).unwrap();
        first.join().unwrap();
        second.join().unwrap();
        assert_eq!(budget.live(), 0);
        let third = budget.spawn(thread::Builder::new(), || 7).unwrap();
        assert_eq!(third.join().unwrap(), 7);
    }

    #[test]
    fn a_panicking_thread_gives_its_place_back() {
        let budget = Arc::new(Budget::new(1, "one"));
        let panicked = budget.spawn(thread::Builder::new(), || panic!("on purpose"));
        assert!(panicked.unwrap().join().is_err());
        assert_eq!(budget.live(), 0);
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn a_failed_spawn_gives_its_place_back() {
        let budget = Arc::new(Budget::new(1, "one"));
        // A stack bigger than the address space: the C library cannot map it.
        let failed = budget.spawn(thread::Builder::new().stack_size(1 << 50), || ());
        assert!(failed.is_err());
        assert_eq!(budget.live(), 0);
    }

    #[test]
    fn this_process_has_room_for_thousands_of_threads() {
        let budget = Budget::of_this_process();
        assert!(budget.max() > 1000, "{budget:?}");
    }
}
