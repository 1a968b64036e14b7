//! What a keypress costs on a large estate: `update` for a move and a filter keystroke,
//! drawing a full frame, and the frame after new task details land, with 2,000 services
//! or 10,000 tasks loaded.
//! Run: `cargo bench --bench panes`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use ecsdash::app::data::{DataKey, Payload};
use ecsdash::app::pane::Pane;
use ecsdash::app::{Action, App};
use ecsdash::backends::demo::{DemoBackend, DemoOptions};
use ecsdash::domain::Backend;
use ecsdash::domain::clock::{Clock, ManualClock};
use ecsdash::domain::model::{Service, Task, TaskScope};
use ecsdash::ui::theme::{ColorDepth, Theme};

fn demo() -> (DemoBackend, ManualClock) {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap());
    let backend = DemoBackend::new(DemoOptions {
        seed: 7,
        clock: Arc::new(clock.clone()),
        latency: Duration::ZERO..Duration::ZERO,
    });
    (backend, clock)
}

/// The demo's services copied under new names until there are `n`.
fn many_services(n: usize) -> (Vec<Service>, Vec<Task>) {
    let (backend, _) = demo();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (base, tasks) = rt.block_on(async {
        let s = backend.services("prod-core").await.unwrap();
        let t = backend
            .tasks("prod-core", None, TaskScope::Running)
            .await
            .unwrap();
        (s, t)
    });
    let services = (0..n)
        .map(|i| {
            let mut s = base[i % base.len()].clone();
            s.name = format!("{}-{i:04}", s.name);
            s.arn = format!("{}-{i:04}", s.arn);
            s
        })
        .collect();
    let tasks = (0..10_000)
        .map(|i| {
            let mut t = tasks[i % tasks.len()].clone();
            t.arn = format!("{}{i:05}", t.arn);
            t.id = format!("{}{i:05}", t.id);
            t
        })
        .collect();
    (services, tasks)
}

fn loaded(pane: Pane, services: &[Service], tasks: &[Task]) -> App {
    let (backend, clock) = demo();
    let mut app = App::new(backend.identity(), vec![pane], clock.now(), None);
    app.update(Action::Resize {
        width: 200,
        height: 50,
    });
    app.update(Action::Loaded {
        key: DataKey::Services {
            cluster: "prod-core".into(),
        },
        result: Ok(Payload::Services(Arc::new(services.to_vec().into()))),
        at: clock.now(),
    });
    app.update(Action::Loaded {
        key: DataKey::Tasks {
            cluster: "prod-core".into(),
            service: None,
            scope: TaskScope::Running,
        },
        result: Ok(Payload::Tasks(Arc::new(tasks.to_vec().into()))),
        at: clock.now(),
    });
    app
}

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn bench(c: &mut Criterion) {
    let (services, tasks) = many_services(2_000);
    let theme = Theme::load("dark", None, ColorDepth::TrueColor).unwrap();
    let services_pane = Pane::Services {
        cluster: "prod-core".into(),
    };
    let tasks_pane = Pane::Tasks {
        cluster: "prod-core".into(),
        service: None,
        instance: None,
    };

    let mut app = loaded(services_pane.clone(), &services, &tasks);
    c.bench_function("update: move down, 2000 services", |b| {
        b.iter(|| black_box(app.update(key(KeyCode::Down))))
    });

    let mut app = loaded(services_pane.clone(), &services, &tasks);
    app.update(key(KeyCode::Char('/')));
    c.bench_function("update: filter keystroke, 2000 services", |b| {
        b.iter(|| {
            app.update(key(KeyCode::Char('c')));
            black_box(app.update(key(KeyCode::Backspace)))
        })
    });

    for (name, pane) in [
        ("draw: services pane, 2000 services, 200x50", services_pane),
        ("draw: tasks pane, 10000 tasks, 200x50", tasks_pane.clone()),
    ] {
        let app = loaded(pane, &services, &tasks);
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
        c.bench_function(name, |b| {
            b.iter(|| {
                terminal
                    .draw(|f| ecsdash::ui::draw(f, &app, &theme))
                    .unwrap();
            })
        });
    }

    // New details land (a describe answer) and the next frame shows them.
    let mut app = loaded(tasks_pane, &services, &tasks);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let key = DataKey::Tasks {
        cluster: "prod-core".into(),
        service: None,
        scope: TaskScope::Running,
    };
    let (_, clock) = demo();
    c.bench_function("details land, then draw: tasks pane, 10000 tasks", |b| {
        b.iter(|| {
            app.update(Action::Loaded {
                key: key.clone(),
                result: Ok(Payload::Tasks(Arc::new(tasks.to_vec().into()))),
                at: clock.now(),
            });
            terminal
                .draw(|f| ecsdash::ui::draw(f, &app, &theme))
                .unwrap();
        })
    });
}

criterion_group! {
    name = panes;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).sample_size(30);
    targets = bench
}
criterion_main!(panes);
