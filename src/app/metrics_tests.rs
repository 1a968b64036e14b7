//! CloudWatch in the panes: which metrics are asked for (the rows on screen, once a
//! minute, never twice while fresh or in flight), what the cells and describe view say,
//! and what `:pulse` makes of alarms and high CPU.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Duration;
use crossterm::event::KeyCode;

use super::data::{DataKey, Payload};
use super::exec_tests::key;
use super::pane::Pane;
use super::tests::{cluster, service, t0};
use super::*;
use crate::domain::metrics::{Alarm, MetricTarget, Series};

fn land(app: &mut App, key: DataKey, result: Result<Payload, BackendError>) -> Vec<Effect> {
    let at = app.now;
    app.update(Action::Loaded { key, result, at })
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("svc{i:02}")).collect()
}

/// The services pane of `prod` with `n` services, CloudWatch on, `rows` rows a page.
fn services_app(n: usize, rows: u16) -> App {
    let mut app = App::new(
        Identity::default(),
        vec![
            Pane::Clusters,
            Pane::Services {
                cluster: "prod".into(),
            },
        ],
        t0(),
        Some(Duration::seconds(5)),
    );
    app.cloudwatch = true;
    app.update(Action::Resize {
        width: 200,
        height: rows + 6,
    });
    let list: Vec<_> = names(n).iter().map(|s| service("prod", s)).collect();
    land(
        &mut app,
        DataKey::Services {
            cluster: "prod".into(),
        },
        Ok(Payload::Services(Arc::new(list.into()))),
    );
    app
}

fn metric_keys(effects: &[Effect]) -> Vec<Vec<MetricTarget>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch(DataKey::Metrics { targets, .. }) => Some(targets.clone()),
            _ => None,
        })
        .collect()
}

/// Points a minute for the last hour, all at `level`.
fn flat(level: f64) -> Vec<(chrono::DateTime<chrono::Utc>, f64)> {
    (1..=60)
        .rev()
        .map(|m| (t0() - Duration::minutes(m), level))
        .collect()
}

fn answer(targets: &[MetricTarget], cpu: f64) -> Payload {
    let map: HashMap<MetricTarget, Arc<Series>> = targets
        .iter()
        .map(|t| {
            let series = Series {
                cpu: flat(cpu),
                memory: flat(40.0),
                ..Series::default()
            };
            (t.clone(), Arc::new(series))
        })
        .collect();
    Payload::Metrics(Arc::new(map))
}

/// `d` on the selected row: its describe view's lines, key and value.
fn describe(app: &mut App) -> Vec<(String, String)> {
    app.update(key(KeyCode::Char('d')));
    let Some(Popup::Describe { pane, id, .. }) = app.popups.last().cloned() else {
        panic!("no describe view");
    };
    let described = app.described(&pane, &id);
    let lines = described.outline.as_ref().expect("the row is there");
    lines
        .iter()
        .map(|l| (l.key.clone(), l.value.clone()))
        .collect()
}

fn cells(app: &App, column: &str) -> Vec<String> {
    let (columns, rows) = app.rows(app.view());
    let at = columns.iter().position(|c| c.title == column).unwrap();
    rows.iter()
        .map(|r| r.row().cells[at].text.clone())
        .collect()
}

#[test]
fn the_rows_on_screen_are_asked_for_in_one_batch_then_once_a_minute() {
    let mut app = services_app(40, 10);
    let effects = app.due_fetches();
    let batches = metric_keys(&effects);
    assert_eq!(batches.len(), 1, "{effects:?}");
    let batch = &batches[0];
    // Only what is on screen, not the 40.
    assert!(batch.len() <= 12 && batch.len() >= 8, "{batch:?}");
    assert!(
        batch
            .iter()
            .all(|t| t.cluster == "prod" && t.service.is_some())
    );
    assert!(effects.contains(&Effect::Fetch(DataKey::Alarms)));
    // In flight: not asked again.
    assert!(metric_keys(&app.due_fetches()).is_empty());
    let key = DataKey::Metrics {
        targets: batch.clone(),
        hours: 1,
        counts: false,
    };
    land(&mut app, key.clone(), Ok(answer(batch, 42.0)));
    assert!(
        cells(&app, "CPU")[0].starts_with(" 42% "),
        "{:?}",
        cells(&app, "CPU")
    );
    // Fresh for a minute.
    let mut due = app.update(Action::Tick(t0() + Duration::seconds(30)));
    due.extend(app.due_fetches());
    assert!(metric_keys(&due).is_empty());
    let mut due = app.update(Action::Tick(t0() + Duration::seconds(61)));
    due.extend(app.due_fetches());
    assert_eq!(metric_keys(&due), vec![batch.clone()]);
}

#[test]
fn scrolling_asks_only_for_the_rows_new_to_the_screen() {
    let mut app = services_app(40, 10);
    let first = metric_keys(&app.due_fetches()).remove(0);
    land(
        &mut app,
        DataKey::Metrics {
            targets: first.clone(),
            hours: 1,
            counts: false,
        },
        Ok(answer(&first, 10.0)),
    );
    let mut due = app.update(Action::Tick(t0() + Duration::seconds(3)));
    due.extend(app.update(key(KeyCode::PageDown)));
    due.extend(app.update(key(KeyCode::PageDown)));
    due.extend(app.due_fetches());
    // The rows brought on screen, none twice, none already read.
    let next: Vec<MetricTarget> = metric_keys(&due).concat();
    assert!(!next.is_empty(), "{due:?}");
    assert!(next.iter().all(|t| !first.contains(t)), "{next:?}");
    let mut unique = next.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), next.len());
}

#[test]
fn a_failed_read_shows_a_question_mark_and_waits_before_asking_again() {
    let mut app = services_app(3, 10);
    let batch = metric_keys(&app.due_fetches()).remove(0);
    let key = DataKey::Metrics {
        targets: batch,
        hours: 1,
        counts: false,
    };
    let denied = BackendError::new(
        crate::domain::ErrorKind::AccessDenied,
        "GetMetricData",
        "not authorized to perform: cloudwatch:GetMetricData",
    );
    land(&mut app, key, Err(denied));
    assert_eq!(cells(&app, "CPU"), ["?", "?", "?"]);
    assert!(
        app.errors
            .iter()
            .any(|e| e.error.message.contains("GetMetricData"))
    );
    assert!(metric_keys(&app.due_fetches()).is_empty());
    let mut due = app.update(Action::Tick(t0() + Duration::seconds(61)));
    due.extend(app.due_fetches());
    assert_eq!(metric_keys(&due).len(), 1);
}

#[test]
fn metrics_off_asks_cloudwatch_nothing() {
    let mut app = services_app(3, 10);
    app.cloudwatch = false;
    let effects = app.due_fetches();
    assert!(metric_keys(&effects).is_empty());
    assert!(!effects.contains(&Effect::Fetch(DataKey::Alarms)));
    assert_eq!(cells(&app, "CPU"), ["-", "-", "-"]);
    assert_eq!(cells(&app, "ALARMS"), ["-", "-", "-"]);
}

fn alarm(name: &str, service: &str) -> Alarm {
    Alarm {
        name: name.into(),
        arn: format!("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}"),
        reason: "Threshold Crossed: 3 datapoints were greater than the threshold (80.0)".into(),
        since: Some(t0() - Duration::minutes(7)),
        metric: "AWS/ECS CPUUtilization".into(),
        dimensions: vec![
            ("ClusterName".into(), "prod".into()),
            ("ServiceName".into(), service.into()),
        ],
    }
}

#[test]
fn alarms_mark_their_service_and_describe_lists_them_with_why() {
    let mut app = services_app(3, 10);
    app.due_fetches();
    let alarms = vec![
        alarm("svc00-cpu-high", "svc00"),
        alarm("TargetTracking-service/prod/svc01-AlarmHigh-1", "svc01"),
        alarm("elsewhere", "other"),
    ];
    land(
        &mut app,
        DataKey::Alarms,
        Ok(Payload::Alarms(Arc::new(alarms))),
    );
    assert_eq!(cells(&app, "ALARMS"), ["⚠ 1", "(1)", "-"]);
    let text: Vec<String> = describe(&mut app)
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let at = text
        .iter()
        .position(|l| l.contains("svc00-cpu-high"))
        .unwrap();
    assert!(text[at].contains("for 7 min"), "{text:?}");
    assert!(text[at + 1].contains("Threshold Crossed"), "{text:?}");
}

#[test]
fn describe_charts_the_service_and_plus_asks_for_more_hours() {
    let mut app = services_app(3, 10);
    app.due_fetches();
    let mut due = app.update(key(KeyCode::Char('d')));
    due.extend(app.due_fetches());
    let chart_key = |hours| DataKey::Metrics {
        targets: vec![MetricTarget::service("prod", "svc00")],
        hours,
        counts: true,
    };
    assert!(due.contains(&Effect::Fetch(chart_key(1))), "{due:?}");
    assert!(matches!(app.chart(), Some(metrics::Chart { hours: 1, .. })));
    let mut due = app.update(key(KeyCode::Char('+')));
    due.extend(app.due_fetches());
    assert!(due.contains(&Effect::Fetch(chart_key(3))), "{due:?}");
    for _ in 0..6 {
        app.update(key(KeyCode::Char('+')));
    }
    assert_eq!(app.chart_hours, 24);
    app.update(key(KeyCode::Char('-')));
    assert_eq!(app.chart_hours, 12);
}

#[test]
fn pulse_lists_alarms_and_high_cpu_most_urgent_first() {
    let mut app = App::new(Identity::default(), vec![Pane::Clusters], t0(), None);
    land(
        &mut app,
        DataKey::Clusters,
        Ok(Payload::Clusters(Arc::new(vec![cluster("prod")]))),
    );
    app.update(key(KeyCode::Char(':')));
    for c in "pulse".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter));
    app.cloudwatch = true;
    let list: Vec<_> = ["hot", "calm", "paged"]
        .iter()
        .map(|s| service("prod", s))
        .collect();
    let mut due = land(
        &mut app,
        DataKey::Services {
            cluster: "prod".into(),
        },
        Ok(Payload::Services(Arc::new(list.into()))),
    );
    due.extend(app.due_fetches());
    let batches = metric_keys(&due);
    assert_eq!(batches.len(), 1, "every service pulse has read");
    assert_eq!(batches[0].len(), 3);
    let mut map: HashMap<MetricTarget, Arc<Series>> = HashMap::new();
    for (name, cpu) in [("hot", 97.0), ("calm", 20.0), ("paged", 30.0)] {
        let series = Series {
            cpu: flat(cpu),
            memory: flat(30.0),
            ..Series::default()
        };
        map.insert(MetricTarget::service("prod", name), Arc::new(series));
    }
    land(
        &mut app,
        DataKey::Metrics {
            targets: batches[0].clone(),
            hours: 1,
            counts: false,
        },
        Ok(Payload::Metrics(Arc::new(map))),
    );
    land(
        &mut app,
        DataKey::Alarms,
        Ok(Payload::Alarms(Arc::new(vec![alarm("paged-5xx", "paged")]))),
    );
    let (_, rows) = app.rows(app.view());
    let rows: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let r = r.row();
            (r.cells[0].text.clone(), r.cells[3].text.clone())
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("paged".to_owned(), "alarm paged-5xx".to_owned()),
            ("hot".to_owned(), "CPU 97% (5 min)".to_owned()),
        ]
    );
}

#[test]
fn old_batches_are_forgotten_once_a_newer_one_covers_them() {
    let mut app = services_app(3, 10);
    let batch = metric_keys(&app.due_fetches()).remove(0);
    let key = DataKey::Metrics {
        targets: batch.clone(),
        hours: 1,
        counts: false,
    };
    land(&mut app, key.clone(), Ok(answer(&batch, 10.0)));
    let smaller = DataKey::Metrics {
        targets: batch[..1].to_vec(),
        hours: 1,
        counts: false,
    };
    // A smaller batch landing later does not cover the first: both are kept.
    land(&mut app, smaller.clone(), Ok(answer(&batch[..1], 20.0)));
    assert!(app.store.get(&key).is_some());
    // The first again, later: it covers the smaller one, which goes.
    app.update(Action::Tick(t0() + Duration::seconds(70)));
    land(&mut app, key.clone(), Ok(answer(&batch, 30.0)));
    assert!(app.store.get(&smaller).is_none());
    assert!(cells(&app, "CPU")[0].starts_with(" 30% "));
}

#[test]
fn the_clusters_pane_counts_alarms_of_the_cluster_and_its_services() {
    let mut app = App::new(Identity::default(), vec![Pane::Clusters], t0(), None);
    app.cloudwatch = true;
    land(
        &mut app,
        DataKey::Clusters,
        Ok(Payload::Clusters(Arc::new(vec![
            cluster("prod"),
            cluster("tools"),
        ]))),
    );
    assert_eq!(cells(&app, "ALARMS"), ["…", "…"]);
    let mut whole = alarm("prod-memory", "svc");
    whole.dimensions.truncate(1);
    let alarms = vec![
        whole,
        alarm("svc-cpu", "svc"),
        alarm("TargetTracking-service/prod/svc-AlarmLow-1", "svc"),
    ];
    land(
        &mut app,
        DataKey::Alarms,
        Ok(Payload::Alarms(Arc::new(alarms))),
    );
    assert_eq!(cells(&app, "ALARMS"), ["⚠ 2", "-"]);
    let text: Vec<String> = describe(&mut app).into_iter().map(|(k, _)| k).collect();
    assert!(text.contains(&"prod-memory".to_owned()), "{text:?}");
    assert!(text.contains(&"svc-cpu".to_owned()), "{text:?}");
}

#[test]
fn hostile_alarm_names_and_reasons_reach_the_screen_inert() {
    let mut app = services_app(1, 10);
    app.due_fetches();
    let mut hostile = alarm("svc00-\u{1b}]0;pwned\u{7}cpu\u{202e}", "svc00");
    hostile.reason = "line one\n\u{1b}[2Jline two\u{9b}31m".into();
    land(
        &mut app,
        DataKey::Alarms,
        Ok(Payload::Alarms(Arc::new(vec![hostile]))),
    );
    let text: Vec<String> = describe(&mut app)
        .iter()
        .map(|(k, v)| format!("{k}|{v}"))
        .collect();
    let all = text.join("\n");
    assert!(all.contains("svc00-cpu|"), "{all}");
    assert!(all.contains("line one line two"), "{all}");
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(!all.contains(bad), "{bad:?} in {all:?}");
    }
}

fn throttled() -> BackendError {
    BackendError::new(
        crate::domain::ErrorKind::Throttled,
        "GetMetricData",
        "Throttling: Rate exceeded",
    )
}

#[test]
fn scrolling_row_by_row_gathers_rows_and_a_throttle_pauses_new_batches() {
    let mut app = services_app(60, 10);
    let first = metric_keys(&app.due_fetches()).remove(0);
    let first_key = DataKey::Metrics {
        targets: first.clone(),
        hours: 1,
        counts: false,
    };
    // Row by row while the first batch is in flight: nothing more is asked.
    let mut due = Vec::new();
    for _ in 0..15 {
        due.extend(app.update(key(KeyCode::Down)));
        due.extend(app.due_fetches());
    }
    assert!(metric_keys(&due).is_empty(), "{due:?}");
    land(&mut app, first_key.clone(), Ok(answer(&first, 20.0)));
    // Within two seconds of the last batch: still nothing; then one batch of every row
    // new to the screen.
    assert!(metric_keys(&app.due_fetches()).is_empty());
    let mut due = app.update(Action::Tick(t0() + Duration::seconds(3)));
    due.extend(app.due_fetches());
    let batches = metric_keys(&due);
    assert_eq!(batches.len(), 1, "{batches:?}");
    assert!(batches[0].len() >= 5, "{batches:?}");
    // That batch is throttled: its rows show `?`, and for a minute no new batch starts
    // however the screen moves.
    let second = DataKey::Metrics {
        targets: batches[0].clone(),
        hours: 1,
        counts: false,
    };
    land(&mut app, second, Err(throttled()));
    let mut due = Vec::new();
    for s in [5, 10, 30, 50] {
        due.extend(app.update(key(KeyCode::PageDown)));
        due.extend(app.update(Action::Tick(t0() + Duration::seconds(s))));
        due.extend(app.due_fetches());
    }
    assert!(metric_keys(&due).is_empty(), "{due:?}");
    let mut due = app.update(Action::Tick(t0() + Duration::seconds(70)));
    due.extend(app.due_fetches());
    assert_eq!(metric_keys(&due).len(), 1, "{due:?}");
}

#[test]
fn a_failed_refresh_marks_the_old_value() {
    let mut app = services_app(2, 10);
    let batch = metric_keys(&app.due_fetches()).remove(0);
    let key = DataKey::Metrics {
        targets: batch.clone(),
        hours: 1,
        counts: false,
    };
    land(&mut app, key.clone(), Ok(answer(&batch, 35.0)));
    assert!(cells(&app, "CPU")[0].starts_with(" 35% "));
    let mut due = app.update(Action::Tick(t0() + Duration::seconds(61)));
    due.extend(app.due_fetches());
    assert_eq!(metric_keys(&due), vec![batch.clone()]);
    land(&mut app, key, Err(throttled()));
    let cpu = cells(&app, "CPU");
    assert!(cpu[0].starts_with(" 35%?"), "{cpu:?}");
}

#[test]
fn died_counts_failed_tasks_of_the_last_hour_once_the_clusters_stopped_tasks_are_read() {
    use super::pulse_tests::oom;
    use crate::domain::model::TaskScope;
    let mut app = services_app(2, 10);
    assert_eq!(cells(&app, "DIED"), ["", ""]);
    // Three in the hour, one older (ECS may still list it): three count.
    let stopped: Vec<_> = [5, 20, 50, 70].map(|m| oom("svc00", m)).into();
    land(
        &mut app,
        DataKey::Tasks {
            cluster: "prod".into(),
            service: None,
            scope: TaskScope::Stopped,
        },
        Ok(Payload::Tasks(Arc::new(stopped.into()))),
    );
    assert_eq!(cells(&app, "DIED"), ["✗ 3", "-"]);
}
