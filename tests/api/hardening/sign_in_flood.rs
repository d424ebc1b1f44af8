//! A flood of failed sign-ins, each from its own address with its own email (so that neither the
//! per-email nor the per-address throttle holds it back): the real binary's memory stays bounded
//! and it keeps serving the public API meanwhile.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{ServeProcess, TestDb};

const FLOOD: usize = 200;

/// A client whose connections leave from `127.0.0.{n}` (all of 127/8 is loopback on Linux).
fn client_from(n: usize) -> reqwest::Client {
    let last = u8::try_from(2 + n).expect("fits in the last octet");
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .expect("a client")
}

#[tokio::test]
async fn a_flood_of_failed_sign_ins_keeps_memory_bounded_and_the_api_served() {
    let db = TestDb::fresh().await;
    let server = ServeProcess::start_with(&db, &[("HALFPIPE_LOG", "info")]);
    let (key, address) = server.bootstrap();
    let probe = reqwest::Client::new();
    let projects = format!("{address}/public/api/v1/projects");
    let warm = probe.get(&projects).bearer_auth(&key).send().await.unwrap();
    assert_eq!(warm.status(), StatusCode::OK);
    let before = server.rss_kib();

    let started = Instant::now();
    let flood: Vec<_> = (0..FLOOD)
        .map(|n| {
            let client = client_from(n);
            let url = format!("{address}/api/v1/auth/login");
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .json(&json!({"email": format!("nobody{n}@flood.test"), "password": "not the password"}))
                    .send()
                    .await
                    .expect("the sign-in is answered");
                let status = response.status();
                let retry_after = response.headers().get("retry-after").is_some();
                let body: serde_json::Value = response.json().await.expect("a JSON body");
                (status, retry_after, body)
            })
        })
        .collect();

    // The public API meanwhile, and the highest resident memory seen.
    let (mut peak, mut slowest, mut probes) = (before, Duration::ZERO, 0);
    while !flood.iter().all(|f| f.is_finished()) {
        let asked = Instant::now();
        let response = probe.get(&projects).bearer_auth(&key).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "the public API is served"
        );
        slowest = slowest.max(asked.elapsed());
        probes += 1;
        peak = peak.max(server.rss_kib());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut outcomes = std::collections::BTreeMap::new();
    for f in flood {
        let (status, retry_after, body) = f.await.expect("a flood task");
        if status != StatusCode::UNAUTHORIZED {
            assert!(retry_after, "a {status} says when to retry: {body}");
            assert!(
                matches!(status.as_u16(), 429 | 503),
                "a refused sign-in is 429 or 503, not {status}: {body}"
            );
        }
        assert_eq!(body["error"]["code"], status.as_u16(), "{body}");
        *outcomes.entry(status.as_u16()).or_insert(0) += 1;
    }
    let after = server.rss_kib();
    eprintln!(
        "{FLOOD} failed sign-ins in {:?} ({outcomes:?}): RSS {} MiB before, peak {} MiB, {} MiB after; \
         public API: {probes} probes, slowest {slowest:?}",
        started.elapsed(),
        before / 1024,
        peak / 1024,
        after / 1024
    );
    assert!(
        peak.saturating_sub(before) < 100 * 1024,
        "resident memory grew by {} MiB",
        peak.saturating_sub(before) / 1024
    );
    assert!(
        slowest < Duration::from_secs(5),
        "the public API answered within 5 s"
    );
}
