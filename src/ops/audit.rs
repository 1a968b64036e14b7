//! The audit log: one JSON line per mutation, outcome included, in the user's state
//! directory, readable only by the user.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::domain::Identity;

use super::Mutation;

/// Where audit lines go.
#[derive(Debug, Clone)]
pub struct Audit {
    path: PathBuf,
}

/// One line of the log.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub time: String,
    pub profile: String,
    pub region: String,
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub action: String,
    pub api: String,
    pub target: String,
    pub before: Value,
    pub after: Value,
    /// `ok`, `error`, `refused`, or `unknown` (the answer was lost and reading back could
    /// not tell whether the change was made).
    pub result: String,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub outcome: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Entry {
    pub fn new(at: DateTime<Utc>, who: &Identity, m: &Mutation) -> Entry {
        let (before, after) = m.before_after();
        Entry {
            api: m.api().to_string(),
            before,
            after,
            region: who.region_of(m.place()),
            ..Entry::about(at, who, m.action(), m.target())
        }
    }

    /// A refusal by read-only mode of `action` (e.g. "scaling") on `target`, before any
    /// change was planned.
    pub fn refusal(at: DateTime<Utc>, who: &Identity, action: &str, target: &str) -> Entry {
        Entry {
            result: "refused".into(),
            error: Some("read-only mode".into()),
            ..Entry::about(at, who, action, target.to_string())
        }
    }

    /// Who, where and what, with nothing yet of how it went.
    fn about(at: DateTime<Utc>, who: &Identity, action: &str, target: String) -> Entry {
        Entry {
            time: at.to_rfc3339_opts(SecondsFormat::Millis, true),
            profile: who.profile.clone(),
            region: who.region.clone(),
            account: who.account.clone(),
            endpoint: who.endpoint.clone(),
            action: action.to_string(),
            api: String::new(),
            target,
            before: Value::Null,
            after: Value::Null,
            result: String::new(),
            outcome: Value::Null,
            error: None,
        }
    }
}

impl Audit {
    pub fn at(path: impl Into<PathBuf>) -> Audit {
        Audit { path: path.into() }
    }

    /// `audit.log` in the state directory (`$XDG_STATE_HOME/ecsdash`).
    pub fn default_path() -> Option<PathBuf> {
        crate::config::state_dir().map(|d| d.join("audit.log"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the log for appending, creating it (and its directory) readable only by the
    /// user, and narrowing a file that others could read. Done before a mutation is sent,
    /// so a log that cannot be written stops the change rather than losing its record.
    pub fn open(&self) -> Result<File, String> {
        let fail = |e: std::io::Error| {
            format!(
                "cannot write the audit log {}: {e} (set --audit-log to another path)",
                self.path.display()
            )
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&self.path).map_err(fail)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = file.metadata().map_err(fail)?;
            if meta.permissions().mode() & 0o077 != 0 {
                file.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(fail)?;
            }
        }
        Ok(file)
    }

    /// Appends one entry as a single line (one write, so lines never interleave).
    pub fn write(file: &mut File, entry: &Entry) -> Result<(), String> {
        let mut line = serde_json::to_string(entry).map_err(|e| e.to_string())?;
        line.push('\n');
        file.write_all(line.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| format!("cannot write the audit log: {e}"))
    }
}
