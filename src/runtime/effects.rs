//! The one place the app's effects are carried out: fetches against the backend (the app
//! coalesces, one fetch in flight per query; here a semaphore bounds how many run at
//! once), log tails, writes through the guard, the clipboard and files. Results come
//! back to the loop as actions. Only the editor, which needs the terminal, is left to the
//! loop.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

use crate::app::data::{DataKey, PartPayload, Payload};
use crate::app::listing::Part;
use crate::app::{Action, Effect};
use crate::domain::ListQuery;
use crate::domain::budget::{Priority, with_priority};
use crate::domain::clock::Clock;
use crate::domain::{Backend, BackendError};
use crate::logs::LogsApi;
use crate::logs::tail::{RequestBudget, TailHandle, TailOptions};
use crate::ops::Ops;
use crate::ops::guard::Guarded;

/// Runs one query.
pub async fn fetch(
    backend: &dyn Backend,
    ops: &dyn Ops,
    key: &DataKey,
) -> Result<Payload, BackendError> {
    Ok(match key {
        DataKey::Clusters => Payload::Clusters(Arc::new(backend.clusters().await?)),
        DataKey::Services { cluster } => {
            Payload::Services(Arc::new(backend.services(cluster).await?.into()))
        }
        DataKey::Tasks {
            cluster,
            service,
            scope,
        } => Payload::Tasks(Arc::new(
            backend
                .tasks(cluster, service.as_deref(), *scope)
                .await?
                .into(),
        )),
        DataKey::Instances { cluster } => {
            Payload::Instances(Arc::new(backend.container_instances(cluster).await?.into()))
        }
        DataKey::TaskDefinition { arn } => {
            Payload::TaskDefinition(Arc::new(backend.task_definition(arn).await?))
        }
        DataKey::Service { cluster, service } => {
            Payload::Service(Arc::new(ops.service(cluster, service).await?))
        }
        DataKey::Scaling { cluster, service } => {
            Payload::Scaling(Arc::new(ops.scaling(cluster, service).await?))
        }
        DataKey::Families => Payload::Families(Arc::new(ops.families().await?)),
        DataKey::Family { name } => Payload::Family(Arc::new(ops.family(name).await?)),
        DataKey::TaskDefDoc { arn } => {
            Payload::TaskDefDoc(Arc::new(ops.task_definition_doc(arn).await?))
        }
        DataKey::TargetHealth { target_group } => {
            Payload::TargetHealth(Arc::new(backend.target_health(target_group).await?))
        }
        DataKey::Metrics {
            targets,
            hours,
            counts,
        } => {
            let ask = crate::domain::metrics::MetricsAsk {
                targets: targets.clone(),
                hours: *hours,
                counts: *counts,
            };
            let series = backend.metrics(&ask).await?;
            Payload::Metrics(Arc::new(
                targets
                    .iter()
                    .cloned()
                    .zip(series.into_iter().map(Arc::new))
                    .collect(),
            ))
        }
        DataKey::Alarms => Payload::Alarms(Arc::new(backend.alarms().await?)),
    })
}

/// Runs one page or batch of a progressive list.
pub async fn fetch_part(
    backend: &dyn Backend,
    key: &DataKey,
    part: &Part,
) -> Result<PartPayload, BackendError> {
    let Some(query) = key.list_query() else {
        return Err(BackendError::new(
            crate::domain::ErrorKind::InvalidRequest,
            "List",
            format!("{} is not loaded page by page", key.describe()),
        ));
    };
    Ok(match (part, &query) {
        (Part::List { token }, _) => {
            let page = backend.list_page(&query, token.clone()).await?;
            PartPayload::Page {
                arns: page.arns,
                next: page.next,
            }
        }
        (Part::Describe { arns }, ListQuery::Services { cluster }) => {
            PartPayload::Services(backend.describe_services(cluster, arns).await?)
        }
        (Part::Describe { arns }, ListQuery::Tasks { cluster, .. }) => {
            PartPayload::Tasks(backend.describe_tasks(cluster, arns).await?)
        }
        (Part::Describe { arns }, ListQuery::Instances { cluster }) => {
            PartPayload::Instances(backend.describe_instances(cluster, arns).await?)
        }
    })
}

/// Spawns fetches and reports their results on the app's channel.
#[derive(Clone)]
pub struct Worker {
    backend: Arc<dyn Backend>,
    ops: Arc<dyn Ops>,
    clock: Arc<dyn Clock>,
    tx: mpsc::UnboundedSender<Action>,
    permits: Arc<Semaphore>,
}

impl Worker {
    pub fn new(
        backend: Arc<dyn Backend>,
        ops: Arc<dyn Ops>,
        clock: Arc<dyn Clock>,
        tx: mpsc::UnboundedSender<Action>,
        concurrency: usize,
    ) -> Worker {
        Worker {
            backend,
            ops,
            clock,
            tx,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    pub fn spawn_fetch(&self, key: DataKey) {
        let w = self.clone();
        tokio::spawn(async move {
            // The semaphore is never closed, so acquiring only fails if it were; then run
            // unbounded rather than drop the request.
            let _permit = w.permits.acquire().await.ok();
            if key == DataKey::Clusters {
                // What could be listed lands, then what could not marks it stale.
                let (all, failed) =
                    with_priority(Priority::Visible, w.backend.clusters_each()).await;
                let at = w.clock.now();
                if failed.is_none() || !all.is_empty() {
                    let result = Ok(Payload::Clusters(Arc::new(all)));
                    let _ = w.tx.send(Action::Loaded {
                        key: key.clone(),
                        result,
                        at,
                    });
                }
                if let Some(e) = failed {
                    tracing::warn!(?key, error = %e, "fetch failed");
                    let _ = w.tx.send(Action::Loaded {
                        key,
                        result: Err(e),
                        at,
                    });
                }
                return;
            }
            // A refresh of what is on screen: within the API share.
            let work = fetch(w.backend.as_ref(), w.ops.as_ref(), &key);
            let result = with_priority(Priority::Visible, work).await;
            if let Err(e) = &result {
                tracing::warn!(?key, error = %e, "fetch failed");
            }
            let at = w.clock.now();
            // A closed channel means the app is shutting down; nothing to report to.
            let _ = w.tx.send(Action::Loaded { key, result, at });
        });
    }
}

impl Worker {
    /// Fetches a page or a batch of a progressive list at `priority`. Not bounded by
    /// the semaphore: the app keeps at most a few per list in flight, and the budget
    /// paces them.
    pub fn spawn_part(&self, key: DataKey, part: Part, priority: Priority) {
        let w = self.clone();
        tokio::spawn(async move {
            let work = fetch_part(w.backend.as_ref(), &key, &part);
            let result = with_priority(priority, work).await;
            if let Err(e) = &result {
                tracing::warn!(?key, error = %e, "fetch failed");
            }
            let at = w.clock.now();
            let _ = w.tx.send(Action::PartLoaded {
                key,
                part,
                result,
                at,
            });
        });
    }
}

/// Streams the stream picker lists.
const STREAM_PICKER_LIMIT: usize = 50;

/// What carries out the app's effects: fetches, log tails, the clipboard, files.
pub(super) struct Effects {
    pub(super) fetches: Worker,
    pub(super) tails: HashMap<u64, TailHandle>,
    /// Text waiting to be opened in `$EDITOR`.
    pub(super) edit: Option<String>,
    /// `aws sso login` waiting for the terminal (for this profile; `None`: none named).
    pub(super) sign_in: Option<Option<String>>,
    /// An exec session waiting for the terminal.
    pub(super) exec: Option<crate::ops::exec::Request>,
    /// Port forwards kept in the background.
    pub(super) forwards: super::forward::Forwards,
    /// The way the identity's answers reach the app (shut by a switch).
    pub(super) gate: Option<super::switch::Gate>,
    pub(super) switcher: Option<Arc<dyn super::switch::Switcher>>,
    /// Where a switch's new backends go (the loop swaps them in).
    pub(super) switched:
        mpsc::UnboundedSender<Result<super::switch::Connected, super::switch::Refused>>,
    pub(super) clock: Arc<dyn Clock>,
    /// The mouse is the dashboard's (given back while it steps aside).
    pub(super) mouse: bool,
    pub(super) guard: Guarded,
    pub(super) ecs: Arc<dyn Backend>,
    pub(super) logs: Arc<dyn LogsApi>,
    /// Shared by every tail: FilterLogEvents is limited per account, and others use it too.
    pub(super) budget: Arc<RequestBudget>,
    pub(super) tx: mpsc::UnboundedSender<Action>,
}

const NO_SWITCHING: &str = "this dashboard cannot switch profile or region";

impl Effects {
    /// Puts the account in the header before any pane has loaded.
    pub(super) fn look_up_account(&self) {
        let backend = self.ecs.clone();
        let Some(tx) = self.gate.as_ref().map(|g| g.tx.clone()) else {
            return;
        };
        tokio::spawn(async move {
            if let Some(account) = backend.account().await {
                let _ = tx.send(Action::Account(account));
            }
        });
    }
}

pub(super) fn run_effect(worker: &mut Effects, effect: Effect) {
    match effect {
        Effect::Fetch(key) => worker.fetches.spawn_fetch(key),
        Effect::FetchPart {
            key,
            part,
            priority,
        } => worker.fetches.spawn_part(key, part, priority),
        Effect::StartTail { id, request } => {
            let (tail_tx, mut tail_rx) = mpsc::unbounded_channel();
            let handle = crate::logs::tail::spawn(
                worker.ecs.clone(),
                worker.logs.clone(),
                request,
                TailOptions::default(),
                worker.budget.clone(),
                tail_tx,
            );
            let tx = worker.tx.clone();
            tokio::spawn(async move {
                while let Some(msg) = tail_rx.recv().await {
                    if tx.send(Action::Tail { id, msg }).is_err() {
                        return;
                    }
                }
            });
            worker.tails.insert(id, handle);
        }
        // Dropping the handle stops the tail.
        Effect::StopTail { id } => drop(worker.tails.remove(&id)),
        Effect::RetryTail { id } => {
            if let Some(tail) = worker.tails.get(&id) {
                tail.retry_now();
            }
        }
        Effect::LoadOlder { id, before_ms } => {
            if let Some(tail) = worker.tails.get(&id) {
                tail.load_older(before_ms);
            }
        }
        Effect::Copy(text) => copy_to_clipboard(&text),
        Effect::Save { path, contents } => {
            let tx = worker.tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Action::Saved(save(&path, &contents)));
            });
        }
        Effect::ListStreams {
            id,
            region,
            group,
            prefix,
        } => {
            let tx = worker.tx.clone();
            let logs = worker.logs.clone();
            tokio::spawn(async move {
                let result = logs
                    .streams(&region, &group, prefix.as_deref(), STREAM_PICKER_LIMIT)
                    .await;
                let _ = tx.send(Action::Streams { id, result });
            });
        }
        Effect::Mutate { id, who, plan } => {
            let tx = worker.tx.clone();
            let guard = worker.guard.clone();
            tokio::spawn(async move {
                let results = crate::ops::plan::run(&guard, &who, &plan).await;
                let _ = tx.send(Action::Mutated { id, results });
            });
        }
        // The loop, which owns the terminal, runs the editor.
        Effect::ExternalEdit { text } => worker.edit = Some(text),
        Effect::Exec(request) => worker.exec = Some(request),
        Effect::SignIn { profile } => worker.sign_in = Some(profile),
        Effect::Forward { id, request } => worker.forwards.start(
            id,
            request,
            super::forward::Opener {
                ecs: worker.ecs.clone(),
                guard: worker.guard.clone(),
                tx: worker.tx.clone(),
            },
        ),
        Effect::StopForward { id } => worker.forwards.stop(id),
        Effect::LoadPlaces => {
            let tx = worker.tx.clone();
            let switcher = worker.switcher.clone();
            tokio::spawn(async move {
                let places = match switcher {
                    Some(s) => s.places().await,
                    None => Err(NO_SWITCHING.into()),
                };
                let _ = tx.send(Action::Places(places));
            });
        }
        Effect::Switch {
            profile,
            region,
            mfa_code,
        } => {
            let done = worker.switched.clone();
            let switcher = worker.switcher.clone();
            tokio::spawn(async move {
                let connected = match switcher {
                    Some(s) => s.connect(profile, region, mfa_code).await,
                    None => Err(super::switch::Refused::Failed(NO_SWITCHING.into())),
                };
                let _ = done.send(connected);
            });
        }
        Effect::AuditRefusal {
            who,
            action,
            target,
        } => {
            let guard = worker.guard.clone();
            tokio::task::spawn_blocking(move || guard.record_refusal(&who, &action, &target));
        }
    }
}

/// OSC 52: the terminal the user sits at (also over SSH, and through tmux or GNU screen)
/// puts the text on its clipboard.
fn copy_to_clipboard(text: &str) {
    let mut out = io::stdout();
    let sequence = osc52(text, Multiplexer::from_env());
    if let Err(e) = out
        .write_all(sequence.as_bytes())
        .and_then(|()| out.flush())
    {
        tracing::warn!(error = %e, "clipboard write failed");
    }
}

/// What stands between the dashboard and the terminal, which decides how OSC 52 gets
/// through. Over SSH from inside a local tmux neither variable is set on the remote side,
/// and the plain sequence reaches the local tmux, which handles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Multiplexer {
    None,
    Tmux,
    Screen,
}

impl Multiplexer {
    fn from_env() -> Multiplexer {
        if std::env::var_os("TMUX").is_some() {
            Multiplexer::Tmux
        } else if std::env::var_os("STY").is_some() {
            Multiplexer::Screen
        } else {
            Multiplexer::None
        }
    }
}

/// Base64 characters per DCS string for GNU screen, which cuts longer strings (its buffer
/// holds 768 bytes).
const SCREEN_CHUNK: usize = 512;

/// The bytes that put `text` on the clipboard of the terminal behind `mux`.
fn osc52(text: &str, mux: Multiplexer) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let plain = format!("\x1b]52;c;{encoded}\x07");
    match mux {
        Multiplexer::None => plain,
        // tmux takes the plain sequence with `set-clipboard on` and passes it on; with
        // `allow-passthrough on` the wrapped one (its ESC doubled) goes straight through.
        // Either is enough, neither is on by default, and both set the same text; tmux
        // drops what it does not allow, without showing it.
        Multiplexer::Tmux => format!("{plain}\x1bPtmux;\x1b{plain}\x1b\\"),
        // screen hands DCS strings to the terminal as they are, but only short ones: the
        // sequence goes in pieces that the terminal reads as one.
        Multiplexer::Screen => {
            let mut out = String::from("\x1bP\x1b]52;c;");
            // Base64 is ASCII: every index is a character boundary.
            for start in (0..encoded.len()).step_by(SCREEN_CHUNK) {
                if start > 0 {
                    out.push_str("\x1b\\\x1bP");
                }
                out.push_str(&encoded[start..(start + SCREEN_CHUNK).min(encoded.len())]);
            }
            out.push_str("\x07\x1b\\");
            out
        }
    }
}

/// Writes the buffer to a new file (never over an existing one); `~/` is the home directory.
fn save(path: &str, contents: &str) -> Result<String, String> {
    let path = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
        _ => std::path::PathBuf::from(path),
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // The full path (a relative name says little of where it went) and what went in.
    let full = std::path::absolute(&path).unwrap_or(path);
    let lines = contents.lines().count();
    Ok(format!("{} lines to {}", lines, full.display()))
}

#[cfg(test)]
mod save_tests {
    /// `S` says where the lines went in full and how many; it never overwrites.
    #[test]
    fn save_reports_the_full_path_and_the_line_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs.txt");
        let said = super::save(path.to_str().unwrap(), "a\nb\nc\n").unwrap();
        assert_eq!(said, format!("3 lines to {}", path.display()));
        assert!(
            super::save(path.to_str().unwrap(), "x").is_err(),
            "overwrote"
        );
    }
}

#[cfg(test)]
mod osc52_tests {
    use super::{Multiplexer, SCREEN_CHUNK, osc52};

    /// What a terminal reads out of screen's DCS strings: their contents, joined.
    fn through_screen(bytes: &str) -> String {
        bytes
            .split("\x1b\\")
            .filter(|s| !s.is_empty())
            .map(|s| s.strip_prefix("\x1bP").expect("each piece is a DCS string"))
            .collect()
    }

    #[test]
    fn plain_osc52_carries_the_text_in_base64() {
        assert_eq!(
            osc52("0123abcd", Multiplexer::None),
            "\x1b]52;c;MDEyM2FiY2Q=\x07"
        );
    }

    #[test]
    fn in_tmux_the_sequence_goes_plain_and_wrapped_for_passthrough() {
        let plain = osc52("api", Multiplexer::None);
        assert_eq!(
            osc52("api", Multiplexer::Tmux),
            format!("{plain}\x1bPtmux;\x1b{plain}\x1b\\")
        );
    }

    #[test]
    fn in_screen_long_text_goes_in_short_dcs_strings_that_join_to_the_sequence() {
        let text = "arn:aws:ecs:eu-west-1:123456789012:task/prod/0123".repeat(40);
        let bytes = osc52(&text, Multiplexer::Screen);
        let pieces: Vec<&str> = bytes.split("\x1b\\").filter(|s| !s.is_empty()).collect();
        assert!(pieces.len() > 2, "{}", pieces.len());
        assert!(pieces.iter().all(|p| p.len() <= SCREEN_CHUNK + 16));
        assert_eq!(through_screen(&bytes), osc52(&text, Multiplexer::None));
        let short = osc52("api", Multiplexer::Screen);
        assert_eq!(through_screen(&short), osc52("api", Multiplexer::None));
    }
}
