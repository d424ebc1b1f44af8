//! Configuration: one struct from flags and `HALFPIPE_*` environment variables, validated once.

use std::fmt;
use std::time::Duration;

use clap::Args;

/// Where the data lives; shared by every subcommand.
#[derive(Clone, Args)]
pub struct DatabaseConfig {
    /// Database URL: sqlite://path (created if missing) or postgres://…
    #[arg(
        long,
        env = "HALFPIPE_DATABASE_URL",
        default_value = "sqlite://halfpipe.db",
        global = true
    )]
    pub database_url: String,

    /// Most connections to the database per node.
    #[arg(
        long,
        env = "HALFPIPE_DB_POOL_SIZE",
        default_value_t = 10,
        global = true
    )]
    pub pool_size: u32,

    /// How long one SQL statement may run on PostgreSQL, in milliseconds.
    #[arg(
        long,
        env = "HALFPIPE_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub statement_timeout_ms: u64,

    /// How long to wait for a database connection, in milliseconds, before answering 503.
    #[arg(
        long,
        env = "HALFPIPE_DB_CONNECT_TIMEOUT_MS",
        default_value_t = 3_000,
        global = true
    )]
    pub connect_timeout_ms: u64,
}

impl DatabaseConfig {
    /// The defaults, at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            database_url: url.into(),
            pool_size: 10,
            statement_timeout_ms: 30_000,
            connect_timeout_ms: 3_000,
        }
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms.max(1))
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("database_url", &redact_url(&self.database_url))
            .field("pool_size", &self.pool_size)
            .field("statement_timeout_ms", &self.statement_timeout_ms)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .finish()
    }
}

/// Settings of `halfpipe serve`.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// Address to listen on.
    #[arg(long, env = "HALFPIPE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Requests per minute allowed per API key; 0 disables rate limiting.
    #[arg(long, env = "HALFPIPE_RATE_LIMIT_PER_MINUTE", default_value_t = 6000)]
    pub rate_limit_per_minute: u32,

    /// Largest request body accepted, in bytes (default 64 MiB).
    #[arg(long, env = "HALFPIPE_MAX_BODY_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// How often coalesced last-used times are written to the database, in milliseconds.
    #[arg(long, env = "HALFPIPE_LAST_USED_FLUSH_MS", default_value_t = 2000)]
    pub last_used_flush_ms: u64,

    /// How often each node checks the database for key changes made elsewhere, in milliseconds.
    #[arg(long, env = "HALFPIPE_KEY_POLL_MS", default_value_t = 200)]
    pub key_poll_ms: u64,

    /// How long a dashboard session lasts, in seconds (default 7 days).
    #[arg(long, env = "HALFPIPE_SESSION_TTL_SECS", default_value_t = 7 * 24 * 3600)]
    pub session_ttl_secs: u64,

    /// Email of the owner account created on an empty database.
    #[arg(
        long,
        env = "HALFPIPE_BOOTSTRAP_EMAIL",
        default_value = "owner@halfpipe.local"
    )]
    pub bootstrap_email: String,

    /// Mark the session cookie `Secure` (set this when the dashboard is served over HTTPS).
    #[arg(long, env = "HALFPIPE_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Threads that hash and check passwords (each keeps one 19 MiB argon2 buffer); 0: one per
    /// core.
    #[arg(long, env = "HALFPIPE_PASSWORD_THREADS", default_value_t = 0)]
    pub password_threads: usize,

    /// How long a sign-in waits for a free password thread before a 503, in milliseconds.
    #[arg(long, env = "HALFPIPE_SIGN_IN_WAIT_MS", default_value_t = 2000)]
    pub sign_in_wait_ms: u64,

    /// Sign-in attempts allowed per minute from one network address (IPv6: per /64); 0: no limit.
    #[arg(
        long,
        env = "HALFPIPE_SIGN_INS_PER_ADDRESS_PER_MINUTE",
        default_value_t = 30
    )]
    pub sign_ins_per_address_per_minute: u32,

    /// Most client connections open at once; more wait to be accepted.
    #[arg(long, env = "HALFPIPE_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// How long a client may take to send a request's line and headers, in milliseconds.
    #[arg(long, env = "HALFPIPE_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_timeout_ms: u64,

    /// How long a client may take to send a request's body, from the end of its headers, in
    /// milliseconds.
    #[arg(long, env = "HALFPIPE_BODY_TIMEOUT_MS", default_value_t = 60_000)]
    pub body_timeout_ms: u64,

    /// How long a keep-alive connection may sit idle between requests, in milliseconds.
    #[arg(long, env = "HALFPIPE_IDLE_TIMEOUT_MS", default_value_t = 75_000)]
    pub idle_timeout_ms: u64,

    /// Largest request line and headers together, in bytes (431 past it).
    #[arg(long, env = "HALFPIPE_MAX_HEADER_BYTES", default_value_t = 32 * 1024)]
    pub max_header_bytes: usize,

    /// Most header fields in one request (431 past it).
    #[arg(long, env = "HALFPIPE_MAX_HEADERS", default_value_t = 100)]
    pub max_headers: usize,

    /// Longest request target (path and query), in bytes (414 past it).
    #[arg(long, env = "HALFPIPE_MAX_URI_BYTES", default_value_t = 8 * 1024)]
    pub max_uri_bytes: usize,

    /// The analysis worker of this node: `on`, or `off` (uploads are still queued for
    /// analysis, and wait for a node that has it on).
    #[arg(long, env = "HALFPIPE_ANALYSIS", value_enum, default_value_t = Switch::On)]
    pub analysis: Switch,

    /// How often the analysis worker looks for work queued by other nodes, in milliseconds.
    #[arg(long, env = "HALFPIPE_ANALYSIS_POLL_MS", default_value_t = 250)]
    pub analysis_poll_ms: u64,

    /// The wait before a failed analysis is retried, in milliseconds; each further retry
    /// waits twice as long, and after 5 attempts the job is kept as failed.
    #[arg(long, env = "HALFPIPE_ANALYSIS_RETRY_MS", default_value_t = 1000)]
    pub analysis_retry_ms: u64,
}

/// A feature switched on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    On,
    Off,
}

impl ServerConfig {
    pub fn last_used_flush(&self) -> Duration {
        Duration::from_millis(self.last_used_flush_ms.max(10))
    }

    pub fn key_poll(&self) -> Duration {
        Duration::from_millis(self.key_poll_ms.clamp(10, 1000))
    }

    pub fn sign_in_wait(&self) -> Duration {
        Duration::from_millis(self.sign_in_wait_ms)
    }

    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms.max(1))
    }

    pub fn body_timeout(&self) -> Duration {
        Duration::from_millis(self.body_timeout_ms.max(1))
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms.max(1))
    }

    pub fn analysis_poll(&self) -> Duration {
        Duration::from_millis(self.analysis_poll_ms.clamp(10, 60_000))
    }

    pub fn analysis_retry(&self) -> Duration {
        Duration::from_millis(self.analysis_retry_ms.max(1))
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            rate_limit_per_minute: 6000,
            max_body_bytes: 64 * 1024 * 1024,
            last_used_flush_ms: 2000,
            key_poll_ms: 200,
            session_ttl_secs: 7 * 24 * 3600,
            bootstrap_email: "owner@halfpipe.local".into(),
            secure_cookies: false,
            password_threads: 0,
            sign_in_wait_ms: 2000,
            sign_ins_per_address_per_minute: 30,
            max_connections: 1024,
            header_timeout_ms: 10_000,
            body_timeout_ms: 60_000,
            idle_timeout_ms: 75_000,
            max_header_bytes: 32 * 1024,
            max_headers: 100,
            max_uri_bytes: 8 * 1024,
            analysis: Switch::On,
            analysis_poll_ms: 250,
            analysis_retry_ms: 1000,
        }
    }
}

/// A database URL with any password replaced, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
