//! What `serve` and `migrate` do with a database URL: one clear error line for an unusable one,
//! and `migrate` applying every migration without serving.

use std::collections::BTreeSet;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::{Captured, split_authority};
use crate::support::{POSTGRES_ENV, TestDb, Waited, cli_json, create_workspace, eventually};

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
    let exited = eventually("halfpipe exits", Duration::from_secs(20))
        .every(Duration::from_millis(10))
        .outcome(async || child.try_wait().expect("the exit status").ok_or(()))
        .await;
    let Ok(Waited { value: status, .. }) = exited else {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "halfpipe {args:?} on {database_url} was still running after 20 s\nstderr:\n{}",
            stderr.text()
        );
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
    let workspace = create_workspace(&db, "Acme").await;
    let keys = cli_json(&db, &["keys", "list", "--workspace", &workspace]).await;

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
