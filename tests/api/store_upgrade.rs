//! Upgrading: a database written by the release before typed storage (migrations 1 and 2
//! applied with the checksums of these same files, rows in that release's text forms) opens
//! with this code, which applies what is missing, and reads back unchanged through HTTP.

use std::borrow::Cow;

use halfpipe::auth::generate;
use halfpipe::auth::session::{SecretToken, hash_password};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::{Value, json};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, Connection, SqlSafeStr};

use std::sync::Arc;

use halfpipe::app;
use halfpipe::config::DatabaseConfig;
use halfpipe::state::AppState;
use halfpipe::store::{self, Store};
use tokio::net::TcpListener;

use crate::support::{TestDb, read, test_config};

const PASSWORD: &str = "correct-horse-battery-staple";
const SESSION: &str = "an-old-session-token-from-before-the-upgrade";
const WORKSPACE: &str = "5a7c1d2e-3f40-4b5c-8d6e-7f8091a2b3c4";
const ACTIVE_KEY: &str = "0190a5e8-7c1b-7000-8000-00000000000a";
const REVOKED_KEY: &str = "0190a5e8-7c1b-7000-8000-00000000000b";
const PROJECT: &str = "hp-0190a5e8-7c1b-7000-8000-000000000001";
const DEFAULT_PROJECT: &str = "hp-0190a5e8-7c1b-7000-8000-000000000002";
const TRANSCRIPT: &str = "0190a5e8-7c1b-7000-8000-0000000000c1";
const MEMBER: &str = "0190a5e8-7c1b-7000-8000-0000000000d1";
const INVITATION: &str = "0190a5e8-7c1b-7000-8000-0000000000e1";
const AUDIT: &str = "0190a5e8-7c1b-7000-8000-0000000000f1";
const CREATED: &str = "2025-11-02T08:09:10.123Z";
const LAST_USED: &str = "2026-01-05T06:07:08.009Z";
const SOURCE: &str = "2025-10-30T23:59:58.001Z";
const TURN_AT: &str = "2025-10-30T23:59:59.500Z";
const FAR: &str = "2099-01-01T00:00:00.000Z";
const METADATA: &str = r#"{"channel":"chat","nested":{"b":1,"a":[1,2.5,"x"]},"empty":{}}"#;
const TOOL_CALLS: &str = r#"[{"name":"lookup_order","args":{"order_id":"A-1001"}}]"#;
const TURN_METADATA: &str = r#"{"latencyMs":12}"#;
/// Client JSON that `jsonb` could not hold (a `\u0000` escape) and keys out of order.
const FIRST_TURN_METADATA: &str = r#"{"z":"a\u0000b","a":1}"#;
/// An instant in year 0000, which RFC 3339 writes and PostgreSQL's text input does not read.
const YEAR_ZERO: &str = "0000-01-01T00:00:00.000Z";
const SUMMARY: &str = r#"{"headline":"Refunds dominate","count":3}"#;
const INSIGHTS: &str = r#"[{"rank":1,"title":"Refunds"}]"#;

/// Migrations 1 and 2 as the release before typed storage embedded them: the files' text
/// through `Migration::new`, so with the same checksums.
fn old_release_migrator(backend: &str) -> Migrator {
    let files: [(i64, &str, &'static str); 2] = if backend == "postgres" {
        [
            (
                1,
                "core",
                include_str!("../../migrations/postgres/0001_core.sql"),
            ),
            (
                2,
                "members",
                include_str!("../../migrations/postgres/0002_members.sql"),
            ),
        ]
    } else {
        [
            (
                1,
                "core",
                include_str!("../../migrations/sqlite/0001_core.sql"),
            ),
            (
                2,
                "members",
                include_str!("../../migrations/sqlite/0002_members.sql"),
            ),
        ]
    };
    Migrator::with_migrations(
        files
            .into_iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    AssertSqlSafe(sql).into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// What the old release's secrets were: the plaintext of the active and the revoked key.
struct OldSecrets {
    active: String,
    revoked: String,
}

/// Writes rows the way the old release did (text ids, `hp-` project ids, RFC 3339 text, 0/1
/// flags, JSON text) on a connection of either backend. `$search` is the statement that
/// indexes the transcript's document, which differs between the backends.
macro_rules! seed_old_release {
    ($conn:expr, $search:expr) => {{
        let conn = $conn;
        let active = generate();
        let revoked = generate();
        let password_hash = hash_password(PASSWORD).expect("a password hash");
        let statements: Vec<(&str, Vec<Bind>)> = vec![
            (
                "insert into workspaces (id, name, created_at) values ($1, $2, $3)",
                vec![t(WORKSPACE), t("Upgraded"), t(CREATED)],
            ),
            (
                "insert into api_keys (workspace_id, id, name, description, key_hash, hint, \
                 permissions, status, legacy, created_at, created_by, last_used_at, expires_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                vec![
                    t(WORKSPACE),
                    t(ACTIVE_KEY),
                    t("production"),
                    t("the main key"),
                    Bind::Bytes(active.hash().0.to_vec()),
                    t(&active.hint()),
                    t(""),
                    t("active"),
                    Bind::Int(0),
                    t(CREATED),
                    t("cli"),
                    t(LAST_USED),
                    t(FAR),
                ],
            ),
            (
                "insert into api_keys (workspace_id, id, name, description, key_hash, hint, \
                 permissions, status, legacy, created_at, created_by, last_used_at, expires_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                vec![
                    t(WORKSPACE),
                    t(REVOKED_KEY),
                    t("imported"),
                    Bind::Null,
                    Bind::Bytes(revoked.hash().0.to_vec()),
                    t(&revoked.hint()),
                    t("projects-read"),
                    t("revoked"),
                    Bind::Int(1),
                    t("2025-11-02T08:09:11.000Z"),
                    t("import"),
                    Bind::Null,
                    Bind::Null,
                ],
            ),
            (
                "insert into api_key_changes (workspace_id, key_hash, changed_at) \
                 values ($1, $2, $3)",
                vec![
                    t(WORKSPACE),
                    Bind::Bytes(revoked.hash().0.to_vec()),
                    t(CREATED),
                ],
            ),
            (
                "insert into audit_log (workspace_id, id, actor, action, key_id, created_at) \
                 values ($1, $2, $3, $4, $5, $6)",
                vec![
                    t(WORKSPACE),
                    t(AUDIT),
                    t("cli"),
                    t("api_key.created"),
                    t(ACTIVE_KEY),
                    t(CREATED),
                ],
            ),
            (
                "insert into projects (workspace_id, id, name, domain_pack, is_default, \
                 transcript_count, latest_transcript_at, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                vec![
                    t(WORKSPACE),
                    t(PROJECT),
                    t("Support bot"),
                    t("ai_coding"),
                    Bind::Int(0),
                    Bind::Int(1),
                    t(CREATED),
                    t(CREATED),
                    t(CREATED),
                ],
            ),
            (
                "insert into projects (workspace_id, id, name, domain_pack, is_default, \
                 created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)",
                vec![
                    t(WORKSPACE),
                    t(DEFAULT_PROJECT),
                    t("Default"),
                    t("general"),
                    Bind::Int(1),
                    t("2025-11-01T00:00:00.000Z"),
                ],
            ),
            (
                "insert into transcripts (seq, workspace_id, id, project_id, name, model_name, \
                 language, source_system, external_id, external_user_id, source_timestamp, \
                 metadata, turn_count, user_turn_count, assistant_turn_count, \
                 total_token_count, user_token_count, assistant_token_count, fingerprint, \
                 effective_at, created_at, created_by) values (1, $1, $2, $3, $4, $5, $6, $7, \
                 $8, $9, $10, $11, 2, 1, 1, 30, 10, 20, $12, $13, $14, $15)",
                vec![
                    t(WORKSPACE),
                    t(TRANSCRIPT),
                    t(PROJECT),
                    t("Refund request"),
                    t("gpt-4o"),
                    t("en"),
                    t("zendesk"),
                    t("conv-9"),
                    t("user-7"),
                    t(SOURCE),
                    t(METADATA),
                    Bind::Bytes(vec![7; 32]),
                    t(SOURCE),
                    t(CREATED),
                    t("production"),
                ],
            ),
            (
                $search,
                vec![
                    t(WORKSPACE),
                    t(TRANSCRIPT),
                    t("refund request charged twice order refunded"),
                ],
            ),
            (
                "insert into turns (workspace_id, transcript_id, idx, role, content, \
                 token_count, tool_calls, tool_results, metadata, created_at) \
                 values ($1, $2, 0, 'user', $3, 10, null, null, $8, $9), \
                 ($1, $2, 1, 'assistant', $4, 20, $5, null, $6, $7)",
                vec![
                    t(WORKSPACE),
                    t(TRANSCRIPT),
                    t("I was charged twice for my order"),
                    t("Refunded."),
                    t(TOOL_CALLS),
                    t(TURN_METADATA),
                    t(TURN_AT),
                    t(FIRST_TURN_METADATA),
                    t(YEAR_ZERO),
                ],
            ),
            (
                "insert into annotations (workspace_id, transcript_id, key, value) \
                 values ($1, $2, 'sentiment', 'negative'), ($1, $2, 'topic', 'billing')",
                vec![t(WORKSPACE), t(TRANSCRIPT)],
            ),
            (
                "insert into reports (workspace_id, project_id, executive_summary, insights, \
                 created_at) values ($1, $2, $3, $4, $5)",
                vec![
                    t(WORKSPACE),
                    t(PROJECT),
                    t(SUMMARY),
                    t(INSIGHTS),
                    t(CREATED),
                ],
            ),
            (
                "insert into members (id, email, password_hash, created_at) \
                 values ($1, $2, $3, $4)",
                vec![
                    t(MEMBER),
                    t("owner@example.com"),
                    t(&password_hash),
                    t(CREATED),
                ],
            ),
            (
                "insert into memberships (workspace_id, member_id, role, created_at) \
                 values ($1, $2, 'owner', $3)",
                vec![t(WORKSPACE), t(MEMBER), t(CREATED)],
            ),
            (
                "insert into sessions (token_hash, member_id, created_at, expires_at) \
                 values ($1, $2, $3, $4)",
                vec![
                    Bind::Bytes(SecretToken::presented(SESSION).hash().0.to_vec()),
                    t(MEMBER),
                    t(CREATED),
                    t(FAR),
                ],
            ),
            (
                "insert into invitations (workspace_id, id, token_hash, role, created_by, \
                 created_at, expires_at) values ($1, $2, $3, 'member', $4, $5, $6)",
                vec![
                    t(WORKSPACE),
                    t(INVITATION),
                    Bind::Bytes(vec![9; 32]),
                    t("owner@example.com"),
                    t(CREATED),
                    t(FAR),
                ],
            ),
        ];
        for (sql, binds) in statements {
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for bind in binds {
                query = match bind {
                    Bind::Text(v) => query.bind(v),
                    Bind::Int(v) => query.bind(v),
                    Bind::Bytes(v) => query.bind(v),
                    Bind::Null => query.bind(None::<String>),
                };
            }
            query
                .execute(&mut *conn)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        OldSecrets {
            active: active.expose().to_string(),
            revoked: revoked.expose().to_string(),
        }
    }};
}

enum Bind {
    Text(String),
    Int(i64),
    Bytes(Vec<u8>),
    Null,
}

fn t(text: &str) -> Bind {
    Bind::Text(text.to_string())
}

/// Makes the database at `url` what the old release left behind; returns the keys'
/// plaintexts.
async fn old_release_database(url: &str) -> OldSecrets {
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connects");
        old_release_migrator("postgres")
            .run(&mut conn)
            .await
            .expect("migrations 1 and 2 apply");
        let secrets = seed_old_release!(
            &mut conn,
            "insert into transcript_search (workspace_id, transcript_id, document) \
             values ($1, $2, strip(to_tsvector('simple', $3)))"
        );
        conn.close().await.expect("closes");
        secrets
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&format!("{url}?mode=rwc"))
            .await
            .expect("connects");
        old_release_migrator("sqlite")
            .run(&mut conn)
            .await
            .expect("migrations 1 and 2 apply");
        let secrets = seed_old_release!(
            &mut conn,
            "insert into transcripts_fts (rowid, document) \
             select seq, $3 from transcripts where workspace_id = $1 and id = $2"
        );
        conn.close().await.expect("closes");
        secrets
    }
}

/// The server as `serve` runs it, on the database at `url`.
struct Server {
    address: String,
    client: reqwest::Client,
    store: Arc<dyn Store>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(url: &str) -> Self {
        let store = store::connect(&DatabaseConfig::new(url))
            .await
            .expect("the old database opens and migrates");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(Arc::clone(&store), test_config());
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Self {
            address,
            client: reqwest::Client::new(),
            store,
            shutdown,
            task,
        }
    }

    async fn get(&self, path: &str, key: &str) -> (StatusCode, Value) {
        let url = format!("{}/public/api/v1{path}", self.address);
        read(
            self.client
                .get(url)
                .bearer_auth(key)
                .send()
                .await
                .expect("sent"),
        )
        .await
    }

    /// Graceful shutdown, which flushes last-used times.
    async fn stop(self) -> Arc<dyn Store> {
        let _ = self.shutdown.send(());
        self.task.await.expect("server task").expect("server ran");
        self.store
    }
}

/// Opens the old database with this code and checks, over HTTP, that everything reads back.
async fn upgrade_keeps_everything(url: &str) {
    let secrets = old_release_database(url).await;
    let app = Server::start(url).await;
    let key = secrets.active.as_str();

    // Projects, with the executive summary of the stored report.
    let (status, body) = app.get(&format!("/projects/{PROJECT}"), key).await;
    assert_eq!(status, StatusCode::OK, "the old key authenticates: {body}");
    let project = &body["data"];
    assert_eq!(project["id"], PROJECT, "{body}");
    assert_eq!(project["name"], "Support bot", "{body}");
    assert_eq!(project["domain_pack"], "ai_coding", "{body}");
    assert_eq!(project["transcript_count"], 1, "{body}");
    assert_eq!(project["created_at"], CREATED, "{body}");
    assert_eq!(project["latest_transcript_at"], CREATED, "{body}");
    let summary: Value = serde_json::from_str(SUMMARY).unwrap();
    assert_eq!(project["executive_summary"], summary, "{body}");
    let (status, body) = app.get("/projects", key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ids: Vec<_> = body["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec![PROJECT, DEFAULT_PROJECT], "newest first: {body}");

    // The transcript, its turns and annotations.
    let (status, body) = app.get(&format!("/transcripts/{TRANSCRIPT}"), key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let transcript = &body["data"];
    assert_eq!(transcript["id"], TRANSCRIPT, "{body}");
    assert_eq!(transcript["project_id"], PROJECT, "{body}");
    assert_eq!(transcript["external_id"], "conv-9", "{body}");
    assert_eq!(transcript["source_timestamp"], SOURCE, "{body}");
    assert_eq!(transcript["created_at"], CREATED, "{body}");
    let metadata: Value = serde_json::from_str(METADATA).unwrap();
    assert_eq!(transcript["metadata"], metadata, "{body}");
    assert_eq!(
        transcript["annotations"],
        json!({"sentiment": "negative", "topic": "billing"}),
        "{body}"
    );
    let turns = transcript["turns"].as_array().expect("turns");
    assert_eq!(turns.len(), 2, "{body}");
    assert_eq!(turns[0]["content"], "I was charged twice for my order");
    let calls: Value = serde_json::from_str(TOOL_CALLS).unwrap();
    assert_eq!(turns[1]["tool_calls"], calls, "{body}");
    let turn_metadata: Value = serde_json::from_str(TURN_METADATA).unwrap();
    assert_eq!(turns[1]["metadata"], turn_metadata, "{body}");
    assert_eq!(turns[1]["created_at"], TURN_AT, "{body}");
    let first_metadata: Value = serde_json::from_str(FIRST_TURN_METADATA).unwrap();
    assert_eq!(
        turns[0]["metadata"], first_metadata,
        "a \\u0000 escape survives: {body}"
    );
    assert_eq!(
        turns[0]["created_at"], YEAR_ZERO,
        "year 0000 survives: {body}"
    );

    // Search and date filters find it in its converted form.
    let path = format!("/projects/{PROJECT}/transcripts?q=refund&from=2025-10-30T23:59:58.001Z");
    let (status, body) = app.get(&path, key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"][0]["id"], TRANSCRIPT, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 1, "{body}");

    // The revoked key stays revoked.
    let (status, body) = app.get("/projects", &secrets.revoked).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("revoked")),
        "{body}"
    );

    // The old session still signs the member in, and the management API shows the rest.
    let response = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .header(COOKIE, format!("halfpipe_session={SESSION}"))
        .send()
        .await
        .expect("sent");
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "the old session works: {body}");
    assert_eq!(body["data"]["member"]["id"], MEMBER, "{body}");
    assert_eq!(
        body["data"]["member"]["email"], "owner@example.com",
        "{body}"
    );
    assert_eq!(body["data"]["member"]["created_at"], CREATED, "{body}");
    assert_eq!(
        body["data"]["workspaces"][0]["workspace_id"], WORKSPACE,
        "{body}"
    );
    assert_eq!(body["data"]["workspaces"][0]["role"], "owner", "{body}");
    let response = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({"email": "owner@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("sent");
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "the argon2 hash verifies: {body}");
    let jwt = body["data"]["token"].as_str().expect("a JWT").to_string();
    let manage = |path: String| {
        let request = app
            .client
            .get(format!(
                "{}/api/v1/workspaces/{WORKSPACE}{path}",
                app.address
            ))
            .bearer_auth(&jwt);
        async move { read(request.send().await.expect("sent")).await }
    };

    let (status, body) = manage("/api-keys".into()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let keys = body["data"].as_array().expect("keys");
    let find = |id: &str| {
        keys.iter()
            .find(|k| k["id"] == id)
            .unwrap_or_else(|| panic!("key {id} in {body}"))
    };
    let active = find(ACTIVE_KEY);
    assert_eq!(active["status"], "active", "{body}");
    assert_eq!(active["legacy"], false, "{body}");
    assert_eq!(active["expires_at"], FAR, "{body}");
    assert_eq!(active["created_at"], CREATED, "{body}");
    assert_eq!(active["description"], "the main key", "{body}");
    let revoked = find(REVOKED_KEY);
    assert_eq!(revoked["status"], "revoked", "{body}");
    assert_eq!(revoked["legacy"], true, "{body}");
    assert_eq!(revoked["expires_at"], Value::Null, "{body}");
    assert_eq!(revoked["permissions"], json!(["projects-read"]), "{body}");

    let (status, body) = manage("/members".into()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"][0]["email"], "owner@example.com", "{body}");
    assert_eq!(body["data"][0]["role"], "owner", "{body}");

    let (status, body) = manage("/invitations".into()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"][0]["id"], INVITATION, "{body}");
    assert_eq!(body["data"][0]["expires_at"], FAR, "{body}");

    let (status, body) = manage("/audit-log".into()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let old_entry = body["data"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["id"] == AUDIT)
        .unwrap_or_else(|| panic!("the old audit entry in {body}"));
    assert_eq!(old_entry["key_id"], ACTIVE_KEY, "{body}");
    assert_eq!(old_entry["created_at"], CREATED, "{body}");

    // Last-used moves forward from the old value once the key is used again.
    let store = app.stop().await;
    let record = store
        .get_key(ACTIVE_KEY.parse().unwrap())
        .await
        .unwrap()
        .expect("the key");
    assert!(
        record.last_used_at.map(|t| t.to_rfc3339()) > Some(LAST_USED.to_string()),
        "moved forward from {LAST_USED}: {:?}",
        record.last_used_at
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set HALFPIPE_TEST_POSTGRES_URL and pass --include-ignored"]
async fn a_postgres_database_of_the_previous_release_migrates_in_place_and_reads_back_unchanged() {
    let db = TestDb::fresh().await;
    assert!(
        db.is_postgres(),
        "set HALFPIPE_TEST_POSTGRES_URL to a PostgreSQL server to run this test"
    );
    upgrade_keeps_everything(&db.url).await;
}

#[tokio::test]
async fn a_sqlite_file_of_the_previous_release_opens_and_reads_back_unchanged() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    upgrade_keeps_everything(&url).await;
}
