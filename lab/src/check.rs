//! What a check is, what it reports, and how checks are run: one at a time,
//! with a panic in the code under test (a `todo!()`, an index out of bounds)
//! caught and reported as that check's failure.

use std::cell::RefCell;
use std::fmt::Debug;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// One check of one chapter's lab, against an implementation `I` (a struct
/// of function pointers: the chapter's functions).
pub struct Check<I> {
    /// A name in snake case, unique within the chapter.
    pub name: &'static str,
    /// What must hold, in a sentence: shown when the code panics before the
    /// check could say more.
    pub expect: &'static str,
    /// What to look at when the check fails.
    pub hint: &'static str,
    /// The chapter section that explains it, as `tutorial/05-frames.md#masking`.
    pub section: &'static str,
    pub run: fn(&I) -> Result<(), Failure>,
}

/// What a failing check saw: the case, what it should have been, what it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub expected: String,
    pub got: String,
}

impl Failure {
    /// A failure of the case `case`, with both values shown by `Debug`.
    pub fn new(case: impl AsRef<str>, expected: impl Debug, got: impl Debug) -> Failure {
        Failure {
            expected: format!("{} → {expected:?}", case.as_ref()),
            got: format!("{got:?}"),
        }
    }

    /// A failure described in words rather than values.
    pub fn said(expected: impl Into<String>, got: impl Into<String>) -> Failure {
        Failure {
            expected: expected.into(),
            got: got.into(),
        }
    }
}

/// `Ok` when `got == expected`, else a [`Failure`] for `case`.
pub fn expect_eq<T: PartialEq + Debug>(
    case: impl AsRef<str>,
    expected: T,
    got: T,
) -> Result<(), Failure> {
    if got == expected {
        Ok(())
    } else {
        Err(Failure::new(case, expected, got))
    }
}

/// One check's result, with the check's own words for the report.
pub struct Outcome {
    pub name: &'static str,
    pub expect: &'static str,
    pub hint: &'static str,
    pub section: &'static str,
    pub result: Result<(), Failure>,
}

/// Runs every check against `implementation`, each on its own: a panic fails
/// only the check it happened in.
pub fn run_all<I>(implementation: &I, checks: &[Check<I>]) -> Vec<Outcome> {
    checks
        .iter()
        .map(|check| Outcome {
            name: check.name,
            expect: check.expect,
            hint: check.hint,
            section: check.section,
            result: run_one(implementation, check),
        })
        .collect()
}

fn run_one<I>(implementation: &I, check: &Check<I>) -> Result<(), Failure> {
    match catching_panics(|| (check.run)(implementation)) {
        Ok(result) => result,
        Err(panic) => Err(Failure::said(check.expect, panic)),
    }
}

thread_local! {
    /// Set while this thread runs code under test: its panics are recorded
    /// here instead of printed.
    static CAUGHT: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// Runs `f`; a panic becomes `Err("a panic at FILE:LINE:COL: MESSAGE")`.
/// Panics elsewhere (in other threads, in the test harness) print as usual.
pub fn catching_panics<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let recorded = CAUGHT.with(|caught| {
                let mut caught = caught.borrow_mut();
                let slot = caught.as_mut()?;
                let place = info
                    .location()
                    .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
                    .unwrap_or_default();
                *slot = Some(format!("a panic{place}: {}", message(info.payload())));
                Some(())
            });
            if recorded.is_none() {
                previous(info);
            }
        }));
    });
    CAUGHT.with(|caught| *caught.borrow_mut() = Some(None));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    let recorded = CAUGHT.with(|caught| caught.borrow_mut().take().flatten());
    result.map_err(|payload| recorded.unwrap_or_else(|| format!("a panic: {}", message(&*payload))))
}

/// The text of a panic's payload.
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

impl Outcome {
    /// The outcome as the runner prints it: one line if the check passed;
    /// expected, got, hint and section if it failed. `root` is taken out of
    /// file names in panic messages.
    pub fn report(&self, root: &str) -> String {
        let Err(failure) = &self.result else {
            return format!("  ok    {}\n", self.name);
        };
        let got = failure.got.replace(root, "").replace("/src/../", "/");
        format!(
            "  FAIL  {}\n        expected: {}\n        got:      {got}\n        hint:     {}\n        read:     {}\n",
            self.name, failure.expected, self.hint, self.section
        )
    }
}
