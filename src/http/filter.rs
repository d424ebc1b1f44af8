//! The filters of a transcript list, parsed from the query string: shared by the public API and
//! the dashboard's list page.

use time::Date;
use time::macros::format_description;

use super::QueryParams;
use crate::error::{ApiError, Result};
use crate::model::Timestamp;
use crate::model::transcript::{TranscriptFilter, search_terms};

/// A `date_from`/`date_to` bound: `YYYY-MM-DD` (the whole day, inclusive) or RFC 3339.
fn parse_date_bound(
    query: &QueryParams,
    name: &str,
    end_of_day: bool,
) -> Result<Option<Timestamp>> {
    let Some(raw) = query.get(name) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::invalid(
            name,
            format!(
                "{name} must be a date (YYYY-MM-DD) or an RFC 3339 timestamp, {}, got {raw:?}",
                Timestamp::RANGE
            ),
        )
    };
    if let Some(ts) = Timestamp::parse_rfc3339(raw) {
        return Ok(Some(ts));
    }
    let date =
        Date::parse(raw, format_description!("[year]-[month]-[day]")).map_err(|_| invalid())?;
    let start = Timestamp::start_of(date).ok_or_else(invalid)?;
    Ok(Some(if end_of_day {
        start.plus(time::Duration::DAY - time::Duration::MILLISECOND)
    } else {
        start
    }))
}

/// The filters of a transcript list (`q`, `model_name`, `language`, `source_system`,
/// `annotation`, `date_from`, `date_to`); shared by the API and the dashboard's list page.
pub fn parse_filter(query: &QueryParams) -> Result<TranscriptFilter> {
    let owned = |name: &str| query.get(name).map(str::to_string);
    let (annotation_key, annotation_value) = match query.get("annotation") {
        None => (None, None),
        Some(raw) => match raw.split_once(':') {
            Some((key, value)) if !key.trim().is_empty() => {
                (Some(key.trim().to_string()), Some(value.trim().to_string()))
            }
            Some(_) => {
                return Err(ApiError::invalid(
                    "annotation",
                    "annotation must be key or key:value",
                ));
            }
            None => (Some(raw.to_string()), None),
        },
    };
    Ok(TranscriptFilter {
        terms: query.get("q").map(search_terms).unwrap_or_default(),
        model_name: owned("model_name"),
        language: owned("language"),
        source_system: owned("source_system"),
        annotation_key,
        annotation_value,
        from: parse_date_bound(query, "date_from", false)?,
        to: parse_date_bound(query, "date_to", true)?,
    })
}
