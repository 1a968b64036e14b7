//! The house rule, checked on the source itself: imports between top-level modules run
//! one way only, down to the ground layer, and only the wiring point names an adapter.
//! Tests are left out: they may build whatever they need.

use std::collections::BTreeSet;
use std::path::Path;

/// Each top-level module and what it may import of the project (besides itself and the
/// crate-root macros).
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("config", &[]),
    ("environment", &["domain"]),
    ("logs", &["domain"]),
    ("ops", &["domain", "config"]),
    ("backends", &["domain", "logs", "ops", "config"]),
    ("app", &["domain", "logs", "ops", "config"]),
    ("ui", &["domain", "logs", "ops", "config", "app"]),
    ("runtime", &["domain", "logs", "ops", "config", "app", "ui"]),
    (
        "cmd",
        &[
            "domain",
            "logs",
            "ops",
            "config",
            "app",
            "ui",
            "runtime",
            "backends",
            "environment",
        ],
    ),
];

/// The code of a file without its test modules and comments.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t == "#[cfg(test)]" {
            // A test module (inline or a sibling file) ends what counts: test modules go
            // at the end of a file.
            if lines.peek().is_some_and(|n| {
                let n = n.trim_start();
                n.starts_with("mod ") || n.starts_with("pub(crate) mod ") || n.starts_with("#[path")
            }) {
                break;
            }
            continue;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with("_tests.rs") && name != "tests.rs" && name != "fakes.rs" {
                out.push(path);
            }
        }
    }
}

/// `crate::NAME` references in `code`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let name: String = code[i + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            // `crate::{a, b}` hides what it imports: flagged, to be written out.
            found.insert("{…}".to_string());
        } else if !name.starts_with("say_") {
            found.insert(name);
        }
    }
    found
}

#[test]
fn imports_run_down_to_the_ground_and_only_the_wiring_names_an_adapter() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    for path in &all {
        let rel = path.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| *m == top) else {
            continue; // lib.rs, main.rs, this file
        };
        let code = code_of(&std::fs::read_to_string(path).unwrap());
        for name in imports(&code) {
            if name != top && !allowed.contains(&name.as_str()) {
                wrong.push(format!("{} imports crate::{name}", rel.display()));
            }
        }
        let wiring = rel == Path::new("cmd/wiring.rs");
        if top == "cmd" && !wiring && code.contains("crate::backends") {
            wrong.push(format!("{} names an adapter", rel.display()));
        }
    }
    assert!(all.len() > 50, "found only {} files", all.len());
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_check_sees_an_import_that_runs_back_up() {
    let code = code_of(
        "// crate::app in a comment\nuse crate::app::App;\n#[cfg(test)]\nmod tests {\n use crate::ui;\n}\n",
    );
    assert_eq!(imports(&code), BTreeSet::from(["app".to_string()]));
}

#[test]
fn no_source_file_is_over_800_lines_tests_aside() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let long: Vec<String> = all
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            // Every line up to the test modules, comments included.
            let lines = text
                .lines()
                .collect::<Vec<_>>()
                .windows(2)
                .position(|w| {
                    w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod ")
                })
                .unwrap_or(text.lines().count());
            (lines > 800).then(|| format!("{}: {lines}", path.display()))
        })
        .collect();
    assert!(long.is_empty(), "{long:#?}");
}
