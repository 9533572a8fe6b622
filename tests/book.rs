//! The tutorial as a book: `mdbook build tutorial` (the README's promise)
//! and then `mdbook build tutorial/zh`, the Chinese edition, which builds into
//! the English book's `zh/`, build without warnings, and no link in either
//! leads nowhere. For every
//! built HTML page, each relative `href` and `src` names a file of the build,
//! and each `#fragment` an `id` in that file.
//!
//! The chapters also link to the repository's own files (`../src/chat.rs`,
//! `../examples/step7.rs`, `../CONTRIBUTING.md#…`), which the book does not
//! contain: the book's root is `tutorial/`, and those links climb out of it.
//! They are right on GitHub and in a checkout, where the book is read next to
//! the code, so they are kept as they are. Here a link that climbs out of the
//! build is a *repository link*: it must name a file that exists in the
//! repository, counting from `tutorial/` as the markdown did. mdBook rewrites
//! every relative `.md` link to `.html`, so a repository link to `NAME.html`
//! is taken for the `NAME.md` it was written as. Their fragments are GitHub's
//! heading anchors, checked by `tests/tutorial.rs`, not here.
//!
//! mdBook is a separate program (`cargo install --locked mdbook`, which
//! `.ci/run` does). Without it the test fails under `CI=true`, and otherwise
//! says that it skipped and passes.

mod common;

use common::root;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Says something the test's output capture does not swallow: a skip, and
/// the one-line summary.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The mdbook to run: `$MDBOOK`, or `mdbook` from the PATH.
fn mdbook() -> Option<(String, String)> {
    let program = std::env::var("MDBOOK").unwrap_or_else(|_| "mdbook".into());
    let output = Command::new(&program).arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    output.status.success().then_some((program, version))
}

/// Where `tutorial/book.toml` says the book is built, as a path.
fn build_dir() -> PathBuf {
    let config = fs::read_to_string(root().join("tutorial/book.toml")).expect("tutorial/book.toml");
    let dir = config
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "build-dir").then(|| value.trim().trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "book".into());
    root().join(normalise(&join("tutorial", &dir)))
}

#[test]
fn the_book_builds_and_its_links_resolve() {
    let Some((mdbook, version)) = mdbook() else {
        let why = "mdbook not found (cargo install --locked mdbook)";
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!("{why}; under CI=true the book must be built");
        }
        say(&format!(
            "SKIP tests/book.rs: {why}; under CI=true this fails"
        ));
        return;
    };
    // The English book first: the Chinese one builds inside it, into
    // `zh/`, and its pictures and links to the English twins lead there.
    for book in ["tutorial", "tutorial/zh"] {
        let output = Command::new(&mdbook)
            .args(["build", book])
            .current_dir(root())
            .output()
            .unwrap_or_else(|error| panic!("cannot run {mdbook}: {error}"));
        let log = String::from_utf8_lossy(&output.stderr).to_string()
            + &String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "mdbook build {book} failed:\n{log}"
        );
        let warnings: Vec<&str> = log
            .lines()
            .filter(|line| line.contains("WARN") || line.contains("ERROR"))
            .collect();
        assert!(
            warnings.is_empty(),
            "mdbook build {book} warned:\n{}",
            warnings.join("\n")
        );
    }

    let book = build_dir();
    let pages = Site::read(&book);
    for index in ["index.html", "zh/index.html"] {
        assert!(
            pages.pages.contains_key(index),
            "no {index} in {}",
            book.display()
        );
    }
    let checked = pages.check();
    if !checked.problems.is_empty() {
        panic!(
            "links in the book at {} that lead nowhere:\n  {}\n",
            book.display(),
            checked.problems.join("\n  ")
        );
    }
    say(&format!(
        "tests/book.rs: {version} built {}: {} pages, {} links resolve, of which {} lead to {} repository files",
        book.strip_prefix(root()).unwrap_or(&book).display(),
        pages.pages.len(),
        checked.links,
        checked.repository_links,
        checked.repository_files.len(),
    ));
}

// ---------------------------------------------------------------------------
// The built site

/// One HTML page: the links it makes, and the ids a link can point at.
#[derive(Debug, Default)]
struct Page {
    /// `href` and `src` values, entities decoded.
    links: Vec<String>,
    ids: BTreeSet<String>,
    /// `<base href>`, if the page has one.
    base: Option<String>,
}

/// Every page of a build, by its path relative to the build's root (`/`-separated).
struct Site {
    root: PathBuf,
    pages: BTreeMap<String, Page>,
}

#[derive(Debug, Default)]
struct Checked {
    links: usize,
    repository_links: usize,
    repository_files: BTreeSet<String>,
    problems: Vec<String>,
}

impl Site {
    fn read(root: &Path) -> Site {
        let mut pages = BTreeMap::new();
        for file in files(root) {
            if file.ends_with(".html") {
                let text = fs::read_to_string(root.join(&file)).unwrap_or_default();
                pages.insert(file, parse_html(&text));
            }
        }
        Site {
            root: root.to_path_buf(),
            pages,
        }
    }

    fn check(&self) -> Checked {
        let mut checked = Checked::default();
        for (from, page) in &self.pages {
            for link in &page.links {
                checked.links += 1;
                match self.resolve(from, page, link) {
                    Target::Elsewhere => checked.links -= 1,
                    Target::Repository(path) => {
                        checked.repository_links += 1;
                        match repository_file(&path) {
                            Some(file) => {
                                checked.repository_files.insert(file);
                            }
                            None => checked.problems.push(format!(
                                "{from}: {link} leaves the book for {}, which is not in the repository",
                                normalise(&join("tutorial", &path))
                            )),
                        }
                    }
                    Target::Book(path, fragment) => {
                        if let Err(problem) = self.find(&path, fragment.as_deref()) {
                            checked.problems.push(format!("{from}: {link}: {problem}"));
                        }
                    }
                }
            }
        }
        checked
    }

    /// Where `link`, on page `from`, leads.
    fn resolve(&self, from: &str, page: &Page, link: &str) -> Target {
        if has_scheme(link) || link.starts_with("//") {
            return Target::Elsewhere;
        }
        let (path, fragment) = match link.split_once('#') {
            Some((path, fragment)) => (path, Some(percent_decode(fragment))),
            None => (link, None),
        };
        let path = percent_decode(path.split('?').next().unwrap_or(""));
        if path.is_empty() {
            return Target::Book(from.to_string(), fragment);
        }
        let dir = match (&page.base, path.starts_with('/')) {
            (_, true) => String::new(),
            (Some(base), _) if base.starts_with('/') => base.trim_start_matches('/').to_string(),
            (Some(base), _) => join(parent(from), base),
            (None, _) => parent(from).to_string(),
        };
        let resolved = normalise(&join(&dir, path.trim_start_matches('/')));
        if resolved.starts_with("../") || resolved == ".." {
            return Target::Repository(resolved);
        }
        Target::Book(resolved, fragment)
    }

    /// Checks that the build has `path` (a directory means its `index.html`)
    /// and, for a page, an element with id `fragment`.
    fn find(&self, path: &str, fragment: Option<&str>) -> Result<(), String> {
        let full = self.root.join(path);
        let path = if full.is_dir() {
            normalise(&join(path, "index.html"))
        } else {
            path.to_string()
        };
        if !self.root.join(&path).is_file() {
            return Err(format!("{path} is not in the build"));
        }
        let Some(fragment) = fragment.filter(|f| !f.is_empty()) else {
            return Ok(());
        };
        match self.pages.get(&path) {
            Some(page) if page.ids.contains(fragment) => Ok(()),
            Some(_) => Err(format!("{path} has no id {fragment:?}")),
            None => Ok(()), // a fragment of a non-HTML file: nothing to check
        }
    }
}

enum Target {
    /// Another site, or `mailto:` and the like.
    Elsewhere,
    /// A file of the build, and maybe an id in it.
    Book(String, Option<String>),
    /// Out of the build: relative to `tutorial/`, as the markdown wrote it.
    Repository(String),
}

/// The repository file a repository link names: `path` is relative to
/// `tutorial/`; `NAME.html` may stand for `NAME.md`, as mdBook rewrites it.
fn repository_file(path: &str) -> Option<String> {
    let file = normalise(&join("tutorial", path));
    if file.starts_with("../") {
        return None; // out of the repository altogether
    }
    let exists = |file: &str| root().join(file).exists();
    if exists(&file) {
        return Some(file);
    }
    let markdown = format!("{}.md", file.strip_suffix(".html")?);
    exists(&markdown).then_some(markdown)
}

/// Every file below `dir`, as `/`-separated paths relative to it.
fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(next) = todo.pop() {
        for entry in fs::read_dir(&next).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                found.push(parts.join("/"));
            }
        }
    }
    found.sort();
    found
}

fn has_scheme(link: &str) -> bool {
    let end = link.find(['/', '?', '#']).unwrap_or(link.len());
    link[..end].contains(':')
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn join(dir: &str, path: &str) -> String {
    if dir.is_empty() {
        path.to_string()
    } else {
        format!("{}/{path}", dir.trim_end_matches('/'))
    }
}

/// `a/./b/../c` → `a/c`; `..` that climbs above the start stays.
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

// ---------------------------------------------------------------------------
// Just enough HTML

/// The links, ids and base of a page. mdBook writes well-formed HTML with
/// quoted attributes, and escapes `<` in text, so a tag is a `<` followed by
/// a name; comments, and the contents of `<script>` and `<style>`, are skipped.
fn parse_html(html: &str) -> Page {
    let mut page = Page::default();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let name_len = rest[1..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len() - 1);
        let name = rest[1..1 + name_len].to_ascii_lowercase();
        if name.is_empty() {
            // `</…>`, `<!DOCTYPE…>`, or a stray `<`.
            rest = &rest[1..];
            continue;
        }
        let (attributes, after) = tag_attributes(&rest[1 + name_len..]);
        rest = after;
        for (key, value) in attributes {
            match key.as_str() {
                "href" | "src" if name == "base" => page.base = Some(value),
                "href" | "src" => page.links.push(value),
                "id" => {
                    page.ids.insert(value);
                }
                "name" if name == "a" => {
                    page.ids.insert(value);
                }
                _ => {}
            }
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            rest = rest
                .to_ascii_lowercase()
                .find(&close)
                .map_or("", |end| &rest[end..]);
        }
    }
    page
}

/// The attributes of a tag, from just after its name, and the text after its `>`.
fn tag_attributes(mut rest: &str) -> (Vec<(String, String)>, &str) {
    let mut attributes = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return (attributes, rest);
        }
        if let Some(after) = rest.strip_prefix('>') {
            return (attributes, after);
        }
        let key_len = rest
            .find(|c: char| c.is_whitespace() || "=>/".contains(c))
            .unwrap_or(rest.len())
            .max(1);
        let key = rest[..key_len].to_ascii_lowercase();
        rest = rest[key_len..].trim_start();
        let Some(value_start) = rest.strip_prefix('=') else {
            attributes.push((key, String::new()));
            continue;
        };
        let value_start = value_start.trim_start();
        let (value, after) = match value_start.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let inner = &value_start[1..];
                let end = inner.find(quote).unwrap_or(inner.len());
                (&inner[..end], inner.get(end + 1..).unwrap_or(""))
            }
            _ => {
                let end = value_start
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(value_start.len());
                (&value_start[..end], &value_start[end..])
            }
        };
        attributes.push((key, decode_entities(value)));
        rest = after;
    }
}

/// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;` and numeric references.
fn decode_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let number = entity.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `%E8%AF%BB` → `读`; anything that is not valid percent-encoded UTF-8 stays as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

// ---------------------------------------------------------------------------
// The checker's own rules

#[test]
fn html_links_ids_and_base_are_found() {
    let html = r##"<!DOCTYPE html><html><head><base href="/"><script>if (a<b) { x = '<a href="no">'; }</script>
<style>a[href="no"] {}</style></head><body><!-- <a href="no"> -->
<h2 id="the-code"><a class="header" href="#the-code">The code</a></h2>
<p>&lt;a href="no"&gt; <a href='02-x.html#y&amp;z'>x</a><img src=img/a.svg alt="a"><a name=old></a></p>"##;
    let page = parse_html(html);
    assert_eq!(page.links, ["#the-code", "02-x.html#y&z", "img/a.svg"]);
    assert_eq!(page.ids.iter().collect::<Vec<_>>(), ["old", "the-code"]);
    assert_eq!(page.base.as_deref(), Some("/"));
    assert_eq!(decode_entities("&#x41;&#66;&nope; & &lt;"), "AB&nope; & <");
    assert_eq!(percent_decode("%E8%AF%BB-%zz"), "读-%zz");
}

#[test]
fn links_resolve_to_the_book_or_the_repository() {
    let site = Site {
        root: PathBuf::from("/nowhere"),
        pages: BTreeMap::new(),
    };
    let page = Page::default();
    let resolve = |from: &str, link: &str| match site.resolve(from, &page, link) {
        Target::Elsewhere => "elsewhere".to_string(),
        Target::Book(path, fragment) => format!("book {path} {fragment:?}"),
        Target::Repository(path) => format!("repository {path}"),
    };
    assert_eq!(resolve("a.html", "https://x.org/a"), "elsewhere");
    assert_eq!(resolve("a.html", "mailto:x@y"), "elsewhere");
    assert_eq!(resolve("a.html", "#x"), "book a.html Some(\"x\")");
    assert_eq!(
        resolve("a.html", "b.html?q#%E8%AF%BB"),
        "book b.html Some(\"读\")"
    );
    assert_eq!(resolve("css/a.html", "../img/b.svg"), "book img/b.svg None");
    assert_eq!(
        resolve("a.html", "../src/chat.rs"),
        "repository ../src/chat.rs"
    );
    let based = Page {
        base: Some("/".into()),
        ..Page::default()
    };
    assert!(matches!(
        site.resolve("deep/404.html", &based, "css/x.css"),
        Target::Book(path, None) if path == "css/x.css"
    ));
    assert_eq!(
        repository_file("../src/lib.rs").as_deref(),
        Some("src/lib.rs")
    );
    assert_eq!(
        repository_file("../CONTRIBUTING.html").as_deref(),
        Some("CONTRIBUTING.md")
    );
    assert_eq!(repository_file("../src/nothing.rs"), None);
    assert_eq!(repository_file("../../outside"), None);
    assert_eq!(normalise("a/./b/../c"), "a/c");
    assert_eq!(normalise("../a/../../b"), "../../b");
}
