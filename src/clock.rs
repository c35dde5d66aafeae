//! Wall-clock time as the files and the wire want it: unix seconds and RFC 3339 in UTC.
//! (Durations and deadlines use tokio's monotonic clock instead.)

use std::time::{SystemTime, UNIX_EPOCH};

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `YYYY-MM-DDTHH:MM:SSZ` from unix seconds (civil-from-days, no date crate needed).
pub fn rfc3339(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The UTC day, `YYYY-MM-DD`: the unit of the daily budget.
pub fn day(secs: u64) -> String {
    rfc3339(secs)[..10].to_owned()
}

/// The UTC time of day as HHMM (`1430`), how catalog price windows are written.
pub fn hhmm(secs: u64) -> u32 {
    let rem = u32::try_from(secs % 86_400).unwrap_or(0);
    rem / 3600 * 100 + rem % 3600 / 60
}

/// A compact, sortable stamp for file names: `20261124-185903`.
pub fn compact(secs: u64) -> String {
    let full = rfc3339(secs);
    full.replace(['-', ':'], "")
        .replace('T', "-")
        .trim_end_matches('Z')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_780_944_361), "2026-06-08T18:46:01Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(compact(1_780_944_361), "20260608-184601");
        assert_eq!(day(1_780_944_361), "2026-06-08");
        assert_eq!(hhmm(1_780_944_361), 1846);
    }
}
