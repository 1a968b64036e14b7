//! Properties over generated input: checking never panics and always locates its problems
//! inside the text; the scanner finds every key where it is; image edits touch one leaf;
//! diffs and changed paths agree with the documents they compare.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::check;
use super::locate::Spans;
use crate::ops::diff::{LineKind, changed_paths, summary, unified};
use crate::ops::taskdef::path::JsonPath;
use crate::ops::taskdef::{pretty, with_image};

/// Keys and values the rules look at, so generated documents reach deep into them.
const KEYS: &[&str] = &[
    "family",
    "containerDefinitions",
    "name",
    "image",
    "memory",
    "memoryReservation",
    "cpu",
    "essential",
    "portMappings",
    "containerPort",
    "hostPort",
    "protocol",
    "networkMode",
    "requiresCompatibilities",
    "volumes",
    "host",
    "sourcePath",
    "mountPoints",
    "sourceVolume",
    "volumesFrom",
    "sourceContainer",
    "logConfiguration",
    "logDriver",
    "options",
    "awslogs-group",
    "awslogs-region",
    "awslogs-stream-prefix",
    "dependsOn",
    "containerName",
    "condition",
    "environment",
    "value",
    "executionRoleArn",
    "placementConstraints",
    "taskDefinition",
    "revision",
    "containerPortRange",
];
const WORDS: &[&str] = &[
    "FARGATE",
    "EC2",
    "awsvpc",
    "bridge",
    "host",
    "awslogs",
    "tcp",
    "udp",
    "256",
    "512",
    "1 vCPU",
    "2 GB",
    "nginx:1.25",
    "app",
    "data",
    "START",
    "HEALTHY",
    "",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(String::from),
        1 => ".{0,8}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (0i64..70_000).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        prop::sample::select(WORDS).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 80, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..7)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Every path in a value, with the value there (the document first, then depth-first).
fn all_paths(path: &JsonPath, v: &Value, out: &mut Vec<JsonPath>) {
    out.push(path.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| all_paths(&path.key(k), c, out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, c)| all_paths(&path.index(i), c, out)),
        _ => {}
    }
}

/// The text from a 1-based line and character column on.
fn text_at(text: &str, line: usize, column: usize) -> String {
    text.split('\n')
        .nth(line - 1)
        .map(|l| l.chars().skip(column - 1).collect())
        .unwrap_or_default()
}

#[track_caller]
fn assert_located_in(text: &str, result: &Result<Value, Vec<super::Problem>>) {
    if let Err(problems) = result {
        assert!(!problems.is_empty());
        let lines = text.split('\n').count();
        for p in problems {
            assert!(
                p.line >= 1 && p.line <= lines.max(1),
                "{p:?} outside {lines} lines"
            );
            assert!(p.column >= 1, "{p:?}");
            assert!(!p.message.is_empty(), "{p:?}");
        }
        let order: Vec<(usize, usize)> = problems.iter().map(|p| (p.line, p.column)).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
    }
}

fn named_container() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), json_value()), 0..5)
        .prop_map(|members| members.into_iter().collect::<Map<String, Value>>())
}

fn image_reference() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,8}(/[a-z0-9]{1,6}){0,2}(:[a-z0-9][a-z0-9._-]{0,6})?"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn check_never_panics_on_arbitrary_text(text in any::<String>()) {
        let result = check(&text);
        prop_assert!(result.is_err() || serde_json::from_str::<Value>(&text).is_ok());
        assert_located_in(&text, &result);
    }

    #[test]
    fn check_never_panics_on_json_like_text(text in r#"[\[\]{}":, \n0-9a-z.\\-]{0,120}"#) {
        let result = check(&text);
        assert_located_in(&text, &result);
    }

    #[test]
    fn check_never_panics_on_arbitrary_json(doc in json_value()) {
        for text in [pretty(&doc), doc.to_string()] {
            let result = check(&text);
            assert_located_in(&text, &result);
            if let Ok(back) = result {
                prop_assert_eq!(back, doc.clone());
            }
        }
    }

    #[test]
    fn check_never_panics_on_task_definition_shaped_json(
        family in json_value(),
        containers in prop::collection::vec(named_container(), 0..4),
        extra in prop::collection::vec((key(), json_value()), 0..6),
    ) {
        let mut doc = Map::new();
        doc.insert("family".into(), family);
        doc.insert(
            "containerDefinitions".into(),
            Value::Array(containers.into_iter().map(Value::Object).collect()),
        );
        doc.extend(extra);
        let text = pretty(&Value::Object(doc));
        assert_located_in(&text, &check(&text));
    }

    #[test]
    fn every_key_is_located_where_its_quoted_name_starts(doc in json_value()) {
        let text = pretty(&doc);
        let spans = Spans::scan(&text);
        let mut paths = Vec::new();
        all_paths(&JsonPath::root(), &doc, &mut paths);
        for path in paths {
            let pos = spans.locate(&path);
            let here = text_at(&text, pos.line, pos.column);
            match path.segments().last() {
                Some(crate::ops::taskdef::path::Seg::Key(k)) => {
                    let quoted = serde_json::to_string(k).unwrap();
                    prop_assert!(here.starts_with(&quoted), "{path}: {here:?} should start with {quoted}");
                }
                _ => {
                    let expected = pretty(doc_at(&doc, &path));
                    let first = expected.lines().next().unwrap_or_default();
                    prop_assert!(here.starts_with(first), "{path}: {here:?} should start with {first:?}");
                }
            }
        }
    }

    #[test]
    fn with_image_changes_exactly_one_leaf(
        containers in prop::collection::vec(named_container(), 1..5),
        pick in any::<prop::sample::Index>(),
        image in image_reference(),
        family in json_value(),
    ) {
        let list: Vec<Value> = containers
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                c.insert("name".into(), json!(format!("c{i}")));
                Value::Object(c)
            })
            .collect();
        let i = pick.index(list.len());
        let doc = json!({"family": family, "containerDefinitions": list});
        let new = with_image(&doc, &format!("c{i}"), &image).unwrap();
        let expected_path = format!("containerDefinitions[{i}].image");
        let unchanged = doc["containerDefinitions"][i].get("image") == Some(&json!(image));
        let changed = changed_paths(&doc, &new);
        if unchanged {
            prop_assert!(changed.is_empty());
        } else {
            prop_assert_eq!(changed, vec![expected_path]);
            let lines = summary(&doc, &new);
            prop_assert_eq!(lines.len(), 1);
            let prefix = format!("container c{i}: image ");
            prop_assert!(lines[0].starts_with(&prefix));
        }
        prop_assert_eq!(&new["containerDefinitions"][i]["image"], &json!(image));
    }

    #[test]
    fn changed_paths_are_empty_exactly_when_the_documents_are_equal(
        a in json_value(),
        b in json_value(),
    ) {
        prop_assert!(changed_paths(&a, &a).is_empty());
        prop_assert_eq!(changed_paths(&a, &b).is_empty(), a == b);
        let lines = summary(&a, &b);
        prop_assert!(lines.len() <= 13);
    }

    #[test]
    fn a_full_context_diff_rebuilds_both_sides(
        old in prop::collection::vec("[abc]{0,2}", 0..12),
        new in prop::collection::vec("[abc]{0,2}", 0..12),
    ) {
        let old_text: String = old.iter().map(|l| format!("{l}\n")).collect();
        let new_text: String = new.iter().map(|l| format!("{l}\n")).collect();
        let diff = unified(&old_text, &new_text, 100);
        prop_assert_eq!(diff.is_empty(), old == new);
        if !diff.is_empty() {
            prop_assert_eq!(diff.iter().filter(|l| l.kind == LineKind::Hunk).count(), 1);
            let side = |skip: LineKind| -> Vec<String> {
                diff.iter()
                    .filter(|l| l.kind != LineKind::Hunk && l.kind != skip)
                    .map(|l| l.text.clone())
                    .collect()
            };
            prop_assert_eq!(side(LineKind::Added), old.clone());
            prop_assert_eq!(side(LineKind::Removed), new.clone());
        }
    }
}

fn doc_at<'a>(doc: &'a Value, path: &JsonPath) -> &'a Value {
    path.segments().iter().fold(doc, |v, seg| match seg {
        crate::ops::taskdef::path::Seg::Key(k) => &v[k.as_str()],
        crate::ops::taskdef::path::Seg::Index(i) => &v[*i],
    })
}
