//! The confirmation every change passes through: what it shows (where, as whom, each
//! change old to new), its keys, and `y` (`confirm_yes`), the only key that sends
//! anything.

use crossterm::event::KeyEvent;

use super::Dialog;
use crate::app::data::DataKey;
use crate::app::form::{After, Confirm};
use crate::app::keymap::{Command, place};
use crate::app::{App, Effect};
use crate::ops::Mutation;
use crate::ops::plan::NEW_REVISION;

impl App {
    /// The confirmation for `plan`: where, as whom, and every change old to new.
    pub(in crate::app) fn confirmation(
        &self,
        title: String,
        plan: Vec<Mutation>,
        warnings: Vec<String>,
        after: After,
    ) -> Confirm {
        let id = &self.identity;
        // Where the plan lands: across regions, its cluster's region (its ARN says).
        let mut regions: Vec<String> = Vec::new();
        for m in &plan {
            let r = id.region_of(m.place());
            if !regions.contains(&r) {
                regions.push(r);
            }
        }
        let mut context = vec![format!(
            "profile {} · region {} · account {}",
            id.profile,
            if regions.is_empty() {
                id.region.clone()
            } else {
                regions.join(", ")
            },
            id.account.as_deref().unwrap_or("unknown")
        )];
        if let Some(endpoint) = &id.endpoint {
            context.push(format!("endpoint {endpoint}"));
        }
        let mut targets: Vec<String> = Vec::new();
        let mut changes = Vec::new();
        for m in &plan {
            let t = m.target();
            if !targets.contains(&t) {
                targets.push(t);
            }
            changes.extend(m.changes());
        }
        context.extend(targets);
        Confirm {
            title,
            context,
            changes,
            warnings,
            diff: Vec::new(),
            diff_loading: false,
            scroll: 0,
            plan,
            after,
        }
    }

    /// Opens the confirmation for `plan`.
    pub(in crate::app) fn confirm(
        &mut self,
        title: String,
        plan: Vec<Mutation>,
        warnings: Vec<String>,
        after: After,
    ) {
        let c = self.confirmation(title, plan, warnings, after);
        self.open_dialog(Dialog::Confirm(c));
    }

    /// Keys in a confirmation: `confirm_yes` (y) sends the plan, `confirm_no` (n, Esc, q)
    /// cancels, the arrows and pages (a screenful) scroll the diff.
    pub(super) fn confirm_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let page = u16::try_from(self.page_rows).unwrap_or(u16::MAX);
        let command = self.keymap.lookup(&key, place::CONFIRM);
        let Some(Dialog::Confirm(c)) = self.dialog_mut() else {
            return Vec::new();
        };
        match command {
            Some(Command::ConfirmYes) => {
                let c = c.clone();
                self.close_dialog();
                // A confirmed edit is done with: close the editor under it too.
                if matches!(c.after, After::Registered { .. })
                    && matches!(self.dialog(), Some(Dialog::Editor(_)))
                {
                    self.popups.pop();
                }
                return self.send(c.plan, c.after);
            }
            Some(Command::ConfirmNo) => {
                self.close_dialog();
                self.say("cancelled: nothing was changed", false);
            }
            Some(Command::Down) => c.scroll = c.scroll.saturating_add(1),
            Some(Command::Up) => c.scroll = c.scroll.saturating_sub(1),
            Some(Command::PageDown) => c.scroll = c.scroll.saturating_add(page),
            Some(Command::PageUp) => c.scroll = c.scroll.saturating_sub(page),
            _ => {}
        }
        Vec::new()
    }
}

/// The revisions a confirmation's deploy steps diff, which it needs loaded (a revision
/// still to be registered is not one).
pub(super) fn diff_keys(c: &Confirm) -> Vec<DataKey> {
    let mut keys = Vec::new();
    for m in &c.plan {
        if let Mutation::Deploy { from, to, .. } = m {
            for arn in [from, to] {
                if arn != NEW_REVISION {
                    keys.push(DataKey::TaskDefDoc { arn: arn.clone() });
                }
            }
        }
    }
    keys
}

/// The JSON a confirmation registers (its first RegisterTaskDefinition step).
pub(in crate::app) fn confirm_json(c: &Confirm) -> serde_json::Value {
    c.plan
        .iter()
        .find_map(|m| match m {
            Mutation::RegisterTaskDefinition { json, .. } => Some(json.clone()),
            _ => None,
        })
        .unwrap_or_default()
}
