//! Authentication (SPEC §1.1): every row of the outcome table in its order, legacy keys,
//! revocation reaching a running server, and last-used times.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{
    Actor, KeyAction, KeyHash, KeyId, KeyRequest, LegacySecret, NewApiKey, PREFIX, PermissionSet,
    ServerConfig, TestApp, Timestamp, WorkspaceId, assert_error, eventually, flush_last_used,
    generate, halfpipe_cli, import_legacy_key, read, test_config,
};

/// `GET /projects` with `authorization` as the raw header value (`None`: no header at all).
async fn get_projects(app: &TestApp, authorization: Option<&str>) -> (StatusCode, Value) {
    let mut request = app.client.get(app.api("/projects"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    read(request.send().await.expect("request sent")).await
}

async fn with_key(app: &TestApp, key: &str) -> (StatusCode, Value) {
    get_projects(app, Some(&format!("Bearer {key}"))).await
}

/// Asserts a 401 `authentication_error` whose message contains every one of `words`
/// (case-insensitively).
fn assert_unauthenticated(status: StatusCode, body: &Value, words: &[&str], case: &str) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
    assert_eq!(
        body["error"]["type"], "authentication_error",
        "{case}: {body}"
    );
    assert_eq!(body["error"]["code"], 401, "{case}: {body}");
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    for word in words {
        assert!(
            message.contains(&word.to_lowercase()),
            "{case}: the message should mention {word:?}: {body}"
        );
    }
}

fn assert_ok(status: StatusCode, body: &Value, case: &str) {
    assert_eq!(status, StatusCode::OK, "{case}: {body}");
}

/// Revokes, reactivates or deletes a key the way an in-process management path would: the
/// store change, then this node's cache.
async fn change_key(app: &TestApp, ws: WorkspaceId, id: KeyId, action: KeyAction) {
    let hash = app
        .store
        .change_key(ws, id, action, &Actor("test".into()))
        .await
        .expect("the change is stored")
        .expect("the key exists");
    app.state.auth.cache().invalidate([hash]);
}

/// Stores a key with any hash and expiry, bypassing the checks of key creation.
async fn store_raw_key(
    app: &TestApp,
    ws: WorkspaceId,
    hash: KeyHash,
    expires_at: Option<Timestamp>,
) -> KeyId {
    app.store
        .create_key(
            NewApiKey {
                workspace_id: ws,
                name: "raw key".into(),
                description: None,
                permissions: PermissionSet::FULL_ACCESS,
                hash: hash.0,
                hint: "raw…key".into(),
                legacy: false,
                created_by: "test".into(),
                expires_at,
            },
            &Actor("test".into()),
        )
        .await
        .expect("key stored")
        .id
}

fn millis_from_now(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(Timestamp::now().unix_millis() + ms).expect("a valid time")
}

/// A well-formed key that differs from `key` in one character of its secret.
fn with_secret_char_changed(key: &str) -> String {
    let mut bytes = key.as_bytes().to_vec();
    let at = PREFIX.len() + 5;
    bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
    String::from_utf8(bytes).unwrap()
}

/// `key` with its last checksum character changed.
fn with_checksum_changed(key: &str) -> String {
    let mut key = key.to_string();
    let last = key.pop().unwrap();
    key.push(if last == '0' { '1' } else { '0' });
    key
}

// Row 1: no header, an empty value, or another scheme.

#[tokio::test]
async fn a_request_without_an_authorization_header_is_told_how_to_send_a_key() {
    let app = TestApp::spawn().await;

    let (status, body) = get_projects(&app, None).await;

    assert_unauthenticated(
        status,
        &body,
        &["missing", "Authorization: Bearer", PREFIX],
        "no header",
    );
}

#[tokio::test]
async fn an_empty_authorization_header_is_a_missing_key() {
    let app = TestApp::spawn().await;

    for value in ["", " ", "Bearer", "Bearer ", "Bearer    "] {
        let (status, body) = get_projects(&app, Some(value)).await;

        assert_unauthenticated(status, &body, &["missing"], &format!("header {value:?}"));
    }
}

#[tokio::test]
async fn a_scheme_other_than_bearer_is_a_missing_key() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;

    let cases = [
        format!("Basic {key}"),
        format!("Token {key}"),
        format!("Bearer:{key}"),
        format!("Bearerx {key}"),
        key.clone(),
        "Basic eyJhbGciOiJIUzI1NiJ9.e30.sig".to_string(),
    ];
    for value in cases {
        let (status, body) = get_projects(&app, Some(&value)).await;

        assert_unauthenticated(status, &body, &["missing"], &format!("header {value:?}"));
    }
}

#[tokio::test]
async fn the_bearer_scheme_word_is_case_insensitive() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;

    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let (status, body) = get_projects(&app, Some(&format!("{scheme} {key}"))).await;

        assert_ok(status, &body, &format!("scheme {scheme:?}"));
    }
}

// Row 2: JWTs.

#[tokio::test]
async fn a_jwt_is_rejected_with_a_message_of_its_own() {
    let app = TestApp::spawn().await;

    for token in [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "ey",
        "eyJ-not-even-a-jwt",
    ] {
        let (status, body) = with_key(&app, token).await;

        assert_unauthenticated(
            status,
            &body,
            &["JWT", "not supported", PREFIX],
            &format!("token {token:?}"),
        );
    }
}

// Row 3: unknown prefix, bad format or checksum, unknown key, deleted key.

#[tokio::test]
async fn a_token_with_an_unknown_prefix_is_an_invalid_key() {
    let app = TestApp::spawn().await;
    let valid = generate().expose().to_string();
    let body_of_valid = &valid[PREFIX.len()..];

    let cases = [
        format!("sk-ant-api03-{body_of_valid}"),
        format!("sk-bigspin-api02-{body_of_valid}"),
        format!("SK-BIGSPIN-API03-{body_of_valid}"),
        format!("sk-prism-api04-{body_of_valid}"),
        "not-a-key-at-all".to_string(),
        "x".to_string(),
    ];
    for token in cases {
        let (status, body) = with_key(&app, &token).await;

        assert_unauthenticated(status, &body, &["invalid"], &format!("token {token:?}"));
    }
}

#[tokio::test]
async fn a_malformed_key_is_rejected_before_any_lookup_even_if_its_hash_is_stored() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("acme").await;
    let valid = generate().expose().to_string();
    let cases = [
        ("one character short", valid[..valid.len() - 1].to_string()),
        ("one character long", format!("{valid}0")),
        ("secret only", valid[..PREFIX.len() + 43].to_string()),
        (
            "a dash in the secret",
            format!("{}-{}", &valid[..30], &valid[31..]),
        ),
        (
            "an underscore in the checksum",
            format!("{}_", &valid[..valid.len() - 1]),
        ),
        ("a wrong checksum", with_checksum_changed(&valid)),
        ("a changed secret", with_secret_char_changed(&valid)),
        (
            "a legacy key too short",
            "sk-prism-api03-0123456789abcdefghi".to_string(),
        ),
        (
            "a legacy key too long",
            format!("sk-prism-api03-{}", "a".repeat(201)),
        ),
        (
            "a legacy key with a dot",
            "sk-prism-api03-0123456789.abcdefghij".to_string(),
        ),
    ];
    // If any of these reached the database, its stored hash would let it in.
    for (_, token) in &cases {
        store_raw_key(&app, ws, KeyHash::of(token), None).await;
    }

    for (case, token) in &cases {
        let (status, body) = with_key(&app, token).await;

        assert_unauthenticated(status, &body, &["invalid"], case);
    }
}

#[tokio::test]
async fn an_unknown_well_formed_key_is_invalid() {
    let app = TestApp::spawn().await;
    app.tenant().await;

    for token in [
        generate().expose().to_string(),
        "sk-prism-api03-never_imported-0123456789".to_string(),
    ] {
        let (status, body) = with_key(&app, &token).await;

        assert_unauthenticated(status, &body, &["invalid"], &format!("token {token:?}"));
    }
}

#[tokio::test]
async fn a_deleted_key_can_never_authenticate_again() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("acme").await;
    let (key, id) = app.key_with_id(ws, &[]).await;
    let (status, body) = with_key(&app, &key).await;
    assert_ok(status, &body, "before the delete");

    change_key(&app, ws, id, KeyAction::Delete).await;
    let (status, body) = with_key(&app, &key).await;

    assert_unauthenticated(status, &body, &["invalid"], "after the delete");
    let reactivated = app
        .store
        .change_key(ws, id, KeyAction::Reactivate, &Actor("test".into()))
        .await
        .expect("the store answers");
    assert!(reactivated.is_none(), "a deleted key cannot be reactivated");
    let (status, body) = with_key(&app, &key).await;
    assert_unauthenticated(status, &body, &["invalid"], "after trying to reactivate");
}

// Row 4: revoked.

#[tokio::test]
async fn a_revoked_key_is_rejected_with_a_message_saying_so() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("acme").await;
    let (key, id) = app.key_with_id(ws, &[]).await;
    let (status, body) = with_key(&app, &key).await;
    assert_ok(status, &body, "before the revocation");

    change_key(&app, ws, id, KeyAction::Revoke).await;
    let (status, body) = with_key(&app, &key).await;

    assert_unauthenticated(status, &body, &["revoked"], "after the revocation");
}

#[tokio::test]
async fn a_reactivated_key_works_again() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("acme").await;
    let (key, id) = app.key_with_id(ws, &[]).await;
    change_key(&app, ws, id, KeyAction::Revoke).await;
    let (status, _) = with_key(&app, &key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "while revoked");

    change_key(&app, ws, id, KeyAction::Reactivate).await;
    let (status, body) = with_key(&app, &key).await;

    assert_ok(status, &body, "after the reactivation");
}

#[tokio::test]
async fn a_key_both_revoked_and_expired_is_reported_as_revoked() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("acme").await;
    let key = generate();
    let id = store_raw_key(&app, ws, key.hash(), Some(millis_from_now(-60_000))).await;
    change_key(&app, ws, id, KeyAction::Revoke).await;

    let (status, body) = with_key(&app, key.expose()).await;

    assert_unauthenticated(status, &body, &["revoked"], "revoked and expired");
}

// Row 5: expired.

#[tokio::test]
async fn an_expired_key_is_rejected_with_a_message_saying_so() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("acme").await;
    let key = generate();
    store_raw_key(&app, ws, key.hash(), Some(millis_from_now(-1_000))).await;

    let (status, body) = with_key(&app, key.expose()).await;

    assert_unauthenticated(status, &body, &["expired"], "expired a second ago");
}

#[tokio::test]
async fn a_key_stops_working_once_its_expiry_passes_even_while_cached() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("acme").await;
    let expires_at = millis_from_now(2_000);
    let request = KeyRequest {
        name: Some("short-lived".into()),
        expires_at: Some(expires_at.to_rfc3339()),
        ..Default::default()
    }
    .validate()
    .expect("a future expiry is valid");
    let (created, _) = app.key_from(ws, request).await;
    let (status, body) = with_key(&app, &created).await;
    assert_ok(status, &body, "before the expiry");

    // Move the server's clock past the expiry (no waiting); the cached key must be refused.
    app.advance_clock(time::Duration::seconds(3));
    let (status, body) = with_key(&app, &created).await;

    assert!(
        app.state.clock.now() >= expires_at,
        "the key was refused before its expiry: {body}"
    );
    assert_unauthenticated(status, &body, &["expired"], "after the expiry");
}

// Legacy keys.

#[tokio::test]
async fn legacy_keys_imported_by_plaintext_or_by_sha256_authenticate() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("acme").await;
    let by_plaintext = "sk-prism-api03-Legacy_Key-imported-by-plaintext-0001";
    let by_hash = "sk-prism-api03-Legacy_Key-imported-by-sha256-00002";
    let sha256_hex = hex::encode(Sha256::digest(by_hash.as_bytes()));
    let secrets = [
        (by_plaintext, LegacySecret::from_plaintext(by_plaintext)),
        (by_hash, LegacySecret::from_sha256(&sha256_hex)),
    ];
    for (key, secret) in secrets {
        let request = KeyRequest {
            name: Some(format!("legacy {key}")),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let record = import_legacy_key(
            app.store.as_ref(),
            ws,
            request,
            secret.expect("a valid legacy secret"),
            "test",
            &Actor("test".into()),
        )
        .await
        .expect("imported");
        assert!(record.legacy, "{key}: the record is marked legacy");
        assert!(
            !record.hint.contains(&key[20..40]),
            "{key}: the hint masks it"
        );
    }

    for key in [by_plaintext, by_hash] {
        let (status, body) = with_key(&app, key).await;

        assert_ok(status, &body, key);
    }
}

#[tokio::test]
async fn a_legacy_key_with_transcripts_write_may_create_and_upload_but_not_read() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("acme").await;
    let key = "sk-prism-api03-uploader-0123456789-abcdef";
    let request = KeyRequest {
        name: Some("legacy uploader".into()),
        permissions: vec!["halfpipe-transcripts-write".into()],
        ..Default::default()
    }
    .validate()
    .unwrap();
    import_legacy_key(
        app.store.as_ref(),
        ws,
        request,
        LegacySecret::from_plaintext(key).unwrap(),
        "test",
        &Actor("test".into()),
    )
    .await
    .expect("imported");

    let project = app.project(key, "legacy project").await;
    let (upload_status, upload) = app
        .post(
            "/halfpipe/transcripts",
            key,
            &json!({"projectId": project, "name": "legacy upload",
                    "turns": [{"role": "user", "content": "hello"}]}),
        )
        .await;
    let (read_status, read_body) = app.get("/projects", key).await;

    assert_eq!(upload_status, StatusCode::CREATED, "{upload}");
    assert_error(
        read_status,
        &read_body,
        StatusCode::FORBIDDEN,
        "permission_error",
        None,
    );
    assert!(
        read_body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("projects-read"),
        "{read_body}"
    );
}

// Revocation across processes.

/// Polls `GET /projects` with `key` until its status is `until` or one second has passed since
/// `since`; returns the last answer.
async fn poll_for_one_second(
    app: &TestApp,
    key: &str,
    until: StatusCode,
    since: Instant,
) -> (StatusCode, Value) {
    let left = Duration::from_secs(1).saturating_sub(since.elapsed());
    let answer = eventually(format!("the key is answered {until}"), left)
        .every(Duration::from_millis(10))
        .outcome(async || match with_key(app, key).await {
            (status, body) if status == until => Ok((status, body)),
            last => Err(last),
        })
        .await;
    // Past the second the last answer is returned, for the caller's assertion to show.
    answer.map_or_else(|last| last, |waited| waited.value)
}

/// The default configuration (its change polling), with test-friendly listening.
fn default_polling() -> ServerConfig {
    ServerConfig {
        key_poll_ms: ServerConfig::default().key_poll_ms,
        ..test_config()
    }
}

#[tokio::test]
async fn a_revocation_through_the_cli_reaches_the_running_server_within_one_second() {
    let app = TestApp::spawn_with(default_polling()).await;
    let ws = app.workspace("acme").await;
    let (key, id) = app.key_with_id(ws, &[]).await;
    let (status, body) = with_key(&app, &key).await;
    assert_ok(status, &body, "before the revocation (now cached)");

    halfpipe_cli(&app.db.url, &["keys", "revoke", &id.to_string()])
        .await
        .assert_success("keys revoke");
    let revoked_at = Instant::now();
    let (status, body) =
        poll_for_one_second(&app, &key, StatusCode::UNAUTHORIZED, revoked_at).await;

    assert_unauthenticated(
        status,
        &body,
        &["revoked"],
        "one second after the CLI revoked it",
    );
}

#[tokio::test]
async fn a_reactivation_or_delete_through_the_cli_reaches_the_running_server_within_one_second() {
    let app = TestApp::spawn_with(default_polling()).await;
    let ws = app.workspace("acme").await;
    let (key, id) = app.key_with_id(ws, &[]).await;
    change_key(&app, ws, id, KeyAction::Revoke).await;
    let (status, _) = with_key(&app, &key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked (now cached)");

    halfpipe_cli(&app.db.url, &["keys", "reactivate", &id.to_string()])
        .await
        .assert_success("keys reactivate");
    let (status, body) = poll_for_one_second(&app, &key, StatusCode::OK, Instant::now()).await;
    assert_ok(status, &body, "one second after the CLI reactivated it");

    halfpipe_cli(&app.db.url, &["keys", "delete", &id.to_string()])
        .await
        .assert_success("keys delete");
    let (status, body) =
        poll_for_one_second(&app, &key, StatusCode::UNAUTHORIZED, Instant::now()).await;
    assert_unauthenticated(
        status,
        &body,
        &["invalid"],
        "one second after the CLI deleted it",
    );
}

#[tokio::test]
async fn a_key_imported_elsewhere_after_a_failed_attempt_works_within_one_second() {
    let app = TestApp::spawn_with(default_polling()).await;
    let ws = app.workspace("acme").await;
    let key = "sk-prism-api03-tried-before-it-was-imported";
    let (status, _) = with_key(&app, key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "before the import");

    let ws = ws.to_string();
    halfpipe_cli(
        &app.db.url,
        &[
            "keys",
            "import-legacy",
            "--workspace",
            &ws,
            "--name",
            "late import",
            "--key",
            key,
        ],
    )
    .await
    .assert_success("keys import-legacy");
    let (status, body) = poll_for_one_second(&app, key, StatusCode::OK, Instant::now()).await;

    assert_ok(status, &body, "one second after the import");
}

// No in-process revocation path exists yet (keys change through the CLI, a separate process,
// or the store), so "the very next request on the revoking node" has nothing to exercise here.

// Last used.

/// A server whose background flush never runs during a test.
fn no_background_flush() -> ServerConfig {
    ServerConfig {
        last_used_flush_ms: 3_600_000,
        ..test_config()
    }
}

async fn last_used_at(app: &TestApp, id: KeyId) -> Option<Timestamp> {
    app.store
        .get_key(id)
        .await
        .expect("the store answers")
        .expect("the key exists")
        .last_used_at
}

#[tokio::test]
async fn last_used_is_coalesced_in_memory_and_written_by_a_flush() {
    let app = TestApp::spawn_with(no_background_flush()).await;
    let ws = app.workspace("acme").await;
    let (key, id) = app.key_with_id(ws, &[]).await;
    let before = Timestamp::now();

    for _ in 0..3 {
        let (status, body) = with_key(&app, &key).await;
        assert_ok(status, &body, "request");
    }
    let after = Timestamp::now();
    let before_flush = last_used_at(&app, id).await;
    flush_last_used(&app.state).await;
    let flushed = last_used_at(&app, id).await;

    assert_eq!(before_flush, None, "no database write per request");
    let flushed = flushed.expect("the flush wrote last_used_at");
    assert!(
        before <= flushed && flushed <= after,
        "{before} <= {flushed} <= {after}"
    );
}

#[tokio::test]
async fn last_used_only_ever_moves_forward() {
    let app = TestApp::spawn_with(no_background_flush()).await;
    let ws = app.workspace("acme").await;
    let (key, id) = app.key_with_id(ws, &[]).await;
    with_key(&app, &key).await;
    flush_last_used(&app.state).await;
    let flushed = last_used_at(&app, id).await.expect("flushed");
    let earlier = Timestamp::from_unix_millis(flushed.unix_millis() - 3_600_000).unwrap();
    let later = Timestamp::from_unix_millis(flushed.unix_millis() + 1).unwrap();

    // Another node flushing an older time must not move it back, through either path.
    app.store.touch_keys(&[(id, earlier)]).await.unwrap();
    app.state.auth.last_used().record(id, earlier);
    flush_last_used(&app.state).await;
    let after_older = last_used_at(&app, id).await;
    app.store.touch_keys(&[(id, later)]).await.unwrap();
    let after_newer = last_used_at(&app, id).await;

    assert_eq!(
        after_older,
        Some(flushed),
        "an older time does not move it back"
    );
    assert_eq!(after_newer, Some(later), "a newer time moves it forward");
}

#[tokio::test]
async fn last_used_is_flushed_on_graceful_shutdown() {
    let mut app = TestApp::spawn_with(no_background_flush()).await;
    let ws = app.workspace("acme").await;
    let (key, id) = app.key_with_id(ws, &[]).await;
    let (status, body) = with_key(&app, &key).await;
    assert_ok(status, &body, "request");
    assert_eq!(last_used_at(&app, id).await, None, "not yet flushed");

    app.stop().await;

    assert!(
        last_used_at(&app, id).await.is_some(),
        "shutdown flushed last_used_at"
    );
}

#[tokio::test]
async fn last_used_is_flushed_in_the_background_within_seconds() {
    let app = TestApp::spawn_with(ServerConfig {
        last_used_flush_ms: ServerConfig::default().last_used_flush_ms,
        ..test_config()
    })
    .await;
    let ws = app.workspace("acme").await;
    let (key, id) = app.key_with_id(ws, &[]).await;
    with_key(&app, &key).await;

    let seen = eventually("last_used_at is flushed", Duration::from_secs(5))
        .every(Duration::from_millis(50))
        .outcome(async || last_used_at(&app, id).await.ok_or(()))
        .await
        .ok();

    assert!(seen.is_some(), "last_used_at was not flushed within 5 s");
}

#[tokio::test]
async fn failed_authentication_does_not_count_as_use() {
    let app = TestApp::spawn_with(no_background_flush()).await;
    let ws = app.workspace("acme").await;
    let (key, id) = app.key_with_id(ws, &[]).await;
    change_key(&app, ws, id, KeyAction::Revoke).await;

    with_key(&app, &key).await;
    flush_last_used(&app.state).await;

    assert_eq!(last_used_at(&app, id).await, None);
}

// The error body.

#[tokio::test]
async fn every_401_has_exactly_the_error_body_of_the_spec() {
    let app = TestApp::spawn().await;
    let cases = [
        ("no header", None),
        ("another scheme", Some("Basic abc".to_string())),
        (
            "a JWT",
            Some("Bearer eyJhbGciOiJIUzI1NiJ9.e30.x".to_string()),
        ),
        (
            "an unknown key",
            Some(format!("Bearer {}", generate().expose())),
        ),
    ];
    for (case, header) in cases {
        let (status, body) = get_projects(&app, header.as_deref()).await;

        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
        let top: Vec<&String> = body.as_object().expect("an object").keys().collect();
        assert_eq!(top, ["error"], "{case}: {body}");
        let mut fields: Vec<&String> = body["error"]
            .as_object()
            .expect("an object")
            .keys()
            .collect();
        fields.sort();
        assert_eq!(fields, ["code", "message", "type"], "{case}: {body}");
        assert_eq!(body["error"]["type"], "authentication_error", "{case}");
        assert_eq!(body["error"]["code"], json!(401), "{case}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{case}: {body}"
        );
    }
}

#[tokio::test]
async fn the_401_never_echoes_the_presented_key() {
    let app = TestApp::spawn().await;
    let unknown = generate().expose().to_string();
    let malformed = with_checksum_changed(&unknown);

    for key in [&unknown, &malformed] {
        let (_, body) = with_key(&app, key).await;

        assert!(
            !body.to_string().contains(&key[PREFIX.len()..]),
            "the body echoes the key: {body}"
        );
    }
}
