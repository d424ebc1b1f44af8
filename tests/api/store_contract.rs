//! The store contract: the same cases call the `Store` trait directly on every backend — a
//! SQLite file always, and PostgreSQL too when `HALFPIPE_TEST_POSTGRES_URL` names a server.

use std::collections::BTreeMap;
use std::sync::Arc;

use halfpipe::config::DatabaseConfig;
use halfpipe::model::transcript::{
    InsertOutcome, NewTranscript, TranscriptFilter, TranscriptInsert, TranscriptStats, UploadBody,
};
use halfpipe::model::{
    DomainPack, KeyHash, KeyStatus, MemberRole, NewApiKey, Page, PermissionSet, ProjectId,
    Timestamp, TokenHash, TranscriptId, WorkspaceId,
};
use halfpipe::store::{self, Actor, KeyAction, NewProject, Store, StoreError};
use serde_json::json;

use crate::support::TestDb;

/// One backend under test, with whatever keeps its database alive.
struct Backend {
    name: &'static str,
    store: Arc<dyn Store>,
    _sqlite_dir: Option<tempfile::TempDir>,
    _postgres: Option<TestDb>,
}

/// Every backend this run can reach.
async fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    let sqlite = store::connect(&DatabaseConfig::new(&url))
        .await
        .expect("the SQLite file opens");
    let mut all = vec![Backend {
        name: "sqlite",
        store: sqlite,
        _sqlite_dir: Some(dir),
        _postgres: None,
    }];
    let postgres = TestDb::fresh().await;
    if postgres.is_postgres() {
        all.push(Backend {
            name: "postgres",
            store: postgres.store().await,
            _sqlite_dir: None,
            _postgres: Some(postgres),
        });
    }
    all
}

fn actor() -> Actor {
    Actor("contract".into())
}

fn ts(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("a test timestamp")
}

fn new_key(ws: WorkspaceId, secret: &str, expires_at: Option<Timestamp>) -> NewApiKey {
    NewApiKey {
        workspace_id: ws,
        name: format!("key {secret}"),
        description: Some("for the contract".into()),
        permissions: PermissionSet::parse_names(["projects-read"]).expect("a known permission"),
        hash: KeyHash::of(secret).0,
        hint: "…1234".into(),
        legacy: false,
        created_by: "contract".into(),
        expires_at,
    }
}

fn transcript(body: serde_json::Value) -> NewTranscript {
    serde_json::from_value::<UploadBody>(body)
        .expect("an upload body")
        .validate()
        .expect("a valid transcript")
}

fn insert(project: ProjectId, t: NewTranscript, created_at: Timestamp) -> TranscriptInsert {
    let token_counts = vec![3; t.turns.len()];
    TranscriptInsert {
        id: TranscriptId::new(),
        project_id: project,
        stats: TranscriptStats::compute(&t.turns, &token_counts),
        fingerprint: t.fingerprint(),
        token_counts,
        transcript: t,
        created_by: "contract".into(),
        created_at,
    }
}

#[tokio::test]
async fn keys_are_created_listed_found_changed_and_logged_alike_on_every_backend() {
    for b in backends().await {
        let s = b.store.as_ref();
        let name = b.name;
        let ws = s.create_workspace("keys").await.unwrap().id;
        let expires = ts("2030-01-02T03:04:05.678Z");
        let first = s
            .create_key(new_key(ws, "a", None), &actor())
            .await
            .unwrap();
        let second = s
            .create_key(new_key(ws, "b", Some(expires)), &actor())
            .await
            .unwrap();

        let listed = s.list_keys(ws).await.unwrap();
        let ids: Vec<_> = listed.iter().map(|k| k.id).collect();
        assert_eq!(ids, vec![second.id, first.id], "{name}: newest first");
        let got = s.get_key(second.id).await.unwrap().expect("the key");
        assert_eq!(got.expires_at, Some(expires), "{name}: expiry round-trips");
        assert_eq!(got.created_at, second.created_at, "{name}");
        assert_eq!(got.permissions, second.permissions, "{name}");
        assert_eq!(
            got.description.as_deref(),
            Some("for the contract"),
            "{name}"
        );
        assert!(!got.legacy, "{name}");

        let found = s
            .find_key_by_hash(KeyHash::of("b"))
            .await
            .unwrap()
            .expect("found by hash");
        assert_eq!((found.id, found.workspace_id), (second.id, ws), "{name}");
        assert_eq!(found.status, KeyStatus::Active, "{name}");
        assert!(
            s.find_key_by_hash(KeyHash::of("zz"))
                .await
                .unwrap()
                .is_none()
        );

        let duplicate = s.create_key(new_key(ws, "a", None), &actor()).await;
        assert!(
            matches!(&duplicate, Err(StoreError::Conflict(m)) if m == "this API key is already registered"),
            "{name}: {duplicate:?}"
        );

        let before = s.latest_key_change().await.unwrap();
        let hash = s
            .change_key(ws, first.id, KeyAction::Revoke, &actor())
            .await
            .unwrap();
        assert_eq!(hash, Some(KeyHash::of("a")), "{name}");
        let revoked = s.find_key_by_hash(KeyHash::of("a")).await.unwrap().unwrap();
        assert_eq!(revoked.status, KeyStatus::Revoked, "{name}");
        let changes = s.key_changes_since(before).await.unwrap();
        assert_eq!(changes.len(), 1, "{name}");
        assert_eq!(changes[0].hash, KeyHash::of("a"), "{name}");
        assert_eq!(
            s.latest_key_change().await.unwrap(),
            changes[0].seq,
            "{name}"
        );

        s.change_key(ws, first.id, KeyAction::Reactivate, &actor())
            .await
            .unwrap();
        let active = s.find_key_by_hash(KeyHash::of("a")).await.unwrap().unwrap();
        assert_eq!(active.status, KeyStatus::Active, "{name}");
        let other_ws = s.create_workspace("other").await.unwrap().id;
        let elsewhere = s
            .change_key(other_ws, first.id, KeyAction::Delete, &actor())
            .await
            .unwrap();
        assert_eq!(
            elsewhere, None,
            "{name}: another workspace's key is not found"
        );
        s.change_key(ws, first.id, KeyAction::Delete, &actor())
            .await
            .unwrap();
        assert!(s.get_key(first.id).await.unwrap().is_none(), "{name}");

        let actions: Vec<_> = s
            .audit_log(ws, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.key_id))
            .collect();
        assert_eq!(
            actions,
            vec![
                ("api_key.deleted".to_string(), Some(first.id)),
                ("api_key.reactivated".to_string(), Some(first.id)),
                ("api_key.revoked".to_string(), Some(first.id)),
                ("api_key.created".to_string(), Some(second.id)),
                ("api_key.created".to_string(), Some(first.id)),
            ],
            "{name}: newest first"
        );
        s.prune_key_changes(Timestamp::now().plus(time::Duration::minutes(1)))
            .await
            .unwrap();
        assert!(s.key_changes_since(0).await.unwrap().is_empty(), "{name}");
    }
}

#[tokio::test]
async fn last_used_only_moves_forward_on_every_backend() {
    for b in backends().await {
        let s = b.store.as_ref();
        let name = b.name;
        let ws = s.create_workspace("touch").await.unwrap().id;
        let key = s
            .create_key(new_key(ws, "t", None), &actor())
            .await
            .unwrap();
        let later = ts("2026-03-15T10:30:00.500Z");
        let earlier = ts("2026-03-15T10:29:59.999Z");
        s.touch_keys(&[(key.id, later)]).await.unwrap();
        s.touch_keys(&[(key.id, earlier)]).await.unwrap();
        let got = s.get_key(key.id).await.unwrap().unwrap();
        assert_eq!(got.last_used_at, Some(later), "{name}: never moved back");
        let latest = ts("2026-03-15T10:30:00.501Z");
        s.touch_keys(&[(key.id, latest)]).await.unwrap();
        let got = s.get_key(key.id).await.unwrap().unwrap();
        assert_eq!(
            got.last_used_at,
            Some(latest),
            "{name}: moved forward by 1 ms"
        );
        s.touch_keys(&[]).await.unwrap();
    }
}

#[tokio::test]
async fn workspaces_and_projects_behave_alike_on_every_backend() {
    for b in backends().await {
        let s = b.store.as_ref();
        let name = b.name;
        let first = s.create_first_workspace("first").await.unwrap();
        assert!(first.is_some(), "{name}: the first workspace is created");
        assert!(
            s.create_first_workspace("again").await.unwrap().is_none(),
            "{name}: only once"
        );
        let ws = first.unwrap();
        assert_eq!(s.get_workspace(ws.id).await.unwrap().unwrap().name, "first");
        assert_eq!(s.list_workspaces().await.unwrap().len(), 1, "{name}");

        let a = s
            .create_project(
                ws.id,
                NewProject {
                    name: "A".into(),
                    domain_pack: DomainPack::General,
                },
            )
            .await
            .unwrap();
        let b2 = s
            .create_project(
                ws.id,
                NewProject {
                    name: "B".into(),
                    domain_pack: DomainPack::AiCoding,
                },
            )
            .await
            .unwrap();
        let (listed, total) = s
            .list_projects(ws.id, Page { page: 1, limit: 1 })
            .await
            .unwrap();
        assert_eq!(total, 2, "{name}");
        assert_eq!(listed[0].id, b2.id, "{name}: newest first");
        let got = s.get_project(ws.id, a.id).await.unwrap().unwrap();
        assert_eq!(
            (got.name.as_str(), got.created_at),
            ("A", a.created_at),
            "{name}"
        );
        assert_eq!(s.project_owner(a.id).await.unwrap(), Some(ws.id), "{name}");
        assert_eq!(s.project_owner(ProjectId::new()).await.unwrap(), None);

        // A default project is created once however many requests ask at the same moment.
        let asks = (0..8).map(|_| {
            let store = Arc::clone(&b.store);
            tokio::spawn(async move { store.default_project(ws.id).await })
        });
        let mut ids = Vec::new();
        for ask in asks {
            ids.push(ask.await.unwrap().expect("the default project").id);
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "{name}: one default project");

        let (with_summary, summary) = s
            .get_project_with_summary(ws.id, a.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(with_summary.id, a.id, "{name}");
        assert_eq!(summary, None, "{name}: no report yet");
        s.put_report(ws.id, a.id, r#"{"headline":"ok"}"#, r#"[{"rank":1}]"#)
            .await
            .unwrap();
        let (_, summary) = s
            .get_project_with_summary(ws.id, a.id)
            .await
            .unwrap()
            .unwrap();
        let summary: serde_json::Value = serde_json::from_str(&summary.unwrap()).unwrap();
        assert_eq!(summary, json!({"headline": "ok"}), "{name}");
        let (_, report) = s
            .get_project_with_report(ws.id, a.id)
            .await
            .unwrap()
            .unwrap();
        let (_, insights) = report.expect("a report");
        let insights: serde_json::Value = serde_json::from_str(&insights).unwrap();
        assert_eq!(insights, json!([{"rank": 1}]), "{name}");
    }
}

#[tokio::test]
async fn transcripts_insert_replay_conflict_filter_and_annotate_alike_on_every_backend() {
    for b in backends().await {
        let s = b.store.as_ref();
        let name = b.name;
        let ws = s.create_workspace("transcripts").await.unwrap().id;
        let project = s.default_project(ws).await.unwrap().id;
        let body = json!({
            "name": "Refund request",
            "modelName": "gpt-4o",
            "externalId": "conv-1",
            "language": "EN",
            "sourceSystem": "zendesk",
            "sourceTimestamp": "2026-03-15T10:30:00Z",
            "metadata": {"channel": "chat", "tier": 2},
            "turns": [
                {"role": "user", "content": "I was charged twice for my order"},
                {"role": "assistant", "content": "Refunded.",
                 "toolCalls": [{"name": "refund", "args": {"id": 7}}],
                 "metadata": {"latencyMs": 12}, "createdAt": "2026-03-15T10:30:01.250Z"}
            ]
        });
        let created_at = ts("2026-04-01T00:00:00.000Z");
        let first = insert(project, transcript(body.clone()), created_at);
        let InsertOutcome::Created(created) = s.insert_transcript(ws, first).await.unwrap() else {
            panic!("{name}: created");
        };
        let again = insert(project, transcript(body.clone()), Timestamp::now());
        match s.insert_transcript(ws, again).await.unwrap() {
            InsertOutcome::Replayed(t) => assert_eq!(t.id, created.id, "{name}"),
            other => panic!("{name}: a replay, not {other:?}"),
        }
        let mut changed = body.clone();
        changed["name"] = json!("Something else");
        let conflicting = insert(project, transcript(changed), Timestamp::now());
        match s.insert_transcript(ws, conflicting).await.unwrap() {
            InsertOutcome::Conflict(id) => assert_eq!(id, created.id, "{name}"),
            other => panic!("{name}: a conflict, not {other:?}"),
        }
        let plain =
            json!({"name": "Shipping", "turns": [{"role": "user", "content": "where is it"}]});
        let plain_at = ts("2026-05-01T00:00:00.000Z");
        let InsertOutcome::Created(other) = s
            .insert_transcript(ws, insert(project, transcript(plain), plain_at))
            .await
            .unwrap()
        else {
            panic!("{name}: created");
        };

        let detail = s.get_transcript(ws, created.id).await.unwrap().unwrap();
        assert_eq!(
            detail.summary.source_timestamp,
            Some(ts("2026-03-15T10:30:00Z"))
        );
        assert_eq!(detail.summary.created_at, created_at, "{name}");
        let metadata: serde_json::Value =
            serde_json::from_str(detail.summary.metadata.unwrap().get()).unwrap();
        assert_eq!(metadata, json!({"channel": "chat", "tier": 2}), "{name}");
        assert_eq!(detail.turns.len(), 2, "{name}");
        let turn = &detail.turns[1];
        let calls: serde_json::Value =
            serde_json::from_str(turn.tool_calls.as_ref().unwrap().get()).unwrap();
        assert_eq!(
            calls,
            json!([{"name": "refund", "args": {"id": 7}}]),
            "{name}"
        );
        assert_eq!(
            turn.created_at,
            Some(ts("2026-03-15T10:30:01.250Z")),
            "{name}"
        );
        assert!(detail.turns[0].tool_calls.is_none(), "{name}");
        assert_eq!(s.transcript_owner(created.id).await.unwrap(), Some(ws));

        let annotations = BTreeMap::from([
            ("sentiment".to_string(), "negative".to_string()),
            ("topic".to_string(), "billing".to_string()),
        ]);
        s.set_annotations(ws, created.id, &annotations)
            .await
            .unwrap();
        let detail = s.get_transcript(ws, created.id).await.unwrap().unwrap();
        assert_eq!(detail.annotations, annotations, "{name}");

        let page = Page { page: 1, limit: 10 };
        let cases: Vec<(&str, TranscriptFilter, Vec<TranscriptId>)> = vec![
            (
                "no filter",
                TranscriptFilter::default(),
                vec![other.id, created.id],
            ),
            (
                "model",
                TranscriptFilter {
                    model_name: Some("gpt-4o".into()),
                    ..Default::default()
                },
                vec![created.id],
            ),
            (
                "language, any case",
                TranscriptFilter {
                    language: Some("en".into()),
                    ..Default::default()
                },
                vec![created.id],
            ),
            (
                "source system",
                TranscriptFilter {
                    source_system: Some("zendesk".into()),
                    ..Default::default()
                },
                vec![created.id],
            ),
            (
                "search by prefix",
                TranscriptFilter {
                    terms: vec!["charg".into(), "twice".into()],
                    ..Default::default()
                },
                vec![created.id],
            ),
            (
                "annotation key",
                TranscriptFilter {
                    annotation_key: Some("topic".into()),
                    ..Default::default()
                },
                vec![created.id],
            ),
            (
                "annotation value",
                TranscriptFilter {
                    annotation_key: Some("sentiment".into()),
                    annotation_value: Some("positive".into()),
                    ..Default::default()
                },
                vec![],
            ),
            (
                "from, on the source timestamp",
                TranscriptFilter {
                    from: Some(ts("2026-03-15T10:30:00.000Z")),
                    to: Some(ts("2026-03-31T00:00:00.000Z")),
                    ..Default::default()
                },
                vec![created.id],
            ),
            (
                "to, on the creation time without a source timestamp",
                TranscriptFilter {
                    from: Some(ts("2026-04-30T23:59:59.999Z")),
                    ..Default::default()
                },
                vec![other.id],
            ),
        ];
        for (case, filter, expected) in cases {
            let (found, total) = s
                .list_transcripts(ws, project, &filter, page)
                .await
                .unwrap();
            let ids: Vec<_> = found.iter().map(|t| t.id).collect();
            assert_eq!(ids, expected, "{name}: {case}");
            assert_eq!(total, expected.len() as i64, "{name}: {case}");
        }
        let project_now = s.get_project(ws, project).await.unwrap().unwrap();
        assert_eq!(project_now.transcript_count, 2, "{name}");
        assert_eq!(project_now.latest_transcript_at, Some(plain_at), "{name}");
    }
}

#[tokio::test]
async fn members_sessions_invitations_and_settings_behave_alike_on_every_backend() {
    for b in backends().await {
        let s = b.store.as_ref();
        let name = b.name;
        let ws = s.create_workspace("team").await.unwrap().id;
        let owner = s
            .create_member("owner@example.com", "hash-1")
            .await
            .unwrap();
        let duplicate = s.create_member("owner@example.com", "hash-2").await;
        assert!(
            matches!(&duplicate, Err(StoreError::Conflict(m)) if m == "a member with this email already exists"),
            "{name}: {duplicate:?}"
        );
        let (found, hash) = s
            .member_by_email("owner@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((found.id, hash.as_str()), (owner.id, "hash-1"), "{name}");
        assert_eq!(
            s.get_member(owner.id).await.unwrap().unwrap().email,
            owner.email
        );

        s.add_membership(ws, &owner, MemberRole::Owner, &actor())
            .await
            .unwrap();
        let second_owner = s.create_member("two@example.com", "h").await.unwrap();
        let refused = s
            .add_membership(ws, &second_owner, MemberRole::Owner, &actor())
            .await;
        assert!(
            matches!(&refused, Err(StoreError::Conflict(m)) if m == "this workspace already has an owner"),
            "{name}: {refused:?}"
        );
        assert_eq!(
            s.role_of(ws, owner.id).await.unwrap(),
            Some(MemberRole::Owner)
        );
        let memberships = s.memberships(owner.id).await.unwrap();
        assert_eq!(memberships.len(), 1, "{name}");
        assert_eq!(memberships[0].workspace_name, "team", "{name}");

        let expires = Timestamp::now().plus(time::Duration::hours(1));
        s.create_session(TokenHash([7; 32]), owner.id, expires)
            .await
            .unwrap();
        assert_eq!(
            s.session_member(TokenHash([7; 32]), Timestamp::now())
                .await
                .unwrap()
                .map(|m| m.id),
            Some(owner.id),
            "{name}"
        );
        assert!(
            s.session_member(TokenHash([7; 32]), expires)
                .await
                .unwrap()
                .is_none(),
            "{name}: a session has ended at its expiry, as the caller's clock tells it"
        );
        s.create_session(TokenHash([8; 32]), owner.id, ts("2020-01-01T00:00:00Z"))
            .await
            .unwrap();
        assert!(
            s.session_member(TokenHash([8; 32]), Timestamp::now())
                .await
                .unwrap()
                .is_none(),
            "{name}: expired"
        );
        s.prune_sessions(Timestamp::now()).await.unwrap();
        s.delete_session(TokenHash([7; 32])).await.unwrap();
        assert!(
            s.session_member(TokenHash([7; 32]), Timestamp::now())
                .await
                .unwrap()
                .is_none(),
            "{name}"
        );

        let invitation = s
            .create_invitation(ws, TokenHash([9; 32]), MemberRole::Admin, &actor(), expires)
            .await
            .unwrap();
        let listed = s.list_invitations(ws).await.unwrap();
        assert_eq!(listed.len(), 1, "{name}");
        assert_eq!(listed[0].id, invitation.id, "{name}");
        assert_eq!(listed[0].expires_at, expires, "{name}");
        let (open, workspace_name) = s
            .open_invitation(TokenHash([9; 32]), Timestamp::now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (open.id.as_str(), workspace_name.as_str()),
            (invitation.id.as_str(), "team")
        );
        let joiner = s.create_member("joiner@example.com", "h").await.unwrap();
        let accepted = s
            .accept_invitation(TokenHash([9; 32]), &joiner, Timestamp::now())
            .await
            .unwrap();
        assert_eq!(accepted, Some((ws, MemberRole::Admin)), "{name}");
        assert!(
            s.accept_invitation(TokenHash([9; 32]), &joiner, Timestamp::now())
                .await
                .unwrap()
                .is_none()
        );
        let members = s.list_members(ws).await.unwrap();
        let emails: Vec<_> = members.iter().map(|m| m.member.email.as_str()).collect();
        assert_eq!(
            emails,
            vec!["owner@example.com", "joiner@example.com"],
            "{name}"
        );

        let withdrawn = s
            .create_invitation(
                ws,
                TokenHash([10; 32]),
                MemberRole::Member,
                &actor(),
                expires,
            )
            .await
            .unwrap();
        assert!(
            s.delete_invitation(ws, &withdrawn.id, &actor())
                .await
                .unwrap()
        );
        assert!(
            !s.delete_invitation(ws, &withdrawn.id, &actor())
                .await
                .unwrap()
        );
        assert!(
            !s.delete_invitation(ws, "not-an-id", &actor())
                .await
                .unwrap()
        );

        assert!(
            s.set_role(ws, &joiner, MemberRole::Member, &actor())
                .await
                .unwrap()
        );
        s.transfer_ownership(ws, owner.id, &joiner, &actor())
            .await
            .unwrap();
        assert_eq!(
            s.role_of(ws, joiner.id).await.unwrap(),
            Some(MemberRole::Owner)
        );
        assert!(s.remove_member(ws, &owner, &actor()).await.unwrap());

        assert_eq!(s.setting_or_init("k", "first").await.unwrap(), "first");
        assert_eq!(s.setting_or_init("k", "second").await.unwrap(), "first");
    }
}
