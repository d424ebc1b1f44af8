//! The application: the router with its middleware stack, background tasks, and `serve` with
//! graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::header::ACCEPT;
use axum::http::{HeaderMap, HeaderName, Method, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::{CsrfLayer, ProtectionError};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

mod guard;
mod listen;

use crate::analysis::worker::{self, Worker};
use crate::api;
use crate::config::Switch;
use crate::dashboard;
use crate::error::ApiError;
use crate::http::RequestStart;
use crate::manage;
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .nest("/public/api/v1", api::public_router(state.clone()))
        .merge(api::service::router())
        .merge(signed_in_router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // The whole stack as one layer, outermost first: each `Router::layer` call boxes the
        // service once more, and every request then pays a clone and an allocation per box.
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request| {
                            let path = request
                                .extensions()
                                .get::<MatchedPath>()
                                .map_or("<unmatched>", MatchedPath::as_str);
                            let request_id = request
                                .headers()
                                .get(&REQUEST_ID)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default();
                            tracing::info_span!(
                                "request",
                                method = %request.method(),
                                path,
                                request_id
                            )
                        })
                        // Failures are logged once, by `ApiError`, with their cause.
                        .on_failure(()),
                )
                .layer(middleware::from_fn(track))
                .layer(CatchPanicLayer::custom(
                    |_: Box<dyn std::any::Any + Send>| {
                        ApiError::Internal("handler panicked".into()).into_response()
                    },
                ))
                .layer(DefaultBodyLimit::max(max_body)),
        )
        .with_state(state)
}

/// The management API and the dashboard's pages: what members reach with their session.
fn signed_in_router() -> Router<AppState> {
    Router::new()
        .nest("/api/v1", manage::router())
        .merge(dashboard::router())
        .layer(
            // State-changing requests must come from this origin (Sec-Fetch-Site / Origin);
            // scripts without those headers use a JWT, which a browser never sends by itself.
            // This covers the pages' own posts (sign-in, sign-out) as well.
            CsrfLayer::new().with_rejection_response(|error: ProtectionError| {
                ApiError::Permission(format!(
                    "cross-site request refused ({error}): send state-changing requests from \
                     the dashboard's own origin"
                ))
                .into_response()
            }),
        )
}

/// An address nothing serves: the dashboard's 404 page for a browser (one that accepts HTML,
/// outside the two APIs), the JSON error for everyone else.
async fn not_found(headers: HeaderMap, uri: Uri) -> Response {
    let api = uri.path().starts_with("/public/api/") || uri.path().starts_with("/api/");
    if !api && accepts_html(&headers) {
        return dashboard::pages::not_found_page().await;
    }
    ApiError::NotFound("no such endpoint: see /public/api/v1/openapi.json".into()).into_response()
}

/// Whether the `Accept` header names HTML, as a browser's navigation does.
fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            let essence = media.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case("text/html")
                || essence.eq_ignore_ascii_case("application/xhtml+xml")
        })
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Stamps the arrival time and records request metrics.
async fn track(mut request: Request, next: Next) -> Response {
    let start = Instant::now();
    request.extensions_mut().insert(RequestStart(start));
    // Extension methods share one label, so clients cannot grow the metrics without bound.
    let method = match *request.method() {
        Method::GET
        | Method::POST
        | Method::PUT
        | Method::PATCH
        | Method::DELETE
        | Method::HEAD
        | Method::OPTIONS => request.method().clone(),
        _ => Method::from_bytes(b"OTHER").expect("a valid method token"),
    };
    let path = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let path = path.as_ref().map_or("<unmatched>", MatchedPath::as_str);
    let (requests, duration) = request_metrics(&method, path, response.status().as_u16());
    requests.increment(1);
    duration.record(start.elapsed().as_secs_f64());
    response
}

type RouteMetrics = HashMap<(Method, u16), (metrics::Counter, metrics::Histogram)>;

/// The metric handles of one (method, route, status), registered on first use: a request then
/// builds no label strings and does no registry lookup.
fn request_metrics(
    method: &Method,
    path: &str,
    status: u16,
) -> (metrics::Counter, metrics::Histogram) {
    static HANDLES: LazyLock<RwLock<HashMap<Box<str>, RouteMetrics>>> =
        LazyLock::new(RwLock::default);
    let key = (method.clone(), status);
    if let Some(found) = HANDLES
        .read()
        .expect("metrics lock")
        .get(path)
        .and_then(|route| route.get(&key))
    {
        return found.clone();
    }
    let labels = [
        ("method", method.to_string()),
        ("path", path.to_string()),
        ("status", status.to_string()),
    ];
    let handles = (
        metrics::counter!("halfpipe_http_requests_total", &labels),
        metrics::histogram!("halfpipe_http_request_duration_seconds", &labels[..2]),
    );
    HANDLES
        .write()
        .expect("metrics lock")
        .entry(path.into())
        .or_default()
        .insert(key, handles.clone());
    handles
}

/// How far back each poll re-reads the change log. On PostgreSQL a change can commit after
/// one with a higher sequence number; re-reading a window (and skipping what was already
/// applied) catches it.
const CHANGE_WINDOW: i64 = 100;

/// Drops cached keys that changed in the database (through the CLI, another node, or this
/// one): polls the change log every `interval`, and at once when the store announces a change.
pub async fn watch_key_changes(state: AppState, interval: Duration) {
    let wake = Arc::new(Notify::new());
    let _listener = state
        .store
        .listen_for_key_changes(Arc::clone(&wake))
        .map(AbortOnDrop);
    let mut applied = std::collections::BTreeSet::new();
    let mut newest: Option<i64> = None;
    let mut failing = false;
    loop {
        let polled = match newest {
            None => state.store.latest_key_change().await.map(|seq| {
                // Anything cached before we knew where the log stood may be stale.
                state.auth.cache().clear();
                newest = Some(seq);
            }),
            Some(seq) => state
                .store
                .key_changes_since(seq - CHANGE_WINDOW)
                .await
                .map(|changes| {
                    let fresh: Vec<_> = changes
                        .into_iter()
                        .filter(|c| applied.insert(c.seq))
                        .collect();
                    if !fresh.is_empty() {
                        state.auth.cache().invalidate(fresh.iter().map(|c| c.hash));
                    }
                    let top = applied.last().copied().unwrap_or(seq).max(seq);
                    applied = applied.split_off(&(top - CHANGE_WINDOW));
                    newest = Some(top);
                }),
        };
        match polled {
            Err(e) if !failing => {
                tracing::warn!(error = %e, "cannot read key changes; retrying");
                failing = true;
            }
            Ok(()) if failing => {
                tracing::info!("reading key changes again");
                failing = false;
            }
            _ => {}
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {},
            () = wake.notified() => {},
        }
    }
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Writes coalesced last-used times every `interval`, until `stop` is notified; a flush under
/// way when it is completes first, so no batch is lost at shutdown. Also prunes what the
/// database keeps only for a while, once an hour.
pub async fn flush_last_used_every(state: AppState, interval: Duration, stop: Arc<Notify>) {
    let mut last_prune = Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {},
            () = stop.notified() => return,
        }
        flush_last_used(&state).await;
        state.rate_limiter.prune();
        state.metrics.run_upkeep();
        if last_prune.elapsed() > Duration::from_secs(3600) {
            last_prune = Instant::now();
            prune(&state).await;
        }
    }
}

/// Forgets key changes older than a day (every node has long seen them) and expired sessions.
async fn prune(state: &AppState) {
    let now = state.clock.now();
    if let Err(e) = state
        .store
        .prune_key_changes(now.plus(-time::Duration::DAY))
        .await
    {
        tracing::warn!(error = %e, "cannot prune the key change log");
    }
    if let Err(e) = state.store.prune_sessions(now).await {
        tracing::warn!(error = %e, "cannot prune expired sessions");
    }
}

/// Writes pending last-used times once; on failure they are kept for the next attempt.
pub async fn flush_last_used(state: &AppState) {
    let batch = state.auth.last_used().drain();
    if batch.is_empty() {
        return;
    }
    if let Err(e) = state.store.touch_keys(&batch).await {
        tracing::debug!(error = %e, keys = batch.len(), "cannot write last-used times yet");
        state.auth.last_used().restore(batch);
    }
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish and flushes
/// last-used times.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let watcher = tokio::spawn(watch_key_changes(state.clone(), state.config.key_poll()));
    let stop = Arc::new(Notify::new());
    let flusher = tokio::spawn(flush_last_used_every(
        state.clone(),
        state.config.last_used_flush(),
        Arc::clone(&stop),
    ));
    let (stop_analysis, analysis_stopped) = tokio::sync::watch::channel(false);
    let analysis = (state.config.analysis == Switch::On)
        .then(|| tokio::spawn(analysis_worker(&state).run(analysis_stopped)));
    listen::accept(listener, router(state.clone()), &state.config, shutdown).await;
    watcher.abort();
    // The worker finishes the batch under way, then stops.
    let _ = stop_analysis.send(true);
    if let Some(analysis) = analysis {
        let _ = analysis.await;
    }
    // A permit is stored if the flusher is mid-flush: it finishes that batch, then stops.
    stop.notify_one();
    let _ = flusher.await;
    flush_last_used(&state).await;
    Ok(())
}

/// This node's analysis worker, as configured.
fn analysis_worker(state: &AppState) -> Worker {
    let settings = worker::Settings {
        poll: state.config.analysis_poll(),
        retry_base: state.config.analysis_retry(),
        ..worker::Settings::default()
    };
    Worker::new(
        Arc::clone(&state.store),
        Arc::clone(&state.analysis),
        settings,
    )
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed by this call, not by the first
/// poll, so that a signal arriving while the server still starts up is not fatal: it is
/// delivered once serving begins, and the server shuts down gracefully.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        tokio::select! {
            () = next_signal(interrupt) => {},
            () = next_signal(terminate) => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing in-flight requests");
    }
}

/// Waits for `signal`, or forever if its handler could not be installed.
#[cfg(unix)]
async fn next_signal(signal: Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(mut signal) => {
            signal.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}
