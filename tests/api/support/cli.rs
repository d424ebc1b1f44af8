//! The real `halfpipe` binary run as a command: [`halfpipe_cli`] with its output, and the
//! shortcuts most tests need ([`cli_json`], [`create_workspace`]).

use serde_json::Value;

use super::TestDb;

/// What one run of the real `halfpipe` binary printed, and how it ended.
pub struct CliOutput {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    /// The whole of stdout parsed as exactly one JSON value (a test failure otherwise).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not exactly one JSON value ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Panics with both streams unless the command succeeded.
    pub fn assert_success(&self, what: &str) -> &Self {
        assert!(
            self.status.success(),
            "{what}: exited with {}\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs the `halfpipe` binary with `args` against the database at `db_url`, off the async
/// workers so that a server in the same test keeps running meanwhile.
pub async fn halfpipe_cli(db_url: &str, args: &[&str]) -> CliOutput {
    run_halfpipe(db_url, args, None).await
}

/// Like [`halfpipe_cli`], with `input` written to the command's stdin (then closed).
pub async fn halfpipe_cli_with_stdin(db_url: &str, args: &[&str], input: &str) -> CliOutput {
    run_halfpipe(db_url, args, Some(input.to_string())).await
}

async fn run_halfpipe(db_url: &str, args: &[&str], input: Option<String>) -> CliOutput {
    use std::io::Write;
    use std::process::Stdio;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_halfpipe"));
    command
        .args(args)
        .env("HALFPIPE_DATABASE_URL", db_url)
        .env_remove("HALFPIPE_LOG")
        .current_dir(std::env::temp_dir())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn()?;
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(input.as_bytes())?;
        }
        child.wait_with_output()
    })
    .await
    .expect("the CLI task finishes")
    .expect("the halfpipe binary runs");
    CliOutput {
        status: output.status,
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs a command that must succeed with `--json` added; returns its one JSON value.
pub async fn cli_json(db: &TestDb, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    let what = args.join(" ");
    halfpipe_cli(&db.url, &args)
        .await
        .assert_success(&what)
        .json()
}

/// A workspace made through the CLI; returns its id.
pub async fn create_workspace(db: &TestDb, name: &str) -> String {
    let workspace = cli_json(db, &["workspaces", "create", "--name", name]).await;
    text(&workspace, "id")
}

/// The string `field` of `value` (a test failure if it is not one).
pub fn text(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {value}"))
        .to_string()
}

/// `members create … --password-stdin --json` with `password` on stdin.
pub async fn create_member_cli(
    db: &TestDb,
    workspace: &str,
    email: &str,
    role: &str,
    password: &str,
) -> CliOutput {
    halfpipe_cli_with_stdin(
        &db.url,
        &[
            "members",
            "create",
            "--workspace",
            workspace,
            "--email",
            email,
            "--role",
            role,
            "--password-stdin",
            "--json",
        ],
        password,
    )
    .await
}
