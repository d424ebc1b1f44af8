//! Spawns the real server on port 0 with a fresh database, and speaks HTTP to it.

#![allow(dead_code)]

use std::sync::Arc;

use halfpipe::app;
use halfpipe::config::{DatabaseConfig, ServerConfig};
use halfpipe::model::{KeyId, WorkspaceId};
use halfpipe::service::keys::{KeyRequest, create_key};
use halfpipe::state::AppState;
use halfpipe::store::{self, Actor, Store};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A fresh database for one test: a SQLite file in a temporary directory, or, when
/// `HALFPIPE_TEST_POSTGRES_URL` names a PostgreSQL server, a new database there that is
/// dropped when the test ends.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// (server URL to connect to for dropping, database name)
    postgres: Option<(String, String)>,
}

/// The environment variable that points the suite at PostgreSQL.
pub const POSTGRES_ENV: &str = "HALFPIPE_TEST_POSTGRES_URL";

impl TestDb {
    pub async fn fresh() -> Self {
        match std::env::var(POSTGRES_ENV) {
            Ok(server) if !server.trim().is_empty() => Self::fresh_postgres(server.trim()).await,
            _ => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("halfpipe.db").display());
                Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
        }
    }

    async fn fresh_postgres(server: &str) -> Self {
        use sqlx::{Connection, Executor};
        let name = format!("halfpipe_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(server)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={server} does not connect: {e}"));
        conn.execute(sqlx::AssertSqlSafe(format!("create database {name}")))
            .await
            .expect("create the test database");
        let _ = conn.close().await;
        Self {
            url: with_database(server, &name),
            _dir: None,
            postgres: Some((server.to_string(), name)),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// A store on this database, as the server opens it.
    pub async fn store(&self) -> Arc<dyn Store> {
        store::connect(&DatabaseConfig::new(&self.url))
            .await
            .expect("the database opens")
    }
}

/// `server` (a PostgreSQL URL) with its database name replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server, String::new()),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime; a thread with its own runtime can block on it.
        let dropped = std::thread::spawn(move || {
            use sqlx::{Connection, Executor};
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&server).await?;
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "drop database if exists {name} with (force)"
                )))
                .await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database: {dropped:?}");
        }
    }
}

/// A running server.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// Test defaults: no rate limit, fast change polling and last-used flushes.
pub fn test_config() -> ServerConfig {
    ServerConfig {
        listen: "127.0.0.1:0".into(),
        rate_limit_per_minute: 0,
        last_used_flush_ms: 100,
        key_poll_ms: 50,
        ..ServerConfig::default()
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(test_config()).await
    }

    pub async fn spawn_with(config: ServerConfig) -> Self {
        let db = TestDb::fresh().await;
        Self::spawn_on(db, config).await
    }

    /// Starts a server on an existing database.
    pub async fn spawn_on(db: TestDb, config: ServerConfig) -> Self {
        let store = db.store().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(Arc::clone(&store), config);
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app::serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        Self {
            address,
            client: reqwest::Client::new(),
            store,
            state,
            db,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// Graceful shutdown: in-flight requests finish, last-used times are flushed.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
    }

    pub async fn workspace(&self, name: &str) -> WorkspaceId {
        self.store
            .create_workspace(name)
            .await
            .expect("workspace")
            .id
    }

    /// Creates a key with `permissions` (empty = full access); returns its plaintext and id.
    pub async fn key_with_id(&self, ws: WorkspaceId, permissions: &[&str]) -> (String, KeyId) {
        let request = KeyRequest {
            name: Some("test key".into()),
            permissions: permissions.iter().map(|p| p.to_string()).collect(),
            ..Default::default()
        }
        .validate()
        .expect("valid key request");
        let created = create_key(
            self.store.as_ref(),
            ws,
            request,
            "test",
            &Actor("test".into()),
        )
        .await
        .expect("key created");
        (created.key.expose().to_string(), created.record.id)
    }

    pub async fn key(&self, ws: WorkspaceId, permissions: &[&str]) -> String {
        self.key_with_id(ws, permissions).await.0
    }

    /// A new workspace with one full-access key.
    pub async fn tenant(&self) -> (WorkspaceId, String) {
        let ws = self.workspace("tenant").await;
        let key = self.key(ws, &[]).await;
        (ws, key)
    }

    /// URL of a public API path, e.g. `api("/projects")`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/public/api/v1{}", self.address, path)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let url = if path.starts_with('/') && !path.starts_with("/public") && !is_service(path) {
            self.api(path)
        } else {
            format!("{}{}", self.address, path)
        };
        let mut request = self.client.request(method, url);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request sent");
        read(response).await
    }

    pub async fn get(&self, path: &str, key: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, Some(key), Some(body))
            .await
    }

    /// Creates a project; returns its id.
    pub async fn project(&self, key: &str, name: &str) -> String {
        let (status, body) = self.post("/projects", key, &json!({ "name": name })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"]["id"].as_str().unwrap().to_string()
    }

    /// Uploads `transcript` into `project`; returns (status, body).
    pub async fn upload(
        &self,
        key: &str,
        project: &str,
        transcript: &Value,
    ) -> (StatusCode, Value) {
        self.post(&format!("/projects/{project}/transcripts"), key, transcript)
            .await
    }
}

fn is_service(path: &str) -> bool {
    ["/healthz", "/readyz", "/metrics"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// Status and JSON body of a response (a non-JSON body is a test failure).
pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {text:?}"));
    (status, body)
}

/// Asserts the SPEC's error body: `type`, `code` = status, a message, and `param` if given.
pub fn assert_error(
    status: StatusCode,
    body: &Value,
    expected: StatusCode,
    kind: &str,
    param: Option<&str>,
) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["type"], kind, "{body}");
    assert_eq!(body["error"]["code"], expected.as_u16(), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    if let Some(param) = param {
        assert_eq!(body["error"]["param"], param, "{body}");
    }
}

/// The example transcript of the README.
pub fn example_transcript() -> Value {
    json!({
        "name": "Refund request",
        "modelName": "gpt-4o",
        "externalId": "conv-1001",
        "language": "en",
        "sourceSystem": "zendesk",
        "sourceTimestamp": "2026-03-15T10:30:00Z",
        "metadata": {"channel": "chat"},
        "turns": [
            {"role": "user", "content": "Hi, I was charged twice for my order. Can I get a refund?"},
            {"role": "assistant", "content": "I'm sorry about that! Let me look up your order.",
             "toolCalls": [{"name": "lookup_order", "args": {"order_id": "A-1001"}}]},
            {"role": "tool", "content": "", "toolResults": [{"name": "lookup_order", "result": {"charges": 2}}]},
            {"role": "assistant", "content": "I found the duplicate charge and refunded it. You'll see it in 3-5 days."}
        ]
    })
}

/// Asserts `value` is a timestamp in the SPEC's form, RFC 3339 UTC with milliseconds
/// (`2026-03-15T10:30:00.000Z`), and returns it parsed.
pub fn assert_timestamp(value: &Value, what: &str) -> time::OffsetDateTime {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: expected a timestamp string, got {value}"));
    let shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    let matches_shape = text.len() == shape.len()
        && text.chars().zip(shape.chars()).all(|(c, s)| match s {
            'd' => c.is_ascii_digit(),
            other => c == other,
        });
    assert!(
        matches_shape,
        "{what}: {text:?} is not of the shape 2026-03-15T10:30:00.000Z"
    );
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{what}: {text:?} is not RFC 3339: {e}"))
}

/// Percent-encodes query pairs into `?a=b&c=d` (empty when there are none).
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect()
    }
    if pairs.is_empty() {
        return String::new();
    }
    let joined: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("?{}", joined.join("&"))
}

/// What one run of the real `halfpipe` binary printed, and how it ended.
pub struct CliOutput {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    /// The whole of stdout parsed as exactly one JSON value (a test failure otherwise).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not exactly one JSON value ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Panics with both streams unless the command succeeded.
    pub fn assert_success(&self, what: &str) -> &Self {
        assert!(
            self.status.success(),
            "{what}: exited with {}\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs the `halfpipe` binary with `args` against the database at `db_url`, off the async
/// workers so that a server in the same test keeps running meanwhile.
pub async fn halfpipe_cli(db_url: &str, args: &[&str]) -> CliOutput {
    run_halfpipe(db_url, args, None).await
}

/// Like [`halfpipe_cli`], with `input` written to the command's stdin (then closed).
pub async fn halfpipe_cli_with_stdin(db_url: &str, args: &[&str], input: &str) -> CliOutput {
    run_halfpipe(db_url, args, Some(input.to_string())).await
}

async fn run_halfpipe(db_url: &str, args: &[&str], input: Option<String>) -> CliOutput {
    use std::io::Write;
    use std::process::Stdio;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_halfpipe"));
    command
        .args(args)
        .env("HALFPIPE_DATABASE_URL", db_url)
        .env_remove("HALFPIPE_LOG")
        .current_dir(std::env::temp_dir())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn()?;
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(input.as_bytes())?;
        }
        child.wait_with_output()
    })
    .await
    .expect("the CLI task finishes")
    .expect("the halfpipe binary runs");
    CliOutput {
        status: output.status,
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Asserts a 400 `invalid_request_error` naming `param`; `case` says which case failed.
pub fn assert_invalid(case: &str, status: StatusCode, body: &Value, param: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {body}");
    assert_eq!(
        body["error"]["type"], "invalid_request_error",
        "{case}: {body}"
    );
    assert_eq!(body["error"]["code"], 400, "{case}: {body}");
    assert_eq!(body["error"]["param"], param, "{case}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{case}: a message: {body}"
    );
}
