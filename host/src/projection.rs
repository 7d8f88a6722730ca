//! Projecting a context into outbound HTTP headers (DESIGN §4).
//!
//! Everything that does not change over a session's life (baggage, token
//! claims) is computed once per handle, on its first `headers()` call
//! ([`DeferredProjection`]); a `headers()` call only draws a new span id and
//! formats `traceparent`. The token is minted on first use and
//! again only when it nears expiry, never per call.

use crate::token::{
    ChainHop, SUBJECT_APPLICATION, TOKEN_TTL_SECONDS, TokenClaims, TokenSigner, USE_RESOURCE,
    USE_SESSION,
};
use caracal_authority::{Engine, Scopes, SessionView};
use caracal_envelope::{Baggage, CaracalContext, TraceParent};

/// Re-mint a token this many seconds before it expires.
const REMINT_MARGIN_SECONDS: u64 = 30;
/// A header block's length beyond its bearer and baggage values: the
/// names, separators and `traceparent` (a `tracestate` may grow it).
const BLOCK_SLACK: usize = 128;
/// A bearer's length before the first one is minted (a guess for sizing).
const TOKEN_GUESS: usize = 1024;

/// Header material for one context.
#[derive(Debug)]
pub(crate) struct Projection {
    claims: TokenClaims,
    /// The token never outlives this (unix seconds): the session's expiry.
    hard_expiry_secs: Option<u64>,
    bearer: Option<String>,
    /// The scopes held, `None` for every scope (the application's own).
    scopes: Option<Vec<String>>,
    trace: TraceParent,
    tracestate: Option<String>,
    baggage: String,
}

impl Projection {
    /// Material for a session or root context as the engine sees it: its
    /// envelope, and its token's claims in upstream Caracal's shape (the
    /// subject authority record is the application's root context; the
    /// chain runs from the application the authority came from).
    pub fn new(engine: &Engine, signer: &TokenSigner, view: &SessionView) -> Projection {
        let authority = view.authority.as_ref();
        let edge = authority.and_then(|a| a.edge_id.clone());
        let parent_edge = authority.and_then(|a| a.parent_edge_id.clone());
        let hop = authority.map_or(0, |a| a.hop);
        let session_id = (!view.is_root).then(|| view.id.to_string());
        let sid = engine
            .root_context(&view.id)
            .unwrap_or_else(|_| view.id.clone())
            .to_string();
        // The chain as the engine describes it, this session first; the
        // last link is the root of the application the authority came from.
        let links = engine.describe_authority(&view.id).unwrap_or_default();
        let root_sid = match links.last() {
            Some(origin) if links.len() > 1 => origin.session_id.to_string(),
            _ => sid.clone(),
        };
        let delegation_chain: Vec<ChainHop> = links
            .iter()
            .rev()
            .map(|link| ChainHop {
                application_id: link.application_id.clone(),
                session_id: Some(link.session_id.to_string()),
                delegation_id: link.delegation_id.clone(),
            })
            .collect();
        let delegation_path = links
            .iter()
            .rev()
            .filter_map(|link| link.delegation_id.clone())
            .collect();
        let mut baggage = Baggage::default();
        CaracalContext {
            agent_session: session_id.clone(),
            delegation_edge: edge.clone(),
            parent_edge: parent_edge.clone(),
            session: Some(sid.clone()),
            hop,
        }
        .write_to(&mut baggage);
        let expiry = [view.expires_at_ms, authority.and_then(|a| a.expires_at_ms)]
            .into_iter()
            .flatten()
            .min();
        let scopes = match authority.map(|a| &a.scopes) {
            Some(Scopes::All) => None,
            Some(Scopes::Only(set)) => Some(set.iter().cloned().collect()),
            None => Some(Vec::new()),
        };
        let target = match authority.and_then(|a| a.resource_id.clone()) {
            Some(bound) => vec![bound],
            None if authority.is_some() => signer.resources().to_vec(),
            None => Vec::new(),
        };
        Projection {
            claims: TokenClaims {
                iss: signer.issuer().to_owned(),
                sub: view.application_id.clone(),
                aud: signer.audiences(&view.application_id),
                zone_id: view.zone_id.clone(),
                client_id: view.application_id.clone(),
                sid,
                root_sid,
                sub_type: SUBJECT_APPLICATION.into(),
                token_use: USE_SESSION.into(),
                scope: scopes.as_deref().map(scope_string).unwrap_or_default(),
                target,
                agent_session_id: session_id,
                delegation_edge_id: edge,
                parent_delegation_edge_id: parent_edge,
                hop_count: hop,
                delegation_chain,
                delegation_path,
                iat: 0,
                exp: 0,
                jti: String::new(),
            },
            hard_expiry_secs: expiry.map(|ms| ms / 1000),
            bearer: None,
            scopes,
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
        let mut headers = Vec::with_capacity(4);
        self.each_header(signer, now_ms, span_id, |name, value| {
            headers.push((name.to_owned(), value.to_owned()));
        });
        headers
    }

    /// The same headers as one block of `name: value` lines, each ended by
    /// `\n` (the WIT `header-block`): one string for the guest to take.
    pub fn header_block(&mut self, signer: &TokenSigner, now_ms: u64, span_id: [u8; 8]) -> String {
        let bearer = self.bearer.as_ref().map_or(TOKEN_GUESS, String::len);
        let mut block = String::with_capacity(bearer + self.baggage.len() + BLOCK_SLACK);
        self.each_header(signer, now_ms, span_id, |name, value| {
            block.push_str(name);
            block.push_str(": ");
            block.push_str(value);
            block.push('\n');
        });
        block
    }

    /// Calls `emit` with each envelope header in wire order.
    fn each_header(
        &mut self,
        signer: &TokenSigner,
        now_ms: u64,
        span_id: [u8; 8],
        mut emit: impl FnMut(&str, &str),
    ) {
        self.refresh_bearer(signer, now_ms / 1000);
        emit("authorization", self.bearer.as_deref().unwrap_or_default());
        emit("traceparent", &self.trace.with_span(span_id).to_header());
        if let Some(state) = &self.tracestate {
            emit("tracestate", state);
        }
        emit("baggage", &self.baggage);
    }

    /// The `exp` a token minted at `now_secs` gets: its lifetime, capped by
    /// the session's expiry, at least one second ahead.
    fn expiry(&self, now_secs: u64) -> u64 {
        let exp = now_secs + TOKEN_TTL_SECONDS;
        self.hard_expiry_secs
            .map_or(exp, |hard| exp.min(hard))
            .max(now_secs + 1)
    }

    /// Whether a token expiring at `exp` must be minted again at
    /// `now_secs`: expired, or close to it while a later one is possible.
    fn stale(&self, exp: u64, now_secs: u64) -> bool {
        exp <= now_secs
            || (exp <= now_secs + REMINT_MARGIN_SECONDS
                && self.hard_expiry_secs.is_none_or(|hard| hard > exp))
    }

    /// Mints the `Bearer <token>` kept in `bearer` when there is none yet
    /// or it nears expiry.
    fn refresh_bearer(&mut self, signer: &TokenSigner, now_secs: u64) {
        if self.bearer.is_none() || self.stale(self.claims.exp, now_secs) {
            self.claims.iat = now_secs;
            self.claims.exp = self.expiry(now_secs);
            self.claims.jti = uuid::Uuid::now_v7().to_string();
            self.bearer = Some(format!("Bearer {}", signer.mint(&self.claims)));
        }
    }

    /// A resource mandate for `resource_id` minted at `now_ms`, as
    /// `(Bearer <mandate>, exp)`: audience and target the resource,
    /// `use=resource`, `scope` the scopes this context holds there (every
    /// scope the resource's rules name, `resource_scopes`, for the
    /// application's own authority); the rest as the session token says.
    pub(crate) fn mandate(
        &self,
        signer: &TokenSigner,
        resource_id: &str,
        resource_scopes: &[String],
        now_ms: u64,
    ) -> (String, u64) {
        let now_secs = now_ms / 1000;
        let held = self.scopes.as_deref().unwrap_or(resource_scopes);
        let exp = self.expiry(now_secs);
        let claims = TokenClaims {
            aud: vec![resource_id.to_owned()],
            target: vec![resource_id.to_owned()],
            token_use: USE_RESOURCE.into(),
            scope: scope_string(held),
            iat: now_secs,
            exp,
            jti: uuid::Uuid::now_v7().to_string(),
            ..self.claims.clone()
        };
        (format!("Bearer {}", signer.mint(&claims)), exp)
    }

    /// When (unix seconds) a token expiring at `exp` is to be minted
    /// again: [`REMINT_MARGIN_SECONDS`] before it expires, or at its expiry
    /// when the session ends then anyway (the rule of `stale`, as a time).
    pub(crate) fn renew_at(&self, exp: u64) -> u64 {
        if self.hard_expiry_secs.is_none_or(|hard| hard > exp) {
            exp.saturating_sub(REMINT_MARGIN_SECONDS)
        } else {
            exp
        }
    }
}

/// Scopes as one space-separated `scope` claim (RFC 6749 §3.3); a scope
/// containing whitespace cannot be written there and is left out.
fn scope_string(scopes: &[String]) -> String {
    let mut out = String::new();
    for scope in scopes {
        if scope.is_empty() || scope.contains(char::is_whitespace) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(scope);
    }
    out
}

/// A session handle's projection, made on the handle's first `headers()`
/// call from the view it was spawned with: most handles never project (a
/// task spawned, given work and closed), so a spawn pays nothing for
/// baggage and claims it may never send.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "a handle holds one or the other for its life; boxing either costs an allocation per spawn or per projection"
)]
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

    /// The projection, made from the view first if need be.
    pub fn ready(&mut self, engine: &Engine, signer: &TokenSigner) -> &mut Projection {
        if let DeferredProjection::Pending(view) = self {
            *self = DeferredProjection::Ready(Projection::new(engine, signer, view));
        }
        match self {
            DeferredProjection::Ready(projection) => projection,
            DeferredProjection::Pending(_) => unreachable!("projected above"),
        }
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
