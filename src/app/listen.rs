//! The accept loop: at most `max_connections` connections at once (when full, idle keep-alive
//! connections make room), each behind the [`guard`](super::guard) and served by hyper's
//! HTTP/1 connection with the peer address on every request; graceful shutdown lets requests in
//! flight finish.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tower::ServiceExt;

use super::guard::{Activity, Guarded, Limits};
use crate::config::ServerConfig;

/// Serves `app` on `listener` until `shutdown` resolves, then waits for the open connections'
/// requests to finish.
pub async fn accept(
    listener: TcpListener,
    app: Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()>,
) {
    let limits = Arc::new(Limits::of(config));
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let pressure = Arc::new(Notify::new());
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        // The guard keeps the clocks and checks heads; hyper's limits sit above the guard's.
        .header_read_timeout(None)
        .half_close(true)
        .keep_alive(true)
        .max_headers(limits.max_headers)
        .max_buf_size((limits.max_head * 2).max(400 * 1024));
    tokio::pin!(shutdown);
    loop {
        let slot = match Arc::clone(&slots).try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                // Full: idle connections close to make room.
                pressure.notify_waiters();
                tokio::select! {
                    slot = Arc::clone(&slots).acquire_owned() => slot.expect("never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    on_accept_error(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Activity::new();
        let io = TokioIo::new(Guarded::new(
            stream,
            Arc::clone(&limits),
            Arc::clone(&activity),
            Arc::clone(&pressure),
        ));
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let in_flight = activity.begin();
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await;
                drop(in_flight);
                response
            }
        });
        let connection = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Errors of one connection are not the listener's; running out of descriptors is, briefly.
async fn on_accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tracing::warn!(error = %e, "cannot accept a connection; retrying in 100 ms");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
