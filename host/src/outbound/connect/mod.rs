//! [`Connector`]: how the host reaches an upstream once a request is
//! allowed (DESIGN §5, step 5). It resolves the name itself, checks every
//! address against the request's [`Reach`], connects to an address it
//! checked (no second lookup), and keeps connections alive in a pool keyed
//! by what must not be shared. HTTP/1.1 over TCP, or TLS (rustls,
//! webpki roots) for `https`; wasmtime-wasi-http's types and error codes.

mod body;
mod pool;
mod resolve;
mod tls;

pub use pool::PoolPolicy;
pub use resolve::{Resolution, Resolve, StaticResolver, SystemResolver};

pub(crate) use body::ConnBody;
pub(crate) use pool::PoolClass;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use caracal_outbound_rules::{Reach, SpecialAddress};
use hyper::client::conn::http1;
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use pool::{Conn, Driver, Pool, PoolKey};

/// wasmtime-wasi-http's defaults, where the guest sets no timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// How the host's [`Connector`] is set up.
#[derive(Debug, Clone, Default)]
pub struct ConnectorOptions {
    /// The resolver; the system's when `None`.
    pub resolver: Option<Arc<dyn Resolve>>,
    /// Keep-alive pooling.
    pub pool: PoolPolicy,
    /// Trust anchors for `https`; the webpki roots when `None`.
    pub tls_roots: Option<Arc<rustls::RootCertStore>>,
}

/// Where an allowed request may connect to and which connections it may
/// share.
#[derive(Debug, Clone)]
pub(crate) struct Destination {
    pub(crate) reach: Reach,
    pub(crate) class: PoolClass,
}

/// Why the connector did not send a request.
#[derive(Debug)]
pub(crate) enum SendError {
    /// The name resolved to an address the request may not reach.
    Refused {
        host: String,
        address: IpAddr,
        class: SpecialAddress,
    },
    /// Resolution, connection or exchange failed.
    Http(Error),
}

impl From<Error> for SendError {
    fn from(error: Error) -> SendError {
        SendError::Http(error)
    }
}

/// Counters of one connector, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectorStats {
    /// Connections opened since the host started.
    pub connections_opened: u64,
    /// Requests answered on a connection taken from the pool.
    pub reused: u64,
    /// Idle connections in the pool now.
    pub idle: usize,
}

/// The host-wide outbound connector.
#[derive(Debug)]
pub struct Connector {
    resolver: Arc<dyn Resolve>,
    tls: Arc<rustls::ClientConfig>,
    pool: Option<Arc<Pool>>,
    opened: AtomicU64,
    reused: AtomicU64,
}

impl Connector {
    /// A connector set up as `options` say.
    pub fn new(options: ConnectorOptions) -> Connector {
        Connector {
            resolver: options.resolver.unwrap_or_else(|| Arc::new(SystemResolver)),
            tls: tls::client_config(options.tls_roots),
            pool: options
                .pool
                .enabled
                .then(|| Arc::new(Pool::new(options.pool))),
            opened: AtomicU64::new(0),
            reused: AtomicU64::new(0),
        }
    }

    /// What the connector has done so far.
    pub fn stats(&self) -> ConnectorStats {
        ConnectorStats {
            connections_opened: self.opened.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
            idle: self.pool.as_ref().map_or(0, |pool| pool.idle_count()),
        }
    }

    /// Sends `request` to `destination`: resolve, check every address,
    /// connect (or reuse a pooled connection), send, and return the
    /// response head; the body keeps the connection until it ends.
    pub(crate) async fn send(
        &self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        destination: Destination,
    ) -> Result<Sent, SendError> {
        let options = options.unwrap_or_default();
        let connect_timeout = options.connect_timeout.unwrap_or(DEFAULT_TIMEOUT);
        let first_byte_timeout = options.first_byte_timeout.unwrap_or(DEFAULT_TIMEOUT);
        let between_bytes = options
            .between_bytes_timeout
            .unwrap_or(DEFAULT_TIMEOUT)
            .max(Duration::from_nanos(1));

        let uri = request.uri();
        let https = match uri.scheme_str() {
            Some(scheme) if scheme.eq_ignore_ascii_case("https") => true,
            Some(scheme) if scheme.eq_ignore_ascii_case("http") => false,
            _ => return Err(Error::HttpRequestUriInvalid.into()),
        };
        let host = uri.host().ok_or(Error::HttpRequestUriInvalid)?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let addresses = self.addresses(&host, connect_timeout).await?;
        for &address in &addresses {
            if let Err(class) = destination.reach.admits(address) {
                return Err(SendError::Refused {
                    host,
                    address,
                    class,
                });
            }
        }
        let tls_name: Option<Arc<str>> = https.then(|| host.as_str().into());
        let keys: Vec<PoolKey> = addresses
            .iter()
            .map(|&ip| PoolKey {
                tls_name: tls_name.clone(),
                address: SocketAddr::new(ip, port),
                class: destination.class.clone(),
            })
            .collect();

        // The request line carries the path only (no proxy addressing).
        let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
        *request.uri_mut() = http::Uri::try_from(path).map_err(|_| Error::HttpRequestUriInvalid)?;

        if let Some(pool) = &self.pool {
            let pooled = keys.iter().find_map(|key| pool.checkout(key));
            if let Some(mut conn) = pooled {
                match exchange(&mut conn, request, first_byte_timeout).await {
                    Ok(response) => {
                        self.reused.fetch_add(1, Ordering::Relaxed);
                        return Ok(finish(response, conn, between_bytes, Some(pool)));
                    }
                    // The idle connection had gone: try a fresh one.
                    Err(Retry::Unsent(unsent)) => request = unsent,
                    Err(Retry::Failed(error)) => return Err(error.into()),
                }
            }
        }
        let mut conn = self.connect(&keys, &host, https, connect_timeout).await?;
        match exchange(&mut conn, request, first_byte_timeout).await {
            Ok(response) => Ok(finish(response, conn, between_bytes, self.pool.as_ref())),
            Err(Retry::Unsent(_)) => Err(Error::ConnectionTerminated.into()),
            Err(Retry::Failed(error)) => Err(error.into()),
        }
    }

    /// GETs `url` for the host itself (an operator-named URL: any address
    /// may be reached), reading at most `max_bytes` of the answer within
    /// `timeout`. For small documents such as a trusted issuer's key set.
    pub(crate) async fn get(
        &self,
        url: &http::Uri,
        max_bytes: usize,
        timeout: Duration,
    ) -> Result<(http::StatusCode, bytes::Bytes), String> {
        use http_body_util::BodyExt as _;
        let mut request = http::Request::new(
            http_body_util::Empty::new()
                .map_err(|never| match never {})
                .boxed_unsync(),
        );
        *request.uri_mut() = url.clone();
        if let Some(authority) = url.authority()
            && let Ok(host) = http::HeaderValue::from_str(authority.as_str())
        {
            request.headers_mut().insert(http::header::HOST, host);
        }
        request.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        let options = RequestOptions {
            connect_timeout: Some(timeout),
            first_byte_timeout: Some(timeout),
            between_bytes_timeout: Some(timeout),
        };
        let destination = Destination {
            reach: Reach::Named,
            class: PoolClass::Plain,
        };
        let exchange = async {
            let (response, io) = self
                .send(request, Some(options), destination)
                .await
                .map_err(|e| match e {
                    SendError::Refused { host, address, .. } => {
                        format!("{host} resolved to {address}, which may not be reached")
                    }
                    SendError::Http(error) => format!("{error:?}"),
                })?;
            if let Some(io) = io {
                tokio::spawn(io);
            }
            let status = response.status();
            let limited = http_body_util::Limited::new(response.into_body(), max_bytes);
            let body = limited
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| format!("no answer within {timeout:?}"))?
    }

    /// `host`'s addresses: the literal itself, or what the resolver says.
    async fn addresses(&self, host: &str, timeout: Duration) -> Result<Vec<IpAddr>, Error> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let resolved = tokio::time::timeout(timeout, self.resolver.resolve(host))
            .await
            .map_err(|_| Error::DnsTimeout)?;
        match resolved {
            Ok(addresses) if !addresses.is_empty() => Ok(addresses),
            Ok(_) | Err(_) => Err(Error::DnsError {
                rcode: Some("address not available".to_string()),
                info_code: None,
            }),
        }
    }

    /// A new connection to the first of `keys`' addresses that answers.
    async fn connect(
        &self,
        keys: &[PoolKey],
        host: &str,
        https: bool,
        timeout: Duration,
    ) -> Result<Conn, Error> {
        let mut last = Error::ConnectionRefused;
        for key in keys {
            match tokio::time::timeout(timeout, self.open(key, host, https)).await {
                Ok(Ok(conn)) => {
                    self.opened.fetch_add(1, Ordering::Relaxed);
                    return Ok(conn);
                }
                Ok(Err(error)) => last = error,
                Err(_) => last = Error::ConnectionTimeout,
            }
        }
        Err(last)
    }

    async fn open(&self, key: &PoolKey, host: &str, https: bool) -> Result<Conn, Error> {
        let tcp = TcpStream::connect(key.address)
            .await
            .map_err(Error::Connect)?;
        // Small writes (a request head, then its body) go out at once,
        // not held for an ACK (Nagle) on a kept-alive connection.
        let _ = tcp.set_nodelay(true);
        if https {
            let tls = tls::connect(&self.tls, host, tcp).await?;
            handshake(TokioIo::new(tls), key.clone()).await
        } else {
            handshake(TokioIo::new(tcp), key.clone()).await
        }
    }
}

/// The response, its body holding `conn` until it ends (then back to
/// `pool`, if pooling, else closed), and the connection's driver when the
/// caller is to run it: a connection that will not be pooled is driven as
/// the exchange's own I/O future (as plain wasmtime-wasi-http does), a
/// pooled one on a task of its own that outlives the exchange.
fn finish(
    response: http::Response<hyper::body::Incoming>,
    mut conn: Conn,
    between_bytes: Duration,
    pool: Option<&Arc<Pool>>,
) -> Sent {
    let io = match pool {
        Some(_) => {
            conn.driver.spawn();
            None
        }
        None => conn.driver.inline.take(),
    };
    let pool = pool.cloned();
    let response = response.map(|incoming| ConnBody::new(incoming, between_bytes, conn, pool));
    (response, io)
}

/// A response and, for an unpooled connection, the I/O future that drives
/// it (the caller runs it until the exchange ends).
pub(crate) type Sent = (http::Response<ConnBody>, Option<pool::ConnectionFuture>);

async fn handshake<T>(io: TokioIo<T>, key: PoolKey) -> Result<Conn, Error>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = http1::Builder::new().handshake(io).await?;
    Ok(Conn {
        sender,
        driver: Driver::inline(Box::pin(connection)),
        key,
    })
}

/// A failed exchange: the request back when it was never sent (so it may
/// go on another connection), else the error.
enum Retry {
    Unsent(http::Request<WasiBody>),
    Failed(Error),
}

/// Sends `request` on `conn` and waits for the response head, driving a
/// new connection's I/O inline meanwhile (no task hop on the way).
async fn exchange(
    conn: &mut Conn,
    request: http::Request<WasiBody>,
    first_byte_timeout: Duration,
) -> Result<http::Response<hyper::body::Incoming>, Retry> {
    let Conn { sender, driver, .. } = conn;
    // A fresh connection takes its first request before its driver has run
    // (hyper buffers one); waiting for it to say so would cost a wake-up.
    let fresh = driver.inline.is_some();
    let sent = async {
        if !fresh && sender.ready().await.is_err() {
            return Err(Retry::Unsent(request));
        }
        match sender.try_send_request(request).await {
            Ok(response) => Ok(response),
            Err(mut error) => match error.take_message() {
                Some(request) => Err(Retry::Unsent(request)),
                None => Err(Retry::Failed(Error::from(error.into_error()))),
            },
        }
    };
    let mut sent = std::pin::pin!(tokio::time::timeout(first_byte_timeout, sent));
    let outcome = std::future::poll_fn(|cx| {
        if let Poll::Ready(outcome) = sent.as_mut().poll(cx) {
            return Poll::Ready(outcome);
        }
        let Some(connection) = driver.inline.as_mut() else {
            return Poll::Pending;
        };
        let Poll::Ready(ended) = connection.as_mut().poll(cx) else {
            return Poll::Pending;
        };
        driver.inline = None;
        match ended {
            // The upstream closed after answering (`connection: close`):
            // the answer is in; anything else ended too early.
            Ok(()) => match sent.as_mut().poll(cx) {
                Poll::Ready(outcome) => Poll::Ready(outcome),
                Poll::Pending => Poll::Ready(Ok(Err(Retry::Failed(Error::ConnectionTerminated)))),
            },
            Err(error) => Poll::Ready(Ok(Err(Retry::Failed(Error::from(error))))),
        }
    })
    .await;
    match outcome {
        Err(_elapsed) => Err(Retry::Failed(Error::ConnectionReadTimeout)),
        Ok(result) => result,
    }
}

#[cfg(test)]
mod tests;
