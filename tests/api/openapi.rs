//! The OpenAPI document and the server, held together: the document is served, it lists
//! exactly the routes the server has, and real responses conform to the schemas it documents.

use std::collections::BTreeSet;

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{ProjectId, ServerConfig, TestApp, example_transcript, test_config};

/// Every route the server has, as the router declares it.
const ROUTES: [(&str, &str); 12] = [
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/public/api/v1/openapi.json"),
    ("POST", "/public/api/v1/projects"),
    ("GET", "/public/api/v1/projects"),
    ("GET", "/public/api/v1/projects/{projectId}"),
    ("GET", "/public/api/v1/projects/{projectId}/insights"),
    ("POST", "/public/api/v1/projects/{projectId}/transcripts"),
    ("GET", "/public/api/v1/projects/{projectId}/transcripts"),
    ("GET", "/public/api/v1/transcripts/{transcriptId}"),
    ("POST", "/public/api/v1/halfpipe/transcripts"),
];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Fetches the document the way a client does: without a key.
async fn fetch_document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.api("/openapi.json"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response.json().await.expect("the document is JSON")
}

/// (METHOD, path) of every operation in the document.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths is an object");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect()
}

/// A concrete path for a template: ids of things that do not exist, in their valid forms.
fn concrete(template: &str) -> String {
    template
        .replace("{projectId}", "hp-0195a2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d")
        .replace("{transcriptId}", "0195a2c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d")
}

#[tokio::test]
async fn the_document_is_openapi_3_1_served_without_a_key() {
    let app = TestApp::spawn().await;
    let doc = fetch_document(&app).await;
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1."), "openapi: {version:?}");
    assert!(doc["info"]["title"].is_string(), "{}", doc["info"]);
    assert!(doc["info"]["version"].is_string(), "{}", doc["info"]);
    let bearer = &doc["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!(bearer["type"], "http", "{bearer}");
    assert_eq!(bearer["scheme"], "bearer", "{bearer}");
    let description = bearer["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("sk-bigspin-api03-") && description.contains("JWT"),
        "the scheme describes the key format and that JWTs are rejected: {description}"
    );
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_the_server_has() {
    let app = TestApp::spawn().await;
    let doc = fetch_document(&app).await;
    let documented = documented_operations(&doc);
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not in ROUTES: {unrouted:?}"
    );

    let operation_ids: Vec<&str> = documented
        .iter()
        .map(|(m, p)| {
            doc["paths"][p][m.to_lowercase()]["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{m} {p} has an operationId"))
        })
        .collect();
    let unique: BTreeSet<&str> = operation_ids.iter().copied().collect();
    assert_eq!(unique.len(), operation_ids.len(), "operationIds are unique");
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_answers_as_documented_without_a_key() {
    let app = TestApp::spawn().await;
    let doc = fetch_document(&app).await;
    for (method, template) in documented_operations(&doc) {
        let operation = &doc["paths"][&template][method.to_lowercase()];
        let authenticated = operation["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        let response = app
            .client
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{}", app.address, concrete(&template)),
            )
            .send()
            .await
            .expect("request sent");
        let status = response.status();
        let what = format!("{method} {template}");
        if authenticated {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{what} without a key");
            let body: Value = response.json().await.expect("JSON error body");
            assert_eq!(
                body["error"]["type"], "authentication_error",
                "{what}: {body}"
            );
        } else {
            assert_eq!(status, StatusCode::OK, "{what} is a service endpoint");
        }
        assert!(
            operation["responses"].get(status.as_str()).is_some(),
            "{what}: {status} is documented"
        );
    }
}

#[tokio::test]
async fn methods_the_document_does_not_list_are_not_routed() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let doc = fetch_document(&app).await;
    let documented = documented_operations(&doc);
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for template in paths {
        // HEAD is left out: axum answers it for every GET route, as HTTP asks.
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            if documented.contains(&(method.to_string(), template.clone())) {
                continue;
            }
            let response = app
                .client
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    format!("{}{}", app.address, concrete(template)),
                )
                .bearer_auth(&key)
                .send()
                .await
                .expect("request sent");
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {template} is not documented, so it must not be routed"
            );
        }
    }
}

/// The document and a way to check a real response against it.
struct Contract {
    doc: Value,
}

/// A response as the client saw it.
struct Seen {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Contract {
    async fn of(app: &TestApp) -> Self {
        Self {
            doc: fetch_document(app).await,
        }
    }

    /// Sends a request and checks the response against the operation `method template`:
    /// its status is documented, its content type too, and its body conforms to the schema.
    async fn call(
        &self,
        app: &TestApp,
        method: Method,
        template: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Seen {
        let mut request = app
            .client
            .request(method.clone(), format!("{}{}", app.address, path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request sent");
        self.check(method.as_str(), template, response).await
    }

    async fn check(&self, method: &str, template: &str, response: reqwest::Response) -> Seen {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let what = format!("{method} {template} → {status}");
        let operation = &self.doc["paths"][template][method.to_lowercase()];
        assert!(operation.is_object(), "{what}: the operation is documented");
        let documented = operation["responses"]
            .get(status.as_str())
            .unwrap_or_else(|| panic!("{what}: the status is documented; body: {text}"));
        let documented = resolve(&self.doc, documented);
        let content_type = headers[CONTENT_TYPE].to_str().unwrap();
        let (media, content) = documented["content"]
            .as_object()
            .and_then(|c| {
                c.iter()
                    .find(|(media, _)| same_media_type(media, content_type))
            })
            .unwrap_or_else(|| {
                panic!("{what}: content type {content_type} is documented: {documented}")
            });
        assert!(
            documented["headers"].get("X-Request-Id").is_some(),
            "{what}: X-Request-Id is documented"
        );
        assert!(
            headers.contains_key("x-request-id"),
            "{what}: X-Request-Id is sent"
        );
        let body = if media.starts_with("application/json") {
            let body: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{what}: body is not JSON ({e}): {text}"));
            if let Err(e) = conform(&self.doc, &content["schema"], &body, "$") {
                panic!("{what}: the body does not conform to the document: {e}\nbody: {body}");
            }
            body
        } else {
            Value::String(text)
        };
        Seen {
            status,
            headers,
            body,
        }
    }
}

fn same_media_type(documented: &str, sent: &str) -> bool {
    let essence = |m: &str| {
        m.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_lowercase()
    };
    essence(documented) == essence(sent)
}

/// Follows `$ref`s within the document.
fn resolve<'a>(doc: &'a Value, mut node: &'a Value) -> &'a Value {
    while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only local references: {reference}"));
        node = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{reference} resolves"));
    }
    node
}

/// The properties and required names of an object schema, merged over `allOf`.
fn object_shape<'a>(
    doc: &'a Value,
    schema: &'a Value,
    properties: &mut Vec<(&'a str, &'a Value)>,
    required: &mut BTreeSet<&'a str>,
) {
    let schema = resolve(doc, schema);
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        properties.push((name, property));
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        required.insert(name.as_str().expect("required names are strings"));
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        object_shape(doc, part, properties, required);
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `value` against `schema`: types (with `["x", "null"]`), `enum`, `$ref`, `allOf`,
/// `oneOf`, `anyOf`, array items, numeric bounds, `date-time` strings, and objects: every
/// `required` property present, and no property the schema does not declare (an object schema
/// that declares no properties is free-form; `additionalProperties` checks map values).
fn conform(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    check(doc, schema, value, at, true)
}

/// [`conform`]; `closed` is false for a part of an `allOf`, where properties declared by the
/// other parts are not extra: the whole, whose shape merges the parts, judges those.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, closed: bool) -> Result<(), String> {
    let schema = resolve(doc, schema);
    for part in schema["allOf"].as_array().into_iter().flatten() {
        check(doc, part, value, at, false)?;
    }
    if let Some(branches) = schema["oneOf"].as_array() {
        let matching = branches
            .iter()
            .filter(|b| check(doc, b, value, at, closed).is_ok())
            .count();
        if matching != 1 {
            return Err(format!(
                "{at}: {value} matches {matching} branches of oneOf, not exactly one"
            ));
        }
    }
    if let Some(branches) = schema["anyOf"].as_array()
        && !branches
            .iter()
            .any(|b| check(doc, b, value, at, closed).is_ok())
    {
        return Err(format!("{at}: {value} matches no branch of anyOf"));
    }
    let actual = type_name(value);
    if let Some(declared) = schema.get("type") {
        let allowed: Vec<&str> = match declared {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            other => return Err(format!("{at}: malformed type {other}")),
        };
        let ok = allowed
            .iter()
            .any(|t| *t == actual || (*t == "number" && actual == "integer"));
        if !ok {
            return Err(format!(
                "{at}: {value} is {actual}, documented as {declared}"
            ));
        }
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = schema["minimum"].as_f64()
            && n < min
        {
            return Err(format!("{at}: {n} is below the minimum {min}"));
        }
        if let Some(max) = schema["maximum"].as_f64()
            && n > max
        {
            return Err(format!("{at}: {n} is above the maximum {max}"));
        }
    }
    if let Some(text) = value.as_str()
        && schema["format"] == "date-time"
        && time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .is_err()
    {
        return Err(format!("{at}: {text:?} is not an RFC 3339 date-time"));
    }
    if let Some(items) = value.as_array()
        && let Some(item_schema) = schema.get("items")
    {
        for (i, item) in items.iter().enumerate() {
            check(doc, item_schema, item, &format!("{at}[{i}]"), true)?;
        }
    }
    if let Some(object) = value.as_object() {
        let mut properties = Vec::new();
        let mut required = BTreeSet::new();
        object_shape(doc, schema, &mut properties, &mut required);
        if let Some(name) = required.iter().find(|name| !object.contains_key(**name)) {
            return Err(format!("{at}: required property {name:?} is missing"));
        }
        for (name, field) in object {
            let here = format!("{at}.{name}");
            let declared = properties.iter().find(|(n, _)| n == name);
            match (declared, schema.get("additionalProperties")) {
                (Some((_, property)), _) => check(doc, property, field, &here, true)?,
                (None, Some(Value::Bool(false))) => {
                    return Err(format!("{here}: not allowed (additionalProperties: false)"));
                }
                (None, Some(values @ Value::Object(_))) => {
                    check(doc, values, field, &here, true)?;
                }
                (None, _) if closed && !properties.is_empty() => {
                    return Err(format!("{here}: property is not documented"));
                }
                (None, _) => {}
            }
        }
    }
    Ok(())
}

#[test]
fn the_checker_rejects_what_does_not_conform() {
    let doc = json!({"components": {"schemas": {
        "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        "Item": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object",
            "required": ["n"], "properties": {
                "n": {"type": "integer", "minimum": 0},
                "at": {"oneOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "tags": {"type": ["array", "null"], "items": {"type": "string"}},
                "map": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {"type": ["object", "null"]}
            }}]}
    }}});
    let schema = json!({"$ref": "#/components/schemas/Item"});
    let good = json!({"id": "x", "n": 1, "at": "2026-03-15T10:30:00.000Z", "kind": "a",
        "tags": ["t"], "map": {"k": "v"}, "free": {"anything": [1]}});
    assert_eq!(conform(&doc, &schema, &good, "$"), Ok(()));
    assert_eq!(
        conform(
            &doc,
            &schema,
            &json!({"id": "x", "n": 1, "at": null, "tags": null}),
            "$"
        ),
        Ok(())
    );
    let bad = [
        (
            "an undocumented property",
            json!({"id": "x", "n": 1, "extra": true}),
        ),
        ("a missing required property of a part", json!({"n": 1})),
        ("a missing required property", json!({"id": "x"})),
        ("a wrong type", json!({"id": "x", "n": "1"})),
        (
            "a number where an integer belongs",
            json!({"id": "x", "n": 1.5}),
        ),
        ("a value below the minimum", json!({"id": "x", "n": -1})),
        ("null where it is not allowed", json!({"id": null, "n": 1})),
        (
            "a value outside the enum",
            json!({"id": "x", "n": 1, "kind": "c"}),
        ),
        (
            "a malformed date-time",
            json!({"id": "x", "n": 1, "at": "yesterday"}),
        ),
        ("a wrong item type", json!({"id": "x", "n": 1, "tags": [1]})),
        (
            "a wrong map value",
            json!({"id": "x", "n": 1, "map": {"k": 1}}),
        ),
    ];
    for (case, value) in bad {
        assert!(
            conform(&doc, &schema, &value, "$").is_err(),
            "the checker must reject {case}: {value}"
        );
    }
}

const PROJECT: &str = "/public/api/v1/projects/{projectId}";
const PROJECTS: &str = "/public/api/v1/projects";
const INSIGHTS: &str = "/public/api/v1/projects/{projectId}/insights";
const TRANSCRIPTS: &str = "/public/api/v1/projects/{projectId}/transcripts";
const TRANSCRIPT: &str = "/public/api/v1/transcripts/{transcriptId}";
const LEGACY: &str = "/public/api/v1/halfpipe/transcripts";

#[tokio::test]
async fn real_responses_conform_to_the_documented_schemas() {
    let app = TestApp::spawn().await;
    let contract = Contract::of(&app).await;
    let (ws, key) = app.tenant().await;
    let key = Some(key.as_str());
    let c = &contract;

    let created = c
        .call(
            &app,
            Method::POST,
            PROJECTS,
            PROJECTS,
            key,
            Some(&json!({"name": "Support", "domainPack": "ai_coding"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let project = created.body["data"]["id"].as_str().unwrap().to_string();
    let project_path = format!("/public/api/v1/projects/{project}");
    let transcripts_path = format!("{project_path}/transcripts");

    let uploaded = c
        .call(
            &app,
            Method::POST,
            TRANSCRIPTS,
            &transcripts_path,
            key,
            Some(&example_transcript()),
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
    assert_eq!(uploaded.body["success"], true);
    let transcript = uploaded.body["data"]["id"].as_str().unwrap().to_string();

    let replayed = c
        .call(
            &app,
            Method::POST,
            TRANSCRIPTS,
            &transcripts_path,
            key,
            Some(&example_transcript()),
        )
        .await;
    assert_eq!(replayed.status, StatusCode::OK, "{}", replayed.body);

    let mut different = example_transcript();
    different["name"] = json!("Another name");
    let conflict = c
        .call(
            &app,
            Method::POST,
            TRANSCRIPTS,
            &transcripts_path,
            key,
            Some(&different),
        )
        .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    assert_eq!(
        conflict.body["error"]["details"]["transcript_id"],
        transcript.as_str()
    );

    let minimal = json!({"name": "Minimal", "turns": [{"role": "user", "content": ""}]});
    let legacy = c
        .call(&app, Method::POST, LEGACY, LEGACY, key, Some(&minimal))
        .await;
    assert_eq!(legacy.status, StatusCode::CREATED, "{}", legacy.body);
    let mut into_project = minimal.clone();
    into_project["projectId"] = json!(project);
    let legacy = c
        .call(&app, Method::POST, LEGACY, LEGACY, key, Some(&into_project))
        .await;
    assert_eq!(legacy.status, StatusCode::CREATED, "{}", legacy.body);

    let listed = c
        .call(
            &app,
            Method::GET,
            PROJECTS,
            "/public/api/v1/projects?limit=1",
            key,
            None,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["data"].as_array().map(Vec::len), Some(1));

    let shown = c
        .call(&app, Method::GET, PROJECT, &project_path, key, None)
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(shown.body["data"]["executive_summary"], Value::Null);

    let insights = c
        .call(
            &app,
            Method::GET,
            INSIGHTS,
            &format!("{project_path}/insights"),
            key,
            None,
        )
        .await;
    assert_eq!(insights.status, StatusCode::OK, "{}", insights.body);

    for query in [
        "",
        "?q=refund&model_name=gpt-4o&language=EN&source_system=zendesk",
        "?date_from=2026-03-01&date_to=2026-03-31T00:00:00Z&page=2&limit=1",
    ] {
        let page = c
            .call(
                &app,
                Method::GET,
                TRANSCRIPTS,
                &format!("{transcripts_path}{query}"),
                key,
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.body);
    }

    let detail = c
        .call(
            &app,
            Method::GET,
            TRANSCRIPT,
            &format!("/public/api/v1/transcripts/{transcript}"),
            key,
            None,
        )
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    assert_eq!(
        detail.body["data"]["turns"].as_array().map(Vec::len),
        Some(4)
    );

    // A report in the shape SPEC §1.3 gives the analysis: the server passes it on as stored.
    let insight = json!({
        "rank": 1, "title": "Duplicate charges", "description": "Customers were charged twice.",
        "tags": ["billing"], "severity": "high", "flagged_count": 1,
        "quotes": [{"text": "I was charged twice", "transcript_id": transcript, "speaker": "user"}],
        "why_it_matters": {"user_impact": "Lost trust", "action_to_take": "Fix billing retries"},
        "category_breakdown": [{"category": "billing", "count": 1}],
        "transcript_ids": [transcript]
    });
    let summary = json!({"overview": "One conversation about a refund.", "patterns": [], "issues": [], "trends": []});
    app.store
        .put_report(
            ws,
            ProjectId::parse(&project).unwrap(),
            &summary.to_string(),
            &json!([insight]).to_string(),
        )
        .await
        .expect("a report is stored");
    let shown = c
        .call(&app, Method::GET, PROJECT, &project_path, key, None)
        .await;
    assert_eq!(shown.body["data"]["executive_summary"], summary);
    let insights = c
        .call(
            &app,
            Method::GET,
            INSIGHTS,
            &format!("{project_path}/insights"),
            key,
            None,
        )
        .await;
    assert_eq!(insights.body["data"][0], insight);

    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/public/api/v1/openapi.json",
    ] {
        let seen = c.call(&app, Method::GET, path, path, None, None).await;
        assert_eq!(seen.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn real_errors_conform_to_the_documented_schemas() {
    let app = TestApp::spawn().await;
    let c = &Contract::of(&app).await;
    let (ws, full_access) = app.tenant().await;
    let write_only = app.key(ws, &["projects-write"]).await;
    let (_, other_key) = app.tenant().await;
    let project = app.project(&full_access, "Mine").await;
    let project_path = format!("/public/api/v1/projects/{project}");
    let transcripts_path = format!("{project_path}/transcripts");
    let missing_project = concrete(PROJECT);
    let key = Some(full_access.as_str());
    let turn = json!([{"role": "user", "content": ""}]);

    let cases = [
        Failing::get("no key", PROJECTS, PROJECTS, None, 401),
        Failing::get(
            "a JWT",
            PROJECTS,
            PROJECTS,
            Some("eyJhbGciOiJIUzI1NiJ9.e30.x"),
            401,
        ),
        Failing::get(
            "no read permission",
            PROJECTS,
            PROJECTS,
            Some(&write_only),
            403,
        ),
        Failing::get(
            "another workspace's project",
            PROJECT,
            &project_path,
            Some(&other_key),
            403,
        ),
        Failing::get(
            "a bad limit",
            PROJECTS,
            &format!("{PROJECTS}?limit=500"),
            key,
            400,
        ),
        Failing::get(
            "a bad date",
            TRANSCRIPTS,
            &format!("{transcripts_path}?date_from=soon"),
            key,
            400,
        ),
        Failing::get(
            "a malformed project id",
            PROJECT,
            "/public/api/v1/projects/nope",
            key,
            400,
        ),
        Failing::get("an unknown project", PROJECT, &missing_project, key, 404),
        Failing::get(
            "an unknown project's insights",
            INSIGHTS,
            &format!("{missing_project}/insights"),
            key,
            404,
        ),
        Failing::get(
            "an unknown transcript",
            TRANSCRIPT,
            &concrete(TRANSCRIPT),
            key,
            404,
        ),
        Failing::get(
            "a non-UUID transcript id",
            TRANSCRIPT,
            "/public/api/v1/transcripts/xyz",
            key,
            404,
        ),
        Failing::post(
            "an invalid turn",
            TRANSCRIPTS,
            &transcripts_path,
            key,
            json!({"name": "x", "turns": [{"role": "bot", "content": ""}]}),
            400,
        ),
        Failing::post(
            "upload to an unknown project",
            TRANSCRIPTS,
            &format!("{missing_project}/transcripts"),
            key,
            example_transcript(),
            404,
        ),
        Failing::post(
            "a missing name",
            PROJECTS,
            PROJECTS,
            key,
            json!({"domainPack": "general"}),
            400,
        ),
        Failing::post(
            "a legacy upload into a malformed project id",
            LEGACY,
            LEGACY,
            key,
            json!({"projectId": "p1", "name": "x", "turns": turn}),
            400,
        ),
    ];
    for failing in cases {
        let seen = c
            .call(
                &app,
                failing.method,
                failing.template,
                &failing.path,
                failing.key,
                failing.body.as_ref(),
            )
            .await;
        let case = failing.case;
        assert_eq!(
            seen.status.as_u16(),
            failing.expected,
            "{case}: {}",
            seen.body
        );
        assert_eq!(seen.body["error"]["code"], failing.expected, "{case}");
    }

    let not_json = app
        .client
        .post(app.api("/projects"))
        .bearer_auth(&full_access)
        .header(CONTENT_TYPE, "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    let seen = c.check("POST", PROJECTS, not_json).await;
    assert_eq!(
        seen.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        seen.body
    );
}

/// A request that must fail with the status `expected`.
struct Failing<'a> {
    case: &'a str,
    method: Method,
    template: &'a str,
    path: String,
    key: Option<&'a str>,
    body: Option<Value>,
    expected: u16,
}

impl<'a> Failing<'a> {
    fn get(
        case: &'a str,
        template: &'a str,
        path: &str,
        key: Option<&'a str>,
        expected: u16,
    ) -> Self {
        Self {
            case,
            method: Method::GET,
            template,
            path: path.into(),
            key,
            body: None,
            expected,
        }
    }

    fn post(
        case: &'a str,
        template: &'a str,
        path: &str,
        key: Option<&'a str>,
        body: Value,
        expected: u16,
    ) -> Self {
        Self {
            case,
            method: Method::POST,
            template,
            path: path.into(),
            key,
            body: Some(body),
            expected,
        }
    }
}

#[tokio::test]
async fn oversize_bodies_and_rate_limits_answer_as_documented() {
    let app = TestApp::spawn_with(ServerConfig {
        max_body_bytes: 1024,
        rate_limit_per_minute: 3,
        ..test_config()
    })
    .await;
    let c = &Contract::of(&app).await;
    let (_, key) = app.tenant().await;
    let key = Some(key.as_str());

    let big = json!({"name": "big", "turns": [{"role": "user", "content": "x".repeat(4096)}]});
    let seen = c
        .call(&app, Method::POST, LEGACY, LEGACY, key, Some(&big))
        .await;
    assert_eq!(seen.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", seen.body);

    let seen = c
        .call(&app, Method::GET, PROJECTS, PROJECTS, key, None)
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    let documented = &c.doc["paths"][PROJECTS]["get"]["responses"]["200"]["headers"];
    for name in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
        assert!(
            documented.get(name).is_some(),
            "{name} is documented on 200"
        );
        assert!(seen.headers.contains_key(name), "{name} is sent on 200");
    }

    let mut limited = None;
    for _ in 0..10 {
        let seen = c
            .call(&app, Method::GET, PROJECTS, PROJECTS, key, None)
            .await;
        if seen.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(seen);
            break;
        }
    }
    let limited = limited.expect("the rate limit is reached");
    let documented = resolve(&c.doc, &c.doc["paths"][PROJECTS]["get"]["responses"]["429"]);
    for name in [
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
    ] {
        assert!(
            documented["headers"].get(name).is_some(),
            "{name} is documented on 429"
        );
        assert!(limited.headers.contains_key(name), "{name} is sent on 429");
    }
}
