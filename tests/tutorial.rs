//! The tutorial cannot drift from the code: quoted code matches its anchor in
//! the source, every anchor is quoted, chapter references in the code and links
//! in the markdown lead to files and headings that exist, and each step has its
//! chapter and the other way round. Reads files only; the transcripts, which
//! run programs, are checked by `tutorial_runs.rs`.
//!
//! The conventions themselves are described in `CONTRIBUTING.md#how-the-tutorial-is-checked`.
//! With `WSLAB_BLESS=1`, quoted code that differs from its source is copied
//! from the source into the chapter instead of failing.

mod common;

use common::book::{self, Chapter};

/// Panics with every problem found, one per line, so one run shows them all.
fn report(what: &str, problems: Vec<String>) {
    if !problems.is_empty() {
        panic!("{what}:\n  {}\n", problems.join("\n  "));
    }
}

/// The source files whose anchors and chapter references are checked: the
/// library's, the examples', and the lab's (its hints name sections), but
/// not the students' own `lab/work/`.
fn sources() -> Vec<String> {
    let mut files = book::files_under("src");
    files.extend(book::files_under("examples"));
    for dir in ["src", "examples", "stubs", "reference", "wrong", "tests"] {
        files.extend(book::files_under(&format!("lab/{dir}")));
    }
    files.retain(|path| book::read(path).is_some());
    files
}

#[test]
fn quoted_code_matches_its_source() {
    let mut problems = Vec::new();
    let mut count = 0;
    let mismatches = book::compare_blocks("quote", |file, marker, fence| {
        let place = format!("{file}:{}", marker.line);
        let Some((source, anchor)) = marker.arg.split_once('#') else {
            problems.push(format!(
                "{place}: `<!-- quote: {} -->` should name FILE#ANCHOR",
                marker.arg
            ));
            return None;
        };
        if source.ends_with(".rs") && fence.info != "rust" {
            problems.push(format!(
                "{place}: the quote of {source}#{anchor} is in a ```{} block; Rust goes in ```rust",
                fence.info
            ));
        }
        let Some(source_text) = book::read(source) else {
            problems.push(format!("{place}: quotes {source}, which does not exist"));
            return None;
        };
        count += 1;
        book::anchor_text(&source_text, anchor)
            .map_err(|error| problems.push(format!("{place}: quotes {source}#{anchor}: {error}")))
            .ok()
    });
    for mismatch in mismatches {
        let (source, anchor) = mismatch.marker.arg.split_once('#').unwrap();
        let start = book::read(source)
            .and_then(|text| book::anchors(&text).ok())
            .and_then(|anchors| anchors.into_iter().find(|a| a.name == anchor))
            .map_or(0, |a| a.start + 1);
        problems.push(format!(
            "{}: the quote of {source}#{anchor} differs from the source; {}",
            mismatch.place(),
            book::first_difference(
                (&mismatch.file, &mismatch.shown, mismatch.fence.open + 2),
                (source, &mismatch.expected, start),
            )
        ));
    }
    for file in book::markdown_files() {
        let text = book::read(&file).unwrap_or_default();
        for marker in book::markers(&text, "quote") {
            if let Err(instead) = &marker.block {
                problems.push(format!(
                    "{file}:{}: the quote of {} must be directly followed by a ```rust block, not {instead:?}",
                    marker.line, marker.arg
                ));
            }
        }
    }
    report(
        "quoted code that does not match its source (WSLAB_BLESS=1 copies the source into the chapter)",
        problems,
    );
    assert!(count > 0, "no `<!-- quote: FILE#ANCHOR -->` found at all");
}

#[test]
fn every_anchor_is_quoted_by_a_chapter() {
    let mut quoted = Vec::new();
    for file in book::markdown_files() {
        let text = book::read(&file).unwrap_or_default();
        quoted.extend(book::markers(&text, "quote").into_iter().map(|m| m.arg));
    }
    let mut problems = Vec::new();
    for source in sources() {
        let text = book::read(&source).unwrap();
        match book::anchors(&text) {
            Err(errors) => {
                problems.extend(errors.into_iter().map(|e| format!("{source}: {e}")));
            }
            Ok(anchors) => {
                for anchor in anchors {
                    let name = format!("{source}#{}", anchor.name);
                    if !quoted.contains(&name) {
                        problems.push(format!(
                            "{source}:{}: ANCHOR {} is quoted by no chapter (add `<!-- quote: {name} -->` or remove the anchor)",
                            anchor.start, anchor.name
                        ));
                    }
                }
            }
        }
    }
    report("anchors that are broken or never quoted", problems);
}

#[test]
fn chapter_references_in_the_code_exist() {
    let mut problems = Vec::new();
    let mut count = 0;
    for source in sources() {
        let text = book::read(&source).unwrap();
        for reference in book::tutorial_references(&text) {
            count += 1;
            if let Err(problem) = book::check_reference(&source, &reference) {
                problems.push(problem);
            }
        }
    }
    report(
        "chapter references in src/ and examples/ that lead nowhere",
        problems,
    );
    assert!(
        count > 0,
        "no `tutorial/NN-name.md` reference found in the code"
    );
}

#[test]
fn links_in_the_markdown_resolve() {
    let mut problems = Vec::new();
    for file in book::markdown_files() {
        let Some(text) = book::read(&file) else {
            problems.push(format!("{file} is missing"));
            continue;
        };
        for link in book::links(&file, &text) {
            if let Err(problem) = book::check_reference(&file, &link) {
                problems.push(problem);
            }
        }
    }
    report("links that lead nowhere", problems);
}

/// `examples/stepN.rs` for every N there is.
fn steps() -> Vec<(u32, String)> {
    book::files_under("examples")
        .into_iter()
        .filter_map(|path| {
            let n = path
                .strip_prefix("examples/step")?
                .strip_suffix(".rs")?
                .parse()
                .ok()?;
            Some((n, path))
        })
        .collect()
}

/// True if `text` has `cargo run --example stepN` with nothing more to the number.
fn has_run_command(text: &str, n: u32) -> bool {
    let command = format!("cargo run --example step{n}");
    text.match_indices(&command).any(|(at, _)| {
        !text[at + command.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[test]
fn each_step_has_its_chapter_and_each_chapter_its_step() {
    let chapters = book::chapters();
    let mut problems = Vec::new();
    for (n, step) in steps() {
        let prefix = format!("tutorial/{n:02}-");
        let theirs: Vec<&Chapter> = chapters.iter().filter(|c| c.number == n).collect();
        let chapter = match theirs.as_slice() {
            [chapter] => chapter,
            [] => {
                problems.push(format!("{step} has no chapter {prefix}*.md"));
                continue;
            }
            many => {
                let paths: Vec<&str> = many.iter().map(|c| c.path.as_str()).collect();
                problems.push(format!(
                    "{step}: more than one chapter {n}: {}",
                    paths.join(", ")
                ));
                continue;
            }
        };
        if !has_run_command(&chapter.text, n) {
            problems.push(format!(
                "{}: never says `cargo run --example step{n}`",
                chapter.path
            ));
        }
        let source = book::read(&step).unwrap();
        let header: String = source
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        if !header.contains(&chapter.path) {
            problems.push(format!(
                "{step}: its `//!` header does not name its chapter, {}",
                chapter.path
            ));
        }
    }
    let steps = steps();
    for chapter in &chapters {
        if (1..=9).contains(&chapter.number) && !steps.iter().any(|(n, _)| *n == chapter.number) {
            problems.push(format!(
                "{} has no examples/step{}.rs (only chapter 10 may go without one)",
                chapter.path, chapter.number
            ));
        }
    }
    report("steps and chapters that do not pair up", problems);
}

#[test]
fn the_makefile_runs_every_step_and_no_other() {
    let makefile = book::read("Makefile").expect("the Makefile");
    let listed: Vec<&str> = makefile
        .lines()
        .find_map(|line| line.strip_prefix("STEPS :="))
        .expect("a `STEPS :=` line in the Makefile")
        .split_whitespace()
        .collect();
    let mut steps: Vec<(u32, String)> = steps();
    steps.sort();
    let steps: Vec<String> = steps.iter().map(|(n, _)| format!("step{n}")).collect();
    assert_eq!(
        listed, steps,
        "the Makefile's STEPS must be exactly the examples/stepN.rs there are"
    );
}

#[test]
fn the_indexes_list_every_chapter() {
    let mut problems = Vec::new();
    for index in ["tutorial/README.md", "tutorial/SUMMARY.md", "README.md"] {
        let Some(text) = book::read(index) else {
            problems.push(format!("{index} is missing"));
            continue;
        };
        let linked: Vec<String> = book::links(index, &text)
            .into_iter()
            .map(|l| l.path)
            .collect();
        for chapter in book::chapters() {
            if !linked.contains(&chapter.path) {
                problems.push(format!("{index} does not link to {}", chapter.path));
            }
        }
    }
    report("chapters missing from an index", problems);
}

#[test]
fn run_markers_are_followed_by_console_blocks() {
    let mut problems = Vec::new();
    for file in book::markdown_files() {
        let text = book::read(&file).unwrap_or_default();
        for marker in book::markers(&text, "run") {
            let place = format!("{file}:{}", marker.line);
            if marker.arg.is_empty() {
                problems.push(format!("{place}: `<!-- run: -->` without a name"));
            }
            match &marker.block {
                Ok(fence) if fence.info == "console" => {}
                Ok(fence) => problems.push(format!(
                    "{place}: run {} is followed by a ```{} block, not ```console",
                    marker.arg, fence.info
                )),
                Err(instead) => problems.push(format!(
                    "{place}: run {} must be directly followed by a ```console block, not {instead:?}",
                    marker.arg
                )),
            }
        }
    }
    report("run markers without their block", problems);
}

// ---------------------------------------------------------------------------
// The checker's own rules

#[test]
fn slugs_follow_github() {
    assert_eq!(book::slug("Run it"), "run-it");
    assert_eq!(book::slug("*Run it*"), "run-it");
    assert_eq!(book::slug("In the PHP post"), "in-the-php-post");
    assert_eq!(book::slug("1. Listen and accept"), "1-listen-and-accept");
    assert_eq!(
        book::slug("`socket_select`, and why not"),
        "socket_select-and-why-not"
    );
    assert_eq!(book::slug("Costs: threads & fds"), "costs-threads--fds");
    assert_eq!(
        book::slug("读一行 (reading a line)"),
        "读一行-reading-a-line"
    );
    assert_eq!(book::slug("See [chapter 2](02-x.md)"), "see-chapter-2");
    let text = "# A\n## The code\n```sh\n# not a heading\n```\n### The code\n## The code ##\n## The code 1\n";
    assert_eq!(
        book::slugs(text),
        ["a", "the-code", "the-code-1", "the-code-2", "the-code-1-1"]
    );
}

#[test]
fn anchors_are_dedented_without_nested_markers() {
    let source = "fn f() {
    // ANCHOR: outer
    let a = 1;
    // ANCHOR: inner
    if a > 0 {
        g();
    }
    // ANCHOR_END: inner

    // ANCHOR_END: outer
}
";
    assert_eq!(
        book::anchor_text(source, "outer").unwrap(),
        "let a = 1;\nif a > 0 {\n    g();\n}\n\n"
    );
    assert_eq!(
        book::anchor_text(source, "inner").unwrap(),
        "if a > 0 {\n    g();\n}\n"
    );
    let missing = book::anchor_text(source, "nope").unwrap_err();
    assert!(
        missing.contains("\"nope\"") && missing.contains("outer, inner"),
        "{missing}"
    );
    let broken = "// ANCHOR: a\n// ANCHOR_END: b\n// ANCHOR: c\n// ANCHOR: c\n// ANCHOR_END: c\n";
    let errors = book::anchors(broken).unwrap_err();
    assert_eq!(
        errors,
        [
            "line 2: ANCHOR_END b has no ANCHOR b before it",
            "line 4: ANCHOR c is used twice",
            "line 1: ANCHOR a has no ANCHOR_END a",
        ]
    );
}

#[test]
fn markers_must_be_directly_followed_by_their_block() {
    let text = "<!-- quote: a.rs#x -->\n```rust\nfn x() {}\n```\n\n<!-- quote: a.rs#y -->\n\n```rust\n```\n```md\n<!-- quote: not/a.rs#marker -->\n```\n";
    let found = book::markers(text, "quote");
    assert_eq!(found.len(), 2, "{found:?}");
    let first = found[0].block.as_ref().unwrap();
    assert_eq!(book::block_body(text, first), "fn x() {}\n");
    assert_eq!(found[1].block.as_ref().unwrap_err(), "");
    let replaced = book::replace_body(text, first, "fn y() {}\nfn z() {}\n");
    assert!(replaced.starts_with("<!-- quote: a.rs#x -->\n```rust\nfn y() {}\nfn z() {}\n```\n\n"));
    assert!(replaced.ends_with("```md\n<!-- quote: not/a.rs#marker -->\n```\n"));
}

#[test]
fn references_and_links_are_found() {
    let code = "//! Read `tutorial/01-listen-and-accept.md#the-code`.\n// see tutorial/03-many-clients.md.\n";
    let found = book::tutorial_references(code);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].path, "tutorial/01-listen-and-accept.md");
    assert_eq!(found[0].fragment.as_deref(), Some("the-code"));
    assert_eq!(found[1].path, "tutorial/03-many-clients.md");
    assert_eq!(found[1].fragment, None);
    let md = "[one](01-a.md#x) and [src](../src/lib.rs), [web](https://x.org), `[no](code.md)`\n[here](#local)\n";
    let links = book::links("tutorial/README.md", md);
    let paths: Vec<(&str, Option<&str>)> = links
        .iter()
        .map(|l| (l.path.as_str(), l.fragment.as_deref()))
        .collect();
    assert_eq!(
        paths,
        [
            ("tutorial/01-a.md", Some("x")),
            ("src/lib.rs", None),
            ("tutorial/README.md", Some("local")),
        ]
    );
}

#[test]
fn chapter_file_names() {
    assert_eq!(book::chapter_number("01-listen-and-accept.md"), Some(1));
    assert_eq!(book::chapter_number("10-going-live.md"), Some(10));
    assert_eq!(book::chapter_number("README.md"), None);
    assert_eq!(book::chapter_number("1-short.md"), None);
    assert_eq!(book::chapter_number("01-Upper.md"), None);
    assert!(has_run_command("`cargo run --example step1`", 1));
    assert!(!has_run_command("cargo run --example step10", 1));
}
