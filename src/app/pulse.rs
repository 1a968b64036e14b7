//! `:pulse`: the services that need attention now, across every cluster, most urgent
//! first, each with its reason in a few words (running below desired, a rollout failed
//! or stuck, tasks dying repeatedly, unhealthy targets, alarms firing, CPU or memory
//! above a threshold). It reads every cluster's services and recently
//! stopped tasks, through the same budgeted progressive lists as the panes; the clusters
//! pane counts what needs attention in each cluster whose services are known.

use std::collections::HashMap;
use std::sync::Arc;

use super::App;
use super::data::DataKey;
use super::pane::Pane;
use super::rows::{self, Cell, Column, Row, Tone};
use crate::domain::model::{Service, Task, TaskScope, cluster_label};
use crate::domain::pulse::{self, Finding};

/// WHY is the point: CLUSTER and RUNNING give way first on a narrow terminal.
pub const PULSE_COLUMNS: &[Column] = &[
    rows::col("SERVICE", 14, true),
    rows::lowest("CLUSTER", 12, true),
    rows::low("RUNNING", 7, false),
    rows::col("WHY", 16, true),
];

impl App {
    /// What `:pulse` reads: every cluster's services and stopped tasks.
    pub(super) fn pulse_keys(&self) -> Vec<DataKey> {
        if self.view().pane != Pane::Pulse {
            return Vec::new();
        }
        let Some(clusters) = self.store.clusters() else {
            return Vec::new();
        };
        clusters
            .iter()
            .flat_map(|c| {
                let cluster = self.cluster_key(c);
                [
                    DataKey::Services {
                        cluster: cluster.clone(),
                    },
                    DataKey::Tasks {
                        cluster,
                        service: None,
                        scope: TaskScope::Stopped,
                    },
                ]
            })
            .collect()
    }

    /// The stopped tasks known of `cluster`, by service name.
    fn stopped_by_service(&self, cluster: &str) -> HashMap<&str, Vec<&Task>> {
        let mut by: HashMap<&str, Vec<&Task>> = HashMap::new();
        if let Some(list) = self.store.tasks(cluster, None, TaskScope::Stopped) {
            for t in list.iter() {
                if let Some(name) = t.service_name() {
                    by.entry(name).or_default().push(t);
                }
            }
        }
        by
    }

    /// Each described service of `cluster` that needs attention, with why.
    fn findings(&self, cluster: &str) -> Vec<(&Arc<Service>, Vec<Finding>)> {
        let Some(services) = self.store.services(cluster) else {
            return Vec::new();
        };
        let stopped = self.stopped_by_service(cluster);
        let series = self.series_by_service(cluster);
        services
            .shared()
            .filter_map(|s| {
                let dead = stopped.get(s.name.as_str()).map_or(&[][..], Vec::as_slice);
                let health = self.store.health_of(super::health::target_groups(s));
                let mut found = pulse::assess(s, dead, health, self.now, &self.pulse);
                let metrics = series.get(&s.name).map(|s| s.as_ref());
                found.extend(self.cloudwatch_findings(cluster, s, metrics));
                found.sort_by_key(|f| f.urgency);
                (!found.is_empty()).then_some((s, found))
            })
            .collect()
    }

    /// Whether `cluster`'s services are all described and its stopped tasks listed, as
    /// last read (`None`: not yet, or a read failed: a count would say too little).
    fn read_in_full(&self, cluster: &str) -> Option<bool> {
        let keys = [
            DataKey::Services {
                cluster: cluster.to_owned(),
            },
            DataKey::Tasks {
                cluster: cluster.to_owned(),
                service: None,
                scope: TaskScope::Stopped,
            },
        ];
        for key in &keys {
            let slot = self.store.get(key)?;
            if slot.error.is_some() {
                return Some(false);
            }
            let state = self.store.load_state(key)?;
            if state.listing || state.described < state.rows {
                return None;
            }
        }
        Some(true)
    }

    /// Whether `:pulse` has read every cluster in full at least once.
    pub fn pulse_loading(&self) -> bool {
        self.store.clusters().is_none_or(|all| {
            all.iter()
                .any(|c| self.read_in_full(&self.cluster_key(c)).is_none())
        })
    }

    /// How many services of `cluster` need attention: `None` until its services and
    /// stopped tasks are read in full, `Err` when a read failed.
    pub(super) fn attention(&self, cluster: &str) -> Option<Result<usize, ()>> {
        match self.read_in_full(cluster)? {
            true => Some(Ok(self.findings(cluster).len())),
            false => Some(Err(())),
        }
    }

    /// The `:pulse` rows: most urgent first, then by cluster and name.
    pub(super) fn pulse_rows(&self) -> Vec<Row> {
        let Some(clusters) = self.store.clusters() else {
            return Vec::new();
        };
        let mut found: Vec<(u8, Row)> = Vec::new();
        for c in clusters.iter() {
            let key = self.cluster_key(c);
            let label = cluster_label(&key);
            for (s, findings) in self.findings(&key) {
                let urgency = findings.first().map_or(u8::MAX, |f| f.urgency);
                let why: Vec<&str> = findings.iter().map(|f| f.reason.as_str()).collect();
                let tone = if urgency <= 1 {
                    Tone::Error
                } else {
                    Tone::Warn
                };
                found.push((
                    urgency,
                    Row {
                        id: s.arn.clone(),
                        cells: vec![
                            Cell::text(&s.name),
                            Cell::text(label.clone()),
                            Cell::text(format!("{}/{}", s.running, s.desired)),
                            Cell::text(why.join("; ")),
                        ],
                        tone,
                    },
                ));
            }
        }
        found.sort_by(|(ua, a), (ub, b)| {
            ua.cmp(ub)
                .then_with(|| a.cells[1].text.cmp(&b.cells[1].text))
                .then_with(|| a.cells[0].text.cmp(&b.cells[0].text))
        });
        found.into_iter().map(|(_, row)| row).collect()
    }

    /// The clusters pane's ATTENTION cells: the count where the services are known.
    pub(super) fn with_attention(&self, mut rows: Vec<Row>) -> Vec<Row> {
        let Some(clusters) = self.store.clusters() else {
            return rows;
        };
        for row in &mut rows {
            let count = clusters
                .iter()
                .find(|c| c.arn == row.id)
                .and_then(|c| self.attention(&self.cluster_key(c)));
            row.cells.push(match count {
                None => Cell::text("-").tone(Tone::Dim),
                // A read failed (`:errors` says which): no count rather than a wrong 0.
                Some(Err(())) => Cell::text("?").tone(Tone::Error),
                Some(Ok(0)) => Cell::num(0),
                Some(Ok(n)) => Cell::num(n as i64).tone(Tone::Warn),
            });
        }
        rows
    }

    /// Why the service's recently stopped tasks stopped, for its describe view: one line
    /// per cause with how many and when the last one did.
    pub(super) fn death_lines(&self, cluster: &str, service: &str) -> Option<Vec<String>> {
        let list = self
            .store
            .tasks(cluster, Some(service), TaskScope::Stopped)?;
        // By the task's group: some endpoints ignore ListTasks' serviceName.
        let causes = pulse::causes(list.iter().filter(|t| t.service_name() == Some(service)));
        let mut lines = Vec::new();
        if causes.is_empty() {
            lines.push(
                "no task stopped in the last hour (ECS keeps stopped tasks about an hour)".into(),
            );
        }
        for c in causes {
            let when = c
                .last
                .map(|t| format!(", last {} ago", pulse::ago(self.now - t)))
                .unwrap_or_default();
            let mark = if c.failure { "✗" } else { "·" };
            lines.push(format!("{mark} {} × {}{when}", c.count, c.text));
        }
        Some(lines)
    }
}
