//! The `halfpipe` command line (SPEC §4), run as the real binary against a temporary SQLite
//! file: `--json` output, key management, the audit log, and what `serve` logs.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{
    CliOutput, KeyKind, LEGACY_PREFIX, PREFIX, ServeProcess, TestApp, TestDb, Timestamp,
    WorkspaceId, check_format, cli_json, create_workspace, eventually, generate, halfpipe_cli,
    hint, test_config, text,
};

async fn cli(db: &TestDb, args: &[&str]) -> CliOutput {
    halfpipe_cli(&db.url, args).await
}

/// Creates a key through the CLI; returns its whole JSON output.
async fn create_key(db: &TestDb, workspace: &str, name: &str, extra: &[&str]) -> Value {
    let mut args = vec!["keys", "create", "--workspace", workspace, "--name", name];
    args.extend_from_slice(extra);
    cli_json(db, &args).await
}

fn assert_uuid(value: &Value, field: &str) {
    let raw = text(value, field);
    assert!(
        uuid::Uuid::try_parse(&raw).is_ok(),
        "{field} is not a UUID: {value}"
    );
}

// Workspaces.

#[tokio::test]
async fn workspaces_create_prints_one_json_object_with_id_and_name() {
    let db = TestDb::fresh().await;

    let workspace = cli_json(&db, &["workspaces", "create", "--name", "Acme"]).await;

    assert_uuid(&workspace, "id");
    assert_eq!(workspace["name"], "Acme", "{workspace}");
}

#[tokio::test]
async fn workspaces_list_prints_one_json_array_of_every_workspace() {
    let db = TestDb::fresh().await;
    let empty = cli_json(&db, &["workspaces", "list"]).await;
    let acme = create_workspace(&db, "Acme").await;
    let globex = create_workspace(&db, "Globex").await;

    let listed = cli_json(&db, &["workspaces", "list"]).await;

    assert_eq!(empty, json!([]), "a fresh database has no workspace");
    let listed = listed.as_array().expect("an array");
    let ids: BTreeSet<String> = listed.iter().map(|w| text(w, "id")).collect();
    assert_eq!(ids, BTreeSet::from([acme, globex]), "{listed:?}");
    assert!(listed.iter().all(|w| w["name"].is_string()), "{listed:?}");
}

#[tokio::test]
async fn the_database_url_flag_takes_precedence_over_the_environment() {
    let from_env = TestDb::fresh().await;
    let from_flag = TestDb::fresh().await;

    let created = halfpipe_cli(
        &from_env.url,
        &[
            "--database-url",
            &from_flag.url,
            "workspaces",
            "create",
            "--name",
            "Flagged",
            "--json",
        ],
    )
    .await
    .assert_success("workspaces create --database-url")
    .json();

    let in_flag_db = cli_json(&from_flag, &["workspaces", "list"]).await;
    let in_env_db = cli_json(&from_env, &["workspaces", "list"]).await;
    assert_eq!(in_flag_db[0]["id"], created["id"], "{in_flag_db}");
    assert_eq!(in_env_db, json!([]), "{in_env_db}");
}

// Keys.

#[tokio::test]
async fn keys_create_prints_the_plaintext_once_with_its_record() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    let args = [
        "keys",
        "create",
        "--workspace",
        &ws,
        "--name",
        "CI uploader",
        "--description",
        "used by the nightly job",
        "--permission",
        "projects-read",
        "--permission",
        "projects-write",
        "--expires-at",
        "2099-01-01T00:00:00Z",
        "--json",
    ];

    let output = cli(&db, &args).await;

    output.assert_success("keys create");
    let created = output.json();
    let key = text(&created, "key");
    assert_eq!(check_format(&key), Ok(KeyKind::Current), "{key}");
    assert!(key.starts_with(PREFIX), "{key}");
    assert_eq!(
        output.stdout.matches(&key).count(),
        1,
        "the key is printed once"
    );
    assert_uuid(&created, "id");
    assert_eq!(created["hint"], hint(&key), "{created}");
    assert_eq!(created["workspace_id"], ws.as_str(), "{created}");
    assert_eq!(
        created["permissions"],
        json!(["projects-read", "projects-write"]),
        "{created}"
    );
    assert_eq!(created["status"], "active", "{created}");
    assert_eq!(created["name"], "CI uploader", "{created}");
    assert_eq!(
        created["description"], "used by the nightly job",
        "{created}"
    );
    assert_eq!(
        created["expires_at"], "2099-01-01T00:00:00.000Z",
        "{created}"
    );
    assert_eq!(created["legacy"], false, "{created}");

    // The key works against a server on the same database.
    let app = TestApp::spawn_on(db, test_config()).await;
    let (status, body) = app.get("/projects", &key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn keys_create_without_permissions_is_full_access_in_the_only_workspace() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;

    let created = cli_json(&db, &["keys", "create", "--name", "everything"]).await;

    assert_eq!(created["workspace_id"], ws.as_str(), "{created}");
    assert_eq!(created["permissions"], json!([]), "{created}");
    assert_eq!(created["expires_at"], Value::Null, "{created}");
}

#[tokio::test]
async fn keys_create_in_text_mode_shows_the_key_exactly_once() {
    let db = TestDb::fresh().await;
    create_workspace(&db, "Acme").await;

    let output = cli(&db, &["keys", "create", "--name", "for a human"]).await;

    output.assert_success("keys create");
    let key = output
        .stdout
        .split_whitespace()
        .find(|word| word.starts_with(PREFIX))
        .unwrap_or_else(|| panic!("no key in {:?}", output.stdout))
        .to_string();
    assert_eq!(check_format(&key), Ok(KeyKind::Current), "{key}");
    assert_eq!(output.stdout.matches(&key).count(), 1, "{}", output.stdout);
    assert!(
        !output.stderr.contains(&key[PREFIX.len()..]),
        "{}",
        output.stderr
    );
}

#[tokio::test]
async fn keys_list_never_contains_the_plaintext_and_has_last_used_at() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    let first = create_key(&db, &ws, "first key", &[]).await;
    let second = create_key(&db, &ws, "second key", &["--permission", "projects-read"]).await;

    let output = cli(&db, &["keys", "list", "--workspace", &ws, "--json"]).await;

    output.assert_success("keys list");
    let listed = output.json();
    let listed = listed.as_array().expect("an array");
    assert_eq!(listed.len(), 2, "{listed:?}");
    for created in [&first, &second] {
        let key = text(created, "key");
        assert!(
            !output.stdout.contains(&key[PREFIX.len()..]),
            "the list shows a secret: {}",
            output.stdout
        );
        let item = listed
            .iter()
            .find(|k| k["id"] == created["id"])
            .unwrap_or_else(|| panic!("{} is not listed", created["id"]));
        assert!(item.get("key").is_none(), "{item}");
        assert_eq!(item.get("last_used_at"), Some(&Value::Null), "{item}");
        for field in ["hint", "status", "permissions", "name", "created_at"] {
            assert_eq!(item[field], created[field], "{field} of {item}");
        }
    }
}

#[tokio::test]
async fn keys_list_shows_when_a_key_was_last_used() {
    let app = TestApp::spawn().await;
    let (ws, key) = app.tenant().await;
    let ws = ws.to_string();
    let (status, _) = app.get("/projects", &key).await;
    assert_eq!(status, StatusCode::OK);

    // The server flushes every 100 ms here; poll the CLI until it shows up (bounded).
    let listed = eventually("keys list shows a last-used time", Duration::from_secs(5))
        .every(Duration::from_millis(50))
        .outcome(async || {
            let listed = halfpipe_cli(&app.db.url, &["keys", "list", "--workspace", &ws, "--json"])
                .await
                .assert_success("keys list")
                .json();
            match listed[0]["last_used_at"].is_null() {
                false => Ok(listed),
                true => Err(listed),
            }
        })
        .await;
    // Past the deadline the last listing is asserted on, and shown.
    let listed = listed.map_or_else(|last| last, |waited| waited.value);

    let last_used = text(&listed[0], "last_used_at");
    assert!(Timestamp::parse_rfc3339(&last_used).is_some(), "{listed}");
}

#[tokio::test]
async fn keys_revoke_reactivate_and_delete_print_the_key_they_changed() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    let created = create_key(&db, &ws, "short lived", &[]).await;
    let id = text(&created, "id");
    let secret = text(&created, "key")[PREFIX.len()..].to_string();

    let revoked = cli(&db, &["keys", "revoke", &id, "--json"]).await;
    let reactivated = cli(&db, &["keys", "reactivate", &id, "--json"]).await;
    let deleted = cli(&db, &["keys", "delete", &id, "--json"]).await;
    let listed = cli_json(&db, &["keys", "list", "--workspace", &ws]).await;

    for (what, output, status) in [
        ("revoke", &revoked, "revoked"),
        ("reactivate", &reactivated, "active"),
    ] {
        let key = output.assert_success(what).json();
        assert_eq!(key["id"], id.as_str(), "{what}: {key}");
        assert_eq!(key["status"], status, "{what}: {key}");
        assert!(
            !output.stdout.contains(&secret),
            "{what}: {}",
            output.stdout
        );
    }
    let deleted = deleted.assert_success("delete").json();
    assert_eq!(deleted["id"], id.as_str(), "{deleted}");
    assert_eq!(deleted["deleted"], true, "{deleted}");
    assert_eq!(listed, json!([]), "a deleted key is gone");
}

#[tokio::test]
async fn keys_import_legacy_by_plaintext_or_sha256_registers_a_working_key() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    let by_plaintext = "sk-prism-api03-imported_by-plaintext-123456";
    let by_hash = "sk-prism-api03-imported_by-sha256-12345678";
    let sha256 = hex::encode(Sha256::digest(by_hash.as_bytes()));

    let plain = cli(
        &db,
        &[
            "keys",
            "import-legacy",
            "--workspace",
            &ws,
            "--name",
            "old uploader",
            "--key",
            by_plaintext,
            "--permission",
            "halfpipe-transcripts-write",
            "--json",
        ],
    )
    .await;
    let hashed = cli(
        &db,
        &[
            "keys",
            "import-legacy",
            "--workspace",
            &ws,
            "--name",
            "old reader",
            "--sha256",
            &sha256,
            "--permission",
            "projects-read",
            "--json",
        ],
    )
    .await;

    for (what, output, key, permission) in [
        (
            "by plaintext",
            &plain,
            by_plaintext,
            "halfpipe-transcripts-write",
        ),
        ("by sha256", &hashed, by_hash, "projects-read"),
    ] {
        let record = output.assert_success(what).json();
        assert_uuid(&record, "id");
        assert_eq!(record["legacy"], true, "{what}: {record}");
        assert_eq!(record["status"], "active", "{what}: {record}");
        assert_eq!(
            record["permissions"],
            json!([permission]),
            "{what}: {record}"
        );
        assert!(
            text(&record, "hint").starts_with(LEGACY_PREFIX),
            "{what}: {record}"
        );
        assert!(record.get("key").is_none(), "{what}: {record}");
        assert!(
            !output.stdout.contains(&key[LEGACY_PREFIX.len()..]),
            "{what}: the output shows the secret: {}",
            output.stdout
        );
    }
    let app = TestApp::spawn_on(db, test_config()).await;
    let (status, body) = app.get("/projects", by_hash).await;
    assert_eq!(status, StatusCode::OK, "the key imported by hash: {body}");
    let (status, body) = app
        .post("/projects", by_plaintext, &json!({"name": "legacy"}))
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the key imported by plaintext: {body}"
    );
}

#[tokio::test]
async fn every_key_change_writes_an_audit_row() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    let created = create_key(&db, &ws, "audited key", &[]).await;
    let id = text(&created, "id");
    cli_json(&db, &["keys", "revoke", &id]).await;
    cli_json(&db, &["keys", "reactivate", &id]).await;
    let imported = cli_json(
        &db,
        &[
            "keys",
            "import-legacy",
            "--workspace",
            &ws,
            "--name",
            "audited legacy key",
            "--key",
            "sk-prism-api03-audited-legacy-key-0001",
        ],
    )
    .await;
    let imported_id = text(&imported, "id");
    cli_json(&db, &["keys", "delete", &id]).await;

    let store = db.store().await;
    let workspace: WorkspaceId = ws.parse().unwrap();
    let log = store
        .audit_log(workspace, 100)
        .await
        .expect("the audit log");

    let rows: BTreeSet<(String, String, String)> = log
        .iter()
        .map(|e| {
            let key = e.key_id.map(|k| k.to_string()).unwrap_or_default();
            (e.action.clone(), key, e.actor.clone())
        })
        .collect();
    let cli = |action: &str, key: &str| (action.to_string(), key.to_string(), "cli".to_string());
    let expected = BTreeSet::from([
        cli("api_key.created", &id),
        cli("api_key.revoked", &id),
        cli("api_key.reactivated", &id),
        cli("api_key.imported", &imported_id),
        cli("api_key.deleted", &id),
    ]);
    assert_eq!(log.len(), 5, "one row per change: {log:#?}");
    assert_eq!(rows, expected, "{log:#?}");
    assert!(log.iter().all(|e| e.workspace_id == workspace), "{log:#?}");
}

#[tokio::test]
async fn failing_commands_exit_non_zero_with_one_json_error() {
    let db = TestDb::fresh().await;
    let ws = create_workspace(&db, "Acme").await;
    create_workspace(&db, "Globex").await;
    let missing = uuid::Uuid::new_v4().to_string();
    let new_format_key = generate().expose().to_string();
    let already_imported = "sk-prism-api03-imported-twice-00000001";
    cli_json(
        &db,
        &[
            "keys",
            "import-legacy",
            "--workspace",
            &ws,
            "--name",
            "first import",
            "--key",
            already_imported,
        ],
    )
    .await;
    let long_name = "x".repeat(201);
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            "revoke an unknown key",
            vec!["keys", "revoke", &missing],
            "not_found_error",
        ),
        (
            "revoke something that is not an id",
            vec!["keys", "revoke", "not-an-id"],
            "not_found_error",
        ),
        (
            "reactivate an unknown key",
            vec!["keys", "reactivate", &missing],
            "not_found_error",
        ),
        (
            "delete an unknown key",
            vec!["keys", "delete", &missing],
            "not_found_error",
        ),
        (
            "a key name too short",
            vec!["keys", "create", "--workspace", &ws, "--name", "ab"],
            "invalid_request_error",
        ),
        (
            "an unknown permission",
            vec![
                "keys",
                "create",
                "--workspace",
                &ws,
                "--name",
                "valid name",
                "--permission",
                "admin",
            ],
            "invalid_request_error",
        ),
        (
            "an expiry in the past",
            vec![
                "keys",
                "create",
                "--workspace",
                &ws,
                "--name",
                "valid name",
                "--expires-at",
                "2000-01-01T00:00:00Z",
            ],
            "invalid_request_error",
        ),
        (
            "an expiry that is not RFC 3339",
            vec![
                "keys",
                "create",
                "--workspace",
                &ws,
                "--name",
                "valid name",
                "--expires-at",
                "tomorrow",
            ],
            "invalid_request_error",
        ),
        (
            "a workspace that is not an id",
            vec![
                "keys",
                "create",
                "--workspace",
                "acme",
                "--name",
                "valid name",
            ],
            "invalid_request_error",
        ),
        (
            "a workspace that does not exist",
            vec![
                "keys",
                "create",
                "--workspace",
                &missing,
                "--name",
                "valid name",
            ],
            "not_found_error",
        ),
        (
            "no workspace when there are several",
            vec!["keys", "create", "--name", "valid name"],
            "invalid_request_error",
        ),
        (
            "list without a workspace when there are several",
            vec!["keys", "list"],
            "invalid_request_error",
        ),
        (
            "import a key that is not a legacy key",
            vec![
                "keys",
                "import-legacy",
                "--workspace",
                &ws,
                "--name",
                "legacy",
                "--key",
                &new_format_key,
            ],
            "invalid_request_error",
        ),
        (
            "import a malformed sha256",
            vec![
                "keys",
                "import-legacy",
                "--workspace",
                &ws,
                "--name",
                "legacy",
                "--sha256",
                "abc123",
            ],
            "invalid_request_error",
        ),
        (
            "import the same legacy key twice",
            vec![
                "keys",
                "import-legacy",
                "--workspace",
                &ws,
                "--name",
                "second import",
                "--key",
                already_imported,
            ],
            "conflict_error",
        ),
        (
            "an empty workspace name",
            vec!["workspaces", "create", "--name", " "],
            "invalid_request_error",
        ),
        (
            "a workspace name too long",
            vec!["workspaces", "create", "--name", &long_name],
            "invalid_request_error",
        ),
    ];

    for (case, mut args, kind) in cases {
        args.push("--json");

        let output = cli(&db, &args).await;

        assert!(
            !output.status.success(),
            "{case}: exited successfully\n{}",
            output.stdout
        );
        let error = output.json();
        assert_eq!(error["error"]["type"], kind, "{case}: {error}");
        assert!(error["error"]["code"].is_u64(), "{case}: {error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{case}: {error}"
        );
        let secret = &new_format_key[PREFIX.len()..];
        assert!(
            !output.stdout.contains(secret) && !output.stderr.contains(secret),
            "{case}: the error echoes the key"
        );
    }
}

#[tokio::test]
async fn a_command_on_an_empty_database_says_to_create_a_workspace() {
    let db = TestDb::fresh().await;

    let output = cli(&db, &["keys", "create", "--name", "first key", "--json"]).await;

    assert!(!output.status.success(), "{}", output.stdout);
    let error = output.json();
    assert_eq!(error["error"]["type"], "not_found_error", "{error}");
    assert!(
        text(&error["error"], "message").contains("workspaces create"),
        "{error}"
    );
}

#[tokio::test]
async fn usage_errors_exit_non_zero() {
    let db = TestDb::fresh().await;
    create_workspace(&db, "Acme").await;
    let cases: [(&str, &[&str]); 5] = [
        ("keys create without a name", &["keys", "create", "--json"]),
        ("keys revoke without an id", &["keys", "revoke", "--json"]),
        (
            "import-legacy without a key",
            &["keys", "import-legacy", "--name", "legacy", "--json"],
        ),
        (
            "import-legacy with both a key and a hash",
            &[
                "keys",
                "import-legacy",
                "--name",
                "legacy",
                "--key",
                "sk-prism-api03-abcdefghijklmnopqrstuvwxyz",
                "--sha256",
                "00",
                "--json",
            ],
        ),
        ("an unknown subcommand", &["keys", "rotate", "--json"]),
    ];

    for (case, args) in cases {
        let output = cli(&db, args).await;

        assert!(!output.status.success(), "{case}: exited successfully");
        assert!(!output.stderr.is_empty(), "{case}: says nothing on stderr");
    }
}

#[tokio::test]
async fn a_failure_without_json_goes_to_stderr_only() {
    let db = TestDb::fresh().await;
    create_workspace(&db, "Acme").await;
    let missing = uuid::Uuid::new_v4().to_string();

    let output = cli(&db, &["keys", "revoke", &missing]).await;

    assert!(!output.status.success());
    assert_eq!(output.stdout, "", "stdout stays empty");
    assert!(output.stderr.contains("not found"), "{}", output.stderr);
}

// `halfpipe serve` as a process.

#[tokio::test]
async fn serve_never_logs_a_key_and_exits_cleanly_on_sigterm() {
    let db = TestDb::fresh().await;
    let server = ServeProcess::start(&db);
    let (bootstrap_key, address) = server.bootstrap();
    let client = reqwest::Client::new();
    let projects = format!("{address}/public/api/v1/projects");
    let get = |key: String| {
        let request = client.get(&projects).bearer_auth(key);
        async move { request.send().await.expect("request sent").status() }
    };
    let revoked = halfpipe_cli(
        &db.url,
        &["keys", "create", "--name", "to revoke", "--json"],
    )
    .await
    .assert_success("keys create")
    .json();
    let revoked_key = text(&revoked, "key");
    let unknown_key = generate().expose().to_string();
    let mut malformed_key = unknown_key.clone();
    malformed_key.pop();
    malformed_key.push('!');
    let legacy_key = "sk-prism-api03-never-imported-legacy-key".to_string();

    assert_eq!(
        get(bootstrap_key.clone()).await,
        StatusCode::OK,
        "bootstrap key"
    );
    assert_eq!(
        get(revoked_key.clone()).await,
        StatusCode::OK,
        "before revoking"
    );
    for (what, key) in [
        ("unknown", &unknown_key),
        ("malformed", &malformed_key),
        ("legacy", &legacy_key),
    ] {
        assert_eq!(
            get(key.clone()).await,
            StatusCode::UNAUTHORIZED,
            "{what} key"
        );
    }
    halfpipe_cli(&db.url, &["keys", "revoke", &text(&revoked, "id")])
        .await
        .assert_success("keys revoke");
    eventually("the revocation takes effect", Duration::from_secs(2))
        .until(async || match get(revoked_key.clone()).await {
            StatusCode::UNAUTHORIZED => Ok(()),
            other => Err(other),
        })
        .await;
    let in_query = client
        .get(format!("{projects}?api_key={unknown_key}"))
        .bearer_auth(&bootstrap_key)
        .send()
        .await
        .expect("request sent");
    assert_eq!(in_query.status(), StatusCode::OK);

    let (status, stdout, stderr) = server.terminate().await;

    assert!(status.success(), "exit after SIGTERM: {status}\n{stderr}");
    assert!(
        stderr.contains("DEBUG"),
        "debug logs were written: {stderr}"
    );
    for (what, key, prefix) in [
        ("bootstrap", &bootstrap_key, PREFIX),
        ("revoked", &revoked_key, PREFIX),
        ("unknown", &unknown_key, PREFIX),
        ("malformed", &malformed_key, PREFIX),
        ("legacy", &legacy_key, LEGACY_PREFIX),
    ] {
        let secret = &key[prefix.len()..];
        assert!(!stderr.contains(secret), "the log contains the {what} key");
        if what != "bootstrap" {
            assert!(!stdout.contains(secret), "stdout contains the {what} key");
        }
    }
    assert_eq!(
        stdout.matches(bootstrap_key.as_str()).count(),
        1,
        "stdout shows the bootstrap key exactly once:\n{stdout}"
    );
    // The shutdown flushed last-used times, and the bootstrap key's creation was audited.
    let listed = halfpipe_cli(&db.url, &["keys", "list", "--json"])
        .await
        .assert_success("keys list")
        .json();
    let bootstrap = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "Bootstrap key")
        .unwrap_or_else(|| panic!("no bootstrap key in {listed}"));
    assert!(
        bootstrap["last_used_at"].is_string(),
        "the shutdown flushed last_used_at: {bootstrap}"
    );
    let store = db.store().await;
    let workspace: WorkspaceId = text(bootstrap, "workspace_id").parse().unwrap();
    let log = store.audit_log(workspace, 100).await.unwrap();
    assert!(
        log.iter().any(|e| e.action == "api_key.created"
            && e.actor == "bootstrap"
            && e.key_id.map(|k| k.to_string()) == Some(text(bootstrap, "id"))),
        "{log:#?}"
    );
}

#[tokio::test]
async fn serve_on_a_database_that_has_a_workspace_prints_no_key() {
    let db = TestDb::fresh().await;
    create_workspace(&db, "Acme").await;
    let server = ServeProcess::start(&db);
    server.wait_until_listening();

    let (status, stdout, stderr) = server.terminate().await;

    assert!(status.success(), "exit after SIGTERM: {status}\n{stderr}");
    assert!(!stdout.contains(PREFIX), "a key was printed:\n{stdout}");
    let workspaces = cli_json(&db, &["workspaces", "list"]).await;
    assert_eq!(
        workspaces.as_array().map(Vec::len),
        Some(1),
        "no workspace was added: {workspaces}"
    );
}

#[tokio::test]
async fn an_admin_command_says_on_stderr_when_its_database_is_new_or_empty() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("elsewhere.db");
    let url = format!("sqlite://{}", file.display());

    let first = halfpipe_cli(&url, &["workspaces", "list"]).await;
    first.assert_success("listing a database that did not exist");
    assert_eq!(first.stdout.trim(), "", "nothing to list");
    assert!(
        first.stderr.contains("did not exist") && first.stderr.contains("elsewhere.db"),
        "names the database it just created: {}",
        first.stderr
    );

    let again = halfpipe_cli(&url, &["workspaces", "list"]).await;
    again.assert_success("listing an empty database");
    assert!(
        again.stderr.contains("has no workspace yet") && again.stderr.contains("elsewhere.db"),
        "says the database it opened is empty: {}",
        again.stderr
    );

    let created = halfpipe_cli(&url, &["workspaces", "create", "--name", "Acme", "--json"]).await;
    created.assert_success("creating the first workspace");
    assert!(
        !created.stderr.contains("note:"),
        "creating the first workspace is what an empty database is for: {}",
        created.stderr
    );
    let listed = halfpipe_cli(&url, &["workspaces", "list"]).await;
    assert!(listed.stdout.contains("Acme"), "{}", listed.stdout);
    assert!(
        !listed.stderr.contains("note:"),
        "a database in use gets no note: {}",
        listed.stderr
    );
}
