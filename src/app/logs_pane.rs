//! The logs pane as part of the app: opening it, (re)starting its tail when the
//! request changes, and its keys. The pane's own state is `logs::LogView`.

use super::*;

/// The JSON object inside a log line (after any prefix such as a timestamp), indented.
pub(super) fn pretty_json(text: &str) -> Option<String> {
    let start = text.find('{')?;
    let value: serde_json::Value = serde_json::from_str(text[start..].trim_end()).ok()?;
    let pretty = serde_json::to_string_pretty(&value).ok()?;
    Some(if start == 0 {
        pretty
    } else {
        format!("{}\n{pretty}", text[..start].trim_end())
    })
}

impl App {
    /// Opens the logs of the selected service or task.
    pub(super) fn open_logs(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        let scope = match &self.view().pane {
            Pane::Services { cluster } => LogScope::Service {
                cluster: cluster.clone(),
                service: row
                    .cells
                    .first()
                    .map(|c| c.text.clone())
                    .unwrap_or_default(),
            },
            Pane::Tasks { cluster, .. } => LogScope::Task {
                cluster: cluster.clone(),
                task: row.id.clone(),
            },
            _ => return Vec::new(),
        };
        let request = TailRequest {
            scope: scope.clone(),
            container: None,
            start_ms: (self.now - self.log_since).timestamp_millis(),
            pattern: None,
            follow: true,
        };
        self.popups.clear();
        self.push(Pane::Logs { scope });
        self.restart_tail(request)
    }

    /// Starts a tail for the open logs pane, replacing the one it had.
    pub(super) fn restart_tail(&mut self, request: TailRequest) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut keep = None;
        if let Some(old) = self.log.take() {
            effects.push(Effect::StopTail { id: old.tail_id });
            // A picked stream keeps its way back across restarts (`F`, `:since`, `c`).
            // A tail of one container only sees that container: `c` needs the others.
            let known = if old.request.scope == request.scope {
                old.containers()
            } else {
                Vec::new()
            };
            keep = Some((
                old.wrap,
                old.timestamps,
                old.grep,
                old.search,
                old.origin,
                known,
            ));
        }
        self.next_tail += 1;
        let mut view = LogView::new(self.next_tail, request.clone(), self.log_capacity);
        if let Some((wrap, timestamps, grep, search, origin, known)) = keep {
            view.wrap = wrap;
            view.timestamps = timestamps;
            view.grep = grep;
            view.search = search;
            view.origin = origin;
            view.known_containers = known;
        }
        self.log = Some(view);
        effects.push(Effect::StartTail {
            id: self.next_tail,
            request,
        });
        effects
    }

    /// Stops the tail once its pane is no longer on screen.
    pub(super) fn sync_tail(&mut self) -> Vec<Effect> {
        if matches!(self.view().pane, Pane::Logs { .. }) {
            return Vec::new();
        }
        self.log
            .take()
            .map(|l| Effect::StopTail { id: l.tail_id })
            .into_iter()
            .collect()
    }

    /// Keys of the logs pane; `None` lets the generic handling run.
    pub(super) fn run_logs(&mut self, command: Command) -> Option<Vec<Effect>> {
        let rows = self.page_rows.max(1);
        let page = rows as isize;
        let log = self.log.as_mut()?;
        let id = log.tail_id;
        let older = |log: &mut LogView, wants: bool| -> Vec<Effect> {
            if !wants {
                return Vec::new();
            }
            log.older_than()
                .map(|before_ms| Effect::LoadOlder { id, before_ms })
                .into_iter()
                .collect()
        };
        let effects = match command {
            // Esc clears the line filter, then the search, before it leaves the pane.
            Command::Back if log.grep.is_some() => {
                log.grep = None;
                Vec::new()
            }
            Command::Back if log.search.is_some() => {
                log.search = None;
                Vec::new()
            }
            // A tail that stopped or is failing tries again at once; it resumes where it
            // stopped, so nothing is read twice.
            Command::Refresh
                if !log.ended && (log.stopped.is_some() || log.last_error.is_some()) =>
            {
                self.say("logs: trying again now…", false);
                vec![Effect::RetryTail { id }]
            }
            Command::Up => {
                let wants = log.move_by(-1, rows);
                older(log, wants)
            }
            Command::Down => {
                log.move_by(1, rows);
                Vec::new()
            }
            Command::PageUp => {
                let wants = log.move_by(-page, rows);
                older(log, wants)
            }
            Command::PageDown => {
                log.move_by(page, rows);
                Vec::new()
            }
            Command::Top => {
                let wants = log.top(rows);
                older(log, wants)
            }
            Command::Bottom | Command::Follow => {
                log.resume();
                Vec::new()
            }
            Command::Wrap => {
                log.wrap = !log.wrap;
                Vec::new()
            }
            Command::Timestamps => {
                log.timestamps = !log.timestamps;
                Vec::new()
            }
            Command::SearchNext | Command::SearchPrev => {
                let forward = command == Command::SearchNext;
                if log.search.is_none() {
                    self.say("no search yet: press / first", true);
                } else if !log.find(forward, false, rows) {
                    self.say("no more matches", true);
                }
                Vec::new()
            }
            Command::Search => {
                let text = log
                    .search
                    .as_ref()
                    .map(|p| p.text.clone())
                    .unwrap_or_default();
                self.input = Some(Input::reopen(InputKind::Search, &text));
                Vec::new()
            }
            Command::Grep => {
                let text = log
                    .grep
                    .as_ref()
                    .map(|p| p.text.clone())
                    .unwrap_or_default();
                self.input = Some(Input::reopen(InputKind::Grep, &text));
                Vec::new()
            }
            Command::ServerFilter => {
                let text = log.request.pattern.clone().unwrap_or_default();
                self.input = Some(Input::reopen(InputKind::Pattern, &text));
                Vec::new()
            }
            Command::Save => {
                let name = format!(
                    "ecsdash-{}-{}.log",
                    log.title().replace([' ', '/', '(', ')'], "_"),
                    self.now.format("%Y%m%dT%H%M%S")
                );
                self.input = Some(Input::new(InputKind::SavePath, &name));
                Vec::new()
            }
            Command::Container => {
                let containers = log.containers();
                let next = match &log.request.container {
                    None => containers.first().cloned(),
                    Some(c) => containers
                        .iter()
                        .position(|x| x == c)
                        .and_then(|i| containers.get(i + 1))
                        .cloned(),
                };
                let mut request = log.request.clone();
                request.container = next;
                return Some(self.restart_tail(request));
            }
            Command::Copy => match log.selected_text().map(str::to_string) {
                Some(text) => {
                    self.say("copied the selected line (OSC 52)", false);
                    vec![Effect::Copy(text)]
                }
                None => Vec::new(),
            },
            Command::Pretty => {
                let Some(text) = log.selected_text().map(str::to_string) else {
                    return Some(Vec::new());
                };
                let body = pretty_json(&text).unwrap_or(text);
                self.popups.push(Popup::Text {
                    title: "log line".to_string(),
                    body,
                    scroll: 0,
                });
                Vec::new()
            }
            _ => return None,
        };
        Some(effects)
    }
}
