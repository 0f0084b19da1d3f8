//! Instants in a recording as a user writes them (`--at`, `--start`,
//! `--end`, the replay's `g`): RFC 3339, `HH:MM[:SS]` on the recording's
//! day in the zone the dashboard shows, or a negative duration counted
//! back from the recording's end (`-30s`).

use chrono::{DateTime, Local, NaiveTime, TimeZone, Utc};

/// The instant `spec` names in a recording from `start_ms` to `end_ms`;
/// `utc`: clock times are UTC (else local).
pub fn parse_at(spec: &str, start_ms: i64, end_ms: i64, utc: bool) -> Result<i64, String> {
    let s = spec.trim();
    if let Some(back) = s.strip_prefix('-') {
        let d = crate::vocab::duration::parse_duration(back).map_err(|e| format!("{s}: {e}"))?;
        return Ok(end_ms - d.as_millis() as i64);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    let time = NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .map_err(|_| {
            format!("{s}: not a time (RFC 3339, HH:MM[:SS] or a negative duration such as -30s)")
        })?;
    // The recording's days, first to last: the first where the clock time
    // falls within the recording, else the first day's.
    let on = |day_ms: i64| -> Option<i64> {
        if utc {
            let d = Utc.timestamp_millis_opt(day_ms).single()?.date_naive();
            Some(d.and_time(time).and_utc().timestamp_millis())
        } else {
            let d = Local.timestamp_millis_opt(day_ms).single()?.date_naive();
            Some(
                Local
                    .from_local_datetime(&d.and_time(time))
                    .earliest()?
                    .timestamp_millis(),
            )
        }
    };
    let mut day = start_ms;
    let mut first = None;
    while day <= end_ms + 86_400_000 {
        if let Some(t) = on(day) {
            first.get_or_insert(t);
            if (start_ms..=end_ms).contains(&t) {
                return Ok(t);
            }
        }
        day += 86_400_000;
    }
    first.ok_or_else(|| format!("{s}: not a time on the recording's days"))
}

#[cfg(test)]
mod tests {
    use super::parse_at;

    const START: i64 = 1_700_000_000_000; // 2023-11-14T22:13:20Z
    const END: i64 = START + 3_600_000;

    #[test]
    fn the_three_forms() {
        assert_eq!(parse_at("-30s", START, END, true), Ok(END - 30_000));
        assert_eq!(
            parse_at("2023-11-14T22:30:00Z", START, END, true),
            Ok(1_700_001_000_000)
        );
        assert_eq!(parse_at("22:30", START, END, true), Ok(1_700_001_000_000));
        assert_eq!(
            parse_at("23:00:05", START, END, true),
            Ok(1_700_002_805_000)
        );
        // Past midnight: the next day's clock time.
        assert_eq!(
            parse_at("00:10", END, END + 3_600_000, true),
            Ok(1_700_007_000_000)
        );
        assert!(parse_at("half past", START, END, true)
            .unwrap_err()
            .contains("not a time"));
        assert!(parse_at("-x", START, END, true).is_err());
    }
}
