//! Another profile or region without leaving: `:profile` and `:region` list what the AWS
//! config files and the built-in region list offer (a table: `/` filters as you type,
//! Enter switches), `:profile NAME` and `:region NAME` switch at once. The runtime builds
//! the new backends; on success everything of the old identity is dropped (data, logs,
//! what `u` would undo) and the panes that still make sense are loaded again from the new
//! account. On failure nothing changes and the status line says why.

use super::pane::Pane;
use super::rows::{Cell, Column, Row, Tone, col, low};
use super::{App, Effect};
use crate::domain::Identity;
use crate::domain::places::Places;

/// What a switch settled on.
#[derive(Debug, Clone, PartialEq)]
pub struct Switched {
    pub identity: Identity,
    pub read_only: bool,
    /// The header's colour for the profile (the config's `colour`).
    pub colour: Option<String>,
}

pub const PROFILE_COLUMNS: &[Column] = &[
    col("PROFILE", 12, true),
    col("KIND", 11, false),
    col("REGION", 10, false),
    low("READ-ONLY", 9, false),
    col("IN USE", 6, false),
];

pub const REGION_COLUMNS: &[Column] = &[
    col("REGION", 14, true),
    low("IN FILES", 8, false),
    col("IN USE", 6, false),
    col("MARKED", 6, false),
];

impl App {
    /// `:profile` / `:region` without a name: the list, read from the files once.
    pub(in crate::app) fn open_places(&mut self, pane: Pane) -> Vec<Effect> {
        self.popups.clear();
        if self.view().pane != pane {
            self.push(pane);
        }
        if self.places.is_some() {
            return Vec::new();
        }
        self.say("reading the AWS config files…", false);
        vec![Effect::LoadPlaces]
    }

    pub(in crate::app) fn on_places(&mut self, result: Result<Places, String>) -> Vec<Effect> {
        self.dirty = true;
        self.places_version += 1;
        match result {
            Ok(places) => {
                self.places = Some(places);
                match self.view().pane {
                    Pane::Profiles => {
                        self.say("Enter switches to the selected row; / filters", false)
                    }
                    Pane::Regions => self.say(
                        "Enter switches to the selected row; m marks several to span them all; / filters",
                        false,
                    ),
                    _ => {}
                }
            }
            Err(e) => self.say_failure("read the AWS config", e),
        }
        Vec::new()
    }

    /// Switches to `profile` (in its own region) or to `region` (with the profile in
    /// use; none named stays none named).
    pub(in crate::app) fn switch_to(
        &mut self,
        profile: Option<String>,
        region: Option<String>,
    ) -> Vec<Effect> {
        if self.switching.is_some() {
            self.say("a switch is already under way", true);
            return Vec::new();
        }
        let (what, already, profile) = match (profile, &region) {
            (Some(p), _) => (format!("profile {p}"), p == self.identity.profile, Some(p)),
            (None, Some(r)) => (
                format!("region {r}"),
                *r == self.identity.regions_list(),
                self.named_profile(),
            ),
            (None, None) => return Vec::new(),
        };
        if already {
            self.say(format!("already on {what}"), false);
            return Vec::new();
        }
        self.say(format!("switching to {what}…"), false);
        self.switching = Some(what);
        self.pending_switch = Some((profile.clone(), region.clone()));
        vec![Effect::Switch {
            profile,
            region,
            mfa_code: None,
        }]
    }

    /// The switch under way needs an MFA code of `serial`: the prompt asks for it (Esc
    /// gives the switch up; nothing has changed yet).
    pub(in crate::app) fn ask_mfa(&mut self, serial: String, why: Option<String>) -> Vec<Effect> {
        self.dirty = true;
        if self.pending_switch.is_none() {
            return Vec::new();
        }
        self.popups.clear();
        let mut prompt = super::input::Input::new(super::input::InputKind::MfaCode, "");
        // The device, short: `mfa/oncall` of `arn:aws:iam::123456789012:mfa/oncall`.
        let device = serial.rsplit(':').next().unwrap_or(&serial);
        let again = if why.is_some() { ", again" } else { "" };
        prompt.label = Some(format!(
            "MFA code for {}{again}: ",
            crate::domain::sanitize::one_line(device)
        ));
        self.input = Some(prompt);
        // The prompt covers the status line: what AWS said goes to the error history.
        if let Some(why) = why {
            self.say_failure("switch", why);
        }
        Vec::new()
    }

    /// Enter on the MFA prompt: a code of the right shape tries the switch again with
    /// it; anything else keeps the prompt open and says why.
    pub(in crate::app) fn submit_mfa(&mut self, text: &str) -> Result<Vec<Effect>, String> {
        let code = match crate::domain::places::check_mfa_code(text) {
            Ok(code) => code,
            Err(why) => {
                // Said in the prompt itself: the status line is under it.
                if let Some(input) = &mut self.input {
                    input.label = Some("MFA code, 6 digits: ".into());
                }
                return Err(why);
            }
        };
        let Some((profile, region)) = self.pending_switch.clone() else {
            return Ok(Vec::new());
        };
        self.input = None;
        self.say("checking the MFA code…", false);
        Ok(vec![Effect::Switch {
            profile,
            region,
            mfa_code: Some(code),
        }])
    }

    /// Esc on the MFA prompt: the switch is given up and nothing changes.
    pub(in crate::app) fn cancel_mfa(&mut self) {
        self.pending_switch = None;
        // Whatever the prompt said wrong is over.
        self.status = None;
        if let Some(what) = self.switching.take() {
            self.say(format!("no switch to {what}: no MFA code given"), false);
        }
    }

    /// Enter on a `:profile` or `:region` row.
    pub(in crate::app) fn switch_to_row(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        if let Some(name) = row.id.strip_prefix("profile:") {
            return self.switch_to(Some(name.to_string()), None);
        }
        if row.id.starts_with("region:") && !self.marked_regions.is_empty() {
            // The marked regions, in the list's order.
            let marked = self.marked_regions.join(",");
            return self.switch_to(None, Some(marked));
        }
        if let Some(name) = row.id.strip_prefix("region:") {
            return self.switch_to(None, Some(name.to_string()));
        }
        Vec::new()
    }

    /// `m` on a `:region` row: marks it, or unmarks it. Enter then switches to every
    /// marked region at once.
    pub(in crate::app) fn mark_region(&mut self) {
        let Some(region) = self
            .selected_row()
            .and_then(|r| r.id.strip_prefix("region:").map(str::to_owned))
        else {
            return;
        };
        if let Some(at) = self.marked_regions.iter().position(|r| *r == region) {
            self.marked_regions.remove(at);
        } else {
            self.marked_regions.push(region);
            // Kept in the list's order, so `eu-west-1,us-east-1` reads the same however
            // they were marked.
            if let Some(places) = &self.places {
                let order = |r: &String| places.regions.iter().position(|p| p == r);
                self.marked_regions.sort_by_key(order);
            }
        }
        self.places_version += 1;
        self.say(
            match self.marked_regions.len() {
                0 => "no region marked: Enter switches to the selected one".to_string(),
                n => format!(
                    "{n} marked ({}): Enter spans them",
                    self.marked_regions.join(", ")
                ),
            },
            false,
        );
    }

    /// The switch ended: on success the old identity's state goes, the panes that
    /// still make sense stay (to load from the new account); else nothing changes.
    pub(in crate::app) fn on_switched(&mut self, result: Result<Switched, String>) -> Vec<Effect> {
        self.dirty = true;
        let what = self
            .switching
            .take()
            .unwrap_or_else(|| "another profile".into());
        self.pending_switch = None;
        let s = match result {
            Ok(s) => s,
            Err(e) => {
                self.say_failure("switch", format!("could not switch to {what}: {e}"));
                return Vec::new();
            }
        };
        // Clusters are named otherwise across regions (by ARN) than in one (by name):
        // a change between the two keeps only the clusters pane.
        let renamed = self.identity.spans_regions() || s.identity.spans_regions();
        self.identity = s.identity;
        self.marked_regions.clear();
        self.read_only = s.read_only;
        self.profile_colour = s.colour;
        self.store = Default::default();
        self.derived = Default::default();
        *self.rows_memo.borrow_mut() = None;
        *self.task_row_cache.borrow_mut() = Default::default();
        self.log = None;
        self.popups.clear();
        self.input = None;
        self.undo.clear();
        self.pending_edit = None;
        self.editing = None;
        self.marked = None;
        self.exec_containers.clear();
        self.places_version += 1;
        // A pane about one resource (its logs, a rollout, its auto scaling) does not
        // carry over; lists do, and show the new account's.
        let keep = self
            .stack
            .iter()
            .take_while(|v| {
                !matches!(
                    v.pane,
                    Pane::Logs { .. }
                        | Pane::Rollout { .. }
                        | Pane::Scaling { .. }
                        | Pane::Revisions { .. }
                )
            })
            .count()
            .max(1);
        self.stack.truncate(if renamed { 1 } else { keep });
        for v in &mut self.stack {
            v.selected = 0;
            v.selected_id = None;
            v.offset = 0;
        }
        let read_only = if self.read_only { " (read-only)" } else { "" };
        // The old identity's errors do not outlive it on the status line.
        self.status = None;
        self.say(
            format!(
                "switched to profile {}, region {}{read_only}",
                self.identity.profile,
                self.identity.regions_list()
            ),
            false,
        );
        self.due_fetches()
    }

    /// The profile in use, as a switch names it (`None` when none was named).
    fn named_profile(&self) -> Option<String> {
        (!matches!(self.identity.profile.as_str(), "default" | "env"))
            .then(|| self.identity.profile.clone())
    }

    /// `L` or `:login`: the runtime steps aside for `aws sso login`.
    pub(in crate::app) fn sign_in(&mut self) -> Vec<Effect> {
        if self.identity.profile == "demo" {
            self.say("the demo fleet needs no sign-in", false);
            return Vec::new();
        }
        if self.switching.is_some() {
            self.say("a switch is already under way", true);
            return Vec::new();
        }
        vec![Effect::SignIn {
            profile: self.named_profile(),
        }]
    }

    /// Signed in: the clients are built again (a fresh credential chain reads the new
    /// token) and what was on screen is loaded again.
    pub(in crate::app) fn on_signed_in(&mut self, result: Result<String, String>) -> Vec<Effect> {
        self.dirty = true;
        match result {
            Ok(note) => {
                self.say(format!("{note}; reconnecting…"), false);
                self.switching = Some(format!("profile {} (signed in)", self.identity.profile));
                let (profile, region) = (self.named_profile(), Some(self.identity.regions_list()));
                self.pending_switch = Some((profile.clone(), region.clone()));
                vec![Effect::Switch {
                    profile,
                    region,
                    mfa_code: None,
                }]
            }
            Err(e) => {
                self.say_failure("sign in", e);
                Vec::new()
            }
        }
    }

    pub(in crate::app) fn place_rows(&self, pane: &Pane) -> Vec<Row> {
        let Some(places) = &self.places else {
            return Vec::new();
        };
        let in_use = |yes: bool| {
            if yes {
                Cell::text("●").tone(Tone::Ok)
            } else {
                Cell::text("")
            }
        };
        match pane {
            Pane::Profiles => places
                .profiles
                .iter()
                .map(|p| {
                    let current = p.name == self.identity.profile;
                    Row {
                        id: format!("profile:{}", p.name),
                        cells: vec![
                            Cell::text(p.name.clone()),
                            Cell::text(p.kind),
                            Cell::text(p.region.clone().unwrap_or_else(|| "-".into())),
                            if p.read_only {
                                Cell::text("read-only").tone(Tone::Warn)
                            } else {
                                Cell::text("")
                            },
                            in_use(current),
                        ],
                        tone: if current { Tone::Ok } else { Tone::Normal },
                    }
                })
                .collect(),
            Pane::Regions => places
                .regions
                .iter()
                .map(|r| {
                    let current = *r == self.identity.region || self.identity.regions.contains(r);
                    let marked = self.marked_regions.contains(r);
                    Row {
                        id: format!("region:{r}"),
                        cells: vec![
                            Cell::text(r.clone()),
                            Cell::text(if places.named_in_files(r) { "yes" } else { "" }),
                            in_use(current),
                            Cell::text(if marked { "✓" } else { "" }),
                        ],
                        tone: if current { Tone::Ok } else { Tone::Normal },
                    }
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}
