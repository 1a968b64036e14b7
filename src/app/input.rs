//! The prompt at the bottom of the screen (`/` filter, `:` command line, and the logs
//! pane's search, `&`, `F` and save prompts): its text field, its keys, and what
//! submitting it does.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `/` on a table: filters rows as you type.
    Filter,
    /// `:` the command line.
    Command,
    /// `/` on logs: search.
    Search,
    /// `&` on logs: show only matching lines.
    Grep,
    /// `F` on logs: CloudWatch filter pattern.
    Pattern,
    /// `S` on logs: the file to save to.
    SavePath,
    /// The MFA code a switch to an assume-role profile needs.
    MfaCode,
}

/// A one-line text field at the bottom of the screen.
#[derive(Debug, Clone)]
pub struct Input {
    pub kind: InputKind,
    pub area: TextArea<'static>,
    /// What the prompt says when it is not the kind's own (the MFA device).
    pub label: Option<String>,
}

impl Input {
    pub(super) fn new(kind: InputKind, text: &str) -> Input {
        let mut area = TextArea::new(vec![text.to_string()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        Input {
            kind,
            area,
            label: None,
        }
    }

    /// A prompt opened again on what it held: the old text is selected, so typing
    /// replaces it (as in k9s) while ← or End keeps it for editing.
    pub(super) fn reopen(kind: InputKind, text: &str) -> Input {
        let mut input = Input::new(kind, text);
        if !text.is_empty() {
            input.area.select_all();
        }
        input
    }

    pub fn text(&self) -> String {
        self.area.lines().join("")
    }

    pub fn prompt(&self) -> std::borrow::Cow<'static, str> {
        if let Some(label) = &self.label {
            return label.clone().into();
        }
        match self.kind {
            InputKind::Filter => "/".into(),
            InputKind::Command => ":".into(),
            InputKind::Search => "search /".into(),
            InputKind::Grep => "show only &".into(),
            InputKind::Pattern => "CloudWatch filter pattern: ".into(),
            InputKind::SavePath => "save to: ".into(),
            InputKind::MfaCode => "MFA code: ".into(),
        }
    }
}

impl App {
    pub(super) fn on_input_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let clusters = self.cluster_names();
        let in_logs = matches!(self.view().pane, Pane::Logs { .. });
        let Some(input) = self.input.as_mut() else {
            return Vec::new();
        };
        let kind = input.kind;
        let place = if kind == InputKind::Command {
            keymap::place::COMMAND_LINE
        } else {
            keymap::place::PROMPT
        };
        match self.keymap.lookup(&key, place) {
            Some(Command::Interrupt) => self.quit = true,
            Some(Command::Cancel) => {
                self.input = None;
                if kind == InputKind::Filter {
                    self.view_mut().filter.clear();
                }
                if kind == InputKind::MfaCode {
                    self.cancel_mfa();
                }
            }
            Some(Command::Submit) => {
                let text = input.text();
                // A bad value keeps the field open with what was typed, so nothing is lost.
                match self.submit(kind, &text) {
                    Ok(effects) => {
                        if self.input.as_ref().is_some_and(|i| i.kind == kind) {
                            self.input = None;
                        }
                        return effects;
                    }
                    Err(e) => self.say(e, true),
                }
            }
            Some(Command::Complete) => {
                if let Some(done) = command::complete(&input.text(), &clusters, in_logs) {
                    *input = Input::new(InputKind::Command, &done);
                }
            }
            _ => {
                // Typing is the field's own. It is one line: Enter never gets in.
                if key.code == crossterm::event::KeyCode::Enter {
                    return Vec::new();
                }
                form::edit_line(&mut input.area, key);
                if kind == InputKind::Filter {
                    let text = input.text().to_lowercase();
                    self.view_mut().filter = text;
                    self.select_first();
                }
            }
        }
        Vec::new()
    }

    /// Enter in an input field.
    pub(super) fn submit(&mut self, kind: InputKind, text: &str) -> Result<Vec<Effect>, String> {
        match kind {
            InputKind::Filter => {
                self.input = None;
                self.select_first();
                let (_, rows) = self.rows(self.view());
                if rows.is_empty() {
                    // A note, not an error: rows still loading may match, and the
                    // filter stays in the pane's title.
                    self.say(format!("no row matches `{}`", self.view().filter), false);
                }
                Ok(Vec::new())
            }
            InputKind::Command => {
                self.input = None;
                Ok(self.run_line(text))
            }
            InputKind::MfaCode => self.submit_mfa(text),
            InputKind::Search => {
                let page = self.page_rows;
                let Some(log) = self.log.as_mut() else {
                    return Ok(Vec::new());
                };
                if text.is_empty() {
                    log.search = None;
                    return Ok(Vec::new());
                }
                log.search = Some(Pattern::new(text)?);
                if !log.find(false, true, page) {
                    self.say(format!("no line matches /{text}"), true);
                }
                Ok(Vec::new())
            }
            InputKind::Grep => {
                let Some(log) = self.log.as_mut() else {
                    return Ok(Vec::new());
                };
                log.grep = if text.is_empty() {
                    None
                } else {
                    Some(Pattern::new(text)?)
                };
                Ok(Vec::new())
            }
            InputKind::Pattern => {
                let Some(log) = self.log.as_ref() else {
                    return Ok(Vec::new());
                };
                let mut request = log.request.clone();
                request.pattern = Some(text.trim().to_string()).filter(|p| !p.is_empty());
                Ok(self.restart_tail(request))
            }
            InputKind::SavePath => {
                let Some(log) = self.log.as_ref() else {
                    return Ok(Vec::new());
                };
                let path = text.trim();
                if path.is_empty() {
                    return Err("type a file name".to_string());
                }
                Ok(vec![Effect::Save {
                    path: path.to_string(),
                    contents: log.export(),
                }])
            }
        }
    }

    pub fn cluster_names(&self) -> Vec<String> {
        self.store
            .clusters()
            .map(|c| c.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default()
    }

    pub(super) fn run_line(&mut self, line: &str) -> Vec<Effect> {
        let cmd = match command::parse(line) {
            Ok(c) => c,
            Err(e) => {
                self.say(e, true);
                return Vec::new();
            }
        };
        let cluster_pane = |arg: Option<String>, app: &mut App, make: fn(String) -> Pane| {
            let cluster = match arg {
                Some(c) => app.typed_cluster(c),
                None => app.selected_cluster(),
            };
            if let Some(cluster) = cluster {
                app.popups.clear();
                app.forget_pane_notes();
                // Esc goes back to the clusters pane with this cluster selected.
                let mut clusters = app
                    .stack
                    .first()
                    .cloned()
                    .unwrap_or_else(|| View::new(Pane::Clusters));
                if let Some(c) = app
                    .store
                    .clusters()
                    .and_then(|all| all.iter().find(|c| app.cluster_key(c) == cluster))
                {
                    clusters.selected_id = Some(c.arn.clone());
                }
                app.stack = vec![clusters, View::new(make(cluster))];
            }
        };
        match cmd {
            LineCommand::Clusters => {
                self.popups.clear();
                self.stack.truncate(1);
            }
            LineCommand::Services(arg) => {
                cluster_pane(arg, self, |cluster| Pane::Services { cluster })
            }
            LineCommand::Tasks(arg) => cluster_pane(arg, self, |cluster| Pane::Tasks {
                cluster,
                service: None,
                instance: None,
            }),
            LineCommand::Instances(arg) => {
                cluster_pane(arg, self, |cluster| Pane::Instances { cluster })
            }
            LineCommand::TaskDefs(family) => {
                self.push(Pane::Families);
                if let Some(family) = family {
                    self.push(Pane::Revisions { family });
                }
            }
            LineCommand::Find(name) => {
                self.popups.clear();
                self.push(Pane::Find);
                self.view_mut().filter = name.unwrap_or_default().to_lowercase();
                self.say(
                    "type / to find a service by name; Enter opens its tasks",
                    false,
                );
            }
            LineCommand::Pulse => {
                self.popups.clear();
                self.push(Pane::Pulse);
                self.say(
                    "reading every cluster's services and stopped tasks; Enter opens a service's tasks",
                    false,
                );
            }
            LineCommand::Errors => self.popups.push(Popup::Errors { scroll: 0 }),
            LineCommand::Login => return self.sign_in(),
            LineCommand::Profile(None) => return self.open_places(Pane::Profiles),
            LineCommand::Region(None) => return self.open_places(Pane::Regions),
            LineCommand::Profile(Some(name)) => return self.switch_to(Some(name), None),
            LineCommand::Region(Some(name)) => return self.switch_to(None, Some(name)),
            LineCommand::Forwards => {
                self.popups.clear();
                if self.view().pane != Pane::Forwards {
                    self.push(Pane::Forwards);
                }
                if self.forwards.is_empty() {
                    self.say(
                        if self.read_only {
                            "no port forwards: read-only mode starts none"
                        } else {
                            "no port forwards yet: p on a task starts one"
                        },
                        false,
                    );
                }
            }
            LineCommand::Help => self.popups.push(Popup::Help),
            LineCommand::Since(text) => {
                let Some(log) = self.log.as_ref() else {
                    self.say(
                        ":since works in a logs pane (press l on a service or task)",
                        true,
                    );
                    return Vec::new();
                };
                match logs::parse_since(&text, self.now) {
                    Ok(start) => {
                        let mut request = log.request.clone();
                        request.start_ms = start.timestamp_millis();
                        self.say(
                            format!("logs since {}", format::timestamp(Some(start))),
                            false,
                        );
                        return self.restart_tail(request);
                    }
                    Err(e) => self.say(e, true),
                }
            }
            LineCommand::Quit => self.quit = true,
            LineCommand::Exec(command) => {
                if !matches!(self.view().pane, Pane::Tasks { .. } | Pane::Services { .. }) {
                    self.say(
                        ":exec works on a task or a service (select one first)",
                        true,
                    );
                    return Vec::new();
                }
                return self.open_exec(command);
            }
        }
        Vec::new()
    }
}
