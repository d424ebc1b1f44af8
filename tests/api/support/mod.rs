//! What every integration test stands on, the way `rust-lang/crates.io` hands its tests a
//! `TestApp` with users and tokens:
//!
//! - [`app`]: the real server on port 0 over a fresh database ([`TestApp`], [`TestDb`]);
//! - [`actors`]: workspaces, keys, projects, members, sessions and a whole [`Team`];
//! - [`http`]: requests to the public and management APIs, and the error-body assertions;
//! - [`cli`]: the `halfpipe` binary as a command; [`serve`]: `halfpipe serve` as a process;
//! - [`eventually`]: the one way to wait for something that happens in the background.
//!
//! `tests/browser` includes this module too, and uses only part of it.

mod actors;
mod app;
mod cli;
mod eventually;
mod fixtures;
mod http;
mod serve;

pub use actors::{PASSWORD, Session, Team, fresh_email};
pub use app::{POSTGRES_ENV, TestApp, TestDb, analysis_config, test_config};
pub use cli::{
    CliOutput, cli_json, create_member_cli, create_workspace, halfpipe_cli,
    halfpipe_cli_with_stdin, text,
};
pub use eventually::{Waited, eventually};
pub use fixtures::example_transcript;
pub use http::{
    As, assert_error, assert_invalid, assert_outcome, assert_timestamp, call, cookie_attributes,
    cookie_pair, header, percent_encode, post_login, query_string, read, request, send,
    session_set_cookie,
};
pub use serve::ServeProcess;

// The library, as the tests name it. Every `halfpipe::` path of the test suites is here, so
// that when a module moves inside `src/` the tests are mended in this one place.
pub use halfpipe::analysis::worker::{Settings as WorkerSettings, Worker};
pub use halfpipe::analysis::{VERSION as ANALYZER_VERSION, analyze};
pub use halfpipe::app::flush_last_used;
pub use halfpipe::auth::session::SecretToken;
pub use halfpipe::auth::{KeyKind, LEGACY_PREFIX, PREFIX, check_format, generate, hint};
pub use halfpipe::config::{ServerConfig, Switch};
pub use halfpipe::model::{
    KeyHash, KeyId, Member, MemberRole, NewApiKey, PermissionSet, ProjectId, Timestamp,
    TranscriptId, WorkspaceId,
};
pub use halfpipe::service::keys::{KeyRequest, LegacySecret, ValidKeyRequest, import_legacy_key};
pub use halfpipe::store::{Actor, AnalysisResult, KeyAction};

use halfpipe::app::serve as serve_app;
use halfpipe::auth::session::hash_password;
use halfpipe::config::DatabaseConfig;
use halfpipe::model::Clock;
use halfpipe::service::keys::create_key;
use halfpipe::state::AppState;
use halfpipe::store::{Store, connect as connect_store};
