//! Finding a task's, container's or service's log streams: the task definition's
//! `logConfiguration` names the group, the region and (with awslogs) the stream of every
//! container. Containers whose logs are not in CloudWatch are reported with the reason, so
//! the UI can say so instead of showing an empty pane.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::domain::model::{ContainerDefinition, Task, TaskDefinition, TaskScope, arn_name};
use crate::domain::{Backend, BackendError, BackendResult, ErrorKind};

/// Whose logs to show.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LogScope {
    /// Every task of a service, running and recently stopped, including tasks that start
    /// while the tail runs.
    Service { cluster: String, service: String },
    /// One task, by id or ARN.
    Task { cluster: String, task: String },
    /// One container of one task.
    Container {
        cluster: String,
        task: String,
        container: String,
    },
    /// Streams of one log group named outright: those of containers whose stream names
    /// cannot be derived from the task definition (FireLens, awslogs without a prefix),
    /// picked by the user. An empty `region` is the connection's own region.
    Streams {
        region: String,
        group: String,
        streams: Vec<String>,
    },
}

impl LogScope {
    /// The cluster of a task's or a service's logs; none for streams named outright.
    pub fn cluster(&self) -> Option<&str> {
        match self {
            LogScope::Service { cluster, .. }
            | LogScope::Task { cluster, .. }
            | LogScope::Container { cluster, .. } => Some(cluster),
            LogScope::Streams { .. } => None,
        }
    }
}

/// The logs of one container of one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSource {
    pub task_id: String,
    pub container: String,
    pub kind: SourceKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// An awslogs stream.
    CloudWatch {
        region: String,
        group: String,
        stream: String,
    },
    /// Logs not in CloudWatch (or not where they can be found), with the reason shown to
    /// the user.
    Elsewhere {
        driver: Option<String>,
        reason: String,
        /// `(region, group)` to pick streams from, when one is known (FireLens
        /// `log_group_name`, awslogs without a stream prefix).
        group: Option<(String, String)>,
    },
}

impl LogSource {
    /// `(region, group, stream)` when the stream is known.
    pub fn cloudwatch(&self) -> Option<(&str, &str, &str)> {
        match &self.kind {
            SourceKind::CloudWatch {
                region,
                group,
                stream,
            } => Some((region, group, stream)),
            SourceKind::Elsewhere { .. } => None,
        }
    }
}

/// `prefix/container/task-id` -> (prefix, container, task_id). The prefix may itself hold
/// slashes; container names and task ids cannot.
pub fn parse_stream(stream: &str) -> Option<(&str, &str, &str)> {
    let mut parts = stream.rsplitn(3, '/');
    let task_id = parts.next()?;
    let container = parts.next()?;
    let prefix = parts.next()?;
    [prefix, container, task_id]
        .iter()
        .all(|p| !p.is_empty())
        .then_some((prefix, container, task_id))
}

/// Task definitions by ARN. They are immutable once registered, so entries never expire.
/// Cheap to clone; every clone shares the same entries.
#[derive(Clone, Default)]
pub struct TaskDefCache {
    entries: Arc<Mutex<HashMap<String, Arc<TaskDefinition>>>>,
}

impl std::fmt::Debug for TaskDefCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskDefCache")
            .field("entries", &self.len())
            .finish()
    }
}

impl TaskDefCache {
    /// The task definition, described once per process.
    pub async fn get(&self, ecs: &dyn Backend, arn: &str) -> BackendResult<Arc<TaskDefinition>> {
        if let Some(found) = self.lock().get(arn) {
            return Ok(Arc::clone(found));
        }
        // Two callers may describe the same ARN at once; both answers are equal, so the
        // second insert is harmless and cheaper than holding a lock across the call.
        let td = Arc::new(ecs.task_definition(arn).await?);
        self.lock().insert(arn.to_owned(), Arc::clone(&td));
        Ok(td)
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<TaskDefinition>>> {
        // A panic elsewhere cannot leave a half-written map: inserts are single calls.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The sources of a scope, task by task (oldest first) in task-definition container order.
/// `container` keeps only that container (a `Container` scope implies it).
pub async fn resolve(
    ecs: &dyn Backend,
    scope: &LogScope,
    container: Option<&str>,
    cache: &TaskDefCache,
) -> BackendResult<Vec<LogSource>> {
    if let LogScope::Streams {
        region,
        group,
        streams,
    } = scope
    {
        return named_streams(ecs, region, group, streams);
    }
    let container = match scope {
        LogScope::Container { container, .. } => Some(container.as_str()),
        _ => container,
    };
    let tasks = match scope {
        LogScope::Service { cluster, service } => service_tasks(ecs, cluster, service).await?,
        LogScope::Task { cluster, task } | LogScope::Container { cluster, task, .. } => {
            vec![find_task(ecs, cluster, task).await?]
        }
        LogScope::Streams { .. } => Vec::new(),
    };
    let default_region = ecs.identity().region;
    let mut sources = Vec::new();
    let mut any_container = false;
    for task in &tasks {
        let td = cache.get(ecs, &task.task_definition_arn).await?;
        for def in &td.containers {
            if container.is_some_and(|c| c != def.name) {
                continue;
            }
            any_container = true;
            // Across regions the task's own region, which its ARN says.
            let region = crate::domain::model::arn_region(&task.arn).unwrap_or(&default_region);
            sources.push(source_of(task, def, region));
        }
    }
    if let (Some(name), false, false) = (container, any_container, tasks.is_empty()) {
        return Err(BackendError::new(
            ErrorKind::NotFound,
            "DescribeTaskDefinition",
            format!("no container named '{name}' in the task definition"),
        ));
    }
    Ok(sources)
}

/// The sources of streams named outright, each once, in the order given. A stream named
/// the awslogs way (`prefix/container/task-id`) is attributed to its task and container;
/// any other name leaves both empty.
fn named_streams(
    ecs: &dyn Backend,
    region: &str,
    group: &str,
    streams: &[String],
) -> BackendResult<Vec<LogSource>> {
    let invalid =
        |message: &str| BackendError::new(ErrorKind::InvalidRequest, "FilterLogEvents", message);
    if group.trim().is_empty() {
        return Err(invalid("no log group given"));
    }
    let mut seen = HashSet::new();
    let names: Vec<&String> = streams
        .iter()
        .filter(|s| !s.is_empty() && seen.insert(s.as_str()))
        .collect();
    if names.is_empty() {
        return Err(invalid(&format!("no stream of {group} given to tail")));
    }
    let region = if region.is_empty() {
        ecs.identity().region
    } else {
        region.to_owned()
    };
    Ok(names
        .into_iter()
        .map(|stream| {
            let (task_id, container) = match parse_stream(stream) {
                Some((_, container, task)) => (task.to_owned(), container.to_owned()),
                None => (String::new(), String::new()),
            };
            LogSource {
                task_id,
                container,
                kind: SourceKind::CloudWatch {
                    region: region.clone(),
                    group: group.to_owned(),
                    stream: stream.clone(),
                },
            }
        })
        .collect())
}

async fn service_tasks(
    ecs: &dyn Backend,
    cluster: &str,
    service: &str,
) -> BackendResult<Vec<Task>> {
    let running = ecs
        .tasks(cluster, Some(service), TaskScope::Running)
        .await?;
    let stopped = ecs
        .tasks(cluster, Some(service), TaskScope::Stopped)
        .await?;
    // A task that stops between the two lists shows up in both.
    let mut seen = HashSet::new();
    let mut tasks: Vec<Task> = running
        .into_iter()
        .chain(stopped)
        .filter(|t| seen.insert(t.arn.clone()))
        .collect();
    tasks.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(tasks)
}

async fn find_task(ecs: &dyn Backend, cluster: &str, task: &str) -> BackendResult<Task> {
    let wanted = arn_name(task);
    for scope in [TaskScope::Running, TaskScope::Stopped] {
        let tasks = ecs.tasks(cluster, None, scope).await?;
        if let Some(found) = tasks.into_iter().find(|t| t.id == wanted || t.arn == task) {
            return Ok(found);
        }
    }
    Err(BackendError::new(
        ErrorKind::NotFound,
        "DescribeTasks",
        format!(
            "task '{wanted}' not found in cluster '{cluster}' (ECS forgets stopped tasks after \
             about an hour)"
        ),
    ))
}

fn source_of(task: &Task, def: &ContainerDefinition, default_region: &str) -> LogSource {
    let kind = match &def.log_configuration {
        None => SourceKind::Elsewhere {
            driver: None,
            reason: "no log driver is configured: ECS keeps none of this container's output"
                .to_owned(),
            group: None,
        },
        Some(config) => {
            let option = |key: &str| config.options.get(key).filter(|v| !v.is_empty());
            let region = option("awslogs-region")
                .or_else(|| option("region"))
                .map_or(default_region, String::as_str)
                .to_owned();
            match config.driver.as_str() {
                "awslogs" => awslogs(
                    task,
                    def,
                    region,
                    option("awslogs-group"),
                    option("awslogs-stream-prefix"),
                ),
                "awsfirelens" => SourceKind::Elsewhere {
                    driver: Some(config.driver.clone()),
                    reason: "FireLens sends these logs through Fluent Bit, which names the \
                             streams itself"
                        .to_owned(),
                    group: option("log_group_name").map(|g| (region, g.clone())),
                },
                other => SourceKind::Elsewhere {
                    driver: Some(other.to_owned()),
                    reason: format!("logs go to the {other} log driver, not to CloudWatch Logs"),
                    group: None,
                },
            }
        }
    };
    LogSource {
        task_id: task.id.clone(),
        container: def.name.clone(),
        kind,
    }
}

fn awslogs(
    task: &Task,
    def: &ContainerDefinition,
    region: String,
    group: Option<&String>,
    prefix: Option<&String>,
) -> SourceKind {
    let driver = Some("awslogs".to_owned());
    let Some(group) = group else {
        return SourceKind::Elsewhere {
            driver,
            reason: "the awslogs driver has no awslogs-group option".to_owned(),
            group: None,
        };
    };
    if let Some(prefix) = prefix {
        return SourceKind::CloudWatch {
            region,
            group: group.clone(),
            stream: format!("{prefix}/{}/{}", def.name, task.id),
        };
    }
    // Without a prefix (EC2 only) awslogs names the stream after the Docker container id,
    // which ECS reports once the container exists.
    let runtime_id = task
        .containers
        .iter()
        .find(|c| c.name == def.name)
        .and_then(|c| c.runtime_id.clone())
        .filter(|id| !id.is_empty());
    match runtime_id {
        Some(stream) => SourceKind::CloudWatch {
            region,
            group: group.clone(),
            stream,
        },
        None => SourceKind::Elsewhere {
            driver,
            reason: "no awslogs-stream-prefix: the stream is named after the Docker container \
                     id, which ECS has not reported for this container"
                .to_owned(),
            group: Some((region, group.clone())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::TaskScope;
    use crate::logs::tail::fakes::{FakeEcs, awslogs, container, runtime, task, task_definition};

    const TD: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:3";

    fn cloudwatch(region: &str, group: &str, stream: &str) -> SourceKind {
        SourceKind::CloudWatch {
            region: region.into(),
            group: group.into(),
            stream: stream.into(),
        }
    }

    fn service(cluster: &str, service: &str) -> LogScope {
        LogScope::Service {
            cluster: cluster.into(),
            service: service.into(),
        }
    }

    #[test]
    fn stream_names_split_from_the_right() {
        assert_eq!(parse_stream("app/web/0a1b"), Some(("app", "web", "0a1b")));
        assert_eq!(
            parse_stream("team/app/web/0a1b"),
            Some(("team/app", "web", "0a1b"))
        );
        assert_eq!(parse_stream("web/0a1b"), None);
        assert_eq!(parse_stream("app//0a1b"), None);
        assert_eq!(parse_stream("3f2a9c"), None);
    }

    #[tokio::test]
    async fn every_driver_is_reported_plainly() {
        let td = task_definition(
            TD,
            vec![
                awslogs("web", "/ecs/app"),
                container(
                    "router",
                    Some("awsfirelens"),
                    &[("log_group_name", "/fl/app"), ("region", "us-east-2")],
                ),
                container("quiet", None, &[]),
                container("splunk", Some("splunk"), &[("splunk-url", "https://x")]),
                container(
                    "noprefix",
                    Some("awslogs"),
                    &[("awslogs-group", "/ecs/raw")],
                ),
                container("known", Some("awslogs"), &[("awslogs-group", "/ecs/raw")]),
                container("nogroup", Some("awslogs"), &[]),
            ],
        );
        let ecs = FakeEcs::with_task_definitions(vec![td]);
        let t = runtime(task("t1", TD, 1), "known", "f00dcafe");
        ecs.add_task(Some("api"), TaskScope::Running, t);
        let sources = resolve(
            &ecs,
            &service("prod", "api"),
            None,
            &TaskDefCache::default(),
        )
        .await
        .unwrap();
        let kinds: Vec<(&str, &SourceKind)> = sources
            .iter()
            .map(|s| (s.container.as_str(), &s.kind))
            .collect();
        assert_eq!(
            kinds[0],
            ("web", &cloudwatch("eu-west-1", "/ecs/app", "app/web/t1"))
        );
        let SourceKind::Elsewhere {
            driver,
            group,
            reason,
        } = kinds[1].1
        else {
            panic!("{kinds:?}")
        };
        assert_eq!(driver.as_deref(), Some("awsfirelens"));
        assert_eq!(group, &Some(("us-east-2".to_owned(), "/fl/app".to_owned())));
        assert!(reason.contains("FireLens"), "{reason}");
        assert!(
            matches!(
                kinds[2].1,
                SourceKind::Elsewhere {
                    driver: None,
                    group: None,
                    ..
                }
            ),
            "{kinds:?}"
        );
        let SourceKind::Elsewhere { driver, reason, .. } = kinds[3].1 else {
            panic!("{kinds:?}")
        };
        assert_eq!(driver.as_deref(), Some("splunk"));
        assert!(reason.contains("splunk"), "{reason}");
        // No prefix: the identity's region, and a picker on the group until the Docker id
        // is known.
        let SourceKind::Elsewhere { group, .. } = kinds[4].1 else {
            panic!("{kinds:?}")
        };
        assert_eq!(
            group,
            &Some(("eu-west-1".to_owned(), "/ecs/raw".to_owned()))
        );
        assert_eq!(kinds[5].1, &cloudwatch("eu-west-1", "/ecs/raw", "f00dcafe"));
        assert!(matches!(
            kinds[6].1,
            SourceKind::Elsewhere { group: None, .. }
        ));
    }

    #[tokio::test]
    async fn a_service_is_its_running_and_stopped_tasks_only() {
        let ecs = FakeEcs::with_task_definitions(vec![task_definition(
            TD,
            vec![awslogs("web", "/ecs/app")],
        )]);
        ecs.add_task(Some("api"), TaskScope::Running, task("b-running", TD, 20));
        ecs.add_task(Some("api"), TaskScope::Stopped, task("a-stopped", TD, 10));
        // Stopping between the two lists: listed twice, read once.
        ecs.add_task(Some("api"), TaskScope::Stopped, task("b-running", TD, 20));
        ecs.add_task(Some("worker"), TaskScope::Running, task("w", TD, 5));
        let cache = TaskDefCache::default();
        let sources = resolve(&ecs, &service("prod", "api"), None, &cache)
            .await
            .unwrap();
        let streams: Vec<_> = sources
            .iter()
            .filter_map(LogSource::cloudwatch)
            .map(|c| c.2)
            .collect();
        assert_eq!(streams, ["app/web/a-stopped", "app/web/b-running"]);
        // Task definitions are immutable: described once, whatever the number of tasks.
        assert_eq!(*ecs.describes.lock().unwrap(), 1);
        resolve(&ecs, &service("prod", "api"), None, &cache)
            .await
            .unwrap();
        assert_eq!(*ecs.describes.lock().unwrap(), 1);
        assert_eq!(cache.len(), 1);
    }

    #[tokio::test]
    async fn tasks_by_id_or_arn_and_containers_by_name() {
        let td = task_definition(
            TD,
            vec![awslogs("web", "/ecs/app"), awslogs("side", "/ecs/app")],
        );
        let ecs = FakeEcs::with_task_definitions(vec![td]);
        let t = task("abc123", TD, 1);
        let arn = t.arn.clone();
        ecs.add_task(None, TaskScope::Stopped, t);
        let cache = TaskDefCache::default();
        for id in ["abc123", arn.as_str()] {
            let scope = LogScope::Task {
                cluster: "prod".into(),
                task: id.into(),
            };
            let sources = resolve(&ecs, &scope, None, &cache).await.unwrap();
            assert_eq!(sources.len(), 2, "{id}");
        }
        let scope = LogScope::Container {
            cluster: "prod".into(),
            task: "abc123".into(),
            container: "side".into(),
        };
        let sources = resolve(&ecs, &scope, None, &cache).await.unwrap();
        assert_eq!(sources.len(), 1);
        assert_eq!(
            sources[0].cloudwatch(),
            Some(("eu-west-1", "/ecs/app", "app/side/abc123"))
        );

        let scope = LogScope::Container {
            cluster: "prod".into(),
            task: "abc123".into(),
            container: "nope".into(),
        };
        let e = resolve(&ecs, &scope, None, &cache).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        let scope = LogScope::Task {
            cluster: "prod".into(),
            task: "gone".into(),
        };
        let e = resolve(&ecs, &scope, None, &cache).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("gone"));
    }
}
