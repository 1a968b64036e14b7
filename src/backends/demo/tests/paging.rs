//! The reads a large estate is loaded with, as AWS answers them: ListServices, ListTasks
//! and ListContainerInstances in pages of at most 100 ARNs behind a next token, and
//! DescribeServices (at most 10), DescribeTasks and DescribeContainerInstances (at most
//! 100) leaving out what does not exist; each call paid from the API budget first.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use futures::FutureExt;

use super::super::{DemoBackend, DemoOptions, DemoSetup};
use super::{NO_LATENCY, demo, opens_at};
use crate::domain::budget::{ApiLimits, ApiRate, Budget, Category};
use crate::domain::clock::ManualClock;
use crate::domain::model::TaskScope;
use crate::domain::{Backend, BackendError, ErrorKind, ListQuery, Page};

/// The estate at `--demo-scale 100`: 2,000 services in prod-platform, 10,000 running
/// tasks in prod-core.
fn large() -> DemoBackend {
    DemoBackend::with_setup(
        DemoOptions {
            seed: 7,
            clock: Arc::new(ManualClock::new(opens_at())),
            latency: NO_LATENCY,
        },
        DemoSetup {
            scale: 100,
            ..DemoSetup::default()
        },
    )
}

fn services(cluster: &str) -> ListQuery {
    ListQuery::Services {
        cluster: cluster.into(),
    }
}

fn tasks(cluster: &str, service: Option<&str>, scope: TaskScope) -> ListQuery {
    ListQuery::Tasks {
        cluster: cluster.into(),
        service: service.map(String::from),
        scope,
    }
}

fn instances(cluster: &str) -> ListQuery {
    ListQuery::Instances {
        cluster: cluster.into(),
    }
}

/// Every page of `query`, following the tokens to the end.
async fn pages(b: &DemoBackend, query: &ListQuery) -> Vec<Page> {
    let mut out: Vec<Page> = Vec::new();
    let mut token = None;
    loop {
        let page = b.list_page(query, token).await.unwrap();
        token = page.next.clone();
        out.push(page);
        if token.is_none() {
            return out;
        }
        assert!(out.len() < 1_000, "the tokens never end");
    }
}

fn arns(pages: &[Page]) -> Vec<String> {
    pages.iter().flat_map(|p| p.arns.clone()).collect()
}

fn refused(r: Result<impl std::fmt::Debug, BackendError>) -> BackendError {
    let e = r.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest, "{e:?}");
    e
}

#[tokio::test]
async fn a_2000_service_cluster_lists_in_20_pages_of_100() {
    let b = large();
    let cluster = b.cluster("prod-platform").await.unwrap();
    assert_eq!(cluster.active_services, 2000);
    let pages = pages(&b, &services("prod-platform")).await;
    assert_eq!(pages.len(), 20);
    assert!(pages.iter().all(|p| p.arns.len() == 100));
    assert!(pages[..19].iter().all(|p| p.next.is_some()));
    let all = arns(&pages);
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), 2000, "every ARN once");
    let prefix = "arn:aws:ecs:eu-west-1:123456789012:service/prod-platform/";
    assert!(all.iter().all(|a| a.starts_with(prefix)));
    // The same order every time: a page asked again is the same page.
    let again = b
        .list_page(&services("prod-platform"), pages[0].next.clone())
        .await
        .unwrap();
    assert_eq!(again, pages[1]);
    // Each page's services describe in batches of ten, all of them found.
    let batch = &pages[7].arns[30..40];
    let described = b.describe_services("prod-platform", batch).await.unwrap();
    let names: Vec<&str> = described.iter().map(|s| s.arn.as_str()).collect();
    assert_eq!(names, batch);
}

#[tokio::test]
async fn task_and_instance_pages_hold_each_item_once_in_a_stable_order() {
    let b = large();
    let running = arns(&pages(&b, &tasks("prod-core", None, TaskScope::Running)).await);
    assert!(running.len() >= 10_000, "{} running", running.len());
    let whole: Vec<String> = b
        .tasks("prod-core", None, TaskScope::Running)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.arn)
        .collect();
    assert_eq!(running, whole);
    assert_eq!(running.iter().collect::<HashSet<_>>().len(), running.len());

    // Stopped tasks are listed apart, and one service's tasks are only its own.
    let stopped = arns(&pages(&b, &tasks("prod-core", None, TaskScope::Stopped)).await);
    assert!(!stopped.is_empty() && stopped.iter().all(|a| !running.contains(a)));
    let own = pages(
        &b,
        &tasks("prod-core", Some("api-gateway"), TaskScope::Running),
    )
    .await;
    assert_eq!(own.len(), 1);
    let expected: Vec<String> = b
        .tasks("prod-core", Some("api-gateway"), TaskScope::Running)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.arn)
        .collect();
    assert_eq!(own[0].arns, expected);

    // Hundreds of container instances: five pages, the last one short.
    let instance_pages = pages(&b, &instances("prod-core")).await;
    let cluster = b.cluster("prod-core").await.unwrap();
    let registered = usize::try_from(cluster.registered_instances).unwrap();
    assert!(registered >= 300, "{registered} instances");
    assert_eq!(instance_pages.len(), registered.div_ceil(100));
    assert_eq!(arns(&instance_pages).len(), registered);
    let batch = &instance_pages[2].arns;
    let described = b.describe_instances("prod-core", batch).await.unwrap();
    assert_eq!(described.len(), 100);
    assert!(described.iter().all(|i| i.running_tasks > 0));
}

#[tokio::test]
async fn describes_leave_out_what_does_not_exist_and_keep_the_order_asked() {
    let (b, _) = demo(1);
    let listed = arns(&pages(&b, &services("prod-core")).await);
    let missing = "arn:aws:ecs:eu-west-1:123456789012:service/prod-core/no-such-service";
    let other_cluster = "arn:aws:ecs:eu-west-1:123456789012:service/staging/checkout";
    let asked = vec![
        listed[3].clone(),
        missing.to_string(),
        listed[0].clone(),
        other_cluster.to_string(),
        "cart".to_string(),
        listed[3].clone(),
    ];
    let found = b.describe_services("prod-core", &asked).await.unwrap();
    let names: Vec<&str> = found.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["orders", "api-gateway", "cart"]);

    // Tasks: running and stopped alike, whatever scope they were listed in.
    let running = arns(&pages(&b, &tasks("prod-core", None, TaskScope::Running)).await);
    let stopped = arns(&pages(&b, &tasks("prod-core", None, TaskScope::Stopped)).await);
    assert!(!stopped.is_empty());
    let gone = "arn:aws:ecs:eu-west-1:123456789012:task/prod-core/0123456789abcdef0123456789abcdef";
    let asked = vec![stopped[0].clone(), gone.to_string(), running[5].clone()];
    let found = b.describe_tasks("prod-core", &asked).await.unwrap();
    let found: Vec<&str> = found.iter().map(|t| t.arn.as_str()).collect();
    assert_eq!(found, [asked[0].as_str(), asked[2].as_str()]);
    let found = b
        .describe_tasks("prod-platform", &[running[0].clone()])
        .await;
    assert!(
        found.unwrap().is_empty(),
        "another cluster's task is MISSING"
    );

    let listed = arns(&pages(&b, &instances("prod-core")).await);
    let asked = vec![
        listed[1].clone(),
        "arn:aws:ecs:eu-west-1:123456789012:container-instance/prod-core/nope".into(),
    ];
    let found = b.describe_instances("prod-core", &asked).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].arn, listed[1]);

    // Unknown clusters and services are not found, in lists and describes alike.
    let nope = b.list_page(&services("nope"), None).await.unwrap_err();
    assert_eq!(nope.kind, ErrorKind::NotFound);
    let q = tasks("prod-core", Some("nope"), TaskScope::Running);
    assert_eq!(
        b.list_page(&q, None).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    let e = b.describe_tasks("nope", &asked).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn describes_larger_than_aws_takes_are_refused() {
    let (b, _) = demo(1);
    let listed = arns(&pages(&b, &services("prod-core")).await);
    assert!(listed.len() >= 11);
    let e = refused(b.describe_services("prod-core", &listed[..11]).await);
    assert_eq!(e.operation, "DescribeServices");
    assert!(e.message.contains("at most 10"), "{}", e.message);
    let ten = b
        .describe_services("prod-core", &listed[..10])
        .await
        .unwrap();
    assert_eq!(ten.len(), 10);

    let many: Vec<String> = (0..101).map(|i| format!("{i:032x}")).collect();
    let e = refused(b.describe_tasks("prod-core", &many).await);
    assert!(e.message.contains("at most 100"), "{}", e.message);
    let e = refused(b.describe_instances("prod-core", &many).await);
    assert!(e.message.contains("at most 100"), "{}", e.message);
    assert!(b.describe_tasks("prod-core", &many[..100]).await.is_ok());
}

#[tokio::test]
async fn a_token_the_list_did_not_give_is_refused_with_a_sentence() {
    let (b, _) = demo(1);
    for bad in ["abc", "0", "-100", "", "1e2", "0100"] {
        let e = refused(b.list_page(&services("prod-core"), Some(bad.into())).await);
        assert_eq!(e.operation, "ListServices");
        assert!(e.message.contains("next token"), "{}", e.message);
        assert!(e.message.ends_with('.'), "{}", e.message);
        assert!(e.message.starts_with("The "), "{}", e.message);
    }
    let q = tasks("prod-core", None, TaskScope::Running);
    assert_eq!(
        refused(b.list_page(&q, Some("x".into())).await).operation,
        "ListTasks"
    );
    // A token past the end (the list shrank meanwhile) is an empty last page.
    let past = b
        .list_page(&services("prod-core"), Some("500".into()))
        .await
        .unwrap();
    assert_eq!(past, Page::default());
}

/// A budget of one call (burst 1, refilled once a second) in every category.
fn tight_budget() -> Arc<Budget> {
    let one = ApiRate {
        burst: 1,
        per_second: 1,
    };
    let limits = Category::ALL
        .iter()
        .fold(ApiLimits::default(), |l, &c| l.with(c, one));
    Arc::new(Budget::new(limits, 100))
}

#[tokio::test]
async fn every_call_takes_its_tokens_from_the_budget_first() {
    let budget = tight_budget();
    let b = DemoBackend::with_setup(
        DemoOptions {
            seed: 1,
            clock: Arc::new(ManualClock::new(opens_at())),
            latency: NO_LATENCY,
        },
        DemoSetup {
            scale: 1,
            budget: Arc::clone(&budget),
        },
    );
    assert!(Arc::ptr_eq(&b.budget(), &budget));
    let svc = services("prod-core");
    let running = tasks("prod-core", None, TaskScope::Running);
    let arn = vec!["arn:aws:ecs:eu-west-1:123456789012:service/prod-core/cart".to_string()];

    // With no latency, a call that finds its token answers on its first poll; the next
    // call of the same category waits for the bucket to refill.
    assert!(b.list_page(&svc, None).now_or_never().is_some());
    assert!(b.list_page(&svc, None).now_or_never().is_none());
    assert!(
        b.describe_services("prod-core", &arn)
            .now_or_never()
            .is_none()
    );
    // Tasks and instances share a category of their own; clusters another.
    assert!(b.list_page(&running, None).now_or_never().is_some());
    assert!(b.describe_tasks("prod-core", &[]).now_or_never().is_none());
    assert!(
        b.list_page(&instances("prod-core"), None)
            .now_or_never()
            .is_none()
    );
    assert!(b.cluster("prod-core").now_or_never().is_some());
    assert!(b.cluster("staging").now_or_never().is_none());
    // A whole list pays for every page and describe the SDK would make: ListClusters and
    // DescribeClusters, two calls for one.
    assert!(b.clusters().now_or_never().is_none());

    // Once refilled, the waiting call goes.
    let before = std::time::Instant::now();
    b.describe_services("prod-core", &arn).await.unwrap();
    assert!(before.elapsed() >= StdDuration::from_millis(500));
}
