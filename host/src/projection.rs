//! Projecting a context into outbound HTTP headers (DESIGN §4).
//!
//! Everything that does not change over a session's life (baggage, token
//! claims) is computed once per handle, on its first `headers()` call
//! ([`DeferredProjection`]); a `headers()` call only draws a new span id and
//! formats `traceparent`. The token is minted on first use and
//! again only when it nears expiry, never per call.

use crate::token::{ISSUER, TOKEN_TTL_SECONDS, TokenClaims, TokenSigner};
use caracal_authority::SessionView;
use caracal_envelope::{Baggage, CaracalContext, TraceParent};

/// Re-mint a token this many seconds before it expires.
const REMINT_MARGIN_SECONDS: u64 = 30;

/// Header material for one context.
#[derive(Debug)]
pub(crate) struct Projection {
    claims: TokenClaims,
    /// The token never outlives this (unix seconds): the session's expiry.
    hard_expiry_secs: Option<u64>,
    bearer: Option<String>,
    trace: TraceParent,
    tracestate: Option<String>,
    baggage: String,
}

impl Projection {
    /// Material for a session or root context as the engine sees it.
    pub fn new(view: &SessionView) -> Projection {
        let authority = view.authority.as_ref();
        let edge = authority.and_then(|a| a.edge_id.clone());
        let parent_edge = authority.and_then(|a| a.parent_edge_id.clone());
        let hop = authority.map_or(0, |a| a.hop);
        let session_id = (!view.is_root).then(|| view.id.to_string());
        let subject = format!("{}/{}", view.zone_id, view.application_id);
        let mut baggage = Baggage::default();
        CaracalContext {
            agent_session: session_id.clone(),
            delegation_edge: edge.clone(),
            parent_edge: parent_edge.clone(),
            session: Some(subject),
            hop,
        }
        .write_to(&mut baggage);
        let expiry = [view.expires_at_ms, authority.and_then(|a| a.expires_at_ms)]
            .into_iter()
            .flatten()
            .min();
        Projection {
            claims: TokenClaims {
                iss: ISSUER.into(),
                sub: session_id
                    .clone()
                    .unwrap_or_else(|| format!("application:{}", view.application_id)),
                zone: view.zone_id.clone(),
                app: view.application_id.clone(),
                sid: session_id,
                did: edge,
                pdid: parent_edge,
                hop,
                iat: 0,
                exp: 0,
                jti: String::new(),
            },
            hard_expiry_secs: expiry.map(|ms| ms / 1000),
            bearer: None,
            trace: TraceParent {
                trace_id: view.trace_id,
                span_id: [0; 8],
                flags: 1,
            },
            tracestate: None,
            baggage: baggage.to_header(),
        }
    }

    /// The `baggage` header value (the `caracal.*` members).
    pub(crate) fn baggage(&self) -> &str {
        &self.baggage
    }

    /// The trace id of the session's tree.
    pub(crate) fn trace_id(&self) -> [u8; 16] {
        self.trace.trace_id
    }

    /// The envelope headers, in wire order: `authorization`, `traceparent`,
    /// `tracestate` (when present), `baggage`.
    pub fn headers(
        &mut self,
        signer: &TokenSigner,
        now_ms: u64,
        span_id: [u8; 8],
    ) -> Vec<(String, String)> {
        let bearer = self.bearer(signer, now_ms / 1000).to_string();
        let mut headers = Vec::with_capacity(4);
        headers.push(("authorization".to_string(), bearer));
        headers.push((
            "traceparent".to_string(),
            self.trace.with_span(span_id).to_header(),
        ));
        if let Some(state) = &self.tracestate {
            headers.push(("tracestate".to_string(), state.clone()));
        }
        headers.push(("baggage".to_string(), self.baggage.clone()));
        headers
    }

    /// The cached `Bearer <token>`, minted again when it nears expiry.
    fn bearer(&mut self, signer: &TokenSigner, now_secs: u64) -> &str {
        let capped = |exp: u64| self.hard_expiry_secs.map_or(exp, |hard| exp.min(hard));
        let stale = self.claims.exp <= now_secs
            || (self.claims.exp <= now_secs + REMINT_MARGIN_SECONDS
                && capped(u64::MAX) > self.claims.exp);
        if self.bearer.is_none() || stale {
            self.claims.iat = now_secs;
            self.claims.exp = capped(now_secs + TOKEN_TTL_SECONDS).max(now_secs + 1);
            self.claims.jti = uuid::Uuid::now_v7().to_string();
            self.bearer = Some(format!("Bearer {}", signer.mint(&self.claims)));
        }
        self.bearer.as_deref().unwrap_or_default()
    }
}

/// A session handle's projection, made on the handle's first `headers()`
/// call from the view it was spawned with: most handles never project (a
/// task spawned, given work and closed), so a spawn pays nothing for
/// baggage and claims it may never send.
#[derive(Debug)]
pub(crate) enum DeferredProjection {
    /// Not projected yet: the session as it was when the handle was made.
    Pending(SessionView),
    /// Projected.
    Ready(Projection),
}

impl DeferredProjection {
    /// A projection of `view`, made when first needed.
    pub fn new(view: SessionView) -> DeferredProjection {
        DeferredProjection::Pending(view)
    }

    /// [`Projection::headers`], projecting the view first if need be.
    pub fn headers(
        &mut self,
        signer: &TokenSigner,
        now_ms: u64,
        span_id: [u8; 8],
    ) -> Vec<(String, String)> {
        if let DeferredProjection::Pending(view) = self {
            *self = DeferredProjection::Ready(Projection::new(view));
        }
        let DeferredProjection::Ready(projection) = self else {
            unreachable!("projected above")
        };
        projection.headers(signer, now_ms, span_id)
    }
}

/// Span ids for `traceparent`: a per-store xorshift generator seeded from the
/// OS. Span ids need uniqueness, not secrecy.
#[derive(Debug)]
pub(crate) struct SpanIds(u64);

impl SpanIds {
    pub fn new() -> SpanIds {
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed).expect("the OS random source is available");
        SpanIds(u64::from_le_bytes(seed) | 1)
    }

    pub fn next(&mut self) -> [u8; 8] {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x.to_be_bytes()
    }
}
