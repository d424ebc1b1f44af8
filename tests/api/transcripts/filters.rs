//! Listing transcripts: every filter (search, exact fields, annotations, dates) against one
//! catalogue of five transcripts.

use reqwest::StatusCode;
use serde_json::json;

use super::{annotate, list, names_of, upload_created};
use crate::support::{TestApp, assert_invalid};

/// A project with five transcripts that the filter tests pick apart, uploaded in this order.
struct Catalogue {
    app: TestApp,
    key: String,
    project: String,
    /// `createdAt` of "No timestamp", the one transcript without a `sourceTimestamp`.
    untimed_created_at: String,
}

async fn catalogue() -> Catalogue {
    let app = TestApp::spawn().await;
    let (ws, key) = app.tenant().await;
    let project = app.project(&key, "catalogue").await;
    let elsewhere = app.project(&key, "elsewhere").await;
    let turns = |user: &str, assistant: &str| {
        let user = json!({"role": "user", "content": user});
        let assistant = json!({"role": "assistant", "content": assistant});
        json!([user, assistant])
    };
    let bodies = [
        json!({"name": "Refund request", "modelName": "gpt-4o", "language": "en",
               "sourceSystem": "zendesk", "sourceTimestamp": "2026-03-14T23:59:59.999Z",
               "turns": turns("I was charged twice for my order",
                              "I refunded the duplicate charge")}),
        json!({"name": "Password reset", "modelName": "claude-3-5-sonnet", "language": "de",
               "sourceSystem": "intercom", "sourceTimestamp": "2026-03-15T00:00:00Z",
               "turns": turns("Ich habe mein Passwort vergessen", "Click the reset link")}),
        json!({"name": "Shipping question", "modelName": "gpt-4o", "language": "fr",
               "sourceSystem": "zendesk", "sourceTimestamp": "2026-03-15T23:59:59.999Z",
               "turns": turns("Where is my parcel?",
                              "Your parcel ships tomorrow, no refund needed")}),
        json!({"name": "Account closure", "modelName": "gpt-4o-mini", "language": "EN",
               "sourceSystem": "intercom", "sourceTimestamp": "2026-03-16T01:00:00+01:00",
               "turns": turns("Please close my account", "Done")}),
        json!({"name": "No timestamp", "turns": turns("hello world", "Hello, world!")}),
    ];
    let mut uploaded = Vec::new();
    for body in &bodies {
        uploaded.push(upload_created(&app, &key, &project, body).await);
    }
    // The same words in another project must never show up.
    upload_created(&app, &key, &elsewhere, &bodies[0]).await;
    annotate(
        &app,
        ws,
        &uploaded[0]["id"],
        &[("sentiment", "negative"), ("topic", "billing")],
    )
    .await;
    annotate(&app, ws, &uploaded[1]["id"], &[("sentiment", "neutral")]).await;
    annotate(
        &app,
        ws,
        &uploaded[2]["id"],
        &[("sentiment", "negative"), ("note", "a:b")],
    )
    .await;
    let untimed_created_at = uploaded[4]["createdAt"].as_str().unwrap().to_string();
    Catalogue {
        app,
        key,
        project,
        untimed_created_at,
    }
}

impl Catalogue {
    /// Asserts that the list filtered by `query` holds exactly `expected`, newest first.
    async fn assert_finds(&self, case: &str, query: &[(&str, &str)], expected: &[&str]) {
        let (status, body) = list(&self.app, &self.key, &self.project, query).await;
        assert_eq!(status, StatusCode::OK, "{case}: {body}");
        let newest_first: Vec<&str> = expected.iter().rev().copied().collect();
        assert_eq!(names_of(&body), newest_first, "{case}: {query:?}");
        assert_eq!(
            body["pagination"]["total"],
            expected.len(),
            "{case}: the total counts matches only"
        );
    }
}

/// A filter case: what it shows, the query, and the names it finds (oldest first).
type FilterCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);

const REFUND: &str = "Refund request";
const PASSWORD: &str = "Password reset";
const SHIPPING: &str = "Shipping question";
const ACCOUNT: &str = "Account closure";
const UNTIMED: &str = "No timestamp";

#[tokio::test]
async fn q_searches_names_and_turn_contents_by_word_prefix_ignoring_case() {
    let c = catalogue().await;
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "a word of a name and of a turn",
            "refund",
            &[REFUND, SHIPPING],
        ),
        ("upper case", "REFUND", &[REFUND, SHIPPING]),
        ("a prefix", "refu", &[REFUND, SHIPPING]),
        ("a prefix of a turn's word", "charg", &[REFUND]),
        ("only in a turn", "passwort", &[PASSWORD]),
        ("only in a name", "closure", &[ACCOUNT]),
        ("every word must match", "duplicate charge", &[REFUND]),
        (
            "words from the name and a turn",
            "shipping tomorrow",
            &[SHIPPING],
        ),
        ("words from different transcripts", "refund password", &[]),
        ("punctuation is not a word", "hello, world!", &[UNTIMED]),
        ("not inside a word", "und", &[]),
        (
            "search syntax is read as words",
            "refund)* \"",
            &[REFUND, SHIPPING],
        ),
        ("search operators are read as words", "NEAR(refund", &[]),
        ("no such word", "xylophone", &[]),
    ];
    for (case, q, expected) in cases {
        c.assert_finds(case, &[("q", q)], expected).await;
    }
}

#[tokio::test]
async fn model_name_language_and_source_system_filter_exactly() {
    let c = catalogue().await;
    let cases: &[FilterCase] = &[
        (
            "model_name",
            &[("model_name", "gpt-4o")],
            &[REFUND, SHIPPING],
        ),
        (
            "another model_name",
            &[("model_name", "gpt-4o-mini")],
            &[ACCOUNT],
        ),
        ("unknown model_name", &[("model_name", "gpt-5")], &[]),
        (
            "language (tags ignore case)",
            &[("language", "en")],
            &[REFUND, ACCOUNT],
        ),
        ("language de", &[("language", "de")], &[PASSWORD]),
        (
            "source_system",
            &[("source_system", "intercom")],
            &[PASSWORD, ACCOUNT],
        ),
        (
            "source_system zendesk",
            &[("source_system", "zendesk")],
            &[REFUND, SHIPPING],
        ),
        (
            "filters combine",
            &[
                ("model_name", "gpt-4o"),
                ("source_system", "zendesk"),
                ("q", "refund"),
            ],
            &[REFUND, SHIPPING],
        ),
        (
            "all of them",
            &[
                ("model_name", "gpt-4o"),
                ("language", "en"),
                ("q", "refund"),
            ],
            &[REFUND],
        ),
        (
            "no filter",
            &[],
            &[REFUND, PASSWORD, SHIPPING, ACCOUNT, UNTIMED],
        ),
    ];
    for (case, query, expected) in cases {
        c.assert_finds(case, query, expected).await;
    }
}

#[tokio::test]
async fn annotation_filters_by_key_or_key_and_value() {
    let c = catalogue().await;
    let cases: &[(&str, &str, &[&str])] = &[
        ("a key", "sentiment", &[REFUND, PASSWORD, SHIPPING]),
        ("a key and value", "sentiment:negative", &[REFUND, SHIPPING]),
        ("another key and value", "topic:billing", &[REFUND]),
        ("a value with a colon", "note:a:b", &[SHIPPING]),
        ("a value nobody has", "topic:shipping", &[]),
        ("a key nobody has", "escalated", &[]),
    ];
    for (case, annotation, expected) in cases {
        c.assert_finds(case, &[("annotation", annotation)], expected)
            .await;
    }
}

#[tokio::test]
async fn date_filters_are_inclusive_and_apply_to_the_source_timestamp_or_else_created_at() {
    let c = catalogue().await;
    let untimed_day = &c.untimed_created_at[..10];
    let untimed = c.untimed_created_at.as_str();
    let cases: &[FilterCase] = &[
        (
            "one whole day",
            &[("date_from", "2026-03-15"), ("date_to", "2026-03-15")],
            &[PASSWORD, SHIPPING],
        ),
        ("up to a day", &[("date_to", "2026-03-14")], &[REFUND]),
        (
            "a sourceTimestamp sent with an offset counts in UTC",
            &[("date_from", "2026-03-16"), ("date_to", "2026-03-16")],
            &[ACCOUNT],
        ),
        (
            "RFC 3339 bounds are inclusive",
            &[
                ("date_from", "2026-03-14T23:59:59.999Z"),
                ("date_to", "2026-03-15T00:00:00Z"),
            ],
            &[REFUND, PASSWORD],
        ),
        (
            "RFC 3339 bounds with offsets",
            &[
                ("date_from", "2026-03-15T01:00:00+01:00"),
                ("date_to", "2026-03-16T01:00:00+01:00"),
            ],
            &[PASSWORD, SHIPPING, ACCOUNT],
        ),
        (
            "bounds a millisecond inside the edges",
            &[
                ("date_from", "2026-03-15T00:00:00.001Z"),
                ("date_to", "2026-03-15T23:59:59.998Z"),
            ],
            &[],
        ),
        (
            "no sourceTimestamp: created_at, by day",
            &[("date_from", untimed_day), ("date_to", untimed_day)],
            &[UNTIMED],
        ),
        (
            "no sourceTimestamp: created_at, exactly",
            &[("date_from", untimed), ("date_to", untimed)],
            &[UNTIMED],
        ),
        (
            "an empty range",
            &[("date_from", "2026-03-16"), ("date_to", "2026-03-14")],
            &[],
        ),
    ];
    for (case, query, expected) in cases {
        c.assert_finds(case, query, expected).await;
    }
}

#[tokio::test]
async fn a_bad_date_or_annotation_filter_is_a_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let project = app.project(&key, "p").await;
    for name in ["date_from", "date_to"] {
        for value in [
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "15/03/2026",
            "2026-03-15T10:30:00",
            "20260315",
        ] {
            let (status, body) = list(&app, &key, &project, &[(name, value)]).await;
            assert_invalid(&format!("{name}={value}"), status, &body, name);
        }
    }
    for value in [":negative", " :x"] {
        let (status, body) = list(&app, &key, &project, &[("annotation", value)]).await;
        assert_invalid(
            &format!("annotation={value:?}"),
            status,
            &body,
            "annotation",
        );
    }
}
