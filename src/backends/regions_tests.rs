use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{Region, Regions};
use crate::app::tests::{cluster, service};
use crate::domain::model::{Cluster, ContainerInstance, Service, Task, TaskDefinition, TaskScope};
use crate::domain::{Backend, BackendError, BackendResult, ErrorKind, Identity};
use crate::ops::model::{Family, Scaling, TaskDefDoc};
use crate::ops::{Mutation, Ops, Outcome, guard};

/// One region's fake: its clusters (named as given, ARNs in its region) with one service
/// each named after the region, and every call it was asked, with its argument.
struct Fake {
    region: &'static str,
    clusters: Vec<&'static str>,
    calls: Mutex<Vec<String>>,
}

impl Fake {
    fn new(region: &'static str, clusters: &[&'static str]) -> Arc<Fake> {
        Arc::new(Fake {
            region,
            clusters: clusters.to_vec(),
            calls: Mutex::new(Vec::new()),
        })
    }

    fn note(&self, call: &str) {
        self.calls.lock().unwrap().push(call.to_owned());
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn described(&self, name: &str) -> Cluster {
        let mut c = cluster(name);
        c.arn = c.arn.replace("eu-west-1", self.region);
        c
    }

    fn find(&self, name_or_arn: &str) -> BackendResult<Cluster> {
        let name = crate::domain::model::arn_name(name_or_arn);
        self.clusters
            .iter()
            .find(|c| **c == name)
            .map(|c| self.described(c))
            .ok_or_else(|| BackendError::new(ErrorKind::NotFound, "DescribeClusters", "missing"))
    }
}

fn unused<T>() -> BackendResult<T> {
    Err(BackendError::new(
        ErrorKind::Service,
        "test",
        "not used here",
    ))
}

#[async_trait]
impl Backend for Fake {
    fn identity(&self) -> Identity {
        Identity {
            profile: "p".into(),
            region: self.region.into(),
            ..Identity::default()
        }
    }
    async fn clusters(&self) -> BackendResult<Vec<Cluster>> {
        self.note("clusters");
        Ok(self.clusters.iter().map(|c| self.described(c)).collect())
    }
    async fn cluster(&self, cluster: &str) -> BackendResult<Cluster> {
        self.note(&format!("cluster {cluster}"));
        self.find(cluster)
    }
    async fn services(&self, cluster: &str) -> BackendResult<Vec<Service>> {
        self.note(&format!("services {cluster}"));
        let c = self.find(cluster)?;
        Ok(vec![service(&c.name, self.region)])
    }
    async fn tasks(&self, _: &str, _: Option<&str>, _: TaskScope) -> BackendResult<Vec<Task>> {
        unused()
    }
    async fn container_instances(&self, _: &str) -> BackendResult<Vec<ContainerInstance>> {
        unused()
    }
    async fn task_definition(&self, td: &str) -> BackendResult<TaskDefinition> {
        self.note(&format!("task_definition {td}"));
        unused()
    }
}

#[async_trait]
impl Ops for Fake {
    async fn service(&self, _: &str, _: &str) -> BackendResult<Service> {
        unused()
    }
    async fn scaling(&self, _: &str, _: &str) -> BackendResult<Scaling> {
        unused()
    }
    async fn families(&self) -> BackendResult<Vec<Family>> {
        self.note("families");
        Ok(Vec::new())
    }
    async fn task_definition_doc(&self, _: &str) -> BackendResult<TaskDefDoc> {
        unused()
    }
    async fn execute_with(&self, m: &Mutation, _: guard::Pass) -> BackendResult<Outcome> {
        self.note(&format!("{} {}", m.api(), m.cluster()));
        Ok(Outcome::Done)
    }
}

fn two(west: &[&'static str], east: &[&'static str]) -> (Arc<Regions>, Arc<Fake>, Arc<Fake>) {
    let w = Fake::new("eu-west-1", west);
    let e = Fake::new("us-east-1", east);
    let regions = Regions::new(vec![
        Region {
            name: "eu-west-1".into(),
            ecs: w.clone(),
            ops: w.clone(),
        },
        Region {
            name: "us-east-1".into(),
            ecs: e.clone(),
            ops: e.clone(),
        },
    ]);
    (regions, w, e)
}

fn arn(region: &str, name: &str) -> String {
    format!("arn:aws:ecs:{region}:123456789012:cluster/{name}")
}

fn scale(cluster: &str) -> Mutation {
    Mutation::Scale {
        cluster: cluster.into(),
        service: "web".into(),
        from: 1,
        to: 2,
    }
}

#[tokio::test]
async fn clusters_span_every_region_and_the_identity_names_them() {
    let (r, _, _) = two(&["prod", "tools"], &["prod"]);
    let all = r.clusters().await.unwrap();
    let arns: Vec<&str> = all.iter().map(|c| c.arn.as_str()).collect();
    assert_eq!(
        arns,
        [
            arn("eu-west-1", "prod"),
            arn("eu-west-1", "tools"),
            arn("us-east-1", "prod")
        ]
    );
    let who = r.identity();
    assert_eq!(who.region, "eu-west-1");
    assert_eq!(who.regions, ["eu-west-1", "us-east-1"]);
    assert!(who.spans_regions());
    assert_eq!(who.region_of(&arn("us-east-1", "prod")), "us-east-1");
}

#[tokio::test]
async fn a_cluster_named_by_arn_is_read_in_its_own_region_only() {
    let (r, w, e) = two(&["prod"], &["prod"]);
    let services = r.services(&arn("us-east-1", "prod")).await.unwrap();
    // The fake names its service after its region.
    assert_eq!(services[0].name, "us-east-1");
    assert!(w.calls().is_empty(), "{:?}", w.calls());
    assert_eq!(
        e.calls(),
        [format!("services {}", arn("us-east-1", "prod"))]
    );
}

#[tokio::test]
async fn a_bare_name_goes_to_the_one_region_that_has_it() {
    let (r, w, e) = two(&["tools"], &["prod"]);
    let services = r.services("prod").await.unwrap();
    assert_eq!(services[0].name, "us-east-1");
    assert!(!e.calls().is_empty());
    assert!(!w.calls().contains(&"services prod".to_string()));
    // Learned from a clusters list, a name needs no lookup.
    let (r, w, e) = two(&["tools"], &["prod"]);
    r.clusters().await.unwrap();
    r.services("tools").await.unwrap();
    assert_eq!(w.calls(), ["clusters", "services tools"]);
    assert_eq!(e.calls(), ["clusters"]);
}

#[tokio::test]
async fn a_name_in_two_regions_is_refused_not_guessed_and_nothing_is_written() {
    let (r, w, e) = two(&["prod"], &["prod"]);
    let err = r
        .execute_with(&scale("prod"), guard::Pass::for_tests())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRequest);
    assert!(
        err.message.contains("eu-west-1 and us-east-1"),
        "{}",
        err.message
    );
    let writes = |f: &Fake| f.calls().iter().any(|c| c.starts_with("UpdateService"));
    assert!(!writes(&w) && !writes(&e));
    // Named by ARN, the write goes to that region alone.
    r.execute_with(&scale(&arn("us-east-1", "prod")), guard::Pass::for_tests())
        .await
        .unwrap();
    assert!(writes(&e) && !writes(&w));
}

#[tokio::test]
async fn unknown_names_and_regions_not_in_use_say_so() {
    let (r, _, _) = two(&["prod"], &[]);
    let err = r.services("nope").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert!(
        err.message.contains("eu-west-1, us-east-1"),
        "{}",
        err.message
    );
    let err = r.services(&arn("ap-south-1", "prod")).await.unwrap_err();
    assert!(
        err.message.contains("not among the regions in use"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn task_definitions_follow_their_arn_and_families_stay_in_the_first_region() {
    let (r, w, e) = two(&[], &[]);
    let td = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3";
    let _ = r.task_definition(td).await;
    let _ = r.task_definition("web:3").await;
    r.families().await.unwrap();
    assert_eq!(e.calls(), [format!("task_definition {td}")]);
    assert_eq!(w.calls(), ["task_definition web:3", "families"]);
}

#[tokio::test]
async fn alone_another_regions_cluster_arn_is_refused_and_names_go_straight_there() {
    let w = Fake::new("eu-west-1", &["prod"]);
    let r = Regions::new(vec![Region {
        name: "eu-west-1".into(),
        ecs: w.clone(),
        ops: w.clone(),
    }]);
    assert!(!r.identity().spans_regions());
    let err = r
        .execute_with(&scale(&arn("us-east-1", "prod")), guard::Pass::for_tests())
        .await
        .unwrap_err();
    assert!(
        err.message.contains("not among the regions in use"),
        "{}",
        err.message
    );
    assert!(w.calls().is_empty(), "{:?}", w.calls());
    // A name needs no lookup.
    r.services("prod").await.unwrap();
    assert_eq!(w.calls(), ["services prod"]);
}

#[tokio::test]
async fn one_failing_region_leaves_the_others_clusters_and_is_named() {
    struct Down;
    #[async_trait]
    impl Backend for Down {
        fn identity(&self) -> Identity {
            Identity::default()
        }
        async fn clusters(&self) -> BackendResult<Vec<Cluster>> {
            Err(BackendError::new(
                ErrorKind::AccessDenied,
                "ListClusters",
                "not allowed",
            ))
        }
        async fn cluster(&self, _: &str) -> BackendResult<Cluster> {
            unused()
        }
        async fn services(&self, _: &str) -> BackendResult<Vec<Service>> {
            unused()
        }
        async fn tasks(&self, _: &str, _: Option<&str>, _: TaskScope) -> BackendResult<Vec<Task>> {
            unused()
        }
        async fn container_instances(&self, _: &str) -> BackendResult<Vec<ContainerInstance>> {
            unused()
        }
        async fn task_definition(&self, _: &str) -> BackendResult<TaskDefinition> {
            unused()
        }
    }
    let w = Fake::new("eu-west-1", &["prod"]);
    let r = Regions::new(vec![
        Region {
            name: "eu-west-1".into(),
            ecs: w.clone(),
            ops: w.clone(),
        },
        Region {
            name: "us-east-1".into(),
            ecs: Arc::new(Down),
            ops: w.clone(),
        },
    ]);
    let (all, failed) = r.clusters_each().await;
    assert_eq!(all.len(), 1);
    let failed = failed.expect("the failing region is said");
    assert_eq!(failed.kind, ErrorKind::AccessDenied);
    assert_eq!(failed.message, "us-east-1: not allowed");
    assert!(r.clusters().await.is_err());
}

#[tokio::test]
async fn a_family_named_by_its_arn_prefix_is_read_in_that_region() {
    let (r, w, e) = two(&[], &[]);
    r.family("arn:aws:ecs:us-east-1:123456789012:task-definition/web")
        .await
        .unwrap();
    r.family("web").await.unwrap();
    // The fake's `family` is the trait's default: it lists the families.
    assert_eq!(e.calls(), ["families"]);
    assert_eq!(w.calls(), ["families"]);
}
