//! The event loop: terminal events, worker results, ticks and signals arrive on one
//! channel; each becomes an `update`; the screen is drawn once per burst of events, only
//! when something changed, at most `MAX_FPS` times a second.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend as TermBackend;
use tokio::sync::mpsc;

use std::collections::HashMap;

use crate::app::{Action, App};
use crate::domain::Backend;
use crate::domain::clock::Clock;
use crate::logs::LogsApi;
use crate::logs::tail::RequestBudget;
use crate::ops::guard::Guarded;
use crate::ui::{self, theme::Theme};
use effects::{Effects, Worker, run_effect};

mod aside;
pub mod effects;
pub mod forward;
pub mod session;
pub mod switch;

const TICK: Duration = Duration::from_millis(250);
const MIN_FRAME: Duration = Duration::from_millis(16);
const FETCH_CONCURRENCY: usize = 4;
/// FilterLogEvents calls per second for all tails together: half of the usual account
/// limit of 10, leaving room for everyone else using the account.
const LOG_REQUESTS_PER_SECOND: f64 = 5.0;
const LOG_REQUEST_BURST: u32 = 10;

/// Start-up timings, for `--measure-startup`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Startup {
    pub first_frame: Option<Duration>,
    pub first_data_frame: Option<Duration>,
}

pub struct RunOptions {
    pub started: Instant,
    /// Quit as soon as a frame with the first pane's data has been drawn.
    pub exit_after_data: bool,
    /// Panic right after the first frame (for the tests that the terminal is restored and
    /// the process ends non-zero, wherever the panic happens).
    pub panic_after_first_frame: Option<TestPanic>,
    /// The mouse is the dashboard's: given back while it steps aside, taken again after.
    pub mouse: bool,
    /// Builds backends for another profile or region (`None`: switching is refused).
    pub switcher: Option<Arc<dyn switch::Switcher>>,
}

/// Where the test panic happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestPanic {
    /// In the event loop itself.
    Loop,
    /// In a background task, which the async runtime would otherwise just let die.
    Worker,
}

#[allow(clippy::too_many_arguments)]
pub async fn run<B: TermBackend>(
    terminal: &mut Terminal<B>,
    mut app: App,
    backend: Arc<dyn Backend>,
    logs: Arc<dyn LogsApi>,
    guard: Guarded,
    clock: Arc<dyn Clock>,
    theme: &Theme,
    mut opts: RunOptions,
) -> io::Result<Startup>
where
    B::Error: Send + Sync + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    // What the identity's fetches answer passes this gate; a switch shuts it.
    let gate = switch::Gate::open(&tx);
    let (switched_tx, mut switched_rx) = mpsc::unbounded_channel();
    let mut worker = Effects {
        fetches: Worker::new(
            backend.clone(),
            guard.ops().clone(),
            clock.clone(),
            gate.tx.clone(),
            FETCH_CONCURRENCY,
        ),
        gate: Some(gate),
        switcher: opts.switcher.take(),
        switched: switched_tx,
        clock: clock.clone(),
        tails: HashMap::new(),
        edit: None,
        sign_in: None,
        exec: None,
        forwards: forward::Forwards::default(),
        mouse: opts.mouse,
        guard,
        ecs: backend,
        logs,
        budget: RequestBudget::new(LOG_REQUESTS_PER_SECOND, LOG_REQUEST_BURST),
        tx: tx.clone(),
    };
    let worker = &mut worker;
    let mut input = spawn_terminal_events(tx.clone());
    spawn_ticks(tx.clone(), clock.clone());
    spawn_signals(tx.clone());
    worker.look_up_account();

    if let Ok(size) = terminal.size() {
        app.update(Action::Resize {
            width: size.width,
            height: size.height,
        });
    }
    for effect in app.due_fetches() {
        run_effect(worker, effect);
    }
    let mut startup = Startup::default();
    let mut last_draw: Option<Instant> = None;
    loop {
        if app.dirty {
            let since = last_draw.map(|t| t.elapsed()).unwrap_or(MIN_FRAME);
            if since < MIN_FRAME {
                tokio::time::sleep(MIN_FRAME - since).await;
            }
            // Take in what arrived while waiting so the frame shows the newest state.
            while let Ok(action) = rx.try_recv() {
                apply(&mut app, worker, action);
            }
            terminal
                .draw(|f| ui::draw(f, &app, theme))
                .map_err(|e| io::Error::other(e.to_string()))?;
            app.dirty = false;
            last_draw = Some(Instant::now());
            startup.first_frame.get_or_insert(opts.started.elapsed());
            match opts.panic_after_first_frame.take() {
                Some(TestPanic::Loop) => panic!("panic requested by ECSDASH_TEST_PANIC"),
                Some(TestPanic::Worker) => {
                    tokio::spawn(async { panic!("worker panic requested by ECSDASH_TEST_PANIC") });
                }
                None => {}
            }
            if startup.first_data_frame.is_none() && has_data(&app) {
                startup.first_data_frame = Some(opts.started.elapsed());
                if opts.exit_after_data {
                    return Ok(startup);
                }
            }
        }
        if app.quit {
            // No plugin outlives the dashboard.
            worker.forwards.stop_all().await;
            return Ok(startup);
        }
        let action = tokio::select! {
            action = rx.recv() => action,
            Some(connected) = switched_rx.recv() => {
                swap(&mut app, worker, &mut rx, connected).await;
                continue;
            }
        };
        let Some(action) = action else {
            return Ok(startup);
        };
        apply(&mut app, worker, action);
        while let Ok(action) = rx.try_recv() {
            apply(&mut app, worker, action);
        }
        // An exec session and the editor need the terminal and its input to themselves:
        // stop reading keys, leave the dashboard's screen, and come back to a full redraw.
        if let Some(request) = worker.exec.take() {
            input.abort();
            let _ = (&mut input).await;
            let ended = aside::exec_session(worker, request).await;
            input = spawn_terminal_events(tx.clone());
            redraw_whole(terminal)?;
            app.dirty = true;
            // The clock moved on while the session ran: its note must not look old.
            apply(&mut app, worker, Action::Tick(clock.now()));
            apply(&mut app, worker, ended);
        }
        if let Some(profile) = worker.sign_in.take() {
            // A role with MFA signs in again with a new code, which the reconnect asks
            // for: no `aws sso login`.
            let mfa = match &worker.switcher {
                Some(s) => s.needs_mfa(profile.clone()).await,
                None => false,
            };
            if mfa {
                apply(
                    &mut app,
                    worker,
                    Action::SignedIn(Ok("the role needs a new MFA code".into())),
                );
                continue;
            }
            input.abort();
            let _ = (&mut input).await;
            let signed = aside::sso_login(profile, worker.mouse).await;
            input = spawn_terminal_events(tx.clone());
            redraw_whole(terminal)?;
            app.dirty = true;
            apply(&mut app, worker, Action::Tick(clock.now()));
            apply(&mut app, worker, Action::SignedIn(signed));
        }
        if let Some(text) = worker.edit.take() {
            input.abort();
            let _ = (&mut input).await;
            let edited = aside::external_edit(text, worker.mouse).await;
            input = spawn_terminal_events(tx.clone());
            redraw_whole(terminal)?;
            app.dirty = true;
            apply(&mut app, worker, Action::Edited(edited));
        }
    }
}

/// Blanks the screen and forgets the last frame, so the next one is drawn whole. (Not
/// `Terminal::clear`: it asks the terminal for the cursor position, which a slow link may
/// not answer in time.)
fn redraw_whole<B: ratatui::backend::Backend>(terminal: &mut Terminal<B>) -> io::Result<()> {
    crossterm::execute!(
        io::stdout(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    terminal.swap_buffers();
    Ok(())
}

/// A switch's backends arrived (or why not): the old identity's answers are cut off
/// first, what already came in is applied, then the new backends take over.
async fn swap(
    app: &mut App,
    worker: &mut Effects,
    rx: &mut mpsc::UnboundedReceiver<Action>,
    connected: Result<switch::Connected, switch::Refused>,
) {
    let c = match connected {
        Ok(c) => c,
        Err(switch::Refused::Failed(e)) => {
            apply(app, worker, Action::Switched(Err(e)));
            return;
        }
        Err(switch::Refused::NeedsMfa { serial, why }) => {
            apply(app, worker, Action::NeedsMfa { serial, why });
            return;
        }
    };
    worker.tails.clear();
    if let Some(old) = worker.gate.take() {
        old.shut().await;
    }
    while let Ok(action) = rx.try_recv() {
        apply(app, worker, action);
    }
    let gate = switch::Gate::open(&worker.tx);
    worker.fetches = Worker::new(
        c.ecs.clone(),
        c.ops.clone(),
        worker.clock.clone(),
        gate.tx.clone(),
        FETCH_CONCURRENCY,
    );
    worker.gate = Some(gate);
    worker.guard = Guarded::new(
        c.ops,
        c.read_only,
        crate::ops::audit::Audit::at(c.audit_log),
        worker.clock.clone(),
    );
    worker.ecs = c.ecs;
    worker.logs = c.logs;
    worker.look_up_account();
    let switched = crate::app::switch::Switched {
        identity: worker.ecs.identity(),
        read_only: c.read_only,
        colour: c.colour,
    };
    apply(app, worker, Action::Switched(Ok(switched)));
}

fn has_data(app: &App) -> bool {
    app.visible_slots()
        .iter()
        .all(|s| s.is_some_and(|s| s.data.is_some() || s.error.is_some()))
}

fn apply(app: &mut App, worker: &mut Effects, action: Action) {
    for effect in app.update(action) {
        run_effect(worker, effect);
    }
}

fn spawn_terminal_events(tx: mpsc::UnboundedSender<Action>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            let action = match event {
                Ok(Event::Key(key)) => Action::Key(key),
                Ok(Event::Resize(width, height)) => Action::Resize { width, height },
                Ok(Event::Mouse(m)) => match mouse(m) {
                    Some(m) => Action::Mouse(m),
                    None => continue,
                },
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "terminal input failed");
                    Action::Quit
                }
            };
            if tx.send(action).is_err() {
                return;
            }
        }
        // The terminal went away (stdin closed): nothing more can be read or shown.
        let _ = tx.send(Action::Quit);
    })
}

/// The mouse events the dashboard uses: the left button pressed, the wheel.
fn mouse(m: crossterm::event::MouseEvent) -> Option<crate::app::mouse::Mouse> {
    use crate::app::mouse::{Mouse, MouseKind};
    use crossterm::event::{MouseButton, MouseEventKind};
    let kind = match m.kind {
        MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
        MouseEventKind::ScrollUp => MouseKind::WheelUp,
        MouseEventKind::ScrollDown => MouseKind::WheelDown,
        _ => return None,
    };
    Some(Mouse {
        kind,
        column: m.column,
        row: m.row,
        at: Instant::now(),
    })
}

fn spawn_ticks(tx: mpsc::UnboundedSender<Action>, clock: Arc<dyn Clock>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if tx.send(Action::Tick(clock.now())).is_err() {
                return;
            }
        }
    });
}

/// SIGTERM and SIGHUP (an SSH session dropping) end the loop like `q`, so the terminal
/// is restored on the way out.
fn spawn_signals(tx: mpsc::UnboundedSender<Action>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            tracing::error!("cannot install signal handlers");
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Action::Quit);
    });
    #[cfg(not(unix))]
    drop(tx);
}
