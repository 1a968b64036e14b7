//! Copying to the clipboard of the terminal the user sits at, through `Effect::Copy` (OSC
//! 52, as the logs pane's `y` does, so it works over SSH): `y` and `Y` on a table pane
//! copy the selected row's id or name, or its ARN; `y` in a popup copies what it shows.
//!
//! The status line says what went. What is copied came from AWS (or anyone who can name a
//! resource), so the status line shows it cleaned of escape sequences and control
//! characters and cut to fit; an id or ARN is copied cleaned too, since nothing real has
//! control characters in it and a clipboard is pasted into shells.

use unicode_width::UnicodeWidthChar;

use super::{App, Effect, Popup, describe};
use crate::app::pane::Pane;
use crate::domain::model::arn_name;
use crate::domain::sanitize;

/// Which of a row's names `y` or `Y` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    /// The id or name an operator types: a task's id, a service's name.
    Id,
    Arn,
}

/// What is copied, as the status line calls it, and the text; or why nothing is.
type Found = Result<(&'static str, String), String>;

/// Columns of the copied text the status line shows: a task id (32) whole; an ARN cut in
/// the middle, keeping its start and the end that names the resource. With the longest
/// noun and the count, the line stays within 80 columns.
pub(super) const PREVIEW_COLUMNS: usize = 32;

impl App {
    /// `y` (`Part::Id`) or `Y` (`Part::Arn`) on a table pane.
    pub(super) fn copy_row(&mut self, part: Part) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            self.say("nothing copied: no row is selected", false);
            return Vec::new();
        };
        let pane = self.view().pane.clone();
        let found = match part {
            Part::Id => self.row_id(&pane, &row.id),
            Part::Arn => self.row_arn(&pane, &row.id),
        };
        let (noun, raw) = match found {
            Ok(found) => found,
            Err(why) => {
                self.say(why, false);
                return Vec::new();
            }
        };
        let text = sanitize::one_line(&raw);
        if text.is_empty() {
            self.say(format!("nothing copied: the {noun} is empty"), false);
            return Vec::new();
        }
        self.say(
            format!(
                "copied {noun} {} ({} characters)",
                preview(&text, PREVIEW_COLUMNS),
                text.chars().count()
            ),
            false,
        );
        vec![Effect::Copy(text)]
    }

    /// The id or name of the row `id` (the row's stable id, an ARN on most panes).
    fn row_id(&self, pane: &Pane, id: &str) -> Found {
        Ok(match pane {
            Pane::Clusters => ("cluster name", arn_name(id).to_string()),
            Pane::Services { .. } | Pane::Find | Pane::Pulse => {
                ("service name", arn_name(id).to_string())
            }
            Pane::Tasks { .. } => ("task id", arn_name(id).to_string()),
            Pane::Instances { cluster } => {
                let ec2 = self
                    .store
                    .instances(cluster)
                    .and_then(|l| l.get(id))
                    .and_then(|e| e.item.as_ref())
                    .map(|i| i.ec2_instance_id.clone())
                    .filter(|ec2| !ec2.is_empty());
                match ec2 {
                    Some(ec2) => ("EC2 instance id", ec2),
                    None => ("container instance id", arn_name(id).to_string()),
                }
            }
            Pane::Families => ("task definition family", id.to_string()),
            Pane::Revisions { .. } => ("task definition", arn_name(id).to_string()),
            Pane::Scaling { cluster, service } => return scaling_id(cluster, service, id),
            Pane::Profiles => (
                "profile name",
                id.trim_start_matches("profile:").to_string(),
            ),
            Pane::Regions => ("region", id.trim_start_matches("region:").to_string()),
            Pane::Forwards => {
                let f = self
                    .forward_of_row(id)
                    .ok_or("nothing copied: that forward is gone")?;
                ("local address", format!("localhost:{}", f.request.local))
            }
            Pane::Logs { .. } | Pane::Rollout { .. } => {
                return Err("nothing copied: this pane has no rows to copy".into());
            }
        })
    }

    /// The ARN of the row `id`, where it has one.
    fn row_arn(&self, pane: &Pane, id: &str) -> Found {
        let noun = match pane {
            Pane::Clusters => "cluster ARN",
            Pane::Services { .. } | Pane::Find | Pane::Pulse => "service ARN",
            Pane::Tasks { .. } => "task ARN",
            Pane::Instances { .. } => "container instance ARN",
            Pane::Revisions { .. } => "task definition ARN",
            Pane::Families => {
                return Err(
                    "nothing copied: a task definition family has no ARN (its revisions do)".into(),
                );
            }
            Pane::Scaling { cluster, service } => {
                let policy = id.strip_prefix("policy:").and_then(|name| {
                    self.store
                        .scaling(cluster, service)?
                        .policies
                        .iter()
                        .find(|p| p.name == name)
                });
                return match policy {
                    Some(p) => match &p.arn {
                        Some(arn) => Ok(("scaling policy ARN", arn.clone())),
                        None => Err("nothing copied: this policy's ARN is not known".into()),
                    },
                    None => Err("nothing copied: this row has no ARN".into()),
                };
            }
            Pane::Profiles | Pane::Regions => {
                return Err("nothing copied: profiles and regions have no ARN".into());
            }
            Pane::Forwards => {
                return match self
                    .forward_of_row(id)
                    .and_then(|f| f.request.task.task.clone())
                {
                    Some(arn) if arn.starts_with("arn:") => Ok(("task ARN", arn)),
                    _ => Err("nothing copied: this forward's task ARN is not known".into()),
                };
            }
            Pane::Logs { .. } | Pane::Rollout { .. } => {
                return Err("nothing copied: this pane has no rows to copy".into());
            }
        };
        // A row still loading is known by its ARN too; anything else has none to give.
        if id.starts_with("arn:") {
            Ok((noun, id.to_string()))
        } else {
            Err("nothing copied: this row has no ARN".into())
        }
    }

    /// `y` in a popup: the text it shows, as plain text.
    pub(super) fn copy_popup(&mut self) -> Vec<Effect> {
        let found: Result<(String, String), String> = match self.popups.last() {
            None | Some(Popup::Dialog(_)) => return Vec::new(),
            Some(Popup::Help) => Err("nothing copied: help has nothing to copy".into()),
            Some(Popup::Describe { pane, id, .. }) => {
                let described = self.described(pane, id);
                match &described.outline {
                    Some(outline) => Ok((described.title.clone(), describe::to_text(outline))),
                    None => Err("nothing copied: the row is gone".into()),
                }
            }
            Some(Popup::Errors { .. }) => {
                if self.errors.is_empty() {
                    Err("nothing copied: no errors so far".into())
                } else {
                    Ok(("the error history".into(), self.errors_text()))
                }
            }
            Some(Popup::Text { title, body, .. }) => Ok((title.clone(), body.clone())),
            Some(Popup::Revision { arn, .. }) => match self.revision_json(arn) {
                Some(json) => Ok((format!("{} as JSON", arn_name(arn)), json.to_string())),
                None => Err("nothing copied: the JSON has not loaded".into()),
            },
            Some(Popup::Diff { old, new, .. }) => match self.revision_diff(old, new) {
                Some(diff) if diff.is_empty() => {
                    Err("nothing copied: the two revisions are identical".into())
                }
                Some(diff) => {
                    let lines: Vec<String> = diff.iter().map(|d| d.render()).collect();
                    let title = format!("diff {} → {}", arn_name(old), arn_name(new));
                    Ok((title, lines.join("\n")))
                }
                None => Err("nothing copied: the diff has not loaded".into()),
            },
        };
        let (title, raw) = match found {
            Ok(found) => found,
            Err(why) => {
                self.say(why, false);
                return Vec::new();
            }
        };
        // Escape sequences go; newlines and tabs, which the text is made of, stay.
        let text = sanitize::for_pipe(&raw);
        let lines = text.lines().count();
        self.say(
            format!(
                "copied {} ({lines} {}, {} characters)",
                preview(&sanitize::one_line(&title), PREVIEW_COLUMNS),
                if lines == 1 { "line" } else { "lines" },
                text.chars().count()
            ),
            false,
        );
        vec![Effect::Copy(text)]
    }

    /// The error history as the popup lists it, newest first.
    fn errors_text(&self) -> String {
        self.errors
            .iter()
            .map(|r| {
                let count = if r.count > 1 {
                    format!("×{} ", r.count)
                } else {
                    String::new()
                };
                let target = if r.target.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", r.target)
                };
                format!(
                    "{}  {count}{target}{}  {}  {}",
                    super::format::timestamp(Some(r.at)),
                    r.error.operation,
                    r.error.kind.label(),
                    r.error.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The id or name of an auto scaling row (ids as `scaling::sections::rows_of` makes them:
/// `target`, `policy:<name>`, `schedule:<name>`, `activity:<n>`, `activities`).
fn scaling_id(cluster: &str, service: &str, id: &str) -> Found {
    if let Some(name) = id.strip_prefix("policy:") {
        return Ok(("scaling policy name", name.to_string()));
    }
    if let Some(name) = id.strip_prefix("schedule:") {
        return Ok(("scheduled action name", name.to_string()));
    }
    if id == "target" {
        return Ok((
            "scalable target's resource id",
            crate::ops::resource_id(cluster, service),
        ));
    }
    Err("nothing copied: a scaling activity has no id".into())
}

/// `text` (already one clean line) within `columns`: whole if it fits, else its start and
/// end with `…` between.
pub(super) fn preview(text: &str, columns: usize) -> String {
    let width = |s: &str| s.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>();
    if width(text) <= columns {
        return text.to_string();
    }
    let room = columns.saturating_sub(1);
    let mut head = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > room / 2 {
            break;
        }
        head.push(c);
        used += w;
    }
    let mut tail: Vec<char> = Vec::new();
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            break;
        }
        tail.push(c);
        used += w;
    }
    head.push('…');
    head.extend(tail.into_iter().rev());
    head
}

#[cfg(test)]
mod tests;
