//! The checks the auto scaling forms run on every keystroke, and the parsers submitting
//! uses: names, the ALB resource label, target values, counts, times, time zones and
//! schedule expressions (`cron`, `at`, `rate`) as Application Auto Scaling takes them.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::app::form::parse_count;

const LABEL_SHAPE: &str =
    "app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>";

/// A scaling policy's name: 1 to 256 printable ASCII characters, no space at either end.
pub fn check_policy_name(text: &str) -> Result<(), String> {
    check_name_length(text)?;
    if let Some(c) = text.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(format!(
            "`{}` is not allowed: letters, digits, spaces and ASCII punctuation only",
            c.escape_default()
        ));
    }
    Ok(())
}

/// A scheduled action's name: 1 to 256 characters, no control characters, no `:`, `/`
/// or `|`, no space at either end.
pub fn check_action_name(text: &str) -> Result<(), String> {
    check_name_length(text)?;
    if text.chars().any(|c| c.is_control()) {
        return Err("no control characters".into());
    }
    if let Some(c) = text.chars().find(|c| matches!(c, ':' | '/' | '|')) {
        return Err(format!("`{c}` is not allowed (nor `:`, `/`, `|`)"));
    }
    Ok(())
}

fn check_name_length(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("enter a name".into());
    }
    if text.chars().count() > 256 {
        return Err("at most 256 characters".into());
    }
    if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
        return Err("no spaces at the start or end".into());
    }
    Ok(())
}

/// The resource label field: empty (only ALB requests per target needs one) or the
/// `app/<lb>/<id>/targetgroup/<tg>/<id>` shape.
pub fn check_resource_label(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Ok(());
    }
    resource_label(text).map(drop)
}

/// A load balancer or target group name: 1 to 32 letters, digits and hyphens, no hyphen
/// at either end.
fn elb_name_ok(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn elb_id_ok(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit())
}

/// The resource label, checked: `app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>`.
pub fn resource_label(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!(
            "ALB requests per target needs a resource label: {LABEL_SHAPE}"
        ));
    }
    if t.starts_with("arn:") {
        return Err(format!(
            "not an ARN: take `app/<name>/<id>` from the load balancer ARN and `targetgroup/<name>/<id>` from the target group ARN ({LABEL_SHAPE})"
        ));
    }
    if t.len() > 1023 {
        return Err("at most 1023 characters".into());
    }
    let parts: Vec<&str> = t.split('/').collect();
    let [app, lb, lb_id, tg_word, tg, tg_id] = parts.as_slice() else {
        return Err(format!("expected six parts: {LABEL_SHAPE}"));
    };
    if *app != "app" {
        return Err(format!(
            "starts with app/ (an Application Load Balancer): {LABEL_SHAPE}"
        ));
    }
    if *tg_word != "targetgroup" {
        return Err(format!("the fourth part is `targetgroup`: {LABEL_SHAPE}"));
    }
    if !elb_name_ok(lb) {
        return Err(format!(
            "load balancer name `{lb}`: 1-32 letters, digits or hyphens"
        ));
    }
    if !elb_name_ok(tg) {
        return Err(format!(
            "target group name `{tg}`: 1-32 letters, digits or hyphens"
        ));
    }
    for (what, id) in [("load balancer", lb_id), ("target group", tg_id)] {
        if !elb_id_ok(id) {
            return Err(format!("{what} id `{id}` is not hexadecimal"));
        }
    }
    Ok(t.to_string())
}

/// A target value: a number above 0.
pub fn parse_target_value(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("enter a number above 0".into());
    }
    let v: f64 = t.parse().map_err(|_| format!("`{t}` is not a number"))?;
    if !v.is_finite() {
        return Err(format!("`{t}` is not a number"));
    }
    if v <= 0.0 {
        return Err("must be above 0".into());
    }
    Ok(v)
}

pub fn check_target_value(text: &str) -> Result<(), String> {
    parse_target_value(text).map(drop)
}

/// An optional whole number from 0 (cooldowns, a scheduled min or max): empty is none.
pub fn parse_optional_count(text: &str) -> Result<Option<i32>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_count(text).map(Some)
}

pub fn check_optional_count(text: &str) -> Result<(), String> {
    parse_optional_count(text).map(drop)
}

/// `yyyy-mm-ddThh:mm:ss`, exactly.
pub(super) fn parse_local_time(text: &str) -> Result<NaiveDateTime, String> {
    let bad = || format!("`{text}`: write yyyy-mm-ddThh:mm:ss, e.g. 2026-12-24T18:00:00");
    let shape_ok = text.len() == 19
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(bad());
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| format!("`{text}` is not a real date and time"))
}

/// An optional start or end time, in UTC: empty is none.
pub fn parse_optional_time(text: &str) -> Result<Option<DateTime<Utc>>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    parse_local_time(t).map(|n| Some(n.and_utc()))
}

pub fn check_optional_time(text: &str) -> Result<(), String> {
    parse_optional_time(text).map(drop)
}

/// A time zone: empty (UTC) or an IANA name such as Europe/Paris.
pub fn check_timezone(text: &str) -> Result<(), String> {
    let t = text.trim();
    if t.is_empty() || t.parse::<chrono_tz::Tz>().is_ok() {
        return Ok(());
    }
    let lower = t.to_lowercase();
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().to_lowercase() == lower)
    {
        return Err(format!(
            "did you mean {}? (names are case-sensitive)",
            tz.name()
        ));
    }
    Err(format!(
        "`{t}` is not an IANA time zone name (e.g. Europe/Paris, America/New_York, UTC)"
    ))
}

pub(super) fn time_zone(text: &str) -> Option<chrono_tz::Tz> {
    text.trim().parse().ok()
}

/// A schedule: `cron(...)` with six fields, `at(yyyy-mm-ddThh:mm:ss)` or `rate(N unit)`.
pub fn check_schedule(text: &str) -> Result<(), String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("enter cron(…), at(…) or rate(…)".into());
    }
    let Some((kind, rest)) = t.split_once('(') else {
        return Err("write cron(…), at(…) or rate(…)".into());
    };
    let Some(inner) = rest.strip_suffix(')') else {
        return Err(format!("{kind}(…) needs its closing `)`"));
    };
    match kind {
        "cron" => check_cron(inner),
        "at" => parse_local_time(inner.trim()).map(drop),
        "rate" => check_rate(inner),
        other => Err(format!(
            "`{other}(` is not a schedule: write cron(…), at(…) or rate(…) (lowercase)"
        )),
    }
}

fn check_rate(inner: &str) -> Result<(), String> {
    let parts: Vec<&str> = inner.split_whitespace().collect();
    let [n, unit] = parts.as_slice() else {
        return Err("rate(…) takes a number and a unit, e.g. rate(5 minutes)".into());
    };
    let n: u32 = match n.parse() {
        Ok(v) if v >= 1 && n.bytes().all(|b| b.is_ascii_digit()) => v,
        _ => return Err(format!("rate: `{n}` is not a whole number from 1")),
    };
    let (singular, plural) = match *unit {
        "minute" | "minutes" => ("minute", "minutes"),
        "hour" | "hours" => ("hour", "hours"),
        "day" | "days" => ("day", "days"),
        other => {
            return Err(format!(
                "rate: unit `{other}` is not minute(s), hour(s) or day(s)"
            ));
        }
    };
    match (n, *unit) {
        (1, u) if u != singular => Err(format!("write rate(1 {singular})")),
        (n, u) if n > 1 && u != plural => Err(format!("write rate({n} {plural})")),
        _ => Ok(()),
    }
}

/// One cron field's rules.
struct CronField {
    name: &'static str,
    lo: u32,
    hi: u32,
    names: &'static [&'static str],
    /// Day fields take `?`, `L` and their own specials.
    day: Option<DayField>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DayField {
    OfMonth,
    OfWeek,
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const CRON_FIELDS: [CronField; 6] = [
    CronField {
        name: "minutes",
        lo: 0,
        hi: 59,
        names: &[],
        day: None,
    },
    CronField {
        name: "hours",
        lo: 0,
        hi: 23,
        names: &[],
        day: None,
    },
    CronField {
        name: "day-of-month",
        lo: 1,
        hi: 31,
        names: &[],
        day: Some(DayField::OfMonth),
    },
    CronField {
        name: "month",
        lo: 1,
        hi: 12,
        names: MONTHS,
        day: None,
    },
    CronField {
        name: "day-of-week",
        lo: 1,
        hi: 7,
        names: WEEKDAYS,
        day: Some(DayField::OfWeek),
    },
    CronField {
        name: "year",
        lo: 1970,
        hi: 2199,
        names: &[],
        day: None,
    },
];

fn check_cron(inner: &str) -> Result<(), String> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!(
            "cron(…) takes 6 fields (minutes hours day-of-month month day-of-week year), not {}: e.g. cron(0 8 ? * MON-FRI *)",
            fields.len()
        ));
    }
    for (spec, text) in CRON_FIELDS.iter().zip(&fields) {
        check_cron_field(spec, text).map_err(|e| format!("cron {}: {e}", spec.name))?;
    }
    match (fields[2] == "?", fields[4] == "?") {
        (true, false) | (false, true) => Ok(()),
        (true, true) => Err("cron: only one of day-of-month and day-of-week can be `?`".into()),
        (false, false) => Err(
            "cron: one of day-of-month and day-of-week must be `?`, e.g. cron(0 8 ? * MON-FRI *)"
                .into(),
        ),
    }
}

fn check_cron_field(spec: &CronField, text: &str) -> Result<(), String> {
    if text == "?" {
        return if spec.day.is_some() {
            Ok(())
        } else {
            Err("`?` only goes in day-of-month or day-of-week".into())
        };
    }
    for part in text.split(',') {
        check_cron_part(spec, part)?;
    }
    Ok(())
}

fn check_cron_part(spec: &CronField, part: &str) -> Result<(), String> {
    if part.is_empty() {
        return Err("empty value (two commas?)".into());
    }
    // Day specials: L, LW, 15W (day of month); L, 5L, 6#3 (day of week).
    match spec.day {
        Some(DayField::OfMonth) => {
            if part == "L" || part == "LW" {
                return Ok(());
            }
            if let Some(day) = part.strip_suffix('W') {
                return cron_value(spec, day).map(drop);
            }
        }
        Some(DayField::OfWeek) => {
            if part == "L" {
                return Ok(());
            }
            if let Some(day) = part.strip_suffix('L') {
                return cron_value(spec, day).map(drop);
            }
            if let Some((day, nth)) = part.split_once('#') {
                cron_value(spec, day)?;
                return match nth.parse::<u32>() {
                    Ok(1..=5) => Ok(()),
                    _ => Err(format!("`#{nth}`: the week of the month is 1 to 5")),
                };
            }
        }
        None => {}
    }
    let (base, step) = match part.split_once('/') {
        Some((b, s)) => (b, Some(s)),
        None => (part, None),
    };
    if let Some(step) = step {
        match step.parse::<u32>() {
            Ok(s) if s >= 1 && step.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return Err(format!("`/{step}`: a step is a whole number from 1")),
        }
    }
    if base == "*" {
        return Ok(());
    }
    match base.split_once('-') {
        Some((a, b)) => {
            cron_value(spec, a)?;
            cron_value(spec, b)?;
            Ok(())
        }
        None => cron_value(spec, base).map(drop),
    }
}

fn cron_value(spec: &CronField, text: &str) -> Result<u32, String> {
    if let Some(i) = spec.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(spec.lo + i as u32);
    }
    let n = text
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse::<u32>().ok())
        .flatten();
    match n {
        Some(n) if (spec.lo..=spec.hi).contains(&n) => Ok(n),
        Some(_) => Err(format!("`{text}` is out of {}-{}", spec.lo, spec.hi)),
        None if spec.names.is_empty() => Err(format!("`{text}` is not a number")),
        None => Err(format!(
            "`{text}` is neither {}-{} nor {}-{}",
            spec.lo,
            spec.hi,
            spec.names[0],
            spec.names[spec.names.len() - 1]
        )),
    }
}
