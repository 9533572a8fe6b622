//! Every program, the steps, the benchmark programs and the main server, lists
//! in its `--help` exactly the flags it accepts: each listed flag is accepted
//! with a value of the kind the help names, and a flag that another program
//! lists but this one does not is refused as unknown, with exit status 2.
//! A TIME is written the same way everywhere: `5`, `5s` and `500ms`.
//!
//! `--FLAG VALUE --help` checks a flag without starting the program: the
//! flags are read in order, so a refused flag or value fails before `--help`
//! prints the help and exits with status 0.

mod common;

use common::book::files_under;
use common::{Finished, Launch, TIMEOUT};
use std::collections::BTreeSet;

/// One flag as a help lists it: `--idle-timeout` and `TIME`, or a switch's name alone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Listed {
    name: String,
    placeholder: Option<String>,
}

fn programs() -> Vec<(String, Launch)> {
    let mut programs: Vec<(String, Launch)> = files_under("examples")
        .iter()
        .filter_map(|path| path.strip_prefix("examples/")?.strip_suffix(".rs"))
        // A file in a folder, such as step7/naive.rs, is a module of a program.
        .filter(|name| !name.contains('/'))
        .map(|name| (name.to_string(), Launch::example(name)))
        .collect();
    assert!(programs.len() >= 9, "no examples found");
    programs.push(("wslab".into(), Launch::binary()));
    programs
}

fn run(launch: &Launch, args: &[&str]) -> Finished {
    launch.clone().args(args).run(TIMEOUT)
}

/// The flags in a help: the lines that start with two spaces and `--`.
fn listed(help: &[String]) -> Vec<Listed> {
    help.iter()
        .filter_map(|line| {
            let line = line.strip_prefix("  ")?;
            let line = line.strip_prefix("-h, ").unwrap_or(line);
            if !line.starts_with("--") {
                return None;
            }
            let mut words = line.split_whitespace();
            let name = words.next()?.to_string();
            // A placeholder is in capitals, or a choice such as `tungstenite|tcp`;
            // a switch's line goes on with its help text.
            let placeholder = words
                .next()
                .filter(|w| w.contains('|') || w.chars().all(|c| !c.is_lowercase()))
                .map(String::from);
            Some(Listed { name, placeholder })
        })
        .collect()
}

/// Values a flag of this kind must accept.
fn valid_values(placeholder: &str) -> Vec<&str> {
    match placeholder {
        "HOST:PORT" => vec!["127.0.0.1:0", "localhost:0"],
        "N" => vec!["3"],
        "BYTES" => vec!["512", "2KiB", "1MiB"],
        "TIME" => vec!["5", "5s", "500ms", "1.5s", "1m"],
        "LIST" => vec!["1,2"],
        choice if choice.contains('|') => choice.split('|').collect(),
        _ => vec!["x"],
    }
}

fn help_of(program: &str, launch: &Launch) -> Vec<Listed> {
    let help = run(launch, &["--help"]);
    assert_eq!(help.status.code(), Some(0), "{}", help.output());
    assert!(
        help.stdout.iter().any(|l| l.starts_with("usage: ")),
        "{}",
        help.output()
    );
    let flags = listed(&help.stdout);
    assert!(
        flags.iter().any(|f| f.name == "--help"),
        "{program}: {flags:?}"
    );
    flags
}

#[test]
fn every_flag_a_help_lists_is_accepted_and_no_other() {
    let programs = programs();
    let helps: Vec<Vec<Listed>> = programs
        .iter()
        .map(|(program, launch)| help_of(program, launch))
        .collect();
    let everywhere: BTreeSet<&Listed> = helps.iter().flatten().collect();

    for ((program, launch), flags) in programs.iter().zip(&helps) {
        for flag in flags {
            let values = match &flag.placeholder {
                None => vec![None],
                Some(placeholder) => valid_values(placeholder).into_iter().map(Some).collect(),
            };
            for value in values {
                let mut args = vec![flag.name.as_str()];
                args.extend(value);
                args.push("--help");
                let finished = run(launch, &args);
                assert_eq!(
                    finished.status.code(),
                    Some(0),
                    "{program} refused a flag its help lists:\n{}",
                    finished.output()
                );
            }
        }
        let names: BTreeSet<&str> = flags.iter().map(|f| f.name.as_str()).collect();
        let others = everywhere
            .iter()
            .filter(|f| !names.contains(f.name.as_str()))
            .map(|f| (f.name.as_str(), f.placeholder.as_deref()))
            .chain([("--no-such-flag", None)]);
        for (name, placeholder) in others {
            let mut args = vec![name];
            args.extend(placeholder.map(|p| valid_values(p)[0]));
            args.push("--help");
            run(launch, &args).expect_failure(2, &format!("error: unknown flag {name}"));
        }
    }
}

#[test]
fn a_value_of_the_wrong_kind_is_refused_with_the_flag_and_the_value() {
    let bad = |placeholder: &str| match placeholder {
        "HOST:PORT" => Some("127.0.0.1"),
        "N" => Some("0"),
        "BYTES" => Some("1.5MiB"),
        "TIME" => Some("1h"),
        _ => None,
    };
    for (program, launch) in programs() {
        for flag in help_of(&program, &launch) {
            let Some(bad) = flag.placeholder.as_deref().and_then(bad) else {
                continue;
            };
            run(&launch, &[&flag.name, bad, "--help"]).expect_failure(
                2,
                &format!(
                    "error: invalid value \"{bad}\" for {}: expected ",
                    flag.name
                ),
            );
        }
    }
}

#[test]
fn help_into_a_closed_pipe_exits_quietly() {
    // `wslab --help | head -1` closes the pipe before the help is written.
    // Here the pipe's reading end is closed before the program starts, so its
    // write fails with EPIPE every time: it must exit 0, not panic.
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::process::{Command, Stdio};
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe(2) failed");
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read_end);
    let output = Command::new(env!("CARGO_BIN_EXE_wslab"))
        .arg("--help")
        .stdout(Stdio::from(write_end))
        .stderr(Stdio::piped())
        .output()
        .expect("wslab runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && !stderr.contains("panicked"),
        "wslab --help into a closed pipe: {}, stderr:\n{stderr}",
        output.status
    );
}
