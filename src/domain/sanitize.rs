//! Making untrusted log messages safe for a terminal.
//!
//! Whoever can write to a service's stdout can put bytes in front of the operator: an OSC
//! that retitles the window or writes the clipboard, a CSI that clears the screen or moves
//! the cursor over other panes, bidi overrides that make text read differently than it is.
//! Removing the introducer (ESC or an 8-bit C1 control) is what makes a sequence inert; the
//! parser below also swallows the rest of the sequence so its payload does not show up as
//! garbage. It follows the shape of the ECMA-48 / DEC parser but is more eager to give up:
//! anything that cannot continue a sequence ends it and is treated as text, so a stray
//! ESC costs one character, not the rest of the message.

use unicode_width::UnicodeWidthStr;

/// Columns between tab stops.
pub const TAB_WIDTH: usize = 4;
/// Most bytes `for_screen` returns, truncation marker included.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Room kept for `… [N bytes cut]` so the whole result stays within `MAX_LINE_BYTES`,
/// which in turn keeps `for_screen` idempotent (a capped line is not capped again).
const MARKER_RESERVE: usize = 64;

const BEL: char = '\u{07}';
const CAN: char = '\u{18}';
const SUB: char = '\u{1a}';
const ESC: char = '\u{1b}';
const C1_DCS: char = '\u{90}';
const C1_SOS: char = '\u{98}';
const C1_CSI: char = '\u{9b}';
const C1_ST: char = '\u{9c}';
const C1_OSC: char = '\u{9d}';
const C1_PM: char = '\u{9e}';
const C1_APC: char = '\u{9f}';

/// For the screen: removes every escape sequence (ESC- and C1-introduced), every control
/// character except '\n', DEL, '\r' and bidi overrides/isolates; expands tabs to
/// `TAB_WIDTH` columns; drops trailing newlines; caps the result at `MAX_LINE_BYTES`
/// (marker included) with `… [N bytes cut]`, N counting the sanitized bytes left out.
pub fn for_screen(raw: &str) -> String {
    // Most lines are plain ASCII; checking bytes is far cheaper than decoding chars.
    if raw.bytes().all(|b| matches!(b, b' '..=b'~' | b'\n')) {
        return cap(raw.trim_end_matches('\n'));
    }
    let mut parser = Parser::default();
    let mut out = ScreenText::with_capacity(raw.len());
    for c in raw.chars() {
        if parser.is_text(c) {
            out.push(c);
        }
    }
    let mut text = out.text;
    let end = text.trim_end_matches('\n').len();
    text.truncate(end);
    if text.len() > MAX_LINE_BYTES {
        return cap(&text);
    }
    // A megabyte of escape codes sanitizes to almost nothing; the ring must not keep the
    // megabyte allocated for each such line.
    if text.capacity() - text.len() > 64 + text.len() / 4 {
        text.shrink_to_fit();
    }
    text
}

/// For a message on one line (a status line, stderr, an error): `for_screen`, with every
/// run of whitespace, newlines included, made one space.
pub fn one_line(raw: &str) -> String {
    let safe = for_screen(raw);
    let mut out = String::with_capacity(safe.len());
    for word in safe.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `for_screen` for bytes that may not be UTF-8: invalid sequences become U+FFFD first,
/// so a raw 0x9B byte can never reach a terminal that reads 8-bit controls.
pub fn bytes_for_screen(raw: &[u8]) -> String {
    for_screen(&String::from_utf8_lossy(raw))
}

/// For a pipe: removes escape sequences (ESC- and C1-introduced) and lone C1 controls
/// only; tabs, CR and all other text stay as they are. No length cap: whatever reads the
/// pipe asked for the message.
pub fn for_pipe(raw: &str) -> String {
    // Every C1 control is encoded as 0xC2 0x80..=0x9F, so no ESC and no 0xC2 byte means
    // there is nothing to remove.
    if !raw.bytes().any(|b| b == 0x1b || b == 0xc2) {
        return raw.to_owned();
    }
    let mut parser = Parser::default();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if parser.is_text(c) && !is_c1(c) {
            out.push(c);
        }
    }
    out
}

/// Columns `s` takes on a terminal (wide CJK and emoji count two).
pub fn display_width(s: &str) -> usize {
    s.width()
}

fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
}

/// Characters the screen never shows: C0 except the two handled by `ScreenText::push`,
/// DEL, C1, and the bidi embeddings/overrides/isolates that can reorder what follows.
fn hidden_on_screen(c: char) -> bool {
    matches!(c, '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Where the parser is inside a possible escape sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Ground,
    /// After ESC.
    Escape,
    /// After ESC and one or more intermediates (0x20..=0x2F), waiting for the final.
    EscapeIntermediate,
    /// After ESC [ or C1 CSI: parameters and intermediates until a final 0x40..=0x7E.
    Csi,
    /// OSC, DCS, SOS, PM or APC payload, up to BEL or ST.
    Str,
}

#[derive(Debug, Default)]
struct Parser {
    state: State,
}

impl Parser {
    /// Feeds one char; true when it is text rather than part of a sequence.
    fn is_text(&mut self, c: char) -> bool {
        match self.state {
            State::Ground => self.ground(c),
            State::Escape => match c {
                '[' => self.enter(State::Csi),
                ']' | 'P' | 'X' | '^' | '_' => self.enter(State::Str),
                ' '..='/' => self.enter(State::EscapeIntermediate),
                // Two-char sequences, ST (ESC \) among them.
                '0'..='~' => self.enter(State::Ground),
                _ => self.abort(c),
            },
            State::EscapeIntermediate => match c {
                ' '..='/' => false,
                '0'..='~' => self.enter(State::Ground),
                _ => self.abort(c),
            },
            State::Csi => match c {
                ' '..='?' => false,
                '@'..='~' => self.enter(State::Ground),
                _ => self.abort(c),
            },
            State::Str => match c {
                BEL | C1_ST | CAN | SUB => self.enter(State::Ground),
                // Either the first half of ST or a new sequence; both end this one.
                ESC => self.enter(State::Escape),
                // Terminals would keep swallowing, but an unterminated title must not eat
                // the rest of a stack trace.
                '\n' => self.abort(c),
                _ => false,
            },
        }
    }

    fn ground(&mut self, c: char) -> bool {
        match c {
            ESC => self.enter(State::Escape),
            C1_CSI => self.enter(State::Csi),
            C1_OSC | C1_DCS | C1_SOS | C1_PM | C1_APC => self.enter(State::Str),
            _ => true,
        }
    }

    fn enter(&mut self, state: State) -> bool {
        self.state = state;
        false
    }

    /// `c` cannot continue the sequence: drop what was seen and read `c` afresh.
    fn abort(&mut self, c: char) -> bool {
        self.state = State::Ground;
        self.ground(c)
    }
}

/// Sanitized text being built, with what tab expansion needs to know about the columns.
struct ScreenText {
    text: String,
    /// Start of the text not yet measured: after the last '\n' or expanded tab.
    segment_start: usize,
    /// Column at `segment_start`.
    segment_column: usize,
}

impl ScreenText {
    fn with_capacity(n: usize) -> ScreenText {
        ScreenText {
            text: String::with_capacity(n),
            segment_start: 0,
            segment_column: 0,
        }
    }

    fn push(&mut self, c: char) {
        match c {
            '\n' => {
                self.text.push('\n');
                self.segment_start = self.text.len();
                self.segment_column = 0;
            }
            '\t' => {
                // Measuring only since the last tab keeps a line full of tabs linear.
                let column = self.segment_column + self.text[self.segment_start..].width();
                let spaces = TAB_WIDTH - column % TAB_WIDTH;
                self.text.extend(std::iter::repeat_n(' ', spaces));
                self.segment_start = self.text.len();
                self.segment_column = column + spaces;
            }
            c if hidden_on_screen(c) => {}
            c => self.text.push(c),
        }
    }
}

/// `text` as is when it fits, else its head (on a char boundary) and the marker.
fn cap(text: &str) -> String {
    if text.len() <= MAX_LINE_BYTES {
        return text.to_owned();
    }
    let mut keep = MAX_LINE_BYTES - MARKER_RESERVE;
    while !text.is_char_boundary(keep) {
        keep -= 1;
    }
    let cut = text.len() - keep;
    let mut capped = String::with_capacity(MAX_LINE_BYTES);
    capped.push_str(&text[..keep]);
    capped.push_str("… [");
    capped.push_str(&cut.to_string());
    capped.push_str(" bytes cut]");
    capped
}

/// The severity a line shows, guessed from its text. Ordered, so filters can say
/// "warnings and worse" as `level >= Level::Warn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    #[default]
    None,
    Warn,
    Error,
}

/// Guesses the severity of a message.
///
/// A structured level field (`"level":"error"`, `"severity":"WARN"`, `level=error`, also
/// the keys `lvl`, `loglevel`, `log_level`, `levelname`, and pino/bunyan numbers such as
/// `"level":50`) decides when its value is known, so `{"level":"info","msg":"retrying
/// after error"}` is not an error. Otherwise the worst of these whole words (ASCII letters,
/// digits and '_' make up words) wins:
/// - Error: `error`, `fatal`, `critical`, `panic`, `panicked` in any case; `Traceback`; and
///   type names that start upper-case and end in `Exception` or `Error`
///   (`java.lang.IllegalStateException`, `TypeError:`).
/// - Warn: `warn`, `warning` in any case.
///
/// Deliberately not matched: `errors=0`, `warnings`, `terror`, `log_error`, `isError`
/// (a count, a plural or a name is not a report of one). A line saying "no error" is a
/// false positive this accepts.
pub fn level(text: &str) -> Level {
    let bytes = text.as_bytes();
    let mut worst = Level::None;
    let mut i = 0;
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word_byte(bytes[i]) {
            i += 1;
        }
        let word = &bytes[start..i];
        if is_level_key(word)
            && let Some(level) = field_value(bytes, start, i)
        {
            return level;
        }
        if worst < Level::Error {
            worst = worst.max(word_level(word));
        }
    }
    worst
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_level_key(word: &[u8]) -> bool {
    [
        "level",
        "severity",
        "lvl",
        "loglevel",
        "log_level",
        "levelname",
    ]
    .iter()
    .any(|key| word.eq_ignore_ascii_case(key.as_bytes()))
}

/// The level named by the value of the key at `bytes[start..end]`, when the key is a JSON
/// key (`"level": "x"`, `"level":50`) or a logfmt key (`level=x`, `level="x"`) and its
/// value is one we know.
fn field_value(bytes: &[u8], start: usize, end: usize) -> Option<Level> {
    let mut i = end;
    let json = start > 0 && bytes[start - 1] == b'"' && bytes.get(end) == Some(&b'"');
    if json {
        i += 1;
        i = skip_spaces(bytes, i);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        i = skip_spaces(bytes, i + 1);
    } else if bytes.get(i) == Some(&b'=') {
        i += 1;
    } else {
        return None;
    }
    if bytes.get(i) == Some(&b'"') {
        i += 1;
    }
    let rest = bytes.get(i..)?;
    let value_len = rest.iter().take_while(|b| is_word_byte(**b)).count();
    value_level(&rest[..value_len])
}

fn skip_spaces(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
        i += 1;
    }
    i
}

fn value_level(value: &[u8]) -> Option<Level> {
    const ERROR: [&str; 10] = [
        "error",
        "err",
        "fatal",
        "critical",
        "crit",
        "panic",
        "alert",
        "emerg",
        "emergency",
        "severe",
    ];
    const WARN: [&str; 2] = ["warn", "warning"];
    const QUIET: [&str; 10] = [
        "info",
        "information",
        "debug",
        "trace",
        "notice",
        "verbose",
        "fine",
        "finer",
        "finest",
        "config",
    ];
    let is = |names: &[&str]| {
        names
            .iter()
            .any(|n| value.eq_ignore_ascii_case(n.as_bytes()))
    };
    if is(&ERROR) {
        return Some(Level::Error);
    }
    if is(&WARN) {
        return Some(Level::Warn);
    }
    if is(&QUIET) {
        return Some(Level::None);
    }
    // pino and bunyan: 10 trace .. 30 info, 40 warn, 50 error, 60 fatal. Other numbers
    // (syslog's 0..7 among them) are not ours to guess.
    match std::str::from_utf8(value).ok()?.parse::<u8>().ok()? {
        10..=39 => Some(Level::None),
        40..=49 => Some(Level::Warn),
        50..=69 => Some(Level::Error),
        _ => None,
    }
}

fn word_level(word: &[u8]) -> Level {
    let any_case = |name: &str| word.eq_ignore_ascii_case(name.as_bytes());
    match word.len() {
        4 | 7 if any_case("warn") || any_case("warning") => return Level::Warn,
        5 | 8
            if any_case("error")
                || any_case("fatal")
                || any_case("panic")
                || any_case("critical")
                || any_case("panicked") =>
        {
            return Level::Error;
        }
        _ => {}
    }
    let type_name = word.first().is_some_and(u8::is_ascii_uppercase);
    if word == b"Traceback"
        || (type_name && (word.ends_with(b"Exception") || word.ends_with(b"Error")))
    {
        Level::Error
    } else {
        Level::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn assert_screen_safe(out: &str) {
        for c in out.chars() {
            assert!(
                c == '\n' || !hidden_on_screen(c),
                "{c:?} survived in {out:?}"
            );
        }
    }

    #[test]
    fn the_issue_example_neither_retitles_nor_clears() {
        assert_eq!(for_screen("\x1b]0;title\x07\x1b[2J"), "");
        let out = for_screen("before \x1b]0;title\x07\x1b[2Jafter");
        assert_eq!(out, "before after");
        assert!(!out.contains('\x1b') && !out.contains('\x07') && !out.contains("title"));
    }

    #[test]
    fn csi_with_parameters_and_private_markers_is_removed() {
        assert_eq!(for_screen("\x1b[1;31mred\x1b[0m plain"), "red plain");
        assert_eq!(for_screen("\x1b[38;2;255;0;0mX\x1b[m"), "X");
        assert_eq!(for_screen("\x1b[?25l\x1b[?1049hhidden"), "hidden");
        assert_eq!(for_screen("\x1b[10;20H\x1b[Kmoved"), "moved");
    }

    #[test]
    fn osc_ends_at_bel_or_st_and_its_payload_is_hidden() {
        assert_eq!(for_screen("\x1b]52;c;ZXZpbA==\x07ok"), "ok");
        assert_eq!(
            for_screen("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"),
            "link"
        );
        assert_eq!(for_screen("\u{9d}0;title\u{9c}x"), "x");
        assert_eq!(for_screen("\u{9d}0;title\x07x"), "x");
        // UTF-8 in a title is still payload.
        assert_eq!(for_screen("\x1b]2;tïtle 日本\x07x"), "x");
    }

    #[test]
    fn an_unterminated_string_sequence_stops_at_the_line_break() {
        assert_eq!(for_screen("a\x1b]0;title\nat line 2"), "a\nat line 2");
        assert_eq!(for_screen("a\x1b]0;title never ends"), "a");
    }

    #[test]
    fn c1_csi_is_removed_with_its_parameters() {
        assert_eq!(for_screen("\u{9b}31mred"), "red");
        assert_eq!(for_screen("\u{9b}2J\u{9b}Hx"), "x");
        assert_eq!(for_screen("a\u{85}b\u{9c}c\u{80}d"), "abcd");
    }

    #[test]
    fn dcs_sos_pm_apc_are_removed() {
        assert_eq!(for_screen("\x1bP1$qm\x1b\\done"), "done");
        assert_eq!(for_screen("\u{90}q#0;2;0;0;0\u{9c}ok"), "ok");
        assert_eq!(
            for_screen("\x1bXsos\x1b\\\x1b^pm\x1b\\\x1b_apc\x1b\\x"),
            "x"
        );
        assert_eq!(
            for_screen("\u{98}sos\u{9c}\u{9e}pm\u{9c}\u{9f}apc\u{9c}x"),
            "x"
        );
    }

    #[test]
    fn two_char_and_intermediate_escapes_are_removed() {
        assert_eq!(for_screen("\x1bc"), "");
        assert_eq!(for_screen("\x1b7saved\x1b8"), "saved");
        assert_eq!(for_screen("\x1b(B\x1b#8x"), "x");
    }

    #[test]
    fn a_stray_esc_costs_one_char_at_most() {
        assert_eq!(for_screen("abc\x1b"), "abc");
        assert_eq!(for_screen("\x1b"), "");
        assert_eq!(for_screen("\x1bé"), "é");
        assert_eq!(for_screen("a\x1b\nb"), "a\nb");
        assert_eq!(for_screen("\x1b\x1b[31mx"), "x");
        assert_eq!(for_screen("\x1b[31\nx"), "\nx");
    }

    #[test]
    fn cr_and_trailing_newlines_go_inner_newlines_stay() {
        assert_eq!(for_screen("line\r\n"), "line");
        assert_eq!(for_screen("a\r\nb\r\n"), "a\nb");
        assert_eq!(for_screen("50%\r100%"), "50%100%");
        assert_eq!(for_screen("msg\n"), "msg");
        assert_eq!(for_screen("msg\n\n"), "msg");
        assert_eq!(for_screen("msg\x1b[0m\n"), "msg");
        assert_eq!(
            for_screen("Exception in thread \"main\"\n\tat A.b(A.java:1)\n"),
            "Exception in thread \"main\"\n    at A.b(A.java:1)"
        );
    }

    #[test]
    fn other_controls_and_del_are_removed() {
        assert_eq!(for_screen("a\x00b\x07c\x08d\x7fe\x0bf\x0cg"), "abcdefg");
    }

    #[test]
    fn tabs_expand_to_the_next_stop_by_display_width() {
        assert_eq!(for_screen("a\tb"), "a   b");
        assert_eq!(for_screen("\tx"), "    x");
        assert_eq!(for_screen("abcd\te"), "abcd    e");
        assert_eq!(for_screen("a\t\tb"), "a       b");
        assert_eq!(for_screen("中\tb"), "中  b");
        assert_eq!(for_screen("中文字\tb"), "中文字  b");
        assert_eq!(for_screen("ab\n\tc"), "ab\n    c");
        // Escapes take no columns.
        assert_eq!(for_screen("\x1b[1mab\x1b[0m\tc"), "ab  c");
        assert_eq!(for_screen("é\tx"), "é   x");
    }

    #[test]
    fn invalid_utf8_becomes_replacement_chars() {
        assert_eq!(bytes_for_screen(b"ok\xff\xfex"), "ok\u{fffd}\u{fffd}x");
        // A raw 0x9B byte is not a C1 CSI once decoded; what follows is plain text.
        assert_eq!(bytes_for_screen(b"\x9b2Jx"), "\u{fffd}2Jx");
        assert_eq!(bytes_for_screen(b"cut \xe4\xb8"), "cut \u{fffd}");
        assert_eq!(bytes_for_screen(b"\xc2\x9b31mred"), "red");
    }

    #[test]
    fn a_megabyte_line_is_capped_with_a_marker() {
        let out = for_screen(&"x".repeat(1 << 20));
        assert!(out.len() <= MAX_LINE_BYTES);
        let keep = MAX_LINE_BYTES - MARKER_RESERVE;
        assert_eq!(
            out,
            format!("{}… [{} bytes cut]", "x".repeat(keep), (1 << 20) - keep)
        );
        assert_eq!(for_screen(&out), out);
    }

    #[test]
    fn a_capped_multibyte_line_is_cut_on_a_char_boundary() {
        let raw = "é€\t\x1b[1m".repeat(200_000);
        let out = for_screen(&raw);
        assert!(out.len() <= MAX_LINE_BYTES);
        assert!(out.ends_with(" bytes cut]"));
        assert!(out.starts_with("é€  é€  "));
        assert_screen_safe(&out);
        assert_eq!(for_screen(&out), out);
    }

    #[test]
    fn a_megabyte_of_escapes_does_not_stay_allocated() {
        let out = for_screen(&"\x1b[0m".repeat(250_000));
        assert_eq!(out, "");
        assert!(out.capacity() < 1024, "capacity {}", out.capacity());
    }

    #[test]
    fn wide_chars_and_emoji_are_kept() {
        let text = "日本語 🚀 ok 👨‍👩‍👧 é";
        assert_eq!(for_screen(text), text);
        assert_eq!(display_width("日本"), 4);
        assert_eq!(display_width("🚀"), 2);
        assert_eq!(display_width("ab"), 2);
    }

    #[test]
    fn bidi_overrides_and_isolates_are_removed() {
        assert_eq!(
            for_screen("a\u{202e}live\u{202c}b\u{2066}c\u{2069}"),
            "alivebc"
        );
        assert_eq!(for_screen("\u{202a}\u{202b}\u{202d}\u{2067}\u{2068}x"), "x");
    }

    #[test]
    fn for_pipe_keeps_text_tabs_and_cr_but_drops_escapes() {
        assert_eq!(for_pipe("a\tb\r\n"), "a\tb\r\n");
        assert_eq!(for_pipe("\x1b[31mred\x1b[0m\tx"), "red\tx");
        assert_eq!(for_pipe("\x1b]0;title\x07\x1b[2J"), "");
        assert_eq!(for_pipe("\u{9b}2Jx\u{85}y"), "xy");
        assert_eq!(for_pipe("日本 \u{a0}é"), "日本 \u{a0}é");
        let long = "y".repeat(1 << 20);
        assert_eq!(for_pipe(&long), long);
    }

    #[test]
    fn level_words() {
        assert_eq!(level("2026-11-21 ERROR payment failed"), Level::Error);
        assert_eq!(level("[error] x"), Level::Error);
        assert_eq!(level("FATAL: out of disk"), Level::Error);
        assert_eq!(level("critical section"), Level::Error);
        assert_eq!(level("thread 'main' panicked at src/main.rs"), Level::Error);
        assert_eq!(
            level("panic: runtime error: index out of range"),
            Level::Error
        );
        assert_eq!(level("Traceback (most recent call last):"), Level::Error);
        assert_eq!(
            level("java.lang.IllegalStateException: closed"),
            Level::Error
        );
        assert_eq!(level("Exception in thread \"main\""), Level::Error);
        assert_eq!(level("TypeError: x is undefined"), Level::Error);
        assert_eq!(level("WARN disk at 91%"), Level::Warn);
        assert_eq!(level("Warning: deprecated"), Level::Warn);
        assert_eq!(level("warn then error"), Level::Error);
        assert_eq!(level("GET /health 200"), Level::None);
        assert_eq!(level(""), Level::None);
    }

    #[test]
    fn level_avoids_counts_plurals_and_names() {
        assert_eq!(level("terror at the opera"), Level::None);
        assert_eq!(level("errors=0 warnings=0"), Level::None);
        assert_eq!(level("log_error handler installed"), Level::None);
        assert_eq!(level("{\"isError\":false}"), Level::None);
        assert_eq!(level("ExceptionHandler ready"), Level::None);
        assert_eq!(level("forewarned"), Level::None);
        assert_eq!(level("exceptions: 0"), Level::None);
    }

    #[test]
    fn a_structured_level_field_decides() {
        assert_eq!(level(r#"{"level":"error","msg":"x"}"#), Level::Error);
        assert_eq!(level(r#"{"severity": "WARN"}"#), Level::Warn);
        assert_eq!(level("ts=1 level=error msg=boom"), Level::Error);
        assert_eq!(level(r#"level="warning" msg=x"#), Level::Warn);
        assert_eq!(
            level(r#"{"level":"info","msg":"retrying after error"}"#),
            Level::None
        );
        assert_eq!(
            level(r#"{"msg":"retry after ERROR","level":"debug"}"#),
            Level::None
        );
        assert_eq!(level(r#"{"level":50,"msg":"x"}"#), Level::Error);
        assert_eq!(level(r#"{"level":40}"#), Level::Warn);
        assert_eq!(level(r#"{"level":30,"msg":"fatal"}"#), Level::None);
        assert_eq!(level(r#"{"levelname": "CRITICAL"}"#), Level::Error);
        // Unknown values and prose do not decide; the words do.
        assert_eq!(level(r#"{"level":3,"msg":"ERROR x"}"#), Level::Error);
        assert_eq!(level("set level: debug after ERROR"), Level::Error);
        assert_eq!(level("level="), Level::None);
        assert_eq!(level("\"level\""), Level::None);
    }

    #[test]
    fn levels_are_ordered_for_filters() {
        assert!(Level::None < Level::Warn && Level::Warn < Level::Error);
    }

    /// Chars that exercise every state: introducers, terminators, controls, bidi, tabs.
    fn tricky_char() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => prop::sample::select(vec![
                '\x1b', '[', ']', '\\', 'P', 'X', '^', '_', '\x07', '\x18', '\x1a', '\n',
                '\r', '\t', '\x7f', '\u{9b}', '\u{9c}', '\u{9d}', '\u{90}', '\u{85}',
                '\u{202e}', '\u{2066}', ';', '0', 'm', '(', '#', ' ', '中', '🚀',
            ]),
            2 => prop::char::range(' ', '~'),
            1 => any::<char>(),
        ]
    }

    fn tricky_string() -> impl Strategy<Value = String> {
        prop::collection::vec(tricky_char(), 0..300).prop_map(|v| v.into_iter().collect())
    }

    fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            3 => prop::sample::select(vec![0x1b, b'[', b']', 0x07, b'\\', 0xc2, 0x9b, 0x9d, 0x9c, b'\n', b'\t', b'\r', 0xe4, 0xb8, 0x80]),
            2 => any::<u8>(),
        ];
        prop::collection::vec(byte, 0..300)
    }

    proptest! {
        #[test]
        fn screen_output_has_no_controls_and_is_idempotent(raw in tricky_string()) {
            let out = for_screen(&raw);
            assert_screen_safe(&out);
            prop_assert!(!out.ends_with('\n'));
            prop_assert!(out.len() <= MAX_LINE_BYTES);
            prop_assert_eq!(for_screen(&out), out);
        }

        #[test]
        fn arbitrary_strings_are_safe_too(raw in any::<String>()) {
            let out = for_screen(&raw);
            assert_screen_safe(&out);
            prop_assert_eq!(for_screen(&out), out);
        }

        #[test]
        fn screen_output_from_bytes_is_safe_and_idempotent(raw in tricky_bytes()) {
            let out = bytes_for_screen(&raw);
            assert_screen_safe(&out);
            prop_assert_eq!(for_screen(&out), out);
        }

        #[test]
        fn pipe_output_has_no_escape_or_c1(raw in tricky_string()) {
            let out = for_pipe(&raw);
            prop_assert!(!out.contains('\x1b'));
            prop_assert!(!out.chars().any(is_c1));
        }

        #[test]
        fn pipe_output_from_lossy_bytes_has_no_escape_or_c1(raw in tricky_bytes()) {
            let out = for_pipe(&String::from_utf8_lossy(&raw));
            prop_assert!(!out.contains('\x1b'));
            prop_assert!(!out.chars().any(is_c1));
        }

        #[test]
        fn printable_ascii_passes_through(raw in "[ -~]{0,400}") {
            prop_assert_eq!(&for_screen(&raw), &raw);
            prop_assert_eq!(&for_pipe(&raw), &raw);
        }

        #[test]
        fn plain_unicode_passes_through(raw in "[^\\x00-\\x1f\\x7f-\\x9f\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}]{0,200}") {
            prop_assert_eq!(&for_screen(&raw), &raw);
            prop_assert_eq!(&for_pipe(&raw), &raw);
        }

        #[test]
        fn level_never_panics(raw in tricky_string()) {
            let _ = level(&raw);
        }
    }
}
