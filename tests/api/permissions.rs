//! The permission matrix of SPEC §1.1: every public endpoint × permission set × whose resource.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, WorkspaceId};

const READ: &str = "projects-read";
const WRITE: &str = "projects-write";
const LEGACY_WRITE: &str = "halfpipe-transcripts-write";

/// Whose resource a request addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Own,
    OtherWorkspace,
    Nonexistent,
}

/// Where an endpoint names the resource it acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    /// Nothing to address: only [`Scope::Own`] applies.
    None,
    ProjectInPath,
    TranscriptInPath,
    ProjectInBody,
}

struct Endpoint {
    method: Method,
    /// `{project}` and `{transcript}` are replaced by the ids of the scope.
    path: &'static str,
    resource: Resource,
    /// The permission it needs (write endpoints also accept the legacy one).
    needs: &'static str,
    success: StatusCode,
}

const fn endpoint(
    method: Method,
    path: &'static str,
    resource: Resource,
    needs: &'static str,
    success: StatusCode,
) -> Endpoint {
    Endpoint {
        method,
        path,
        resource,
        needs,
        success,
    }
}

fn endpoints() -> Vec<Endpoint> {
    use Resource::*;
    vec![
        endpoint(Method::POST, "/projects", None, WRITE, StatusCode::CREATED),
        endpoint(Method::GET, "/projects", None, READ, StatusCode::OK),
        endpoint(
            Method::GET,
            "/projects/{project}",
            ProjectInPath,
            READ,
            StatusCode::OK,
        ),
        endpoint(
            Method::GET,
            "/projects/{project}/insights",
            ProjectInPath,
            READ,
            StatusCode::OK,
        ),
        endpoint(
            Method::POST,
            "/projects/{project}/transcripts",
            ProjectInPath,
            WRITE,
            StatusCode::CREATED,
        ),
        endpoint(
            Method::GET,
            "/projects/{project}/transcripts",
            ProjectInPath,
            READ,
            StatusCode::OK,
        ),
        endpoint(
            Method::GET,
            "/transcripts/{transcript}",
            TranscriptInPath,
            READ,
            StatusCode::OK,
        ),
        endpoint(
            Method::POST,
            "/halfpipe/transcripts",
            ProjectInBody,
            WRITE,
            StatusCode::CREATED,
        ),
    ]
}

const PERMISSION_SETS: [&[&str]; 5] = [&[], &[READ], &[WRITE], &[LEGACY_WRITE], &[READ, WRITE]];

/// Whether a key with `permissions` may use an endpoint that `needs` a permission.
fn allowed(permissions: &[&str], needs: &str) -> bool {
    permissions.is_empty()
        || permissions.contains(&needs)
        || (needs == WRITE && permissions.contains(&LEGACY_WRITE))
}

/// The ids each scope addresses.
struct Ids {
    project: String,
    transcript: String,
}

struct Fixture {
    own: Ids,
    other: Ids,
    nonexistent: Ids,
}

impl Fixture {
    fn ids(&self, scope: Scope) -> &Ids {
        match scope {
            Scope::Own => &self.own,
            Scope::OtherWorkspace => &self.other,
            Scope::Nonexistent => &self.nonexistent,
        }
    }
}

/// A project with one transcript in a workspace of its own; returns the workspace, their ids
/// and a full-access key.
async fn seed(app: &TestApp, name: &str) -> (WorkspaceId, Ids, String) {
    let (ws, key) = app.tenant().await;
    let project = app.project(&key, name).await;
    let (status, body) = app.upload(&key, &project, &transcript(None)).await;
    assert_eq!(status, StatusCode::CREATED, "seed upload: {body}");
    let transcript = body["data"]["id"].as_str().unwrap().to_string();
    (
        ws,
        Ids {
            project,
            transcript,
        },
        key,
    )
}

/// An upload body without an `externalId`, so that every upload creates a transcript.
fn transcript(project_id: Option<&str>) -> Value {
    let mut body = json!({
        "name": "matrix transcript",
        "turns": [
            {"role": "user", "content": "Where is my order?"},
            {"role": "assistant", "content": "It ships tomorrow."}
        ]
    });
    if let Some(id) = project_id {
        body["projectId"] = json!(id);
    }
    body
}

/// Checks one response against the expectation; `None` if it matches, else what went wrong.
fn check(
    expected_status: StatusCode,
    expected_type: Option<&str>,
    mentions: Option<&str>,
    status: StatusCode,
    body: &Value,
) -> Option<String> {
    if status != expected_status {
        return Some(format!("expected {expected_status}, got {status}: {body}"));
    }
    match expected_type {
        Some(kind) => {
            if body["error"]["type"] != kind || body["error"]["code"] != status.as_u16() {
                return Some(format!("expected a {kind} body, got {body}"));
            }
            let message = body["error"]["message"].as_str().unwrap_or_default();
            if let Some(word) = mentions.filter(|w| !message.contains(w)) {
                return Some(format!("the message should name {word}: {body}"));
            }
        }
        None => {
            if body.get("data").is_none() {
                return Some(format!("expected a data envelope, got {body}"));
            }
        }
    }
    None
}

#[tokio::test]
async fn every_endpoint_enforces_permissions_and_workspaces() {
    let app = TestApp::spawn().await;
    let (own_ws, own, _) = seed(&app, "own").await;
    let (_, other, other_key) = seed(&app, "other").await;
    let fixture = Fixture {
        own,
        other,
        nonexistent: Ids {
            project: format!("hp-{}", uuid::Uuid::new_v4()),
            transcript: uuid::Uuid::new_v4().to_string(),
        },
    };
    let mut keys = Vec::new();
    for permissions in PERMISSION_SETS {
        keys.push((permissions, app.key(own_ws, permissions).await));
    }

    let mut failures = Vec::new();
    let mut cases = 0;
    for endpoint in endpoints() {
        let scopes: &[Scope] = if endpoint.resource == Resource::None {
            &[Scope::Own]
        } else {
            &[Scope::Own, Scope::OtherWorkspace, Scope::Nonexistent]
        };
        for &scope in scopes {
            for (permissions, key) in &keys {
                let ids = fixture.ids(scope);
                let path = endpoint
                    .path
                    .replace("{project}", &ids.project)
                    .replace("{transcript}", &ids.transcript);
                let body = match (endpoint.method.clone(), endpoint.resource) {
                    (Method::POST, Resource::None) => Some(json!({"name": "matrix project"})),
                    (Method::POST, Resource::ProjectInBody) => Some(transcript(Some(&ids.project))),
                    (Method::POST, _) => Some(transcript(None)),
                    _ => None,
                };
                let (expected_status, expected_type, mentions) =
                    match (allowed(permissions, endpoint.needs), scope) {
                        (false, _) => (
                            StatusCode::FORBIDDEN,
                            Some("permission_error"),
                            Some(endpoint.needs),
                        ),
                        (true, Scope::Own) => (endpoint.success, None, None),
                        (true, Scope::OtherWorkspace) => {
                            (StatusCode::FORBIDDEN, Some("permission_error"), None)
                        }
                        (true, Scope::Nonexistent) => {
                            (StatusCode::NOT_FOUND, Some("not_found_error"), None)
                        }
                    };

                let (status, response) = app
                    .request(endpoint.method.clone(), &path, Some(key), body.as_ref())
                    .await;

                cases += 1;
                if let Some(problem) =
                    check(expected_status, expected_type, mentions, status, &response)
                {
                    failures.push(format!(
                        "{} {} as {scope:?} with permissions {permissions:?}: {problem}",
                        endpoint.method, endpoint.path
                    ));
                }
            }
        }
    }

    assert_eq!(cases, 100, "the matrix has 100 cases");
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Nothing reached the other workspace's project.
    let (_, project) = app
        .get(&format!("/projects/{}", fixture.other.project), &other_key)
        .await;
    assert_eq!(
        project["data"]["transcript_count"], 1,
        "the other workspace's project was changed: {project}"
    );
}

#[tokio::test]
async fn write_does_not_imply_read() {
    let app = TestApp::spawn().await;
    let (ws, full) = app.tenant().await;
    let project = app.project(&full, "write only").await;
    let writer = app.key(ws, &[WRITE]).await;

    let (status, body) = app.get(&format!("/projects/{project}"), &writer).await;

    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["type"], "permission_error", "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(READ),
        "{body}"
    );
}

#[tokio::test]
async fn the_legacy_upload_without_a_project_uses_the_keys_own_default_project() {
    let app = TestApp::spawn().await;
    let (ws, _) = app.tenant().await;
    let (_, other_key) = app.tenant().await;
    let uploader = app.key(ws, &[LEGACY_WRITE]).await;
    let reader = app.key(ws, &[READ]).await;

    let (status, body) = app
        .post("/halfpipe/transcripts", &uploader, &transcript(None))
        .await;

    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["workspaceId"], ws.to_string(), "{body}");
    let (_, own_projects) = app.get("/projects", &reader).await;
    let (_, other_projects) = app.get("/projects", &other_key).await;
    assert_eq!(own_projects["data"][0]["name"], "Default", "{own_projects}");
    assert_eq!(other_projects["pagination"]["total"], 0, "{other_projects}");
}

#[tokio::test]
async fn a_missing_permission_is_reported_before_the_body_is_read() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("read only").await;
    let reader = app.key(ws, &["projects-read"]).await;
    let writer = app.key(ws, &["projects-write"]).await;
    let project = app.project(&writer, "p").await;
    let malformed = "{not json";
    for path in [
        "/projects".to_string(),
        format!("/projects/{project}/transcripts"),
        "/halfpipe/transcripts".to_string(),
    ] {
        let response = app
            .client
            .post(app.api(&path))
            .bearer_auth(&reader)
            .header("content-type", "application/json")
            .body(malformed)
            .send()
            .await
            .unwrap();
        let (status, body) = crate::support::read(response).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert_eq!(body["error"]["type"], "permission_error", "{path}: {body}");
    }
}
