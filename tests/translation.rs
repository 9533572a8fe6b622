//! The Chinese edition (`tutorial/zh/`) cannot drift from the English one.
//! Every English page has a Chinese twin of the same name, and the twins agree
//! on everything that is not prose: the same sections at the same levels, each
//! Chinese heading carrying its English twin's anchor, the same
//! `<!-- quote: -->` and `<!-- run: -->` markers in the same order, the same
//! pictures, and the same code and commands. So a change of structure in an English page fails
//! here until its twin follows. The quoted code and the transcripts inside the
//! blocks are then checked (and blessed) in both editions alike, by
//! `tutorial.rs` and `tutorial_runs.rs`.
//!
//! How to keep a twin in step: `CONTRIBUTING.md#the-chinese-edition`.

mod common;

use common::book;

/// Panics with every problem found, one per line, so one run shows them all.
fn report(what: &str, problems: Vec<String>) {
    if !problems.is_empty() {
        panic!("{what}:\n  {}\n", problems.join("\n  "));
    }
}

/// `tutorial/05-frames.md` → `tutorial/zh/05-frames.md`.
fn twin(english: &str) -> String {
    english.replacen("tutorial/", "tutorial/zh/", 1)
}

/// The English pages that have a Chinese twin, with both texts. A missing
/// twin is a problem of its own, reported by `every_page_has_a_chinese_twin`.
fn pairs() -> Vec<(String, String, String, String)> {
    book::pages_in("tutorial")
        .into_iter()
        .filter_map(|english| {
            let zh = twin(&english);
            let english_text = book::read(&english)?;
            let zh_text = book::read(&zh)?;
            Some((english, english_text, zh, zh_text))
        })
        .collect()
}

#[test]
fn every_page_has_a_chinese_twin() {
    let english = book::pages_in("tutorial");
    let chinese = book::pages_in("tutorial/zh");
    let mut problems = Vec::new();
    for page in &english {
        if !chinese.contains(&twin(page)) {
            problems.push(format!("{page} has no twin {}", twin(page)));
        }
    }
    for page in &chinese {
        let original = page.replacen("tutorial/zh/", "tutorial/", 1);
        if !english.contains(&original) {
            problems.push(format!(
                "{page} translates {original}, which does not exist"
            ));
        }
    }
    for file in ["tutorial/zh/book.toml"] {
        if book::read(file).is_none() {
            problems.push(format!("{file} is missing"));
        }
    }
    report("pages without their twin", problems);
}

#[test]
fn twins_have_the_same_sections_and_the_english_anchors() {
    let mut problems = Vec::new();
    for (english, english_text, zh, zh_text) in pairs() {
        let english_headings = book::heading_lines(&english_text);
        let english_slugs = book::slugs(&english_text);
        let zh_headings = book::heading_lines(&zh_text);
        let zh_lines: Vec<&str> = zh_text.lines().collect();
        let levels = |h: &[book::Heading]| h.iter().map(|h| h.level).collect::<Vec<_>>();
        if levels(&english_headings) != levels(&zh_headings) {
            problems.push(format!(
                "{zh}: its headings ({} at levels {:?}) do not follow {english} ({} at levels {:?})",
                zh_headings.len(),
                levels(&zh_headings),
                english_headings.len(),
                levels(&english_headings),
            ));
            continue;
        }
        // The page's title (`# …`) needs no anchor: nothing links to it.
        for (heading, slug) in zh_headings.iter().zip(&english_slugs).skip(1) {
            let wanted = format!("<a id=\"{slug}\"></a>");
            let before = heading
                .line
                .checked_sub(1)
                .and_then(|i| zh_lines.get(i))
                .map_or("", |line| line.trim());
            if before != wanted {
                problems.push(format!(
                    "{zh}:{}: `{} {}` should have `{wanted}` on the line before it",
                    heading.line + 1,
                    "#".repeat(heading.level),
                    heading.text
                ));
            }
        }
    }
    report("sections that differ between twins", problems);
}

/// Each `<!-- quote: … -->` and `<!-- run: … -->` marker of a page, in order.
fn markers(text: &str) -> Vec<(usize, String)> {
    let mut all: Vec<(usize, String)> = ["quote", "run"]
        .into_iter()
        .flat_map(|kind| {
            book::markers(text, kind)
                .into_iter()
                .map(move |m| (m.line, format!("<!-- {kind}: {} -->", m.arg)))
        })
        .collect();
    all.sort();
    all
}

#[test]
fn twins_have_the_same_markers_in_the_same_order() {
    let mut problems = Vec::new();
    for (english, english_text, zh, zh_text) in pairs() {
        let english_markers = markers(&english_text);
        let zh_markers = markers(&zh_text);
        let names = |m: &[(usize, String)]| m.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>();
        let (a, b) = (names(&english_markers), names(&zh_markers));
        if a == b {
            continue;
        }
        let i = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let at = |m: &[(usize, String)], file: &str| {
            m.get(i)
                .map_or(format!("{file}: (nothing)"), |(line, name)| {
                    format!("{file}:{line}: {name}")
                })
        };
        problems.push(format!(
            "marker {} differs:\n    {}\n    {}",
            i + 1,
            at(&english_markers, &english),
            at(&zh_markers, &zh)
        ));
    }
    report("markers that differ between twins", problems);
}

#[test]
fn twins_have_the_same_code_and_commands() {
    // Code, commands and transcripts stay as they are in a translation. A
    // ```text block may hold prose (a diagram's labels), so only its place is
    // compared.
    let mut problems = Vec::new();
    for (english, english_text, zh, zh_text) in pairs() {
        let english_fences = book::fences(&english_text);
        let zh_fences = book::fences(&zh_text);
        if english_fences.len() != zh_fences.len() {
            problems.push(format!(
                "{zh} has {} code blocks, {english} has {}",
                zh_fences.len(),
                english_fences.len()
            ));
        }
        for (e, z) in english_fences.iter().zip(&zh_fences) {
            let place = format!("{zh}:{} (for {english}:{})", z.open + 1, e.open + 1);
            if e.info != z.info {
                problems.push(format!(
                    "{place}: a ```{} block where the English has ```{}",
                    z.info, e.info
                ));
                break;
            }
            if e.info == "text" {
                continue;
            }
            let (a, b) = (
                book::block_body(&english_text, e),
                book::block_body(&zh_text, z),
            );
            if a != b {
                problems.push(format!(
                    "{place}: the ```{} block differs; {}",
                    e.info,
                    book::first_difference((&english, &a, e.open + 2), (&zh, &b, z.open + 2))
                ));
                break;
            }
        }
    }
    report("code that differs between twins", problems);
}

#[test]
fn the_chinese_summary_lists_the_same_pages_in_the_same_order() {
    let pages = |file: &str, prefix: &str| -> Vec<String> {
        let text = book::read(file).unwrap_or_default();
        book::links(file, &text)
            .into_iter()
            .map(|link| link.path.replacen(prefix, "tutorial/", 1))
            .collect()
    };
    assert_eq!(
        pages("tutorial/zh/SUMMARY.md", "tutorial/zh/"),
        pages("tutorial/SUMMARY.md", "tutorial/"),
        "tutorial/zh/SUMMARY.md must list the twins of tutorial/SUMMARY.md's pages, in order"
    );
}

/// The links of a page's first lines: where a reader looks for the other edition.
fn links_at_the_top(file: &str, text: &str) -> Vec<String> {
    let top: String = text.lines().take(5).collect::<Vec<_>>().join("\n");
    book::links(file, &top)
        .into_iter()
        .map(|l| l.path)
        .collect()
}

#[test]
fn each_page_links_to_its_twin_and_back() {
    let mut problems = Vec::new();
    for (english, english_text, zh, zh_text) in pairs() {
        if english.ends_with("/SUMMARY.md") {
            continue; // mdBook's table of contents, not a page
        }
        if !links_at_the_top(&english, &english_text).contains(&zh) {
            problems.push(format!(
                "{english} does not link to {zh} in its first 5 lines"
            ));
        }
        if !links_at_the_top(&zh, &zh_text).contains(&english) {
            problems.push(format!(
                "{zh} does not link back to {english} in its first 5 lines"
            ));
        }
    }
    let readme = book::read("README.md").unwrap_or_default();
    if !book::links("README.md", &readme)
        .iter()
        .any(|l| l.path == "tutorial/zh/README.md")
    {
        problems.push("README.md does not link to tutorial/zh/README.md".into());
    }
    report("pages that do not link to their twin", problems);
}

#[test]
fn twins_show_the_same_pictures_in_the_same_order() {
    let mut problems = Vec::new();
    for (english, english_text, zh, zh_text) in pairs() {
        let shown = |file: &str, text: &str| -> Vec<String> {
            book::images(file, text)
                .into_iter()
                .map(|i| i.path)
                .collect()
        };
        let (a, b) = (shown(&english, &english_text), shown(&zh, &zh_text));
        if a != b {
            problems.push(format!("{zh} shows {b:?}, {english} shows {a:?}"));
        }
    }
    report("pictures that differ between twins", problems);
}
