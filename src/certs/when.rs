//! Dates for people: "in 2 months" / "3 days ago", and fixed UTC and RFC 3339 forms.

use time::OffsetDateTime;

/// How far `then` is from `now`, in the largest unit that keeps the number meaningful:
/// "in 45 days", "2 months ago", "in less than a minute".
///
/// Days are kept up to 60 so that an expiry a few weeks away reads as days, not "1 month".
pub fn relative(now: OffsetDateTime, then: OffsetDateTime) -> String {
    let seconds = (then - now).whole_seconds();
    let future = seconds >= 0;
    let amount = seconds.unsigned_abs();
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    let (count, unit) = match amount {
        s if s < MINUTE => {
            return if future { "in less than a minute" } else { "less than a minute ago" }.into();
        }
        s if s < HOUR => (s / MINUTE, "minute"),
        s if s < 2 * DAY => (s / HOUR, "hour"),
        s if s < 60 * DAY => (s / DAY, "day"),
        s if s < 730 * DAY => (s / (30 * DAY), "month"),
        s => (s / (365 * DAY), "year"),
    };
    let plural = if count == 1 { "" } else { "s" };
    if future { format!("in {count} {unit}{plural}") } else { format!("{count} {unit}{plural} ago") }
}

/// [`relative`] in the words of Convox's tables: "2 months from now", "2 months ago".
pub fn from_now(now: OffsetDateTime, then: OffsetDateTime) -> String {
    let r = relative(now, then);
    match r.strip_prefix("in ") {
        Some(rest) => format!("{rest} from now"),
        None => r,
    }
}

/// `2026-01-25 12:00:00 UTC`.
pub fn utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `2026-01-25T12:00:00Z`, for JSON.
pub fn rfc3339(t: OffsetDateTime) -> String {
    utc(t).replacen(' ', "T", 1).replace(" UTC", "Z")
}

pub(crate) fn serialize_rfc3339<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2025-06-15 12:00:00 UTC);

    fn rel(d: Duration) -> String {
        relative(NOW, NOW + d)
    }

    #[test]
    fn future_and_past_pick_the_largest_sensible_unit() {
        assert_eq!(rel(Duration::seconds(0)), "in less than a minute");
        assert_eq!(rel(Duration::seconds(-59)), "less than a minute ago");
        assert_eq!(rel(Duration::minutes(1)), "in 1 minute");
        assert_eq!(rel(Duration::minutes(-59)), "59 minutes ago");
        assert_eq!(rel(Duration::hours(1)), "in 1 hour");
        assert_eq!(rel(Duration::hours(47)), "in 47 hours");
        assert_eq!(rel(Duration::days(2)), "in 2 days");
        assert_eq!(rel(Duration::days(-3)), "3 days ago");
        assert_eq!(rel(Duration::days(59)), "in 59 days");
        assert_eq!(rel(Duration::days(60)), "in 2 months");
        assert_eq!(rel(Duration::days(-75)), "2 months ago");
        assert_eq!(rel(Duration::days(729)), "in 24 months");
        assert_eq!(rel(Duration::days(730)), "in 2 years");
        assert_eq!(rel(Duration::days(-36500)), "100 years ago");
    }

    #[test]
    fn tables_say_from_now_as_the_seed_does() {
        assert_eq!(from_now(NOW, NOW + Duration::days(75)), "2 months from now");
        assert_eq!(from_now(NOW, NOW - Duration::days(75)), "2 months ago");
    }

    #[test]
    fn dates_are_formatted_in_utc() {
        let t = datetime!(2026-01-05 03:04:05 +02:00);
        assert_eq!(utc(t), "2026-01-05 01:04:05 UTC");
        assert_eq!(rfc3339(t), "2026-01-05T01:04:05Z");
    }
}
