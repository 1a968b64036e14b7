//! The one path every mutation takes: refused in read-only mode before anything is sent,
//! recorded in the audit log with its outcome whatever happens.

use std::sync::Arc;

use crate::domain::clock::Clock;
use crate::domain::{BackendError, Identity};

use super::audit::{Audit, Entry};
use super::{Mutation, Ops, Outcome};

/// Proof that a call comes through the guard: `Ops::execute_with` takes one, and only
/// this module can make one (its field is private).
#[derive(Debug)]
pub struct Pass(());

impl Pass {
    #[cfg(test)]
    pub(crate) fn for_tests() -> Pass {
        Pass(())
    }
}

/// Why a mutation did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum OpError {
    /// Read-only mode (`--read-only` or `read_only = true` for the profile).
    ReadOnly,
    /// The audit log cannot be written, so nothing was sent.
    Audit(String),
    /// AWS refused or failed; its own message is in the error.
    Aws(BackendError),
}

impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpError::ReadOnly => write!(
                f,
                "read-only mode: nothing was changed (started with --read-only or read_only = true in the config)"
            ),
            OpError::Audit(m) => write!(f, "{m}; nothing was changed"),
            OpError::Aws(e) => write!(f, "{}: {}", e.kind.label(), e.message),
        }
    }
}

/// `Ops` behind the guard. Reads pass through (`ops()`); writes only via `apply`.
#[derive(Clone)]
pub struct Guarded {
    ops: Arc<dyn Ops>,
    read_only: bool,
    audit: Audit,
    clock: Arc<dyn Clock>,
}

impl Guarded {
    pub fn new(ops: Arc<dyn Ops>, read_only: bool, audit: Audit, clock: Arc<dyn Clock>) -> Guarded {
        Guarded {
            ops,
            read_only,
            audit,
            clock,
        }
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The reads (`Ops::execute` must not be called on this; use `apply`).
    pub fn ops(&self) -> &Arc<dyn Ops> {
        &self.ops
    }

    pub fn audit_path(&self) -> &std::path::Path {
        self.audit.path()
    }

    /// Records a change that read-only mode refused before it was even planned (the
    /// dashboard refuses before a dialog opens), so the audit log shows every attempt.
    pub fn record_refusal(&self, who: &Identity, action: &str, target: &str) {
        let entry = Entry::refusal(self.clock.now(), who, action, target);
        match self.audit.open() {
            Ok(mut file) => {
                if let Err(e) = Audit::write(&mut file, &entry) {
                    tracing::error!(error = %e, "audit line not written");
                }
            }
            Err(e) => tracing::error!(error = %e, "audit log not writable"),
        }
    }

    /// Carries out `m` unless read-only, and appends its outcome to the audit log.
    pub async fn apply(&self, who: &Identity, m: &Mutation) -> Result<Outcome, OpError> {
        let mut file = self.audit.open().map_err(OpError::Audit)?;
        let mut entry = Entry::new(self.clock.now(), who, m);
        if self.read_only {
            entry.result = "refused".into();
            entry.error = Some("read-only mode".into());
            // The refusal is the answer; a failed audit line must not turn it into another.
            let _ = Audit::write(&mut file, &entry);
            return Err(OpError::ReadOnly);
        }
        let result = self.ops.execute_with(m, Pass(())).await;
        entry.time = self
            .clock
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        match &result {
            Ok(outcome) => {
                entry.result = "ok".into();
                entry.outcome = outcome.audit();
            }
            Err(e) if e.kind == crate::domain::ErrorKind::Uncertain => {
                entry.result = "unknown".into();
                entry.error = Some(format!("{}: {}", e.kind.label(), e.message));
            }
            Err(e) => {
                entry.result = "error".into();
                entry.error = Some(format!("{}: {}", e.kind.label(), e.message));
            }
        }
        if let Err(e) = Audit::write(&mut file, &entry) {
            tracing::error!(error = %e, "audit line not written");
        }
        result.map_err(OpError::Aws)
    }
}
