//! The auto scaling pane: field checks, rows, and every key from the pane to the
//! confirmation and the mutation it would send.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::data::{DataKey, Payload};
use crate::app::form::{Confirm, FieldKind};
use crate::app::rows::Tone;
use crate::app::{Action, Effect};
use crate::domain::Identity;
use crate::ops::model::{ScalingActivity, ScalingPolicy, Step, StepScaling};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
}

fn tracking(metric: TrackedMetric, target: f64) -> TargetTracking {
    TargetTracking {
        metric,
        target_value: target,
        scale_in_cooldown: Some(300),
        scale_out_cooldown: Some(60),
        disable_scale_in: false,
    }
}

fn night() -> ScheduledAction {
    ScheduledAction {
        name: "night".into(),
        schedule: "cron(0 22 * * ? *)".into(),
        timezone: Some("Europe/Paris".into()),
        min: Some(1),
        max: Some(2),
        start: Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
        end: Some(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()),
    }
}

pub(crate) fn sample() -> Scaling {
    Scaling {
        target: Some(ScalableTarget {
            min: 2,
            max: 10,
            suspended: Suspended::default(),
        }),
        policies: vec![
            ScalingPolicy {
                name: "cpu".into(),
                arn: Some("arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:1:resource/ecs/service/prod/api:policyName/cpu".into()),
                kind: PolicyKind::TargetTracking(tracking(TrackedMetric::Cpu, 60.0)),
            },
            ScalingPolicy {
                name: "steps".into(),
                arn: None,
                kind: PolicyKind::Step(StepScaling {
                    adjustment_type: Some("ChangeInCapacity".into()),
                    cooldown: Some(60),
                    metric_aggregation: Some("Average".into()),
                    steps: vec![
                        Step {
                            lower: Some(0.0),
                            upper: Some(10.0),
                            adjustment: 1,
                        },
                        Step {
                            lower: Some(10.0),
                            upper: None,
                            adjustment: 3,
                        },
                    ],
                    alarms: vec!["api-high-latency".into()],
                }),
            },
        ],
        scheduled: vec![night()],
        activities: Ok(vec![
            ScalingActivity {
                at: Some(t0() - Duration::minutes(5)),
                status: "Successful".into(),
                description: "Setting desired count to 4.".into(),
                cause: "monitor alarm TargetTracking-cpu-AlarmHigh in state ALARM triggered policy cpu".into(),
            },
            ScalingActivity {
                at: Some(t0() - Duration::hours(2)),
                status: "Failed".into(),
                description: "Setting desired count to 12.".into(),
                cause: "scheduled action".into(),
            },
        ]),
    }
}

fn scaling_key() -> DataKey {
    DataKey::Scaling {
        cluster: "prod".into(),
        service: "api".into(),
    }
}

fn land(app: &mut App, scaling: Scaling) {
    app.update(Action::Loaded {
        key: scaling_key(),
        result: Ok(Payload::Scaling(Arc::new(scaling))),
        at: app.now,
    });
}

pub(crate) fn app_with(scaling: Scaling) -> App {
    let mut app = App::new(
        Identity::default(),
        vec![
            Pane::Clusters,
            Pane::Services {
                cluster: "prod".into(),
            },
            Pane::Scaling {
                cluster: "prod".into(),
                service: "api".into(),
            },
        ],
        t0(),
        Some(Duration::seconds(5)),
    );
    app.update(Action::Loaded {
        key: DataKey::Services {
            cluster: "prod".into(),
        },
        result: Ok(Payload::Services(Arc::new(
            vec![crate::app::tests::service("prod", "api")].into(),
        ))),
        at: t0(),
    });
    land(&mut app, scaling);
    app
}

pub(crate) fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typing(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

pub(crate) fn select(app: &mut App, id: &str) {
    let view = app.stack.last_mut().unwrap();
    view.selected_id = Some(id.into());
}

fn form(app: &App) -> &Form<Purpose> {
    match app.popups.last() {
        Some(Popup::Dialog(d)) => match d.as_ref() {
            Dialog::Form(f) => f,
            other => panic!("a form should be open, not {other:?}"),
        },
        other => panic!("a form should be open, not {other:?}"),
    }
}

fn confirm(app: &App) -> &Confirm {
    match app.popups.last() {
        Some(Popup::Dialog(d)) => match d.as_ref() {
            Dialog::Confirm(c) => c,
            other => panic!("a confirmation should be open, not {other:?}"),
        },
        other => panic!("a confirmation should be open, not {other:?}"),
    }
}

fn has_form(app: &App) -> bool {
    matches!(app.popups.last(), Some(Popup::Dialog(d)) if matches!(d.as_ref(), Dialog::Form(_)))
}

/// Tabs to the field `label`, as a user would.
fn focus(app: &mut App, label: &str) {
    let index = form(app)
        .fields
        .iter()
        .position(|f| f.label == label)
        .unwrap_or_else(|| panic!("no field {label}"));
    for _ in 0..form(app).fields.len() {
        if form(app).focus == index {
            return;
        }
        press(app, KeyCode::Tab);
    }
    assert_eq!(form(app).focus, index);
}

/// Replaces the text of field `label` by typing.
fn set(app: &mut App, label: &str, value: &str) {
    focus(app, label);
    let len = form(app).value(label).chars().count();
    for _ in 0..=len {
        press(app, KeyCode::Backspace);
    }
    typing(app, value);
    assert_eq!(form(app).value(label), value);
}

fn status(app: &App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn plan(app: &App) -> Vec<Mutation> {
    confirm(app).plan.clone()
}

// ---- checks --------------------------------------------------------------------------

#[test]
fn policy_names_are_1_to_256_printable_ascii() {
    assert!(check_policy_name("cpu-60").is_ok());
    assert!(check_policy_name("CPU target (prod) #1").is_ok());
    assert!(check_policy_name(&"a".repeat(256)).is_ok());
    assert_eq!(check_policy_name(""), Err("enter a name".into()));
    assert!(
        check_policy_name(&"a".repeat(257))
            .unwrap_err()
            .contains("256")
    );
    assert!(
        check_policy_name(" cpu")
            .unwrap_err()
            .contains("start or end")
    );
    assert!(
        check_policy_name("cpu ")
            .unwrap_err()
            .contains("start or end")
    );
    assert!(
        check_policy_name("cpu\tx")
            .unwrap_err()
            .contains("not allowed")
    );
    assert!(
        check_policy_name("cpü")
            .unwrap_err()
            .contains("not allowed")
    );
}

#[test]
fn action_names_refuse_colon_slash_bar_and_control_characters() {
    assert!(check_action_name("scale-up weekday mornings").is_ok());
    assert!(check_action_name("nuit-été").is_ok());
    for bad in ["a:b", "a/b", "a|b"] {
        assert!(
            check_action_name(bad).unwrap_err().contains("not allowed"),
            "{bad}"
        );
    }
    assert_eq!(
        check_action_name("a\u{1}b"),
        Err("no control characters".into())
    );
    assert_eq!(check_action_name(""), Err("enter a name".into()));
    assert!(check_action_name(&"é".repeat(257)).is_err());
    assert!(check_action_name("x ").is_err());
}

#[test]
fn resource_labels_have_the_alb_target_group_shape() {
    let good = "app/web-lb/50dc6c495c0c9188/targetgroup/web-tg/943f017f100becff";
    assert_eq!(resource_label(good), Ok(good.to_string()));
    assert_eq!(resource_label(&format!(" {good} ")), Ok(good.to_string()));
    assert!(
        check_resource_label("").is_ok(),
        "empty is fine until ALB is chosen"
    );
    assert!(
        resource_label("")
            .unwrap_err()
            .contains("needs a resource label")
    );
    let cases = [
        (
            "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web-tg/943f",
            "not an ARN",
        ),
        ("app/web-lb/50dc/targetgroup/web-tg", "six parts"),
        (
            "net/web-lb/50dc/targetgroup/web-tg/943f",
            "starts with app/",
        ),
        ("app/web-lb/50dc/target/web-tg/943f", "targetgroup"),
        ("app/-lb/50dc/targetgroup/web-tg/943f", "load balancer name"),
        ("app/lb/50dc/targetgroup/web_tg/943f", "target group name"),
        ("app/lb/50zz/targetgroup/tg/943f", "load balancer id"),
        ("app/lb/50dc/targetgroup/tg/", "target group id"),
    ];
    for (label, why) in cases {
        let e = check_resource_label(label).unwrap_err();
        assert!(e.contains(why), "{label}: {e}");
    }
}

#[test]
fn target_values_are_numbers_above_zero() {
    assert_eq!(parse_target_value("70"), Ok(70.0));
    assert_eq!(parse_target_value(" 0.5 "), Ok(0.5));
    assert_eq!(parse_target_value("1000"), Ok(1000.0));
    assert!(
        check_target_value("")
            .unwrap_err()
            .contains("enter a number")
    );
    assert!(check_target_value("0").unwrap_err().contains("above 0"));
    assert!(check_target_value("-5").unwrap_err().contains("above 0"));
    for bad in ["seventy", "NaN", "inf", "70%"] {
        assert!(
            check_target_value(bad)
                .unwrap_err()
                .contains("not a number"),
            "{bad}"
        );
    }
}

#[test]
fn optional_counts_and_cooldowns_are_empty_or_whole_from_zero() {
    assert_eq!(parse_optional_count(""), Ok(None));
    assert_eq!(parse_optional_count("  "), Ok(None));
    assert_eq!(parse_optional_count("0"), Ok(Some(0)));
    assert_eq!(parse_optional_count("300"), Ok(Some(300)));
    assert!(check_optional_count("-1").is_err());
    assert!(check_optional_count("1.5").is_err());
    assert!(check_optional_count("5m").is_err());
}

#[test]
fn times_are_exactly_yyyy_mm_dd_t_hh_mm_ss() {
    assert_eq!(parse_optional_time(""), Ok(None));
    assert_eq!(
        parse_optional_time("2026-12-24T18:00:00"),
        Ok(Some(Utc.with_ymd_and_hms(2026, 12, 24, 18, 0, 0).unwrap()))
    );
    for bad in [
        "2026-12-24 18:00:00",
        "2026-12-24T18:00",
        "26-12-24T18:00:00",
        "2026-1-24T18:00:00x",
    ] {
        assert!(
            check_optional_time(bad)
                .unwrap_err()
                .contains("yyyy-mm-ddThh:mm:ss"),
            "{bad}"
        );
    }
    assert!(
        check_optional_time("2026-02-30T18:00:00")
            .unwrap_err()
            .contains("not a real date")
    );
    assert!(
        check_optional_time("2026-12-24T24:00:00")
            .unwrap_err()
            .contains("not a real date")
    );
}

#[test]
fn time_zones_are_iana_names_or_utc() {
    for good in [
        "",
        "UTC",
        "Europe/Paris",
        "America/Argentina/Buenos_Aires",
        "Etc/GMT+5",
    ] {
        assert!(check_timezone(good).is_ok(), "{good}");
    }
    assert_eq!(
        check_timezone("europe/paris"),
        Err("did you mean Europe/Paris? (names are case-sensitive)".into())
    );
    assert!(
        check_timezone("Europe/Pariss")
            .unwrap_err()
            .contains("not an IANA time zone")
    );
    assert!(check_timezone("CEST+2").is_err());
}

#[test]
fn cron_expressions_have_six_checked_fields() {
    for good in [
        "cron(0 8 ? * MON-FRI *)",
        "cron(0 22 * * ? *)",
        "cron(*/15 6-20 ? * 2-6 2026)",
        "cron(0,30 8 1,15 * ? *)",
        "cron(0 9 L * ? *)",
        "cron(0 9 15W * ? *)",
        "cron(0 9 ? * 6#3 *)",
        "cron(0 9 ? * 6L *)",
        "cron(0 9 ? JAN-MAR sun *)",
        " cron(0 8 ? * MON-FRI *) ",
    ] {
        assert!(
            check_schedule(good).is_ok(),
            "{good}: {:?}",
            check_schedule(good)
        );
    }
    let cases = [
        ("cron(0 8 * * *)", "6 fields"),
        ("cron(0 8 ? * MON-FRI * *)", "not 7"),
        ("cron(60 8 ? * * *)", "minutes: `60` is out of 0-59"),
        ("cron(0 24 ? * * *)", "hours"),
        ("cron(0 8 32 * ? *)", "day-of-month"),
        ("cron(0 8 ? 13 * *)", "month"),
        (
            "cron(0 8 ? * FUN *)",
            "day-of-week: `FUN` is neither 1-7 nor SUN-SAT",
        ),
        ("cron(0 8 ? * * 1969)", "year"),
        ("cron(0 8 * * * *)", "must be `?`"),
        ("cron(0 8 ? * ? *)", "only one"),
        ("cron(? 8 ? * * *)", "`?` only goes"),
        ("cron(*/0 8 ? * * *)", "a step is a whole number"),
        ("cron(0,,5 8 ? * * *)", "empty value"),
        ("cron(0 8 ? * 6#6 *)", "week of the month"),
        ("cron(0 8 ? * MON-FRI *", "closing"),
        ("Cron(0 8 ? * MON-FRI *)", "lowercase"),
    ];
    for (expr, why) in cases {
        let e = check_schedule(expr).unwrap_err();
        assert!(e.contains(why), "{expr}: {e}");
    }
}

#[test]
fn at_and_rate_schedules_are_checked() {
    assert!(check_schedule("at(2026-12-24T18:00:00)").is_ok());
    assert!(
        check_schedule("at(2026-12-24 18:00)")
            .unwrap_err()
            .contains("yyyy-mm-ddThh:mm:ss")
    );
    assert!(
        check_schedule("at(2026-13-24T18:00:00)")
            .unwrap_err()
            .contains("not a real date")
    );
    for good in [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
    ] {
        assert!(check_schedule(good).is_ok(), "{good}");
    }
    let cases = [
        ("rate(5 weeks)", "unit `weeks`"),
        ("rate(1 minutes)", "write rate(1 minute)"),
        ("rate(5 minute)", "write rate(5 minutes)"),
        ("rate(0 minutes)", "from 1"),
        ("rate(-1 days)", "from 1"),
        ("rate(+2 days)", "from 1"),
        ("rate(5)", "a number and a unit"),
        ("every 5 minutes", "cron(…), at(…) or rate(…)"),
        ("", "enter cron"),
    ];
    for (expr, why) in cases {
        let e = check_schedule(expr).unwrap_err();
        assert!(e.contains(why), "{expr}: {e}");
    }
}

// ---- rows ----------------------------------------------------------------------------

#[test]
fn rows_have_stable_ids_in_section_order() {
    let app = app_with(sample());
    let (_, rows) = app.rows(app.view());
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "target",
            "policy:cpu",
            "policy:steps",
            "schedule:night",
            "activity:0",
            "activity:1"
        ]
    );
    let text = |id: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r.id == id)
            .unwrap()
            .cells
            .iter()
            .map(|c| c.text.clone())
            .collect()
    };
    assert_eq!(
        text("target"),
        ["service/prod/api", "2", "10", "nothing suspended"]
    );
    assert_eq!(
        text("policy:cpu"),
        ["cpu", "CPU utilization", "60%", "60s / 300s", "enabled"]
    );
    assert_eq!(
        text("policy:steps"),
        [
            "steps",
            "ChangeInCapacity",
            "[0, 10) +1 · [10, +∞) +3",
            "60s",
            "api-high-latency"
        ]
    );
    assert_eq!(
        text("schedule:night"),
        [
            "night",
            "cron(0 22 * * ? *)",
            "Europe/Paris",
            "1 / 2",
            "2026-01-01 00:00 → 2027-01-01 00:00"
        ]
    );
    assert_eq!(
        text("activity:0"),
        [
            "2026-11-21 02:55:00",
            "Successful",
            "Setting desired count to 4."
        ]
    );
    let s = sample();
    assert_eq!(Section::of(&s, "policy:steps"), Section::Step);
    assert_eq!(Section::of(&s, "policy:cpu"), Section::TargetTracking);
    assert_eq!(Section::of(&s, "activity:1"), Section::Activities);
}

#[test]
fn no_target_and_no_activities_say_so() {
    let app = app_with(Scaling {
        activities: Err("DescribeScalingActivities: not implemented (HTTP 500)".into()),
        ..Scaling::default()
    });
    let (_, rows) = app.rows(app.view());
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].cells[0].text,
        "no scalable target: press e to create one"
    );
    assert_eq!(
        rows[1].cells[0].text,
        "scaling activities: not available (DescribeScalingActivities: not implemented (HTTP 500))"
    );
    assert_eq!(rows[1].id, "activities");
}

#[test]
fn suspended_states_show_in_words_and_warn() {
    let mut s = sample();
    s.target = Some(ScalableTarget {
        min: 1,
        max: 3,
        suspended: Suspended {
            dynamic_in: true,
            dynamic_out: false,
            scheduled: true,
        },
    });
    let rows = rows_of("prod", "api", &s);
    assert_eq!(rows[0].cells[3].text, "dynamic scale-in, scheduled scaling");
    assert_eq!(rows[0].cells[3].tone, Tone::Warn);
}

#[test]
fn selection_follows_the_row_across_refreshes() {
    let mut app = app_with(sample());
    select(&mut app, "schedule:night");
    let mut newer = sample();
    newer.policies.insert(
        0,
        ScalingPolicy {
            name: "memory".into(),
            arn: None,
            kind: PolicyKind::TargetTracking(tracking(TrackedMetric::Memory, 75.0)),
        },
    );
    land(&mut app, newer);
    let (_, rows) = app.rows(app.view());
    assert_eq!(
        rows[App::selected_index(app.view(), &rows)].id,
        "schedule:night"
    );
}

// ---- the scalable target -----------------------------------------------------------

#[test]
fn e_edits_the_target_and_min_above_max_keeps_the_form_open() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(form(&app).value(MIN), "2");
    assert_eq!(form(&app).value(MAX), "10");
    set(&mut app, MIN, "5");
    set(&mut app, MAX, "3");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        form(&app).error.as_deref(),
        Some("min (5) is above max (3): min must be at most max")
    );
    assert_eq!(form(&app).value(MIN), "5", "nothing typed is lost");
    set(&mut app, MAX, "12");
    focus(&mut app, SUSPEND_OUT);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Enter);
    let before = sample().target.unwrap();
    assert_eq!(
        plan(&app),
        vec![Mutation::PutScalableTarget {
            cluster: "prod".into(),
            service: "api".into(),
            before: Some(before),
            after: ScalableTarget {
                min: 5,
                max: 12,
                suspended: Suspended {
                    dynamic_out: true,
                    ..Suspended::default()
                },
            },
        }]
    );
    // The service runs 2 tasks: below the new min.
    assert!(
        confirm(&app)
            .warnings
            .iter()
            .any(|w| w.contains("desired count 2 is below min 5"))
    );
    assert!(confirm(&app).changes.contains(&"min: 2 → 5".to_string()));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Mutate { plan, .. } if plan.len() == 1))
    );
}

#[test]
fn a_typo_in_a_count_is_caught_as_typed_and_kept() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('e'));
    set(&mut app, MAX, "1o");
    let problems = form(&app).problems();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].1.contains("not a whole number"));
    press(&mut app, KeyCode::Enter);
    assert!(has_form(&app));
    assert_eq!(form(&app).value(MAX), "1o");
}

#[test]
fn an_unchanged_target_sends_nothing() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    assert!(status(&app).contains("nothing to do"));
}

#[test]
fn a_service_without_target_is_offered_one() {
    let mut app = app_with(Scaling::default());
    press(&mut app, KeyCode::Char('p'));
    assert!(app.popups.is_empty());
    assert_eq!(
        status(&app),
        "policies need a scalable target first: press e to create one"
    );
    press(&mut app, KeyCode::Char('c'));
    assert!(status(&app).starts_with("scheduled actions need a scalable target first"));
    press(&mut app, KeyCode::Char('i'));
    assert!(app.popups.is_empty());
    assert!(status(&app).contains("press e to create one"));
    // Enter on the "no scalable target" row opens the same form as e.
    press(&mut app, KeyCode::Enter);
    assert!(form(&app).title.starts_with("Create a scalable target"));
    // Pre-filled with the service's desired count (2): a target that moves nothing.
    assert_eq!(form(&app).value(MIN), "2");
    set(&mut app, MAX, "6");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        plan(&app),
        vec![Mutation::PutScalableTarget {
            cluster: "prod".into(),
            service: "api".into(),
            before: None,
            after: ScalableTarget {
                min: 2,
                max: 6,
                suspended: Suspended::default(),
            },
        }]
    );
    assert!(
        confirm(&app)
            .warnings
            .iter()
            .any(|w| w.contains("add a policy"))
    );
}

#[test]
fn i_suspends_and_resumes_scale_in_in_one_confirm() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('i'));
    let before = sample().target.unwrap();
    let suspended = ScalableTarget {
        suspended: Suspended {
            dynamic_in: true,
            ..Suspended::default()
        },
        ..before
    };
    assert_eq!(confirm(&app).title, "Suspend scale-in of api");
    assert_eq!(
        plan(&app),
        vec![Mutation::PutScalableTarget {
            cluster: "prod".into(),
            service: "api".into(),
            before: Some(before),
            after: suspended,
        }]
    );
    assert_eq!(
        confirm(&app).changes,
        vec!["suspended: none → scale-in".to_string()]
    );
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(effects.iter().any(|e| matches!(e, Effect::Mutate { .. })));

    let mut s = sample();
    s.target = Some(suspended);
    land(&mut app, s);
    press(&mut app, KeyCode::Char('i'));
    assert_eq!(confirm(&app).title, "Resume scale-in of api");
    assert_eq!(
        plan(&app),
        vec![Mutation::PutScalableTarget {
            cluster: "prod".into(),
            service: "api".into(),
            before: Some(suspended),
            after: before,
        }]
    );
    press(&mut app, KeyCode::Char('n'));
    assert!(app.popups.is_empty());
}

// ---- policies --------------------------------------------------------------------------

#[test]
fn p_creates_a_target_tracking_policy_checked_across_fields() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('p'));
    assert!(form(&app).fields.iter().any(|f| f.label == NAME));
    set(&mut app, NAME, "cpu");
    set(&mut app, TARGET_VALUE, "150");
    press(&mut app, KeyCode::Enter);
    assert!(
        form(&app)
            .error
            .as_deref()
            .unwrap()
            .contains("already exists")
    );
    set(&mut app, NAME, "cpu-high");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        form(&app).error.as_deref(),
        Some("target value: CPU utilization is a percentage: at most 100, not 150")
    );
    set(&mut app, TARGET_VALUE, "75");
    set(&mut app, SCALE_IN_COOLDOWN, "600");
    focus(&mut app, DISABLE_SCALE_IN);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        plan(&app),
        vec![Mutation::PutTargetTracking {
            cluster: "prod".into(),
            service: "api".into(),
            name: "cpu-high".into(),
            before: None,
            after: TargetTracking {
                metric: TrackedMetric::Cpu,
                target_value: 75.0,
                scale_in_cooldown: Some(600),
                scale_out_cooldown: None,
                disable_scale_in: true,
            },
        }]
    );
    assert_eq!(confirm(&app).title, "Create scaling policy cpu-high");
    assert!(
        confirm(&app)
            .warnings
            .iter()
            .any(|w| w.contains("only adds tasks"))
    );
}

#[test]
fn alb_requests_need_a_resource_label() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('p'));
    set(&mut app, NAME, "alb");
    focus(&mut app, METRIC);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    assert_eq!(form(&app).value(METRIC), "ALB requests per target");
    set(&mut app, TARGET_VALUE, "1000");
    press(&mut app, KeyCode::Enter);
    assert!(
        form(&app)
            .error
            .as_deref()
            .unwrap()
            .starts_with("resource label: ALB requests per target needs a resource label")
    );
    set(&mut app, RESOURCE_LABEL, "app/lb/1/targetgroup");
    assert!(
        !form(&app).problems().is_empty(),
        "the shape is checked as typed"
    );
    let label = "app/web/50dc6c495c0c9188/targetgroup/web-tg/943f017f100becff";
    set(&mut app, RESOURCE_LABEL, label);
    press(&mut app, KeyCode::Enter);
    let plan = plan(&app);
    let [Mutation::PutTargetTracking { after, .. }] = plan.as_slice() else {
        panic!("one PutTargetTracking")
    };
    assert_eq!(
        after.metric,
        TrackedMetric::AlbRequests {
            resource_label: label.into()
        }
    );
    assert_eq!(
        after.target_value, 1000.0,
        "ALB targets are not capped at 100"
    );
}

#[test]
fn enter_on_a_policy_edits_it_with_its_name_fixed() {
    let mut app = app_with(sample());
    select(&mut app, "policy:cpu");
    press(&mut app, KeyCode::Enter);
    assert!(form(&app).fields.iter().all(|f| f.label != NAME));
    assert_eq!(form(&app).value(METRIC), "CPU");
    assert_eq!(form(&app).value(TARGET_VALUE), "60");
    assert_eq!(form(&app).value(SCALE_OUT_COOLDOWN), "60");
    assert_eq!(form(&app).value(SCALE_IN_COOLDOWN), "300");
    set(&mut app, TARGET_VALUE, "50");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        plan(&app),
        vec![Mutation::PutTargetTracking {
            cluster: "prod".into(),
            service: "api".into(),
            name: "cpu".into(),
            before: Some(tracking(TrackedMetric::Cpu, 60.0)),
            after: tracking(TrackedMetric::Cpu, 50.0),
        }]
    );
    assert_eq!(confirm(&app).title, "Update scaling policy cpu");
}

#[test]
fn step_policies_and_activities_open_read_only() {
    let mut app = app_with(sample());
    select(&mut app, "policy:steps");
    press(&mut app, KeyCode::Enter);
    let Some(Popup::Text { body, .. }) = app.popups.last() else {
        panic!("a text view")
    };
    assert!(body.contains("type: step scaling"));
    assert!(body.contains("[10, +∞) +3"));
    assert!(body.contains("alarms: api-high-latency"));
    press(&mut app, KeyCode::Esc);
    select(&mut app, "activity:0");
    press(&mut app, KeyCode::Enter);
    let Some(Popup::Text { body, .. }) = app.popups.last() else {
        panic!("a text view")
    };
    assert!(body.contains("triggered policy cpu"));
    assert!(body.contains("status: Successful"));
}

// ---- scheduled actions ---------------------------------------------------------------

#[test]
fn c_creates_a_scheduled_action_with_min_or_max() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('c'));
    set(&mut app, NAME, "morning");
    set(&mut app, SCHEDULE, "cron(0 7 ? * MON-FRI *)");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        form(&app).error.as_deref(),
        Some("set min, max or both: that is what the action changes")
    );
    set(&mut app, MIN, "8");
    set(&mut app, MAX, "4");
    press(&mut app, KeyCode::Enter);
    assert!(
        form(&app)
            .error
            .as_deref()
            .unwrap()
            .contains("min (8) is above max (4)")
    );
    set(&mut app, MAX, "");
    set(&mut app, START, "2027-01-02T00:00:00");
    set(&mut app, END, "2027-01-01T00:00:00");
    press(&mut app, KeyCode::Enter);
    assert!(
        form(&app)
            .error
            .as_deref()
            .unwrap()
            .contains("not before the end")
    );
    set(&mut app, END, "");
    set(&mut app, TIME_ZONE, "Europe/Berlin");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        plan(&app),
        vec![Mutation::PutScheduledAction {
            cluster: "prod".into(),
            service: "api".into(),
            before: None,
            after: ScheduledAction {
                name: "morning".into(),
                schedule: "cron(0 7 ? * MON-FRI *)".into(),
                timezone: Some("Europe/Berlin".into()),
                min: Some(8),
                max: None,
                start: Some(Utc.with_ymd_and_hms(2027, 1, 2, 0, 0, 0).unwrap()),
                end: None,
            },
        }]
    );
    // Min 8 alone stays under the target's max of 10: no warning about it.
    assert!(
        !confirm(&app)
            .warnings
            .iter()
            .any(|w| w.contains("AWS may refuse"))
    );
}

#[test]
fn a_past_at_schedule_is_warned_about() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('c'));
    set(&mut app, NAME, "once");
    set(&mut app, SCHEDULE, "at(2026-11-21T02:00:00)");
    set(&mut app, MAX, "20");
    press(&mut app, KeyCode::Enter);
    assert!(
        confirm(&app)
            .warnings
            .iter()
            .any(|w| w.contains("in the past"))
    );
}

#[test]
fn editing_a_scheduled_action_keeps_its_name_and_window() {
    let mut app = app_with(sample());
    select(&mut app, "schedule:night");
    press(&mut app, KeyCode::Enter);
    assert!(form(&app).fields.iter().all(|f| f.label != NAME));
    assert_eq!(form(&app).value(START), "2026-01-01T00:00:00");
    assert_eq!(form(&app).value(TIME_ZONE), "Europe/Paris");
    set(&mut app, MAX, "3");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        plan(&app),
        vec![Mutation::PutScheduledAction {
            cluster: "prod".into(),
            service: "api".into(),
            before: Some(night()),
            after: ScheduledAction {
                max: Some(3),
                ..night()
            },
        }]
    );
}

#[test]
fn a_bad_schedule_is_flagged_while_typing() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('c'));
    set(&mut app, SCHEDULE, "rate(5 weeks)");
    let FieldKind::Text { .. } = &form(&app).fields[1].kind else {
        panic!("schedule is a text field")
    };
    assert!(
        form(&app)
            .problems()
            .iter()
            .any(|(_, p)| p.contains("unit `weeks`"))
    );
}

// ---- delete ----------------------------------------------------------------------------

#[test]
fn x_deletes_the_selected_item_after_a_confirm() {
    let mut app = app_with(sample());
    let s = sample();
    select(&mut app, "policy:cpu");
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(
        plan(&app),
        vec![Mutation::DeletePolicy {
            cluster: "prod".into(),
            service: "api".into(),
            before: s.policies[0].clone(),
        }]
    );
    press(&mut app, KeyCode::Esc);
    select(&mut app, "policy:steps");
    press(&mut app, KeyCode::Char('x'));
    assert!(
        confirm(&app)
            .warnings
            .iter()
            .any(|w| w.contains("alarms stay"))
    );
    press(&mut app, KeyCode::Esc);
    select(&mut app, "schedule:night");
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(
        plan(&app),
        vec![Mutation::DeleteScheduledAction {
            cluster: "prod".into(),
            service: "api".into(),
            before: night(),
        }]
    );
    press(&mut app, KeyCode::Esc);
    select(&mut app, "target");
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(
        plan(&app),
        vec![Mutation::DeleteScalableTarget {
            cluster: "prod".into(),
            service: "api".into(),
            before: s.target.unwrap(),
        }]
    );
    assert!(confirm(&app).warnings[0].contains("2 policy(ies) and 1 scheduled action(s)"));
    press(&mut app, KeyCode::Esc);
    select(&mut app, "activity:1");
    press(&mut app, KeyCode::Char('x'));
    assert!(app.popups.is_empty());
    assert!(status(&app).contains("nothing to delete"));
}

// ---- read-only and loading --------------------------------------------------------------

#[test]
fn read_only_refuses_changes_but_shows_items() {
    let mut app = app_with(sample());
    app.read_only = true;
    for key in ['e', 'i', 'p', 'c', 'x'] {
        press(&mut app, KeyCode::Char(key));
        assert!(app.popups.is_empty(), "{key} opened something");
        assert!(status(&app).starts_with("read-only mode"), "{key}");
    }
    select(&mut app, "policy:cpu");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.popups.last(), Some(Popup::Text { .. })));
}

#[test]
fn keys_before_the_data_lands_say_it_is_loading() {
    let mut app = App::new(
        Identity::default(),
        vec![Pane::Scaling {
            cluster: "prod".into(),
            service: "api".into(),
        }],
        t0(),
        None,
    );
    app.due_fetches();
    press(&mut app, KeyCode::Char('e'));
    assert!(app.popups.is_empty());
    assert_eq!(status(&app), "auto scaling is still loading…");
}

#[test]
fn j_and_k_walk_the_rows_in_screen_order() {
    let mut app = app_with(sample());
    let selected = |app: &App| {
        let (_, rows) = app.rows(app.view());
        rows[App::selected_index(app.view(), &rows)].id.clone()
    };
    assert_eq!(selected(&app), "target");
    let mut seen = vec![selected(&app)];
    for _ in 0..5 {
        press(&mut app, KeyCode::Char('j'));
        seen.push(selected(&app));
    }
    assert_eq!(
        seen,
        [
            "target",
            "policy:cpu",
            "policy:steps",
            "schedule:night",
            "activity:0",
            "activity:1"
        ]
    );
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(selected(&app), "activity:0");
}

#[test]
fn a_customized_metric_policy_opens_read_only() {
    let mut s = sample();
    s.policies[0].kind = PolicyKind::TargetTracking(tracking(
        TrackedMetric::Custom("QueueBacklogPerTask".into()),
        20.0,
    ));
    let mut app = app_with(s);
    select(&mut app, "policy:cpu");
    press(&mut app, KeyCode::Enter);
    let Some(Popup::Text { body, .. }) = app.popups.last() else {
        panic!("a text view")
    };
    assert!(body.contains("metric: QueueBacklogPerTask"));
    assert!(body.contains("not edited here"));
}
