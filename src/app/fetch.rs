//! What the screen needs loaded and when: due fetches on the refresh schedule, the
//! answers landing in the store, and refresh on demand.

use super::*;

impl App {
    /// Fetches the screen needs now: what is due on the refresh schedule, and whatever it
    /// has never loaded (even with refresh off).
    pub fn due_fetches(&mut self) -> Vec<Effect> {
        let interval = self.refresh.unwrap_or(Duration::days(36_500));
        let mut keys = self.view().data_keys();
        keys.extend(self.popup_keys());
        keys.extend(self.dialog_keys());
        keys.extend(self.revision_detail_keys());
        let mut effects = Vec::new();
        for key in keys {
            let never_tried = self.store.get(&key).is_none();
            let interval = self.interval_for(&key, interval);
            if never_tried || (self.refresh.is_some() && self.store.due(&key, self.now, interval)) {
                effects.extend(self.fetch(key));
            }
        }
        effects
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
            Pane::Services { cluster } => self
                .store
                .services(cluster)
                .and_then(|s| s.iter().find(|s| &s.arn == id))
                .map(|s| s.task_definition.clone()),
            Pane::Tasks { .. } => self
                .pane_tasks(pane)
                .into_iter()
                .find(|t| &t.arn == id)
                .map(|t| t.task_definition_arn.clone()),
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
        // An answer ends "refreshing…": an error it brings then shows at once.
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.in_flight == Some(InFlight::Answer))
        {
            self.status = None;
        }
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
        let effects: Vec<Effect> = keys.into_iter().filter_map(|k| self.fetch(k)).collect();
        if !effects.is_empty() {
            self.busy("refreshing…", InFlight::Answer);
        }
        effects
    }

    /// The slots the visible pane draws from, for the header's age and loading marks
    /// (`None` for a query never started).
    pub fn visible_slots(&self) -> Vec<Option<&data::Slot>> {
        self.view()
            .data_keys()
            .iter()
            .map(|k| self.store.get(k))
            .collect()
    }
}
