//! Short human forms of times and sizes for table cells.

use chrono::{DateTime, Utc};

/// `45s`, `12m`, `3h`, `5d`, `2y` since `t`; `-` when unknown.
pub fn age(now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> String {
    let Some(t) = t else {
        return "-".to_string();
    };
    let secs = (now - t).num_seconds().max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s if s < 365 * 86_400 => format!("{}d", s / 86_400),
        s => format!("{}y", s / (365 * 86_400)),
    }
}

/// `2026-11-21 14:03:07` in UTC; `-` when unknown.
pub fn timestamp(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".to_string())
}

/// `2026-11-21 14:03` in UTC, for table cells; `-` when unknown.
pub fn minute(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".to_string())
}

/// `-` for an absent value.
pub fn opt(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or("-").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn ages() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
        assert_eq!(age(now, None), "-");
        assert_eq!(age(now, Some(now - Duration::seconds(59))), "59s");
        assert_eq!(age(now, Some(now - Duration::minutes(61))), "1h");
        assert_eq!(age(now, Some(now - Duration::days(400))), "1y");
        assert_eq!(age(now, Some(now + Duration::seconds(5))), "0s");
    }
}
