//! The table panes and the navigation stack: rows built from the store (filtered,
//! sorted, remembered until their inputs change), selection, sorting, drilling in and
//! going back.

use std::collections::HashMap;
use std::sync::Arc;

use super::shown::{EAGER_ROWS, Rows, Shown, sort_shown};
use super::*;
use crate::domain::model::{Task, cluster_label};

/// What the remembered rows were built from.
#[derive(Debug, PartialEq)]
pub(super) struct RowsKey {
    pane: Pane,
    filter: String,
    sort: Option<(usize, bool)>,
    show_stopped: bool,
    /// The versions of the answers the pane draws from (0: none). Not the answers
    /// themselves: holding them would make each change to a progressive list copy it.
    data: Vec<u64>,
    /// Ages on screen change with the second.
    second: i64,
}

pub(super) type RowsMemo = Option<(RowsKey, &'static [Column], Rc<Rows>)>;

/// Task rows kept between rebuilds, by the task's address (the task is held, so the
/// address cannot be reused while kept) and whether the row has a SERVICE column.
pub(super) type TaskRowCache = HashMap<(usize, bool), (Arc<Task>, Rc<Shown>)>;

impl App {
    pub(super) fn selected_service_for_scaling(&self) -> Option<(String, String)> {
        let Pane::Services { cluster } = &self.view().pane else {
            return None;
        };
        let row = self.selected_row()?;
        let name = self
            .store
            .services(cluster)?
            .iter()
            .find(|s| s.arn == row.id)?
            .name
            .clone();
        Some((cluster.clone(), name))
    }

    /// The rows on screen: the pane's data, filtered and sorted.
    /// The rows on screen: the pane's data, filtered and sorted. Remembered until the
    /// data, the filter, the sort or (for ages) the second changes, so keypresses and
    /// frames on a large pane do not rebuild thousands of rows each time.
    pub fn rows(&self, view: &View) -> (&'static [Column], Rc<Rows>) {
        let key = self.rows_key(view);
        if let Some(memo) = self.rows_memo.borrow().as_ref()
            && memo.0 == key
        {
            return (memo.1, memo.2.clone());
        }
        let (columns, rows) = self.build_rows(view);
        let rows = Rc::new(rows);
        *self.rows_memo.borrow_mut() = Some((key, columns, rows.clone()));
        (columns, rows)
    }

    /// The rows last built for `view`'s pane, filter and sort, even if data has landed
    /// since.
    pub(super) fn last_rows(&self, view: &View) -> Option<Rc<Rows>> {
        let memo = self.rows_memo.borrow();
        let (key, _, rows) = memo.as_ref()?;
        (key.pane == view.pane
            && key.filter == view.filter
            && key.sort == view.sort
            && key.show_stopped == view.show_stopped)
            .then(|| rows.clone())
    }

    pub(super) fn rows_key(&self, view: &View) -> RowsKey {
        let mut data: Vec<u64> = view
            .data_keys()
            .iter()
            .map(|k| {
                self.store
                    .get(k)
                    .filter(|s| s.data.is_some())
                    .map_or(0, |s| s.version)
            })
            .collect();
        match view.pane {
            Pane::Forwards => data.push(self.forwards_version),
            Pane::Profiles | Pane::Regions => data.push(self.places_version),
            // What needs attention reads every cluster's services and stopped tasks; the
            // services rows read target health, metrics and alarms.
            Pane::Pulse | Pane::Clusters | Pane::Services { .. } => {
                data.push(self.store.generation())
            }
            _ => {}
        }
        RowsKey {
            pane: view.pane.clone(),
            filter: view.filter.clone(),
            sort: view.sort,
            show_stopped: view.show_stopped,
            data,
            second: match view.pane {
                // Their ages move with the clock.
                Pane::Services { .. } | Pane::Forwards | Pane::Pulse => self.now.timestamp(),
                // Revision rows also read the services and the revisions' details; found
                // services read every cluster's.
                Pane::Revisions { .. } | Pane::Find => {
                    i64::try_from(self.store.generation()).unwrap_or(0)
                }
                _ => 0,
            },
        }
    }

    pub(super) fn build_rows(&self, view: &View) -> (&'static [Column], Rows) {
        let shared = |rows: Vec<Row>| -> Rows {
            rows.into_iter().map(|r| Rc::new(Shown::from(r))).collect()
        };
        let (columns, mut rows): (&'static [Column], Rows) = match &view.pane {
            Pane::Clusters if self.identity.spans_regions() => (
                super::regions::CLUSTER_REGION_COLUMNS,
                shared(
                    self.with_cluster_metrics(
                        self.with_attention(
                            self.store
                                .clusters()
                                .map(|c| super::regions::cluster_region_rows(c))
                                .unwrap_or_default(),
                        ),
                    ),
                ),
            ),
            Pane::Clusters => (
                rows::CLUSTER_COLUMNS,
                shared(
                    self.with_cluster_metrics(
                        self.with_attention(
                            self.store
                                .clusters()
                                .map(|c| rows::cluster_rows(c))
                                .unwrap_or_default(),
                        ),
                    ),
                ),
            ),
            Pane::Services { cluster } => (
                rows::SERVICE_COLUMNS,
                self.store
                    .services(cluster)
                    .map(|s| rows::service_rows(s, self.now, &self.service_extras(cluster)))
                    .unwrap_or_default(),
            ),
            Pane::Tasks { service, .. } => {
                let mut tasks = self.pane_tasks(&view.pane);
                if !view.show_stopped {
                    tasks.retain(|t| t.last_status != "STOPPED");
                }
                // Across services, each task says which one it belongs to.
                let across = service.is_none();
                let columns = if across {
                    rows::CLUSTER_TASK_COLUMNS
                } else {
                    rows::TASK_COLUMNS
                };
                let mut rows = self.task_rows(&tasks, across);
                // Tasks listed whose details have not arrived yet (an instance's tasks
                // are told apart by their details).
                let whole = matches!(view.pane, Pane::Tasks { instance: None, .. });
                rows.extend(
                    self.pane_task_listings(&view.pane)
                        .filter(|_| whole)
                        .flat_map(|l| l.entries().iter())
                        .filter(|e| e.item.is_none())
                        .map(|e| Rc::new(Shown::from(rows::pending_row(e, columns.len())))),
                );
                (columns, rows)
            }
            Pane::Instances { cluster } => (
                rows::INSTANCE_COLUMNS,
                shared(
                    self.store
                        .instances(cluster)
                        .map(|i| rows::instance_rows(i))
                        .unwrap_or_default(),
                ),
            ),
            // Drawn from `self.log`, not as a table.
            Pane::Logs { .. } => (rows::NO_COLUMNS, Rows::new()),
            Pane::Families => (
                rows::FAMILY_COLUMNS,
                shared(
                    self.store
                        .families()
                        .map(|f| rows::family_rows(f))
                        .unwrap_or_default(),
                ),
            ),
            Pane::Revisions { family } => (
                revisions::REVISION_COLUMNS,
                shared(self.revision_rows(family)),
            ),
            // Drawn from the followed service, not as a table.
            Pane::Rollout { .. } => (rows::NO_COLUMNS, Rows::new()),
            Pane::Scaling { cluster, service } => {
                let (columns, rows) = self.scaling_rows(cluster, service);
                (columns, shared(rows))
            }
            Pane::Find => (rows::FIND_COLUMNS, shared(self.found_rows())),
            Pane::Pulse => (super::pulse::PULSE_COLUMNS, shared(self.pulse_rows())),
            Pane::Forwards => (
                super::forwards::FORWARD_COLUMNS,
                shared(self.forward_rows()),
            ),
            Pane::Profiles => (
                super::switch::PROFILE_COLUMNS,
                shared(self.place_rows(&view.pane)),
            ),
            Pane::Regions => (
                super::switch::REGION_COLUMNS,
                shared(self.place_rows(&view.pane)),
            ),
        };
        if !view.filter.is_empty() {
            rows.retain(|r| r.matches(&view.filter));
        }
        if let Some((column, descending)) = view.sort {
            sort_shown(&mut rows, column, descending);
        }
        (columns, rows)
    }

    /// The rows of `tasks`, reusing the row of each task already drawn; the cache then
    /// holds these tasks' rows and no others. Up to `EAGER_ROWS` tasks the cells are built
    /// at once (columns fit every row); above, only when looked at (columns fit the rows
    /// drawn), so 10,000 tasks cost their ids and not 110,000 cells.
    fn task_rows(&self, tasks: &[&Arc<Task>], across: bool) -> Rows {
        let eager = tasks.len() <= EAGER_ROWS;
        let mut cache = self.task_row_cache.borrow_mut();
        let mut kept = TaskRowCache::with_capacity(tasks.len());
        let rows = tasks
            .iter()
            .map(|task| {
                let key = (Arc::as_ptr(task) as usize, across);
                let row = match cache.remove(&key) {
                    Some((_, row)) => row,
                    None => {
                        let task = Arc::clone(task);
                        let (id, tone) = (task.arn.clone(), rows::task_tone(&task));
                        let make = move || {
                            if across {
                                rows::cluster_task_row(&task)
                            } else {
                                rows::task_row(&task)
                            }
                        };
                        Rc::new(if eager {
                            Shown::from(make())
                        } else {
                            Shown::lazy(id, tone, make)
                        })
                    }
                };
                kept.insert(key, (Arc::clone(task), Rc::clone(&row)));
                row
            })
            .collect();
        *cache = kept;
        rows
    }

    /// The task lists a tasks pane draws from (running, then stopped).
    fn pane_task_listings(
        &self,
        pane: &Pane,
    ) -> impl Iterator<Item = &std::sync::Arc<super::listing::Listing<crate::domain::model::Task>>>
    {
        let (cluster, service) = match pane {
            Pane::Tasks {
                cluster, service, ..
            } => (Some(cluster), service.as_deref()),
            _ => (None, None),
        };
        [TaskScope::Running, TaskScope::Stopped]
            .into_iter()
            .filter_map(move |scope| self.store.tasks(cluster?, service, scope))
    }

    /// A tasks pane's tasks: running ones first, then recently stopped ones, each newest
    /// first. A task that stopped between the two lists is shown once, as stopped.
    pub(super) fn pane_tasks(&self, pane: &Pane) -> Vec<&Arc<Task>> {
        let Pane::Tasks {
            cluster,
            service,
            instance,
        } = pane
        else {
            return Vec::new();
        };
        let list = |scope| {
            let mut t: Vec<&Arc<Task>> = self
                .store
                .tasks(cluster, service.as_deref(), scope)
                .map(|t| t.shared().collect())
                .unwrap_or_default();
            t.sort_by_key(|t| std::cmp::Reverse(t.started_at));
            t
        };
        let stopped = list(TaskScope::Stopped);
        let stopped_arns: std::collections::HashSet<&str> =
            stopped.iter().map(|t| t.arn.as_str()).collect();
        let mut tasks = list(TaskScope::Running);
        tasks.retain(|t| !stopped_arns.contains(t.arn.as_str()));
        tasks.extend(stopped);
        if let Some(instance) = instance {
            tasks.retain(|t| t.container_instance_arn.as_deref() == Some(instance.as_str()));
        }
        tasks
    }

    /// The rows a table of `height` shows, from `offset` moved just enough to keep the
    /// selected row in view.
    pub fn window(
        offset: usize,
        selected: usize,
        height: usize,
        total: usize,
    ) -> std::ops::Range<usize> {
        let height = height.max(1);
        let mut offset = offset.min(total.saturating_sub(1));
        if selected < offset {
            offset = selected;
        } else if selected >= offset + height {
            offset = selected + 1 - height;
        }
        offset..(offset + height).min(total)
    }

    /// The index of the selected row among `rows`.
    pub fn selected_index(view: &View, rows: &[Rc<Shown>]) -> usize {
        view.selected_id
            .as_ref()
            .and_then(|id| rows.iter().position(|r| &r.id == id))
            .unwrap_or(view.selected)
            .min(rows.len().saturating_sub(1))
    }

    pub(super) fn selected_row(&self) -> Option<Rc<Shown>> {
        let (_, rows) = self.rows(self.view());
        let i = Self::selected_index(self.view(), &rows);
        rows.get(i).cloned()
    }

    pub(super) fn move_selection(&mut self, delta: isize) {
        let (_, rows) = self.rows(self.view());
        if rows.is_empty() {
            return;
        }
        let current = Self::selected_index(self.view(), &rows) as isize;
        let last = rows.len() as isize - 1;
        let next = (current.saturating_add(delta)).clamp(0, last) as usize;
        let page = self.page_rows.max(1);
        let v = self.view_mut();
        v.selected = next;
        v.selected_id = Some(rows[next].id.clone());
        if next < v.offset {
            v.offset = next;
        } else if next >= v.offset + page {
            v.offset = next + 1 - page;
        }
    }

    pub(super) fn select_first(&mut self) {
        let v = self.view_mut();
        v.selected = 0;
        v.selected_id = None;
        v.offset = 0;
        self.move_selection(0);
    }

    pub(super) fn sort_by(&mut self, column: usize) {
        let columns = self.rows(self.view()).0;
        let Some(title) = columns.get(column).map(|c| c.title) else {
            self.say(format!("this pane has {} columns", columns.len()), true);
            return;
        };
        let v = self.view_mut();
        let descending = matches!(v.sort, Some((c, false)) if c == column);
        v.sort = Some((column, descending));
        let arrow = if descending { "↓" } else { "↑" };
        self.say(format!("sorted by {title} {arrow}"), false);
    }

    /// Where the pane is, for the header: an instance's tasks are named by the instance's
    /// EC2 id once it is known (as the instances pane names it), else its id.
    pub fn crumbs(&self) -> Vec<String> {
        let pane = &self.view().pane;
        let mut crumbs = pane.crumbs();
        if let Pane::Tasks {
            cluster,
            instance: Some(instance),
            service: None,
        } = pane
            && let Some(ec2) = self
                .store
                .instances(cluster)
                .and_then(|l| l.get(instance))
                .and_then(|e| e.item.as_ref())
                .map(|i| i.ec2_instance_id.clone())
                .filter(|id| !id.is_empty())
            && let Some(c) = crumbs.get_mut(1)
        {
            *c = ec2;
        }
        crumbs
    }

    /// The cluster the user means: the pane's own, or the selected row on the clusters pane.
    pub(super) fn selected_cluster(&mut self) -> Option<String> {
        if let Some(c) = self.view().pane.cluster() {
            return Some(c.to_string());
        }
        let row = self.selected_row();
        let name = row.and_then(|r| {
            r.cells
                .first()
                .map(|c| self.cluster_key_of_row(&r.id, &c.text))
        });
        if name.is_none() {
            self.say("no cluster selected (none loaded yet?)", true);
        }
        name
    }

    pub(super) fn push(&mut self, pane: Pane) {
        self.forget_pane_notes();
        self.stack.push(View::new(pane));
    }

    pub(super) fn open(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        let name = row
            .cells
            .first()
            .map(|c| c.text.clone())
            .unwrap_or_default();
        match self.view().pane.clone() {
            Pane::Clusters => {
                let cluster = self.cluster_key_of_row(&row.id, &name);
                self.push(Pane::Services { cluster });
            }
            Pane::Services { cluster } => self.push(Pane::Tasks {
                cluster,
                service: Some(name),
                instance: None,
            }),
            // An instance's tasks, as k9s lists a node's pods.
            Pane::Instances { cluster } => self.push(Pane::Tasks {
                cluster,
                service: None,
                instance: Some(row.id.clone()),
            }),
            // Tasks have nothing below them: describe instead.
            Pane::Tasks { .. } => self.describe(),
            Pane::Logs { .. } | Pane::Rollout { .. } => {}
            Pane::Families => self.push(Pane::Revisions { family: name }),
            Pane::Revisions { .. } => self.popups.push(Popup::Revision {
                arn: row.id.clone(),
                scroll: 0,
            }),
            Pane::Scaling { .. } => return self.run_scaling(Command::Open),
            Pane::Forwards => self.forward_details(),
            Pane::Profiles | Pane::Regions => return self.switch_to_row(),
            Pane::Find | Pane::Pulse => {
                let cluster = self.row_cluster(&row);
                self.push(Pane::Tasks {
                    cluster,
                    service: Some(name),
                    instance: None,
                });
            }
        }
        Vec::new()
    }

    /// The services keys `:find` reads: every cluster's, names only.
    pub(super) fn find_keys(&self) -> Vec<DataKey> {
        if self.view().pane != Pane::Find {
            return Vec::new();
        }
        self.store
            .clusters()
            .map(|all| {
                all.iter()
                    .map(|c| DataKey::Services {
                        cluster: self.cluster_key(c),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every service known of every cluster, by name, with its cluster.
    fn found_rows(&self) -> Vec<Row> {
        let Some(clusters) = self.store.clusters() else {
            return Vec::new();
        };
        clusters
            .iter()
            .filter_map(|c| self.store.services(&self.cluster_key(c)).map(|s| (c, s)))
            .flat_map(|(c, services)| {
                let label = cluster_label(&self.cluster_key(c));
                services
                    .entries()
                    .iter()
                    .map(move |e| rows::found_row(e, &label))
            })
            .collect()
    }

    pub(super) fn describe(&mut self) {
        if let Some(row) = self.selected_row() {
            // A service found across clusters is described as its cluster's pane would.
            let pane = match self.view().pane {
                Pane::Find | Pane::Pulse => Pane::Services {
                    cluster: self.row_cluster(&row),
                },
                ref other => other.clone(),
            };
            self.popups.push(Popup::Describe {
                pane,
                id: row.id.clone(),
                scroll: 0,
            });
        }
    }

    /// Esc: the topmost popup first, then a kept filter, then one level back.
    pub(super) fn back(&mut self) {
        if self.popups.pop().is_some() {
            return;
        }
        if !self.view().filter.is_empty() {
            self.view_mut().filter.clear();
            return;
        }
        if self.stack.len() > 1 {
            self.forget_pane_notes();
            self.stack.pop();
        }
    }
}
