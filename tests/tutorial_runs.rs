//! Every *Run it* transcript in the tutorial is what the programs really print.
//! A chapter marks a transcript with `<!-- run: NAME -->` directly followed by
//! a ```console block; a scenario in `tests/runs/` that declares NAME runs the
//! programs (real processes on ephemeral loopback ports) and produces the text.
//! This test compares the two; with `WSLAB_BLESS=1` it writes the produced text
//! into the chapter instead (`make bless`).
//!
//! To add a transcript: put the marker and an empty ```console block in the
//! chapter, write a scenario function in `tests/runs/chNN.rs` that returns the
//! block's text under that NAME, add it to `runs::SCENARIOS`, and run `make bless`.
//! `WSLAB_RUN=NAME` runs only the scenarios with a block whose name contains NAME.

mod common;
mod runs;

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::thread;

use common::book::{self, first_difference};
use runs::{Scenario, SCENARIOS};

/// Where a `<!-- run: NAME -->` is: file and 1-based line.
type Places = BTreeMap<String, Vec<(String, usize)>>;

/// In the English pages: a Chinese twin shows the same transcripts at the
/// same places (`translation.rs`), and they are compared like the English ones.
fn run_markers() -> Places {
    let mut places = Places::new();
    for file in book::markdown_files() {
        if file.starts_with("tutorial/zh/") {
            continue;
        }
        let text = book::read(&file).unwrap_or_default();
        for marker in book::markers(&text, "run") {
            places
                .entry(marker.arg)
                .or_default()
                .push((file.clone(), marker.line));
        }
    }
    places
}

#[test]
fn every_transcript_has_a_scenario_and_every_scenario_a_chapter() {
    let places = run_markers();
    let mut declared: BTreeMap<&str, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for scenario in SCENARIOS {
        for name in scenario.blocks {
            *declared.entry(name).or_default() += 1;
        }
    }
    for (name, count) in &declared {
        if *count > 1 {
            problems.push(format!("{count} scenarios declare the block {name}"));
        }
        if !places.contains_key(*name) {
            problems.push(format!(
                "the scenario block {name} is used by no chapter (add `<!-- run: {name} -->` and a ```console block)"
            ));
        }
    }
    for (name, at) in &places {
        let where_ = at
            .iter()
            .map(|(file, line)| format!("{file}:{line}"))
            .collect::<Vec<_>>()
            .join(", ");
        if !declared.contains_key(name.as_str()) {
            problems.push(format!(
                "{where_}: no scenario in tests/runs/ produces `<!-- run: {name} -->`"
            ));
        }
        if at.len() > 1 {
            problems.push(format!(
                "{where_}: the transcript {name} is shown more than once"
            ));
        }
    }
    if !problems.is_empty() {
        panic!(
            "transcripts and scenarios that do not pair up:\n  {}\n",
            problems.join("\n  ")
        );
    }
}

/// Runs one scenario, turning a panic into an error that names it.
fn run(scenario: &Scenario) -> Result<Vec<(&'static str, String)>, String> {
    let produced = panic::catch_unwind(AssertUnwindSafe(scenario.run)).map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!(
            "the scenario for {} failed: {message}",
            scenario.blocks.join(", ")
        )
    })?;
    let names: Vec<&str> = produced.iter().map(|(name, _)| *name).collect();
    if names != scenario.blocks {
        return Err(format!(
            "the scenario declares the blocks {:?} but produced {:?}",
            scenario.blocks, names
        ));
    }
    Ok(produced)
}

#[test]
fn transcripts_are_what_the_programs_print() {
    let only = std::env::var("WSLAB_RUN").ok();
    let chosen: Vec<&Scenario> = SCENARIOS
        .iter()
        .filter(|s| match &only {
            None => true,
            Some(only) => s.blocks.iter().any(|b| b.contains(only.as_str())),
        })
        .collect();
    // The scenarios are independent (each server has its own ephemeral port),
    // so they run side by side.
    let results: Vec<_> = thread::scope(|scope| {
        let handles: Vec<_> = chosen
            .iter()
            .map(|scenario| scope.spawn(|| run(scenario)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("run() catches panics"))
            .collect()
    });

    let mut produced: BTreeMap<&str, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok(blocks) => produced.extend(blocks),
            Err(problem) => problems.push(problem),
        }
    }

    let mismatches = book::compare_blocks("run", |_, marker, _| {
        produced.get(marker.arg.as_str()).cloned()
    });
    for mismatch in mismatches {
        problems.push(format!(
            "{}: the transcript {} is not what the programs print; {}\n    the programs printed:\n{}",
            mismatch.place(),
            mismatch.marker.arg,
            first_difference(
                (&mismatch.file, &mismatch.shown, mismatch.fence.open + 2),
                ("produced", &mismatch.expected, 1)
            ),
            mismatch
                .expected
                .lines()
                .map(|line| format!("      | {line}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    if !problems.is_empty() {
        panic!(
            "transcripts that do not match (WSLAB_BLESS=1 writes the produced text into the chapter):\n  {}\n",
            problems.join("\n  ")
        );
    }
}
