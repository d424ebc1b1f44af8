//! The README's walkthrough runs as it stands: its shell block, pasted after the `export` line
//! that the first start prints, creates a project, uploads, searches and reads back.

use crate::support::TestApp;

/// The first ```sh block after the "## Walkthrough" heading of the README.
fn walkthrough() -> String {
    let readme = include_str!("../../README.md");
    let section = readme
        .split_once("## Walkthrough")
        .expect("the README has a walkthrough")
        .1;
    let block = section
        .split_once("```sh\n")
        .expect("the walkthrough has a shell block")
        .1;
    block
        .split_once("\n```")
        .expect("the shell block ends")
        .0
        .to_string()
}

#[tokio::test]
async fn the_readme_walkthrough_runs_top_to_bottom_as_a_script() {
    let app = TestApp::spawn().await;
    let (_, key) = app.tenant().await;
    let script = walkthrough();

    let mut bash = std::process::Command::new("bash");
    bash.args(["-euo", "pipefail", "-c", &script])
        .env("HALFPIPE_URL", &app.address)
        .env("HALFPIPE_API_KEY", &key);
    // Off the async workers: the server runs on this test's runtime.
    let output = tokio::task::spawn_blocking(move || bash.output())
        .await
        .expect("the script task finishes")
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert!(
        output.status.success(),
        "the walkthrough failed ({}):\n{script}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let line = |prefix: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line:\n{stdout}"))
            .to_string()
    };
    let project = line("project ");
    let transcript = line("transcript ");
    assert!(project.starts_with("hp-"), "a project id: {project:?}");
    assert_eq!(transcript.len(), 36, "a transcript id: {transcript:?}");
    assert!(
        stdout.contains(r#""total":1"#),
        "the search finds the upload:\n{stdout}"
    );
    assert!(
        stdout.contains("I found the duplicate charge and refunded it."),
        "the transcript comes back with its turns:\n{stdout}"
    );
}
