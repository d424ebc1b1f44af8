//! The load test's yardstick: a bare axum handler that returns constant JSON, with nothing of
//! Halfpipe in front of it. `scripts/load.sh` compares Halfpipe's requests/s against it.
//!
//! Listens on the first argument, else `BASELINE_LISTEN`, else `127.0.0.1:8079`.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::any;

const BODY: &str = r#"{"data":{"ok":true},"processing_time_ms":0}"#;

async fn constant() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], BODY)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listen = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("BASELINE_LISTEN").ok())
        .unwrap_or_else(|| "127.0.0.1:8079".into());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    eprintln!("baseline listening on {}", listener.local_addr()?);
    axum::serve(listener, Router::new().fallback(any(constant))).await
}
