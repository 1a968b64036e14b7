//! Differences between two task definition revisions, as the operator reads them before
//! registering or rolling out: a unified text diff of the pretty JSON, the JSON paths that
//! changed, and a short summary for the confirmation dialog.

use std::time::Duration;

use serde_json::{Map, Value};
use similar::{ChangeTag, TextDiff, udiff::UnifiedHunkHeader};

use crate::ops::taskdef::path::{JsonPath, Seg};

/// How long the line diff may search for the smallest edit before settling for a larger
/// one; keeps huge, very different inputs from stalling the UI.
const DIFF_TIMEOUT: Duration = Duration::from_millis(250);
/// Summary lines shown before "… and N more".
const SUMMARY_LINES: usize = 12;
/// Values in a summary line are cut to about this many characters.
const VALUE_WIDTH: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Unchanged, shown around changes.
    Context,
    Added,
    Removed,
    /// `@@ -a,b +c,d @@`.
    Hunk,
}

/// One line of a unified diff. `text` has no newline and no `+`/`-`/space marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: LineKind,
    pub text: String,
}

impl DiffLine {
    /// The line as a unified diff file writes it, with its marker.
    pub fn render(&self) -> String {
        let marker = match self.kind {
            LineKind::Context => " ",
            LineKind::Added => "+",
            LineKind::Removed => "-",
            LineKind::Hunk => "",
        };
        format!("{marker}{}", self.text)
    }
}

/// A unified diff of two texts, line by line, with `context` unchanged lines around each
/// change. Empty when the texts have the same lines (a missing newline at the very end is
/// not a difference).
pub fn unified(old: &str, new: &str, context: usize) -> Vec<DiffLine> {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let diff = TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_slices(&old_lines, &new_lines);
    let mut out = Vec::new();
    for group in diff.grouped_ops(context) {
        if group.is_empty() {
            continue;
        }
        out.push(DiffLine {
            kind: LineKind::Hunk,
            text: UnifiedHunkHeader::new(&group).to_string(),
        });
        for op in &group {
            for change in diff.iter_changes(op) {
                let kind = match change.tag() {
                    ChangeTag::Equal => LineKind::Context,
                    ChangeTag::Insert => LineKind::Added,
                    ChangeTag::Delete => LineKind::Removed,
                };
                out.push(DiffLine {
                    kind,
                    text: change.value().to_string(),
                });
            }
        }
    }
    out
}

/// The paths whose values differ: changed, added or removed, in document order (an added
/// or removed subtree is one path; arrays are compared index by index).
pub fn changed_paths(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(&JsonPath::root(), old, new, &mut |path, _, _| {
        out.push(path.to_string())
    });
    out
}

/// Short lines for a confirmation: image changes by container name, other changes as
/// `path: old → new`; at most 12, then "… and N more".
pub fn summary(old: &Value, new: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    walk(&JsonPath::root(), old, new, &mut |path, before, after| {
        lines.push(summary_line(path, before, after, new, old));
    });
    if lines.len() > SUMMARY_LINES {
        let more = lines.len() - SUMMARY_LINES;
        lines.truncate(SUMMARY_LINES);
        lines.push(format!("… and {more} more"));
    }
    lines
}

/// Receives each difference: its path, the old value and the new (None where absent).
type Found<'f> = dyn FnMut(&JsonPath, Option<&Value>, Option<&Value>) + 'f;

/// Calls `found(path, old, new)` for each difference; None marks a side where the value is
/// absent.
fn walk(path: &JsonPath, old: &Value, new: &Value, found: &mut Found) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => walk_objects(path, a, b, found),
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let here = path.index(i);
                match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => walk(&here, x, y, found),
                    (x, y) => found(&here, x, y),
                }
            }
        }
        _ if old == new => {}
        _ => found(path, Some(old), Some(new)),
    }
}

/// Members in the new object's order; a removed member comes right after the member it
/// followed in the old object.
fn walk_objects(
    path: &JsonPath,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    found: &mut Found,
) {
    // For each removed key, the last key before it in the old object that the new object
    // still has (None: it came before all of them).
    let mut removed: Vec<(Option<&str>, &str, &Value)> = Vec::new();
    let mut anchor: Option<&str> = None;
    for (k, v) in old {
        if new.contains_key(k) {
            anchor = Some(k);
        } else {
            removed.push((anchor, k, v));
        }
    }
    emit_removed(path, &removed, None, found);
    for (k, v) in new {
        let here = path.key(k);
        match old.get(k) {
            Some(before) => walk(&here, before, v, found),
            None => found(&here, None, Some(v)),
        }
        emit_removed(path, &removed, Some(k), found);
    }
}

/// Reports the removed members that followed `after` in the old object.
fn emit_removed(
    path: &JsonPath,
    removed: &[(Option<&str>, &str, &Value)],
    after: Option<&str>,
    found: &mut Found,
) {
    for (_, k, v) in removed.iter().filter(|(a, _, _)| *a == after) {
        found(&path.key(k), Some(v), None);
    }
}

fn summary_line(
    path: &JsonPath,
    before: Option<&Value>,
    after: Option<&Value>,
    new_doc: &Value,
    old_doc: &Value,
) -> String {
    if let [Seg::Key(list), Seg::Index(i), Seg::Key(field)] = path.segments()
        && list == "containerDefinitions"
        && field == "image"
    {
        let name = [new_doc, old_doc]
            .iter()
            .find_map(|d| d["containerDefinitions"][*i]["name"].as_str());
        if let Some(name) = name {
            return format!(
                "container {}: image {} → {}",
                abbreviate(&shown_str(name)),
                shown(before),
                shown(after)
            );
        }
    }
    let label = if path.is_root() {
        "(document)".to_string()
    } else {
        path.to_string()
    };
    format!("{label}: {} → {}", shown(before), shown(after))
}

/// A value for a summary line: plain strings bare, everything else as compact JSON,
/// absent as "(none)", cut to about 60 characters.
fn shown(v: Option<&Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(Value::String(s)) => abbreviate(&shown_str(s)),
        Some(other) => abbreviate(&other.to_string()),
    }
}

/// A string bare when it reads unambiguously, quoted and escaped when it is empty, has
/// spaces at its ends or holds control characters (which must not reach the terminal).
fn shown_str(s: &str) -> String {
    let plain = !s.is_empty() && s.trim() == s && !s.chars().any(char::is_control);
    if plain {
        s.to_string()
    } else {
        Value::String(s.to_string()).to_string()
    }
}

fn abbreviate(s: &str) -> String {
    if s.chars().count() <= VALUE_WIDTH {
        return s.to_string();
    }
    let cut: String = s.chars().take(VALUE_WIDTH - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(lines: &[DiffLine]) -> String {
        lines
            .iter()
            .map(|l| match l.kind {
                LineKind::Context => ' ',
                LineKind::Added => '+',
                LineKind::Removed => '-',
                LineKind::Hunk => '@',
            })
            .collect()
    }

    #[test]
    fn equal_texts_have_no_diff() {
        assert!(unified("a\nb\n", "a\nb\n", 3).is_empty());
        assert!(unified("", "", 3).is_empty());
        assert!(unified("a\nb", "a\nb\n", 3).is_empty());
    }

    #[test]
    fn one_changed_line_makes_one_hunk_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let d = unified(old, new, 2);
        let rendered: Vec<String> = d.iter().map(DiffLine::render).collect();
        assert_eq!(
            rendered,
            ["@@ -3,5 +3,5 @@", " 3", " 4", "-5", "+five", " 6", " 7"]
        );
        assert_eq!(d[3].text, "5");
        assert_eq!(d[4].kind, LineKind::Added);
    }

    #[test]
    fn distant_changes_make_separate_hunks_and_near_ones_merge() {
        let numbered = |change: &[(u32, &str)]| -> String {
            (1..=20u32)
                .map(|n| match change.iter().find(|(at, _)| *at == n) {
                    Some((_, word)) => format!("{word}\n"),
                    None => format!("{n}\n"),
                })
                .collect()
        };
        let old = numbered(&[]);
        let far = numbered(&[(2, "two"), (19, "nineteen")]);
        let d = unified(&old, &far, 1);
        assert_eq!(kinds(&d), "@ -+ @ -+ ");
        assert_eq!(d[0].text, "@@ -1,3 +1,3 @@");
        assert_eq!(d[5].text, "@@ -18,3 +18,3 @@");
        let near = numbered(&[(5, "five"), (7, "seven")]);
        assert_eq!(kinds(&unified(&old, &near, 1)), "@ -+ -+ ");
    }

    #[test]
    fn additions_and_removals_at_the_ends_have_correct_headers() {
        assert_eq!(
            unified("", "a\nb\n", 3)
                .iter()
                .map(DiffLine::render)
                .collect::<Vec<_>>(),
            ["@@ -0,0 +1,2 @@", "+a", "+b"]
        );
        assert_eq!(
            unified("a\nb\n", "a\n", 0)
                .iter()
                .map(DiffLine::render)
                .collect::<Vec<_>>(),
            ["@@ -2 +1,0 @@", "-b"]
        );
    }

    #[test]
    fn changed_paths_lists_leaves_in_document_order() {
        let old = json!({
            "family": "web",
            "containerDefinitions": [
                {"name": "app", "image": "nginx:1.25", "memory": 256},
                {"name": "side", "image": "busybox"}
            ],
            "cpu": "256",
            "gone": true,
            "memory": "512"
        });
        let new = json!({
            "family": "web",
            "containerDefinitions": [
                {"name": "app", "image": "nginx:1.26", "memory": 256, "cpu": 128},
                {"name": "side", "image": "busybox"},
                {"name": "third", "image": "redis"}
            ],
            "cpu": "512",
            "memory": "512",
            "added": [1]
        });
        assert_eq!(
            changed_paths(&old, &new),
            [
                "containerDefinitions[0].image",
                "containerDefinitions[0].cpu",
                "containerDefinitions[2]",
                "cpu",
                "gone",
                "added"
            ]
        );
        assert!(changed_paths(&old, &old).is_empty());
    }

    #[test]
    fn type_changes_and_root_changes_are_one_path() {
        assert_eq!(
            changed_paths(&json!({"a": {"b": 1}}), &json!({"a": [1]})),
            ["a"]
        );
        assert_eq!(changed_paths(&json!(1), &json!("1")), [""]);
        assert_eq!(
            changed_paths(&json!({"a": [1, 2, 3]}), &json!({"a": [1]})),
            ["a[1]", "a[2]"]
        );
        assert_eq!(
            changed_paths(&json!({"x": 1, "y": 2}), &json!({"y": 2})),
            ["x"]
        );
        assert_eq!(
            changed_paths(&json!({"odd.key": 1}), &json!({"odd.key": 2})),
            [r#"["odd.key"]"#]
        );
    }

    #[test]
    fn key_order_alone_is_no_change() {
        assert!(changed_paths(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})).is_empty());
    }

    #[test]
    fn summary_names_containers_for_image_changes() {
        let old =
            json!({"containerDefinitions": [{"name": "app", "image": "nginx:1.25"}], "cpu": "256"});
        let new =
            json!({"containerDefinitions": [{"name": "app", "image": "nginx:1.26"}], "cpu": "512"});
        assert_eq!(
            summary(&old, &new),
            [
                "container app: image nginx:1.25 → nginx:1.26",
                "cpu: 256 → 512"
            ]
        );
    }

    #[test]
    fn summary_shows_added_removed_and_odd_values_clearly() {
        let old = json!({"a": 1, "s": "x", "t": "keep"});
        let new = json!({"s": "", "t": "line\nbreak", "n": null, "o": {"k": [1, 2]}});
        assert_eq!(
            summary(&old, &new),
            [
                "a: 1 → (none)",
                "s: x → \"\"",
                "t: keep → \"line\\nbreak\"",
                "n: (none) → null",
                "o: (none) → {\"k\":[1,2]}"
            ]
        );
    }

    #[test]
    fn summary_abbreviates_long_values() {
        let long = "x".repeat(200);
        let lines = summary(&json!({"a": "short"}), &json!({"a": long}));
        let value = lines[0].split(" → ").nth(1).unwrap();
        assert_eq!(value.chars().count(), 60);
        assert!(value.ends_with('…'));
    }

    #[test]
    fn summary_stops_at_twelve_lines() {
        let old: Map<String, Value> = (0..20).map(|i| (format!("k{i:02}"), json!(i))).collect();
        let new: Map<String, Value> = (0..20)
            .map(|i| (format!("k{i:02}"), json!(i + 1)))
            .collect();
        let lines = summary(&Value::Object(old), &Value::Object(new));
        assert_eq!(lines.len(), 13);
        assert_eq!(lines[0], "k00: 0 → 1");
        assert_eq!(lines[11], "k11: 11 → 12");
        assert_eq!(lines[12], "… and 8 more");
        let exactly: Map<String, Value> = (0..12).map(|i| (format!("k{i}"), json!(i))).collect();
        assert_eq!(summary(&json!({}), &Value::Object(exactly)).len(), 12);
    }

    #[test]
    fn summary_falls_back_to_the_path_for_a_nameless_container() {
        let old = json!({"containerDefinitions": [{"image": "a"}]});
        let new = json!({"containerDefinitions": [{"image": "b"}]});
        assert_eq!(
            summary(&old, &new),
            ["containerDefinitions[0].image: a → b"]
        );
    }
}
