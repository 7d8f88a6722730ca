//! [`Transport`]: a blocking HTTP client over `wasi:http/outgoing-handler`
//! that carries the bound context's Caracal envelope, and which requests get
//! it (WIT `caracal:agent/outbound.routed-prefixes`).
//!
//! Requires the `transport` feature (on by default).

mod body;
mod error;
mod route;
mod wasi;

use std::time::Duration;

use http::header::CONTENT_LENGTH;
use http::{HeaderValue, Method, Request, Response, Uri};

use crate::binding;
use crate::bindings::{outbound, sessions};
use crate::error::Error;
use crate::headers::Headers;
use crate::merge;

pub use body::Body;
pub use error::TransportError;

/// Which requests a [`Transport`] puts the Caracal envelope on.
///
/// The envelope is the bound context's `authorization` bearer,
/// `traceparent`/`tracestate` and `caracal.*` baggage. The bearer is a
/// host-minted token naming the session, not an upstream credential, but it
/// still says who is calling: by default it goes only where the host routes
/// through a gateway.
///
/// # Example
///
/// ```no_run
/// use caracal::{Caracal, Propagation};
///
/// // Also send the envelope to hosts the gateway does not route.
/// let transport = Caracal::new().transport().propagation(Propagation::Always);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Propagation {
    /// Only requests under one of the host's gateway-routed URL prefixes
    /// (its `gateway_url` and every resource's `upstream_prefix`) carry the
    /// envelope; the host applies the same rule. Matching compares scheme,
    /// host and port (normalised) and the prefix path on a segment boundary:
    /// `https://api.example/tickets` covers `/tickets` and `/tickets/7`, not
    /// `/ticketsX`.
    #[default]
    GatewayOnly,
    /// Every request carries the envelope.
    Always,
    /// No request carries the envelope; requests go out as built.
    Never,
}

/// A blocking HTTP client over `wasi:http` that puts the bound context's
/// Caracal envelope on the requests that need it.
///
/// Made by [`Caracal::transport`](crate::Caracal::transport) (inheriting its
/// [`allow_root`](crate::Caracal::allow_root) setting) or
/// [`Transport::new`]. It holds only its settings: the envelope comes from
/// the context bound *when a request is sent*, so one transport serves every
/// session.
///
/// For each request:
///
/// - **Which requests.** With the default [`Propagation::GatewayOnly`] a
///   request carries the envelope only when its URL is under one of the
///   host's gateway-routed prefixes; see [`Propagation`].
/// - **Which context.** The innermost bound session; with none bound, the
///   root context if [`allow_root(true)`](Transport::allow_root), else the
///   request fails with [`TransportError::NoContext`]. A request that does
///   not carry the envelope needs no context.
/// - **Headers.** The envelope's `authorization` (and any other header of
///   its) replaces the request's; a request's own valid `traceparent` is kept
///   with its `tracestate`, otherwise both come from the envelope; `baggage`
///   keeps the request's foreign members and takes every `caracal.*` member
///   from the envelope.
/// - **Redirects are never followed.** `wasi:http` does not follow them and
///   neither does the transport: a 3xx response is returned as it is, so a
///   bearer meant for the gateway never travels to wherever a `Location`
///   points. Follow one yourself, deliberately, if you must.
/// - **Responses** of any status are `Ok`; the body is read to its end into
///   memory.
///
/// The host still decides: a request it does not allow fails with
/// [`TransportError::Denied`].
///
/// # Example
///
/// ```no_run
/// use caracal::Caracal;
///
/// let caracal = Caracal::new();
/// let transport = caracal.transport();
/// let session = caracal.spawn().label("triage").start()?;
///
/// let response = transport.get("https://api.example.com/tickets")?;
/// println!("{}: {}", response.status(), String::from_utf8_lossy(response.body()));
///
/// let request = http::Request::post("https://api.example.com/tickets")
///     .header("content-type", "application/json")
///     .body(r#"{"title":"printer on fire"}"#)?;
/// let created = transport.send(request)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Transport {
    allow_root: bool,
    propagation: Propagation,
    timeout: Option<Duration>,
}

impl Transport {
    /// A transport with the defaults: [`Propagation::GatewayOnly`], no root
    /// context, no timeout of its own (the host's apply).
    ///
    /// # Example
    ///
    /// ```
    /// let transport = caracal::Transport::new();
    /// ```
    pub fn new() -> Transport {
        Transport::default()
    }

    /// Lets a request that needs the envelope carry the root context's (the
    /// application's own authority) when no session is bound. Off by
    /// default, so that work outside any session fails with
    /// [`TransportError::NoContext`] instead of calling out with the
    /// application's full authority.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let transport = caracal::Transport::new().allow_root(true);
    /// let response = transport.get("https://api.example.com/status")?;
    /// # Ok::<(), caracal::TransportError>(())
    /// ```
    pub fn allow_root(self, allow: bool) -> Transport {
        Transport {
            allow_root: allow,
            ..self
        }
    }

    /// Chooses which requests carry the envelope (default:
    /// [`Propagation::GatewayOnly`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use caracal::{Propagation, Transport};
    ///
    /// // A plain client: nothing Caracal on any request.
    /// let plain = Transport::new().propagation(Propagation::Never);
    /// let response = plain.get("https://example.com/")?;
    /// # Ok::<(), caracal::TransportError>(())
    /// ```
    pub fn propagation(self, propagation: Propagation) -> Transport {
        Transport {
            propagation,
            ..self
        }
    }

    /// Sets the `wasi:http` connect, first-byte and between-bytes timeouts,
    /// each to `timeout`. It bounds each wait, not the whole exchange. An
    /// expired timeout fails with [`TransportError::Http`]
    /// (`connection-timeout`, `HTTP-response-timeout`, ...). Without it the
    /// host's defaults apply.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let transport = caracal::Transport::new().timeout(Duration::from_secs(10));
    /// ```
    pub fn timeout(self, timeout: Duration) -> Transport {
        Transport {
            timeout: Some(timeout),
            ..self
        }
    }

    /// Sends `request` and reads the whole response, after putting the
    /// envelope on it when it needs one (see [`Transport`]).
    ///
    /// The URL must be absolute `http` or `https`, without user info. The
    /// body is sent with a `content-length` header (which replaces one on
    /// the request); framing headers `wasi:http` forbids (`host`,
    /// `connection`, `transfer-encoding`, ...) are refused as
    /// [`TransportError::InvalidRequest`]. Blocks until the response body
    /// has been read.
    ///
    /// # Errors
    ///
    /// [`TransportError::NoContext`] and [`TransportError::Caracal`] before
    /// anything is sent; [`TransportError::InvalidRequest`] for a request
    /// that cannot be sent; [`TransportError::Denied`] when the host refuses
    /// it; [`TransportError::Http`] and [`TransportError::Io`] when the
    /// exchange fails.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use caracal::Caracal;
    ///
    /// let caracal = Caracal::new();
    /// let session = caracal.spawn().start()?;
    /// let request = http::Request::put("https://api.example.com/tickets/7")
    ///     .header("content-type", "application/json")
    ///     .body(String::from(r#"{"status":"closed"}"#))?;
    /// let response = caracal.transport().send(request)?;
    /// if response.status().is_redirection() {
    ///     println!("not followed: {:?}", response.headers().get("location"));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send<B: Into<Body>>(
        &self,
        request: Request<B>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let (mut parts, body) = self.prepare(request)?.into_parts();
        let target = Target::new(&parts.uri)?;
        let carries_body =
            !body.is_empty() || matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
        if carries_body {
            parts
                .headers
                .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        } else {
            parts.headers.remove(CONTENT_LENGTH);
        }
        wasi::send(&wasi::Outgoing {
            method: &parts.method,
            scheme: target.scheme,
            authority: target.authority,
            path_with_query: target.path_with_query,
            headers: &parts.headers,
            body: body.as_bytes(),
            timeout: self.timeout,
        })
    }

    /// Sends a `GET` for `url` with no body; see [`send`](Transport::send).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let session = caracal::Caracal::new().spawn().start()?;
    /// let response = caracal::Transport::new().get("https://api.example.com/tickets?open=1")?;
    /// let tickets = String::from_utf8_lossy(response.body());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, url: impl AsRef<str>) -> Result<Response<Vec<u8>>, TransportError> {
        let url = url.as_ref();
        let request = Request::get(url)
            .body(Body::empty())
            .map_err(|e| TransportError::InvalidRequest(format!("bad URL {url:?}: {e}")))?;
        self.send(request)
    }

    /// `request` with the envelope put on it as [`send`](Transport::send)
    /// would, without sending it: for logging what goes out, or for handing
    /// the request to another HTTP client. `send` adds framing
    /// (`content-length`) on top. To send exactly a prepared request, send
    /// it through a copy of the transport with [`Propagation::Never`].
    ///
    /// # Errors
    ///
    /// [`TransportError::InvalidRequest`] for a URL `send` would refuse;
    /// [`TransportError::NoContext`] and [`TransportError::Caracal`] as for
    /// `send`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let transport = caracal::Transport::new();
    /// let request = http::Request::get("https://example.com/").body(())?;
    /// let prepared = transport.prepare(request)?;
    /// // example.com is not gateway-routed: nothing was added.
    /// assert!(prepared.headers().get("authorization").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prepare<B: Into<Body>>(
        &self,
        request: Request<B>,
    ) -> Result<Request<Body>, TransportError> {
        let (mut parts, body) = request.into_parts();
        let target = Target::new(&parts.uri)?;
        if self.carries_envelope(&target.url()) {
            let envelope = self.envelope()?;
            merge::apply_envelope(&mut parts.headers, &envelope);
        }
        Ok(Request::from_parts(parts, body.into()))
    }

    fn carries_envelope(&self, url: &str) -> bool {
        match self.propagation {
            Propagation::Always => true,
            Propagation::Never => false,
            Propagation::GatewayOnly => route::is_routed(url, &outbound::routed_prefixes()),
        }
    }

    /// The envelope of the innermost bound context, else of the root context
    /// when allowed.
    fn envelope(&self) -> Result<Headers, TransportError> {
        match binding::innermost() {
            Some(context) => context.headers().map_err(TransportError::Caracal),
            None if self.allow_root => sessions::header_block(true)
                .map(Headers::from_block)
                .map_err(|e| TransportError::Caracal(Error::from_wit(e))),
            None => Err(TransportError::NoContext),
        }
    }
}

/// The parts of a request URL that `wasi:http` takes.
#[derive(Debug)]
struct Target<'a> {
    scheme: &'a str,
    authority: &'a str,
    path_with_query: &'a str,
}

impl Target<'_> {
    fn new(uri: &Uri) -> Result<Target<'_>, TransportError> {
        let invalid = |why: String| TransportError::InvalidRequest(why);
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(invalid(format!(
                "the URL {uri} is not absolute: use scheme://host/path"
            )));
        };
        let scheme = if scheme.eq_ignore_ascii_case("http") {
            "http"
        } else if scheme.eq_ignore_ascii_case("https") {
            "https"
        } else {
            return Err(invalid(format!(
                "scheme {scheme} is not supported: use http or https"
            )));
        };
        if authority.as_str().contains('@') {
            return Err(invalid(format!(
                "user info in the URL {uri} is not supported"
            )));
        }
        let path_with_query = uri
            .path_and_query()
            .map(|p| p.as_str())
            .filter(|p| !p.is_empty())
            .unwrap_or("/");
        Ok(Target {
            scheme,
            authority: authority.as_str(),
            path_with_query,
        })
    }

    /// The URL as matched against the routed prefixes.
    fn url(&self) -> String {
        format!(
            "{}://{}{}",
            self.scheme, self.authority, self.path_with_query
        )
    }
}

#[cfg(test)]
mod tests;
