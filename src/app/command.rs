//! The `:` command line: parsing and Tab completion.

/// A command the line can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineCommand {
    Clusters,
    Services(Option<String>),
    Tasks(Option<String>),
    Instances(Option<String>),
    /// Task definition families, or one family's revisions.
    TaskDefs(Option<String>),
    Errors,
    /// The port forwards started here.
    Forwards,
    /// The profiles to switch to, or switch to this one.
    Profile(Option<String>),
    /// The regions to switch to, or switch to this one.
    Region(Option<String>),
    /// Sign in to SSO again.
    Login,
    Help,
    /// Find a service by name in every cluster of the region.
    Find(Option<String>),
    /// The services that need attention now, across every cluster.
    Pulse,
    /// Exec into the selected task or service with this command (the rest of the line).
    Exec(Option<String>),
    /// Restart the open logs pane from this far back (`10m`, `1h`, a time).
    Since(String),
    Quit,
}

/// Command words with their aliases; the first is the one completion offers.
const WORDS: &[(&str, &[&str])] = &[
    ("clusters", &["cluster", "cl"]),
    ("services", &["service", "svc"]),
    ("tasks", &["task"]),
    ("instances", &["instance", "ci", "containerinstances"]),
    ("taskdefs", &["taskdef", "td", "taskdefinitions"]),
    ("find", &["f"]),
    ("pulse", &["attention", "wrong"]),
    ("exec", &[]),
    ("forwards", &["forward", "fw", "pf"]),
    ("profile", &["profiles", "prof"]),
    ("region", &["regions", "reg"]),
    ("login", &["signin", "sso"]),
    ("errors", &["err"]),
    ("since", &[]),
    ("help", &[]),
    ("quit", &["q", "q!"]),
];

/// Parses a command line (without the `:`). Errors are shown to the user as they are.
pub fn parse(line: &str) -> Result<LineCommand, String> {
    let mut parts = line.split_whitespace();
    let Some(word) = parts.next() else {
        return Err("type a command, e.g. :services".to_string());
    };
    // `:region eu-west-1, us-east-1`: a list may be written with spaces.
    if word.eq_ignore_ascii_case("region") || word.eq_ignore_ascii_case("regions") {
        let list: Vec<&str> = parts
            .flat_map(|p| p.split(','))
            .filter(|p| !p.is_empty())
            .collect();
        return Ok(LineCommand::Region(
            (!list.is_empty()).then(|| list.join(",")),
        ));
    }
    if word.eq_ignore_ascii_case("exec") {
        let rest = parts.collect::<Vec<_>>().join(" ");
        return Ok(LineCommand::Exec((!rest.is_empty()).then_some(rest)));
    }
    let arg = parts.next().map(str::to_string);
    if let Some(extra) = parts.next() {
        return Err(format!("unexpected `{extra}`"));
    }
    let word = word.to_lowercase();
    let canonical = WORDS
        .iter()
        .find(|(w, aliases)| *w == word || aliases.contains(&word.as_str()))
        .map(|(w, _)| *w)
        .ok_or_else(|| {
            format!(
                "unknown command `{word}`; try {}",
                WORDS
                    .iter()
                    .map(|(w, _)| format!(":{w}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })?;
    let no_arg = |c: LineCommand| match &arg {
        Some(a) => Err(format!(":{canonical} takes no argument (got `{a}`)")),
        None => Ok(c),
    };
    match canonical {
        "clusters" => no_arg(LineCommand::Clusters),
        "services" => Ok(LineCommand::Services(arg)),
        "tasks" => Ok(LineCommand::Tasks(arg)),
        "instances" => Ok(LineCommand::Instances(arg)),
        "taskdefs" => Ok(LineCommand::TaskDefs(arg)),
        "find" => Ok(LineCommand::Find(arg)),
        "pulse" => no_arg(LineCommand::Pulse),
        "exec" => Ok(LineCommand::Exec(arg)),
        "errors" => no_arg(LineCommand::Errors),
        "forwards" => no_arg(LineCommand::Forwards),
        "profile" => Ok(LineCommand::Profile(arg)),
        "region" => Ok(LineCommand::Region(arg)),
        "login" => no_arg(LineCommand::Login),
        "since" => arg
            .map(LineCommand::Since)
            .ok_or_else(|| ":since takes how far back, e.g. :since 1h".to_string()),
        "help" => no_arg(LineCommand::Help),
        _ => no_arg(LineCommand::Quit),
    }
}

/// Completion candidates for what has been typed: command words first, then cluster
/// names for the argument of a command that takes one.
/// What `line` can become, for the completion popup and Tab. `:since` only where it
/// means something (a logs pane).
pub fn candidates(line: &str, clusters: &[String], in_logs: bool) -> Vec<String> {
    let mut found = all_candidates(line, clusters);
    if !in_logs {
        found.retain(|c| c != "since");
    }
    found
}

fn all_candidates(line: &str, clusters: &[String]) -> Vec<String> {
    let ends_with_space = line.ends_with(' ');
    let parts: Vec<&str> = line.split_whitespace().collect();
    match (parts.as_slice(), ends_with_space) {
        ([], _) => WORDS.iter().map(|(w, _)| w.to_string()).collect(),
        ([word], false) => {
            let word = word.to_lowercase();
            WORDS
                .iter()
                .map(|(w, _)| *w)
                .filter(|w| w.starts_with(&word))
                .map(str::to_string)
                .collect()
        }
        ([word, rest @ ..], _) if rest.len() <= 1 && takes_cluster(word) => {
            let typed = rest.first().copied().unwrap_or("");
            if !rest.is_empty() && ends_with_space {
                return Vec::new();
            }
            clusters
                .iter()
                .filter(|c| c.to_lowercase().starts_with(&typed.to_lowercase()))
                .map(|c| format!("{word} {c}"))
                .collect()
        }
        _ => Vec::new(),
    }
}

fn takes_cluster(word: &str) -> bool {
    matches!(
        parse(word),
        Ok(LineCommand::Services(_) | LineCommand::Tasks(_) | LineCommand::Instances(_))
    )
}

/// What Tab turns the line into: the longest common prefix of the candidates (the whole
/// candidate when only one fits, followed by a space for commands that take an argument).
pub fn complete(line: &str, clusters: &[String], in_logs: bool) -> Option<String> {
    let cands = candidates(line, clusters, in_logs);
    let first = cands.first()?;
    if cands.len() == 1 {
        let mut done = first.clone();
        if !done.contains(' ') && takes_cluster(&done) {
            done.push(' ');
        }
        return Some(done);
    }
    let prefix = cands.iter().skip(1).fold(first.as_str(), |acc, c| {
        let n = acc
            .char_indices()
            .zip(c.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map(|((i, a), _)| i + a.len_utf8())
            .unwrap_or(0);
        &acc[..n]
    });
    (prefix.len() > line.trim_start().len()).then(|| prefix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words_aliases_and_arguments() {
        assert_eq!(parse("clusters"), Ok(LineCommand::Clusters));
        assert_eq!(parse(" SVC "), Ok(LineCommand::Services(None)));
        assert_eq!(
            parse("tasks prod"),
            Ok(LineCommand::Tasks(Some("prod".into())))
        );
        assert_eq!(parse("q"), Ok(LineCommand::Quit));
        assert!(parse("clusters x").unwrap_err().contains("no argument"));
        assert!(parse("frobnicate").unwrap_err().contains("unknown command"));
        assert!(parse("").is_err());
        assert!(parse("tasks a b").unwrap_err().contains("unexpected"));
        assert_eq!(parse("since 1h"), Ok(LineCommand::Since("1h".into())));
        assert!(parse("since").unwrap_err().contains("how far back"));
    }

    #[test]
    fn completes_commands_then_clusters() {
        let clusters = vec![
            "prod-core".to_string(),
            "prod-edge".to_string(),
            "staging".into(),
        ];
        assert_eq!(complete("se", &clusters, false), Some("services ".into()));
        assert_eq!(
            complete("services ", &clusters, false),
            None,
            "prod- vs staging: no common prefix"
        );
        assert_eq!(
            complete("services p", &clusters, false),
            Some("services prod-".into())
        );
        assert_eq!(
            complete("services prod-c", &clusters, false),
            Some("services prod-core".into())
        );
        assert_eq!(complete("cl", &clusters, false), Some("clusters".into()));
        assert_eq!(complete("zz", &clusters, false), None);
        assert_eq!(candidates("", &clusters, true).len(), WORDS.len());
        // Outside a logs pane :since means nothing; :quit is always offered.
        let here = candidates("", &clusters, false);
        assert!(!here.contains(&"since".to_string()), "{here:?}");
        assert!(here.contains(&"quit".to_string()), "{here:?}");
    }
}
