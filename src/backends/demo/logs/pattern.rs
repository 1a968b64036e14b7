//! The part of CloudWatch's filter-pattern syntax the demo understands, for unstructured
//! text: `ERROR timeout` (every term, case-sensitive), `"order placed"` (a phrase),
//! `?ERROR ?WARN` (any of them), `-healthz` (none of them), mixed freely. JSON
//! (`{ $.level = "error" }`), space-delimited (`[ip, ...]`) and regex (`%...%`)
//! patterns are refused as invalid here, though CloudWatch takes them.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Pattern {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

pub(super) const SUPPORTED: &str = "the demo's log groups take plain terms, \"quoted phrases\", \
     ?either ?or terms and -excluded terms; JSON, space-delimited and regex patterns need AWS";

impl Pattern {
    /// `Err` carries what is wrong, for an InvalidParameterException-like error.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let text = text.trim();
        if text.starts_with('{') || text.starts_with('[') || text.starts_with('%') {
            return Err(SUPPORTED.to_owned());
        }
        let mut pattern = Pattern::default();
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            let (bucket, body) = match rest.as_bytes()[0] {
                b'?' => (&mut pattern.any, &rest[1..]),
                b'-' if rest.len() > 1 => (&mut pattern.none, &rest[1..]),
                _ => (&mut pattern.all, rest),
            };
            let (term, after) = if let Some(quoted) = body.strip_prefix('"') {
                let end = quoted
                    .find('"')
                    .ok_or_else(|| format!("unterminated quote in the filter pattern: {text}"))?;
                (&quoted[..end], &quoted[end + 1..])
            } else {
                let end = body.find(char::is_whitespace).unwrap_or(body.len());
                (&body[..end], &body[end..])
            };
            if !term.is_empty() {
                bucket.push(term.to_owned());
            }
            rest = after;
        }
        Ok(pattern)
    }

    pub fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, message: &str) -> bool {
        Pattern::parse(pattern).unwrap().matches(message)
    }

    #[test]
    fn terms_phrases_alternatives_and_exclusions() {
        assert!(m("", "anything"));
        assert!(m("ERROR timeout", "ERROR upstream timeout"));
        assert!(!m("ERROR timeout", "ERROR upstream refused"));
        assert!(!m("error", "ERROR"), "case-sensitive, as CloudWatch");
        assert!(m("\"order placed\"", "INFO order placed id=1"));
        assert!(!m("\"order placed\"", "placed order"));
        assert!(m("?ERROR ?WARN", "WARN slow"));
        assert!(!m("?ERROR ?WARN", "INFO fine"));
        assert!(m("GET -healthz", "GET /api"));
        assert!(!m("GET -healthz", "GET /healthz"));
        assert!(m(
            "?\"read timed out\" ?refused",
            "java.net: Read timed out, read timed out"
        ));
    }

    #[test]
    fn structured_patterns_and_broken_quotes_are_refused() {
        assert!(Pattern::parse("{ $.level = \"error\" }").is_err());
        assert!(Pattern::parse("[ip, user, ...]").is_err());
        assert!(Pattern::parse("%ERR.*%").is_err());
        assert!(Pattern::parse("\"open").is_err());
    }
}
