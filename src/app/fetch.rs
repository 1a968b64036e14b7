//! What the screen needs loaded and when: due fetches on the refresh schedule, the
//! answers landing in the store, and refresh on demand.

use super::listing::{Part, Timing};
use super::*;
use data::PartPayload;

impl App {
    /// Fetches the screen needs now: what is due on the refresh schedule, and whatever it
    /// has never loaded (even with refresh off).
    pub fn due_fetches(&mut self) -> Vec<Effect> {
        let interval = self.refresh.unwrap_or(Duration::days(36_500));
        let mut keys = self.view().data_keys();
        keys.extend(self.popup_keys());
        keys.extend(self.dialog_keys());
        keys.extend(self.revision_detail_keys());
        keys.extend(self.health_keys());
        keys.extend(self.cloudwatch_keys());
        let mut effects = Vec::new();
        // `:find` reads the names of every cluster's services, and the details of the
        // rows on screen.
        for key in self.find_keys() {
            effects.extend(self.plan_find(&key));
        }
        // `:pulse` reads every cluster's services and stopped tasks in full.
        for key in self.pulse_keys() {
            effects.extend(self.plan_list(&key));
        }
        for key in keys {
            if key.list_query().is_some() {
                effects.extend(self.plan_list(&key));
                continue;
            }
            let never_tried = self.store.get(&key).is_none();
            let interval = self.interval_for(&key, interval);
            if never_tried || (self.refresh.is_some() && self.store.due(&key, self.now, interval)) {
                effects.extend(self.fetch(key));
            }
        }
        self.note_batches(&effects);
        effects
    }

    /// The next pages and batches of the progressive list `key`: rows on screen first.
    pub(super) fn plan_list(&mut self, key: &DataKey) -> Vec<Effect> {
        let visible = self.visible_ids(key);
        let timing = Timing {
            now: self.now,
            refresh: self.refresh,
        };
        let plan = self.store.plan(key, timing, &visible);
        if !plan.is_empty() {
            self.dirty = true;
        }
        plan.into_iter()
            .map(|(part, priority)| Effect::FetchPart {
                key: key.clone(),
                part,
                priority,
            })
            .collect()
    }

    /// `:find`'s fetches for one cluster's services: names, and the rows on screen.
    fn plan_find(&mut self, key: &DataKey) -> Vec<Effect> {
        let visible = self.on_screen(self.view());
        let timing = Timing {
            now: self.now,
            refresh: self.refresh,
        };
        self.store
            .plan_names(key, timing, &visible)
            .into_iter()
            .map(|(part, priority)| Effect::FetchPart {
                key: key.clone(),
                part,
                priority,
            })
            .collect()
    }

    /// The ids of the rows `view` shows, top to bottom: from the rows last drawn, unless
    /// those were none.
    pub(super) fn on_screen(&self, view: &View) -> Vec<String> {
        let rows = self
            .last_rows(view)
            .filter(|rows| !rows.is_empty())
            .unwrap_or_else(|| self.rows(view).1);
        let selected = Self::selected_index(view, &rows);
        let window = Self::window(view.offset, selected, self.page_rows, rows.len());
        rows[window].iter().map(|r| r.id.clone()).collect()
    }

    /// The ids of the rows on screen, top to bottom, when the pane shows `key`: from the
    /// rows last built for this pane when there are some (what the screen shows until the
    /// next frame), so an answer landing does not rebuild thousands of rows to plan.
    fn visible_ids(&self, key: &DataKey) -> Vec<String> {
        let view = self.view();
        if !view.data_keys().contains(key) {
            return Vec::new();
        }
        self.on_screen(view)
    }

    /// A page or a batch of a progressive list came back: land it, keep the rows on
    /// screen where they were, and ask for what comes next at once.
    pub(super) fn on_part_loaded(
        &mut self,
        key: DataKey,
        part: Part,
        result: Result<PartPayload, BackendError>,
        at: DateTime<Utc>,
    ) -> Vec<Effect> {
        self.dirty = true;
        self.end_refreshing();
        if let Err(e) = &result {
            self.record_error(e, key.describe(), at);
        }
        let top = self.top_row(&key);
        if self.store.land_part(&key, &part, result, at) {
            self.keep_top(top);
        }
        let wanted = self.view().data_keys().contains(&key)
            || self.popup_keys().contains(&key)
            || self.dialog_keys().contains(&key)
            || self.pulse_keys().contains(&key);
        if wanted {
            self.plan_list(&key)
        } else if self.find_keys().contains(&key) {
            self.plan_find(&key)
        } else {
            Vec::new()
        }
    }

    /// The id of the top row on screen and its place, when the pane shows `key`.
    fn top_row(&self, key: &DataKey) -> Option<String> {
        let view = self.view();
        if !view.data_keys().contains(key) {
            return None;
        }
        let (_, rows) = self.rows(view);
        let selected = Self::selected_index(view, &rows);
        let window = Self::window(view.offset, selected, self.page_rows, rows.len());
        rows.get(window.start).map(|r| r.id.clone())
    }

    /// Rows were added or removed: the row that was on top stays on top (the selection
    /// follows its row by id already).
    fn keep_top(&mut self, top: Option<String>) {
        let Some(top) = top else {
            return;
        };
        let (_, rows) = self.rows(self.view());
        if let Some(i) = rows.iter().position(|r| r.id == top) {
            self.view_mut().offset = i;
        }
    }

    /// An answer ends "refreshing…": an error it brings then shows at once.
    fn end_refreshing(&mut self) {
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.in_flight == Some(InFlight::Answer))
        {
            self.status = None;
        }
    }

    /// Starts a fetch unless one is in flight, in which case it runs again when that lands.
    pub(super) fn fetch(&mut self, key: DataKey) -> Option<Effect> {
        let slot = self.store.slot_mut(&key);
        if slot.loading {
            slot.again = true;
            return None;
        }
        slot.loading = true;
        self.dirty = true;
        Some(Effect::Fetch(key))
    }

    /// Task definitions an open describe view needs.
    pub(super) fn popup_keys(&self) -> Vec<DataKey> {
        match self.popups.last() {
            Some(Popup::Revision { arn, .. }) => {
                return vec![DataKey::TaskDefDoc { arn: arn.clone() }];
            }
            Some(Popup::Diff { old, new, .. }) => {
                return vec![
                    DataKey::TaskDefDoc { arn: old.clone() },
                    DataKey::TaskDefDoc { arn: new.clone() },
                ];
            }
            _ => {}
        }
        let Some(Popup::Describe { pane, id, .. }) = self.popups.last() else {
            return Vec::new();
        };
        let arn = match pane {
            Pane::Services { cluster } => {
                let service = self
                    .store
                    .services(cluster)
                    .and_then(|s| s.iter().find(|s| &s.arn == id));
                // Why its tasks stopped, for the describe view.
                let stopped = service.map(|s| DataKey::Tasks {
                    cluster: cluster.clone(),
                    service: Some(s.name.clone()),
                    scope: TaskScope::Stopped,
                });
                let td = service.map(|s| DataKey::TaskDefinition {
                    arn: s.task_definition.clone(),
                });
                return td.into_iter().chain(stopped).collect();
            }
            Pane::Tasks { .. } => self
                .pane_tasks(pane)
                .into_iter()
                .find(|t| &t.arn == id)
                .map(|t| t.task_definition_arn.to_string()),
            _ => None,
        };
        arn.map(|arn| DataKey::TaskDefinition { arn })
            .into_iter()
            .collect()
    }

    pub(super) fn on_loaded(
        &mut self,
        key: DataKey,
        result: Result<Payload, BackendError>,
        at: DateTime<Utc>,
    ) -> Vec<Effect> {
        self.dirty = true;
        self.end_refreshing();
        if let Ok(Payload::Clusters(c)) = &result
            && self.identity.account.is_none()
        {
            self.identity.account = c
                .iter()
                .find_map(|c| arn_account(&c.arn))
                .map(str::to_string);
        }
        if let Err(e) = &result {
            self.record_error(e, key.describe(), at);
        }
        self.store.land(&key, result, at);
        let mut effects = Vec::new();
        match &key {
            DataKey::Metrics { .. } => self.forget_old_metrics(&key),
            DataKey::TaskDefDoc { arn } => effects.extend(self.on_doc_loaded(arn)),
            DataKey::Scaling { .. } => self.update_scale_warning(),
            _ => {}
        }
        let again = std::mem::take(&mut self.store.slot_mut(&key).again);
        if again && self.view().data_keys().contains(&key) {
            effects.extend(self.fetch(key));
        }
        effects
    }

    pub(super) fn refresh_now(&mut self) -> Vec<Effect> {
        let mut keys = self.view().data_keys();
        keys.extend(self.popup_keys());
        // A revision never changes: asked again only if it failed.
        keys.retain(|k| {
            !k.is_immutable()
                || self
                    .store
                    .get(k)
                    .is_some_and(|s| s.data.is_none() && s.error.is_some())
        });
        let mut effects = Vec::new();
        for key in keys {
            if self.store.force(&key, self.now) {
                effects.extend(self.plan_list(&key));
            } else {
                effects.extend(self.fetch(key));
            }
        }
        if !effects.is_empty() {
            self.busy("refreshing…", InFlight::Answer);
        }
        effects
    }

    /// For the header: when the oldest row on screen was read (progressive lists), and how
    /// far a load or a background sweep has got (`2,000 rows · 340 described`,
    /// `sweep 45%`).
    /// `None` on a pane that is not a progressive list.
    pub fn list_progress(&self) -> Option<(Option<DateTime<Utc>>, Option<String>)> {
        let mut keys: Vec<DataKey> = self
            .view()
            .data_keys()
            .into_iter()
            .filter(|k| k.list_query().is_some())
            .collect();
        keys.extend(self.find_keys());
        keys.extend(self.pulse_keys());
        if keys.is_empty() {
            return None;
        }
        let (_, rows) = self.rows(self.view());
        let view = self.view();
        let selected = Self::selected_index(view, &rows);
        let window = Self::window(view.offset, selected, self.page_rows, rows.len());
        let on_screen: Vec<String> = rows[window].iter().map(|r| r.id.clone()).collect();
        let oldest = keys
            .iter()
            .filter_map(|k| self.store.oldest_of_present(k, &on_screen))
            .min();
        let (mut rows_known, mut described, mut listing) = (0, 0, false);
        let mut sweep = (0, 0);
        for k in &keys {
            if let Some(st) = self.store.load_state(k) {
                rows_known += st.rows;
                described += st.described;
                listing |= st.listing;
                if let Some((done, total)) = st.sweep {
                    sweep = (sweep.0 + done, sweep.1 + total);
                }
            }
        }
        let find = self.view().pane == Pane::Find;
        let progress = if rows_known == 0 {
            None
        } else if find {
            // `:find` describes only what is on screen: how many names it has so far.
            listing.then(|| format!("{rows_known}+ names"))
        } else if listing || described < rows_known {
            let more = if listing { "+" } else { "" };
            Some(format!("{described}/{rows_known}{more} described"))
        } else {
            (sweep.0 * 100)
                .checked_div(sweep.1)
                .map(|pct| format!("sweep {pct}%"))
        };
        Some((oldest, progress))
    }

    /// The slots the visible pane draws from, for the header's age and loading marks
    /// (`None` for a query never started).
    pub fn visible_slots(&self) -> Vec<Option<&data::Slot>> {
        let mut keys = self.view().data_keys();
        // `:pulse` is only as good as every cluster's reads: their failures show.
        keys.extend(self.pulse_keys());
        keys.iter().map(|k| self.store.get(k)).collect()
    }
}
