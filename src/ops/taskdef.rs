//! Task definitions as JSON: from a DescribeTaskDefinition answer to the input that
//! RegisterTaskDefinition takes, keeping every field (also ones the SDK does not model).

pub mod image;
pub mod path;

use serde_json::{Map, Value};

pub use image::check_image;

/// Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not take.
pub const DESCRIBE_ONLY: &[&str] = &[
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "deleteRequestedAt",
];

/// Turns a raw DescribeTaskDefinition response body (`{"taskDefinition": {...}, "tags":
/// [...]}`) into RegisterTaskDefinition input: the describe-only fields removed, tags
/// (when there are any) added, everything else kept as it came, in its order.
pub fn register_shape(describe_response: &Value) -> Result<Value, String> {
    let td = describe_response
        .get("taskDefinition")
        .and_then(Value::as_object)
        .ok_or("the answer has no taskDefinition object")?;
    let mut out = Map::new();
    for (k, v) in td {
        if !DESCRIBE_ONLY.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    if let Some(tags) = describe_response.get("tags").and_then(Value::as_array)
        && !tags.is_empty()
    {
        out.insert("tags".into(), Value::Array(tags.clone()));
    }
    Ok(Value::Object(out))
}

/// 2-space indented JSON with a trailing newline, keys in the document's order: the form
/// the editor shows and the diff compares.
pub fn pretty(doc: &Value) -> String {
    // Serialising a `Value` cannot fail (its map keys are strings); the fallback keeps the
    // function total all the same.
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_else(|_| doc.to_string());
    text.push('\n');
    text
}

/// The task definition's family, when it has one.
pub fn family(doc: &Value) -> Option<&str> {
    doc.get("family").and_then(Value::as_str)
}

/// `(name, image)` of every named container, in order; the image is empty when missing.
pub fn containers(doc: &Value) -> Vec<(String, String)> {
    container_list(doc)
        .iter()
        .filter_map(|c| {
            let name = c.get("name")?.as_str()?;
            let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
            Some((name.to_owned(), image.to_owned()))
        })
        .collect()
}

fn container_list(doc: &Value) -> &[Value] {
    doc.get("containerDefinitions")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A copy of the document with one container's image replaced; every other field, and
/// the order of the keys, stays as it was.
pub fn with_image(doc: &Value, container: &str, image: &str) -> Result<Value, String> {
    check_image(image).map_err(|e| format!("cannot use image {image:?}: {e}"))?;
    let named: Vec<usize> = container_list(doc)
        .iter()
        .enumerate()
        .filter(|(_, c)| c.get("name").and_then(Value::as_str) == Some(container))
        .map(|(i, _)| i)
        .collect();
    let index = match named.as_slice() {
        [i] => *i,
        [] => {
            let known: Vec<String> = containers(doc).into_iter().map(|(n, _)| n).collect();
            return Err(if known.is_empty() {
                format!(
                    "no container named {container:?}: the task definition has no named containers"
                )
            } else {
                format!(
                    "no container named {container:?}; the containers are: {}",
                    known.join(", ")
                )
            });
        }
        _ => {
            return Err(format!(
                "{} containers are named {container:?}; names must be unique, so fix that first",
                named.len()
            ));
        }
    };
    let mut copy = doc.clone();
    let slot = copy
        .get_mut("containerDefinitions")
        .and_then(Value::as_array_mut)
        .and_then(|list| list.get_mut(index))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("container {container:?} is not a JSON object"))?;
    slot.insert("image".into(), Value::String(image.to_owned()));
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describe_only_fields_go_and_unknown_fields_and_tags_stay() {
        let answer = json!({
            "taskDefinition": {
                "taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/web:3",
                "family": "web",
                "revision": 3,
                "status": "ACTIVE",
                "containerDefinitions": [{"name": "app", "image": "nginx", "futureField": {"x": 1}}],
                "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
                "compatibilities": ["EC2"],
                "registeredAt": 1.7e9,
                "registeredBy": "arn:aws:iam::1:user/a",
                "brandNewTopLevel": true
            },
            "tags": [{"key": "team", "value": "web"}]
        });
        let shape = register_shape(&answer).unwrap();
        assert_eq!(
            shape,
            json!({
                "family": "web",
                "containerDefinitions": [{"name": "app", "image": "nginx", "futureField": {"x": 1}}],
                "brandNewTopLevel": true,
                "tags": [{"key": "team", "value": "web"}]
            })
        );
        let keys: Vec<&String> = shape.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["family", "containerDefinitions", "brandNewTopLevel", "tags"]
        );
    }

    #[test]
    fn empty_tags_are_left_out_and_a_broken_answer_is_an_error() {
        let shape =
            register_shape(&json!({"taskDefinition": {"family": "f"}, "tags": []})).unwrap();
        assert_eq!(shape, json!({"family": "f"}));
        assert!(register_shape(&json!({"nope": 1})).is_err());
    }

    fn sample() -> Value {
        json!({
            "family": "web",
            "containerDefinitions": [
                {"name": "app", "image": "nginx:1.25", "memory": 256, "essential": true},
                {"image": "busybox", "name": "sidecar", "essential": false},
                {"image": "nameless"}
            ],
            "cpu": "256"
        })
    }

    #[test]
    fn pretty_indents_by_two_keeps_order_and_ends_with_a_newline() {
        let doc = json!({"zeta": 1, "alpha": {"b": [1, 2], "a": "x"}, "empty": [], "obj": {}});
        assert_eq!(
            pretty(&doc),
            "{\n  \"zeta\": 1,\n  \"alpha\": {\n    \"b\": [\n      1,\n      2\n    ],\n    \"a\": \"x\"\n  },\n  \"empty\": [],\n  \"obj\": {}\n}\n"
        );
        let back: Value = serde_json::from_str(&pretty(&sample())).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn family_and_containers_read_the_document() {
        assert_eq!(family(&sample()), Some("web"));
        assert_eq!(family(&json!({"family": 3})), None);
        assert_eq!(family(&json!([])), None);
        assert_eq!(
            containers(&sample()),
            vec![
                ("app".to_string(), "nginx:1.25".to_string()),
                ("sidecar".to_string(), "busybox".to_string())
            ]
        );
        assert_eq!(
            containers(&json!({"containerDefinitions": [{"name": "a"}]})),
            vec![("a".to_string(), String::new())]
        );
        assert!(containers(&json!({"containerDefinitions": {}})).is_empty());
        assert!(containers(&json!("text")).is_empty());
    }

    #[test]
    fn with_image_replaces_only_that_image() {
        let doc = sample();
        let new = with_image(&doc, "sidecar", "busybox:1.36").unwrap();
        let mut expected = doc.clone();
        expected["containerDefinitions"][1]["image"] = json!("busybox:1.36");
        assert_eq!(new, expected);
        // The key keeps its place in the container.
        let keys: Vec<&String> = new["containerDefinitions"][1]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(keys, ["image", "name", "essential"]);
        // The original is untouched.
        assert_eq!(doc["containerDefinitions"][1]["image"], json!("busybox"));
    }

    #[test]
    fn with_image_adds_a_missing_image_field() {
        let doc = json!({"containerDefinitions": [{"name": "a"}]});
        let new = with_image(&doc, "a", "nginx").unwrap();
        assert_eq!(
            new,
            json!({"containerDefinitions": [{"name": "a", "image": "nginx"}]})
        );
    }

    #[test]
    fn with_image_refuses_unknown_containers_bad_images_and_ambiguity() {
        let e = with_image(&sample(), "db", "postgres:16").unwrap_err();
        assert!(e.contains("no container named \"db\""), "{e}");
        assert!(e.contains("app, sidecar"), "{e}");
        let e = with_image(&sample(), "app", "Nginx:1").unwrap_err();
        assert!(e.contains("lowercase"), "{e}");
        let e = with_image(&json!({"family": "x"}), "app", "nginx").unwrap_err();
        assert!(e.contains("no named containers"), "{e}");
        let twice = json!({"containerDefinitions": [{"name": "a"}, {"name": "a"}]});
        let e = with_image(&twice, "a", "nginx").unwrap_err();
        assert!(e.contains("2 containers"), "{e}");
    }
}
