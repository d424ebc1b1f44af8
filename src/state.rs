//! The application state: what every handler and background task can reach.

use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::analysis::worker::Queue;
use crate::auth::Authenticator;
use crate::auth::password::PasswordWorkers;
use crate::auth::ratelimit::RateLimiter;
use crate::auth::session::LoginThrottle;
use crate::config::ServerConfig;
use crate::model::Clock;
use crate::service::members::{SessionTerms, SignInGate};
use crate::store::{Store, StoreError};

/// Everything a handler can reach: cheap to clone (one reference count), as every extractor
/// that needs the state clones it.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] shares.
pub struct Shared {
    pub store: Arc<dyn Store>,
    pub auth: Arc<Authenticator>,
    pub rate_limiter: Arc<RateLimiter>,
    pub config: Arc<ServerConfig>,
    pub metrics: PrometheusHandle,
    pub login_throttle: Arc<LoginThrottle>,
    /// The bounded set of threads every password hash and check runs on.
    pub passwords: Arc<PasswordWorkers>,
    /// Where "now" comes from: the system time, or in tests one that can be moved forward.
    pub clock: Clock,
    /// This node's handle on the analysis queue.
    pub analysis: Arc<Queue>,
    jwt_secret: tokio::sync::OnceCell<Vec<u8>>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: ServerConfig) -> Self {
        Self::with_clock(store, config, Clock::system())
    }

    /// The state with its own clock (tests move an adjustable one forward to reach expiries).
    pub fn with_clock(store: Arc<dyn Store>, config: ServerConfig, clock: Clock) -> Self {
        let login_throttle = LoginThrottle::new(config.sign_ins_per_address_per_minute);
        let passwords = match config.password_threads {
            0 => PasswordWorkers::per_core(config.sign_in_wait()),
            n => PasswordWorkers::new(n, config.sign_in_wait()),
        };
        Self(Arc::new(Shared {
            auth: Arc::new(Authenticator::with_clock(Arc::clone(&store), clock.clone())),
            rate_limiter: Arc::new(RateLimiter::new(config.rate_limit_per_minute)),
            store,
            config: Arc::new(config),
            metrics: metrics_handle(),
            login_throttle: Arc::new(login_throttle),
            passwords: Arc::new(passwords),
            clock,
            analysis: Arc::new(Queue::new()),
            jwt_secret: tokio::sync::OnceCell::new(),
        }))
    }

    /// When a dashboard session opened now ends.
    pub fn session_terms(&self) -> SessionTerms {
        SessionTerms {
            now: self.clock.now(),
            ttl: time::Duration::seconds(self.config.session_ttl_secs as i64),
        }
    }

    /// What guards a sign-in from `peer`: the throttles and the password threads.
    pub fn sign_in_gate(&self, peer: std::net::IpAddr) -> SignInGate<'_> {
        SignInGate {
            throttle: &self.login_throttle,
            passwords: &self.passwords,
            peer,
        }
    }

    /// The key that signs management JWTs: random, made once and shared by every node through
    /// the database.
    pub async fn jwt_secret(&self) -> Result<&[u8], StoreError> {
        let secret = self
            .jwt_secret
            .get_or_try_init(|| async {
                let mut fresh = [0u8; 32];
                getrandom::fill(&mut fresh).expect("the OS random number generator is available");
                let stored = self
                    .store
                    .setting_or_init("jwt_secret", &hex::encode(fresh))
                    .await?;
                hex::decode(&stored).map_err(|_| StoreError::corrupt("jwt_secret", "not hex"))
            })
            .await?;
        Ok(secret)
    }
}

/// The process-wide Prometheus recorder (a process can install only one).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Suffix("duration_seconds".into()),
                    &[
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                        5.0,
                    ],
                )
                .expect("buckets are not empty")
                .install_recorder()
                .expect("the metrics recorder is installed once")
        })
        .clone()
}
