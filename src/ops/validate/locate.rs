//! Where each field of a JSON text starts, so a problem can be shown beside its field.
//! serde_json gives values without positions; this scanner walks the same text once and
//! records, for every member and element, the line and column (1-based, in characters)
//! of its key, or of the value for array elements and the document itself.

use std::iter::Peekable;
use std::str::Chars;

use crate::ops::taskdef::path::{JsonPath, Seg};

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };
}

/// Nesting beyond this is skipped rather than indexed (serde_json refuses deeper
/// documents anyway), so the scanner's recursion is bounded whatever the input.
const MAX_DEPTH: usize = 200;

#[derive(Debug)]
enum Kids {
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Leaf,
}

#[derive(Debug)]
struct Node {
    /// Where the member's key starts (objects' members only).
    key: Option<Pos>,
    /// Where the value starts.
    value: Pos,
    kids: Kids,
}

impl Node {
    fn start(&self) -> Pos {
        self.key.unwrap_or(self.value)
    }
}

/// The positions of every field in one JSON text.
#[derive(Debug)]
pub struct Spans {
    root: Option<Node>,
    duplicates: Vec<(JsonPath, Pos)>,
}

impl Spans {
    /// Scans a text. Meant for text serde_json has accepted; on anything else it records
    /// what it could read and never fails.
    pub fn scan(text: &str) -> Spans {
        let mut scanner = Scanner {
            chars: text.chars().peekable(),
            pos: Pos::START,
            duplicates: Vec::new(),
        };
        scanner.skip_ws();
        let root = if scanner.chars.peek().is_some() {
            Some(scanner.value(None, &JsonPath::root(), 0))
        } else {
            None
        };
        Spans {
            root,
            duplicates: scanner.duplicates,
        }
    }

    /// Where the field at `path` starts: its key for object members, its value for array
    /// elements and the document. A path that does not exist points at the deepest part of
    /// it that does. A key given twice resolves to its last occurrence, the one serde_json
    /// keeps.
    pub fn locate(&self, path: &JsonPath) -> Pos {
        let Some(mut node) = self.root.as_ref() else {
            return Pos::START;
        };
        for seg in path.segments() {
            let next = match (&node.kids, seg) {
                (Kids::Object(members), Seg::Key(k)) => members
                    .iter()
                    .rev()
                    .find(|(name, _)| name == k)
                    .map(|(_, n)| n),
                (Kids::Array(items), Seg::Index(i)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.start()
    }

    /// Keys given more than once in the same object: the path and where each repeat starts.
    pub fn duplicate_keys(&self) -> &[(JsonPath, Pos)] {
        &self.duplicates
    }
}

struct Scanner<'a> {
    chars: Peekable<Chars<'a>>,
    pos: Pos,
    duplicates: Vec<(JsonPath, Pos)>,
}

impl Scanner<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(c)
    }

    fn skip_ws(&mut self) {
        while matches!(self.chars.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn value(&mut self, key: Option<Pos>, path: &JsonPath, depth: usize) -> Node {
        let value = self.pos;
        let kids = match self.chars.peek() {
            Some('{') if depth < MAX_DEPTH => self.object(path, depth),
            Some('[') if depth < MAX_DEPTH => self.array(path, depth),
            Some('{' | '[') => {
                self.skip_nested();
                Kids::Leaf
            }
            Some('"') => {
                self.string();
                Kids::Leaf
            }
            _ => {
                while let Some(&c) = self.chars.peek() {
                    if matches!(c, ',' | ']' | '}' | ' ' | '\t' | '\n' | '\r') {
                        break;
                    }
                    self.bump();
                }
                Kids::Leaf
            }
        };
        Node { key, value, kids }
    }

    fn object(&mut self, path: &JsonPath, depth: usize) -> Kids {
        self.bump(); // '{'
        let mut members: Vec<(String, Node)> = Vec::new();
        loop {
            self.skip_ws();
            match self.chars.peek() {
                Some('"') => {}
                Some('}') => {
                    self.bump();
                    break;
                }
                Some(',') => {
                    self.bump();
                    continue;
                }
                // Malformed text: stop indexing this object.
                _ => break,
            }
            let key_pos = self.pos;
            let key = self.string();
            self.skip_ws();
            if self.chars.peek() == Some(&':') {
                self.bump();
            }
            self.skip_ws();
            let child_path = path.key(&key);
            if members.iter().any(|(k, _)| *k == key) {
                self.duplicates.push((child_path.clone(), key_pos));
            }
            let node = self.value(Some(key_pos), &child_path, depth + 1);
            members.push((key, node));
        }
        Kids::Object(members)
    }

    fn array(&mut self, path: &JsonPath, depth: usize) -> Kids {
        self.bump(); // '['
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.chars.peek() {
                Some(']') => {
                    self.bump();
                    break;
                }
                Some(',') => {
                    self.bump();
                    continue;
                }
                None | Some('}') => break,
                Some(_) => {}
            }
            let before = self.pos;
            let node = self.value(None, &path.index(items.len()), depth + 1);
            items.push(node);
            if self.pos == before {
                // Nothing was consumed (malformed text); stop rather than loop.
                break;
            }
        }
        Kids::Array(items)
    }

    /// Reads a string starting at its opening quote; returns its decoded content.
    fn string(&mut self) -> String {
        self.bump(); // '"'
        let mut out = String::new();
        while let Some(c) = self.bump() {
            match c {
                '"' => break,
                '\\' => match self.bump() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('b') => out.push('\u{8}'),
                    Some('f') => out.push('\u{c}'),
                    Some('u') => {
                        let unit = self.hex4();
                        out.push(self.unicode_escape(unit));
                    }
                    Some(other) => out.push(other),
                    None => break,
                },
                other => out.push(other),
            }
        }
        out
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0u32;
        for _ in 0..4 {
            let d = self.chars.peek()?.to_digit(16)?;
            self.bump();
            n = n * 16 + d;
        }
        Some(n)
    }

    /// Decodes a `\uXXXX` escape, joining a surrogate pair as serde_json does.
    fn unicode_escape(&mut self, unit: Option<u32>) -> char {
        let Some(unit) = unit else {
            return char::REPLACEMENT_CHARACTER;
        };
        if (0xD800..0xDC00).contains(&unit) {
            let mut lookahead = self.chars.clone();
            if lookahead.next() == Some('\\') && lookahead.next() == Some('u') {
                self.bump();
                self.bump();
                if let Some(low) = self.hex4()
                    && (0xDC00..0xE000).contains(&low)
                {
                    let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    return char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
                }
            }
            return char::REPLACEMENT_CHARACTER;
        }
        char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER)
    }

    /// Skips a too-deep object or array without recursion, minding strings.
    fn skip_nested(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.chars.peek().copied() {
            match c {
                '"' => {
                    self.string();
                    continue;
                }
                '{' | '[' => depth += 1,
                '}' | ']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.bump();
                        return;
                    }
                }
                _ => {}
            }
            self.bump();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    fn path(s: &[&str]) -> JsonPath {
        s.iter()
            .fold(JsonPath::root(), |p, seg| match seg.parse::<usize>() {
                Ok(i) => p.index(i),
                Err(_) => p.key(seg),
            })
    }

    const TEXT: &str = r#"{
  "family": "web",
  "containerDefinitions": [
    {
      "name": "app",
      "command": ["sh", "-c",
        "echo {not a key} \"quoted\" [x]"],
      "memory": 512
    },
    {"name": "b", "memory": 1}
  ],
  "x": {"y": {"z": [10, [20, 30]]}}
}
"#;

    #[test]
    fn members_point_at_their_keys_and_elements_at_their_values() {
        let spans = Spans::scan(TEXT);
        assert_eq!(spans.locate(&JsonPath::root()), at(1, 1));
        assert_eq!(spans.locate(&path(&["family"])), at(2, 3));
        assert_eq!(spans.locate(&path(&["containerDefinitions"])), at(3, 3));
        assert_eq!(
            spans.locate(&path(&["containerDefinitions", "0"])),
            at(4, 5)
        );
        assert_eq!(
            spans.locate(&path(&["containerDefinitions", "0", "command", "2"])),
            at(7, 9)
        );
        // After a value spread over two lines with brackets and braces inside a string.
        assert_eq!(
            spans.locate(&path(&["containerDefinitions", "0", "memory"])),
            at(8, 7)
        );
        assert_eq!(
            spans.locate(&path(&["containerDefinitions", "1"])),
            at(10, 5)
        );
        assert_eq!(
            spans.locate(&path(&["containerDefinitions", "1", "memory"])),
            at(10, 19)
        );
        assert_eq!(spans.locate(&path(&["x", "y", "z", "1", "1"])), at(12, 30));
    }

    #[test]
    fn a_missing_path_points_at_its_deepest_existing_part() {
        let spans = Spans::scan(TEXT);
        assert_eq!(
            spans.locate(&path(&["containerDefinitions", "1", "image"])),
            at(10, 5)
        );
        assert_eq!(
            spans.locate(&path(&["containerDefinitions", "7"])),
            at(3, 3)
        );
        assert_eq!(spans.locate(&path(&["family", "deeper"])), at(2, 3));
        assert_eq!(spans.locate(&path(&["nope"])), at(1, 1));
    }

    #[test]
    fn columns_count_characters_and_escaped_keys_are_decoded() {
        let text = "{\"é\": \"ü\", \"\\u0041\\ud83d\\ude00\": 1, \"\\\"q\\\"\": 2}";
        let spans = Spans::scan(text);
        assert_eq!(spans.locate(&JsonPath::root().key("é")), at(1, 2));
        assert_eq!(spans.locate(&JsonPath::root().key("A😀")), at(1, 12));
        assert_eq!(spans.locate(&JsonPath::root().key("\"q\"")), at(1, 37));
    }

    #[test]
    fn a_repeated_key_is_reported_and_resolves_to_its_last_occurrence() {
        let text = "{\n \"a\": 1,\n \"b\": {\"c\": 1, \"c\": 2},\n \"a\": 3\n}";
        let spans = Spans::scan(text);
        assert_eq!(spans.locate(&JsonPath::root().key("a")), at(4, 2));
        let dups: Vec<(String, Pos)> = spans
            .duplicate_keys()
            .iter()
            .map(|(p, pos)| (p.to_string(), *pos))
            .collect();
        assert_eq!(
            dups,
            vec![("b.c".to_string(), at(3, 16)), ("a".to_string(), at(4, 2))]
        );
    }

    #[test]
    fn a_scalar_document_and_surrounding_space_are_handled() {
        let spans = Spans::scan("\n\n   42  ");
        assert_eq!(spans.locate(&JsonPath::root()), at(3, 4));
        assert_eq!(Spans::scan("").locate(&JsonPath::root()), Pos::START);
        assert_eq!(
            Spans::scan("  \n ").locate(&JsonPath::root().key("a")),
            Pos::START
        );
    }

    #[test]
    fn very_deep_nesting_is_skipped_without_recursion() {
        let depth = 5000;
        let text = format!(
            "{{\"a\": {}{}, \"b\": 1}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let spans = Spans::scan(&text);
        assert_eq!(
            spans.locate(&JsonPath::root().key("b")),
            at(1, 9 + 2 * depth)
        );
    }

    #[test]
    fn malformed_text_does_not_hang_or_panic() {
        for text in [
            "{",
            "[",
            "{\"a\"",
            "{\"a\": [1, 2",
            "[}",
            "{]",
            "\"abc",
            "{\"a\":}",
            "[,,]",
            "\"\\u12",
        ] {
            let spans = Spans::scan(text);
            let _ = spans.locate(&JsonPath::root().key("a").index(0));
        }
    }
}
