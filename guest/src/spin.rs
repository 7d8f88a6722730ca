//! Carrying the Caracal envelope through a spin-sdk HTTP component:
//! [`InboundContext`] reads it off the request the component serves, and
//! [`send`] puts it on the component's outbound calls.
//!
//! Requires the `spin` feature. This module is **propagation only**: it
//! imports no `caracal:*` interface, only what spin-sdk itself uses
//! (`wasi:http/client@0.3.0` for [`send`]) and `wasi:random/random@0.3.0`
//! for span ids. The same component therefore runs under plain Spin or
//! `wasmtime serve` and still forwards the envelope it was called with; under
//! `caracal-host serve` the host verifies the inbound token, hands the
//! request over with the envelope on it, and governs every outbound call by
//! the bearer the component forwards.
//!
//! A component that wants none of the rest of the SDK depends on
//! `caracal = { default-features = false, features = ["spin"] }`.
//!
//! # Example
//!
//! ```no_run
//! use caracal::spin::{InboundContext, send};
//! use spin_sdk::http::{EmptyBody, IntoResponse, Request};
//!
//! #[spin_sdk::http_service]
//! async fn handle(request: Request) -> spin_sdk::http::Result<impl IntoResponse> {
//!     let context = InboundContext::from_request(&request)?;
//!     println!("session {:?} trace {:?}", context.session_id(), context.trace_id());
//!     let upstream = http::Request::get("http://127.0.0.1:8080/tickets").body(EmptyBody::new())?;
//!     let response = send(upstream, &context).await?;
//!     Ok(format!("upstream said {}", response.status()))
//! }
//! # fn main() {}
//! ```

mod error;
mod random;

use std::fmt;
use std::sync::OnceLock;

use caracal_envelope::{Envelope, TraceParent};
use http::header::AUTHORIZATION;
use http::{HeaderMap, Request};
use spin_sdk::http::{IntoRequest, Response};

use crate::headers::Headers;
use crate::merge;

pub use error::{InboundError, SendError};

/// The envelope headers a request is read for.
const ENVELOPE_HEADERS: [&str; 4] = ["authorization", "traceparent", "tracestate", "baggage"];

/// The Caracal envelope a component was called with: the bearer, the trace
/// context and the `caracal.*` baggage (DESIGN §4).
///
/// Read it once per request with [`from_request`](Self::from_request), then
/// project it onto each outbound call with [`headers`](Self::headers),
/// [`apply`](Self::apply) or [`send`]. Everything is optional: a request
/// with no envelope gives an empty context (the component was not called by
/// a Caracal host or agent), whose outbound calls carry only a traceparent.
///
/// The decoded values are routing metadata, not proof of anything: the bearer
/// is a host-minted token that only the host verifies, and a guest cannot
/// forge the `caracal.*` members the host acts on.
///
/// `Debug` redacts the bearer.
#[derive(Clone, Default)]
pub struct InboundContext {
    envelope: Envelope,
    /// The trace id outbound calls carry when the request had no valid
    /// traceparent: drawn on first use, then shared by every call.
    new_trace: OnceLock<[u8; 16]>,
}

impl InboundContext {
    /// Reads the envelope off an inbound request: spin-sdk's
    /// [`Request`](spin_sdk::http::Request), or an `http::Request` with any
    /// body. See [`from_headers`](Self::from_headers).
    ///
    /// # Errors
    ///
    /// [`InboundError`] for an `authorization` header that is not one
    /// `Bearer <token>`.
    ///
    /// # Example
    ///
    /// ```
    /// use caracal::spin::InboundContext;
    ///
    /// let request = http::Request::get("/tickets/7")
    ///     .header("authorization", "Bearer t0k")
    ///     .header("baggage", "caracal.agent_session=0190-s,caracal.hop=1")
    ///     .body(())?;
    /// let context = InboundContext::from_request(&request)?;
    /// assert_eq!(context.bearer(), Some("t0k"));
    /// assert_eq!(context.session_id(), Some("0190-s"));
    /// assert_eq!(context.hop(), 1);
    /// assert_eq!(context.trace_id(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_request<B>(request: &Request<B>) -> Result<InboundContext, InboundError> {
        InboundContext::from_headers(request.headers())
    }

    /// Reads the envelope off inbound headers, with the codec's rules
    /// (names compared case-insensitively, values trimmed):
    ///
    /// - `authorization` must be absent or exactly one `Bearer <token>`
    ///   (scheme in any case): anything else is an error, since forwarding
    ///   or dropping an unknown credential would both be wrong.
    /// - `traceparent`, `tracestate` and `baggage` follow W3C: a malformed,
    ///   repeated or non-ASCII traceparent is ignored (the outbound calls
    ///   start a new trace), a tracestate is kept only with a valid
    ///   traceparent, and baggage over 8192 bytes or 64 members is dropped.
    ///   The hop is clamped to 10.
    ///
    /// # Errors
    ///
    /// [`InboundError::InvalidAuthorization`] and
    /// [`InboundError::RepeatedAuthorization`].
    ///
    /// # Example
    ///
    /// ```
    /// use caracal::spin::{InboundContext, InboundError};
    /// use http::{HeaderMap, HeaderValue};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("authorization", HeaderValue::from_static("Basic dXNlcg=="));
    /// let err = InboundContext::from_headers(&headers).unwrap_err();
    /// assert_eq!(err, InboundError::InvalidAuthorization);
    /// ```
    pub fn from_headers(headers: &HeaderMap) -> Result<InboundContext, InboundError> {
        let mut authorization = headers.get_all(AUTHORIZATION).iter();
        if let Some(value) = authorization.next() {
            if authorization.next().is_some() {
                return Err(InboundError::RepeatedAuthorization);
            }
            let bearer = value
                .to_str()
                .ok()
                .and_then(|value| Envelope::decode([("authorization", value)]).bearer);
            if bearer.is_none() {
                return Err(InboundError::InvalidAuthorization);
            }
        }
        // Trace headers that are not text are skipped like any other
        // malformed trace header.
        let pairs = ENVELOPE_HEADERS.into_iter().flat_map(|name| {
            headers
                .get_all(name)
                .iter()
                .filter_map(move |value| Some((name, value.to_str().ok()?)))
        });
        Ok(InboundContext {
            envelope: Envelope::decode(pairs),
            new_trace: OnceLock::new(),
        })
    }

    /// The acting agent session id (`caracal.agent_session`), if any.
    pub fn session_id(&self) -> Option<&str> {
        self.envelope.caracal.agent_session.as_deref()
    }

    /// The delegation edge the caller acts under
    /// (`caracal.delegation_edge`), if any.
    pub fn delegation_id(&self) -> Option<&str> {
        self.envelope.caracal.delegation_edge.as_deref()
    }

    /// The edge that delegation was narrowed from (`caracal.parent_edge`),
    /// if any.
    pub fn parent_delegation_id(&self) -> Option<&str> {
        self.envelope.caracal.parent_edge.as_deref()
    }

    /// The subject authority record (`caracal.session`; the host writes
    /// `<zone>/<application>`), if any.
    pub fn subject(&self) -> Option<&str> {
        self.envelope.caracal.session.as_deref()
    }

    /// Delegation hops so far (`caracal.hop`, at most 10; 0 when absent).
    pub fn hop(&self) -> u32 {
        self.envelope.caracal.hop
    }

    /// The inbound trace id, 32 lowercase hex digits; `None` without a
    /// valid inbound traceparent.
    pub fn trace_id(&self) -> Option<String> {
        self.envelope.traceparent.map(|tp| tp.trace_id_hex())
    }

    /// The inbound traceparent (re-rendered as version `00`), if valid.
    pub fn traceparent(&self) -> Option<String> {
        self.envelope.traceparent.map(|tp| tp.to_header())
    }

    /// The inbound tracestate, kept only with a valid traceparent.
    pub fn tracestate(&self) -> Option<&str> {
        self.envelope.tracestate.as_deref()
    }

    /// The decoded value of inbound baggage member `key` (`caracal.*` ones
    /// included, as received).
    pub fn baggage(&self, key: impl AsRef<str>) -> Option<&str> {
        self.envelope.baggage.get(key.as_ref())
    }

    /// The inbound bearer token, without the `Bearer ` scheme.
    pub fn bearer(&self) -> Option<&str> {
        self.envelope.bearer.as_deref()
    }

    /// Whether the request carried no envelope at all: no bearer, no valid
    /// traceparent and no baggage.
    pub fn is_empty(&self) -> bool {
        self.envelope.bearer.is_none()
            && self.envelope.traceparent.is_none()
            && self.envelope.baggage.is_empty()
    }

    /// The envelope for one outbound call, in wire order:
    ///
    /// - `authorization: Bearer <the inbound bearer>`, if there was one;
    /// - `traceparent`: the inbound trace id and flags under a **new** span
    ///   id (the inbound span is its parent); without an inbound trace, a
    ///   new trace, the same for every call made with this context;
    /// - `tracestate`, unchanged, with an inbound traceparent;
    /// - `baggage`: the inbound members with the `caracal.*` ones rewritten
    ///   from the decoded fields (keys sorted, values percent-encoded).
    ///
    /// Each call draws a new span id.
    ///
    /// # Example
    ///
    /// ```
    /// use caracal::spin::InboundContext;
    ///
    /// let request = http::Request::get("/")
    ///     .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    ///     .header("baggage", "tenant=acme,caracal.agent_session=s1")
    ///     .body(())?;
    /// let headers = InboundContext::from_request(&request)?.headers();
    /// let traceparent = headers.get("traceparent").unwrap();
    /// assert!(traceparent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
    /// assert!(!traceparent.contains("00f067aa0ba902b7"));
    /// assert_eq!(headers.get("baggage"), Some("caracal.agent_session=s1,caracal.hop=0,tenant=acme"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn headers(&self) -> Headers {
        self.headers_with_span(random::span_id())
    }

    fn headers_with_span(&self, span_id: [u8; 8]) -> Headers {
        let (traceparent, tracestate) = match self.envelope.traceparent {
            Some(inbound) => (inbound.with_span(span_id), self.envelope.tracestate.clone()),
            None => {
                let trace_id = *self.new_trace.get_or_init(random::trace_id);
                let sampled = TraceParent {
                    trace_id,
                    span_id,
                    flags: 1,
                };
                (sampled, None)
            }
        };
        let outbound = Envelope {
            traceparent: Some(traceparent),
            tracestate,
            ..self.envelope.clone()
        };
        Headers::from_pairs(outbound.encode())
    }

    /// Puts the envelope of one outbound call ([`headers`](Self::headers))
    /// on `map`, as [`send`] does:
    ///
    /// - `authorization` is the envelope's; a `map` that already has one is
    ///   an error (this context's bearer must not travel next to, or be
    ///   replaced by, another credential);
    /// - a `map` with exactly one valid `traceparent` keeps it and its
    ///   `tracestate`; otherwise both come from the envelope;
    /// - `baggage` keeps `map`'s foreign members and takes every `caracal.*`
    ///   member from the envelope.
    ///
    /// # Errors
    ///
    /// [`SendError::AuthorizationPresent`]; `map` is then unchanged.
    ///
    /// # Example
    ///
    /// ```
    /// use caracal::spin::InboundContext;
    ///
    /// let inbound = http::Request::get("/").header("authorization", "Bearer t0k").body(())?;
    /// let context = InboundContext::from_request(&inbound)?;
    /// let mut outbound = http::Request::get("http://127.0.0.1:8080/").body(())?;
    /// context.apply(outbound.headers_mut())?;
    /// assert_eq!(outbound.headers()["authorization"], "Bearer t0k");
    /// assert!(context.apply(outbound.headers_mut()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&self, map: &mut HeaderMap) -> Result<(), SendError> {
        if map.contains_key(AUTHORIZATION) {
            return Err(SendError::AuthorizationPresent);
        }
        merge::apply_envelope(map, &self.headers());
        Ok(())
    }
}

impl fmt::Debug for InboundContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let caracal = &self.envelope.caracal;
        f.debug_struct("InboundContext")
            .field("session_id", &caracal.agent_session)
            .field("delegation_id", &caracal.delegation_edge)
            .field("parent_delegation_id", &caracal.parent_edge)
            .field("subject", &caracal.session)
            .field("hop", &caracal.hop)
            .field("traceparent", &self.traceparent())
            .field("tracestate", &self.envelope.tracestate)
            .field(
                "bearer",
                &self.envelope.bearer.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// Sends `request` with [`spin_sdk::http::send`] after putting `context`'s
/// envelope on it ([`InboundContext::apply`]). Redirects are not followed
/// (`wasi:http` does not follow them).
///
/// `request` is any `http::Request` spin-sdk can send: a body of
/// [`EmptyBody`](spin_sdk::http::EmptyBody),
/// [`FullBody`](spin_sdk::http::FullBody), `String`, ... The URL must be
/// absolute and its host allowed (Spin's `allowed_outbound_hosts`; under
/// Caracal, the host's rules for the session the bearer names).
///
/// # Errors
///
/// [`SendError::AuthorizationPresent`] before anything is sent;
/// [`SendError::Http`] when spin-sdk or the host fails the call (a denied
/// call is `HTTP-request-denied`). Any response status is `Ok`.
///
/// # Example
///
/// ```no_run
/// use caracal::spin::{InboundContext, send};
/// use spin_sdk::http::EmptyBody;
///
/// # async fn example(request: spin_sdk::http::Request) -> spin_sdk::http::Result<()> {
/// let context = InboundContext::from_request(&request)?;
/// let upstream = http::Request::get("http://127.0.0.1:8080/tickets/7").body(EmptyBody::new())?;
/// let response = send(upstream, &context).await?;
/// println!("{}", response.status());
/// # Ok(())
/// # }
/// ```
pub async fn send<B>(
    mut request: Request<B>,
    context: &InboundContext,
) -> Result<Response, SendError>
where
    Request<B>: IntoRequest,
{
    context.apply(request.headers_mut())?;
    spin_sdk::http::send(request).await.map_err(SendError::Http)
}

#[cfg(test)]
mod tests;
