//! Screen snapshots of every pane and overlay on the demo fleet, at a fixed size and a
//! fixed clock, so a change to what the user sees shows up as a diff.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::data::DataKey;
use crate::app::pane::Pane;
use crate::app::{Action, App, Effect};
use crate::backends::demo::{DemoBackend, DemoOptions};
use crate::domain::clock::{Clock, ManualClock};
use crate::domain::{Backend, BackendError, ErrorKind};
use crate::ui::theme::{ColorDepth, Theme};

fn demo() -> (DemoBackend, ManualClock) {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap());
    let backend = DemoBackend::new(DemoOptions {
        seed: 7,
        clock: Arc::new(clock.clone()),
        latency: StdDuration::ZERO..StdDuration::ZERO,
    });
    (backend, clock)
}

/// Runs `first` and then every fetch the app asks for, until it asks for none.
async fn settle_with(
    app: &mut App,
    backend: &DemoBackend,
    clock: &ManualClock,
    first: Vec<Effect>,
) {
    let mut effects = first;
    for _ in 0..40 {
        effects.extend(app.due_fetches());
        if effects.is_empty() {
            return;
        }
        for effect in std::mem::take(&mut effects) {
            if let Effect::Mutate { id, plan, .. } = effect {
                let results = execute(backend, &plan).await;
                effects.extend(app.update(Action::Mutated { id, results }));
                continue;
            }
            if let Effect::FetchPart { key, part, .. } = effect {
                let result = crate::runtime::effects::fetch_part(backend, &key, &part).await;
                effects.extend(app.update(Action::PartLoaded {
                    key,
                    part,
                    result,
                    at: clock.now(),
                }));
                continue;
            }
            let Effect::Fetch(key) = effect else {
                continue;
            };
            let result = crate::runtime::effects::fetch(backend, backend, &key).await;
            effects.extend(app.update(Action::Loaded {
                key,
                result,
                at: clock.now(),
            }));
        }
    }
}

/// Carries out a plan on the demo as the guard would (the guard itself is tested on its
/// own), the new revision standing in where a step asks for it.
async fn execute(
    backend: &DemoBackend,
    plan: &[crate::ops::Mutation],
) -> Vec<Result<crate::ops::Outcome, crate::ops::guard::OpError>> {
    use crate::ops::{Mutation, Ops, Outcome};
    let mut results = Vec::new();
    let mut registered = None;
    for step in plan {
        let mut step = step.clone();
        if let (Mutation::Deploy { to, .. }, Some(arn)) = (&mut step, &registered)
            && to == crate::ops::plan::NEW_REVISION
        {
            *to = String::clone(arn);
        }
        let r = backend.execute(&step).await;
        if let Ok(Outcome::Registered { arn, .. }) = &r {
            registered = Some(arn.clone());
        }
        let failed = r.is_err();
        results.push(r.map_err(crate::ops::guard::OpError::Aws));
        if failed {
            break;
        }
    }
    results
}

fn chars(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

async fn settle(app: &mut App, backend: &DemoBackend, clock: &ManualClock) {
    settle_with(app, backend, clock, Vec::new()).await;
}

/// A key, and whatever it makes the app fetch.
async fn press_settle(app: &mut App, backend: &DemoBackend, clock: &ManualClock, code: KeyCode) {
    let effects = press(app, code);
    settle_with(app, backend, clock, effects).await;
}

async fn app_on(stack: Vec<Pane>) -> (App, DemoBackend, ManualClock) {
    app_with(stack, false).await
}

/// With CloudWatch's metrics and alarms read, as the dashboard does by default.
async fn app_with(stack: Vec<Pane>, cloudwatch: bool) -> (App, DemoBackend, ManualClock) {
    let (backend, clock) = demo();
    let mut app = App::new(
        backend.identity(),
        stack,
        clock.now(),
        Some(chrono::Duration::seconds(5)),
    );
    app.cloudwatch = cloudwatch;
    app.update(Action::Resize {
        width: 120,
        height: 32,
    });
    settle(&mut app, &backend, &clock).await;
    (app, backend, clock)
}

fn render(app: &App, width: u16, height: u16) -> String {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| crate::ui::draw(f, app, &theme)).unwrap();
    terminal.backend().to_string()
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn services() -> Vec<Pane> {
    vec![
        Pane::Clusters,
        Pane::Services {
            cluster: "prod-core".into(),
        },
    ]
}

#[tokio::test]
async fn clusters_pane() {
    let (app, ..) = app_on(vec![Pane::Clusters]).await;
    insta::assert_snapshot!(render(&app, 120, 32));
}

#[tokio::test]
async fn services_pane() {
    let (app, ..) = app_on(services()).await;
    insta::assert_snapshot!(render(&app, 120, 32));
}

#[tokio::test]
async fn services_pane_with_metrics_and_alarms() {
    let (app, ..) = app_with(services(), true).await;
    let screen = render(&app, 150, 32);
    // recommendations' target group has an ELB alarm firing; api-gateway's alarms are
    // target tracking's only, dimmed in brackets.
    let row = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(row("recommendations").contains("⚠ 1"), "{screen}");
    assert!(row("api-gateway").contains("(2)"), "{screen}");
    assert!(row("api-gateway").contains('%'), "{screen}");
    insta::assert_snapshot!(screen);
}

#[tokio::test]
async fn describe_service_with_charts() {
    let (mut app, backend, clock) = app_with(services(), true).await;
    press_settle(&mut app, &backend, &clock, KeyCode::Char('d')).await;
    let one_hour = render(&app, 120, 60);
    assert!(one_hour.contains("last 1 h"), "{one_hour}");
    assert!(one_hour.contains("Alarms in ALARM"), "{one_hour}");
    press_settle(&mut app, &backend, &clock, KeyCode::Char('+')).await;
    let three = render(&app, 120, 60);
    assert!(
        three.contains("last 3 h") && three.contains("-3 h"),
        "{three}"
    );
    insta::assert_snapshot!(three);
}

#[tokio::test]
async fn tasks_of_a_service() {
    let (mut app, backend, clock) = app_on(services()).await;
    press_settle(&mut app, &backend, &clock, KeyCode::Enter).await;
    insta::assert_snapshot!(render(&app, 140, 32));
}

#[tokio::test]
async fn tasks_of_a_cluster_with_stopped() {
    let (app, ..) = app_on(vec![
        Pane::Clusters,
        Pane::Tasks {
            cluster: "prod-core".into(),
            service: None,
            instance: None,
        },
    ])
    .await;
    insta::assert_snapshot!(render(&app, 160, 40));
}

#[tokio::test]
async fn container_instances_pane() {
    let (app, ..) = app_on(vec![
        Pane::Clusters,
        Pane::Instances {
            cluster: "prod-core".into(),
        },
    ])
    .await;
    insta::assert_snapshot!(render(&app, 120, 24));
}

#[tokio::test]
async fn describe_service() {
    let (mut app, backend, clock) = app_on(services()).await;
    press_settle(&mut app, &backend, &clock, KeyCode::Char('d')).await;
    insta::assert_snapshot!(render(&app, 120, 60));
}

#[tokio::test]
async fn describe_task() {
    let (mut app, backend, clock) = app_on(services()).await;
    press_settle(&mut app, &backend, &clock, KeyCode::Enter).await;
    press_settle(&mut app, &backend, &clock, KeyCode::Char('d')).await;
    insta::assert_snapshot!(render(&app, 120, 60));
}

#[tokio::test]
async fn help_overlay() {
    let (mut app, ..) = app_on(services()).await;
    press(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!(render(&app, 100, 32));
}

#[tokio::test]
async fn filter_and_command_line() {
    let (mut app, ..) = app_on(services()).await;
    press(&mut app, KeyCode::Char('/'));
    for c in "pay".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    insta::assert_snapshot!("filter_typing", render(&app, 100, 14));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char(':'));
    press(&mut app, KeyCode::Char('s'));
    insta::assert_snapshot!("command_completion", render(&app, 100, 14));
}

#[tokio::test]
async fn loading_then_failure_with_hint() {
    let (backend, clock) = demo();
    let mut app = App::new(backend.identity(), vec![Pane::Clusters], clock.now(), None);
    let effects = app.due_fetches();
    assert_eq!(effects, vec![Effect::Fetch(DataKey::Clusters)]);
    insta::assert_snapshot!("loading", render(&app, 90, 10));
    app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Err(BackendError::new(
            ErrorKind::NoCredentials,
            "ListClusters",
            "no credentials in the environment, profile files or instance metadata",
        )),
        at: clock.now(),
    });
    insta::assert_snapshot!("no_credentials", render(&app, 90, 12));
}

#[tokio::test]
async fn stale_data_and_error_history() {
    let (mut app, _backend, clock) = app_on(vec![Pane::Clusters]).await;
    clock.advance(chrono::Duration::seconds(40));
    app.update(Action::Tick(clock.now()));
    app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Err(BackendError::new(
            ErrorKind::AccessDenied,
            "ListClusters",
            "User: arn:aws:sts::123456789012:assumed-role/oncall is not authorized to perform: ecs:ListClusters",
        )),
        at: clock.now(),
    });
    insta::assert_snapshot!("stale", render(&app, 120, 12));
    press(&mut app, KeyCode::Char('E'));
    insta::assert_snapshot!("error_history", render(&app, 120, 12));
}

/// Every pane and overlay draws at small sizes without panicking, down to 1x1.
#[tokio::test]
async fn tiny_terminals_do_not_panic() {
    let (mut app, backend, clock) = app_on(services()).await;
    let sizes = [(40, 10), (20, 5), (19, 4), (1, 1), (200, 3), (3, 200)];
    let check = |app: &App| {
        for (w, h) in sizes {
            let screen = render(app, w, h);
            assert_eq!(screen.lines().count(), usize::from(h), "{w}x{h}");
        }
    };
    check(&app);
    for code in [KeyCode::Char('?'), KeyCode::Esc, KeyCode::Char('d')] {
        press_settle(&mut app, &backend, &clock, code).await;
        check(&app);
    }
    press(&mut app, KeyCode::Esc);
    press_settle(&mut app, &backend, &clock, KeyCode::Enter).await;
    check(&app);
    press(&mut app, KeyCode::Char(':'));
    check(&app);
    let screen = render(&app, 40, 10);
    assert!(
        screen.contains("tasks"),
        "40x10 still shows where you are:\n{screen}"
    );
}

fn log_event(ms: i64, stream: &str, message: &str) -> crate::logs::LogEvent {
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 21, 2, 58, 0)
        .unwrap()
        .timestamp_millis();
    crate::logs::LogEvent {
        timestamp: t0 + ms,
        ingestion_time: t0 + ms,
        event_id: Some(ms.to_string()),
        group: "/ecs/checkout".into(),
        stream: stream.into(),
        message: message.into(),
    }
}

/// The logs pane with sources in two colours, levels, a multi-line stack trace, a hostile
/// line, a search match, and the paused state with new lines waiting.
#[tokio::test]
async fn logs_pane() {
    use crate::logs::source::{LogSource, SourceKind};
    use crate::logs::tail::{TailMsg, Transport};
    let (mut app, backend, clock) = app_on(services()).await;
    press(&mut app, KeyCode::Down);
    let effects = press(&mut app, KeyCode::Char('l'));
    let Some(Effect::StartTail { id, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    let id = *id;
    let a = "ecs/checkout/0f4c2a9e8b7d4c1f9a3e2d1c0b9a8f7e";
    let b = "ecs/envoy/0f4c2a9e8b7d4c1f9a3e2d1c0b9a8f7e";
    let c = "ecs/checkout/5d6e7f8091a2b3c4d5e6f708192a3b4c";
    let cw = |task: &str, container: &str, stream: &str| LogSource {
        task_id: task.into(),
        container: container.into(),
        kind: SourceKind::CloudWatch {
            region: "eu-west-1".into(),
            group: "/ecs/checkout".into(),
            stream: stream.into(),
        },
    };
    let msgs = vec![
        TailMsg::Transport(Transport::Poll),
        TailMsg::Sources(vec![
            cw("0f4c2a9e8b7d4c1f9a3e2d1c0b9a8f7e", "checkout", a),
            cw("0f4c2a9e8b7d4c1f9a3e2d1c0b9a8f7e", "envoy", b),
            cw("5d6e7f8091a2b3c4d5e6f708192a3b4c", "checkout", c),
        ]),
        TailMsg::Events(vec![
            log_event(
                0,
                b,
                "[2026-11-21T02:58:00.000Z] \"GET /healthz HTTP/1.1\" 200 - 0 2 1 \"-\"",
            ),
            log_event(
                150,
                a,
                r#"{"level":"info","msg":"order placed","order_id":"o-4417","latency_ms":23}"#,
            ),
            log_event(900, c, "WARN slow query on carts (812 ms)"),
            log_event(
                1200,
                a,
                "ERROR payment declined\njava.lang.IllegalStateException: card expired\n\tat com.shop.Payments.charge(Payments.java:88)\n\tat com.shop.Checkout.run(Checkout.java:41)",
            ),
            log_event(
                1300,
                c,
                "\x1b]0;pwned\x07\x1b[2Jhostile \u{9b}31mline\ttabbed",
            ),
            log_event(1400, a, "日本語の注文 ✓ done"),
        ]),
        TailMsg::HistoryDone,
    ];
    for msg in msgs {
        app.update(Action::Tail { id, msg });
    }
    let follow = render(&app, 100, 16);
    assert!(!follow.contains('\u{1b}') && !follow.contains("pwned"));
    insta::assert_snapshot!("logs_follow", follow);
    press(&mut app, KeyCode::Char('/'));
    for ch in "order".chars() {
        press(&mut app, KeyCode::Char(ch));
    }
    press(&mut app, KeyCode::Enter);
    app.update(Action::Tail {
        id,
        msg: TailMsg::Events(vec![log_event(2000, a, "GET /cart 200")]),
    });
    settle(&mut app, &backend, &clock).await;
    insta::assert_snapshot!("logs_paused_search", render(&app, 100, 16));
}

#[tokio::test]
async fn scale_dialog_and_its_confirmation() {
    let (mut app, backend, clock) = app_on(services()).await;
    press_settle(&mut app, &backend, &clock, KeyCode::Char('s')).await;
    let key = DataKey::Scaling {
        cluster: "prod-core".into(),
        service: "api-gateway".into(),
    };
    let slot = app
        .store
        .get(&key)
        .expect("the dialog asked for auto scaling");
    assert!(slot.data.is_some(), "{:?}", slot.error);
    chars(&mut app, "12x");
    insta::assert_snapshot!("scale_dialog_with_a_bad_count", render(&app, 120, 32));
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("scale_confirmation", render(&app, 120, 32));
}

#[tokio::test]
async fn rollout_view_follows_a_deployment() {
    let (mut app, backend, clock) = app_on(services()).await;
    press_settle(&mut app, &backend, &clock, KeyCode::Char('R')).await;
    insta::assert_snapshot!("rollout_revision_picker", render(&app, 120, 32));
    // The newest revision, forced, so there is always something to roll out.
    press(&mut app, KeyCode::Char('f'));
    press_settle(&mut app, &backend, &clock, KeyCode::Enter).await;
    insta::assert_snapshot!("rollout_confirmation", render(&app, 120, 40));
    press_settle(&mut app, &backend, &clock, KeyCode::Char('y')).await;
    assert!(matches!(app.view().pane, Pane::Rollout { .. }));
    for _ in 0..6 {
        clock.advance(chrono::Duration::seconds(5));
        let effects = app.update(Action::Tick(clock.now()));
        settle_with(&mut app, &backend, &clock, effects).await;
    }
    insta::assert_snapshot!("rollout_in_progress", render(&app, 120, 32));
}

#[tokio::test]
async fn task_definition_revisions_json_and_editor() {
    let (mut app, backend, clock) = app_on(vec![Pane::Families]).await;
    insta::assert_snapshot!("task_definition_families", render(&app, 120, 32));
    press_settle(&mut app, &backend, &clock, KeyCode::Enter).await;
    // Each revision on screen with when it was registered and its images.
    insta::assert_snapshot!("task_definition_revisions", render(&app, 120, 32));
    press_settle(&mut app, &backend, &clock, KeyCode::Enter).await;
    insta::assert_snapshot!("task_definition_json", render(&app, 120, 32));
    press(&mut app, KeyCode::Esc);
    press_settle(&mut app, &backend, &clock, KeyCode::Char('e')).await;
    chars(&mut app, "{");
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    insta::assert_snapshot!(
        "task_definition_editor_with_a_problem",
        render(&app, 120, 32)
    );
}

#[tokio::test]
async fn rollout_view_shows_a_circuit_breaker_failure() {
    let (mut app, backend, clock) = app_on(services()).await;
    // orders: its newest revision fails its health checks.
    press(&mut app, KeyCode::Char('/'));
    chars(&mut app, "orders");
    press(&mut app, KeyCode::Enter);
    press_settle(&mut app, &backend, &clock, KeyCode::Char('R')).await;
    press_settle(&mut app, &backend, &clock, KeyCode::Enter).await;
    press_settle(&mut app, &backend, &clock, KeyCode::Char('y')).await;
    let Pane::Rollout {
        cluster,
        service,
        deployment_id,
        since,
        ..
    } = app.view().pane.clone()
    else {
        panic!("no rollout view: {:?}", app.view().pane);
    };
    assert_eq!(service, "orders");
    let mut failed = false;
    for _ in 0..60 {
        clock.advance(chrono::Duration::seconds(5));
        let effects = app.update(Action::Tick(clock.now()));
        settle_with(&mut app, &backend, &clock, effects).await;
        let s = app.store.service(&cluster, &service).expect("followed");
        let p = crate::ops::rollout::progress(s, &deployment_id, since);
        if matches!(p.verdict, crate::ops::rollout::Verdict::Failed { .. }) {
            failed = true;
            break;
        }
    }
    assert!(failed, "the circuit breaker never tripped");
    insta::assert_snapshot!("rollout_failed", render(&app, 120, 32));
}

#[tokio::test]
async fn tiny_terminals_do_not_panic_in_dialogs_or_operation_views() {
    let sizes = [
        (40, 10),
        (20, 5),
        (19, 4),
        (1, 1),
        (200, 3),
        (3, 200),
        (44, 6),
    ];
    let check = |app: &App| {
        for (w, h) in sizes {
            let screen = render(app, w, h);
            assert_eq!(screen.lines().count(), usize::from(h), "{w}x{h}");
        }
    };
    let (mut app, backend, clock) = app_on(services()).await;
    // Scale: the form, a bad value, the confirmation.
    press_settle(&mut app, &backend, &clock, KeyCode::Char('s')).await;
    chars(&mut app, "9x");
    check(&app);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    check(&app);
    press(&mut app, KeyCode::Char('n'));
    // The image dialog, the revision picker and a rollout confirmation with its diff.
    press_settle(&mut app, &backend, &clock, KeyCode::Char('i')).await;
    check(&app);
    press(&mut app, KeyCode::Esc);
    press_settle(&mut app, &backend, &clock, KeyCode::Char('R')).await;
    check(&app);
    press(&mut app, KeyCode::Down);
    press_settle(&mut app, &backend, &clock, KeyCode::Enter).await;
    check(&app);
    press_settle(&mut app, &backend, &clock, KeyCode::Char('y')).await;
    assert!(matches!(app.view().pane, Pane::Rollout { .. }));
    check(&app);
    // Auto scaling, then the editor with a problem.
    press(&mut app, KeyCode::Esc);
    press_settle(&mut app, &backend, &clock, KeyCode::Char('a')).await;
    check(&app);
    press_settle(&mut app, &backend, &clock, KeyCode::Char('e')).await;
    check(&app);
    let (mut app, backend, clock) = app_on(vec![Pane::Revisions {
        family: "payments".into(),
    }])
    .await;
    press_settle(&mut app, &backend, &clock, KeyCode::Char('e')).await;
    chars(&mut app, "{");
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    check(&app);
}

/// The hint bar always offers `:` and `q`; in read-only mode it does not offer keys
/// that would be refused.
#[tokio::test]
async fn hint_bar_keeps_command_and_quit_and_hides_refused_keys_in_read_only() {
    let (mut app, ..) = app_on(services()).await;
    let hints = |app: &App| {
        let screen = render(app, 160, 32);
        screen
            .lines()
            .find(|l| l.contains("? help"))
            .unwrap_or_default()
            .to_string()
    };
    let line = hints(&app);
    for k in [": command", "q quit", "s scale", "R roll out"] {
        assert!(line.contains(k), "{k} missing: {line}");
    }
    app.read_only = true;
    let line = hints(&app);
    for k in [": command", "q quit", "l logs"] {
        assert!(line.contains(k), "{k} missing: {line}");
    }
    for k in ["s scale", "a auto scaling", "i image", "R roll out"] {
        assert!(!line.contains(k), "{k} offered in read-only: {line}");
    }
}

/// On narrow terminals nothing looks real while being wrong: identifiers (the account,
/// revisions, names) are whole, and low-value columns are hidden before any value is cut.
#[tokio::test]
async fn narrow_terminals_hide_columns_rather_than_cut_identifiers() {
    let (app, ..) = app_on(services()).await;
    for (w, h) in [(80, 24), (60, 15)] {
        let screen = render(&app, w, h);
        assert!(
            screen.contains("123456789012"),
            "{w}x{h}: account cut: {screen}"
        );
        for s in app.store.services("prod-core").unwrap().iter().take(3) {
            assert!(
                screen.contains(&s.name),
                "{w}x{h}: {} cut: {screen}",
                s.name
            );
            let td = crate::domain::model::arn_name(&s.task_definition);
            assert!(
                screen.contains(td) || !screen.contains("TASK DEFINITION"),
                "{w}x{h}: {td} cut: {screen}"
            );
        }
    }
    // At 80 columns the task definition stays and a low-value column (STATUS) goes.
    let screen = render(&app, 80, 24);
    assert!(screen.contains("TASK DEFINITION"), "{screen}");
    assert!(!screen.contains("STATUS"), "{screen}");
    // Too narrow for the whole account: its end, marked as cut, never its start.
    let screen = render(&app, 28, 10);
    let header = screen.lines().next().unwrap_or_default();
    assert!(header.contains("…9012"), "{header}");
    assert!(!header.contains("1234567"), "{header}");
}

/// A pane of more tasks than `EAGER_ROWS` builds cells only for the rows drawn; a filter
/// and a sort still see every row.
#[test]
fn a_large_tasks_pane_builds_only_the_rows_it_draws() {
    use crate::app::data::Payload;
    use crate::domain::model::{Task, TaskScope};
    let (backend, clock) = demo();
    let pane = Pane::Tasks {
        cluster: "big".into(),
        service: Some("web".into()),
        instance: None,
    };
    let mut app = App::new(
        backend.identity(),
        vec![Pane::Clusters, pane],
        clock.now(),
        None,
    );
    app.update(Action::Resize {
        width: 120,
        height: 32,
    });
    let tasks: Vec<Task> = (0..1_500)
        .map(|i| Task {
            arn: format!("arn:aws:ecs:eu-west-1:123456789012:task/big/{i:032x}"),
            id: format!("{i:032x}"),
            last_status: "RUNNING".into(),
            desired_status: "RUNNING".into(),
            private_ip: Some(format!("10.0.{}.{}", i / 250, i % 250)),
            ..Task::default()
        })
        .collect();
    app.update(Action::Loaded {
        key: DataKey::Tasks {
            cluster: "big".into(),
            service: Some("web".into()),
            scope: TaskScope::Running,
        },
        result: Ok(Payload::Tasks(Arc::new(tasks.into()))),
        at: clock.now(),
    });
    let built = |app: &App| {
        let (_, rows) = app.rows(app.view());
        (
            rows.len(),
            rows.iter().filter(|r| r.built().is_some()).count(),
        )
    };
    let screen = render(&app, 120, 32);
    let (total, drawn) = built(&app);
    assert_eq!(total, 1_500);
    assert!((1..=32).contains(&drawn), "{drawn} rows built");
    // The last task, far off screen, is found by its address.
    press(&mut app, KeyCode::Char('/'));
    chars(&mut app, "10.0.5.249");
    let screen_filtered = render(&app, 120, 32);
    assert!(
        screen_filtered.contains("tasks (1)") && screen_filtered.contains("10.0.5.249"),
        "{screen_filtered}"
    );
    let (_, rows) = app.rows(app.view());
    assert_eq!(
        rows[0].id,
        format!("arn:aws:ecs:eu-west-1:123456789012:task/big/{:032x}", 1_499)
    );
    press(&mut app, KeyCode::Esc);
    // Sorting by the address (key 8, the eighth column: PRIVATE IP) descending: 10.0.5.99 is the
    // largest as text; the rows looked at for the sort are not kept.
    press(&mut app, KeyCode::Char('8'));
    press(&mut app, KeyCode::Char('8'));
    let (_, rows) = app.rows(app.view());
    assert_eq!(
        rows[0].id,
        format!("arn:aws:ecs:eu-west-1:123456789012:task/big/{:032x}", 1_349)
    );
    assert!(built(&app).1 <= 64, "{:?}", built(&app));
    assert!(screen.contains("TASK"), "{screen}");
}
