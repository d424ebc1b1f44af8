//! Analysis queue and workers (SPEC §6.1): every upload is queued in its own transaction and
//! analyzed by a worker in some `serve` node; results equal what the analyzer returns; replays
//! queue nothing; `HALFPIPE_ANALYSIS=off` leaves jobs waiting; nodes share the queue without
//! doing a job twice; a job that keeps failing ends as `failed` with its reason; results of
//! another analyzer version are re-analyzed at start.
//!
//! The analyzer's own findings are tested beside it; here only what the worker does with them.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    ANALYZER_VERSION, AnalysisResult, MemberRole, TestApp, TranscriptId, Worker, WorkerSettings,
    WorkspaceId, analysis_config, analyze, eventually, test_config,
};

/// How long an upload may wait for its analysis.
const WITHIN: Duration = Duration::from_secs(10);

fn conversation(name: &str) -> Value {
    json!({
        "name": name,
        "turns": [
            {"role": "user", "content": "My invoice is wrong, I was charged twice"},
            {"role": "assistant", "content": "Sorry about that, I have refunded the second charge."},
            {"role": "user", "content": "Thanks, that fixed it"}
        ]
    })
}

/// Uploads `body` into `project`; returns the new transcript's id.
async fn upload(app: &TestApp, key: &str, project: &str, body: &Value) -> TranscriptId {
    let (status, response) = app.upload(key, project, body).await;
    assert_eq!(status, StatusCode::CREATED, "{response}");
    response["data"]["id"].as_str().unwrap().parse().unwrap()
}

/// A tenant with a project: (workspace, key, project id).
async fn setup(app: &TestApp) -> (WorkspaceId, String, String) {
    let (ws, key) = app.tenant().await;
    let project = app.project(&key, "Support").await;
    (ws, key, project)
}

/// Waits until the transcript has results; returns its detail as the API shows it.
async fn analyzed(app: &TestApp, key: &str, id: TranscriptId) -> Value {
    eventually(format!("transcript {id} is analyzed"), WITHIN)
        .until(async || {
            let (status, body) = app.get(&format!("/transcripts/{id}"), key).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let data = body["data"].clone();
            match data["annotations"].as_object() {
                Some(found) if !found.is_empty() => Ok(data),
                _ => Err(data["annotations"].to_string()),
            }
        })
        .await
        .value
}

#[tokio::test]
async fn an_upload_is_analyzed_and_stores_what_the_analyzer_returns() {
    let app = TestApp::spawn_with(analysis_config()).await;
    let (ws, key, project) = setup(&app).await;
    let id = upload(&app, &key, &project, &conversation("invoice")).await;
    let detail = analyzed(&app, &key, id).await;

    let mut input = app.store.get_transcript(ws, id).await.unwrap().unwrap();
    input.annotations.clear();
    let project = app.store.get_project(ws, input.summary.project_id).await;
    let expected = analyze(&input, project.unwrap().unwrap().domain_pack);
    let shown: std::collections::BTreeMap<String, String> =
        serde_json::from_value(detail["annotations"].clone()).unwrap();
    assert_eq!(
        shown, expected.annotations,
        "the API shows the analyzer's annotations"
    );

    let stored = app.store.get_analysis(ws, id).await.unwrap();
    assert_eq!(stored.version.as_deref(), Some(ANALYZER_VERSION));
    assert!(stored.analyzed_at.is_some());
    assert_eq!(stored.turn_signals, expected.turn_signals);
    for turn in detail["turns"].as_array().unwrap() {
        let index = turn["index"].as_i64().unwrap();
        let signals = expected
            .turn_signals
            .get(&index)
            .cloned()
            .unwrap_or_default();
        assert_eq!(turn["signals"], json!(signals), "turn {index}: {detail}");
    }
    assert!(
        app.store.analysis_queue(ws).await.unwrap().is_empty(),
        "the job is done"
    );
    assert_eq!(app.state.analysis.analyzed(), 1);
}

#[tokio::test]
async fn the_annotation_filter_finds_analyzed_transcripts() {
    let app = TestApp::spawn_with(analysis_config()).await;
    let (_, key, project) = setup(&app).await;
    let id = upload(&app, &key, &project, &conversation("filtered")).await;
    let detail = analyzed(&app, &key, id).await;
    let (name, value) = detail["annotations"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let value = value.as_str().unwrap();
    for query in [format!("{name}:{value}"), name.clone()] {
        let path = format!("/projects/{project}/transcripts?annotation={query}");
        let (status, body) = app.get(&path, &key).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body["data"][0]["id"],
            json!(id.to_string()),
            "{query}: {body}"
        );
    }
    let path = format!("/projects/{project}/transcripts?annotation={name}:no-such-value");
    let (_, body) = app.get(&path, &key).await;
    assert_eq!(body["data"], json!([]), "{body}");
}

#[tokio::test]
async fn a_replay_or_a_conflict_queues_nothing() {
    let app = TestApp::spawn_with(test_config()).await;
    let (ws, key, project) = setup(&app).await;
    let mut body = conversation("retried");
    body["externalId"] = json!("conv-1");
    let id = upload(&app, &key, &project, &body).await;
    let (status, _) = app.upload(&key, &project, &body).await;
    assert_eq!(status, StatusCode::OK, "a replay");
    body["name"] = json!("changed");
    let (status, _) = app.upload(&key, &project, &body).await;
    assert_eq!(status, StatusCode::CONFLICT, "a conflict");
    let queue = app.store.analysis_queue(ws).await.unwrap();
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0].transcript_id, id);
}

#[tokio::test]
async fn with_analysis_off_jobs_wait_for_a_node_that_has_it_on() {
    let app = TestApp::spawn_with(test_config()).await;
    let (ws, key, project) = setup(&app).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(upload(&app, &key, &project, &conversation(&format!("t{n}"))).await);
    }
    let queue = app.store.analysis_queue(ws).await.unwrap();
    assert_eq!(queue.len(), 3, "every upload is queued: {queue:?}");
    assert!(
        queue.iter().all(|j| j.state == "queued" && j.attempts == 0),
        "{queue:?}"
    );
    for id in &ids {
        let (_, body) = app.get(&format!("/transcripts/{id}"), &key).await;
        assert_eq!(
            body["data"]["annotations"],
            json!({}),
            "not analyzed: {body}"
        );
    }
    assert_eq!(app.state.analysis.analyzed(), 0);

    let mut on = app.beside(analysis_config()).await;
    for id in ids {
        analyzed(&app, &key, id).await;
    }
    assert_eq!(
        app.state.analysis.analyzed(),
        0,
        "the node with analysis off did none"
    );
    assert_eq!(on.state.analysis.analyzed(), 3);
    on.stop().await;
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_kept_as_failed_with_its_reason() {
    let app = TestApp::spawn_with(test_config()).await;
    let (ws, key, project) = setup(&app).await;
    let id = upload(&app, &key, &project, &conversation("doomed")).await;
    let settings = WorkerSettings {
        retry_base: Duration::from_millis(5),
        ..WorkerSettings::default()
    };
    let max = settings.max_attempts;
    let queue = Arc::clone(&app.state.analysis);
    let worker = Worker::with_analyzer(
        Arc::clone(&app.store),
        Arc::clone(&queue),
        settings,
        Arc::new(|_, _| panic!("the detector broke")),
    );
    let failed = eventually("the job is given up on", WITHIN)
        .until(async || {
            worker.run_batch().await.expect("the queue answers");
            let jobs = app.store.analysis_queue(ws).await.unwrap();
            match jobs.first() {
                Some(job) if job.state == "failed" => Ok(job.clone()),
                other => Err(format!("{other:?}")),
            }
        })
        .await
        .value;
    assert_eq!(failed.transcript_id, id);
    assert_eq!(failed.attempts, max, "retried until the last attempt");
    let reason = failed.last_error.unwrap_or_default();
    assert!(reason.contains("the detector broke"), "{reason}");
    assert_eq!(queue.failed(), max as u64);
    // Never retried again, never dropped.
    assert_eq!(worker.run_batch().await.unwrap(), 0);
    assert_eq!(app.store.analysis_queue(ws).await.unwrap().len(), 1);
    let (_, body) = app.get(&format!("/transcripts/{id}"), &key).await;
    assert_eq!(body["data"]["annotations"], json!({}), "{body}");
}

#[tokio::test]
async fn results_of_another_analyzer_version_are_analyzed_again_at_start() {
    let app = TestApp::spawn_with(test_config()).await;
    let (ws, key, project) = setup(&app).await;
    let old = upload(&app, &key, &project, &conversation("old")).await;
    let current = upload(&app, &key, &project, &conversation("current")).await;
    let marker = std::collections::BTreeMap::from([("stale".to_string(), "yes".to_string())]);
    let signals = std::collections::BTreeMap::new();
    for (id, version) in [(old, "rules-0"), (current, ANALYZER_VERSION)] {
        let result = AnalysisResult {
            annotations: &marker,
            turn_signals: &signals,
            version,
        };
        let now = crate::support::Timestamp::now();
        app.store
            .complete_analysis(ws, id, result, now)
            .await
            .unwrap();
    }
    assert!(app.store.analysis_queue(ws).await.unwrap().is_empty());

    let mut on = app.beside(analysis_config()).await;
    eventually("the old result is analyzed again", WITHIN)
        .until(async || {
            let stored = app.store.get_analysis(ws, old).await.unwrap();
            match stored.version.as_deref() {
                Some(ANALYZER_VERSION) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
    let (_, body) = app.get(&format!("/transcripts/{old}"), &key).await;
    assert!(body["data"]["annotations"].get("stale").is_none(), "{body}");
    let (_, body) = app.get(&format!("/transcripts/{current}"), &key).await;
    assert_eq!(
        body["data"]["annotations"],
        json!({"stale": "yes"}),
        "kept: {body}"
    );
    assert_eq!(on.state.analysis.analyzed(), 1);
    on.stop().await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set HALFPIPE_TEST_POSTGRES_URL and pass --include-ignored"]
async fn two_nodes_share_the_queue_and_analyze_each_transcript_once() {
    let mut first = TestApp::spawn_with(analysis_config()).await;
    assert!(
        first.db.is_postgres(),
        "several nodes share a database on PostgreSQL"
    );
    let mut second = first.beside(analysis_config()).await;
    let (ws, key, project) = setup(&first).await;
    let mut ids = Vec::new();
    for n in 0..50 {
        let node = if n % 2 == 0 { &first } else { &second };
        ids.push(upload(node, &key, &project, &conversation(&format!("t{n}"))).await);
    }
    for id in &ids {
        analyzed(&first, &key, *id).await;
    }
    assert!(first.store.analysis_queue(ws).await.unwrap().is_empty());
    second.stop().await;
    first.stop().await;
    let (a, b) = (
        first.state.analysis.analyzed(),
        second.state.analysis.analyzed(),
    );
    eprintln!("analyses per node: {a} and {b}");
    assert_eq!(
        a + b,
        50,
        "each transcript analyzed exactly once ({a} + {b})"
    );
    assert_eq!(
        first.state.analysis.failed() + second.state.analysis.failed(),
        0
    );
}

#[tokio::test]
async fn the_conversation_view_shows_the_annotations_and_each_turns_signals() {
    let app = TestApp::spawn_with(analysis_config()).await;
    let ws = app.workspace("Acme").await;
    let owner = app
        .add_member(ws, "owner@example.com", MemberRole::Owner)
        .await;
    let key = app.key(ws, &[]).await;
    let project = app.project(&key, "Support bot").await;
    let body = json!({
        "name": "Refund",
        "turns": [
            {"role": "user", "content": "I was charged twice. Can I get a refund?"},
            {"role": "assistant", "content": "I'm sorry, I can't help with refunds."},
            {"role": "user", "content": "This is useless. Let me talk to a human agent."}
        ]
    });
    let (status, created) = app.upload(&key, &project, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id: TranscriptId = created["data"]["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("a transcript id");
    let analyzed = analyzed(&app, &key, id).await;
    let expected: Vec<(usize, String)> = analyzed["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .enumerate()
        .flat_map(|(i, turn)| {
            let signals = turn["signals"].as_array().cloned().unwrap_or_default();
            signals
                .into_iter()
                .map(move |s| (i, s.as_str().unwrap_or_default().to_string()))
        })
        .collect();
    assert!(
        !expected.is_empty(),
        "the analyzer found signals: {analyzed}"
    );

    let cookie = app.sign_in(&owner.email).await.cookie;
    let page = app
        .client
        .get(format!("{}/w/{ws}/transcripts/{id}", app.address))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("request sent");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("a page");

    for (key, value) in analyzed["annotations"].as_object().expect("annotations") {
        let value = value.as_str().unwrap_or_default();
        assert!(
            html.contains(&format!(r#"data-key="{key}""#)) && html.contains(value),
            "the page shows annotation {key}={value}"
        );
    }
    for (turn, signal) in expected {
        let start = html
            .find(&format!(r#"id="turn-{turn}""#))
            .unwrap_or_else(|| panic!("turn {turn} on the page"));
        let next = html[start + 1..]
            .find(r#"id="turn-"#)
            .map_or(html.len(), |n| start + 1 + n);
        assert!(
            html[start..next].contains(&format!(r#"data-signal="{signal}""#)),
            "turn {turn} shows its signal {signal}"
        );
    }
}
