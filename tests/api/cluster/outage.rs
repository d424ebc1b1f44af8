//! A node rides out its database going away (cut off, or silent): it answers 503 in time,
//! logs each outage once, and comes back by itself. PostgreSQL only: a proxy stands between the
//! database server and the node.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{
    Node, assert_within_one_second, client, create_key, propagation, split_authority,
    wait_for_last_used,
};
use crate::support::{
    POSTGRES_ENV, TestDb, Timestamp, assert_error, create_workspace, eventually, generate,
    halfpipe_cli, read,
};

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
    async fn arrange() -> Self {
        let db = TestDb::fresh().await;
        assert!(
            db.is_postgres(),
            "an outage needs a database server to cut off: set {POSTGRES_ENV}"
        );
        let workspace = create_workspace(&db, "Acme").await;
        let (key, key_id) = create_key(&db, &workspace, "used through the outage").await;
        let (revoked, revoked_id) = create_key(&db, &workspace, "revoked meanwhile").await;
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
        Self {
            db,
            workspace,
            key,
            key_id,
            revoked,
            revoked_id,
            proxy,
            node,
            client,
        }
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
        eventually("the node has recovered", Duration::from_secs(15))
            .until(async || {
                let answer = self.client.get(self.node.url("/readyz")).send().await;
                match answer.is_ok_and(|r| r.status() == StatusCode::OK) {
                    true => Ok(()),
                    false => Err(format!("not ready\nstderr:\n{}", self.node.stderr.text())),
                }
            })
            .await
            .after
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
        let what = format!("the log shows {text:?} {times} times");
        eventually(what, Duration::from_secs(5))
            .outcome(async || match self.stderr.text().matches(text).count() {
                seen if seen >= times => Ok(()),
                seen => Err(seen),
            })
            .await
            .is_ok()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set HALFPIPE_TEST_POSTGRES_URL and pass --include-ignored"]
async fn a_node_answers_503_while_its_database_is_gone_and_recovers_by_itself() {
    let mut outage = Outage::arrange().await;

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
    let last_used = wait_for_last_used(&outage.db, &outage.workspace, &outage.key_id, cut_at).await;
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
    let unavailable = outage_log
        .lines()
        .filter(|l| l.contains(" WARN ") && l.contains("service unavailable"))
        .count();
    assert_eq!(
        unavailable, 1,
        "every request failed in the outage, and it is logged once:\n{outage_log}"
    );
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
#[ignore = "needs PostgreSQL: set HALFPIPE_TEST_POSTGRES_URL and pass --include-ignored"]
async fn every_outage_is_logged_once_not_only_the_first() {
    let outage = Outage::arrange().await;

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
#[ignore = "needs PostgreSQL: set HALFPIPE_TEST_POSTGRES_URL and pass --include-ignored"]
async fn a_node_whose_database_stops_answering_answers_503_instead_of_hanging() {
    let mut outage = Outage::arrange().await;

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
