//! What a hostile or careless client can do to the server and must not: exhaust its memory with
//! sign-ins, hold connections open, or get an empty answer to a malformed request. Raw TCP
//! helpers for the connection-level tests live here.

mod connections;
mod malformed;
mod sign_in_flood;

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A TCP connection to a server at `http://host:port`.
async fn connect(address: &str) -> TcpStream {
    TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .expect("the server accepts connections")
}

/// What the server did to a connection while a client trickled bytes into it.
#[derive(Debug)]
struct Trickled {
    /// When the server closed it, if it did before the client ran out of bytes.
    closed_after: Option<Duration>,
    /// Everything the server sent.
    received: Vec<u8>,
}

/// Writes `bytes` one at a time, `every` apart, watching for the server to close the
/// connection (end of stream, a reset, or a failed write).
async fn trickle(mut stream: TcpStream, bytes: &[u8], every: Duration) -> Trickled {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    for byte in bytes {
        if stream.write_all(&[*byte]).await.is_err() {
            return finish(stream, started, received).await;
        }
        let deadline = tokio::time::sleep(every);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = &mut deadline => break,
                read = stream.read(&mut buf) => match read {
                    Ok(0) | Err(_) => {
                        return Trickled { closed_after: Some(started.elapsed()), received };
                    }
                    Ok(n) => received.extend_from_slice(&buf[..n]),
                },
            }
        }
    }
    Trickled {
        closed_after: None,
        received,
    }
}

/// After a failed write: read what the server sent before it closed.
async fn finish(mut stream: TcpStream, started: Instant, mut received: Vec<u8>) -> Trickled {
    let closed_after = Some(started.elapsed());
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut rest)).await;
    received.extend(rest);
    Trickled {
        closed_after,
        received,
    }
}

/// Sends `request` whole and reads the answer until the server closes the connection:
/// the status and the body as JSON (a test failure if it is not JSON).
async fn exchange(address: &str, request: &[u8]) -> (u16, Value, String) {
    let mut stream = connect(address).await;
    let (mut read, mut write) = stream.split();
    // The server may answer (and stop reading) before the request is all sent.
    let writing = async {
        let _ = write.write_all(request).await;
    };
    let mut answer = Vec::new();
    let reading = tokio::time::timeout(Duration::from_secs(10), read.read_to_end(&mut answer));
    let (_, read) = tokio::join!(writing, reading);
    assert!(
        read.is_ok(),
        "the server closes the connection after its answer"
    );
    parse_response(&answer)
}

/// (status, JSON body, head) of one HTTP/1.1 response.
fn parse_response(answer: &[u8]) -> (u16, Value, String) {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("an HTTP response: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head:?}"));
    let json = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{status}: the body is not JSON ({e}): {head}\r\n\r\n{body:?}"));
    (status, json, head.to_string())
}
