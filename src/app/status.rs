//! The status line and the error history: what the app says, how long it stays, and
//! which message a newer one may replace.

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRecord {
    /// The last time it happened.
    pub at: DateTime<Utc>,
    pub error: BackendError,
    /// What it was about ("services of cluster staging"); empty when the error says.
    pub target: String,
    /// How many times in a row it happened (a refresh that keeps failing is one line).
    pub count: u32,
}

/// A message for the status line, such as the outcome of a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    pub at: DateTime<Utc>,
    /// Something still under way: shown until it ends, whatever its age.
    pub in_flight: Option<InFlight>,
}

/// What an in-flight status waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InFlight {
    /// A change sent to AWS (`pending_ops` id): its result replaces the message.
    Op(u64),
    /// A refresh or a load: the next answer ends it (and shows its error, if any).
    Answer,
}

impl Status {
    /// How much the message matters: a newer message replaces it only if it matters as
    /// much (notes < loads and refreshes < changes sent to AWS < errors).
    pub(super) fn weight(&self) -> u8 {
        match (self.error, self.in_flight) {
            (true, _) => 3,
            (false, Some(InFlight::Op(_))) => 2,
            (false, Some(InFlight::Answer)) => 1,
            (false, None) => 0,
        }
    }
}

pub(super) const ERROR_HISTORY: usize = 200;

impl App {
    /// Adds `error` to the history; the same error about the same thing again only counts.
    pub(super) fn record_error(&mut self, error: &BackendError, target: String, at: DateTime<Utc>) {
        if let Some(last) = self.errors.front_mut()
            && last.target == target
            && last.error.operation == error.operation
            && last.error.kind == error.kind
            && last.error.message == error.message
        {
            last.count = last.count.saturating_add(1);
            last.at = at;
            return;
        }
        self.errors.push_front(ErrorRecord {
            at,
            error: error.clone(),
            target,
            count: 1,
        });
        self.errors.truncate(ERROR_HISTORY);
    }

    /// A failure of `operation` that is not an answer from AWS (a session that would not
    /// open, a plugin that ended badly): on the status line, and in the error history in
    /// full, where a long one can be read.
    pub(super) fn say_failure(&mut self, operation: &str, text: String) {
        let error = BackendError {
            kind: crate::domain::ErrorKind::Service,
            operation: operation.into(),
            message: text.replace('\n', " "),
            transient: false,
        };
        self.record_error(&error, String::new(), self.now);
        self.say(text, true);
    }

    /// Puts a note (it fades) or an error (it stays until something as important
    /// replaces it, or the pane is left) on the status line. A note does not hide an
    /// error or what is still in flight.
    pub(super) fn say(&mut self, text: impl Into<String>, error: bool) {
        let new = Status {
            text: text.into(),
            error,
            at: self.now,
            in_flight: None,
        };
        self.show(new);
    }

    /// Shows `text` until `until` ends (`finish`), however long that takes.
    pub(super) fn busy(&mut self, text: impl Into<String>, until: InFlight) {
        let new = Status {
            text: text.into(),
            error: false,
            at: self.now,
            in_flight: Some(until),
        };
        self.show(new);
    }

    /// The end of what `busy` showed: its result replaces it, whatever is showing.
    pub(super) fn finish(&mut self, until: InFlight, text: impl Into<String>, error: bool) {
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.in_flight == Some(until))
        {
            self.status = None;
        }
        let result = Status {
            text: text.into(),
            error,
            at: self.now,
            in_flight: None,
        };
        if error || self.status.as_ref().is_none_or(|s| s.weight() <= 2) {
            self.status = Some(result);
        }
    }

    pub(super) fn show(&mut self, mut new: Status) {
        // Notes carry AWS's words and the user's (an exec command, a name): one clean
        // line, whatever they hold.
        new.text = crate::domain::sanitize::one_line(&new.text);
        self.dirty = true;
        let keep = self
            .status
            .as_ref()
            .is_some_and(|old| old.weight() > new.weight());
        if !keep {
            self.status = Some(new);
        }
    }

    /// Leaving a pane: what was said about it goes; what is in flight stays.
    pub(super) fn forget_pane_notes(&mut self) {
        if self.status.as_ref().is_some_and(|s| s.in_flight.is_none()) {
            self.status = None;
        }
    }
}
