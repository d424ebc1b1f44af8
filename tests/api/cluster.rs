//! Several nodes on one database (SPEC §1.1 revocation and last used, §5; docs/deploy.md), with
//! real `halfpipe serve` processes: a key changed through the CLI or through one node's
//! management API reaches every node within one second (and the node that made the change at
//! once), nodes started together bootstrap one workspace, last-used flushes from several nodes
//! only move forward, a node rides out its database going away (cut off, or silent) and comes
//! back by itself, the pool size and timeouts bound what a node does, and what `serve` and
//! `migrate` do with a database URL.
//!
//! Every test runs on SQLite and, with `HALFPIPE_TEST_POSTGRES_URL`, on PostgreSQL. The outage
//! and pool tests need a database server (a proxy stands between it and the node; the locks
//! and `pg_stat_activity` are PostgreSQL's), so on SQLite they say so and pass.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use halfpipe::auth::{PREFIX, generate};
use halfpipe::model::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::helpers::{
    POSTGRES_ENV, TestDb, assert_error, halfpipe_cli, halfpipe_cli_with_stdin, read,
};

// A `halfpipe serve` process.

/// Everything one output stream of a child process has carried so far, read by a thread all
/// along so that the child never blocks on a full pipe.
#[derive(Clone, Default)]
struct Captured {
    text: Arc<Mutex<String>>,
    /// Set once the stream has ended (the process closed it, or exited).
    ended: Arc<AtomicBool>,
}

impl Captured {
    fn collect(pipe: impl Read + Send + 'static) -> Self {
        let captured = Self::default();
        let sink = captured.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(pipe);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                sink.text
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&line));
                line.clear();
            }
            sink.ended.store(true, Ordering::SeqCst);
        });
        captured
    }

    fn text(&self) -> String {
        self.text.lock().unwrap().clone()
    }

    /// All the stream carried, once it has ended (waiting at most 5 s after the process did).
    async fn all(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.ended.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the stream never ended");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.text()
    }

    /// Polls until the text so far contains `needle` (at most 10 s); whether it did.
    async fn shows(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.text().contains(needle) {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }
}

/// A running `halfpipe serve` on a port of its own, logging warnings and errors only. A node
/// still running when dropped (a test that failed half-way) is killed.
struct Node {
    name: &'static str,
    /// `http://127.0.0.1:PORT`
    address: String,
    child: Child,
    stdout: Captured,
    stderr: Captured,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Node {
    /// Starts `halfpipe serve` on `database_url` with `settings` (environment variables) on top
    /// of test defaults: no rate limit, warnings only.
    fn start(name: &'static str, database_url: &str, settings: &[(&str, &str)]) -> Self {
        let listen = format!("127.0.0.1:{}", free_port());
        let mut command = Command::new(env!("CARGO_BIN_EXE_halfpipe"));
        command
            .arg("serve")
            .env("HALFPIPE_DATABASE_URL", database_url)
            .env("HALFPIPE_LISTEN", &listen)
            .env("HALFPIPE_LOG", "warn")
            .env("HALFPIPE_RATE_LIMIT_PER_MINUTE", "0")
            .env("NO_COLOR", "1")
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (variable, value) in settings {
            command.env(variable, value);
        }
        let mut child = command.spawn().expect("halfpipe serve starts");
        let stdout = Captured::collect(child.stdout.take().unwrap());
        let stderr = Captured::collect(child.stderr.take().unwrap());
        Self {
            name,
            address: format!("http://{listen}"),
            child,
            stdout,
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Whether the process is still running.
    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Polls `/healthz` until the node answers (at most 30 s; failing at once if it exits).
    async fn wait_until_healthy(&mut self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            assert!(
                self.is_running(),
                "{} exited while starting: {:?}\nstderr:\n{}",
                self.name,
                self.child.try_wait(),
                self.stderr.text()
            );
            let answer = client.get(self.url("/healthz")).send().await;
            if answer.is_ok_and(|r| r.status() == StatusCode::OK) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} was not healthy within 30 s\nstderr:\n{}",
                self.name,
                self.stderr.text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM and waits (at most 10 s) for the process to exit.
    async fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM was sent to {}", self.name);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("the exit status") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit within 10 s of SIGTERM\nstderr:\n{}",
                self.name,
                self.stderr.text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `GET /public/api/v1/projects` with `key`.
    async fn projects(&self, client: &reqwest::Client, key: &str) -> (StatusCode, Value) {
        let request = client
            .get(self.url("/public/api/v1/projects"))
            .bearer_auth(key);
        read(request.send().await.expect("request sent")).await
    }
}

/// A client that gives up on a request after 20 s, so that a hanging server fails a test
/// rather than stalling it.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("an HTTP client")
}

/// Starts `names.len()` nodes on one database at the same moment, and waits until each is
/// healthy.
async fn start_nodes(
    client: &reqwest::Client,
    database_url: &str,
    settings: &[(&str, &str)],
    names: &[&'static str],
) -> Vec<Node> {
    let mut nodes: Vec<Node> = names
        .iter()
        .map(|name| Node::start(name, database_url, settings))
        .collect();
    for node in &mut nodes {
        node.wait_until_healthy(client).await;
    }
    nodes
}

// The CLI.

/// Runs a CLI command that must succeed with `--json`; returns its one JSON value.
async fn cli_json(database_url: &str, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    let what = args.join(" ");
    halfpipe_cli(database_url, &args)
        .await
        .assert_success(&what)
        .json()
}

fn text(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {value}"))
        .to_string()
}

/// A workspace made through the CLI; returns its id.
async fn create_workspace(database_url: &str) -> String {
    let workspace = cli_json(database_url, &["workspaces", "create", "--name", "Acme"]).await;
    text(&workspace, "id")
}

/// A full-access key made through the CLI; returns (plaintext, id).
async fn create_key(database_url: &str, workspace: &str, name: &str) -> (String, String) {
    let created = cli_json(
        database_url,
        &["keys", "create", "--workspace", workspace, "--name", name],
    )
    .await;
    (text(&created, "key"), text(&created, "id"))
}

/// The stored `last_used_at` of a key, as `keys list --json` shows it.
async fn last_used_at(database_url: &str, workspace: &str, id: &str) -> Option<Timestamp> {
    let listed = cli_json(database_url, &["keys", "list", "--workspace", workspace]).await;
    let key = listed
        .as_array()
        .expect("an array")
        .iter()
        .find(|k| k["id"] == id)
        .unwrap_or_else(|| panic!("key {id} is not listed: {listed}"))
        .clone();
    match &key["last_used_at"] {
        Value::Null => None,
        Value::String(at) => {
            Some(Timestamp::parse_rfc3339(at).unwrap_or_else(|| panic!("not a timestamp: {key}")))
        }
        other => panic!("last_used_at is {other} in {key}"),
    }
}

/// Polls `keys list` until the key's `last_used_at` is at least `at_least` (at most 10 s);
/// returns every distinct value seen on the way, in order.
async fn wait_for_last_used(
    database_url: &str,
    workspace: &str,
    id: &str,
    at_least: Timestamp,
) -> Vec<Option<Timestamp>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    loop {
        let now = last_used_at(database_url, workspace, id).await;
        if seen.last() != Some(&now) {
            seen.push(now);
        }
        if now.is_some_and(|t| t >= at_least) {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "last_used_at never reached {at_least} within 10 s; saw {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the wall clock has moved past `t` at millisecond precision, so that a use
/// after this is strictly newer than one at `t`.
async fn clock_past(t: Timestamp) {
    while Timestamp::now() <= t {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

// A key changed through the CLI reaches every node.

const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;

/// How one node answered while a change propagated.
struct Propagation {
    node: &'static str,
    /// When the node first gave the expected answer, counted from the change.
    after: Option<Duration>,
    status: StatusCode,
    body: Value,
}

/// Polls `GET /projects` with `key` on every node until each answers `expected`, for up to 5 s
/// after `since` (so that a slow propagation is measured, not cut off).
async fn propagation(
    client: &reqwest::Client,
    nodes: &[Node],
    key: &str,
    expected: StatusCode,
    since: Instant,
) -> Vec<Propagation> {
    let give_up = since + Duration::from_secs(5);
    let mut seen: Vec<Propagation> = nodes
        .iter()
        .map(|node| Propagation {
            node: node.name,
            after: None,
            status: StatusCode::IM_A_TEAPOT,
            body: Value::Null,
        })
        .collect();
    while seen.iter().any(|p| p.after.is_none()) && Instant::now() < give_up {
        for (node, seen) in nodes.iter().zip(&mut seen) {
            if seen.after.is_some() {
                continue;
            }
            let (status, body) = node.projects(client, key).await;
            if status == expected {
                seen.after = Some(since.elapsed());
            }
            seen.status = status;
            seen.body = body;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    seen
}

/// Asserts every node gave the expected answer within one second; for a 401, also that its
/// message mentions `word`. Prints the times, for the record.
fn assert_within_one_second(change: &str, seen: &[Propagation], word: Option<&str>) {
    for p in seen {
        let after = p.after.unwrap_or_else(|| {
            panic!(
                "{change}: {} still answered {} after 5 s: {}",
                p.node, p.status, p.body
            )
        });
        eprintln!(
            "{change}: {} honoured it after {} ms",
            p.node,
            after.as_millis()
        );
        assert!(
            after <= Duration::from_secs(1),
            "{change}: {} took {} ms (more than one second)",
            p.node,
            after.as_millis()
        );
        if let Some(word) = word {
            assert_eq!(
                p.body["error"]["type"], "authentication_error",
                "{}",
                p.body
            );
            let message = p.body["error"]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(word),
                "{change}: {} should say {word:?}: {}",
                p.node,
                p.body
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_reactivated_or_deleted_through_the_cli_reaches_every_node_within_one_second()
{
    let db = TestDb::fresh().await;
    let workspace = create_workspace(&db.url).await;
    let (key, id) = create_key(&db.url, &workspace, "shared by two nodes").await;
    let client = client();
    // Default settings: change polling every 200 ms, and LISTEN/NOTIFY on PostgreSQL.
    let nodes = start_nodes(&client, &db.url, &[], &["node A", "node B"]).await;
    for node in &nodes {
        let (status, body) = node.projects(&client, &key).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{} before any change: {body}",
            node.name
        );
    }

    halfpipe_cli(&db.url, &["keys", "revoke", &id])
        .await
        .assert_success("keys revoke");
    let revoked = propagation(&client, &nodes, &key, UNAUTHORIZED, Instant::now()).await;
    halfpipe_cli(&db.url, &["keys", "reactivate", &id])
        .await
        .assert_success("keys reactivate");
    let reactivated = propagation(&client, &nodes, &key, StatusCode::OK, Instant::now()).await;
    halfpipe_cli(&db.url, &["keys", "delete", &id])
        .await
        .assert_success("keys delete");
    let deleted = propagation(&client, &nodes, &key, UNAUTHORIZED, Instant::now()).await;

    assert_within_one_second("revoke", &revoked, Some("revoked"));
    assert_within_one_second("reactivate", &reactivated, None);
    assert_within_one_second("delete", &deleted, Some("invalid"));
}

// A key changed through one node's management API.

const OWNER_PASSWORD: &str = "correct horse battery staple";

/// Makes an owner of `workspace` through the CLI and signs them in on `node`'s management
/// API; returns the session's JWT.
async fn owner_session(
    client: &reqwest::Client,
    database_url: &str,
    workspace: &str,
    node: &Node,
) -> String {
    let email = "owner@acme.test";
    halfpipe_cli_with_stdin(
        database_url,
        &[
            "members",
            "create",
            "--workspace",
            workspace,
            "--email",
            email,
            "--role",
            "owner",
            "--password-stdin",
            "--json",
        ],
        OWNER_PASSWORD,
    )
    .await
    .assert_success("members create");
    let response = client
        .post(node.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": OWNER_PASSWORD}))
        .send()
        .await
        .expect("request sent");
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::OK, "signing in: {body}");
    text(&body["data"], "token")
}

/// Revokes, reactivates or deletes a key through `node`'s management API.
async fn change_key_through(
    client: &reqwest::Client,
    node: &Node,
    session: &str,
    workspace: &str,
    id: &str,
    action: &str,
) -> (StatusCode, Value) {
    let key = format!("/api/v1/workspaces/{workspace}/api-keys/{id}");
    let request = match action {
        "delete" => client.delete(node.url(&key)),
        _ => client.post(node.url(&format!("{key}/{action}"))),
    };
    read(
        request
            .bearer_auth(session)
            .send()
            .await
            .expect("request sent"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_changed_through_one_node_is_honoured_there_at_once_and_everywhere_within_one_second()
{
    let db = TestDb::fresh().await;
    let workspace = create_workspace(&db.url).await;
    let (key, id) = create_key(&db.url, &workspace, "managed on the dashboard").await;
    let client = client();
    let nodes = start_nodes(&client, &db.url, &[], &["node A", "node B"]).await;
    for node in &nodes {
        let (status, body) = node.projects(&client, &key).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{} before any change: {body}",
            node.name
        );
    }
    let session = owner_session(&client, &db.url, &workspace, &nodes[0]).await;
    let (a, b) = (&nodes[0], &nodes[1]);

    // Each change through one node, then at once the very next request to that node, then
    // the other node until it agrees.
    let mut steps = Vec::new();
    for (action, through, other, expected) in [
        ("revoke", a, b, UNAUTHORIZED),
        ("reactivate", b, a, StatusCode::OK),
        ("delete", a, b, UNAUTHORIZED),
    ] {
        let changed = change_key_through(&client, through, &session, &workspace, &id, action);
        let changed = changed.await;
        let at = Instant::now();
        let next = through.projects(&client, &key).await;
        let elsewhere = propagation(&client, std::slice::from_ref(other), &key, expected, at);
        steps.push((
            action,
            through.name,
            changed,
            next,
            expected,
            elsewhere.await,
        ));
    }

    for (action, through, changed, next, expected, elsewhere) in &steps {
        assert!(
            changed.0.is_success(),
            "{action} through {through}: {}",
            changed.1
        );
        assert_eq!(
            next.0, *expected,
            "{action}: the very next request to {through}: {}",
            next.1
        );
        let word = match *action {
            "revoke" => Some("revoked"),
            "delete" => Some("invalid"),
            _ => None,
        };
        if let Some(word) = word {
            let message = next.1["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(word), "{action} on {through}: {}", next.1);
        }
        assert_within_one_second(
            &format!("{action} through {through}, on the other node"),
            elsewhere,
            word,
        );
    }
}

/// The API keys in `text`, wherever a word holds one.
fn keys_in(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter_map(|word| word.find(PREFIX).map(|at| &word[at..]))
        .map(|key| key.trim_matches(|c| c == '\'' || c == '"').to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_started_at_once_on_an_empty_database_both_serve_and_bootstrap_one_workspace() {
    let db = TestDb::fresh().await;
    let client = client();

    let mut nodes = start_nodes(&client, &db.url, &[], &["node A", "node B"]).await;

    let workspaces = cli_json(&db.url, &["workspaces", "list"]).await;
    let (first, second) = (&nodes[0].stdout, &nodes[1].stdout);
    let printed = tokio::select! {
        shown = first.shows(PREFIX) => shown,
        shown = second.shows(PREFIX) => shown,
    };
    assert!(printed, "no node printed a bootstrap key");
    let key = keys_in(&(first.text() + &second.text())).remove(0);
    let mut answers = Vec::new();
    for node in &mut nodes {
        answers.push((node.name, node.projects(&client, &key).await));
        let stopped = node.terminate().await;
        assert!(stopped.success(), "{} stops cleanly: {stopped}", node.name);
    }
    let mut keys = Vec::new();
    let mut errors = Vec::new();
    for node in &nodes {
        keys.extend(keys_in(&node.stdout.all().await));
        let stderr = node.stderr.all().await;
        if stderr.contains("ERROR") {
            errors.push(format!("{}:\n{stderr}", node.name));
        }
    }

    assert_eq!(
        workspaces.as_array().map(Vec::len),
        Some(1),
        "exactly one workspace was bootstrapped: {workspaces}"
    );
    assert_eq!(keys, [key], "one bootstrap key was printed, once");
    for (node, (status, body)) in &answers {
        assert_eq!(*status, StatusCode::OK, "{node}: {body}");
    }
    assert!(errors.is_empty(), "errors while starting: {errors:?}");
}

// Last used, across nodes.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_used_flushes_from_two_nodes_only_move_the_time_forward() {
    let db = TestDb::fresh().await;
    let workspace = create_workspace(&db.url).await;
    let (key, id) = create_key(&db.url, &workspace, "used everywhere").await;
    let client = client();
    let settings = [("HALFPIPE_LAST_USED_FLUSH_MS", "100")];
    let nodes = start_nodes(&client, &db.url, &settings, &["node A", "node B"]).await;

    // Use the key on A, B, A, B…, each use strictly later than the one before; after each,
    // wait until the stored time has caught up with it.
    let mut observed = Vec::new();
    let mut newest_use = (Timestamp::now(), Timestamp::now());
    for round in 0..6 {
        let node = &nodes[round % 2];
        clock_past(newest_use.1).await;
        let before = Timestamp::now();
        let (status, body) = node.projects(&client, &key).await;
        let after = Timestamp::now();
        assert_eq!(status, StatusCode::OK, "{}: {body}", node.name);
        newest_use = (before, after);
        observed.extend(wait_for_last_used(&db.url, &workspace, &id, before).await);
    }
    let settled = last_used_at(&db.url, &workspace, &id).await;

    let times: Vec<Timestamp> = observed.iter().flatten().copied().collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "last_used_at moved backward: {times:?}"
    );
    let settled = settled.expect("a last-used time");
    let (before, after) = newest_use;
    assert!(
        before <= settled && settled <= after,
        "last_used_at is the newest use: {before} <= {settled} <= {after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_stops_holding_an_older_last_used_time_does_not_move_it_back() {
    let db = TestDb::fresh().await;
    let workspace = create_workspace(&db.url).await;
    let (shared, shared_id) = create_key(&db.url, &workspace, "used on both nodes").await;
    let (only_a, only_a_id) = create_key(&db.url, &workspace, "used on node A only").await;
    let client = client();
    // Node A writes last-used times only when it shuts down; node B every 100 ms.
    let mut a = Node::start(
        "node A",
        &db.url,
        &[("HALFPIPE_LAST_USED_FLUSH_MS", "3600000")],
    );
    let mut b = Node::start("node B", &db.url, &[("HALFPIPE_LAST_USED_FLUSH_MS", "100")]);
    a.wait_until_healthy(&client).await;
    b.wait_until_healthy(&client).await;
    let (status, body) = a.projects(&client, &only_a).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = a.projects(&client, &shared).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let used_on_a = Timestamp::now();
    clock_past(used_on_a).await;
    let before_b = Timestamp::now();
    let (status, body) = b.projects(&client, &shared).await;
    let after_b = Timestamp::now();
    assert_eq!(status, StatusCode::OK, "{body}");
    wait_for_last_used(&db.url, &workspace, &shared_id, before_b).await;
    let flushed_by_b = last_used_at(&db.url, &workspace, &shared_id).await;

    let stopped = a.terminate().await;

    assert!(stopped.success(), "node A exits cleanly: {stopped}");
    let after_a_stopped = last_used_at(&db.url, &workspace, &shared_id).await;
    let only_a_used = last_used_at(&db.url, &workspace, &only_a_id).await;
    assert!(
        only_a_used.is_some_and(|t| t <= used_on_a),
        "node A flushed on shutdown (its other key has a last-used time): {only_a_used:?}"
    );
    assert_eq!(
        after_a_stopped, flushed_by_b,
        "node A's older time did not move last_used_at back"
    );
    let newest = after_a_stopped.expect("a last-used time");
    assert!(
        before_b <= newest && newest <= after_b,
        "last_used_at is the use on node B: {before_b} <= {newest} <= {after_b}"
    );
}

// The database going away.

/// What the line between a node and its database server does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// Carries everything.
    Open,
    /// Every connection is closed, and new ones are dropped at once: the server is gone.
    Cut,
    /// Connections stay open but nothing goes through, old or new: the network lost the
    /// server without a word.
    Frozen,
}

/// A TCP proxy in front of a database server, whose line can be cut, frozen and restored.
struct Proxy {
    address: SocketAddr,
    line: watch::Sender<Line>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().unwrap();
        let (line, watching) = watch::channel(Line::Open);
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if *watching.borrow() != Line::Cut {
                    tokio::spawn(carry(inbound, target, watching.clone()));
                }
            }
        });
        Self {
            address,
            line,
            accept,
        }
    }

    fn set(&self, line: Line) {
        self.line.send_replace(line);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // With the sender gone, every connection ends too.
        self.accept.abort();
    }
}

/// Carries one connection until either side closes it or the line is cut.
async fn carry(inbound: TcpStream, target: SocketAddr, line: watch::Receiver<Line>) {
    let Ok(outbound) = TcpStream::connect(target).await else {
        return;
    };
    let (from_client, to_client) = inbound.into_split();
    let (from_server, to_server) = outbound.into_split();
    let mut cut = line.clone();
    tokio::select! {
        () = pump(from_client, to_server, line.clone()) => {},
        () = pump(from_server, to_client, line) => {},
        _ = cut.wait_for(|l| *l == Line::Cut) => {},
    }
}

/// Copies bytes one way, holding them while the line is frozen.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut line: watch::Receiver<Line>,
) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if line.wait_for(|l| *l == Line::Open).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

/// `url` split around its `host:port`: (before, host:port, after).
fn split_authority(url: &str) -> (&str, &str, &str) {
    let start = url
        .rfind('@')
        .map_or_else(|| url.find("://").unwrap() + 3, |at| at + 1);
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    (&url[..start], &url[start..end], &url[end..])
}

/// How long the test lets a request that needs the missing database take: the connect
/// timeout is 1 s, so anything near this is a hang.
const NO_HANG: Duration = Duration::from_secs(5);

/// A PostgreSQL test database with a workspace and two keys, and a node that reaches the
/// database through a proxy (connect timeout 1 s, last-used flushes every 100 ms), both keys
/// already used (so cached) on it. `None` on SQLite.
struct Outage {
    db: TestDb,
    workspace: String,
    key: String,
    key_id: String,
    revoked: String,
    revoked_id: String,
    proxy: Proxy,
    node: Node,
    client: reqwest::Client,
}

impl Outage {
    async fn arrange() -> Option<Self> {
        let db = TestDb::fresh().await;
        if !db.is_postgres() {
            eprintln!("skipped: an outage needs a database server to cut off; set {POSTGRES_ENV}");
            return None;
        }
        let workspace = create_workspace(&db.url).await;
        let (key, key_id) = create_key(&db.url, &workspace, "used through the outage").await;
        let (revoked, revoked_id) = create_key(&db.url, &workspace, "revoked meanwhile").await;
        let (before, server, after) = split_authority(&db.url);
        let target = tokio::net::lookup_host(server)
            .await
            .expect("the database host resolves")
            .next()
            .expect("an address");
        let proxy = Proxy::start(target).await;
        let through_proxy = format!("{before}{}{after}", proxy.address);
        let client = client();
        let mut node = Node::start(
            "node",
            &through_proxy,
            &[
                ("HALFPIPE_DB_CONNECT_TIMEOUT_MS", "1000"),
                ("HALFPIPE_LAST_USED_FLUSH_MS", "100"),
                // Also what the node says when it recovers.
                ("HALFPIPE_LOG", "warn,halfpipe=info"),
            ],
        );
        node.wait_until_healthy(&client).await;
        for k in [&key, &revoked] {
            let (status, body) = node.projects(&client, k).await;
            assert_eq!(status, StatusCode::OK, "before the outage: {body}");
        }
        let (status, body) = read(client.get(node.url("/readyz")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "ready before the outage: {body}");
        Some(Self {
            db,
            workspace,
            key,
            key_id,
            revoked,
            revoked_id,
            proxy,
            node,
            client,
        })
    }

    /// Requests that need the database, each with how it was answered and how long it took:
    /// a read with a cached key, a read with a key not cached, a write, and readiness.
    async fn requests(&self) -> Vec<(&'static str, StatusCode, Value, Duration)> {
        let not_cached = generate().expose().to_string();
        let projects = self.node.url("/public/api/v1/projects");
        let requests = [
            (
                "a read with a cached key",
                self.client.get(&projects).bearer_auth(&self.key),
            ),
            (
                "a read with a key not cached",
                self.client.get(&projects).bearer_auth(&not_cached),
            ),
            (
                "a write",
                self.client
                    .post(&projects)
                    .bearer_auth(&self.key)
                    .json(&json!({"name": "in the outage"})),
            ),
            ("readiness", self.client.get(self.node.url("/readyz"))),
        ];
        let mut answers = Vec::new();
        for (what, request) in requests {
            let started = Instant::now();
            let response = request.send().await;
            let took = started.elapsed();
            let response =
                response.unwrap_or_else(|e| panic!("{what}: no answer in {took:?}: {e}"));
            let (status, body) = read(response).await;
            answers.push((what, status, body, took));
        }
        answers
    }

    /// Polls `/readyz` until it answers 200 (at most 15 s); returns how long that took.
    async fn until_ready(&self) -> Duration {
        let started = Instant::now();
        loop {
            let answer = self.client.get(self.node.url("/readyz")).send().await;
            if answer.is_ok_and(|r| r.status() == StatusCode::OK) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the node did not recover within 15 s\nstderr:\n{}",
                self.node.stderr.text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Reads and writes with the key, once the database is back.
    async fn read_and_write(&self) -> [(StatusCode, Value); 2] {
        let read_back = self.node.projects(&self.client, &self.key).await;
        let created = self
            .client
            .post(self.node.url("/public/api/v1/projects"))
            .bearer_auth(&self.key)
            .json(&json!({"name": "after the outage"}))
            .send()
            .await
            .expect("request sent");
        [read_back, read(created).await]
    }
}

/// Asserts each answer is a JSON 503 `overloaded_error` that came before [`NO_HANG`].
fn assert_overloaded_in_time(outage: &str, answers: &[(&str, StatusCode, Value, Duration)]) {
    for (what, status, body, took) in answers {
        eprintln!(
            "{outage}: {what} answered {status} in {} ms",
            took.as_millis()
        );
        assert_error(
            *status,
            body,
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded_error",
            None,
        );
        assert!(*took < NO_HANG, "{outage}: {what} took {took:?}: a hang");
    }
}

/// The warnings and errors of a log not written for one failed request: what background work
/// (change watcher, listener, last-used flusher, pool) complained about.
fn background_complaints(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
        .filter(|l| !l.contains("service unavailable") && !l.contains("response failed"))
        .collect()
}

/// The key-change listener's warning when it loses its connection.
const LISTENER_LOST: &str = "lost the key-change listener";
/// The key-change listener's note when it has subscribed again.
const LISTENER_BACK: &str = "listening for key changes again";
/// The change watcher's note when it reads the change log again.
const WATCHER_BACK: &str = "reading key changes again";

impl Node {
    /// Polls the log until `text` has appeared `times` times (at most 5 s); whether it did.
    async fn log_shows(&self, text: &str, times: usize) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if self.stderr.text().matches(text).count() >= times {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_answers_503_while_its_database_is_gone_and_recovers_by_itself() {
    let Some(mut outage) = Outage::arrange().await else {
        return;
    };

    // The server goes away for two seconds; meanwhile a key is revoked (a notice this node
    // cannot hear), and readiness is checked again and again.
    outage.proxy.set(Line::Cut);
    let cut_at = Timestamp::now();
    let cut = Instant::now();
    halfpipe_cli(&outage.db.url, &["keys", "revoke", &outage.revoked_id])
        .await
        .assert_success("keys revoke");
    let answers = outage.requests().await;
    let mut readiness = Vec::new();
    while cut.elapsed() < Duration::from_secs(2) {
        let started = Instant::now();
        let status = outage.client.get(outage.node.url("/readyz")).send().await;
        readiness.push((status.map(|r| r.status()), started.elapsed()));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let alive = outage.node.is_running();
    let outage_log = outage.node.stderr.text();
    outage.proxy.set(Line::Open);
    let recovered = outage.until_ready().await;
    let ready_at = Instant::now();
    let [read_back, created] = outage.read_and_write().await;
    let missed_revocation = propagation(
        &outage.client,
        std::slice::from_ref(&outage.node),
        &outage.revoked,
        StatusCode::UNAUTHORIZED,
        ready_at,
    )
    .await;
    let last_used =
        wait_for_last_used(&outage.db.url, &outage.workspace, &outage.key_id, cut_at).await;
    let listener_back = outage.node.log_shows(LISTENER_BACK, 1).await;
    let watcher_back = outage.node.log_shows(WATCHER_BACK, 1).await;

    assert_overloaded_in_time("cut", &answers);
    for (status, took) in &readiness {
        assert!(
            matches!(status, Ok(StatusCode::SERVICE_UNAVAILABLE)) && *took < NO_HANG,
            "readiness in the outage: {status:?} in {took:?}"
        );
    }
    assert!(alive, "the node died in the outage:\n{outage_log}");
    assert!(!outage_log.contains("panicked"), "{outage_log}");
    let background = background_complaints(&outage_log);
    assert!(
        background.len() <= 5,
        "two seconds of outage are logged, not spammed:\n{}",
        background.join("\n")
    );
    eprintln!(
        "cut: ready again {} ms after the line came back",
        recovered.as_millis()
    );
    assert_eq!(
        read_back.0,
        StatusCode::OK,
        "reads work again: {}",
        read_back.1
    );
    assert_eq!(
        created.0,
        StatusCode::CREATED,
        "writes work again: {}",
        created.1
    );
    assert_within_one_second(
        "a revocation made in the outage, counted from readiness",
        &missed_revocation,
        Some("revoked"),
    );
    let log = outage.node.stderr.text();
    assert!(listener_back, "the listener subscribed again:\n{log}");
    assert!(watcher_back, "the change watcher reads again:\n{log}");
    assert!(
        last_used.last().copied().flatten() >= Some(cut_at),
        "the use in the outage was written after it: {last_used:?}"
    );
    assert!(outage.node.is_running(), "{}", outage.node.stderr.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_outage_is_logged_once_not_only_the_first() {
    let Some(outage) = Outage::arrange().await else {
        return;
    };

    let mut lost = Vec::new();
    for round in 1..=2 {
        outage.proxy.set(Line::Cut);
        lost.push(outage.node.log_shows(LISTENER_LOST, round).await);
        outage.proxy.set(Line::Open);
        outage.until_ready().await;
        assert!(
            outage.node.log_shows(LISTENER_BACK, round).await,
            "the listener subscribed again after outage {round}:\n{}",
            outage.node.stderr.text()
        );
    }

    let log = outage.node.stderr.text();
    assert_eq!(lost, [true, true], "each outage is reported:\n{log}");
    assert_eq!(
        log.matches(LISTENER_LOST).count(),
        2,
        "once per outage:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_database_stops_answering_answers_503_instead_of_hanging() {
    let Some(mut outage) = Outage::arrange().await else {
        return;
    };

    outage.proxy.set(Line::Frozen);
    let answers = outage.requests().await;
    let alive = outage.node.is_running();
    outage.proxy.set(Line::Open);
    let recovered = outage.until_ready().await;
    let [read_back, created] = outage.read_and_write().await;

    assert_overloaded_in_time("frozen", &answers);
    for (what, _, _, took) in &answers {
        assert!(
            *took < Duration::from_millis(2500),
            "{what} gave up after the configured 1 s connect timeout, not the default 3 s: {took:?}"
        );
    }
    assert!(alive, "the node died:\n{}", outage.node.stderr.text());
    eprintln!(
        "frozen: ready again {} ms after the line came back",
        recovered.as_millis()
    );
    assert_eq!(
        read_back.0,
        StatusCode::OK,
        "reads work again: {}",
        read_back.1
    );
    assert_eq!(
        created.0,
        StatusCode::CREATED,
        "writes work again: {}",
        created.1
    );
    assert!(
        !outage.node.stderr.text().contains("panicked"),
        "{}",
        outage.node.stderr.text()
    );
}

// Pool size, statement timeout and connect timeout.

/// Client connections to the test database other than `conn`'s own.
async fn backends(conn: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar(
        "select count(*) from pg_stat_activity where datname = current_database() \
         and backend_type = 'client backend' and pid <> pg_backend_pid()",
    )
    .fetch_one(conn)
    .await
    .expect("pg_stat_activity")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_size_and_both_timeouts_bound_what_a_node_does_with_a_locked_database() {
    use sqlx::{Connection, Executor};
    let db = TestDb::fresh().await;
    if !db.is_postgres() {
        eprintln!(
            "skipped: statement timeouts and pg_stat_activity are PostgreSQL's; set {POSTGRES_ENV}"
        );
        return;
    }
    let workspace = create_workspace(&db.url).await;
    let (key, _) = create_key(&db.url, &workspace, "waits on a lock").await;
    let client = client();
    let mut node = Node::start(
        "node",
        &db.url,
        &[
            ("HALFPIPE_DB_POOL_SIZE", "2"),
            ("HALFPIPE_DB_STATEMENT_TIMEOUT_MS", "1500"),
            ("HALFPIPE_DB_CONNECT_TIMEOUT_MS", "500"),
        ],
    );
    node.wait_until_healthy(&client).await;
    let (status, body) = node.projects(&client, &key).await;
    assert_eq!(status, StatusCode::OK, "before the lock: {body}");
    let mut locker = sqlx::PgConnection::connect(&db.url)
        .await
        .expect("a connection");
    locker.execute("begin").await.unwrap();
    locker
        .execute("lock table projects in access exclusive mode")
        .await
        .unwrap();

    // Six reads of the locked table at once; meanwhile, count the node's connections.
    let mut reads = JoinSet::new();
    for _ in 0..6 {
        let request = client
            .get(node.url("/public/api/v1/projects"))
            .bearer_auth(&key);
        reads.spawn(async move {
            let started = Instant::now();
            let response = request.send().await.expect("an answer, not a hang");
            let took = started.elapsed();
            let (status, body) = read(response).await;
            (status, body, took)
        });
    }
    let mut most_connections = 0;
    let mut answers = Vec::new();
    while !reads.is_empty() {
        most_connections = most_connections.max(backends(&mut locker).await);
        while let Some(done) = reads.try_join_next() {
            answers.push(done.expect("a read"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    locker.execute("rollback").await.unwrap();
    let (after, after_body) = node.projects(&client, &key).await;

    eprintln!("locked: at most {most_connections} connections from the node");
    assert!(
        most_connections <= 3,
        "a pool of 2 (and the change listener) opens at most 3 connections, saw {most_connections}"
    );
    for (status, body, took) in &answers {
        eprintln!(
            "locked: {status} in {} ms: {}",
            took.as_millis(),
            body["error"]["message"]
        );
        assert_error(
            *status,
            body,
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded_error",
            None,
        );
        assert!(
            *took < Duration::from_millis(2500),
            "no read waits much past the statement timeout: {took:?}"
        );
    }
    let took: Vec<Duration> = answers.iter().map(|a| a.2).collect();
    assert!(
        took.iter().any(|t| *t >= Duration::from_millis(1400)),
        "the reads holding the pool's connections hit the 1.5 s statement timeout: {took:?}"
    );
    assert!(
        took.iter().any(|t| *t < Duration::from_millis(1200)),
        "the reads left without a connection gave up after the 0.5 s connect timeout: {took:?}"
    );
    assert_eq!(after, StatusCode::OK, "once the lock is gone: {after_body}");
}

// Database URLs at start, and `halfpipe migrate`.

/// How a run of the binary to its end went.
struct Run {
    status: ExitStatus,
    took: Duration,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` on `database_url` until it exits (at most 20 s: a run still
/// going then is killed and fails the test).
async fn run_to_exit(database_url: &str, args: &[&str]) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_halfpipe"))
        .args(args)
        .env("HALFPIPE_DATABASE_URL", database_url)
        .env("HALFPIPE_LISTEN", "127.0.0.1:0")
        .env("HALFPIPE_DB_CONNECT_TIMEOUT_MS", "1000")
        .env_remove("HALFPIPE_LOG")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("halfpipe starts");
    let stdout = Captured::collect(child.stdout.take().unwrap());
    let stderr = Captured::collect(child.stderr.take().unwrap());
    let status = loop {
        if let Some(status) = child.try_wait().expect("the exit status") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "halfpipe {args:?} on {database_url} was still running after 20 s\nstderr:\n{}",
                stderr.text()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let took = started.elapsed();
    Run {
        status,
        took,
        stdout: stdout.all().await,
        stderr: stderr.all().await,
    }
}

const PASSWORD: &str = "s3cret-Pa55word";

#[tokio::test]
async fn serve_and_migrate_with_an_unusable_database_url_exit_with_one_clear_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing_dir = dir.path().join("no/such/directory/halfpipe.db");
    let mut cases = vec![
        (
            "an unreachable server",
            format!("postgres://nobody:{PASSWORD}@127.0.0.1:1/halfpipe"),
            "refused",
        ),
        (
            "an unsupported scheme",
            format!("mysql://root:{PASSWORD}@127.0.0.1/halfpipe"),
            "unsupported",
        ),
        (
            "a SQLite file in a missing directory",
            format!("sqlite://{}", missing_dir.display()),
            "unable to open",
        ),
    ];
    if let Ok(server) = std::env::var(POSTGRES_ENV)
        && !server.trim().is_empty()
    {
        let (_, host, _) = split_authority(server.trim());
        cases.push((
            "an unknown user",
            format!("postgres://nobody_here:{PASSWORD}@{host}/halfpipe"),
            "nobody_here",
        ));
        cases.push((
            "a missing database",
            format!("postgres://postgres:{PASSWORD}@{host}/no_such_database_here"),
            "no_such_database_here",
        ));
    }

    for (case, url, reason) in &cases {
        for command in ["serve", "migrate"] {
            let run = run_to_exit(url, &[command]).await;

            let case = format!("{command} with {case}");
            assert!(!run.status.success(), "{case}: exited with success");
            assert!(
                run.took < Duration::from_secs(10),
                "{case}: took {:?} to give up",
                run.took
            );
            let lines: Vec<&str> = run
                .stderr
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect();
            assert_eq!(
                lines.len(),
                1,
                "{case}: one line on stderr:\n{}",
                run.stderr
            );
            let line = lines[0];
            eprintln!("{case}: {line} ({} ms)", run.took.as_millis());
            assert!(line.starts_with("error: "), "{case}: {line}");
            assert!(
                line.to_lowercase().contains(&reason.to_lowercase()),
                "{case}: the line should say why ({reason:?}): {line}"
            );
            assert!(
                !run.stderr.contains(PASSWORD) && !run.stdout.contains(PASSWORD),
                "{case}: the password is printed: {line}"
            );
            assert_eq!(run.stdout, "", "{case}: nothing on stdout");
        }
    }
}

/// The versions of the migrations shipped for a backend.
fn shipped_migrations(backend: &str) -> BTreeSet<i64> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
            digits
                .parse()
                .unwrap_or_else(|_| panic!("no version in {name}"))
        })
        .collect()
}

/// Reads the database as it is, without migrating it: (applied migration versions, workspaces).
async fn inspect(database_url: &str) -> (BTreeSet<i64>, i64) {
    use sqlx::Connection;
    // The same two queries on either backend's own connection type.
    macro_rules! read {
        ($conn:ty) => {{
            let mut conn = <$conn>::connect(database_url)
                .await
                .expect("the database opens");
            let versions: Vec<i64> =
                sqlx::query_scalar("select version from _sqlx_migrations where success")
                    .fetch_all(&mut conn)
                    .await
                    .expect("the migrations table");
            let workspaces: i64 = sqlx::query_scalar("select count(*) from workspaces")
                .fetch_one(&mut conn)
                .await
                .expect("the workspaces table");
            let _ = conn.close().await;
            (versions.into_iter().collect(), workspaces)
        }};
    }
    if database_url.starts_with("sqlite:") {
        read!(sqlx::SqliteConnection)
    } else {
        read!(sqlx::PgConnection)
    }
}

#[tokio::test]
async fn migrate_applies_every_migration_and_exits_without_serving() {
    let db = TestDb::fresh().await;
    let backend = if db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };

    let first = run_to_exit(&db.url, &["migrate"]).await;
    let (applied, workspaces) = inspect(&db.url).await;
    let again = run_to_exit(&db.url, &["migrate"]).await;
    let workspace = create_workspace(&db.url).await;
    let keys = cli_json(&db.url, &["keys", "list", "--workspace", &workspace]).await;

    for (what, run) in [("first migrate", &first), ("second migrate", &again)] {
        assert!(
            run.status.success(),
            "{what}: {}\nstderr:\n{}",
            run.status,
            run.stderr
        );
        assert!(
            run.took < Duration::from_secs(10),
            "{what} took {:?}",
            run.took
        );
        assert_eq!(
            run.stdout, "",
            "{what}: nothing on stdout (no bootstrap key)"
        );
    }
    assert_eq!(
        applied,
        shipped_migrations(backend),
        "every migration applied"
    );
    assert_eq!(
        workspaces, 0,
        "migrate does not bootstrap: it does not serve"
    );
    assert_eq!(keys, json!([]), "the CLI works on the migrated database");
}
