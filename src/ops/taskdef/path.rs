//! Paths into a JSON document, written the way an operator reads them:
//! `containerDefinitions[1].memory`. Keys that are not plain words are quoted
//! (`options["odd.key"]`) so a path never reads ambiguously.

use std::fmt;

/// One step into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path from the document root; the empty path is the document itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct JsonPath(Vec<Seg>);

impl JsonPath {
    /// The document itself.
    pub fn root() -> JsonPath {
        JsonPath(Vec::new())
    }

    /// This path extended by an object member.
    pub fn key(&self, key: &str) -> JsonPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        JsonPath(segs)
    }

    /// This path extended by an array element.
    pub fn index(&self, index: usize) -> JsonPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        JsonPath(segs)
    }

    pub fn segments(&self) -> &[Seg] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

/// A key that can be written bare after a dot without being mistaken for path syntax.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Key(k) => {
                    let quoted = serde_json::to_string(k).map_err(|_| fmt::Error)?;
                    write!(f, "[{quoted}]")?;
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_the_documentation() {
        assert_eq!(JsonPath::root().to_string(), "");
        let p = JsonPath::root()
            .key("containerDefinitions")
            .index(1)
            .key("memory");
        assert_eq!(p.to_string(), "containerDefinitions[1].memory");
        assert_eq!(
            JsonPath::root()
                .key("logConfiguration")
                .key("options")
                .key("awslogs-group")
                .to_string(),
            "logConfiguration.options.awslogs-group"
        );
        assert_eq!(JsonPath::root().index(0).key("a").to_string(), "[0].a");
    }

    #[test]
    fn odd_keys_are_quoted() {
        let p = JsonPath::root().key("options").key("a.b[0]");
        assert_eq!(p.to_string(), r#"options["a.b[0]"]"#);
        assert_eq!(JsonPath::root().key("").to_string(), r#"[""]"#);
        assert_eq!(
            JsonPath::root().key("x").key("say \"hi\"").to_string(),
            r#"x["say \"hi\""]"#
        );
    }
}
