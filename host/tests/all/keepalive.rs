//! A real loopback HTTP/1.1 server with keep-alive (hyper), for the
//! connector's tests: it counts the connections it accepts and those still
//! open, and records each request.
//!
//! Paths: `/slow` answers after 10 s; `/stream` sends one chunk, then
//! holds the rest for 10 s; anything else answers `ok` at once. A request
//! must carry the upstream's secret where it names `/api`, as the ticket
//! API does.

use crate::upstream::SECRET;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;

/// A request as the server saw it: the connection it came on, its path and
/// its `authorization`.
#[derive(Clone, Debug)]
pub struct Hit {
    pub connection: usize,
    pub path: String,
    pub authorization: Option<String>,
}

/// A running keep-alive server; it stops with the test's runtime.
#[derive(Clone, Debug)]
pub struct KeepAlive {
    pub addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl KeepAlive {
    /// Listens on `ip` with an OS-chosen port.
    pub async fn start(ip: &str) -> KeepAlive {
        let ip: std::net::IpAddr = ip.parse().unwrap();
        KeepAlive::start_on(SocketAddr::new(ip, 0)).await.unwrap()
    }

    /// Listens on `addr`.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<KeepAlive> {
        let listener = TcpListener::bind(addr).await?;
        let server = KeepAlive {
            addr: listener.local_addr().unwrap(),
            accepted: Arc::default(),
            open: Arc::default(),
            hits: Arc::default(),
        };
        let state = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let connection = state.accepted.fetch_add(1, Ordering::SeqCst);
                state.open.fetch_add(1, Ordering::SeqCst);
                let state = state.clone();
                tokio::spawn(async move {
                    let hits = state.hits.clone();
                    let service = service_fn(move |request| {
                        let hits = hits.clone();
                        async move {
                            let response = answer(connection, request, &hits);
                            if response.headers().contains_key("x-slow") {
                                tokio::time::sleep(Duration::from_secs(10)).await;
                            }
                            Ok::<_, Infallible>(response)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                    state.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Ok(server)
    }

    /// `http://<addr>`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Connections still open.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Every request so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

type Answer = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn answer(
    connection: usize,
    request: hyper::Request<Incoming>,
    hits: &Mutex<Vec<Hit>>,
) -> hyper::Response<Answer> {
    let path = request.uri().path().to_string();
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    hits.lock().unwrap().push(Hit {
        connection,
        path: path.clone(),
        authorization: authorization.clone(),
    });
    if path.starts_with("/api") && authorization.as_deref() != Some(SECRET) {
        return reply(401, Full::new(Bytes::from_static(b"no")).boxed());
    }
    if path.contains("/slow") {
        let mut late = reply(200, Full::new(Bytes::from_static(b"late")).boxed());
        late.headers_mut()
            .insert("x-slow", hyper::header::HeaderValue::from_static("10s"));
        return late;
    }
    if path.contains("/stream") {
        let body = Chunks::new(b"first chunk;", Duration::from_secs(10), b"the rest");
        return reply(200, body.boxed());
    }
    reply(200, Full::new(Bytes::from_static(b"ok")).boxed())
}

fn reply(status: u16, body: Answer) -> hyper::Response<Answer> {
    hyper::Response::builder()
        .status(status)
        .body(body)
        .unwrap()
}

/// A chunked body: `first` at once, then `last` after `delay`.
struct Chunks {
    first: Option<&'static [u8]>,
    last: Option<(Pin<Box<tokio::time::Sleep>>, &'static [u8])>,
}

impl Chunks {
    fn new(first: &'static [u8], delay: Duration, last: &'static [u8]) -> Chunks {
        Chunks {
            first: Some(first),
            last: Some((Box::pin(tokio::time::sleep(delay)), last)),
        }
    }
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(first)))));
        }
        let Some((sleep, last)) = self.last.as_mut() else {
            return Poll::Ready(None);
        };
        match sleep.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                let last = *last;
                self.last = None;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(last)))))
            }
        }
    }
}
