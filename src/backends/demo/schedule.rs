//! Application Auto Scaling schedule expressions, as the demo's scheduler runs them:
//! `at(yyyy-mm-ddThh:mm:ss)`, `rate(N minutes|hours|days)` and six-field
//! `cron(minutes hours day-of-month month day-of-week year)`, in an IANA time zone (UTC
//! when none is given). A schedule fires when its moment falls in `(previous, now]`, so a
//! stretch of time the simulation skips (a clock jump) fires nothing, as a missed
//! scheduled action does not run late.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Schedule {
    /// A local time in the action's zone, already resolved to UTC.
    At(DateTime<Utc>),
    Rate(Duration),
    Cron(Box<Cron>),
}

/// A parsed cron expression: each field's allowed values.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cron {
    minutes: Field,
    hours: Field,
    days_of_month: Field,
    months: Field,
    /// 1 = Sunday .. 7 = Saturday, as AWS numbers them.
    days_of_week: Field,
    years: Field,
}

/// Allowed values of one cron field as ranges with steps.
#[derive(Debug, Clone, PartialEq)]
struct Field(Vec<(u32, u32, u32)>);

impl Field {
    fn matches(&self, v: u32) -> bool {
        self.0
            .iter()
            .any(|&(lo, hi, step)| v >= lo && v <= hi && (v - lo).is_multiple_of(step))
    }
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The time zone of a scheduled action; `None` means UTC.
pub(super) fn zone(timezone: Option<&str>) -> Result<Tz, String> {
    match timezone {
        None => Ok(Tz::UTC),
        Some(name) => name
            .parse::<Tz>()
            .map_err(|_| format!("Time zone {name} is not a valid IANA time zone name.")),
    }
}

/// Parses a schedule expression in `timezone`, with AWS-like messages for what is wrong.
pub(super) fn parse(expression: &str, timezone: Option<&str>) -> Result<Schedule, String> {
    let tz = zone(timezone)?;
    let invalid = || format!("Schedule expression {expression} is not valid.");
    let expr = expression.trim();
    if let Some(inner) = expr.strip_prefix("at(").and_then(|r| r.strip_suffix(')')) {
        let local = NaiveDateTime::parse_from_str(inner.trim(), "%Y-%m-%dT%H:%M:%S")
            .map_err(|_| format!("{} Use at(yyyy-mm-ddThh:mm:ss).", invalid()))?;
        // A time that does not exist locally (skipped by a clock change) fires at the
        // first moment after the gap, as AWS does.
        let utc = tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .ok_or_else(invalid)?;
        return Ok(Schedule::At(utc.with_timezone(&Utc)));
    }
    if let Some(inner) = expr.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let mut parts = inner.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("{} Use rate(value unit).", invalid()));
        };
        let n: i64 = n.parse().ok().filter(|n| *n > 0).ok_or_else(invalid)?;
        let unit = match (unit, n) {
            ("minute", 1) | ("minutes", 2..) => Duration::minutes(1),
            ("hour", 1) | ("hours", 2..) => Duration::hours(1),
            ("day", 1) | ("days", 2..) => Duration::days(1),
            _ => {
                return Err(format!(
                    "{} The unit must be minute(s), hour(s) or day(s), singular for 1.",
                    invalid()
                ));
            }
        };
        return Ok(Schedule::Rate(
            unit * i32::try_from(n).map_err(|_| invalid())?,
        ));
    }
    if let Some(inner) = expr.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        return parse_cron(inner)
            .map(|c| Schedule::Cron(Box::new(c)))
            .map_err(|why| format!("{} {why}", invalid()));
    }
    Err(format!(
        "{} It must be at(...), rate(...) or cron(...).",
        invalid()
    ))
}

fn parse_cron(inner: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let [minutes, hours, dom, month, dow, year] = fields[..] else {
        return Err(format!(
            "A cron expression has 6 fields (minutes hours day-of-month month day-of-week year), not {}.",
            fields.len()
        ));
    };
    if (dom == "?") == (dow == "?") {
        return Err("Use ? in exactly one of day-of-month and day-of-week.".into());
    }
    Ok(Cron {
        minutes: field(minutes, 0, 59, &[], 0)?,
        hours: field(hours, 0, 23, &[], 0)?,
        days_of_month: field(dom, 1, 31, &[], 0)?,
        months: field(month, 1, 12, &MONTHS, 1)?,
        days_of_week: field(dow, 1, 7, &DAYS, 1)?,
        years: field(year, 1970, 2199, &[], 0)?,
    })
}

/// One field: `*`, `?`, values, `a-b` ranges, `/step`, comma lists; names where the field
/// has them (`MON-FRI`, `JAN`).
fn field(text: &str, min: u32, max: u32, names: &[&str], first: u32) -> Result<Field, String> {
    let value = |s: &str| -> Result<u32, String> {
        let upper = s.to_ascii_uppercase();
        if let Some(i) = names.iter().position(|n| *n == upper) {
            return Ok(first + u32::try_from(i).unwrap_or(0));
        }
        if upper.contains(['L', 'W', '#']) {
            return Err(format!(
                "The demo's scheduler does not run L, W or # ({text})."
            ));
        }
        s.parse::<u32>()
            .ok()
            .filter(|v| (min..=max).contains(v))
            .ok_or_else(|| format!("{s} is not a value between {min} and {max}."))
    };
    let mut out = Vec::new();
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, st)) => (
                r,
                st.parse::<u32>()
                    .ok()
                    .filter(|st| *st > 0)
                    .ok_or_else(|| format!("{st} is not a valid step."))?,
            ),
            None => (item, 1),
        };
        let (lo, hi) = match range {
            "*" | "?" => (min, max),
            _ => match range.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                // `5/15`: from 5 to the end of the field, every 15.
                None if step > 1 => (value(range)?, max),
                None => {
                    let v = value(range)?;
                    (v, v)
                }
            },
        };
        if lo > hi {
            return Err(format!("{range} is an empty range."));
        }
        out.push((lo, hi, step));
    }
    Ok(Field(out))
}

impl Cron {
    /// Whether the minute starting at `local` is one this expression names.
    fn matches<T: Datelike + Timelike>(&self, local: &T) -> bool {
        let year = u32::try_from(local.year()).unwrap_or(0);
        self.minutes.matches(local.minute())
            && self.hours.matches(local.hour())
            && self.days_of_month.matches(local.day())
            && self.months.matches(local.month())
            && self
                .days_of_week
                .matches(local.weekday().number_from_sunday())
            && self.years.matches(year)
    }
}

impl Schedule {
    /// Whether the schedule fires in `(prev, now]`. `base` is where a rate counts from
    /// (the action's start time, or when it was created).
    pub fn fires(
        &self,
        tz: Tz,
        base: DateTime<Utc>,
        prev: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        if now <= prev {
            return false;
        }
        match self {
            Schedule::At(at) => prev < *at && *at <= now,
            Schedule::Rate(every) => {
                let period = every.num_seconds().max(60);
                let ticks = |t: DateTime<Utc>| (t - base).num_seconds().div_euclid(period);
                now > base && ticks(now) > ticks(prev)
            }
            Schedule::Cron(cron) => {
                // Minute boundaries in (prev, now]; the simulation steps a second at a
                // time, so there is at most one unless the clock jumped.
                let Some(boundary) = now.with_second(0).and_then(|t| t.with_nanosecond(0)) else {
                    return false;
                };
                boundary > prev && cron.matches(&boundary.with_timezone(&tz))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn fires_at(expr: &str, tz: Option<&str>, at: &str) -> bool {
        let s = parse(expr, tz).unwrap();
        let now = utc(at);
        s.fires(
            zone(tz).unwrap(),
            utc("2025-01-01T00:00:00Z"),
            now - Duration::seconds(1),
            now,
        )
    }

    #[test]
    fn cron_in_a_time_zone_follows_its_summer_time() {
        let expr = "cron(0 7 ? * MON-FRI *)";
        // Dublin is on GMT in January and on UTC+1 in July.
        assert!(fires_at(
            expr,
            Some("Europe/Dublin"),
            "2025-01-15T07:00:00Z"
        ));
        assert!(!fires_at(
            expr,
            Some("Europe/Dublin"),
            "2025-07-15T07:00:00Z"
        ));
        assert!(fires_at(
            expr,
            Some("Europe/Dublin"),
            "2025-07-15T06:00:00Z"
        ));
        // Saturday.
        assert!(!fires_at(
            expr,
            Some("Europe/Dublin"),
            "2025-01-18T07:00:00Z"
        ));
        // Only on the minute boundary.
        assert!(!fires_at(
            expr,
            Some("Europe/Dublin"),
            "2025-01-15T07:00:01Z"
        ));
    }

    #[test]
    fn cron_lists_ranges_steps_and_names() {
        assert!(fires_at(
            "cron(*/15 9-17 ? * 2,4 *)",
            None,
            "2025-01-13T09:45:00Z"
        ));
        assert!(!fires_at(
            "cron(*/15 9-17 ? * 2,4 *)",
            None,
            "2025-01-13T09:50:00Z"
        ));
        assert!(fires_at(
            "cron(5/20 0 1 JAN ? 2025)",
            None,
            "2025-01-01T00:25:00Z"
        ));
        assert!(!fires_at(
            "cron(5/20 0 1 JAN ? 2026)",
            None,
            "2025-01-01T00:25:00Z"
        ));
    }

    #[test]
    fn at_fires_once_when_its_moment_passes() {
        let s = parse("at(2025-03-30T01:30:00)", Some("Europe/Dublin")).unwrap();
        // 01:30 does not exist in Dublin that night: clocks go from 01:00 to 02:00 (UTC+1).
        assert_eq!(s, Schedule::At(utc("2025-03-30T01:30:00Z")));
        let tz = zone(Some("Europe/Dublin")).unwrap();
        let base = utc("2025-01-01T00:00:00Z");
        let at = utc("2025-03-30T01:30:00Z");
        assert!(s.fires(tz, base, at - Duration::seconds(1), at));
        assert!(!s.fires(tz, base, at, at + Duration::seconds(1)));
    }

    #[test]
    fn rate_counts_from_its_base() {
        let s = parse("rate(2 hours)", None).unwrap();
        let base = utc("2025-01-01T00:00:00Z");
        let two = utc("2025-01-01T02:00:00Z");
        assert!(s.fires(Tz::UTC, base, two - Duration::seconds(1), two));
        assert!(!s.fires(Tz::UTC, base, two, two + Duration::seconds(1)));
        assert!(!s.fires(Tz::UTC, base, base - Duration::seconds(1), base));
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        let err = |e: &str, tz: Option<&str>| parse(e, tz).unwrap_err();
        assert!(err("cron(0 7 * * * *)", None).contains("exactly one"));
        assert!(err("cron(0 7 ? * MON-FRI)", None).contains("6 fields"));
        assert!(err("cron(61 7 ? * MON *)", None).contains("61"));
        assert!(err("cron(0 7 L * ? *)", None).contains("L, W or #"));
        assert!(err("rate(1 minutes)", None).contains("singular"));
        assert!(err("at(2025-13-01T00:00:00)", None).contains("yyyy"));
        assert!(err("every day", None).contains("at(...)"));
        assert!(err("rate(5 minutes)", Some("Mars/Olympus")).contains("IANA"));
        assert!(parse("rate(1 day)", Some("America/New_York")).is_ok());
    }
}
