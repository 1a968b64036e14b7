#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;

use ecsdash::app::App;
use ecsdash::app::pane::Pane;
use ecsdash::cmd::args::{Cli, Command, Settings};
use ecsdash::config::{self, Config};
use ecsdash::domain::clock::{Clock, SystemClock};
use ecsdash::ops::audit::Audit;
use ecsdash::ops::guard::Guarded;
use ecsdash::runtime::{self, RunOptions};
use ecsdash::ui::theme::{ColorDepth, Theme};

/// Exit codes: 0 fine, 1 runtime failure, 2 bad input (flags, config, profile).
const EXIT_BAD_INPUT: u8 = 2;

/// A panic is a bug: whichever thread it happens on, the process ends non-zero with the
/// terminal restored (ratatui's own hook restores it before this one runs), rather than
/// going on with a worker silently gone.
const EXIT_PANIC: i32 = 101;

/// The dashboard owns the terminal (raw mode, alternate screen): a panic must give it back.
static TERMINAL_TAKEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn main() -> ExitCode {
    let started = Instant::now();
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(panic = %what, location = %at, "internal error");
        if TERMINAL_TAKEN.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
            // ratatui's hook has left the alternate screen and raw mode; the cursor it hid
            // is shown by the terminal's drop, which exiting here skips.
            ratatui::restore();
            let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
        }
        ecsdash::say_err!(
            "ecsdash: internal error{at}: {}; this is a bug in ecsdash, nothing more was sent to AWS",
            ecsdash::domain::sanitize::one_line(&what)
        );
        std::process::exit(EXIT_PANIC);
    }));
    let cli = Cli::parse();
    match run(cli, started) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            ecsdash::say_err!("ecsdash: {message}");
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli, started: Instant) -> Result<(), (u8, String)> {
    // Made from the command-line definitions alone: no config, no AWS.
    match &cli.command {
        Some(Command::Completions { shell }) => return ecsdash::cmd::shell::completions(*shell),
        Some(Command::Man) => return ecsdash::cmd::shell::man(),
        _ => {}
    }
    let bad = |m: String| (EXIT_BAD_INPUT, m);
    let (config_path, required) = match &cli.config {
        Some(p) => (Some(p.clone()), true),
        None => (config::config_dir().map(|d| d.join("config.toml")), false),
    };
    let config = match &config_path {
        Some(p) => Config::load(p, required).map_err(bad)?,
        None => Config::default(),
    };
    if !cli.demo {
        // The demo fleet reads no AWS configuration; everything else does, at once.
        ecsdash::environment::check_aws(|name| std::env::var_os(name)).map_err(bad)?;
    }
    let env_profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    let settings = Settings::resolve(&cli, &config, env_profile);
    if let Some(Command::Tail(args)) = &cli.command {
        // No terminal, theme or dashboard: logs to stdout, notes to stderr.
        let _log_guard = init_logging(&cli);
        return ecsdash::cmd::tail::run(&cli, args, &settings);
    }
    if let Some(Command::Scale(args)) = &cli.command {
        let _log_guard = init_logging(&cli);
        return ecsdash::cmd::change::scale(&cli, args, &settings);
    }
    if let Some(Command::Exec(args)) = &cli.command {
        let _log_guard = init_logging(&cli);
        return ecsdash::cmd::exec::run(&cli, args, &settings);
    }
    if let Some(Command::Forward(args)) = &cli.command {
        let _log_guard = init_logging(&cli);
        return ecsdash::cmd::exec::forward(&cli, args, &settings);
    }
    if let Some(Command::Deploy(args)) = &cli.command {
        let _log_guard = init_logging(&cli);
        return ecsdash::cmd::change::deploy(&cli, args, &settings);
    }
    let depth = ColorDepth::detect(
        std::env::var("NO_COLOR").ok().as_deref(),
        std::env::var("COLORTERM").ok().as_deref(),
    );
    let theme =
        Theme::load(&settings.theme, config::config_dir().as_deref(), depth).map_err(bad)?;
    let keymap = ecsdash::app::keymap::Keymap::with(&config.key_remaps()).map_err(bad)?;
    let _log_guard = init_logging(&cli);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| (1, format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let ecsdash::cmd::wiring::Backends {
            ecs: backend,
            logs,
            ops,
        } = {
            // Asked here, before the dashboard takes the terminal.
            let mut settings = settings.clone();
            ecsdash::cmd::wiring::ask_mfa(&cli, &mut settings).await?;
            ecsdash::cmd::wiring::estate(&cli, &settings).await?
        };
        if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
            return Err((
                EXIT_BAD_INPUT,
                "the dashboard needs a terminal (stdin and stdout); see `ecsdash --help`".into(),
            ));
        }
        let mut stack = vec![Pane::Clusters];
        // Across regions a cluster is named by its ARN, which says its region.
        let cluster = match &settings.cluster {
            Some(name) if backend.identity().spans_regions() => {
                let found = backend.cluster(name).await.map_err(|e| {
                    (
                        EXIT_BAD_INPUT,
                        ecsdash::domain::sanitize::one_line(&e.message),
                    )
                })?;
                Some(found.arn)
            }
            other => other.clone(),
        };
        if let Some(cluster) = &cluster {
            stack.push(Pane::Services {
                cluster: cluster.clone(),
            });
            if let Some(service) = &settings.service {
                stack.push(Pane::Tasks {
                    cluster: cluster.clone(),
                    service: Some(service.clone()),
                    instance: None,
                });
            }
        }
        let refresh = settings
            .refresh
            .and_then(|d| chrono::Duration::from_std(d).ok());
        let identity = backend.identity();
        // Read-only follows the profile the backend settled on, however it was chosen.
        let read_only = settings.read_only_for(&identity.profile);
        let mut app = App::new(identity, stack, clock.now(), refresh);
        app.keymap = keymap;
        app.log_capacity = settings.log_lines;
        app.exec_command = settings.exec_command.clone();
        app.profile_colour = settings.colour.clone();
        app.pulse = settings.pulse;
        app.cloudwatch = settings.metrics;
        app.read_only = read_only;
        let guard = Guarded::new(
            ops,
            read_only,
            Audit::at(settings.audit_log.clone()),
            clock.clone(),
        );

        let mut terminal =
            ratatui::try_init().map_err(|e| (1, format!("cannot set up the terminal: {e}")))?;
        TERMINAL_TAKEN.store(true, std::sync::atomic::Ordering::SeqCst);
        if settings.mouse {
            crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)
                .map_err(|e| (1, format!("cannot take the mouse: {e}")))?;
        }
        let result = runtime::run(
            &mut terminal,
            app,
            backend,
            logs,
            guard,
            clock,
            &theme,
            RunOptions {
                started,
                exit_after_data: cli.measure_startup,
                // Lets the terminal-restore test prove the panic path; not a user setting.
                mouse: settings.mouse,
                switcher: Some(ecsdash::cmd::switch::switcher(&cli, &config)),
                panic_after_first_frame: std::env::var_os("ECSDASH_TEST_PANIC").map(|v| {
                    if v == "worker" {
                        runtime::TestPanic::Worker
                    } else {
                        runtime::TestPanic::Loop
                    }
                }),
            },
        )
        .await;
        if settings.mouse {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        }
        ratatui::restore();
        TERMINAL_TAKEN.store(false, std::sync::atomic::Ordering::SeqCst);
        let startup = result.map_err(|e| (1, format!("terminal error: {e}")))?;
        if cli.measure_startup {
            let ms = |d: Option<std::time::Duration>| {
                d.map(|d| format!("{:.1} ms", d.as_secs_f64() * 1000.0))
                    .unwrap_or_else(|| "never".into())
            };
            ecsdash::say_err!(
                "first frame: {}  first frame with data: {}",
                ms(startup.first_frame),
                ms(startup.first_data_frame)
            );
        }
        Ok(())
    })
}

/// Logs go to a file, never to the terminal the dashboard draws on.
fn init_logging(cli: &Cli) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let path = cli
        .log_file
        .clone()
        .or_else(|| config::state_dir().map(|d| d.join("ecsdash.log")))?;
    let dir = path.parent()?.to_path_buf();
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("ECSDASH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
