//! Dialogs: forms whose fields are checked as the user types, and the confirmation every
//! change passes through. A form never loses what was typed: a bad value keeps it open
//! with the message beside the field.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

use super::keymap::{Command, Scope, place};
use crate::ops::Mutation;
use crate::ops::diff::DiffLine;

/// One key to a one-line text area, with the shell's editing keys where ratatui-textarea
/// binds others (its Ctrl-u is undo): Ctrl-u deletes to the start, Ctrl-k to the end,
/// Ctrl-w the word before the cursor, Ctrl-a and Ctrl-e go to the start and the end.
/// Arrows, Home, End, Alt-b/f and the rest are the text area's own.
pub fn edit_line(area: &mut TextArea<'static>, key: KeyEvent) {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        match key.code {
            KeyCode::Char('u') => {
                area.delete_line_by_head();
                return;
            }
            KeyCode::Char('k') => {
                area.delete_line_by_end();
                return;
            }
            KeyCode::Char('w') => {
                area.delete_word();
                return;
            }
            KeyCode::Char('a') => {
                area.move_cursor(CursorMove::Head);
                return;
            }
            KeyCode::Char('e') => {
                area.move_cursor(CursorMove::End);
                return;
            }
            _ => {}
        }
    }
    area.input(key);
}

/// How a text field's value is checked.
#[derive(Debug, Clone)]
pub enum TextCheck {
    /// Any text the function accepts, checked whenever the problem is asked for.
    Text(fn(&str) -> Result<(), String>),
    /// A whole number from 0 up: the number, or why the text is not one, parsed each
    /// time the text changes and carried from there to whoever reads the field.
    Count(Result<i32, String>),
}

/// What a field holds and how it is edited.
#[derive(Debug, Clone)]
pub enum FieldKind {
    /// One line of text, checked on every keystroke.
    Text {
        area: Box<TextArea<'static>>,
        check: TextCheck,
    },
    /// On or off (Space).
    Toggle { on: bool },
    /// One of several values (← →).
    Choice { options: Vec<String>, index: usize },
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: String,
    pub kind: FieldKind,
    /// A line of help under the field.
    pub help: Option<String>,
    /// Edited, or a submit was tried: an empty field's problem shows only then, so a new
    /// form does not open covered in red.
    pub touched: bool,
}

impl Field {
    /// A text field holding `value`, all of it selected so typing replaces it.
    pub fn text(label: &str, value: &str, check: fn(&str) -> Result<(), String>) -> Field {
        let mut area = TextArea::new(vec![value.to_string()]);
        area.move_cursor(CursorMove::End);
        area.select_all();
        Field {
            label: label.into(),
            kind: FieldKind::Text {
                area: Box::new(area),
                check: TextCheck::Text(check),
            },
            help: None,
            touched: false,
        }
    }

    /// A text field holding `value` with the cursor at its end, for values usually
    /// changed at the end (an image's tag).
    pub fn text_at_end(label: &str, value: &str, check: fn(&str) -> Result<(), String>) -> Field {
        let mut f = Field::text(label, value, check);
        if let FieldKind::Text { area, .. } = &mut f.kind {
            area.cancel_selection();
        }
        f
    }

    /// A count field holding `value`, all of it selected: its number is parsed as it is
    /// typed, and read with [`Field::number`].
    pub fn count(label: &str, value: i32) -> Field {
        let text = value.to_string();
        let mut f = Field::text(label, &text, check_count);
        if let FieldKind::Text { check, .. } = &mut f.kind {
            *check = TextCheck::Count(parse_count(&text));
        }
        f
    }

    pub fn toggle(label: &str, on: bool) -> Field {
        Field {
            label: label.into(),
            kind: FieldKind::Toggle { on },
            help: None,
            touched: false,
        }
    }

    pub fn choice(label: &str, options: Vec<String>, index: usize) -> Field {
        let index = index.min(options.len().saturating_sub(1));
        Field {
            label: label.into(),
            kind: FieldKind::Choice { options, index },
            help: None,
            touched: false,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Field {
        self.help = Some(help.into());
        self
    }

    /// The field's value as text (`true`/`false` for toggles, the option for choices).
    pub fn value(&self) -> String {
        match &self.kind {
            FieldKind::Text { area, .. } => area.lines().join(""),
            FieldKind::Toggle { on } => on.to_string(),
            FieldKind::Choice { options, index } => {
                options.get(*index).cloned().unwrap_or_default()
            }
        }
    }

    pub fn is_on(&self) -> bool {
        matches!(self.kind, FieldKind::Toggle { on: true })
    }

    /// A count field's number, when its text is one.
    pub fn number(&self) -> Option<i32> {
        match &self.kind {
            FieldKind::Text {
                check: TextCheck::Count(Ok(n)),
                ..
            } => Some(*n),
            _ => None,
        }
    }

    /// The problem to show now: none for an empty field nobody has touched yet.
    pub fn visible_problem(&self) -> Option<String> {
        if !self.touched && self.value().is_empty() {
            return None;
        }
        self.problem()
    }

    /// Why the value is not acceptable, if it is not.
    pub fn problem(&self) -> Option<String> {
        match &self.kind {
            FieldKind::Text {
                area,
                check: TextCheck::Text(check),
            } => check(&area.lines().join("")).err(),
            FieldKind::Text {
                check: TextCheck::Count(parsed),
                ..
            } => parsed.as_ref().err().cloned(),
            _ => None,
        }
    }

    /// Changes an on/off or choice field as `command` asks. Returns false when the field
    /// did not change.
    fn change(&mut self, command: Command) -> bool {
        match (&mut self.kind, command) {
            (FieldKind::Toggle { on }, Command::Toggle) => {
                *on = !*on;
                true
            }
            (FieldKind::Choice { options, index }, Command::PrevChoice) if !options.is_empty() => {
                *index = (*index + options.len() - 1) % options.len();
                true
            }
            (FieldKind::Choice { options, index }, Command::NextChoice) if !options.is_empty() => {
                *index = (*index + 1) % options.len();
                true
            }
            _ => false,
        }
    }

    /// Types one key into a text field (no binding took it). Returns false when the
    /// field did not take it.
    fn type_key(&mut self, key: KeyEvent) -> bool {
        match &mut self.kind {
            FieldKind::Text { area, check } => {
                // One line: Enter never gets in, and Tab is no text.
                if matches!(key.code, KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab) {
                    return false;
                }
                // Typing over a selection replaces it.
                if let KeyCode::Char(_) = key.code
                    && area.is_selecting()
                    && !key.modifiers.contains(KeyModifiers::CONTROL)
                {
                    area.cut();
                }
                edit_line(area, key);
                if let TextCheck::Count(parsed) = check {
                    *parsed = parse_count(&area.lines().join(""));
                }
                true
            }
            FieldKind::Toggle { .. } | FieldKind::Choice { .. } => false,
        }
    }
}

/// A form: some lines of context, then fields; Enter submits when every field is valid.
#[derive(Debug, Clone)]
pub struct Form<P> {
    pub title: String,
    pub info: Vec<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// What submitting does; read by whoever opened the form.
    pub purpose: P,
    /// A warning computed from all fields together (e.g. outside the auto scaling range).
    pub warning: Option<String>,
    /// An error from the last submit attempt (cross-field), shown until the next key.
    pub error: Option<String>,
}

/// What a key did to a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    /// Edited or moved; stay open.
    Stay,
    /// Enter with every field valid.
    Submit,
    /// Esc.
    Cancel,
}

impl<P> Form<P> {
    pub fn new(title: impl Into<String>, purpose: P) -> Form<P> {
        Form {
            title: title.into(),
            info: Vec::new(),
            fields: Vec::new(),
            focus: 0,
            purpose,
            warning: None,
            error: None,
        }
    }

    pub fn field(mut self, f: Field) -> Form<P> {
        self.fields.push(f);
        self
    }

    pub fn info(mut self, line: impl Into<String>) -> Form<P> {
        self.info.push(line.into());
        self
    }

    /// The value of the field labelled `label`.
    pub fn value(&self, label: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(Field::value)
            .unwrap_or_default()
    }

    pub fn is_on(&self, label: &str) -> bool {
        self.fields.iter().any(|f| f.label == label && f.is_on())
    }

    /// The number in the count field labelled `label`, when its text is one.
    pub fn number(&self, label: &str) -> Option<i32> {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .and_then(Field::number)
    }

    pub fn problems(&self) -> Vec<(usize, String)> {
        self.fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.problem().map(|p| (i, p)))
            .collect()
    }

    /// Where a key to the form is looked up: the focused field decides (a text field
    /// takes the characters that a choice would bind).
    pub fn place(&self) -> &'static [Scope] {
        match self.fields.get(self.focus).map(|f| &f.kind) {
            Some(FieldKind::Toggle { .. }) => place::FORM_TOGGLE,
            Some(FieldKind::Choice { .. }) => place::FORM_CHOICE,
            _ => place::FORM,
        }
    }

    /// One key, with what the bindings make of it at `place()`; a key they do not bind
    /// is typed into a focused text field.
    pub fn key(&mut self, key: KeyEvent, command: Option<Command>) -> FormKey {
        self.error = None;
        let n = self.fields.len().max(1);
        let changed = match command {
            Some(Command::Cancel) => return FormKey::Cancel,
            Some(Command::NextField) => {
                self.focus = (self.focus + 1) % n;
                return FormKey::Stay;
            }
            Some(Command::PrevField) => {
                self.focus = (self.focus + n - 1) % n;
                return FormKey::Stay;
            }
            Some(Command::Submit) => return self.submit(),
            Some(c @ (Command::Toggle | Command::NextChoice | Command::PrevChoice)) => {
                self.fields.get_mut(self.focus).is_some_and(|f| f.change(c))
            }
            _ => self
                .fields
                .get_mut(self.focus)
                .is_some_and(|f| f.type_key(key)),
        };
        if changed && let Some(field) = self.fields.get_mut(self.focus) {
            field.touched = true;
        }
        FormKey::Stay
    }

    /// Submit: every field is checked, and the first problem keeps the form open with
    /// the focus on it.
    fn submit(&mut self) -> FormKey {
        for field in &mut self.fields {
            field.touched = true;
        }
        if let Some((i, p)) = self.problems().into_iter().next() {
            self.focus = i;
            self.error = Some(format!("{}: {p}", self.fields[i].label));
            return FormKey::Stay;
        }
        FormKey::Submit
    }
}

/// The last step before anything changes: exactly what, where, as whom.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    /// Where and as whom: profile, region, account, cluster, service.
    pub context: Vec<String>,
    /// Old value to new, one line per change.
    pub changes: Vec<String>,
    /// Warnings to read before saying yes.
    pub warnings: Vec<String>,
    /// A diff to read (task definitions), scrolled with ↑↓.
    pub diff: Vec<DiffLine>,
    /// The diff waits for a revision's JSON to load.
    pub diff_loading: bool,
    pub scroll: u16,
    pub plan: Vec<Mutation>,
    pub after: After,
}

/// What the dashboard does when a confirmed operation succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    /// Refresh what is on screen.
    Refresh,
    /// Remember the service's previous count for `u`.
    Scaled {
        cluster: String,
        service: String,
        from: i32,
    },
    /// Open the rollout view on the new deployment.
    FollowRollout {
        cluster: String,
        service: String,
        previous: String,
    },
    /// Show the new revision in the revisions pane.
    Registered { family: String },
}

/// One integer from `min` up, as typed in a count field.
pub fn parse_count(text: &str) -> Result<i32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("enter a whole number".into());
    }
    if t.starts_with('-') {
        return Err("must be 0 or more".into());
    }
    if !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("`{t}` is not a whole number"));
    }
    t.parse::<i32>()
        .map_err(|_| "too large (at most 2147483647)".into())
}

/// A count field's check.
pub fn check_count(text: &str) -> Result<(), String> {
    parse_count(text).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::app::keymap::Keymap;

    /// A key to `form` as a dialog gives it: looked up in the default bindings first.
    fn press<P>(form: &mut Form<P>, code: KeyCode) -> FormKey {
        let key = KeyEvent::new(code, KeyModifiers::NONE);
        let command = Keymap::default().lookup(&key, form.place());
        form.key(key, command)
    }

    #[test]
    fn counts_must_be_whole_numbers_from_zero() {
        assert_eq!(parse_count("0"), Ok(0));
        assert_eq!(parse_count(" 12 "), Ok(12));
        for bad in ["", "-1", "1.5", "3x", "１", "99999999999", "+2"] {
            assert!(parse_count(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn typing_replaces_the_selected_value_and_bad_input_keeps_the_form_open() {
        let mut form = Form::new("scale", ()).field(Field::text("count", "4", check_count));
        assert_eq!(press(&mut form, KeyCode::Char('1')), FormKey::Stay);
        assert_eq!(press(&mut form, KeyCode::Char('2')), FormKey::Stay);
        assert_eq!(form.value("count"), "12");
        press(&mut form, KeyCode::Char('x'));
        assert_eq!(form.value("count"), "12x");
        assert_eq!(press(&mut form, KeyCode::Enter), FormKey::Stay);
        assert!(
            form.error
                .as_deref()
                .unwrap()
                .contains("not a whole number")
        );
        assert_eq!(form.value("count"), "12x", "nothing typed is lost");
        press(&mut form, KeyCode::Backspace);
        assert_eq!(press(&mut form, KeyCode::Enter), FormKey::Submit);
        assert_eq!(press(&mut form, KeyCode::Esc), FormKey::Cancel);
    }

    #[test]
    fn a_count_field_carries_the_number_its_text_was_checked_as() {
        let mut form = Form::new("scale", ()).field(Field::count("count", 4));
        assert_eq!(form.number("count"), Some(4));
        press(&mut form, KeyCode::Char('1'));
        press(&mut form, KeyCode::Char('2'));
        assert_eq!(form.number("count"), Some(12));
        press(&mut form, KeyCode::Char('x'));
        assert_eq!(form.number("count"), None);
        assert_eq!(press(&mut form, KeyCode::Enter), FormKey::Stay);
        assert!(
            form.error
                .as_deref()
                .unwrap()
                .contains("not a whole number")
        );
        press(&mut form, KeyCode::Backspace);
        assert_eq!(form.number("count"), Some(12));
        assert_eq!(press(&mut form, KeyCode::Enter), FormKey::Submit);
        assert_eq!(form.number("other"), None);
    }

    #[test]
    fn tab_moves_between_fields_and_toggles_and_choices_take_their_keys() {
        let mut form = Form::new("t", ())
            .field(Field::text("min", "1", check_count))
            .field(Field::toggle("suspend", false))
            .field(Field::choice(
                "metric",
                vec!["cpu".into(), "memory".into()],
                0,
            ));
        press(&mut form, KeyCode::Tab);
        press(&mut form, KeyCode::Char(' '));
        assert!(form.is_on("suspend"));
        press(&mut form, KeyCode::Tab);
        press(&mut form, KeyCode::Right);
        assert_eq!(form.value("metric"), "memory");
        press(&mut form, KeyCode::Left);
        press(&mut form, KeyCode::Left);
        assert_eq!(form.value("metric"), "memory", "wraps around");
        press(&mut form, KeyCode::BackTab);
        press(&mut form, KeyCode::BackTab);
        assert_eq!(form.focus, 0);
    }
}
