//! Each pane as a table model: columns, and rows of cells with the text shown, the key
//! they sort by, and a tone the theme colours. Filtering and sorting work on this model,
//! so the UI only draws it.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::format::{age, minute, opt};
use super::listing::{Entry, Listed, Listing};
use super::shown::{EAGER_ROWS, Rows, Shown};
use crate::domain::model::{Cluster, ContainerInstance, Service, Task, arn_name};

/// How a cell or row should look; the theme maps tones to colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Normal,
    Ok,
    Warn,
    Error,
    Dim,
}

/// How a cell sorts: by its text (case-insensitively, compared only when sorting, so
/// building rows allocates nothing for it) or by a number.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Text,
    Num(i64),
}

pub(super) fn cmp_cells(a: &Cell, b: &Cell) -> Ordering {
    match (&a.sort, &b.sort) {
        (SortKey::Num(x), SortKey::Num(y)) => x.cmp(y),
        (SortKey::Text, SortKey::Text) => a
            .text
            .chars()
            .flat_map(char::to_lowercase)
            .cmp(b.text.chars().flat_map(char::to_lowercase)),
        (SortKey::Num(_), SortKey::Text) => Ordering::Less,
        (SortKey::Text, SortKey::Num(_)) => Ordering::Greater,
    }
}

/// Whether `hay` contains `needle` (already lowercase), ignoring case, without
/// allocating for ASCII text (nearly every cell).
fn contains_ci(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        let n = needle.len();
        return n == 0
            || hay
                .as_bytes()
                .windows(n)
                .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()));
    }
    hay.to_lowercase().contains(needle)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub sort: SortKey,
    pub tone: Tone,
    /// Drawn as a bar: (used, total).
    pub bar: Option<(i64, i64)>,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        let text = s.into();
        Cell {
            sort: SortKey::Text,
            text,
            tone: Tone::Normal,
            bar: None,
        }
    }

    pub fn num(n: i64) -> Cell {
        Cell {
            text: n.to_string(),
            sort: SortKey::Num(n),
            tone: Tone::Normal,
            bar: None,
        }
    }

    /// An age column: shows `3h`, sorts by the age itself (ascending: youngest first,
    /// `45s` before `3h` before `1y`), not by the text; no time sorts as the oldest.
    pub fn age(now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> Cell {
        Cell {
            text: age(now, t),
            sort: SortKey::Num(
                t.map(|t| t.timestamp_millis().saturating_neg())
                    .unwrap_or(i64::MAX),
            ),
            tone: Tone::Normal,
            bar: None,
        }
    }

    fn bar(used: i64, total: i64) -> Cell {
        let pct = if total > 0 { used * 100 / total } else { 0 };
        Cell {
            text: format!("{used}/{total}"),
            sort: SortKey::Num(pct),
            tone: match pct {
                p if p >= 90 => Tone::Error,
                p if p >= 75 => Tone::Warn,
                _ => Tone::Normal,
            },
            bar: Some((used, total)),
        }
    }

    pub fn tone(mut self, tone: Tone) -> Cell {
        self.tone = tone;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    /// The width below which the column is cut.
    pub min: u16,
    /// Whether the column takes spare width.
    pub grow: bool,
    /// Which columns a narrow terminal hides first: the lowest priority goes first (the
    /// rightmost of equals first); the first column, the row's identity, always stays.
    pub priority: u8,
}

pub(super) const fn col(title: &'static str, min: u16, grow: bool) -> Column {
    Column {
        title,
        min,
        grow,
        priority: 2,
    }
}

/// A column that is nearly always the same value (a service's ACTIVE): hidden first.
pub(super) const fn lowest(title: &'static str, min: u16, grow: bool) -> Column {
    Column {
        title,
        min,
        grow,
        priority: 0,
    }
}

/// A column of little value on a narrow terminal (always the same, or said elsewhere).
pub(super) const fn low(title: &'static str, min: u16, grow: bool) -> Column {
    Column {
        title,
        min,
        grow,
        priority: 1,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Stable identity (an ARN) so the selection survives refreshes and re-sorts.
    pub id: String,
    pub cells: Vec<Cell>,
    pub tone: Tone,
}

impl Row {
    /// Case-insensitive substring match over every cell; `needle` is already lowercase.
    pub fn matches(&self, needle: &str) -> bool {
        needle.is_empty() || self.cells.iter().any(|c| contains_ci(&c.text, needle))
    }
}

/// Sorts rows by one column, stably, so equal keys keep the pane's natural order.
pub fn sort_rows(rows: &mut [Row], column: usize, descending: bool) {
    rows.sort_by(|a, b| {
        let (Some(x), Some(y)) = (a.cells.get(column), b.cells.get(column)) else {
            return Ordering::Equal;
        };
        let o = cmp_cells(x, y);
        if descending { o.reverse() } else { o }
    });
}

fn status_tone(status: &str) -> Tone {
    match status {
        "ACTIVE" | "RUNNING" | "HEALTHY" | "COMPLETED" => Tone::Ok,
        "DRAINING" | "PENDING" | "PROVISIONING" | "ACTIVATING" | "DEACTIVATING" | "STOPPING"
        | "DEPROVISIONING" | "IN_PROGRESS" | "UNKNOWN" => Tone::Warn,
        "INACTIVE" | "STOPPED" | "UNHEALTHY" | "FAILED" | "DEREGISTERING" => Tone::Error,
        _ => Tone::Normal,
    }
}

/// Panes that are not tables.
pub const NO_COLUMNS: &[Column] = &[];

pub const CLUSTER_COLUMNS: &[Column] = &[
    col("NAME", 22, true),
    lowest("STATUS", 8, false),
    col("SERVICES", 8, false),
    col("RUNNING", 7, false),
    col("PENDING", 7, false),
    col("INSTANCES", 9, false),
    low("CAPACITY PROVIDERS", 18, true),
    // Filled in by the app: how many services need attention (`:pulse`), once known,
    // and CloudWatch's CPU and memory of the whole cluster.
    low("ATTENTION", 9, false),
    low("CPU", 10, false),
    low("MEM", 10, false),
    // CloudWatch alarms in ALARM that name the cluster or one of its services.
    low("ALARMS", 6, false),
];

pub fn cluster_rows(clusters: &[Cluster]) -> Vec<Row> {
    clusters
        .iter()
        .map(|c| Row {
            id: c.arn.clone(),
            cells: vec![
                Cell::text(&c.name),
                Cell::text(&c.status).tone(status_tone(&c.status)),
                Cell::num(c.active_services.into()),
                Cell::num(c.running_tasks.into()),
                Cell::num(c.pending_tasks.into()).tone(if c.pending_tasks > 0 {
                    Tone::Warn
                } else {
                    Tone::Normal
                }),
                Cell::num(c.registered_instances.into()),
                Cell::text(if c.capacity_providers.is_empty() {
                    "-".to_string()
                } else {
                    c.capacity_providers.join(",")
                }),
            ],
            tone: Tone::Normal,
        })
        .collect()
}

pub const SERVICE_COLUMNS: &[Column] = &[
    col("NAME", 14, true),
    lowest("STATUS", 8, false),
    col("DESIRED", 7, false),
    col("RUNNING", 7, false),
    low("PENDING", 7, false),
    col("TASK DEFINITION", 16, true),
    low("LAUNCH", 10, false),
    col("ROLLOUT", 14, false),
    // CloudWatch: the latest minute and the last hour (the app reads them for the rows on
    // screen), and the alarms in ALARM that name the service.
    col("CPU", 10, false),
    col("MEM", 10, false),
    // Healthy / total load balancer targets (the app reads them for the rows on screen).
    col("HEALTH", 6, false),
    col("ALARMS", 6, false),
    // Failed tasks of the last hour, once the cluster's stopped tasks are read.
    low("DIED", 5, false),
    low("AGE", 5, false),
];

/// `COMPLETED`, `IN_PROGRESS +1` (another deployment still active), `FAILED`.
fn rollout_label(s: &Service) -> (String, Tone) {
    let state = s
        .primary_deployment()
        .and_then(|d| d.rollout_state.clone())
        .unwrap_or_else(|| "-".to_string());
    let others = s.other_active_deployments();
    let tone = status_tone(&state);
    let tone = if others > 0 && tone == Tone::Ok {
        Tone::Warn
    } else {
        tone
    };
    if others > 0 {
        (format!("{state} +{others}"), tone)
    } else {
        (state, tone)
    }
}

/// A row whose details have not arrived yet: its name, and says so.
pub fn pending_row<T>(entry: &Entry<T>, columns: usize) -> Row {
    let mut cells = vec![Cell::text(entry.name())];
    cells.push(Cell::text("loading…").tone(Tone::Dim));
    cells.resize_with(columns.max(2), || Cell::text("…").tone(Tone::Dim));
    Row {
        id: entry.arn.clone(),
        cells,
        tone: Tone::Dim,
    }
}

/// Rows of a listing, described or still loading, in its order.
fn listing_rows<T: Listed>(
    listing: &Listing<T>,
    columns: usize,
    row: impl Fn(&T) -> Row,
) -> Vec<Row> {
    listing
        .entries()
        .iter()
        .map(|e| match &e.item {
            Some(item) => row(item),
            None => pending_row(e, columns),
        })
        .collect()
}

/// A services pane's rows; above `EAGER_ROWS` services each row's cells are built only
/// when looked at (they are rebuilt every second for the ages, so this is what keeps a
/// 2,000-service pane cheap).
pub fn service_rows(
    services: &Listing<Service>,
    now: DateTime<Utc>,
    extras: &Arc<super::metrics::ServiceExtras>,
) -> Rows {
    let columns = SERVICE_COLUMNS.len();
    if services.entries().len() <= EAGER_ROWS {
        return listing_rows(services, columns, |s| service_row(s, now, extras))
            .into_iter()
            .map(|r| Rc::new(Shown::from(r)))
            .collect();
    }
    let lazy = |e: &Entry<Service>| match &e.item {
        Some(service) => {
            let service = Arc::clone(service);
            let extras = Arc::clone(extras);
            Shown::lazy(e.arn.clone(), Tone::Normal, move || {
                service_row(&service, now, &extras)
            })
        }
        None => {
            let entry = e.clone();
            Shown::lazy(e.arn.clone(), Tone::Dim, move || {
                pending_row(&entry, columns)
            })
        }
    };
    services
        .entries()
        .iter()
        .map(|e| Rc::new(lazy(e)))
        .collect()
}

fn service_row(s: &Service, now: DateTime<Utc>, extras: &super::metrics::ServiceExtras) -> Row {
    let (rollout, rollout_tone) = rollout_label(s);
    let [cpu, memory, alarms, died] = super::metrics::service_cells(s, extras);
    let short = s.running < s.desired;
    Row {
        id: s.arn.clone(),
        cells: vec![
            Cell::text(&s.name),
            Cell::text(&s.status).tone(status_tone(&s.status)),
            Cell::num(s.desired.into()),
            Cell::num(s.running.into()).tone(if short { Tone::Warn } else { Tone::Normal }),
            Cell::num(s.pending.into()).tone(if s.pending > 0 {
                Tone::Warn
            } else {
                Tone::Normal
            }),
            Cell::text(s.task_definition_short()),
            Cell::text(s.launch_label()),
            Cell::text(rollout).tone(rollout_tone),
            cpu,
            memory,
            super::health::health_cell(s, &extras.health),
            alarms,
            died,
            Cell::age(now, s.created_at),
        ],
        tone: Tone::Normal,
    }
}

/// Services found across clusters (`:find`).
pub const FIND_COLUMNS: &[Column] = &[
    col("SERVICE", 16, true),
    col("CLUSTER", 12, true),
    col("STATUS", 8, false),
    col("DESIRED", 8, false),
    col("RUNNING", 8, false),
];

/// A service found by `:find`: its details once read (`:find` describes the rows on
/// screen).
pub fn found_row(entry: &Entry<Service>, cluster: &str) -> Row {
    let cells = match &entry.item {
        Some(s) => vec![
            Cell::text(&s.name),
            Cell::text(cluster),
            Cell::text(&s.status).tone(status_tone(&s.status)),
            Cell::num(s.desired.into()),
            Cell::num(s.running.into()).tone(if s.running < s.desired {
                Tone::Warn
            } else {
                Tone::Normal
            }),
        ],
        None => {
            let dim = |t: &str| Cell::text(t).tone(Tone::Dim);
            vec![
                Cell::text(entry.name()),
                Cell::text(cluster),
                dim("loading…"),
                dim("…"),
                dim("…"),
            ]
        }
    };
    Row {
        id: entry.arn.clone(),
        cells,
        tone: Tone::Normal,
    }
}

pub const TASK_COLUMNS: &[Column] = &[
    col("TASK", 12, true),
    col("LAST", 8, false),
    low("DESIRED", 8, false),
    col("HEALTH", 8, false),
    col("TASK DEFINITION", 14, true),
    low("LAUNCH", 7, false),
    low("AZ", 10, false),
    low("PRIVATE IP", 11, false),
    col("STARTED", 16, false),
    col("STOPPED REASON", 14, true),
];

/// The tasks of a whole cluster (or of an instance): the task's service second.
pub const CLUSTER_TASK_COLUMNS: &[Column] = &[
    col("TASK", 12, true),
    col("SERVICE", 10, true),
    col("LAST", 8, false),
    low("DESIRED", 8, false),
    col("HEALTH", 8, false),
    col("TASK DEFINITION", 14, true),
    low("LAUNCH", 7, false),
    low("AZ", 10, false),
    low("PRIVATE IP", 11, false),
    col("STARTED", 16, false),
    col("STOPPED REASON", 14, true),
];

/// A task's row on a tasks pane of the whole cluster: its service (or, for a task
/// RunTask started, its group, `family:web`) second.
pub fn cluster_task_row(task: &Task) -> Row {
    let mut row = task_row(task);
    let service = task
        .service_name()
        .map(str::to_owned)
        .or_else(|| task.group.as_ref().map(String::from))
        .unwrap_or_else(|| "-".to_string());
    row.cells.insert(1, Cell::text(service));
    row
}

/// A task's row on a service's tasks pane.
pub fn task_row(t: &Task) -> Row {
    let stopped = t.last_status == "STOPPED";
    let health = t.health.as_deref().unwrap_or("-");
    Row {
        id: t.arn.clone(),
        cells: vec![
            Cell::text(&t.id),
            Cell::text(&t.last_status).tone(status_tone(&t.last_status)),
            Cell::text(&t.desired_status),
            Cell::text(health).tone(status_tone(health)),
            Cell::text(t.task_definition_short()),
            Cell::text(opt(t.launch_type.as_deref())),
            Cell::text(opt(t.availability_zone.as_deref())),
            Cell::text(opt(t.private_ip.as_deref())),
            Cell {
                sort: SortKey::Num(
                    t.started_at
                        .map(|s| s.timestamp_millis())
                        .unwrap_or(i64::MIN),
                ),
                ..Cell::text(minute(t.started_at))
            },
            Cell::text(opt(t.stopped_reason.as_deref())).tone(if stopped {
                Tone::Error
            } else {
                Tone::Normal
            }),
        ],
        tone: task_tone(t),
    }
}

/// A task's row is dim once it stopped.
pub fn task_tone(t: &Task) -> Tone {
    if t.last_status == "STOPPED" {
        Tone::Dim
    } else {
        Tone::Normal
    }
}

pub const INSTANCE_COLUMNS: &[Column] = &[
    col("EC2 INSTANCE", 19, false),
    low("TYPE", 9, false),
    low("AZ", 10, false),
    col("STATUS", 8, false),
    col("AGENT", 5, false),
    low("AGENT VER", 9, false),
    low("DOCKER", 8, false),
    col("CPU USED", 14, true),
    col("MEMORY USED", 14, true),
    col("TASKS", 5, false),
];

/// Container instances by EC2 instance id; those still loading (known only by their
/// container instance id, which is not an EC2 id) after them, and saying so.
pub fn instance_rows(instances: &Listing<ContainerInstance>) -> Vec<Row> {
    let mut rows = listing_rows(instances, INSTANCE_COLUMNS.len(), instance_row);
    for (row, entry) in rows.iter_mut().zip(instances.entries()) {
        if entry.item.is_none() {
            row.cells[0] = Cell::text("…").tone(Tone::Dim);
        }
    }
    rows.sort_by(|a, b| {
        (a.tone == Tone::Dim)
            .cmp(&(b.tone == Tone::Dim))
            .then_with(|| a.cells[0].text.cmp(&b.cells[0].text))
    });
    rows
}

fn instance_row(i: &ContainerInstance) -> Row {
    Row {
        id: i.arn.clone(),
        cells: vec![
            Cell::text(&i.ec2_instance_id),
            Cell::text(opt(i.instance_type.as_deref())),
            Cell::text(opt(i.availability_zone.as_deref())),
            Cell::text(&i.status).tone(status_tone(&i.status)),
            Cell::text(if i.agent_connected { "yes" } else { "NO" }).tone(if i.agent_connected {
                Tone::Ok
            } else {
                Tone::Error
            }),
            Cell::text(opt(i.agent_version.as_deref())),
            Cell::text(opt(i.docker_version.as_deref())),
            Cell::bar(
                i64::from(i.cpu_registered - i.cpu_remaining),
                i.cpu_registered.into(),
            ),
            Cell::bar(
                i64::from(i.memory_registered - i.memory_remaining),
                i.memory_registered.into(),
            ),
            Cell::num(i.running_tasks.into()),
        ],
        tone: Tone::Normal,
    }
}

pub const FAMILY_COLUMNS: &[Column] = &[
    col("FAMILY", 20, true),
    col("REVISIONS", 9, false),
    col("LATEST", 20, true),
];

pub fn family_rows(families: &[crate::ops::model::Family]) -> Vec<Row> {
    families
        .iter()
        .map(|f| Row {
            id: f.name.clone(),
            cells: vec![
                Cell::text(&f.name),
                Cell::num(f.revisions.len() as i64),
                Cell::text(f.revisions.first().map_or("-", |r| arn_name(r))),
            ],
            tone: Tone::Normal,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, texts: &[&str]) -> Row {
        Row {
            id: id.into(),
            cells: texts.iter().map(|t| Cell::text(*t)).collect(),
            tone: Tone::Normal,
        }
    }

    #[test]
    fn filter_is_case_insensitive_substring_over_cells() {
        let r = row("a", &["Checkout", "ACTIVE"]);
        assert!(r.matches("check"));
        assert!(r.matches("activ"));
        assert!(!r.matches("payments"));
        assert!(r.matches(""));
    }

    #[test]
    fn ages_sort_by_the_time_youngest_first() {
        let now = chrono::Utc::now();
        let mut rows: Vec<Row> = [
            Some(now - chrono::Duration::days(400)),
            None,
            Some(now - chrono::Duration::seconds(45)),
            Some(now - chrono::Duration::hours(3)),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, t)| Row {
            id: i.to_string(),
            cells: vec![Cell::age(now, t)],
            tone: Tone::Normal,
        })
        .collect();
        sort_rows(&mut rows, 0, false);
        let shown: Vec<&str> = rows.iter().map(|r| r.cells[0].text.as_str()).collect();
        assert_eq!(shown, ["45s", "3h", "1y", "-"]);
        sort_rows(&mut rows, 0, true);
        let shown: Vec<&str> = rows.iter().map(|r| r.cells[0].text.as_str()).collect();
        assert_eq!(shown, ["-", "1y", "3h", "45s"]);
    }

    #[test]
    fn sorting_is_stable_and_reversible() {
        let mut rows = vec![row("1", &["b"]), row("2", &["a"]), row("3", &["b"])];
        sort_rows(&mut rows, 0, false);
        let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["2", "1", "3"]);
        sort_rows(&mut rows, 0, true);
        let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["1", "3", "2"]);
    }

    #[test]
    fn numbers_sort_numerically() {
        let mut rows: Vec<Row> = [10, 9, 100]
            .iter()
            .map(|n| Row {
                id: n.to_string(),
                cells: vec![Cell::num(*n)],
                tone: Tone::Normal,
            })
            .collect();
        sort_rows(&mut rows, 0, false);
        let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["9", "10", "100"]);
    }

    #[test]
    fn bars_warn_when_nearly_full() {
        assert_eq!(Cell::bar(95, 100).tone, Tone::Error);
        assert_eq!(Cell::bar(80, 100).tone, Tone::Warn);
        assert_eq!(Cell::bar(0, 0).tone, Tone::Normal);
    }

    /// A services pane of more than `EAGER_ROWS` builds no cells until a row is looked
    /// at; a smaller one builds them all.
    #[test]
    fn large_service_panes_build_cells_when_looked_at() {
        let now = chrono::Utc::now();
        let listing = |n: usize| -> Listing<Service> {
            (0..n)
                .map(|i| crate::app::tests::service("c", &format!("svc-{i:05}")))
                .collect::<Vec<_>>()
                .into()
        };
        let small = service_rows(&listing(10), now, &Default::default());
        assert!(small.iter().all(|r| r.built().is_some()));
        let large = service_rows(&listing(EAGER_ROWS + 1), now, &Default::default());
        assert_eq!(large.len(), EAGER_ROWS + 1);
        assert!(large.iter().all(|r| r.built().is_none()));
        assert_eq!(large[7].cells[0].text, "svc-00007");
        assert_eq!(large.iter().filter(|r| r.built().is_some()).count(), 1);
    }
}
