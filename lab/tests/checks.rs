//! The lab judges fairly: the reference passes every check, every stub fails
//! every check (no lab passes before it is written), and each wrong
//! implementation is caught by the check meant for its mistake, whose hint
//! points to the section that explains it.

use std::collections::BTreeSet;
use wslab_lab::check::Outcome;
use wslab_lab::wrong::WRONG;
use wslab_lab::{checks, run, Source, CHAPTERS};

fn outcomes(n: u32, source: Source) -> Vec<Outcome> {
    run(n, source).unwrap_or_else(|| panic!("chapter {n} has no {source:?}"))
}

#[test]
fn the_reference_passes_every_check() {
    let mut problems = Vec::new();
    for n in CHAPTERS {
        for outcome in outcomes(n, Source::Reference) {
            if let Err(failure) = outcome.result {
                problems.push(format!(
                    "chapter {n}, {}: expected {}, got {}",
                    outcome.name, failure.expected, failure.got
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_stub_fails_every_check() {
    for n in CHAPTERS {
        for outcome in outcomes(n, Source::Stub) {
            let failure = outcome.result.expect_err(outcome.name);
            assert!(
                failure.got.contains("not yet implemented"),
                "chapter {n}, {}: the stub should fail with its todo!(), not {}",
                outcome.name,
                failure.got
            );
        }
    }
}

#[test]
fn each_wrong_implementation_is_caught_by_its_check() {
    for wrong in WRONG {
        let outcomes = outcomes(wrong.chapter, Source::Wrong(wrong.name));
        let outcome = outcomes
            .iter()
            .find(|o| o.name == wrong.caught_by)
            .unwrap_or_else(|| {
                panic!(
                    "{}: chapter {} has no check {}",
                    wrong.name, wrong.chapter, wrong.caught_by
                )
            });
        assert!(
            outcome.result.is_err(),
            "{} ({}) passes {}",
            wrong.name,
            wrong.mistake,
            wrong.caught_by
        );
        assert_eq!(
            outcome.section, wrong.section,
            "{}: the hint of {}",
            wrong.name, wrong.caught_by
        );
    }
}

#[test]
fn every_wrong_implementation_is_listed_and_runs() {
    let listed: BTreeSet<&str> = WRONG.iter().map(|w| w.name).collect();
    assert_eq!(
        listed.len(),
        WRONG.len(),
        "a wrong implementation is listed twice"
    );
    let files: BTreeSet<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/wrong"))
        .unwrap()
        .map(|entry| {
            entry
                .unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    let listed: BTreeSet<String> = listed.into_iter().map(String::from).collect();
    assert_eq!(files, listed, "lab/wrong/ and wrong::WRONG differ");
    for wrong in WRONG {
        assert!(
            wrong.name.starts_with(&format!("ch{}_", wrong.chapter)),
            "{}",
            wrong.name
        );
    }
}

#[test]
fn every_check_has_a_hint_and_a_section_of_its_chapter() {
    let sections: Vec<(u32, Vec<&str>)> = vec![
        (1, checks::ch1::checks().iter().map(|c| c.section).collect()),
        (2, checks::ch2::checks().iter().map(|c| c.section).collect()),
        (3, checks::ch3::checks().iter().map(|c| c.section).collect()),
        (4, checks::ch4::checks().iter().map(|c| c.section).collect()),
        (5, checks::ch5::checks().iter().map(|c| c.section).collect()),
        (6, checks::ch6::checks().iter().map(|c| c.section).collect()),
        (7, checks::ch7::checks().iter().map(|c| c.section).collect()),
        (
            11,
            checks::ch11::checks().iter().map(|c| c.section).collect(),
        ),
    ];
    for (n, sections) in sections {
        for section in sections {
            // The sections themselves are checked with every other reference
            // to the tutorial, by tests/tutorial.rs at the top.
            let (file, heading) = section.split_once('#').expect("FILE#heading");
            assert!(
                file.starts_with("tutorial/") && !heading.is_empty(),
                "{section}"
            );
            let chapter = format!("tutorial/{n:02}-");
            assert!(
                file.starts_with(&chapter) || n == 3 && file.starts_with("tutorial/01-"),
                "chapter {n}'s check points to {section}"
            );
        }
    }
    for n in CHAPTERS {
        let names: Vec<&str> = outcomes(n, Source::Reference)
            .iter()
            .map(|o| o.name)
            .collect();
        let unique: BTreeSet<&&str> = names.iter().collect();
        assert_eq!(
            unique.len(),
            names.len(),
            "chapter {n} has two checks of one name"
        );
        for outcome in outcomes(n, Source::Reference) {
            assert!(
                outcome.hint.len() > 20,
                "{}: a hint says what to do",
                outcome.name
            );
        }
    }
}

/// The failing check that `tutorial/lab.md` shows is the runner's real output.
#[test]
fn the_failure_shown_in_the_tutorial_is_real() {
    let page = concat!(env!("CARGO_MANIFEST_DIR"), "/../tutorial/lab.md");
    let page = std::fs::read_to_string(page).unwrap();
    let start = page
        .find("  FAIL  accept_key_rfc_example")
        .expect("the example in lab.md");
    let end = start + page[start..].find("```").unwrap();
    let shown = &page[start..end];
    let outcome = outcomes(4, Source::Wrong("ch4_no_guid"))
        .into_iter()
        .find(|o| o.name == "accept_key_rfc_example")
        .unwrap();
    assert_eq!(shown, outcome.report(""));
}

/// The instructor notes' table of mistakes names every wrong implementation
/// and the check that catches it.
#[test]
fn the_instructor_notes_list_every_mistake() {
    let notes = concat!(env!("CARGO_MANIFEST_DIR"), "/../tutorial/instructor.md");
    let notes = std::fs::read_to_string(notes).unwrap();
    for wrong in WRONG {
        let row = format!("| `{}` | `{}` |", wrong.name, wrong.caught_by);
        assert!(
            notes.contains(&row),
            "tutorial/instructor.md has no row with {row}"
        );
    }
}
