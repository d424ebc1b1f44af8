//! The real server spawned on port 0 over a fresh database: [`TestDb`] (SQLite, or PostgreSQL
//! when `HALFPIPE_TEST_POSTGRES_URL` is set), [`TestApp`] and the test configuration.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{
    AppState, Clock, DatabaseConfig, ServerConfig, Store, Switch, connect_store, serve_app,
};

/// A fresh database for one test: a SQLite file in a temporary directory, or, when
/// `HALFPIPE_TEST_POSTGRES_URL` names a PostgreSQL server, a new database there that is
/// dropped when the test ends.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// (server URL to connect to for dropping, database name)
    postgres: Option<(String, String)>,
}

/// The environment variable that points the suite at PostgreSQL.
pub const POSTGRES_ENV: &str = "HALFPIPE_TEST_POSTGRES_URL";

impl TestDb {
    pub async fn fresh() -> Self {
        match std::env::var(POSTGRES_ENV) {
            Ok(server) if !server.trim().is_empty() => Self::fresh_postgres(server.trim()).await,
            _ => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("halfpipe.db").display());
                Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
        }
    }

    async fn fresh_postgres(server: &str) -> Self {
        use sqlx::{Connection, Executor};
        let name = format!("halfpipe_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(server)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={server} does not connect: {e}"));
        conn.execute(sqlx::AssertSqlSafe(format!("create database {name}")))
            .await
            .expect("create the test database");
        let _ = conn.close().await;
        Self {
            url: with_database(server, &name),
            _dir: None,
            postgres: Some((server.to_string(), name)),
        }
    }

    /// The same database under a second name that does not drop it: for another node.
    pub fn alias(&self) -> Self {
        Self {
            url: self.url.clone(),
            _dir: None,
            postgres: None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// A store on this database, as the server opens it.
    pub async fn store(&self) -> Arc<dyn Store> {
        connect_store(&DatabaseConfig::new(&self.url))
            .await
            .expect("the database opens")
    }
}

/// `server` (a PostgreSQL URL) with its database name replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server, String::new()),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime; a thread with its own runtime can block on it.
        let dropped = std::thread::spawn(move || {
            use sqlx::{Connection, Executor};
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&server).await?;
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "drop database if exists {name} with (force)"
                )))
                .await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database: {dropped:?}");
        }
    }
}

/// A running server.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// Test defaults: no rate limit, fast change polling and last-used flushes, and no analysis
/// worker (tests that set annotations themselves need them to stay; the analysis tests switch
/// it on with [`analysis_config`]).
pub fn test_config() -> ServerConfig {
    ServerConfig {
        listen: "127.0.0.1:0".into(),
        rate_limit_per_minute: 0,
        last_used_flush_ms: 100,
        key_poll_ms: 50,
        analysis: Switch::Off,
        ..ServerConfig::default()
    }
}

/// The test defaults with the analysis worker on, polling fast and retrying after 20 ms.
pub fn analysis_config() -> ServerConfig {
    ServerConfig {
        analysis: Switch::On,
        analysis_poll_ms: 20,
        analysis_retry_ms: 20,
        ..test_config()
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(test_config()).await
    }

    pub async fn spawn_with(config: ServerConfig) -> Self {
        let db = TestDb::fresh().await;
        Self::spawn_on(db, config).await
    }

    /// Starts a server on an existing database.
    pub async fn spawn_on(db: TestDb, config: ServerConfig) -> Self {
        let store = db.store().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = format!("http://{}", listener.local_addr().unwrap());
        // An adjustable clock: expiry tests move it forward instead of waiting.
        let state = AppState::with_clock(Arc::clone(&store), config, Clock::adjustable());
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(serve_app(listener, state.clone(), async {
            let _ = rx.await;
        }));
        Self {
            address,
            client: reqwest::Client::new(),
            store,
            state,
            db,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// Another node on this app's database, with `config`; stop it before this one.
    pub async fn beside(&self, config: ServerConfig) -> Self {
        Self::spawn_on(self.db.alias(), config).await
    }

    /// Moves the server's clock forward by `by`: sessions, invitations and keys expire by it.
    pub fn advance_clock(&self, by: time::Duration) {
        self.state.clock.advance(by);
    }

    /// Graceful shutdown: in-flight requests finish, last-used times are flushed.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
    }
}
