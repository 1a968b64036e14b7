//! The panes of the estate and the per-pane view state kept on the navigation stack.

use super::data::DataKey;
use super::keymap::Scope;
use crate::domain::model::{TaskScope, cluster_label};
use crate::logs::source::LogScope;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pane {
    Clusters,
    Services {
        cluster: String,
    },
    /// Every task of the cluster, of one service, or on one container instance.
    Tasks {
        cluster: String,
        service: Option<String>,
        /// Only the tasks placed on this container instance (its ARN), as k9s lists a
        /// node's pods.
        instance: Option<String>,
    },
    Instances {
        cluster: String,
    },
    /// Live logs of a service, task or container.
    Logs {
        scope: LogScope,
    },
    /// Task definition families (`:taskdefs`).
    Families,
    /// One family's revisions, newest first.
    Revisions {
        family: String,
    },
    /// A deployment followed to its end.
    Rollout {
        cluster: String,
        service: String,
        deployment_id: String,
        /// The task definition the deployment rolls out (kept: the deployment leaves the
        /// service's list once replaced or rolled back).
        to: String,
        /// The task definition the service ran before (what `b` rolls back to).
        previous: String,
        /// When the rollout started: events from then on are shown.
        since: chrono::DateTime<chrono::Utc>,
    },
    /// A service's Application Auto Scaling.
    Scaling {
        cluster: String,
        service: String,
    },
    /// Services of every cluster of the region, found by name (`:find`; the view's
    /// filter is the name typed).
    /// The services that need attention now, across every cluster (`:pulse`).
    Pulse,
    Find,
    /// The port forwards started from the dashboard (`:forwards`).
    Forwards,
    /// The profiles to switch to (`:profile`).
    Profiles,
    /// The regions to switch to (`:region`).
    Regions,
}

impl Pane {
    pub fn scopes(&self) -> &'static [Scope] {
        match self {
            Pane::Clusters => &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Clusters],
            Pane::Services { .. } => &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Services],
            Pane::Tasks { .. } => &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Tasks],
            Pane::Instances { .. } => {
                &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Instances]
            }
            Pane::Logs { .. } => &[Scope::Global, Scope::Scroll, Scope::Logs],
            Pane::Families => &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Families],
            Pane::Revisions { .. } => {
                &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Revisions]
            }
            Pane::Rollout { .. } => &[Scope::Global, Scope::Scroll, Scope::Rollout],
            Pane::Scaling { .. } => &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Scaling],
            Pane::Find | Pane::Pulse | Pane::Profiles => {
                &[Scope::Global, Scope::Scroll, Scope::Table]
            }
            Pane::Regions => &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Regions],
            Pane::Forwards => &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Forwards],
        }
    }

    pub fn cluster(&self) -> Option<&str> {
        match self {
            Pane::Clusters
            | Pane::Families
            | Pane::Revisions { .. }
            | Pane::Find
            | Pane::Pulse
            | Pane::Forwards
            | Pane::Profiles
            | Pane::Regions => None,
            Pane::Services { cluster }
            | Pane::Tasks { cluster, .. }
            | Pane::Instances { cluster }
            | Pane::Rollout { cluster, .. }
            | Pane::Scaling { cluster, .. } => Some(cluster),
            Pane::Logs { scope } => scope.cluster(),
        }
    }

    /// The queries this pane draws from.
    pub fn data_keys(&self, show_stopped: bool) -> Vec<DataKey> {
        match self {
            Pane::Clusters => vec![DataKey::Clusters],
            Pane::Services { cluster } => vec![DataKey::Services {
                cluster: cluster.clone(),
            }],
            Pane::Tasks {
                cluster, service, ..
            } => {
                let key = |scope| DataKey::Tasks {
                    cluster: cluster.clone(),
                    service: service.clone(),
                    scope,
                };
                let mut keys = vec![key(TaskScope::Running)];
                if show_stopped {
                    keys.push(key(TaskScope::Stopped));
                }
                keys
            }
            Pane::Instances { cluster } => vec![DataKey::Instances {
                cluster: cluster.clone(),
            }],
            // The tail engine feeds a logs pane, the runtime the forwards: nothing to poll.
            Pane::Logs { .. } | Pane::Forwards | Pane::Profiles | Pane::Regions => Vec::new(),
            Pane::Families => vec![DataKey::Families],
            // And the names of every cluster's services (`App::find_keys`).
            Pane::Find | Pane::Pulse => vec![DataKey::Clusters],
            Pane::Revisions { family } => vec![DataKey::Family {
                name: family.clone(),
            }],
            Pane::Rollout {
                cluster, service, ..
            } => vec![DataKey::Service {
                cluster: cluster.clone(),
                service: service.clone(),
            }],
            Pane::Scaling { cluster, service } => vec![DataKey::Scaling {
                cluster: cluster.clone(),
                service: service.clone(),
            }],
        }
    }

    /// Where this pane sits in the estate, as breadcrumb parts.
    pub fn crumbs(&self) -> Vec<String> {
        match self {
            Pane::Clusters => vec!["clusters".into()],
            Pane::Services { cluster } => vec![cluster_label(cluster), "services".into()],
            Pane::Tasks {
                cluster,
                service: Some(s),
                ..
            } => vec![cluster_label(cluster), s.clone(), "tasks".into()],
            Pane::Tasks {
                cluster,
                service: None,
                instance: Some(i),
            } => vec![
                cluster_label(cluster),
                crate::domain::model::arn_name(i).to_string(),
                "tasks".into(),
            ],
            Pane::Tasks {
                cluster,
                service: None,
                instance: None,
            } => vec![cluster_label(cluster), "tasks".into()],
            Pane::Instances { cluster } => {
                vec![cluster_label(cluster), "container instances".into()]
            }
            Pane::Logs { scope } => match scope {
                LogScope::Service { cluster, service } => {
                    vec![cluster_label(cluster), service.clone(), "logs".into()]
                }
                LogScope::Task { cluster, task } | LogScope::Container { cluster, task, .. } => {
                    vec![
                        cluster_label(cluster),
                        super::logs::short_id(task).to_string(),
                        "logs".into(),
                    ]
                }
                LogScope::Streams { group, .. } => vec![group.clone(), "logs".into()],
            },
            Pane::Families => vec!["task definitions".into()],
            Pane::Find => vec!["find".into()],
            Pane::Pulse => vec!["pulse".into()],
            Pane::Forwards => vec!["port forwards".into()],
            Pane::Profiles => vec!["profiles".into()],
            Pane::Regions => vec!["regions".into()],
            Pane::Revisions { family } => vec!["task definitions".into(), family.clone()],
            Pane::Rollout {
                cluster, service, ..
            } => vec![cluster_label(cluster), service.clone(), "rollout".into()],
            Pane::Scaling { cluster, service } => {
                vec![
                    cluster_label(cluster),
                    service.clone(),
                    "auto scaling".into(),
                ]
            }
        }
    }

    pub fn noun(&self) -> &'static str {
        match self {
            Pane::Clusters => "clusters",
            Pane::Services { .. } => "services",
            Pane::Tasks { .. } => "tasks",
            Pane::Instances { .. } => "container instances",
            Pane::Logs { .. } => "logs",
            Pane::Families => "task definition families",
            Pane::Find => "services found",
            Pane::Pulse => "services needing attention",
            Pane::Forwards => "port forwards",
            Pane::Profiles => "profiles",
            Pane::Regions => "regions",
            Pane::Revisions { .. } => "revisions",
            Pane::Rollout { .. } => "rollout",
            Pane::Scaling { .. } => "auto scaling",
        }
    }
}

/// A pane on the navigation stack with its own selection, sort and filter, so going back
/// returns to the row the user left.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub pane: Pane,
    /// The selected row's id (ARN): selection follows the row across refreshes.
    pub selected_id: Option<String>,
    /// The selected index, used when the selected row disappears.
    pub selected: usize,
    pub offset: usize,
    /// Sort column and whether descending; `None` keeps the pane's natural order.
    pub sort: Option<(usize, bool)>,
    /// Lowercase filter text; empty shows every row.
    pub filter: String,
    pub show_stopped: bool,
}

impl View {
    pub fn new(pane: Pane) -> View {
        View {
            pane,
            selected_id: None,
            selected: 0,
            offset: 0,
            sort: None,
            filter: String::new(),
            show_stopped: true,
        }
    }

    pub fn data_keys(&self) -> Vec<DataKey> {
        self.pane.data_keys(self.show_stopped)
    }
}
