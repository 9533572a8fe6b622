//! The tutorial cannot drift from the code: quoted code matches its anchor in
//! the source, every anchor is quoted, chapter references in the code and links
//! in the markdown lead to files and headings that exist, each step has its
//! chapter and the other way round, and every picture in `tutorial/img/` is a
//! plain SVG that some page shows. Reads files only; the transcripts, which
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

// ---------------------------------------------------------------------------
// Pictures

/// The tutorial's pictures: every file in `tutorial/img/`.
fn pictures() -> Vec<String> {
    book::files_under("tutorial/img")
}

/// The fonts every reader has: a named font may be missing, and the text then
/// runs wider than the picture allows for.
const GENERIC_FONTS: [&str; 3] = ["sans-serif", "serif", "monospace"];

/// The smallest text size, in the picture's own pixels: each picture is
/// drawn at the size it is shown (its viewBox is its width and height).
const MIN_FONT_SIZE: f64 = 12.0;

/// Why `text` is not an SVG that shows the same on GitHub (which serves it
/// as an image, so no scripts and nothing fetched) and in mdBook's light and
/// dark themes, or nothing if it is.
fn svg_problems(text: &str) -> Vec<String> {
    let document = match roxmltree::Document::parse(text) {
        Ok(document) => document,
        Err(error) => return vec![format!("is not well-formed XML: {error}")],
    };
    let svg = document.root_element();
    let mut problems = Vec::new();
    if svg.tag_name().name() != "svg" || svg.tag_name().namespace() != Some(SVG_NAMESPACE) {
        problems.push(format!(
            "the root element is {:?}, not <svg xmlns=\"{SVG_NAMESPACE}\">",
            svg.tag_name()
        ));
    }
    let number = |name: &str| svg.attribute(name).and_then(|v| v.parse::<f64>().ok());
    let (width, height) = (number("width"), number("height"));
    if width.is_none() || height.is_none() {
        problems.push("needs width and height in pixels, as plain numbers".into());
    }
    match svg.attribute("viewBox") {
        None => problems.push("has no viewBox".into()),
        Some(view_box) => {
            let parts: Vec<f64> = view_box
                .split([' ', ','])
                .filter(|part| !part.is_empty())
                .filter_map(|part| part.parse().ok())
                .collect();
            if parts.len() != 4 || Some(parts[2]) != width || Some(parts[3]) != height {
                problems.push(format!(
                    "viewBox=\"{view_box}\" should be \"0 0 WIDTH HEIGHT\", the picture's own size"
                ));
            }
        }
    }
    if !svg.children().any(|child| child.has_tag_name("title")) {
        problems.push("has no <title> saying what it shows".into());
    }
    let background = svg
        .children()
        .filter(|child| child.is_element())
        .find(|child| !child.has_tag_name("title") && !child.has_tag_name("defs"));
    let is_background = background.is_some_and(|rect| {
        rect.has_tag_name("rect")
            && matches!(rect.attribute("fill"), Some("#ffffff" | "#fff" | "white"))
            && rect.attribute("width").and_then(|v| v.parse().ok()) == width
            && rect.attribute("height").and_then(|v| v.parse().ok()) == height
    });
    if !is_background {
        problems.push(
            "the first thing drawn must be a white <rect> as big as the picture, so that it reads on a dark theme"
                .into(),
        );
    }
    for node in svg.descendants().filter(|node| node.is_element()) {
        let line = document.text_pos_at(node.range().start).row;
        let name = node.tag_name().name();
        if ["script", "foreignObject", "image", "style"].contains(&name) {
            problems.push(format!(
                "line {line}: no <{name}>: draw with shapes, text and attributes"
            ));
        }
        for attribute in node.attributes() {
            let (key, value) = (attribute.name(), attribute.value());
            if key.starts_with("on") {
                problems.push(format!("line {line}: no event handlers ({key})"));
            }
            let external = (key == "href" && !value.starts_with('#'))
                || value.contains("url(") && !value.contains("url(#");
            if external {
                problems.push(format!(
                    "line {line}: {key}=\"{value}\" refers outside the file"
                ));
            }
            if key == "font-family" && !GENERIC_FONTS.contains(&value) {
                problems.push(format!(
                    "line {line}: font-family=\"{value}\": use one of {GENERIC_FONTS:?}"
                ));
            }
            if key == "font-size" && !value.parse().is_ok_and(|size: f64| size >= MIN_FONT_SIZE) {
                problems.push(format!(
                    "line {line}: font-size=\"{value}\": at least {MIN_FONT_SIZE} pixels"
                ));
            }
        }
    }
    problems
}

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

#[test]
fn every_picture_is_a_plain_svg() {
    let pictures = pictures();
    let mut problems = Vec::new();
    for path in &pictures {
        if !path.ends_with(".svg") {
            problems.push(format!("{path}: the tutorial's pictures are SVG files"));
            continue;
        }
        let text = book::read(path).unwrap_or_default();
        problems.extend(
            svg_problems(&text)
                .into_iter()
                .map(|p| format!("{path}: {p}")),
        );
    }
    report(
        "pictures that GitHub or mdBook may not show as drawn",
        problems,
    );
    assert!(!pictures.is_empty(), "no pictures in tutorial/img/");
}

/// Every `![alt](path)` of the markdown files, with the file it is in.
fn shown_pictures() -> Vec<(String, book::Image)> {
    let mut shown = Vec::new();
    for file in book::markdown_files() {
        let text = book::read(&file).unwrap_or_default();
        shown.extend(
            book::images(&file, &text)
                .into_iter()
                .map(|i| (file.clone(), i)),
        );
    }
    shown
}

#[test]
fn every_picture_is_shown_by_a_page() {
    let shown: Vec<String> = shown_pictures().into_iter().map(|(_, i)| i.path).collect();
    let problems = pictures()
        .into_iter()
        .filter(|picture| !shown.contains(picture))
        .map(|picture| {
            let relative = picture.strip_prefix("tutorial/").unwrap_or(&picture);
            format!("{picture}: add `![what it shows]({relative})` to a chapter, or delete it")
        })
        .collect();
    report("pictures that no page shows", problems);
}

#[test]
fn every_picture_a_page_shows_exists() {
    let mut problems = Vec::new();
    for (file, image) in shown_pictures() {
        let place = format!("{file}:{}", image.line);
        if !common::root().join(&image.path).is_file() {
            problems.push(format!(
                "{place}: shows {}, which does not exist",
                image.path
            ));
        }
        if image.alt.trim().is_empty() {
            problems.push(format!(
                "{place}: ![]({}) needs an alt text that says what the picture shows",
                image.path
            ));
        }
    }
    report("pictures that are missing", problems);
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
fn pictures_are_found_and_judged() {
    let md = "![a drawing](img/a.svg) and `![not](code.svg)`\n```md\n![nor](fenced.svg)\n```\n![](../b.svg) ![web](https://x.org/c.svg)\n";
    let found: Vec<(String, String)> = book::images("tutorial/01-a.md", md)
        .into_iter()
        .map(|i| (i.alt, i.path))
        .collect();
    assert_eq!(
        found,
        [
            ("a drawing".to_string(), "tutorial/img/a.svg".to_string()),
            (String::new(), "b.svg".to_string()),
        ]
    );
    let good = r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50"><title>t</title><defs><marker id="m"/></defs><rect width="100" height="50" fill="#ffffff"/><line marker-end="url(#m)"/><text font-size="12" font-family="monospace">x</text></svg>"##;
    assert_eq!(svg_problems(good), Vec::<String>::new());
    let bad = r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 200 100"><script>x</script><text font-size="10" font-family="Helvetica" onclick="y">x</text><use href="other.svg#a"/></svg>"#;
    let problems = svg_problems(bad);
    for expected in [
        "viewBox",
        "<title>",
        "white <rect>",
        "<script>",
        "font-size=\"10\"",
        "Helvetica",
        "onclick",
        "other.svg#a",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{expected} not in {problems:#?}"
        );
    }
    assert!(svg_problems("<svg>")
        .iter()
        .any(|p| p.contains("not well-formed")));
    assert!(
        svg_problems("<svg width='1' height='1' viewBox='0 0 1 1'/>")
            .iter()
            .any(|p| p.contains("root element"))
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

#[test]
fn the_posts_are_described_not_copied() {
    // The PHP posts are cited, never copied: a chapter names a post, its
    // functions and the one expression a bug sits in, and says the rest in
    // its own words. A ```php block would be the posts' code.
    let mut problems = Vec::new();
    for file in book::markdown_files() {
        let text = book::read(&file).unwrap_or_default();
        for fence in book::fences(&text) {
            if fence.info == "php" {
                problems.push(format!(
                    "{file}:{}: a ```php block; describe the post's code and cite it instead",
                    fence.open + 1
                ));
            }
        }
    }
    report("code copied from the posts", problems);
}
