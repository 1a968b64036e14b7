use aws_sdk_applicationautoscaling::types::{
    AdjustmentType, Alarm, CustomizedMetricSpecification, MetricAggregationType,
    PredefinedMetricSpecification, ScalableTargetAction, ScalingActivityStatusCode, StepAdjustment,
    StepScalingPolicyConfiguration, SuspendedState, TargetTrackingMetricDataQuery,
    TargetTrackingScalingPolicyConfiguration,
};
use chrono::TimeZone;

use super::*;

fn smithy_time(secs: i64) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs(secs)
}

fn policy(
    name: &str,
    kind: PolicyType,
    tt: Option<TargetTrackingScalingPolicyConfiguration>,
    step: Option<StepScalingPolicyConfiguration>,
    alarms: Vec<Alarm>,
) -> aas::ScalingPolicy {
    aas::ScalingPolicy::builder()
        .policy_arn(format!(
            "arn:aws:autoscaling:eu-west-1:1:scalingPolicy:x:policyName/{name}"
        ))
        .policy_name(name)
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id("service/prod/web")
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_type(kind)
        .set_target_tracking_scaling_policy_configuration(tt)
        .set_step_scaling_policy_configuration(step)
        .set_alarms(Some(alarms))
        .creation_time(smithy_time(1_700_000_000))
        .build()
        .unwrap()
}

fn tracking(
    metric: MetricType,
    label: Option<&str>,
) -> aas::TargetTrackingScalingPolicyConfiguration {
    TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(60.5)
        .predefined_metric_specification(
            PredefinedMetricSpecification::builder()
                .predefined_metric_type(metric)
                .set_resource_label(label.map(str::to_owned))
                .build()
                .unwrap(),
        )
        .scale_in_cooldown(300)
        .scale_out_cooldown(60)
        .disable_scale_in(true)
        .build()
        .unwrap()
}

#[test]
fn scalable_target_with_and_without_suspended_state() {
    let base = || {
        aas::ScalableTarget::builder()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id("service/prod/web")
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .min_capacity(2)
            .max_capacity(10)
            .role_arn("arn:aws:iam::1:role/x")
            .creation_time(smithy_time(1_700_000_000))
    };
    let plain = base().build().unwrap();
    assert_eq!(
        target_from(&plain),
        ScalableTarget {
            min: 2,
            max: 10,
            suspended: Suspended::default()
        }
    );
    let suspended = base()
        .suspended_state(
            SuspendedState::builder()
                .dynamic_scaling_in_suspended(true)
                .scheduled_scaling_suspended(true)
                .build(),
        )
        .build()
        .unwrap();
    assert_eq!(
        target_from(&suspended).suspended,
        Suspended {
            dynamic_in: true,
            dynamic_out: false,
            scheduled: true
        }
    );
}

#[test]
fn predefined_metrics_map_to_their_kinds() {
    let cases = [
        (
            MetricType::EcsServiceAverageCpuUtilization,
            None,
            TrackedMetric::Cpu,
        ),
        (
            MetricType::EcsServiceAverageMemoryUtilization,
            None,
            TrackedMetric::Memory,
        ),
        (
            MetricType::AlbRequestCountPerTarget,
            Some("app/lb/1/targetgroup/tg/2"),
            TrackedMetric::AlbRequests {
                resource_label: "app/lb/1/targetgroup/tg/2".into(),
            },
        ),
        (
            MetricType::EcsServiceAverageCpuUtilizationHighResolution,
            None,
            TrackedMetric::Custom("ECSServiceAverageCPUUtilizationHighResolution".into()),
        ),
    ];
    for (metric, label, want) in cases {
        let p = policy(
            "cpu",
            PolicyType::TargetTrackingScaling,
            Some(tracking(metric, label)),
            None,
            vec![],
        );
        let got = policy_from(&p).unwrap();
        assert_eq!(got.name, "cpu");
        assert!(got.arn.as_deref().unwrap().ends_with("policyName/cpu"));
        assert_eq!(
            got.kind,
            PolicyKind::TargetTracking(TargetTracking {
                metric: want,
                target_value: 60.5,
                scale_in_cooldown: Some(300),
                scale_out_cooldown: Some(60),
                disable_scale_in: true,
            })
        );
    }
}

#[test]
fn customized_metrics_are_shown_by_name_or_as_metric_math() {
    let custom = |spec: CustomizedMetricSpecification| {
        let tt = TargetTrackingScalingPolicyConfiguration::builder()
            .target_value(100.0)
            .customized_metric_specification(spec)
            .build()
            .unwrap();
        let p = policy(
            "queue",
            PolicyType::TargetTrackingScaling,
            Some(tt),
            None,
            vec![],
        );
        match policy_from(&p).unwrap().kind {
            PolicyKind::TargetTracking(t) => {
                assert!(!t.disable_scale_in);
                assert_eq!(t.scale_in_cooldown, None);
                t.metric
            }
            other => panic!("{other:?}"),
        }
    };
    let named = CustomizedMetricSpecification::builder()
        .metric_name("ApproximateNumberOfMessagesVisible")
        .namespace("AWS/SQS")
        .build();
    assert_eq!(
        custom(named),
        TrackedMetric::Custom("ApproximateNumberOfMessagesVisible".into())
    );
    let math = CustomizedMetricSpecification::builder()
        .metrics(
            TargetTrackingMetricDataQuery::builder()
                .id("m1")
                .build()
                .unwrap(),
        )
        .metrics(
            TargetTrackingMetricDataQuery::builder()
                .id("e1")
                .build()
                .unwrap(),
        )
        .build();
    assert_eq!(
        custom(math),
        TrackedMetric::Custom("metric math (m1, e1)".into())
    );
}

#[test]
fn step_scaling_keeps_steps_and_alarm_names() {
    let step = StepScalingPolicyConfiguration::builder()
        .adjustment_type(AdjustmentType::ChangeInCapacity)
        .cooldown(120)
        .metric_aggregation_type(MetricAggregationType::Average)
        .step_adjustments(
            StepAdjustment::builder()
                .metric_interval_lower_bound(0.0)
                .metric_interval_upper_bound(10.0)
                .scaling_adjustment(1)
                .build()
                .unwrap(),
        )
        .step_adjustments(
            StepAdjustment::builder()
                .metric_interval_lower_bound(10.0)
                .scaling_adjustment(3)
                .build()
                .unwrap(),
        )
        .build();
    let alarm = Alarm::builder()
        .alarm_name("web-cpu-high")
        .alarm_arn("arn:aws:cloudwatch:eu-west-1:1:alarm:web-cpu-high")
        .build()
        .unwrap();
    let p = policy(
        "out",
        PolicyType::StepScaling,
        None,
        Some(step),
        vec![alarm],
    );
    assert_eq!(
        policy_from(&p).unwrap().kind,
        PolicyKind::Step(StepScaling {
            adjustment_type: Some("ChangeInCapacity".into()),
            cooldown: Some(120),
            metric_aggregation: Some("Average".into()),
            steps: vec![
                Step {
                    lower: Some(0.0),
                    upper: Some(10.0),
                    adjustment: 1
                },
                Step {
                    lower: Some(10.0),
                    upper: None,
                    adjustment: 3
                },
            ],
            alarms: vec!["web-cpu-high".into()],
        })
    );
}

#[test]
fn predictive_policies_have_no_place_in_the_model() {
    let p = policy("predict", PolicyType::PredictiveScaling, None, None, vec![]);
    assert_eq!(policy_from(&p), None);
}

#[test]
fn scheduled_action_with_times_and_capacity() {
    let a = aas::ScheduledAction::builder()
        .scheduled_action_name("night")
        .scheduled_action_arn("arn:x")
        .service_namespace(ServiceNamespace::Ecs)
        .schedule("cron(0 22 * * ? *)")
        .timezone("Europe/Berlin")
        .resource_id("service/prod/web")
        .start_time(smithy_time(1_700_000_000))
        .scalable_target_action(
            ScalableTargetAction::builder()
                .min_capacity(1)
                .max_capacity(2)
                .build(),
        )
        .creation_time(smithy_time(1_700_000_000))
        .build()
        .unwrap();
    assert_eq!(
        scheduled_from(&a),
        ScheduledAction {
            name: "night".into(),
            schedule: "cron(0 22 * * ? *)".into(),
            timezone: Some("Europe/Berlin".into()),
            min: Some(1),
            max: Some(2),
            start: Some(Utc.timestamp_opt(1_700_000_000, 0).unwrap()),
            end: None,
        }
    );
}

#[test]
fn activity_status_carries_its_message() {
    let a = aas::ScalingActivity::builder()
        .activity_id("1")
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id("service/prod/web")
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .description("Setting desired count to 4.")
        .cause("monitor alarm TargetTracking-high in state ALARM")
        .start_time(smithy_time(1_700_000_100))
        .status_code(ScalingActivityStatusCode::Failed)
        .status_message("Service not active")
        .build()
        .unwrap();
    let got = activity_from(&a);
    assert_eq!(got.status, "Failed: Service not active");
    assert_eq!(got.description, "Setting desired count to 4.");
    assert_eq!(got.at, Some(Utc.timestamp_opt(1_700_000_100, 0).unwrap()));
}

#[test]
fn target_tracking_round_trips_through_the_sdk_types() {
    let alb = TargetTracking {
        metric: TrackedMetric::AlbRequests {
            resource_label: "app/lb/1/targetgroup/tg/2".into(),
        },
        target_value: 500.0,
        scale_in_cooldown: Some(120),
        scale_out_cooldown: None,
        disable_scale_in: false,
    };
    let config = target_tracking_to("PutScalingPolicy", &alb).unwrap();
    let spec = config.predefined_metric_specification().unwrap();
    assert_eq!(
        spec.predefined_metric_type(),
        &MetricType::AlbRequestCountPerTarget
    );
    assert_eq!(spec.resource_label(), Some("app/lb/1/targetgroup/tg/2"));
    assert_eq!(config.disable_scale_in(), Some(false));
    assert_eq!(target_tracking_from(&config), alb);
}

#[test]
fn target_tracking_that_cannot_be_written_is_refused_before_sending() {
    let mut t = TargetTracking {
        metric: TrackedMetric::Custom("QueueDepth".into()),
        target_value: 5.0,
        scale_in_cooldown: None,
        scale_out_cooldown: None,
        disable_scale_in: false,
    };
    let e = target_tracking_to("PutScalingPolicy", &t).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.message.contains("QueueDepth"), "{}", e.message);
    t.metric = TrackedMetric::AlbRequests {
        resource_label: " ".into(),
    };
    let e = target_tracking_to("PutScalingPolicy", &t).unwrap_err();
    assert!(e.message.contains("resource label"), "{}", e.message);
}

#[test]
fn suspended_state_is_sent_in_full() {
    let s = suspended_to(&Suspended {
        dynamic_in: true,
        dynamic_out: false,
        scheduled: false,
    });
    assert_eq!(s.dynamic_scaling_in_suspended(), Some(true));
    assert_eq!(s.dynamic_scaling_out_suspended(), Some(false));
    assert_eq!(s.scheduled_scaling_suspended(), Some(false));
    assert!(suspended_from(&s).dynamic_in);
}

#[test]
fn times_convert_both_ways() {
    let t = Utc.timestamp_opt(1_700_000_000, 250_000_000).unwrap();
    assert_eq!(time_from(&time_to(t)), Some(t));
}
