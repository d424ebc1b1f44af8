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
//!
//! Shared here: the `halfpipe serve` nodes, the CLI calls the tests arrange with, and the
//! measuring of a change's propagation.

mod bootstrap;
mod keys;
mod last_used;
mod outage;
mod pool;
mod startup;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{TestDb, Timestamp, cli_json, eventually, read, text};

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
        eventually("the stream has ended", Duration::from_secs(5))
            .every(Duration::from_millis(5))
            .until(async || match self.ended.load(Ordering::SeqCst) {
                true => Ok(()),
                false => Err("still open"),
            })
            .await;
        self.text()
    }

    /// Polls until the text so far contains `needle` (at most 10 s); whether it did.
    async fn shows(&self, needle: &str) -> bool {
        eventually(
            format!("the stream shows {needle:?}"),
            Duration::from_secs(10),
        )
        .every(Duration::from_millis(5))
        .outcome(async || self.text().contains(needle).then_some(()).ok_or(()))
        .await
        .is_ok()
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
        let what = format!("{} is healthy", self.name);
        eventually(what, Duration::from_secs(30))
            .until(async || {
                assert!(
                    self.is_running(),
                    "{} exited while starting: {:?}\nstderr:\n{}",
                    self.name,
                    self.child.try_wait(),
                    self.stderr.text()
                );
                let answer = client.get(self.url("/healthz")).send().await;
                match answer.is_ok_and(|r| r.status() == StatusCode::OK) {
                    true => Ok(()),
                    false => Err(format!("no 200 yet\nstderr:\n{}", self.stderr.text())),
                }
            })
            .await;
    }

    /// Sends SIGTERM and waits (at most 10 s) for the process to exit.
    async fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM was sent to {}", self.name);
        let what = format!("{} exits after SIGTERM", self.name);
        eventually(what, Duration::from_secs(10))
            .until(async || {
                let exited = self.child.try_wait().expect("the exit status");
                exited.ok_or_else(|| format!("still running\nstderr:\n{}", self.stderr.text()))
            })
            .await
            .value
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

/// A full-access key made through the CLI; returns (plaintext, id).
async fn create_key(db: &TestDb, workspace: &str, name: &str) -> (String, String) {
    let created = cli_json(
        db,
        &["keys", "create", "--workspace", workspace, "--name", name],
    )
    .await;
    (text(&created, "key"), text(&created, "id"))
}

/// The stored `last_used_at` of a key, as `keys list --json` shows it.
async fn last_used_at(db: &TestDb, workspace: &str, id: &str) -> Option<Timestamp> {
    let listed = cli_json(db, &["keys", "list", "--workspace", workspace]).await;
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
    db: &TestDb,
    workspace: &str,
    id: &str,
    at_least: Timestamp,
) -> Vec<Option<Timestamp>> {
    let mut seen = Vec::new();
    eventually(
        format!("last_used_at reaches {at_least}"),
        Duration::from_secs(10),
    )
    .until(async || {
        let now = last_used_at(db, workspace, id).await;
        if seen.last() != Some(&now) {
            seen.push(now);
        }
        match now.is_some_and(|t| t >= at_least) {
            true => Ok(()),
            false => Err(format!("saw {seen:?}")),
        }
    })
    .await;
    seen
}

/// Waits until the wall clock has moved past `t` at millisecond precision, so that a use
/// after this is strictly newer than one at `t`.
async fn clock_past(t: Timestamp) {
    eventually(format!("the clock is past {t}"), Duration::from_secs(5))
        .every(Duration::from_millis(1))
        .until(async || match Timestamp::now() {
            now if now > t => Ok(()),
            now => Err(now),
        })
        .await;
}

// A change reaching the nodes, measured.

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
    let mut seen: Vec<Propagation> = nodes
        .iter()
        .map(|node| Propagation {
            node: node.name,
            after: None,
            status: StatusCode::IM_A_TEAPOT,
            body: Value::Null,
        })
        .collect();
    let left = Duration::from_secs(5).saturating_sub(since.elapsed());
    // Past the deadline `seen` tells which node never agreed; the caller asserts on it.
    let _ = eventually(format!("every node answers {expected}"), left)
        .every(Duration::from_millis(5))
        .outcome(async || {
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
            match seen.iter().all(|p| p.after.is_some()) {
                true => Ok(()),
                false => Err(()),
            }
        })
        .await;
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
