//! The pool size, the statement timeout and the connect timeout bound what a node does with a
//! locked database. PostgreSQL only.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::task::JoinSet;

use super::{Node, client, create_key};
use crate::support::{POSTGRES_ENV, TestDb, assert_error, create_workspace, eventually, read};

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
#[ignore = "needs PostgreSQL: set HALFPIPE_TEST_POSTGRES_URL and pass --include-ignored"]
async fn the_pool_size_and_both_timeouts_bound_what_a_node_does_with_a_locked_database() {
    use sqlx::{Connection, Executor};
    let db = TestDb::fresh().await;
    assert!(
        db.is_postgres(),
        "statement timeouts and pg_stat_activity are PostgreSQL's: set {POSTGRES_ENV}"
    );
    let workspace = create_workspace(&db, "Acme").await;
    let (key, _) = create_key(&db, &workspace, "waits on a lock").await;
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
    eventually("every read has answered", Duration::from_secs(30))
        .every(Duration::from_millis(50))
        .until(async || {
            most_connections = most_connections.max(backends(&mut locker).await);
            while let Some(done) = reads.try_join_next() {
                answers.push(done.expect("a read"));
            }
            match reads.len() {
                0 => Ok(()),
                left => Err(format!("{left} still waiting")),
            }
        })
        .await;
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
