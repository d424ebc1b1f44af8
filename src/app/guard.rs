//! The connection guard: sits between the socket and hyper, reads each request's line and
//! headers itself (`httparse`) and hands hyper only a head it has checked, then the body as
//! framed. So it can answer what hyper would refuse with an empty body — a request line or
//! headers too large, too many headers, bytes that are not HTTP, a bad `Content-Length` — with
//! the JSON error body, and it keeps the connection's clocks: how long the headers may take,
//! the body, and the idle time between requests.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::http::{StatusCode, Uri};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::sync::futures::OwnedNotified;
use tokio::time::{Instant, Sleep};

use crate::config::ServerConfig;
use crate::error::ApiError;

/// The bounds every connection is held to.
#[derive(Debug, Clone)]
pub struct Limits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_head: usize,
    pub max_headers: usize,
    pub max_uri: usize,
}

impl Limits {
    pub fn of(config: &ServerConfig) -> Self {
        Self {
            header_timeout: config.header_timeout(),
            body_timeout: config.body_timeout(),
            idle_timeout: config.idle_timeout(),
            max_head: config.max_header_bytes.max(256),
            max_headers: config.max_headers.max(1),
            max_uri: config.max_uri_bytes.max(16),
        }
    }
}

/// Requests of one connection that hyper is answering, and when the last one ended: an idle
/// connection is one with none in flight for the idle timeout.
pub struct Activity {
    in_flight: AtomicUsize,
    last_done: Mutex<Instant>,
}

impl Activity {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            in_flight: AtomicUsize::new(0),
            last_done: Mutex::new(Instant::now()),
        })
    }

    /// A request starts; it ends when the returned value is dropped.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }

    /// When the connection became idle, or `None` while a request is in flight.
    fn idle_since(&self) -> Option<Instant> {
        let last = *self.last_done.lock().expect("activity lock");
        (self.in_flight.load(Ordering::SeqCst) == 0).then_some(last)
    }
}

/// A request in flight on its connection.
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        *self.0.last_done.lock().expect("activity lock") = Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Where the request stream of the connection stands.
enum Stage {
    /// Between requests, or inside a head not yet complete.
    Head,
    /// A body with this many bytes still to come.
    Body(u64),
    /// A chunked body.
    Chunked(Chunk),
    /// hyper sees the end of the stream: the connection is closing.
    Closed,
}

/// Where a chunked body stands.
#[derive(Clone, Copy)]
enum Chunk {
    Size {
        size: u64,
        digits: usize,
    },
    Extension(u64),
    SizeLf(u64),
    Data(u64),
    DataCr,
    DataLf,
    /// At the start of a trailer line; `true` once a line had content.
    TrailerLine(bool),
    TrailerLf(bool),
}

/// What the connection's one timer is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Waiting {
    /// A new connection that has sent nothing yet.
    Fresh,
    /// Between requests.
    Idle,
    /// Inside a request's head.
    Head,
    /// Inside a request's body.
    Body,
    /// The lingering close after a refusal.
    Drain,
}

/// The guard around one connection's socket.
pub struct Guarded {
    stream: TcpStream,
    limits: Arc<Limits>,
    activity: Arc<Activity>,
    pressure: Arc<Notify>,
    crowded: Pin<Box<OwnedNotified>>,
    /// Bytes read from the socket that hyper has not taken; the first `released` are checked.
    input: Vec<u8>,
    released: usize,
    stage: Stage,
    waiting: Waiting,
    timer: Pin<Box<Sleep>>,
    /// A response to write before the connection closes, and how much of it is written.
    refusal: Option<(Vec<u8>, usize)>,
    /// How much a lingering close has discarded.
    drained: usize,
}

/// How much a lingering close reads and discards at most, so that the client's request is
/// consumed and the refusal is not lost to a reset.
const DRAIN_BYTES: usize = 4 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(2);

impl Guarded {
    pub fn new(
        stream: TcpStream,
        limits: Arc<Limits>,
        activity: Arc<Activity>,
        pressure: Arc<Notify>,
    ) -> Self {
        let timer = Box::pin(tokio::time::sleep(limits.header_timeout));
        let crowded = Box::pin(Arc::clone(&pressure).notified_owned());
        Self {
            stream,
            limits,
            activity,
            pressure,
            crowded,
            input: Vec::new(),
            released: 0,
            stage: Stage::Head,
            waiting: Waiting::Fresh,
            timer,
            refusal: None,
            drained: 0,
        }
    }

    fn wait(&mut self, waiting: Waiting, within: Duration) {
        self.waiting = waiting;
        self.timer.as_mut().reset(Instant::now() + within);
    }

    /// Ends the request stream, answering `error` first if there is one.
    fn close(&mut self, error: Option<ApiError>) {
        self.stage = Stage::Closed;
        self.refusal = error.map(|e| (refusal(&e), 0));
        if self.refusal.is_some() {
            tracing::debug!("refused a request hyper would have answered without a body");
        }
    }

    /// Checks what arrived past the released bytes, releasing what hyper may have.
    fn advance(&mut self) {
        loop {
            let pending = self.input.len() - self.released;
            if pending == 0 {
                return;
            }
            match self.stage {
                Stage::Closed => return,
                Stage::Head => {
                    match self.waiting {
                        Waiting::Head => {}
                        // A new connection's clock has run since it opened: its first head
                        // gets what is left of that one header timeout, not a fresh one.
                        Waiting::Fresh => self.waiting = Waiting::Head,
                        _ => self.wait(Waiting::Head, self.limits.header_timeout),
                    }
                    match self.check_head() {
                        Ok(Some(())) => {}
                        Ok(None) => return,
                        Err(error) => return self.close(Some(error)),
                    }
                }
                Stage::Body(left) => {
                    let take = left.min(pending as u64);
                    self.released += take as usize;
                    self.body_goes_on(left - take);
                }
                Stage::Chunked(chunk) => match self.chunked(chunk) {
                    Ok(()) => {}
                    // hyper sees the same bytes and refuses the body itself.
                    Err(()) => {
                        self.released = self.input.len();
                        self.stage = Stage::Body(u64::MAX);
                    }
                },
            }
        }
    }

    fn body_goes_on(&mut self, left: u64) {
        if left == 0 {
            self.stage = Stage::Head;
            self.wait(Waiting::Idle, self.limits.idle_timeout);
        } else {
            self.stage = Stage::Body(left);
        }
    }

    /// Parses the head at the released mark: `Some` when it was complete and is released.
    fn check_head(&mut self) -> Result<Option<()>, ApiError> {
        let limits = Arc::clone(&self.limits);
        let pending = &self.input[self.released..];
        // Blank lines before a request line are tolerated (RFC 9112 §2.2); hyper skips them.
        let blank = pending
            .iter()
            .take_while(|b| **b == b'\r' || **b == b'\n')
            .count();
        if blank > 0 {
            self.released += blank;
            return Ok(Some(()));
        }
        let mut headers = vec![httparse::EMPTY_HEADER; limits.max_headers];
        let mut request = httparse::Request::new(&mut headers);
        let parsed = request.parse(pending);
        if let Some(target) = request.path
            && target.len() > limits.max_uri
        {
            return Err(uri_too_long(&limits));
        }
        let length = match parsed {
            Ok(httparse::Status::Complete(length)) => length,
            Ok(httparse::Status::Partial) => {
                let line_ended = pending.contains(&b'\n');
                if !line_ended && pending.len() > limits.max_uri + 32 {
                    return Err(uri_too_long(&limits));
                }
                if pending.len() > limits.max_head {
                    return Err(headers_too_large(&limits));
                }
                return Ok(None);
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(ApiError::HeadersTooLarge(format!(
                    "too many header fields: at most {} are accepted",
                    limits.max_headers
                )));
            }
            Err(e) => return Err(ApiError::bad_request(format!("malformed request: {e}"))),
        };
        if length > limits.max_head {
            return Err(headers_too_large(&limits));
        }
        let target = request.path.unwrap_or_default();
        if target.parse::<Uri>().is_err() {
            return Err(ApiError::bad_request(
                "malformed request: the request target is not a valid URI",
            ));
        }
        let body = framing(&request)?;
        self.released += length;
        match body {
            Stage::Head => self.wait(Waiting::Idle, limits.idle_timeout),
            _ => self.wait(Waiting::Body, limits.body_timeout),
        }
        self.stage = body;
        if let Stage::Body(left) = self.stage {
            self.body_goes_on(left);
        }
        Ok(Some(()))
    }

    /// Follows a chunked body over the pending bytes.
    fn chunked(&mut self, mut chunk: Chunk) -> Result<(), ()> {
        while self.released < self.input.len() {
            let byte = self.input[self.released];
            if let Chunk::Data(left) = chunk {
                let take = left.min((self.input.len() - self.released) as u64);
                self.released += take as usize;
                chunk = if take == left {
                    Chunk::DataCr
                } else {
                    Chunk::Data(left - take)
                };
                continue;
            }
            self.released += 1;
            chunk = match (chunk, byte) {
                (Chunk::Size { size, digits }, b) if b.is_ascii_hexdigit() => {
                    let digit = u64::from((b as char).to_digit(16).ok_or(())?);
                    if digits >= 15 {
                        return Err(());
                    }
                    Chunk::Size {
                        size: size * 16 + digit,
                        digits: digits + 1,
                    }
                }
                (Chunk::Size { size, digits }, b';' | b' ' | b'\t') if digits > 0 => {
                    Chunk::Extension(size)
                }
                (Chunk::Size { size, digits }, b'\r') if digits > 0 => Chunk::SizeLf(size),
                (Chunk::Extension(size), b'\r') => Chunk::SizeLf(size),
                (Chunk::Extension(size), b) if b != b'\n' => Chunk::Extension(size),
                (Chunk::SizeLf(0), b'\n') => Chunk::TrailerLine(false),
                (Chunk::SizeLf(size), b'\n') => Chunk::Data(size),
                (Chunk::DataCr, b'\r') => Chunk::DataLf,
                (Chunk::DataLf, b'\n') => Chunk::Size { size: 0, digits: 0 },
                (Chunk::TrailerLine(content), b'\r') => Chunk::TrailerLf(content),
                (Chunk::TrailerLine(_), b'\n') => return Err(()),
                (Chunk::TrailerLine(_), _) => Chunk::TrailerLine(true),
                // An empty line ends the trailers and the body.
                (Chunk::TrailerLf(false), b'\n') => {
                    self.stage = Stage::Head;
                    self.wait(Waiting::Idle, self.limits.idle_timeout);
                    return Ok(());
                }
                (Chunk::TrailerLf(true), b'\n') => Chunk::TrailerLine(false),
                _ => return Err(()),
            };
        }
        self.stage = Stage::Chunked(chunk);
        Ok(())
    }

    /// The connection's timer fired: what that means where it stands.
    fn on_timer(&mut self) -> Option<io::Error> {
        match self.waiting {
            Waiting::Fresh => self.close(None),
            Waiting::Idle => match self.activity.idle_since() {
                None => self.wait(Waiting::Idle, self.limits.idle_timeout),
                Some(since) if since + self.limits.idle_timeout > Instant::now() => {
                    self.waiting = Waiting::Idle;
                    self.timer.as_mut().reset(since + self.limits.idle_timeout);
                }
                Some(_) => self.close(None),
            },
            Waiting::Head => self.close(Some(ApiError::Timeout(format!(
                "the request's headers did not arrive within {} ms",
                self.limits.header_timeout.as_millis()
            )))),
            Waiting::Body => {
                self.stage = Stage::Closed;
                return Some(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request body did not arrive in time",
                ));
            }
            Waiting::Drain => {}
        }
        None
    }

    /// Between requests with none in flight: the accept loop needs room, so this one goes.
    fn evictable(&self) -> bool {
        matches!(self.stage, Stage::Head)
            && matches!(self.waiting, Waiting::Fresh | Waiting::Idle)
            && self.input.len() == self.released
            && self.activity.idle_since().is_some()
    }
}

/// How a checked head says its body is framed (RFC 9112 §6), refusing what is ambiguous.
fn framing(request: &httparse::Request<'_, '_>) -> Result<Stage, ApiError> {
    let mut length: Option<u64> = None;
    let mut chunked = None;
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value).unwrap_or_default().trim();
            let parsed = (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
                .then(|| value.parse::<u64>().ok())
                .flatten()
                .ok_or_else(|| {
                    ApiError::invalid("Content-Length", "Content-Length must be a number of bytes")
                })?;
            if length.is_some_and(|seen| seen != parsed) {
                return Err(ApiError::invalid(
                    "Content-Length",
                    "the request has two different Content-Length headers",
                ));
            }
            length = Some(parsed);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            let value = String::from_utf8_lossy(header.value);
            let last = value.rsplit(',').next().unwrap_or_default().trim();
            chunked = Some(last.eq_ignore_ascii_case("chunked"));
        }
    }
    match (chunked, length) {
        (None, None) => Ok(Stage::Head),
        (None, Some(length)) => Ok(Stage::Body(length)),
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "a request may not have both Transfer-Encoding and Content-Length",
        )),
        (Some(true), None) if request.version == Some(1) => {
            Ok(Stage::Chunked(Chunk::Size { size: 0, digits: 0 }))
        }
        (Some(_), None) => Err(ApiError::invalid(
            "Transfer-Encoding",
            "Transfer-Encoding must end in chunked, on HTTP/1.1",
        )),
    }
}

fn uri_too_long(limits: &Limits) -> ApiError {
    ApiError::UriTooLong(format!(
        "the request target (path and query) is longer than {} bytes",
        limits.max_uri
    ))
}

fn headers_too_large(limits: &Limits) -> ApiError {
    ApiError::HeadersTooLarge(format!(
        "the request line and headers are larger than {} bytes",
        limits.max_head
    ))
}

/// A whole HTTP/1.1 response carrying `error`'s JSON body, closing the connection.
fn refusal(error: &ApiError) -> Vec<u8> {
    let status: StatusCode = error.status();
    let body = error.body().to_string();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\nx-request-id: {}\r\n\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default(),
        body.len(),
        uuid::Uuid::new_v4(),
    )
    .into_bytes()
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.released > 0 {
                let n = this.released.min(buf.remaining());
                buf.put_slice(&this.input[..n]);
                this.input.drain(..n);
                this.released -= n;
                return Poll::Ready(Ok(()));
            }
            if matches!(this.stage, Stage::Closed) {
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0u8; 8192];
            let mut read = ReadBuf::new(&mut chunk);
            match Pin::new(&mut this.stream).poll_read(cx, &mut read) {
                Poll::Ready(Ok(())) if read.filled().is_empty() => {
                    // The client closed: hyper sees what remains, then the end.
                    this.released = this.input.len();
                    this.stage = Stage::Closed;
                }
                Poll::Ready(Ok(())) => {
                    this.input.extend_from_slice(read.filled());
                    this.advance();
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    if this.evictable() && this.crowded.as_mut().poll(cx).is_ready() {
                        this.crowded = Box::pin(Arc::clone(&this.pressure).notified_owned());
                        this.close(None);
                        continue;
                    }
                    if this.timer.as_mut().poll(cx).is_ready() {
                        if let Some(error) = this.on_timer() {
                            return Poll::Ready(Err(error));
                        }
                        continue;
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    /// Writes a pending refusal, then closes; after a refusal, reads and discards what the
    /// client still sends for a moment, so that the refusal is not lost to a reset.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let Some((response, written)) = &mut this.refusal else {
            return Pin::new(&mut this.stream).poll_shutdown(cx);
        };
        while *written < response.len() {
            let n = ready!(Pin::new(&mut this.stream).poll_write(cx, &response[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        if this.waiting != Waiting::Drain {
            ready!(Pin::new(&mut this.stream).poll_shutdown(cx))?;
            this.waiting = Waiting::Drain;
            this.timer.as_mut().reset(Instant::now() + DRAIN_TIME);
        }
        let mut chunk = [0u8; 8192];
        loop {
            if this.drained >= DRAIN_BYTES || this.timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(()));
            }
            let mut read = ReadBuf::new(&mut chunk);
            match ready!(Pin::new(&mut this.stream).poll_read(cx, &mut read)) {
                Ok(()) if !read.filled().is_empty() => this.drained += read.filled().len(),
                _ => return Poll::Ready(Ok(())),
            }
        }
    }
}
