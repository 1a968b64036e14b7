//! CloudWatch in the panes: CPU and memory of the services on screen (a column each, the
//! latest value and the last hour as a sparkline), cluster totals in the clusters pane,
//! charts of one service over 1 to 24 hours in its describe view, and the alarms in
//! ALARM that name a service or cluster (target-tracking alarms apart: they fire by
//! design). Metrics are read for what is on screen (and every service in `:pulse`) once a
//! minute, their resolution; the metrics a screen already has fresh are not asked again,
//! so scrolling asks only for the rows new to it. `metrics = false` turns all of it off.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::App;
use super::Popup;
use super::data::{DataKey, Payload};
use super::describe::Line;
use super::pane::Pane;
use super::rows::{Cell, Row, SortKey, Tone};
use crate::domain::metrics::{
    Alarm, CHART_HOURS, MetricTarget, Point, QUERIES_PER_CALL, Series, latest, sparkline,
};
use crate::domain::model::{Service, arn_name};
use crate::domain::pulse::{Finding, ago};
use crate::domain::sanitize::one_line;

/// Metrics are per minute: asked once a minute at most.
pub const METRICS_REFRESH_SECS: i64 = 60;
/// Alarms change state on their own period (a minute at the shortest).
pub const ALARMS_REFRESH_SECS: i64 = 60;
/// Batches of metrics older than this are forgotten (they are refreshed long before).
const FORGET_MINUTES: i64 = 10;
/// Characters of the last hour in a CPU or memory cell.
const SPARK_WIDTH: usize = 5;
/// Scrolling brings rows one at a time: a new batch of pane metrics starts this long after
/// the last one at the soonest, with every row then on screen and not yet read.
const BATCH_GAP_SECS: i64 = 2;
/// After a batch of pane metrics failed, no new batch for this long (its own rows are
/// asked again on the refresh schedule's backoff).
const FAILED_PAUSE_SECS: i64 = 60;

/// What is known of one target's metrics.
#[derive(Debug, Clone)]
pub enum MetricState {
    /// Not read yet.
    Pending,
    /// The last read failed (`:errors` says why).
    Failed,
    Known(Arc<Series>),
    /// Read before, but the last read failed: the old series, marked.
    Stale(Arc<Series>),
}

/// What is known of the alarms.
#[derive(Debug, Clone, Default)]
pub enum AlarmsKnown {
    #[default]
    Off,
    Pending,
    Failed,
    Known(Arc<Vec<Alarm>>),
}

/// What a services pane's rows show beyond the service itself.
#[derive(Debug, Clone, Default)]
pub struct ServiceExtras {
    pub health: super::health::HealthKnown,
    /// The cluster, as the app names it.
    pub cluster: String,
    /// By service name; `None` when metrics are off.
    pub metrics: Option<HashMap<String, MetricState>>,
    pub alarms: AlarmsKnown,
    pub now: DateTime<Utc>,
    pub th: crate::domain::pulse::Thresholds,
    /// Failed tasks of the last hour by service name, once the cluster's stopped tasks
    /// are read (`:pulse` reads them, as does the cluster's tasks pane).
    pub died: Option<HashMap<String, usize>>,
}

/// A CPU or memory cell: `43% ▂▃▅▇▆▅`, loud at or above `limit`.
pub fn metric_cell(
    state: Option<&MetricState>,
    pick: fn(&Series) -> &[Point],
    now: DateTime<Utc>,
    limit: f64,
) -> Cell {
    let dim = |t: &str| Cell::text(t).tone(Tone::Dim);
    match state {
        None => dim("-"),
        Some(MetricState::Pending) => dim("…"),
        Some(MetricState::Failed) => Cell::text("?").tone(Tone::Error),
        Some(MetricState::Known(series) | MetricState::Stale(series)) => {
            let stale = matches!(state, Some(MetricState::Stale(_)));
            let points = pick(series);
            let Some(value) = latest(points, now) else {
                // No point in the last minutes: no task ran to report one, or (after a
                // failed read) nothing is known of now.
                return if stale {
                    Cell::text("?").tone(Tone::Error)
                } else {
                    dim("-")
                };
            };
            let spark = sparkline(points, now, SPARK_WIDTH);
            // The last read failed: the value is the one before, marked `?`.
            let mark = if stale { "?" } else { " " };
            Cell {
                text: format!("{:>3.0}%{mark}{spark}", value),
                sort: SortKey::Num((value * 10.0) as i64),
                tone: if stale {
                    Tone::Warn
                } else if value >= limit {
                    Tone::Error
                } else {
                    Tone::Normal
                },
                bar: None,
            }
        }
    }
}

fn cpu(s: &Series) -> &[Point] {
    &s.cpu
}

fn memory(s: &Series) -> &[Point] {
    &s.memory
}

/// The alarms that name a service, apart: (its own, target tracking's).
pub fn service_alarms<'a>(
    alarms: &'a [Alarm],
    cluster: &str,
    s: &Service,
) -> (Vec<&'a Alarm>, Vec<&'a Alarm>) {
    alarms
        .iter()
        .filter(|a| a.names_service(cluster, &s.name, super::health::target_groups(s)))
        .partition(|a| !a.is_scaling())
}

/// The ALARMS cell: how many of the service's own alarms fire (`(2)` dimmed when only
/// target tracking's do).
pub fn alarm_cell(alarms: &AlarmsKnown, cluster: &str, s: &Service) -> Cell {
    match alarms {
        AlarmsKnown::Known(all) => {
            let (own, scaling) = service_alarms(all, cluster, s);
            counted_alarms(own.len(), scaling.len())
        }
        other => alarms_unknown(other),
    }
}

/// The ALARMS cell while the alarms are not known: `-` when off, `…` until read, `?`
/// when they could not be read.
fn alarms_unknown(alarms: &AlarmsKnown) -> Cell {
    match alarms {
        AlarmsKnown::Pending => Cell::text("…").tone(Tone::Dim),
        AlarmsKnown::Failed => Cell::text("?").tone(Tone::Error),
        AlarmsKnown::Off | AlarmsKnown::Known(_) => Cell::text("-").tone(Tone::Dim),
    }
}

/// `⚠ 2` for alarms of one's own, `(1)` dimmed for target tracking's only, `-` for none.
fn counted_alarms(own: usize, scaling: usize) -> Cell {
    let (text, tone) = match (own, scaling) {
        (0, 0) => ("-".to_owned(), Tone::Dim),
        (0, n) => (format!("({n})"), Tone::Dim),
        (n, _) => (format!("⚠ {n}"), Tone::Error),
    };
    Cell {
        text,
        sort: SortKey::Num((own * 1000 + scaling) as i64),
        tone,
        bar: None,
    }
}

/// The cells a services row adds: CPU, memory, alarms and tasks died.
pub fn service_cells(s: &Service, x: &ServiceExtras) -> [Cell; 4] {
    let state = x
        .metrics
        .as_ref()
        .map(|m| m.get(&s.name).unwrap_or(&MetricState::Pending));
    let died = x
        .died
        .as_ref()
        .map(|d| d.get(&s.name).copied().unwrap_or(0));
    [
        metric_cell(state, cpu, x.now, x.th.cpu_percent),
        metric_cell(state, memory, x.now, x.th.memory_percent),
        alarm_cell(&x.alarms, &x.cluster, s),
        died_cell(died, x.th.deaths),
    ]
}

/// The DIED cell: failed tasks of the last hour (`✗ 4`, loud from `deaths`), `-` for none,
/// empty until the cluster's stopped tasks are read.
fn died_cell(died: Option<usize>, deaths: usize) -> Cell {
    match died {
        None => Cell::text("").tone(Tone::Dim),
        Some(0) => Cell {
            sort: SortKey::Num(0),
            ..Cell::text("-").tone(Tone::Dim)
        },
        Some(n) => Cell {
            sort: SortKey::Num(n as i64),
            ..Cell::text(format!("✗ {n}")).tone(if n >= deaths.max(1) {
                Tone::Error
            } else {
                Tone::Warn
            })
        },
    }
}

/// A slot's metrics, when it is the pane's kind (an hour, no task counts).
fn pane_batch(key: &DataKey) -> Option<&[MetricTarget]> {
    match key {
        DataKey::Metrics {
            targets,
            hours: 1,
            counts: false,
        } => Some(targets),
        _ => None,
    }
}

/// What the app knows of one target, over every batch that asked for it.
#[derive(Debug, Default)]
struct Known {
    series: Option<(DateTime<Utc>, Arc<Series>)>,
    /// In flight, or fresh enough not to ask again.
    covered: bool,
    /// When the newest attempt was, and whether it failed.
    last: Option<(DateTime<Utc>, bool)>,
}

impl Known {
    fn failed(&self) -> bool {
        self.last.is_some_and(|(_, failed)| failed)
    }

    fn state(&self) -> MetricState {
        match (&self.series, self.failed()) {
            (Some((_, s)), false) => MetricState::Known(Arc::clone(s)),
            (Some((_, s)), true) => MetricState::Stale(Arc::clone(s)),
            (None, true) => MetricState::Failed,
            (None, false) => MetricState::Pending,
        }
    }
}

/// The chart of a describe view: the series once read, and for how many hours.
pub struct Chart {
    pub hours: u32,
    pub state: MetricState,
}

impl App {
    fn metrics_interval(&self) -> Duration {
        Duration::seconds(METRICS_REFRESH_SECS)
    }

    /// Every target's freshest series (an hour, as the panes show), and whether it is
    /// being read or fresh enough.
    fn metrics_index(&self) -> HashMap<&MetricTarget, Known> {
        let mut index: HashMap<&MetricTarget, Known> = HashMap::new();
        for (key, slot) in self.store.slots() {
            let Some(targets) = pane_batch(key) else {
                continue;
            };
            let covered = slot.loading || !self.store.due(key, self.now, self.metrics_interval());
            let data = match (&slot.data, slot.fetched_at) {
                (Some(Payload::Metrics(map)), Some(at)) => Some((map, at)),
                _ => None,
            };
            let tried = self.store.last_tried(key);
            for t in targets {
                let known = index.entry(t).or_default();
                known.covered |= covered;
                if let Some(at) = tried
                    && known.last.is_none_or(|(seen, _)| seen < at)
                {
                    known.last = Some((at, slot.error.is_some()));
                }
                if let Some((map, at)) = data
                    && let Some(series) = map.get(t)
                    && known.series.as_ref().is_none_or(|(seen, _)| *seen < at)
                {
                    known.series = Some((at, Arc::clone(series)));
                }
            }
        }
        index
    }

    /// The state of each of `targets`.
    fn metric_states<'a>(
        &self,
        targets: impl IntoIterator<Item = &'a MetricTarget>,
    ) -> Vec<MetricState> {
        let index = self.metrics_index();
        targets
            .into_iter()
            .map(|t| index.get(t).map_or(MetricState::Pending, Known::state))
            .collect()
    }

    /// The metric targets the screen shows: the services or clusters on screen, or every
    /// service `:pulse` has read.
    fn wanted_metrics(&self) -> Vec<MetricTarget> {
        let view = self.view();
        match &view.pane {
            Pane::Services { cluster } => self
                .on_screen(view)
                .iter()
                .map(|id| MetricTarget::service(cluster, arn_name(id)))
                .collect(),
            Pane::Clusters => {
                let Some(clusters) = self.store.clusters() else {
                    return Vec::new();
                };
                self.on_screen(view)
                    .iter()
                    .filter_map(|id| clusters.iter().find(|c| &c.arn == id))
                    .map(|c| MetricTarget::cluster(&self.cluster_key(c)))
                    .collect()
            }
            // Every service's name (the lists, not the describes), once every cluster's
            // list is read: the whole estate in as few calls as 500 metrics allow,
            // rather than a batch for each cluster as its list comes in.
            Pane::Pulse => {
                let Some(clusters) = self.store.clusters() else {
                    return Vec::new();
                };
                let mut out = Vec::new();
                for c in clusters.iter() {
                    let key = self.cluster_key(c);
                    let list = DataKey::Services {
                        cluster: key.clone(),
                    };
                    let listed = self.store.load_state(&list).is_some_and(|s| !s.listing);
                    let failed = self.store.get(&list).is_some_and(|s| s.error.is_some());
                    match self.store.services(&key) {
                        Some(services) if listed || failed => out.extend(
                            services
                                .entries()
                                .iter()
                                .map(|e| MetricTarget::service(&key, e.name())),
                        ),
                        _ if failed => {}
                        _ => return Vec::new(),
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// How many of the metric targets the screen shows are not read yet (none failed
    /// either): 0 once every row has its CPU and memory, or metrics are off.
    pub fn metrics_missing(&self) -> usize {
        if !self.cloudwatch {
            return 0;
        }
        let index = self.metrics_index();
        self.wanted_metrics()
            .iter()
            .filter(|t| {
                index
                    .get(t)
                    .is_none_or(|k| k.series.is_none() && !k.failed())
            })
            .count()
    }

    /// The metrics and alarms to read now: batches of the wanted targets not fresh and
    /// not in flight (at most 500 metrics a batch, whatever their cluster), the describe view's
    /// chart, and the alarms where a pane shows them.
    pub(super) fn cloudwatch_keys(&self) -> Vec<DataKey> {
        if !self.cloudwatch {
            return Vec::new();
        }
        let mut keys = Vec::new();
        let wanted = self.wanted_metrics();
        if !wanted.is_empty() && self.may_start_batch() {
            let index = self.metrics_index();
            let missing: BTreeSet<&MetricTarget> = wanted
                .iter()
                .filter(|t| !index.get(t).is_some_and(|k| k.covered))
                .collect();
            // Across clusters: 500 metrics a call whatever their cluster (the backend
            // splits a batch by region).
            let missing: Vec<MetricTarget> = missing.into_iter().cloned().collect();
            for chunk in missing.chunks(QUERIES_PER_CALL / 2) {
                keys.push(DataKey::Metrics {
                    targets: chunk.to_vec(),
                    hours: 1,
                    counts: false,
                });
            }
        }
        keys.extend(self.chart_key());
        let shows_alarms = matches!(
            self.view().pane,
            Pane::Clusters | Pane::Services { .. } | Pane::Pulse
        ) || self.chart_key().is_some();
        if shows_alarms {
            keys.push(DataKey::Alarms);
        }
        keys
    }

    /// Whether a new batch of pane metrics may start now: none in flight, none started in
    /// the last `BATCH_GAP_SECS` (scrolling gathers its rows), none failed in the last
    /// `FAILED_PAUSE_SECS` (a throttled CloudWatch is not asked again at once).
    fn may_start_batch(&self) -> bool {
        let gap = Duration::seconds(BATCH_GAP_SECS);
        let pause = Duration::seconds(FAILED_PAUSE_SECS);
        if self.metrics_batch_at.is_some_and(|at| self.now - at < gap) {
            return false;
        }
        !self.store.slots().any(|(key, slot)| {
            pane_batch(key).is_some()
                && (slot.loading
                    || (slot.error.is_some()
                        && self
                            .store
                            .last_tried(key)
                            .is_some_and(|at| self.now - at < pause)))
        })
    }

    /// Notes the pane batches among `effects` (for `may_start_batch`).
    pub(super) fn note_batches(&mut self, effects: &[super::Effect]) {
        if effects
            .iter()
            .any(|e| matches!(e, super::Effect::Fetch(key) if pane_batch(key).is_some()))
        {
            self.metrics_batch_at = Some(self.now);
        }
    }

    /// Forgets batches of pane metrics that a newer answered batch covers, or that were
    /// last tried long ago. A failed batch is kept while recent: it is what keeps its rows
    /// from being asked again at once.
    pub(super) fn forget_old_metrics(&mut self, landed: &DataKey) {
        let Some(fresh) = pane_batch(landed) else {
            return;
        };
        let answered = self.store.get(landed).is_some_and(|s| s.error.is_none());
        let old = self.now - Duration::minutes(FORGET_MINUTES);
        let stale: Vec<DataKey> = self
            .store
            .slots()
            .filter(|(key, slot)| {
                *key != landed
                    && !slot.loading
                    && pane_batch(key).is_some_and(|targets| {
                        (answered && targets.iter().all(|t| fresh.contains(t)))
                            || self.store.last_tried(key).is_none_or(|at| at < old)
                    })
            })
            .map(|(key, _)| key.clone())
            .collect();
        for key in stale {
            self.store.forget(&key);
        }
    }

    /// What the services rows of `cluster` add.
    pub(super) fn service_extras(&self, cluster: &str) -> Arc<ServiceExtras> {
        let metrics = self.cloudwatch.then(|| {
            let wanted: Vec<MetricTarget> = self
                .store
                .services(cluster)
                .map(|l| {
                    l.shared()
                        .map(|s| MetricTarget::service(cluster, &s.name))
                        .collect()
                })
                .unwrap_or_default();
            let index = self.metrics_index();
            wanted
                .into_iter()
                .filter_map(|t| {
                    let state = index.get(&t)?.state();
                    Some((t.service.unwrap_or_default(), state))
                })
                .collect()
        });
        let died = self
            .store
            .tasks(cluster, None, crate::domain::model::TaskScope::Stopped)
            .map(|list| {
                let mut by: HashMap<String, usize> = HashMap::new();
                let hour = self.now - Duration::hours(1);
                for t in list.iter() {
                    let recent = t.stopped_at.or(t.stopping_at).is_none_or(|at| at >= hour);
                    if let Some(name) = t.service_name()
                        && recent
                        && crate::domain::pulse::cause_of(t).1
                    {
                        *by.entry(name.to_owned()).or_default() += 1;
                    }
                }
                by
            });
        Arc::new(ServiceExtras {
            health: (*self.health_known()).clone(),
            cluster: cluster.to_owned(),
            metrics,
            alarms: self.alarms_known(),
            now: self.now,
            th: self.pulse,
            died,
        })
    }

    pub(super) fn alarms_known(&self) -> AlarmsKnown {
        if !self.cloudwatch {
            return AlarmsKnown::Off;
        }
        match self.store.get(&DataKey::Alarms) {
            Some(slot) => match (&slot.data, &slot.error) {
                (Some(Payload::Alarms(a)), _) => AlarmsKnown::Known(Arc::clone(a)),
                (None, Some(_)) => AlarmsKnown::Failed,
                _ => AlarmsKnown::Pending,
            },
            None => AlarmsKnown::Pending,
        }
    }

    /// The clusters pane's ALARMS cell: alarms in ALARM that name the cluster or one of
    /// its services (target tracking's apart, dimmed).
    fn cluster_alarm_cell(&self, alarms: &AlarmsKnown, cluster: &str) -> Cell {
        let AlarmsKnown::Known(all) = alarms else {
            return alarms_unknown(alarms);
        };
        let (own, scaling): (Vec<&Alarm>, Vec<&Alarm>) = all
            .iter()
            .filter(|a| a.in_cluster(cluster))
            .partition(|a| !a.is_scaling());
        counted_alarms(own.len(), scaling.len())
    }

    /// The clusters pane's CPU and MEM cells (cluster totals).
    pub(super) fn with_cluster_metrics(&self, mut rows: Vec<Row>) -> Vec<Row> {
        let clusters = self.store.clusters();
        let targets: Vec<Option<MetricTarget>> = rows
            .iter()
            .map(|row| {
                clusters
                    .and_then(|all| all.iter().find(|c| c.arn == row.id))
                    .map(|c| MetricTarget::cluster(&self.cluster_key(c)))
            })
            .collect();
        let states = self.metric_states(targets.iter().flatten());
        let mut states = states.into_iter();
        let alarms = self.alarms_known();
        for (row, target) in rows.iter_mut().zip(&targets) {
            let state = match target {
                Some(_) => states.next(),
                None => None,
            };
            let state = if self.cloudwatch { state } else { None };
            row.cells.push(metric_cell(
                state.as_ref(),
                cpu,
                self.now,
                self.pulse.cpu_percent,
            ));
            row.cells.push(metric_cell(
                state.as_ref(),
                memory,
                self.now,
                self.pulse.memory_percent,
            ));
            row.cells.push(match target {
                Some(t) => self.cluster_alarm_cell(&alarms, &t.cluster),
                None => Cell::text("-").tone(Tone::Dim),
            });
        }
        rows
    }

    /// The service a describe view shows, with its cluster.
    fn described_service(&self) -> Option<(String, String)> {
        let Some(Popup::Describe {
            pane: Pane::Services { cluster },
            id,
            ..
        }) = self.popups.last()
        else {
            return None;
        };
        Some((cluster.clone(), arn_name(id).to_owned()))
    }

    /// The describe view's chart query: the service, its task counts, over `chart_hours`.
    fn chart_key(&self) -> Option<DataKey> {
        if !self.cloudwatch {
            return None;
        }
        let (cluster, service) = self.described_service()?;
        Some(DataKey::Metrics {
            targets: vec![MetricTarget::service(&cluster, &service)],
            hours: self.chart_hours,
            counts: true,
        })
    }

    /// The chart of the service described, `None` without one (not a service, or metrics
    /// off).
    pub fn chart(&self) -> Option<Chart> {
        let key = self.chart_key()?;
        let DataKey::Metrics { targets, .. } = &key else {
            return None;
        };
        let state = match self.store.get(&key) {
            Some(slot) => match (&slot.data, &slot.error) {
                (Some(Payload::Metrics(map)), error) => {
                    map.get(&targets[0])
                        .map_or(MetricState::Pending, |s| match error {
                            None => MetricState::Known(Arc::clone(s)),
                            Some(_) => MetricState::Stale(Arc::clone(s)),
                        })
                }
                (None, Some(_)) => MetricState::Failed,
                _ => MetricState::Pending,
            },
            None => MetricState::Pending,
        };
        Some(Chart {
            hours: self.chart_hours,
            state,
        })
    }

    /// `+` and `-` on a service's describe view: the next longer or shorter chart.
    pub(super) fn chart_longer(&mut self, longer: bool) -> bool {
        if self.chart_key().is_none() {
            return false;
        }
        let at = CHART_HOURS
            .iter()
            .position(|h| *h == self.chart_hours)
            .unwrap_or(0);
        let next = if longer {
            (at + 1).min(CHART_HOURS.len() - 1)
        } else {
            at.saturating_sub(1)
        };
        self.chart_hours = CHART_HOURS[next];
        self.dirty = true;
        true
    }

    /// The describe view's alarms section: the service's own alarms in ALARM with why,
    /// then target tracking's (which fire by design).
    pub(super) fn alarm_lines(&self, cluster: &str, s: &Service) -> Vec<Line> {
        self.alarm_section("none of the service's own", |a| {
            a.names_service(cluster, &s.name, super::health::target_groups(s))
        })
    }

    /// The cluster's describe view: the alarms that name it or one of its services.
    pub(super) fn cluster_alarm_lines(&self, cluster: &str) -> Vec<Line> {
        self.alarm_section("none in this cluster", |a| a.in_cluster(cluster))
    }

    /// The alarms in ALARM that `pick` takes, own first, then target tracking's.
    fn alarm_section(&self, none: &str, pick: impl Fn(&Alarm) -> bool) -> Vec<Line> {
        let all = match self.alarms_known() {
            AlarmsKnown::Off => return Vec::new(),
            AlarmsKnown::Pending => {
                return vec![Line::heading("Alarms"), Line::field(2, "", "reading…")];
            }
            AlarmsKnown::Failed => {
                let why = self
                    .store
                    .get(&DataKey::Alarms)
                    .and_then(|slot| slot.error.as_ref())
                    .map(|e| e.message.clone())
                    .unwrap_or_default();
                return vec![
                    Line::heading("Alarms"),
                    Line {
                        tone: Tone::Error,
                        ..Line::field(2, "", format!("could not be read: {why}"))
                    },
                ];
            }
            AlarmsKnown::Known(all) => all,
        };
        let (own, scaling): (Vec<&Alarm>, Vec<&Alarm>) = all
            .iter()
            .filter(|a| pick(a))
            .partition(|a| !a.is_scaling());
        let mut out = vec![Line::heading("Alarms in ALARM")];
        if own.is_empty() {
            out.push(Line::field(2, "", none));
        }
        let since = |a: &Alarm| {
            a.since
                .map(|t| format!(" (for {})", ago(self.now - t)))
                .unwrap_or_default()
        };
        for a in &own {
            out.push(Line {
                tone: Tone::Error,
                ..Line::field(
                    2,
                    &one_line(&a.name),
                    format!("{}{}", one_line(&a.metric), since(a)),
                )
            });
            out.push(Line::field(4, "", one_line(&a.reason)));
        }
        if !scaling.is_empty() {
            out.push(Line::field(
                2,
                "",
                "target tracking (these fire by design when the service needs scaling):",
            ));
            for a in &scaling {
                out.push(Line {
                    tone: Tone::Dim,
                    ..Line::field(
                        4,
                        &one_line(&a.name),
                        format!("{}{}", one_line(&a.reason), since(a)),
                    )
                });
            }
        }
        out
    }

    /// CloudWatch's findings for `s` of `cluster`, for `:pulse`.
    pub(super) fn cloudwatch_findings(
        &self,
        cluster: &str,
        s: &Service,
        index_series: Option<&Series>,
    ) -> Vec<Finding> {
        let alarms = match self.alarms_known() {
            AlarmsKnown::Known(a) => a,
            _ => Arc::new(Vec::new()),
        };
        let (own, _) = service_alarms(&alarms, cluster, s);
        crate::domain::pulse::cloudwatch_findings(&own, index_series, self.now, &self.pulse)
    }

    /// The pane metrics known of `cluster`'s services, by name.
    pub(super) fn series_by_service(&self, cluster: &str) -> HashMap<String, Arc<Series>> {
        if !self.cloudwatch {
            return HashMap::new();
        }
        self.metrics_index()
            .into_iter()
            .filter(|(t, _)| t.cluster == cluster)
            .filter_map(|(t, k)| Some((t.service.clone()?, k.series?.1)))
            .collect()
    }
}
