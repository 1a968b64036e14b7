//! A port forward kept open until stopped: the Session Manager plugin in the background,
//! or for the demo fleet a local listener that answers each connection with one line
//! naming where it would lead. `ecsdash forward` runs one until Ctrl-c; the dashboard
//! keeps several (`:forwards`) and stops them all on quit.
//!
//! The plugin gets its own process group: a Ctrl-c typed into an exec session (the
//! terminal's signal goes to the foreground group) must not end the forwards behind it.
//! It is killed when its handle is dropped, so no plugin outlives the dashboard's loop.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};

use super::session::Ended;
use crate::app::Action;
use crate::app::forwards::ForwardEvent;
use crate::domain::{Backend, Identity};
use crate::ops::exec::{self, NotOpened, Opened};
use crate::ops::guard::Guarded;

/// What a running forward reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// A local connection was accepted (the plugin prints a line for each).
    Connection,
    /// Bytes sent to a connection (the demo counts them; the plugin does not say).
    Bytes(u64),
    /// A line the plugin printed (its own words: sanitized where shown).
    Line(String),
}

/// The plugin's line for each connection it takes.
const CONNECTION_LINE: &str = "Connection accepted";

/// How long the plugin gets to end once told to stop, before it is killed.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Refuses a local port something already listens on, before anything is started. The
/// plugin listens on `localhost`: both loopback addresses are tried (a machine without
/// IPv6 has no `::1` to take, which is no reason to refuse).
pub fn port_free(port: u16) -> Result<(), String> {
    let refuse =
        |e: std::io::Error| format!("local port {port} is not free ({e}); nothing was started");
    std::net::TcpListener::bind(("127.0.0.1", port)).map_err(refuse)?;
    match std::net::TcpListener::bind(("::1", port)) {
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Err(refuse(e)),
        _ => Ok(()),
    }
}

/// Runs the forward until `stop` fires (then `Ended::Stopped`) or it ends by itself.
pub async fn keep(
    plugin: Option<PathBuf>,
    who: &Identity,
    cluster: &str,
    opened: &Opened,
    req: &exec::Forward,
    stop: oneshot::Receiver<()>,
    seen: impl FnMut(Seen),
) -> Ended {
    match plugin {
        Some(plugin) => with_plugin(&plugin, who, cluster, opened, req, stop, seen).await,
        None => demo(opened, req, stop, seen).await,
    }
}

async fn with_plugin(
    plugin: &PathBuf,
    who: &Identity,
    cluster: &str,
    opened: &Opened,
    req: &exec::Forward,
    mut stop: oneshot::Receiver<()>,
    mut seen: impl FnMut(Seen),
) -> Ended {
    let target = match exec::target(cluster, &opened.task, &opened.container) {
        Ok(t) => t,
        Err(m) => return Ended::Failed(m),
    };
    let profile =
        (!matches!(who.profile.as_str(), "default" | "env")).then_some(who.profile.as_str());
    let region = who.region_of(cluster);
    let endpoint = exec::service_endpoint(who.endpoint.as_deref(), "ssm", &region);
    let args =
        exec::forward_plugin_args(&opened.session, &region, profile, &target, req, &endpoint);
    let child = tokio::process::Command::new(plugin)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return Ended::Failed(format!("cannot run {}: {e}", plugin.display())),
    };
    // Both of the plugin's outputs, line by line, into one stream.
    let (line_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    for out in [
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
        child
            .stderr
            .take()
            .map(|e| Box::new(e) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = line_tx.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(out).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
    }
    drop(line_tx);
    let mut reading = true;
    loop {
        tokio::select! {
            _ = &mut stop => {
                // The plugin ends its session on SIGTERM; killed if it does not.
                if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGTERM,
                    );
                }
                if tokio::time::timeout(STOP_GRACE, child.wait()).await.is_err() {
                    let _ = child.kill().await;
                }
                return Ended::Stopped;
            }
            status = child.wait() => {
                // What it printed last says why it ended.
                while let Ok(line) = lines.try_recv() {
                    seen(Seen::Line(line));
                }
                return match status {
                    Ok(s) => match s.code() {
                        Some(code) => Ended::Code(code),
                        None => Ended::Failed(format!("{} was stopped by a signal", exec::PLUGIN)),
                    },
                    Err(e) => Ended::Failed(format!("cannot wait for {}: {e}", exec::PLUGIN)),
                };
            }
            line = lines.recv(), if reading => match line {
                Some(line) => {
                    if line.contains(CONNECTION_LINE) {
                        seen(Seen::Connection);
                    }
                    seen(Seen::Line(line));
                }
                None => reading = false,
            },
        }
    }
}

/// The demo's forward: a listener on the local port that tells each connection where it
/// would have led.
async fn demo(
    opened: &Opened,
    req: &exec::Forward,
    mut stop: oneshot::Receiver<()>,
    mut seen: impl FnMut(Seen),
) -> Ended {
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", req.local)).await {
        Ok(l) => l,
        Err(e) => return Ended::Failed(format!("local port {} is not free ({e})", req.local)),
    };
    let to = req.host.as_deref().unwrap_or("the task");
    let line = format!(
        "demo: forwarded to {to}:{} through container {} of task {}\n",
        req.remote, opened.container.name, opened.task.id
    );
    loop {
        tokio::select! {
            _ = &mut stop => return Ended::Stopped,
            accepted = listener.accept() => {
                let Ok((mut stream, _)) = accepted else { continue };
                seen(Seen::Connection);
                if stream.write_all(line.as_bytes()).await.is_ok() {
                    seen(Seen::Bytes(line.len() as u64));
                }
            }
        }
    }
}

/// The dashboard's forwards, by id: each a task that opens the session and keeps the
/// plugin, and the way to tell it to stop.
#[derive(Default)]
pub struct Forwards {
    running: HashMap<u64, Running>,
}

struct Running {
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

/// What a forward needs from the dashboard to open its session.
pub struct Opener {
    pub ecs: Arc<dyn Backend>,
    pub guard: Guarded,
    pub tx: mpsc::UnboundedSender<Action>,
}

impl Forwards {
    /// Checks the local port, opens the session through the guard and keeps the forward
    /// until stopped, reporting to the app as forward `id`.
    pub fn start(&mut self, id: u64, request: exec::Forward, with: Opener) {
        self.running.retain(|_, r| !r.done.is_finished());
        let (stop, stopped) = oneshot::channel();
        let done = tokio::spawn(async move {
            let tx = with.tx.clone();
            let send = move |event: ForwardEvent| {
                let _ = tx.send(Action::Forward { id, event });
            };
            let ended = open_and_keep(&request, &with, stopped, &send).await;
            if let Some(ended) = ended {
                send(ForwardEvent::Ended(ended));
            }
        });
        self.running.insert(
            id,
            Running {
                stop: Some(stop),
                done,
            },
        );
    }

    /// Tells forward `id` to stop; its task ends the plugin (and is waited for on quit).
    pub fn stop(&mut self, id: u64) {
        if let Some(stop) = self.running.get_mut(&id).and_then(|r| r.stop.take()) {
            let _ = stop.send(());
        }
        self.running.retain(|_, r| !r.done.is_finished());
    }

    /// Stops every forward and waits for their plugins to end (killed after a grace).
    pub async fn stop_all(&mut self) {
        for r in self.running.values_mut() {
            if let Some(stop) = r.stop.take() {
                let _ = stop.send(());
            }
        }
        for (_, r) in self.running.drain() {
            let abort = r.done.abort_handle();
            if tokio::time::timeout(STOP_GRACE * 2, r.done).await.is_err() {
                // Dropping the task drops the child, which kills it.
                abort.abort();
            }
        }
    }
}

/// The forward's life; `None` when the session was never opened and the app was told
/// why another way (a choice of container).
async fn open_and_keep(
    request: &exec::Forward,
    with: &Opener,
    mut stopped: oneshot::Receiver<()>,
    send: &(impl Fn(ForwardEvent) + Send + Sync),
) -> Option<Result<String, String>> {
    if let Err(m) = port_free(request.local) {
        return Some(Err(m));
    }
    let who = with.ecs.identity();
    let plugin = if who.profile == "demo" {
        None
    } else {
        match super::session::plugin() {
            Ok(p) => Some(p),
            Err(m) => return Some(Err(m)),
        }
    };
    let opened = match exec::open_forward(with.ecs.as_ref(), &with.guard, &who, request).await {
        Ok(o) => o,
        Err(NotOpened::Choose {
            task, containers, ..
        }) => {
            send(ForwardEvent::Choose { task, containers });
            return None;
        }
        Err(e) => return Some(Err(e.message().to_string())),
    };
    // Stopped while the session was being opened: no plugin is started for it.
    if stopped.try_recv().is_ok() {
        return Some(Ok("stopped".into()));
    }
    send(ForwardEvent::Opened {
        task: opened.task.id.clone(),
        container: opened.container.name.to_string(),
    });
    let seen = |s: Seen| {
        send(match s {
            Seen::Connection => ForwardEvent::Connection,
            Seen::Bytes(n) => ForwardEvent::Bytes(n),
            Seen::Line(l) => ForwardEvent::Line(l),
        })
    };
    let cluster = request.task.cluster.clone();
    Some(
        match keep(plugin, &who, &cluster, &opened, request, stopped, seen).await {
            Ended::Stopped => Ok("stopped".into()),
            Ended::Code(0) => Ok(format!("{} ended", exec::PLUGIN)),
            Ended::Code(code) => Err(format!("{} exited with code {code}", exec::PLUGIN)),
            Ended::Failed(m) => Err(m),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_in_use_is_refused_and_a_free_one_is_not() {
        let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let said = port_free(port).unwrap_err();
        assert!(
            said.contains(&format!("local port {port} is not free")),
            "{said}"
        );
        drop(taken);
        assert_eq!(port_free(port), Ok(()));
    }
}
