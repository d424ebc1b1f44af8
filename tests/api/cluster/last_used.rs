//! Last-used times flushed from several nodes only move forward.

use reqwest::StatusCode;

use super::{Node, client, clock_past, create_key, last_used_at, start_nodes, wait_for_last_used};
use crate::support::{TestDb, Timestamp, create_workspace};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_used_flushes_from_two_nodes_only_move_the_time_forward() {
    let db = TestDb::fresh().await;
    let workspace = create_workspace(&db, "Acme").await;
    let (key, id) = create_key(&db, &workspace, "used everywhere").await;
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
        observed.extend(wait_for_last_used(&db, &workspace, &id, before).await);
    }
    let settled = last_used_at(&db, &workspace, &id).await;

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
    let workspace = create_workspace(&db, "Acme").await;
    let (shared, shared_id) = create_key(&db, &workspace, "used on both nodes").await;
    let (only_a, only_a_id) = create_key(&db, &workspace, "used on node A only").await;
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
    wait_for_last_used(&db, &workspace, &shared_id, before_b).await;
    let flushed_by_b = last_used_at(&db, &workspace, &shared_id).await;

    let stopped = a.terminate().await;

    assert!(stopped.success(), "node A exits cleanly: {stopped}");
    let after_a_stopped = last_used_at(&db, &workspace, &shared_id).await;
    let only_a_used = last_used_at(&db, &workspace, &only_a_id).await;
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
