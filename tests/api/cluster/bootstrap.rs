//! Nodes started together on an empty database bootstrap one workspace and print one key.

use reqwest::StatusCode;

use super::{client, start_nodes};
use crate::support::{PREFIX, TestDb, cli_json};

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

    let workspaces = cli_json(&db, &["workspaces", "list"]).await;
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
