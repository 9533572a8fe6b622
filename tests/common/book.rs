//! Reading the tutorial's markdown and the sources it quotes: chapters,
//! headings and their GitHub slugs, fenced blocks, the `<!-- quote: -->` and
//! `<!-- run: -->` markers, links, and `ANCHOR` regions in source files.
//!
//! Paths are relative to the repository root and use `/`, as the chapters
//! write them.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Component, Path, PathBuf};

use super::root;

/// Reads a file of the repository, by its relative path.
pub fn read(path: &str) -> Option<String> {
    fs::read_to_string(root().join(path)).ok()
}

/// Writes a file of the repository (only when blessing).
pub fn write(path: &str, text: &str) {
    fs::write(root().join(path), text)
        .unwrap_or_else(|error| panic!("cannot write {path}: {error}"));
}

/// True when the tests should rewrite the markdown instead of failing: `WSLAB_BLESS=1`.
pub fn blessing() -> bool {
    std::env::var_os("WSLAB_BLESS").is_some_and(|value| value == "1")
}

/// Files below `dir` (relative), recursively, sorted, as relative paths.
pub fn files_under(dir: &str) -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&root().join(dir), &mut paths);
    let mut files: Vec<String> = paths.iter().map(|path| relative(path)).collect();
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    let path = path.strip_prefix(root()).unwrap_or(path);
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

// ---------------------------------------------------------------------------
// Chapters

/// A chapter file: `tutorial/NN-name.md`.
#[derive(Debug, Clone)]
pub struct Chapter {
    pub number: u32,
    /// `tutorial/01-listen-and-accept.md`
    pub path: String,
    pub text: String,
}

/// Whether `name` (a file name) is a chapter's: two digits, a dash, lowercase
/// words joined by dashes, `.md`.
pub fn chapter_number(name: &str) -> Option<u32> {
    let stem = name.strip_suffix(".md")?;
    let (digits, words) = stem.split_at_checked(2)?;
    let words = words.strip_prefix('-')?;
    let valid = digits.bytes().all(|b| b.is_ascii_digit())
        && !words.is_empty()
        && words
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then(|| digits.parse().unwrap())
}

/// Every chapter in `tutorial/`, in order.
pub fn chapters() -> Vec<Chapter> {
    let mut chapters: Vec<Chapter> = files_under("tutorial")
        .into_iter()
        .filter_map(|path| {
            let name = path.strip_prefix("tutorial/")?;
            let number = chapter_number(name)?;
            let text = read(&path)?;
            Some(Chapter { number, path, text })
        })
        .collect();
    chapters.sort_by(|a, b| a.path.cmp(&b.path));
    chapters
}

/// The markdown pages directly in `dir` (not in its subfolders), sorted.
pub fn pages_in(dir: &str) -> Vec<String> {
    let prefix = format!("{dir}/");
    files_under(dir)
        .into_iter()
        .filter(|path| path.ends_with(".md") && !path[prefix.len()..].contains('/'))
        .collect()
}

/// Every markdown file of the tutorial (chapters, index, summary), its Chinese
/// edition in `tutorial/zh/`, and the top-level README and CONTRIBUTING: the
/// files whose links and markers are checked, and which blessing rewrites.
pub fn markdown_files() -> Vec<String> {
    let mut files = pages_in("tutorial");
    files.extend(pages_in("tutorial/zh"));
    files.push("README.md".to_string());
    files.push("CONTRIBUTING.md".to_string());
    files
}

// ---------------------------------------------------------------------------
// Fenced blocks and markers

/// A fenced code block: the lines (0-based) of its opening and closing fences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub open: usize,
    pub close: usize,
    /// What follows the opening backticks: `rust`, `console`.
    pub info: String,
}

/// The fenced blocks of a markdown text. An unclosed fence runs to the end.
pub fn fences(text: &str) -> Vec<Fence> {
    let lines: Vec<&str> = text.lines().collect();
    let mut fences = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some((ticks, info)) = fence_open(lines[i]) {
            let close = (i + 1..lines.len())
                .find(|&j| {
                    let line = lines[j].trim();
                    line.len() >= ticks.len() && line.chars().all(|c| ticks.starts_with(c))
                })
                .unwrap_or(lines.len());
            fences.push(Fence {
                open: i,
                close,
                info: info.to_string(),
            });
            i = close + 1;
        } else {
            i += 1;
        }
    }
    fences
}

/// `("```", "rust")` for a line that opens a fence.
fn fence_open(line: &str) -> Option<(&str, &str)> {
    let indent = line.len() - line.trim_start().len();
    let line = line.trim_start();
    if indent > 3 {
        return None;
    }
    for mark in ['`', '~'] {
        let count = line.chars().take_while(|&c| c == mark).count();
        if count >= 3 {
            return Some((&line[..count], line[count..].trim()));
        }
    }
    None
}

/// For each line, whether it is inside a fenced block (fences included).
pub fn fenced_lines(text: &str) -> Vec<bool> {
    let count = text.lines().count();
    let mut fenced = vec![false; count];
    for fence in fences(text) {
        for flag in &mut fenced[fence.open..=fence.close.min(count.saturating_sub(1))] {
            *flag = true;
        }
    }
    fenced
}

/// A `<!-- KIND: ARG -->` line, and the block that must follow it.
#[derive(Debug, Clone)]
pub struct Marker {
    /// 1-based, for messages.
    pub line: usize,
    pub arg: String,
    /// The fence that directly follows, or what is there instead.
    pub block: Result<Fence, String>,
}

/// The markers of one kind (`quote`, `run`) outside fenced blocks. A marker is
/// a line of its own.
pub fn markers(text: &str, kind: &str) -> Vec<Marker> {
    let lines: Vec<&str> = text.lines().collect();
    let fenced = fenced_lines(text);
    let fences = fences(text);
    let prefix = format!("<!-- {kind}:");
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim();
        if fenced[i] || !line.starts_with(&prefix) {
            continue;
        }
        let arg = line
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix("-->"))
            .map(str::trim)
            .unwrap_or("")
            .to_string();
        let block = match fences.iter().find(|f| f.open == i + 1) {
            Some(fence) => Ok(fence.clone()),
            None => Err(lines
                .get(i + 1)
                .unwrap_or(&"the end of the file")
                .to_string()),
        };
        found.push(Marker {
            line: i + 1,
            arg,
            block,
        });
    }
    found
}

/// The text between a fence's opening and closing lines.
pub fn block_body(text: &str, fence: &Fence) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = fence.close.min(lines.len());
    let mut body = lines[fence.open + 1..end].join("\n");
    if end > fence.open + 1 {
        body.push('\n');
    }
    body
}

/// `text` with the body of `fence` replaced by `body` (which ends with `\n`
/// unless empty).
pub fn replace_body(text: &str, fence: &Fence, body: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for line in &lines[..=fence.open] {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(body);
    for line in &lines[fence.close.min(lines.len())..] {
        out.push_str(line);
        out.push('\n');
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    out
}

// ---------------------------------------------------------------------------
// Headings and slugs

/// An ATX heading (`## Run it`) outside fenced blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 0-based.
    pub line: usize,
    /// The number of `#`s.
    pub level: usize,
    pub text: String,
}

/// Every heading of a markdown text, in order.
pub fn heading_lines(text: &str) -> Vec<Heading> {
    let fenced = fenced_lines(text);
    text.lines()
        .enumerate()
        .filter(|&(i, _)| !fenced[i])
        .filter_map(|(i, line)| {
            let hashes = line.chars().take_while(|&c| c == '#').count();
            let rest = &line[hashes..];
            if !(1..=6).contains(&hashes) || !(rest.is_empty() || rest.starts_with(' ')) {
                return None;
            }
            let rest = rest.trim();
            // A closing sequence of #s is not part of the heading.
            let trimmed = rest.trim_end_matches('#');
            let rest = if trimmed.ends_with(' ') || trimmed.is_empty() {
                trimmed.trim_end()
            } else {
                rest
            };
            Some(Heading {
                line: i,
                level: hashes,
                text: rest.to_string(),
            })
        })
        .collect()
}

/// The text of each ATX heading outside fenced blocks.
pub fn headings(text: &str) -> Vec<String> {
    heading_lines(text).into_iter().map(|h| h.text).collect()
}

/// The ids a page sets itself with a line `<a id="ID"></a>`, outside fenced
/// blocks. A Chinese page puts its English twin's slug before each heading
/// this way, so a link to `#the-goal` works in either edition.
pub fn explicit_ids(text: &str) -> Vec<String> {
    let fenced = fenced_lines(text);
    text.lines()
        .enumerate()
        .filter(|&(i, _)| !fenced[i])
        .filter_map(|(_, line)| {
            let id = line
                .trim()
                .strip_prefix("<a id=\"")?
                .strip_suffix("\"></a>")?;
            Some(id.to_string())
        })
        .collect()
}

/// The anchor GitHub gives a heading: the rendered text, lowercased, without
/// punctuation (letters of every script, digits, `-` and `_` stay), spaces as `-`.
pub fn slug(heading: &str) -> String {
    rendered(heading)
        .to_lowercase()
        .chars()
        .filter(|&c| c.is_alphanumeric() || c == '-' || c == '_' || c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// A heading's text as rendered: links become their text, `*` emphasis goes.
/// (Code spans keep their content; the backticks are punctuation anyway.)
fn rendered(heading: &str) -> String {
    let mut out = String::new();
    let mut rest = heading.trim();
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out.replace('*', "")
}

/// Every slug of a markdown text, with GitHub's `-1`, `-2` for repeats.
pub fn slugs(text: &str) -> Vec<String> {
    // As github-slugger does it: count per original slug, and never hand out
    // a slug twice.
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for heading in headings(text) {
        let original = slug(&heading);
        let mut result = original.clone();
        while occurrences.contains_key(&result) {
            let count = occurrences.get_mut(&original).unwrap();
            *count += 1;
            result = format!("{original}-{count}");
        }
        occurrences.insert(result.clone(), 0);
        out.push(result);
    }
    out
}

// ---------------------------------------------------------------------------
// References to chapters and links

/// A place in a file that names another file, maybe with `#fragment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// 1-based.
    pub line: usize,
    /// Resolved against the repository root.
    pub path: String,
    pub fragment: Option<String>,
}

/// Each `tutorial/NAME.md` or `tutorial/NAME.md#slug` in a source text.
pub fn tutorial_references(text: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("tutorial/") {
            // `../tutorial/x.md` or `wslab/tutorial/x.md` name the same file.
            let after = &rest[at + "tutorial/".len()..];
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
                .unwrap_or(after.len());
            let name = after[..name_len].trim_end_matches('.');
            rest = &after[name.len()..];
            if !name.ends_with(".md") {
                continue;
            }
            let fragment = rest.strip_prefix('#').map(|frag| {
                let len = frag
                    .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
                    .unwrap_or(frag.len());
                frag[..len].to_string()
            });
            found.push(Reference {
                line: i + 1,
                path: format!("tutorial/{name}"),
                fragment,
            });
        }
    }
    found
}

/// The relative links (`[text](target)`) of a markdown file, outside fenced
/// blocks and code spans, resolved against the file's directory. Links with a
/// scheme (`https:`) are left out; `#slug` alone refers to the file itself.
pub fn links(file: &str, text: &str) -> Vec<Reference> {
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    let mut found = Vec::new();
    for (i, line) in prose_lines(text) {
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split_whitespace().next().unwrap_or("");
            rest = &after[end..];
            if target.contains(':') || target.is_empty() {
                continue;
            }
            let (path, fragment) = match target.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment.to_string())),
                None => (target, None),
            };
            let path = if path.is_empty() {
                file.to_string()
            } else {
                normalise(&dir.join(path))
            };
            found.push(Reference {
                line: i + 1,
                path,
                fragment,
            });
        }
    }
    found
}

/// A picture a markdown file shows: `![alt](path)`, outside fenced blocks and
/// code spans, its path resolved against the file's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// 1-based.
    pub line: usize,
    pub alt: String,
    /// Resolved against the repository root.
    pub path: String,
}

/// The pictures (`![alt](path)`) of a markdown file. Pictures from the web
/// (`https:`) are left out: the tutorial's are its own files.
pub fn images(file: &str, text: &str) -> Vec<Image> {
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    let mut found = Vec::new();
    for (i, line) in prose_lines(text) {
        let mut rest = line.as_str();
        while let Some(at) = rest.find("![") {
            let after = &rest[at + 2..];
            let Some((alt, target)) = after.split_once("](") else {
                break;
            };
            let end = target.find(')').unwrap_or(target.len());
            let path = target[..end].split_whitespace().next().unwrap_or("");
            rest = &target[end..];
            if path.contains(':') {
                continue;
            }
            found.push(Image {
                line: i + 1,
                alt: alt.to_string(),
                path: normalise(&dir.join(path)),
            });
        }
    }
    found
}

/// Each line outside fenced blocks, 0-based, with its code spans taken out:
/// where links and pictures can be.
fn prose_lines(text: &str) -> impl Iterator<Item = (usize, String)> + '_ {
    let fenced = fenced_lines(text);
    text.lines()
        .enumerate()
        .filter(move |&(i, _)| !fenced[i])
        .map(|(i, line)| (i, without_code_spans(line)))
}

fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in line.chars() {
        if c == '`' {
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// `a/b/../c` → `a/c`, as a `/`-separated relative path.
fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if parts.last().is_some_and(|last| last != "..") {
                    parts.pop();
                } else {
                    parts.push("..".to_string());
                }
            }
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// Checks that `reference` (found in `from`) names a file that exists and, if
/// it has a fragment, a heading of that markdown file. `Err` says what is wrong.
pub fn check_reference(from: &str, reference: &Reference) -> Result<(), String> {
    let place = format!("{from}:{}", reference.line);
    let target = root().join(&reference.path);
    if !target.exists() {
        return Err(format!("{place}: {} does not exist", reference.path));
    }
    let Some(fragment) = &reference.fragment else {
        return Ok(());
    };
    if !reference.path.ends_with(".md") {
        return Ok(());
    }
    let text = read(&reference.path).unwrap_or_default();
    let mut targets = slugs(&text);
    targets.extend(explicit_ids(&text));
    if targets.iter().any(|s| s == fragment) {
        return Ok(());
    }
    Err(format!(
        "{place}: {} has no heading with the anchor #{fragment}; its anchors are: {}",
        reference.path,
        targets.join(", ")
    ))
}

// ---------------------------------------------------------------------------
// Anchors in source files

/// One `ANCHOR: name` … `ANCHOR_END: name` region of a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub name: String,
    /// 1-based lines of the two markers.
    pub start: usize,
    pub end: usize,
}

/// `("ANCHOR", name)` or `("ANCHOR_END", name)` for a marker line.
fn anchor_marker(line: &str) -> Option<(&'static str, &str)> {
    for kind in ["ANCHOR_END", "ANCHOR"] {
        let Some(at) = line.find(&format!("{kind}:")) else {
            continue;
        };
        let rest = line[at + kind.len() + 1..].trim_start();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        return Some((kind, &rest[..len]));
    }
    None
}

/// The anchors of a source text, or every mistake in their markers (a start
/// without an end, an end without a start, a name used twice, a marker
/// without a name), each with its line.
pub fn anchors(text: &str) -> Result<Vec<Anchor>, Vec<String>> {
    let mut open: BTreeMap<String, usize> = BTreeMap::new();
    let mut done: Vec<Anchor> = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let Some((kind, name)) = anchor_marker(line) else {
            continue;
        };
        if name.is_empty() {
            errors.push(format!("line {line_no}: {kind} without a name"));
            continue;
        }
        if kind == "ANCHOR" {
            if open.contains_key(name) || done.iter().any(|a| a.name == name) {
                errors.push(format!("line {line_no}: ANCHOR {name} is used twice"));
            }
            open.insert(name.to_string(), line_no);
        } else {
            match open.remove(name) {
                Some(start) => done.push(Anchor {
                    name: name.to_string(),
                    start,
                    end: line_no,
                }),
                None => errors.push(format!(
                    "line {line_no}: ANCHOR_END {name} has no ANCHOR {name} before it"
                )),
            }
        }
    }
    for (name, start) in open {
        errors.push(format!(
            "line {start}: ANCHOR {name} has no ANCHOR_END {name}"
        ));
    }
    if errors.is_empty() {
        done.sort_by_key(|a| a.start);
        Ok(done)
    } else {
        Err(errors)
    }
}

/// The lines of the anchor `name` in `text`, the way a chapter quotes them:
/// nested marker lines removed, then the common indentation removed. Ends with
/// `\n` unless empty.
pub fn anchor_text(text: &str, name: &str) -> Result<String, String> {
    let anchors = anchors(text).map_err(|errors| errors.join("; "))?;
    let anchor = anchors.iter().find(|a| a.name == name).ok_or_else(|| {
        let names: Vec<&str> = anchors.iter().map(|a| a.name.as_str()).collect();
        format!("no anchor {name:?}; the file has: {}", names.join(", "))
    })?;
    let lines: Vec<&str> = text
        .lines()
        .skip(anchor.start)
        .take(anchor.end - anchor.start - 1)
        .filter(|line| anchor_marker(line).is_none())
        .collect();
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in lines {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push_str(&line[indent..]);
            out.push('\n');
        }
    }
    Ok(out)
}

/// Where two texts first differ, as a message: the line number in each and
/// both lines.
pub fn first_difference(
    (left_name, left, left_first_line): (&str, &str, usize),
    (right_name, right, right_first_line): (&str, &str, usize),
) -> String {
    let a: Vec<&str> = left.lines().collect();
    let b: Vec<&str> = right.lines().collect();
    let i = (0..a.len().max(b.len()))
        .find(|&i| a.get(i) != b.get(i))
        .unwrap_or(a.len());
    let show = |lines: &[&str], i: usize| match lines.get(i) {
        Some(line) => format!("{line:?}"),
        None => "(nothing: the text ends here)".to_string(),
    };
    format!(
        "first difference:\n      {left_name} line {}: {}\n      {right_name} line {}: {}",
        left_first_line + i,
        show(&a, i),
        right_first_line + i,
        show(&b, i)
    )
}

/// A block whose text is not what it should be.
#[derive(Debug)]
pub struct Mismatch {
    pub file: String,
    pub marker: Marker,
    pub fence: Fence,
    /// What the chapter shows.
    pub shown: String,
    pub expected: String,
}

impl Mismatch {
    /// `file:line`
    pub fn place(&self) -> String {
        format!("{}:{}", self.file, self.marker.line)
    }
}

/// Compares the block after each `<!-- KIND: ... -->` marker in the markdown
/// files with what `expected` says it should hold (`None`: nothing to compare,
/// for example because the marker is broken and was reported). Returns the
/// blocks that differ; when [`blessing`], writes the expected text into the
/// files instead and returns nothing.
pub fn compare_blocks(
    kind: &str,
    mut expected: impl FnMut(&str, &Marker, &Fence) -> Option<String>,
) -> Vec<Mismatch> {
    let mut mismatches = Vec::new();
    for file in markdown_files() {
        let Some(mut text) = read(&file) else {
            continue;
        };
        let mut changed = false;
        // Bottom up, so that rewriting a block does not move the ones still to do.
        for marker in markers(&text, kind).into_iter().rev() {
            let Ok(fence) = marker.block.clone() else {
                continue;
            };
            let Some(expected) = expected(&file, &marker, &fence) else {
                continue;
            };
            let shown = block_body(&text, &fence);
            if shown == expected {
                continue;
            }
            if blessing() {
                text = replace_body(&text, &fence, &expected);
                changed = true;
                eprintln!("blessed {file}:{}: {kind} {}", marker.line, marker.arg);
                continue;
            }
            mismatches.push(Mismatch {
                file: file.clone(),
                marker,
                fence,
                shown,
                expected,
            });
        }
        if changed {
            write(&file, &text);
        }
    }
    mismatches.reverse();
    mismatches
}
