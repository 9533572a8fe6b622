//! The lab's runner: `make lab N`, or `cargo run --example lab -- N`.
//! See `tutorial/lab.md#running-a-lab`.
//!
//! ```text
//! lab N                      check your lab/work/chN.rs (made from the stub if missing)
//! lab N --impl reference     check the reference, the stub, or wrong:NAME instead
//! lab reset N                put the stub back (your file is kept as chN.rs.bak)
//! lab wrong                  list the wrong implementations
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wslab_lab::check::Outcome;
use wslab_lab::wrong::WRONG;
use wslab_lab::{chapter, run, student_source, Source, CHAPTERS};

const USAGE: &str = "usage: make lab N            check your code for chapter N (1-7, 11)
       make lab-reset N      start chapter N again from the stub
or:    cargo run --example lab -- N [--impl student|stub|reference|wrong:NAME]
       cargo run --example lab -- reset N
       cargo run --example lab -- wrong   (lists the wrong implementations)";

fn lab_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `path` as seen from the repository's root, for messages.
fn shown(path: &Path) -> String {
    let root = lab_dir().parent().unwrap_or(lab_dir());
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn work_file(n: u32) -> PathBuf {
    lab_dir().join(format!("work/ch{n}.rs"))
}

fn stub_file(n: u32) -> PathBuf {
    lab_dir().join(format!("stubs/ch{n}.rs"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["wrong"] => {
            for wrong in WRONG {
                println!(
                    "wrong:{:<24} chapter {}: {}",
                    wrong.name, wrong.chapter, wrong.mistake
                );
            }
            ExitCode::SUCCESS
        }
        ["reset", n] => match number(n) {
            Some(n) => reset(n),
            None => usage(),
        },
        [n] => match number(n) {
            Some(n) => check(n, Source::Student),
            None => usage(),
        },
        [n, "--impl", which] => match (number(n), source(which)) {
            (Some(n), Some(source)) => check(n, source),
            _ => usage(),
        },
        _ => usage(),
    }
}

fn number(text: &str) -> Option<u32> {
    text.parse().ok().filter(|n| CHAPTERS.contains(n))
}

fn source(text: &str) -> Option<Source<'_>> {
    match text {
        "student" => Some(Source::Student),
        "stub" => Some(Source::Stub),
        "reference" => Some(Source::Reference),
        _ => text.strip_prefix("wrong:").map(Source::Wrong),
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}\n\nchapters:");
    for n in CHAPTERS {
        let (title, _) = chapter(n).unwrap();
        eprintln!("  {n:>2}  {title}");
    }
    ExitCode::from(2)
}

/// Copies the stub to `work/chN.rs` unless the file is there. True if it copied.
fn ensure_work_file(n: u32) -> std::io::Result<bool> {
    let work = work_file(n);
    if work.exists() {
        return Ok(false);
    }
    fs::create_dir_all(work.parent().unwrap())?;
    fs::copy(stub_file(n), &work)?;
    Ok(true)
}

/// Runs the lab again through cargo, with `WSLAB_LAB=n`, so that the build
/// takes chapter `n` from `work/` (see `build.rs`): what `make lab N` does
/// in one step.
fn rebuild_with_work_file(n: u32) -> ExitCode {
    if std::env::var("WSLAB_LAB").is_ok_and(|lab| lab == n.to_string()) {
        eprintln!(
            "this build should have used {}; is it in lab/work/?",
            shown(&work_file(n))
        );
        return ExitCode::FAILURE;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["run", "--quiet", "--example", "lab", "--", &n.to_string()])
        .current_dir(lab_dir())
        .env("WSLAB_LAB", n.to_string())
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("cannot run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}

fn still_the_stub(n: u32) -> bool {
    fs::read(work_file(n)).ok() == fs::read(stub_file(n)).ok()
}

fn reset(n: u32) -> ExitCode {
    let work = work_file(n);
    if work.exists() {
        let backup = work.with_extension("rs.bak");
        if let Err(error) = fs::rename(&work, &backup) {
            eprintln!("cannot move {} aside: {error}", shown(&work));
            return ExitCode::FAILURE;
        }
        println!("Your {} is now {}.", shown(&work), shown(&backup));
    }
    match ensure_work_file(n) {
        Ok(_) => {
            println!(
                "{} is the stub again. `make lab {n}` checks it.",
                shown(&work)
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("cannot copy the stub to {}: {error}", shown(&work));
            ExitCode::FAILURE
        }
    }
}

fn check(n: u32, source: Source) -> ExitCode {
    let (title, _) = chapter(n).unwrap();
    let work_is_yours = work_file(n).exists() && !still_the_stub(n);
    if source == Source::Student && work_is_yours && student_source(n) == "stubs" {
        return rebuild_with_work_file(n);
    }
    println!("Lab {n}: {title}");
    let what = match source {
        Source::Student => {
            let work = shown(&work_file(n));
            match ensure_work_file(n) {
                Ok(true) => println!(
                    "Created {work} from {}: write your code there.",
                    shown(&stub_file(n))
                ),
                Ok(false) if still_the_stub(n) => {
                    println!(
                        "{work} is yours, a copy of {} so far: replace its todo!() with your code.",
                        shown(&stub_file(n))
                    )
                }
                Ok(false) => {}
                Err(error) => {
                    eprintln!("cannot create {work}: {error}");
                    return ExitCode::FAILURE;
                }
            }
            format!("your code in {work}")
        }
        Source::Stub => format!("the stub, {}", shown(&stub_file(n))),
        Source::Reference => "the reference (the wslab library)".to_string(),
        Source::Wrong(name) => format!("the wrong implementation {name}"),
    };
    println!("Checking {what}.\n");
    let Some(outcomes) = run(n, source) else {
        eprintln!("chapter {n} has no implementation {source:?}; `lab wrong` lists them");
        return ExitCode::from(2);
    };
    report(n, &outcomes)
}

fn report(n: u32, outcomes: &[Outcome]) -> ExitCode {
    let root = format!("{}/", lab_dir().parent().unwrap_or(lab_dir()).display());
    for outcome in outcomes {
        print!("{}", outcome.report(&root));
    }
    let passed = outcomes.iter().filter(|o| o.result.is_ok()).count();
    println!("\n{passed} of {} checks pass.", outcomes.len());
    if passed == outcomes.len() {
        println!("Lab {n} is done.");
        ExitCode::SUCCESS
    } else {
        println!(
            "Edit {} and run `make lab {n}` again.",
            shown(&work_file(n))
        );
        ExitCode::FAILURE
    }
}
