//! Key verification on the hot path: `Authenticator::authenticate` for a key already in the
//! cache (target: under 2 µs), and the rejection of a malformed key, which must be decided by
//! the format and checksum check alone, before any cache or database lookup.
//!
//! The authenticator sits on a real store: a fresh SQLite file with one workspace and one key,
//! created through the same code as `halfpipe keys create`.
//!
//! How the async call is measured: on a cache hit (and on a format rejection)
//! `authenticate` never awaits anything that can be pending: the cache is synchronous and the
//! store is reached only on a miss. So each iteration polls the future once, by hand, with a
//! no-op waker, and asserts that it finished. That measures the authentication work itself,
//! without the cost of entering a runtime (`Runtime::block_on`) on every iteration. A
//! `block_on` variant is measured too, for reference; it is what a caller outside a runtime
//! would pay. The tokio runtime is only needed to set the store up and to warm the cache.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::http::HeaderValue;
use criterion::{Criterion, criterion_group, criterion_main};
use halfpipe::auth::Authenticator;
use halfpipe::config::DatabaseConfig;
use halfpipe::service::keys::{KeyRequest, create_key};
use halfpipe::store::{self, Actor};

/// Polls `future` once and returns its output; panics if it would have to wait.
fn poll_once<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("authenticate awaited: the key was not served from the cache"),
    }
}

fn auth(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let (auth, key) = runtime.block_on(async {
        let store = store::connect(&DatabaseConfig::new(url))
            .await
            .expect("the store opens");
        let workspace = store.create_workspace("Bench").await.expect("a workspace");
        let request = KeyRequest {
            name: Some("bench key".into()),
            ..Default::default()
        }
        .validate()
        .expect("a valid key request");
        let created = create_key(
            store.as_ref(),
            workspace.id,
            request,
            "bench",
            &Actor("bench".into()),
        )
        .await
        .expect("a key");
        (Authenticator::new(store), created.key.expose().to_string())
    });

    let valid = HeaderValue::from_str(&format!("Bearer {key}")).expect("a header value");
    // Warm the cache: the one lookup that reaches the database.
    runtime
        .block_on(auth.authenticate(Some(&valid)))
        .expect("the key authenticates");
    poll_once(auth.authenticate(Some(&valid))).expect("the key is served from the cache");

    // Right prefix, length and alphabet; only the checksum is wrong: the most work a
    // malformed key can cause.
    let mut malformed = key.clone();
    let last = malformed.pop().expect("a non-empty key");
    malformed.push(if last == '0' { '1' } else { '0' });
    let malformed = HeaderValue::from_str(&format!("Bearer {malformed}")).expect("a header value");
    assert!(poll_once(auth.authenticate(Some(&malformed))).is_err());

    // Cache entries live 60 s; each measurement re-warms so none expires in the middle.
    let warm = || {
        runtime
            .block_on(auth.authenticate(Some(&valid)))
            .expect("the key authenticates");
    };

    let mut group = c.benchmark_group("authenticate");
    warm();
    group.bench_function("cache_hit", |b| {
        b.iter(|| poll_once(auth.authenticate(black_box(Some(&valid)))))
    });
    group.bench_function("malformed_key_rejected", |b| {
        b.iter(|| poll_once(auth.authenticate(black_box(Some(&malformed)))))
    });
    warm();
    group.bench_function("cache_hit_via_block_on", |b| {
        b.iter(|| runtime.block_on(auth.authenticate(black_box(Some(&valid)))))
    });
    group.finish();
}

criterion_group!(benches, auth);
criterion_main!(benches);
