//! Timestamps: RFC 3339 UTC with milliseconds, e.g. `2026-03-15T10:30:00.000Z`.

use std::fmt;

use serde::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::{datetime, format_description};
use time::{Date, OffsetDateTime, UtcOffset};

/// A UTC instant with millisecond precision, from year 0000 to year 9999 in UTC (the years
/// RFC 3339 can write, so that the text form is always RFC 3339 and sorts in time order).
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
    /// The earliest instant: `0000-01-01T00:00:00.000Z`.
    pub const MIN: Self = Self(datetime!(0000-01-01 00:00:00.000 UTC));
    /// The latest instant: `9999-12-31T23:59:59.999Z`.
    pub const MAX: Self = Self(datetime!(9999-12-31 23:59:59.999 UTC));

    /// What a message says about the accepted range.
    pub const RANGE: &'static str = "between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in UTC";

    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc()).expect("the system clock is in years 0-9999")
    }

    /// Truncates to milliseconds and converts to UTC; `None` outside [`Self::MIN`]..=[`Self::MAX`]
    /// (e.g. `9999-12-31T23:59:59-23:59`, which is in year 10000 in UTC).
    pub fn from_datetime(dt: OffsetDateTime) -> Option<Self> {
        let dt = dt.checked_to_offset(UtcOffset::UTC)?;
        if !(0..=9999).contains(&dt.year()) {
            return None;
        }
        dt.replace_millisecond(dt.millisecond()).ok().map(Self)
    }

    /// Parses any RFC 3339 timestamp (any offset, any precision) that lands within
    /// [`Self::RANGE`].
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .and_then(Self::from_datetime)
    }

    /// Midnight UTC at the start of `date`, if that is within [`Self::RANGE`].
    pub fn start_of(date: Date) -> Option<Self> {
        Self::from_datetime(date.midnight().assume_utc())
    }

    pub fn from_unix_millis(ms: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .ok()
            .and_then(Self::from_datetime)
    }

    /// This instant moved by `by`, saturating at [`Self::MIN`] and [`Self::MAX`].
    pub fn plus(self, by: time::Duration) -> Self {
        match self.0.checked_add(by).and_then(Self::from_datetime) {
            Some(moved) => moved,
            None if by.is_negative() => Self::MIN,
            None => Self::MAX,
        }
    }

    pub fn unix_millis(&self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// The canonical text form.
    pub fn to_rfc3339(&self) -> String {
        self.0.format(FORMAT).expect("timestamp formats")
    }
}

/// The OpenAPI schema of an instant a client may send: an RFC 3339 `date-time`, with `date`
/// (`YYYY-MM-DD`) too if `with_date`, or a blank string (empty or spaces), which counts as
/// absent; also `null` if `nullable`.
pub fn instant_or_blank_schema(with_date: bool, nullable: bool) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let string = |format| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(format)))
    };
    let mut any = AnyOfBuilder::new().item(string(KnownFormat::DateTime));
    if with_date {
        any = any.item(string(KnownFormat::Date));
    }
    any = any.item(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(concat!(
                "^[",
                r"\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000",
                "]*$"
            )))
            .description(Some("blank: counts as absent")),
    );
    if nullable {
        any = any.item(ObjectBuilder::new().schema_type(Type::Null));
    }
    any.build().into()
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
    fn instants_outside_years_0_to_9999_in_utc_are_rejected() {
        for bad in [
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:00:00-01:00",
            "0000-01-01T00:00:00+00:01",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_none(), "{bad:?}");
        }
        for edge in ["9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00Z"] {
            let ts = Timestamp::parse_rfc3339(edge).expect(edge);
            assert_eq!(
                Timestamp::parse_rfc3339(&ts.to_string()),
                Some(ts),
                "{edge}"
            );
        }
        assert_eq!(
            Timestamp::parse_rfc3339("9999-12-31T23:59:59.999Z"),
            Some(Timestamp::MAX)
        );
        assert_eq!(Timestamp::from_unix_millis(i64::MAX), None);
    }

    #[test]
    fn plus_saturates_at_the_range() {
        assert_eq!(Timestamp::MAX.plus(time::Duration::DAY), Timestamp::MAX);
        assert_eq!(Timestamp::MIN.plus(-time::Duration::DAY), Timestamp::MIN);
        assert_eq!(Timestamp::now().plus(time::Duration::MAX), Timestamp::MAX);
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn millis_round_trip() {
        let ts = Timestamp::now();
        assert_eq!(Timestamp::from_unix_millis(ts.unix_millis()), Some(ts));
    }
}
