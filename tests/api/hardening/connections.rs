//! Connections that send their request slowly, or sit idle, are closed after the configured
//! time; the number of connections is capped; a normal client is served meanwhile.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{connect, parse_response, trickle};
use crate::support::{ServeProcess, ServerConfig, TestApp, TestDb, test_config};

fn short_timeouts() -> ServerConfig {
    ServerConfig {
        header_timeout_ms: 500,
        body_timeout_ms: 500,
        idle_timeout_ms: 500,
        ..test_config()
    }
}

/// A normal request answers quickly.
async fn served_quickly(app: &TestApp) -> Duration {
    let asked = Instant::now();
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("a normal client is served");
    assert_eq!(response.status(), StatusCode::OK);
    asked.elapsed()
}

#[tokio::test]
async fn connections_sending_headers_byte_by_byte_are_closed_after_the_header_timeout() {
    let app = TestApp::spawn_with(short_timeouts()).await;
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n{}",
        "X-Slow: y\r\n".repeat(20)
    );
    let slow: Vec<_> = (0..50)
        .map(|_| {
            let (address, head) = (app.address.clone(), head.clone());
            tokio::spawn(async move {
                trickle(
                    connect(&address).await,
                    head.as_bytes(),
                    Duration::from_millis(20),
                )
                .await
            })
        })
        .collect();
    let normal = served_quickly(&app).await;
    let mut closed = Vec::new();
    for task in slow {
        let trickled = task.await.unwrap();
        closed.push(trickled.closed_after);
        if !trickled.received.is_empty() {
            let (status, body, _) = parse_response(&trickled.received);
            assert_eq!(status, 408, "{body}");
            assert_eq!(body["error"]["type"], "invalid_request_error", "{body}");
        }
    }
    let open = closed.iter().filter(|c| c.is_none()).count();
    let slowest = closed.iter().flatten().max().copied().unwrap_or_default();
    eprintln!(
        "slow headers: {open} of 50 still open after {:?} of trickling; closed within {slowest:?}; \
         a normal request meanwhile took {normal:?}",
        Duration::from_millis(20) * head.len() as u32
    );
    assert_eq!(open, 0, "every slow-header connection was closed");
    assert!(
        slowest < Duration::from_secs(3),
        "closed within {slowest:?}"
    );
}

#[tokio::test]
async fn connections_sending_a_body_slowly_are_answered_408_and_closed() {
    let app = TestApp::spawn_with(short_timeouts()).await;
    let slow: Vec<_> = (0..50)
        .map(|_| {
            let address = app.address.clone();
            tokio::spawn(async move {
                let mut stream = connect(&address).await;
                stream
                    .write_all(
                        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n\
                          Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{",
                    )
                    .await
                    .unwrap();
                trickle(stream, &[b' '; 250], Duration::from_millis(20)).await
            })
        })
        .collect();
    let normal = served_quickly(&app).await;
    let mut closed = Vec::new();
    for task in slow {
        let trickled = task.await.unwrap();
        closed.push(trickled.closed_after);
        let (status, body, _) = parse_response(&trickled.received);
        assert_eq!(status, 408, "{body}");
        assert_eq!(body["error"]["type"], "invalid_request_error", "{body}");
    }
    let open = closed.iter().filter(|c| c.is_none()).count();
    let slowest = closed.iter().flatten().max().copied().unwrap_or_default();
    eprintln!(
        "slow bodies: {open} of 50 still open after 5 s of trickling; closed within {slowest:?}; \
         a normal request meanwhile took {normal:?}"
    );
    assert_eq!(open, 0, "every slow-body connection was closed");
    assert!(
        slowest < Duration::from_secs(3),
        "closed within {slowest:?}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let app = TestApp::spawn_with(short_timeouts()).await;
    let mut stream = connect(&app.address).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let n = stream.read(&mut answer).await.unwrap();
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&answer[..n])
    );
    let idle = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await;
    eprintln!(
        "an idle keep-alive connection: closed after {:?}",
        idle.elapsed()
    );
    assert!(
        matches!(closed, Ok(Ok(0) | Err(_))),
        "the idle connection was closed within 5 s: {closed:?}"
    );
    assert!(
        idle.elapsed() >= Duration::from_millis(400),
        "not before the timeout"
    );
}

/// With the real binary: thousands of idle keep-alive connections hold at most the cap of
/// sockets and little memory, and a normal client is still served at once.
#[tokio::test]
async fn thousands_of_idle_connections_stay_within_the_cap_and_a_normal_client_is_served() {
    const CAP: usize = 256;
    const IDLE: usize = 3000;
    let db = TestDb::fresh().await;
    let cap = CAP.to_string();
    let server = ServeProcess::start_with(
        &db,
        &[("HALFPIPE_LOG", "info"), ("HALFPIPE_MAX_CONNECTIONS", &cap)],
    );
    let (_, address) = server.bootstrap();
    let client = reqwest::Client::new();
    client
        .get(format!("{address}/healthz"))
        .send()
        .await
        .unwrap();
    let (rss_before, fds_before) = (server.rss_kib(), server.open_fds());

    let mut idle = Vec::new();
    for _ in 0..IDLE / 100 {
        let opened: Vec<_> = (0..100)
            .map(|_| {
                let address = address.clone();
                tokio::spawn(async move {
                    let mut stream = connect(&address).await;
                    let _ = stream
                        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                        .await;
                    let mut buf = [0u8; 1024];
                    let _ =
                        tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await;
                    stream
                })
            })
            .collect();
        for task in opened {
            idle.push(task.await.unwrap());
        }
    }
    let peak_fds = server.open_fds();
    let rss_after = server.rss_kib();
    let asked = Instant::now();
    let response = client
        .get(format!("{address}/healthz"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("a normal client is served");
    let normal = asked.elapsed();
    assert_eq!(response.status(), StatusCode::OK);
    eprintln!(
        "{IDLE} idle keep-alive connections (cap {CAP}): open descriptors {fds_before} -> \
         {peak_fds}; RSS {} MiB -> {} MiB; a normal request then took {normal:?}",
        rss_before / 1024,
        rss_after / 1024
    );
    assert!(
        peak_fds <= fds_before + CAP + 16,
        "at most the cap of connections is open: {peak_fds} descriptors"
    );
    assert!(
        rss_after.saturating_sub(rss_before) < 64 * 1024,
        "memory grew by {} MiB",
        rss_after.saturating_sub(rss_before) / 1024
    );
    assert!(normal < Duration::from_secs(2), "served in {normal:?}");
    drop(idle);
}

#[tokio::test]
async fn waiting_before_the_first_byte_does_not_buy_a_second_header_timeout() {
    let app = TestApp::spawn_with(short_timeouts()).await;
    let stream = connect(&app.address).await;
    // Silent for most of the header timeout, then a head trickled slowly.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: yyyyyyyyyyyyyyyy\r\n";
    let trickled = trickle(stream, head.as_bytes(), Duration::from_millis(20)).await;

    let trickling = trickled
        .closed_after
        .expect("the connection is closed before the head is complete");
    let closed_at = Duration::from_millis(400) + trickling;
    assert!(
        closed_at < Duration::from_millis(800),
        "one header timeout (500 ms) counts from the connection's opening: closed {closed_at:?} \
         after it opened"
    );
}
