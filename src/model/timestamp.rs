//! Timestamps: RFC 3339 UTC with milliseconds, e.g. `2026-03-15T10:30:00.000Z`.

use std::fmt;

use serde::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// A UTC instant with millisecond precision. Its text form sorts in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, utoipa::ToSchema)]
#[schema(
    value_type = String,
    format = DateTime,
    description = "An RFC 3339 timestamp in UTC with milliseconds.",
    example = "2026-03-15T10:30:00.000Z"
)]
pub struct Timestamp(OffsetDateTime);

const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

impl Timestamp {
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Truncates to milliseconds and converts to UTC.
    pub fn from_datetime(dt: OffsetDateTime) -> Self {
        let dt = dt.to_offset(UtcOffset::UTC);
        let millis = dt.millisecond();
        Self(
            dt.replace_millisecond(millis)
                .expect("millisecond in range"),
        )
    }

    /// Parses any RFC 3339 timestamp (any offset, any precision).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .map(Self::from_datetime)
    }

    /// Midnight UTC at the start of `date`.
    pub fn start_of(date: Date) -> Self {
        Self(date.midnight().assume_utc())
    }

    pub fn from_unix_millis(ms: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .ok()
            .map(Self)
    }

    /// This instant moved by `by` (saturating at the representable range).
    pub fn plus(self, by: time::Duration) -> Self {
        self.0.checked_add(by).map_or(self, Self)
    }

    pub fn unix_millis(&self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// The canonical text form.
    pub fn to_rfc3339(&self) -> String {
        self.0.format(FORMAT).expect("timestamp formats")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_utc_with_milliseconds() {
        let ts = Timestamp::parse_rfc3339("2026-03-15T12:30:00.123456+02:00").unwrap();
        assert_eq!(ts.to_string(), "2026-03-15T10:30:00.123Z");
    }

    #[test]
    fn whole_seconds_get_three_zeros() {
        let ts = Timestamp::parse_rfc3339("2026-03-15T10:30:00Z").unwrap();
        assert_eq!(ts.to_string(), "2026-03-15T10:30:00.000Z");
    }

    #[test]
    fn rejects_non_rfc3339() {
        for bad in ["2026-03-15", "yesterday", "2026-03-15 10:30:00", ""] {
            assert!(Timestamp::parse_rfc3339(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn millis_round_trip() {
        let ts = Timestamp::now();
        assert_eq!(Timestamp::from_unix_millis(ts.unix_millis()), Some(ts));
    }
}
