//! `ecsdash tail`: a service's or a task's logs, or streams of a log group named outright
//! (`--group GROUP --stream NAME`), on stdout, without the dashboard, through the same tail
//! engine as the log pane (`crate::logs::tail`), so history, following, Live Tail or
//! polling, de-duplication and throttling behave the same.
//!
//! stdout carries events only; everything else (how events arrive, throttling, containers
//! whose logs are not in CloudWatch, errors) goes to stderr. Exit codes: 0 at the end of
//! the history, on Ctrl-C/SIGTERM while following, and when the reader closes the pipe
//! (`| head`); 2 for bad arguments or a cluster, service, task or (reading named streams
//! without following) log group that does not exist; 1 when the tail ends on any other
//! error.

mod output;

pub use super::args::tail::{Plan, TailArgs};
use super::wiring::{backends, with_hint};

use std::collections::HashSet;
use std::io::{self, IsTerminal};
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;

use self::output::Printer;
use super::args::{Cli, Settings};
use crate::domain::{Backend, BackendError, ErrorKind};
use crate::logs::source::{LogScope, LogSource, SourceKind};
use crate::logs::tail::{self, RequestBudget, TailMsg, TailOptions, TailRequest, Transport};
use crate::logs::{LogEvent, LogsApi};

const EXIT_FAILED: u8 = 1;
const EXIT_BAD_INPUT: u8 = 2;

/// An exit code and the message for stderr.
pub type Failure = (u8, String);

/// Runs `ecsdash tail` to its end. Arguments are checked before any call is made.
pub fn run(cli: &Cli, args: &TailArgs, settings: &Settings) -> Result<(), Failure> {
    let plan = Plan::from_args(args, Utc::now()).map_err(|m| (EXIT_BAD_INPUT, m))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| (EXIT_FAILED, format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let b = backends(cli, settings).await?;
        // Two attempts' worth of the operation timeout, and a little more for the pauses
        // between them: long enough to outlast a blip, short enough for a script.
        let give_up = settings.timeout * 2 + std::time::Duration::from_secs(5);
        follow(b.ecs, b.logs, plan, give_up).await
    })
}

/// What the tail has told so far that decides how it ends.
#[derive(Default)]
struct Progress {
    history_done: bool,
    transport: Option<Transport>,
    /// Shown only once it is clear the tail goes on: an error right before `Ended` is
    /// the reason the tail ended and becomes the exit message instead.
    held_error: Option<BackendError>,
    /// Containers already reported as not logging to CloudWatch.
    told_elsewhere: HashSet<(String, String)>,
    /// The group of streams named outright does not exist (reading the history only).
    missing_group: Option<BackendError>,
    /// A failure was told on stderr and has not ended yet.
    failing: bool,
}

/// An error as one sentence for stderr: the call, what went wrong, AWS's words.
fn sentence(e: &BackendError) -> String {
    format!("{} failed ({}): {}", e.operation, e.kind.label(), e.message)
}

/// A history of named streams whose group does not exist: bad input, not a passing note.
/// A follower goes on instead, since FireLens may create the group when it first writes.
fn missing_group(plan: &Plan, e: &BackendError) -> bool {
    !plan.follow && e.kind == ErrorKind::NotFound && matches!(plan.scope, LogScope::Streams { .. })
}

async fn follow(
    ecs: Arc<dyn Backend>,
    logs: Arc<dyn LogsApi>,
    plan: Plan,
    give_up: std::time::Duration,
) -> Result<(), Failure> {
    let req = TailRequest {
        scope: plan.scope.clone(),
        container: plan.container.clone(),
        start_ms: plan.start_ms,
        pattern: plan.pattern.clone(),
        follow: plan.follow,
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let budget = RequestBudget::new(
        RequestBudget::DEFAULT_PER_SECOND,
        RequestBudget::DEFAULT_BURST,
    );
    let opts = TailOptions {
        // Without following, a persistent fault must not keep the command running
        // silently: it gives up, says why and exits 1.
        give_up_after: (!plan.follow).then_some(give_up),
        ..TailOptions::default()
    };
    let _tail = tail::spawn(ecs, logs, req, opts, budget, tx);
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let printer = Printer::new(stdout, plan.json, plan.utc, terminal, plan.grep.clone());
    // Writing blocks while the reader does not read (a paused `less`, a full pipe), so it
    // happens on a thread of its own: this loop stays free to notice a stop.
    let mut out = Writer::spawn(printer);
    let mut progress = Progress::default();
    let mut stop = Stop::new()?;
    loop {
        let msg = tokio::select! {
            msg = rx.recv() => msg,
            () = stop.requested() => {
                flush_held(&mut progress);
                return Ok(());
            }
        };
        let Some(msg) = msg else {
            return out.finish(&mut stop).await;
        };
        if !matches!(msg, TailMsg::Ended) {
            flush_held(&mut progress);
        }
        match msg {
            TailMsg::Events(events) | TailMsg::Older { events, .. } => {
                let sent = tokio::select! {
                    sent = out.send(Out::Events(events)) => sent,
                    () = stop.requested() => {
                        flush_held(&mut progress);
                        return Ok(());
                    }
                };
                if !sent {
                    // The writer stopped: the reader went away, or stdout failed.
                    return out.finish(&mut stop).await;
                }
            }
            TailMsg::Sources(sources) => {
                report_elsewhere(&sources, &mut progress);
                if !out.send(Out::Sources(sources)).await {
                    return out.finish(&mut stop).await;
                }
            }
            TailMsg::Transport(t) => {
                if plan.follow && progress.transport != Some(t) {
                    crate::say_err!("ecsdash: following ({})", transport_note(t));
                }
                progress.transport = Some(t);
            }
            TailMsg::Throttled(true) => crate::say_err!("ecsdash: throttled by AWS, backing off"),
            TailMsg::Throttled(false) => crate::say_err!("ecsdash: no longer throttled"),
            // While following, a failure is said when it starts (the tail keeps trying)
            // and when it ends; without following the last one is the exit message.
            TailMsg::Error(e) if plan.follow && e.is_transient() => {
                crate::say_err!("ecsdash: {}; still trying", sentence(&e));
                progress.failing = true;
            }
            TailMsg::Stopped(e) => {
                crate::say_err!(
                    "ecsdash: stopped: {}{}; trying again every few seconds",
                    sentence(&e),
                    hint_suffix(&e)
                );
                progress.failing = true;
            }
            TailMsg::Recovered => {
                if std::mem::take(&mut progress.failing) {
                    crate::say_err!("ecsdash: AWS answers again; reading on from where it stopped");
                }
            }
            TailMsg::Sampled { from_ms, to_ms } => crate::say_err!(
                "ecsdash: Live Tail sampled {} ms of events (over 500 a second); reading them again",
                to_ms - from_ms
            ),
            TailMsg::HistoryDone => progress.history_done = true,
            TailMsg::Error(e) if missing_group(&plan, &e) => progress.missing_group = Some(e),
            TailMsg::Error(e) => progress.held_error = Some(e),
            TailMsg::Ended => {
                out.finish(&mut stop).await?;
                return ended(&plan, &mut progress);
            }
        }
    }
}

/// What the writer thread prints.
enum Out {
    Sources(Vec<LogSource>),
    Events(Vec<LogEvent>),
}

/// stdout on a thread of its own, fed through a short queue (so a reader that does not
/// read holds the tail back instead of growing memory).
struct Writer {
    tx: Option<mpsc::Sender<Out>>,
    /// How the writer ended: every line written, or the write error.
    done: tokio::sync::oneshot::Receiver<io::Result<()>>,
}

impl Writer {
    fn spawn(mut printer: Printer<io::Stdout>) -> Writer {
        let (tx, mut rx) = mpsc::channel::<Out>(16);
        let (done_tx, done) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut result = Ok(());
            while let Some(out) = rx.blocking_recv() {
                match out {
                    Out::Sources(sources) => printer.sources(&sources),
                    Out::Events(events) => {
                        if let Err(e) = printer.events(&events) {
                            result = Err(e);
                            break;
                        }
                    }
                }
            }
            let _ = done_tx.send(result);
        });
        Writer { tx: Some(tx), done }
    }

    /// Queues for printing; false once the writer has stopped.
    async fn send(&mut self, out: Out) -> bool {
        match &self.tx {
            Some(tx) => tx.send(out).await.is_ok(),
            None => false,
        }
    }

    /// Waits until everything queued is written (or a stop comes first). A reader that
    /// went away (`| head`) is how pipes end, not a failure.
    async fn finish(&mut self, stop: &mut Stop) -> Result<(), Failure> {
        self.tx = None;
        let written = tokio::select! {
            written = &mut self.done => written,
            () = stop.requested() => return Ok(()),
        };
        match written {
            Ok(Err(e)) if e.kind() != io::ErrorKind::BrokenPipe => {
                Err((EXIT_FAILED, format!("cannot write to stdout: {e}")))
            }
            _ => Ok(()),
        }
    }
}

/// A normal end (the history of a tail that does not follow) exits 0; anything else
/// ended on an error.
fn ended(plan: &Plan, progress: &mut Progress) -> Result<(), Failure> {
    let error = progress.held_error.take();
    if progress.history_done && !plan.follow {
        // Named streams all live in the one group: without it there was nothing to read.
        if let Some(e) = progress.missing_group.take() {
            if let Some(other) = error {
                crate::say_err!("ecsdash: {}", with_hint(&other));
            }
            return Err((
                EXIT_BAD_INPUT,
                format!("{}: {}", scope_name(&plan.scope), e.message),
            ));
        }
        if let Some(e) = error {
            crate::say_err!("ecsdash: {}", with_hint(&e));
        }
        return Ok(());
    }
    match error {
        Some(e) if e.kind == ErrorKind::NotFound => Err((
            EXIT_BAD_INPUT,
            format!(
                "{}: {} ({})",
                scope_name(&plan.scope),
                e.message,
                e.operation
            ),
        )),
        Some(e) => Err((EXIT_FAILED, format!("{}{}", sentence(&e), hint_suffix(&e)))),
        None => Ok(()),
    }
}

fn scope_name(scope: &LogScope) -> String {
    match scope {
        LogScope::Service { cluster, service } => format!("{cluster}/{service}"),
        LogScope::Task { cluster, task } => format!("{cluster} --task {task}"),
        LogScope::Container {
            cluster,
            task,
            container,
        } => format!("{cluster} --task {task} --container {container}"),
        LogScope::Streams { group, streams, .. } => {
            let named: Vec<String> = streams.iter().map(|s| format!("--stream {s}")).collect();
            format!("--group {group} {}", named.join(" "))
        }
    }
}

fn hint_suffix(e: &BackendError) -> String {
    e.hint()
        .map(|h| format!("\n  hint: {h}"))
        .unwrap_or_default()
}

fn flush_held(progress: &mut Progress) {
    match progress.held_error.take() {
        // The engine falls back to polling by itself: a note, not an alarm.
        Some(e) if e.operation == "StartLiveTail" => {
            crate::say_err!(
                "ecsdash: Live Tail not available, polling instead: {}",
                e.message
            );
        }
        Some(e) => crate::say_err!("ecsdash: {}{}", sentence(&e), hint_suffix(&e)),
        None => {}
    }
}

fn transport_note(t: Transport) -> &'static str {
    match t {
        Transport::Live => "LIVE: CloudWatch Live Tail",
        Transport::Poll => "POLL: FilterLogEvents",
    }
}

fn report_elsewhere(sources: &[LogSource], progress: &mut Progress) {
    for s in sources {
        if let SourceKind::Elsewhere { reason, group, .. } = &s.kind {
            let key = (s.task_id.clone(), s.container.clone());
            if progress.told_elsewhere.insert(key) {
                let short: String = s.task_id.chars().take(8).collect();
                match group {
                    Some((region, group)) => crate::say_err!(
                        "ecsdash: {short}/{}: stream not known: {reason}; tail one with \
                         `ecsdash tail --region {region} --group {group} --stream NAME`",
                        s.container
                    ),
                    None => crate::say_err!(
                        "ecsdash: {short}/{}: logs not in CloudWatch: {reason}",
                        s.container
                    ),
                }
            }
        }
    }
}

/// Ctrl-C or SIGTERM: the way a follower is stopped.
struct Stop {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Stop {
    fn new() -> Result<Stop, Failure> {
        Ok(Stop {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(|e| (EXIT_FAILED, format!("cannot watch for SIGTERM: {e}")))?,
        })
    }

    async fn requested(&mut self) {
        let ctrl_c = async {
            // Without a handler Ctrl-C still ends the process the default way.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        tokio::select! {
            () = ctrl_c => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        ctrl_c.await;
    }
}
