//! Outbound `wasi:http` governance (DESIGN §5): every request a guest sends
//! passes through [`OutboundPolicy`], the store's `WasiHttpHooks`, whether
//! or not the guest uses the SDK.
//!
//! 1. **Identify** the caller from the host-minted bearer (`identity`); no
//!    bearer means the store's root context. A bearer the host did not mint,
//!    or one that does not verify, is refused.
//! 2. **Match** the URL against the resource bindings, longest prefix
//!    first; otherwise against `allowed_outbound_hosts` (deny by default).
//! 3. **Decide** ([`Governor::decide`]): session live, its authority covers
//!    the resource and the scopes the method and path require, the Rego
//!    policy allows it, and `max_calls` is not spent.
//! 4. **Route** (`route`): through the configured gateway with the
//!    envelope and `X-Caracal-Resource`, or through the embedded gateway,
//!    which strips the bearer and `caracal.*` baggage and injects the
//!    resource's credential. The credential never reaches the guest.
//! 5. **Connect** (`connect`): the host resolves the name, checks every
//!    address against the request's [`Reach`](caracal_outbound_rules::Reach)
//!    and connects to a checked one, reusing pooled connections per route.
//!
//! A refusal reaches the guest as `HTTP-request-denied`, or
//! `destination-IP-prohibited` when the name resolves where the request may
//! not go; the host logs and audits why.

mod coalesce;
mod connect;
mod decide;
mod identity;
mod in_process;
mod mandate;
mod redact;
mod relative;
mod revocable;
mod route;

pub use connect::{
    Connector, ConnectorOptions, ConnectorStats, PoolPolicy, Resolution, Resolve, StaticResolver,
    SystemResolver,
};
pub use decide::{Decision, Denial, Governor};
pub use identity::HeldSessions;
pub use in_process::{
    InProcess, InProcessFuture, MAX_IN_PROCESS_DEPTH, SPIN_INTERNAL_SUFFIX, addresses_app,
    internal_component,
};
pub use relative::SELF_AUTHORITY;
pub(crate) use relative::add_to_linker as add_relative_urls_to_linker;
pub use route::Route;

use std::sync::Arc;

use caracal_authority::SessionId;
use connect::{Destination, PoolClass, SendError};
use http_body_util::BodyExt as _;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// The outbound hooks of one store: the host's [`Governor`] applied on
/// behalf of the store's root context.
#[derive(Debug)]
pub struct OutboundPolicy {
    governor: Arc<Governor>,
    root: SessionId,
    held: Arc<HeldSessions>,
    /// The served application's own components, and how deep in
    /// in-process requests this store is.
    in_process: Option<(Arc<dyn InProcess>, u8)>,
}

impl OutboundPolicy {
    /// Hooks governing the requests of the component whose root context is
    /// `root` and which holds handles to the sessions in `held`.
    pub fn new(
        governor: Arc<Governor>,
        root: SessionId,
        held: Arc<HeldSessions>,
    ) -> OutboundPolicy {
        OutboundPolicy {
            governor,
            root,
            held,
            in_process: None,
        }
    }

    /// Answers the application's requests to itself (`http://self`,
    /// relative URLs, `*.spin.internal`) with `app`, from a store `depth`
    /// in-process requests deep (0 for a client's request).
    pub fn in_process(mut self, app: Arc<dyn InProcess>, depth: u8) -> OutboundPolicy {
        self.in_process = Some((app, depth));
        self
    }
}

/// Most of a denied request's body read and dropped before the denial.
const DRAIN_LIMIT: usize = 1 << 20;
/// Longest a denial waits for the rest of the request's body.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_millis(500);

/// Reads and drops what the guest still writes of a denied request's body
/// (at most [`DRAIN_LIMIT`] bytes, for at most [`DRAIN_TIME`]) before the
/// denial is answered. A guest that writes its body after `handle()` — as
/// ComponentizeJS's `fetch` and the guest SDKs do — then sees
/// `HTTP-request-denied`, not a body stream closed under it (which aborts
/// ComponentizeJS's engine). Nothing of it is sent anywhere.
async fn drain_denied(mut body: WasiBody) {
    use http_body_util::BodyExt as _;
    let drain = async {
        let mut read = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, |data| data.len());
            if read > DRAIN_LIMIT {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
}

type SendFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;
type ResponseFuture =
    Box<dyn Future<Output = Result<(http::Response<WasiBody>, SendFuture), Error>> + Send>;

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: SendFuture,
    ) -> ResponseFuture {
        let (mut parts, body) = request.into_parts();
        let outcome = self.governor.decide(&self.root, &self.held, &parts);
        if let Ok(decision) = &outcome {
            // The path decided on is the path audited and sent.
            parts.uri = decision.uri.clone();
        }
        self.governor.audit(&self.root, &parts, &outcome);
        let decision = match outcome {
            Ok(decision) => decision,
            Err(denial) => {
                tracing::warn!(
                    method = %parts.method,
                    url = %parts.uri,
                    reason = %denial,
                    "outbound request denied"
                );
                return Box::new(async move {
                    drain_denied(body).await;
                    Err(Error::HttpRequestDenied)
                });
            }
        };
        tracing::debug!(method = %parts.method, url = %parts.uri, route = ?decision.route, "outbound request allowed");
        if let Some((app, depth)) = &self.in_process
            && matches!(decision.route, Route::Plain { .. })
            && addresses_app(&parts.uri)
        {
            if *depth >= MAX_IN_PROCESS_DEPTH {
                tracing::warn!(url = %parts.uri, "in-process request denied: nested {MAX_IN_PROCESS_DEPTH} deep");
                return Box::new(async { Err(Error::HttpRequestDenied) });
            }
            let answer = app.serve(
                http::Request::from_parts(parts, body),
                decision.session,
                depth + 1,
            );
            return Box::new(async move {
                let response = answer.await?;
                let io: SendFuture = Box::new(async { Ok(()) });
                Ok((response, io))
            });
        }
        let destination = Destination {
            reach: decision.reach,
            class: match (&decision.route, &decision.resource_id) {
                (Route::Gateway { .. }, _) => PoolClass::Gateway,
                (Route::Embedded { .. }, Some(id)) => PoolClass::Resource(id.as_str().into()),
                _ => PoolClass::Plain,
            },
        };
        let forms = decision.route.apply(&mut parts);
        let (method, uri) = (parts.method.clone(), parts.uri.clone());
        let request = http::Request::from_parts(parts, body);
        let governor = self.governor.clone();
        let root = self.root.clone();
        let session = decision.session;
        Box::new(async move {
            let send = governor.connector().send(request, options, destination);
            // Revocation takes effect in flight: the request is dropped (and
            // its connection closed, never pooled) the moment the session is
            // no longer live.
            let mut revoked = revocable::watch(governor.clone(), session.clone());
            let sent = tokio::select! {
                sent = send => sent,
                error = &mut revoked => {
                    tracing::warn!(%session, %error, "in-flight outbound request aborted: authority revoked");
                    return Err(Error::HttpRequestDenied);
                }
            };
            let (mut response, driver) = match sent {
                Ok(sent) => sent,
                Err(SendError::Http(error)) => return Err(error),
                Err(SendError::Refused {
                    host,
                    address,
                    class,
                }) => {
                    let denial = Denial::Address(format!(
                        "`{host}` resolves to {address} ({class}), which only a host named exactly in allowed_outbound_hosts may reach"
                    ));
                    tracing::warn!(%method, url = %uri, reason = %denial, "outbound request refused");
                    governor.audit_refused_address(&root, &method, &uri, &denial);
                    return Err(Error::DestinationIpProhibited);
                }
            };
            if forms.is_some() {
                refuse_encoded(&response)?;
            }
            if let Some(forms) = &forms {
                forms.mask_headers(response.headers_mut());
            }
            let response = response.map(|body| {
                let body = revocable::Revocable::new(body, revoked, session);
                match forms {
                    Some(forms) => redact::Redacted::new(body, forms).boxed_unsync(),
                    None => body.boxed_unsync(),
                }
            });
            // An unpooled connection is driven as this exchange's I/O; a
            // pooled one has a task of its own.
            let io: SendFuture = match driver {
                Some(driver) => Box::new(async move {
                    driver.await.map_err(|error| {
                        if error.is_timeout() {
                            Error::HttpResponseTimeout
                        } else {
                            Error::from(error)
                        }
                    })
                }),
                None => Box::new(async { Ok(()) }),
            };
            Ok((response, io))
        })
    }
}

/// On a credential route the host asked for `identity`: an answer encoded
/// anyway (gzip, br, …) cannot be masked, so it is refused, not passed on.
fn refuse_encoded<B>(response: &http::Response<B>) -> Result<(), Error> {
    let encodings = response
        .headers()
        .get_all(http::header::CONTENT_ENCODING)
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("?").split(','))
        .map(str::trim)
        .filter(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
        .collect::<Vec<_>>();
    if encodings.is_empty() {
        return Ok(());
    }
    let why = format!(
        "the upstream answered a credential route with content-encoding `{}` although the host asked for identity; refused, because the credential could not be masked in it",
        encodings.join(", ")
    );
    tracing::warn!("{why}");
    Err(Error::HttpResponseContentCoding(Some(why)))
}
