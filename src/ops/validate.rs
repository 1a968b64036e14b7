//! Checks a task definition's JSON against the ECS rules before anything is sent: JSON
//! syntax, the RegisterTaskDefinition input shape, and the rules ECS enforces on
//! registration (see ECS-FACTS.md, "Task definition rules"). Every problem names the
//! field it concerns and where that field starts in the text, so the editor can show it
//! beside the field.

mod container;
pub mod locate;
mod rules;
pub mod size;

#[cfg(test)]
mod container_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use serde_json::Value;

use locate::{Pos, Spans};

pub use rules::MAX_CONTAINERS;

/// One thing wrong with a task definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field, e.g. `containerDefinitions[1].memory`; empty for the document itself.
    pub path: String,
    /// 1-based line where the field's key (or, for list elements, its value) starts.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub message: String,
}

/// Parses and checks a task definition. Returns the document when nothing is wrong, and
/// otherwise every problem found, ordered by position in the text.
pub fn check(text: &str) -> Result<Value, Vec<Problem>> {
    let doc: Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return Err(vec![syntax_problem(text, &e)]),
    };
    let spans = Spans::scan(text);
    let mut findings = rules::Findings::default();
    rules::check_document(&doc, &mut findings);

    let mut problems: Vec<Problem> = spans
        .duplicate_keys()
        .iter()
        .map(|(path, pos)| Problem {
            path: path.to_string(),
            line: pos.line,
            column: pos.column,
            message: "this key is given twice in the same object; only the last one would \
                      count: remove one"
                .into(),
        })
        .collect();
    problems.extend(findings.0.into_iter().map(|f| {
        let pos = spans.locate(f.anchor.as_ref().unwrap_or(&f.path));
        Problem {
            path: f.path.to_string(),
            line: pos.line,
            column: pos.column,
            message: f.message,
        }
    }));
    if problems.is_empty() {
        return Ok(doc);
    }
    // Stable: problems at the same spot keep the order the rules found them in.
    problems.sort_by_key(|p| (p.line, p.column));
    Err(problems)
}

/// A serde_json syntax error as a problem: its position (columns turned from bytes into
/// characters) and its message in plain words.
fn syntax_problem(text: &str, e: &serde_json::Error) -> Problem {
    let pos = char_position(text, e.line(), e.column());
    let raw = e.to_string();
    let bare = match raw.rfind(" at line ") {
        Some(i) => &raw[..i],
        None => raw.as_str(),
    };
    Problem {
        path: String::new(),
        line: pos.line,
        column: pos.column,
        message: plain_syntax_message(bare, text),
    }
}

fn plain_syntax_message(bare: &str, text: &str) -> String {
    let message = match bare {
        _ if text.trim().is_empty() => "the text is empty: a task definition is a JSON object",
        "EOF while parsing an object" => "the text ends inside an object: a '}' is missing",
        "EOF while parsing a list" => "the text ends inside a list: a ']' is missing",
        "EOF while parsing a string" => "a string is not closed: a '\"' is missing",
        "EOF while parsing a value" => "the text ends where a value was expected",
        "trailing comma" => "JSON does not allow a comma before a closing '}' or ']'",
        "key must be a string" => "object keys must be strings in double quotes",
        "expected `,` or `}`" => "expected ',' or '}' here: is a comma missing between fields?",
        "expected `,` or `]`" => "expected ',' or ']' here: is a comma missing between items?",
        "expected `:`" => "expected ':' after the key",
        "expected value" => {
            "expected a value here: a \"string\", a number, true, false, null, an object or a list"
        }
        "expected ident" => "unexpected word: only true, false and null are allowed unquoted",
        "trailing characters" => "unexpected text after the end of the JSON document",
        "recursion limit exceeded" => "the JSON is nested too deeply",
        "invalid number" => "this is not a valid JSON number",
        "number out of range" => "this number is too large",
        "invalid escape" => "invalid escape in a string: use \\\\ for a backslash",
        m if m.starts_with("control character") => {
            "a string contains a raw control character (a line break or tab inside quotes?): \
             write it as \\n or \\t"
        }
        other => return other.to_string(),
    };
    message.to_string()
}

/// serde_json counts columns in bytes (0 right after a newline); editors count characters
/// from 1.
fn char_position(text: &str, line: usize, byte_column: usize) -> Pos {
    let line = line.max(1);
    let Some(line_text) = text.split('\n').nth(line - 1) else {
        return Pos {
            line,
            column: byte_column.max(1),
        };
    };
    let mut end = byte_column.min(line_text.len());
    let mut partial = false;
    while !line_text.is_char_boundary(end) {
        end -= 1;
        partial = true;
    }
    let column = line_text[..end].chars().count() + usize::from(partial);
    Pos {
        line,
        column: column.max(1),
    }
}
