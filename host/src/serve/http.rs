//! The HTTP/1.1 listener: JWKS, routing, the inbound boundary, then one
//! fresh store and instance per request.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};

use caracal_authority::SessionId;
use caracal_spin::RouteMatch;
use wasmtime_wasi_http::{Error as ErrorCode, WasiBody};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use wasmtime::Store;
use wasmtime_wasi::WasiCtx;

use super::app::{ServeApp, Served};
use super::handler::ServeBody;
use super::inbound::{InboundMode, Rejection, Verified, bind, bind_envelope};
use crate::outbound::{InProcess, InProcessFuture, OutboundPolicy};
use crate::run_state::RunState;
use crate::runner::AgentHost;

pub use crate::issuer::JWKS_PATH;

/// Everything a request handler reads.
struct Shared {
    host: Arc<AgentHost>,
    app: ServeApp,
    mode: InboundMode,
    options: ServeOptions,
    verified: Verified,
    /// Answers the app's requests to itself.
    in_process: Arc<dyn InProcess>,
}

/// The application answering its own requests (`http://self`, relative
/// URLs, `*.spin.internal`) in process, with the caller's session.
#[derive(Debug)]
struct AppItself(Weak<Shared>);

impl InProcess for AppItself {
    fn serve(&self, request: Request<WasiBody>, session: SessionId, depth: u8) -> InProcessFuture {
        let shared = self.0.upgrade();
        Box::pin(async move {
            let shared = shared.ok_or(ErrorCode::HttpRequestDenied)?;
            let response = serve_in_process(&shared, request, session, depth).await;
            Ok(response.map(|body| {
                body.map_err(|e| ErrorCode::InternalError(Some(e.to_string())))
                    .boxed_unsync()
            }))
        })
    }
}

/// Serves a request the app made to itself: routed by path for `self`,
/// to the named component for `<id>.spin.internal`.
async fn serve_in_process(
    shared: &Shared,
    mut request: Request<WasiBody>,
    session: SessionId,
    depth: u8,
) -> Response<ServeBody> {
    let path = request.uri().path().to_owned();
    let routed = match crate::outbound::internal_component(request.uri()) {
        None => shared.app.route(&path),
        Some(id) => shared.app.component(&id, &path),
    };
    let Some((served, matched)) = routed else {
        return json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "not_found", "error_description": format!("nothing in the application answers {}", request.uri())}),
        );
    };
    if !shared.options.forward_inbound_bearer {
        request.headers_mut().remove(http::header::AUTHORIZATION);
    }
    let host = &shared.host;
    bind_envelope(
        request.headers_mut(),
        host.authority(),
        host.signer(),
        &session,
        &shared.verified,
    );
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    run_component(shared, served, matched, session, request, loopback, depth).await
}

/// How `serve` treats what the caller sent, beyond the inbound mode.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ServeOptions {
    /// Hand the caller's `authorization` header to the component. Off by
    /// default: the verified session is already the request's context, and
    /// a component that saw the caller's token could echo or replay it.
    pub forward_inbound_bearer: bool,
}

impl ServeOptions {
    /// Sets [`ServeOptions::forward_inbound_bearer`].
    pub fn forward_inbound_bearer(mut self, forward: bool) -> ServeOptions {
        self.forward_inbound_bearer = forward;
        self
    }
}

/// Serves `app` on `listener` until the future is dropped, with the default
/// [`ServeOptions`].
pub async fn serve(
    host: Arc<AgentHost>,
    app: ServeApp,
    mode: InboundMode,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    serve_with(host, app, mode, ServeOptions::default(), listener).await
}

/// Serves `app` on `listener` until the future is dropped. Connections are
/// HTTP/1.1 with keep-alive, each on a task of its own.
pub async fn serve_with(
    host: Arc<AgentHost>,
    app: ServeApp,
    mode: InboundMode,
    options: ServeOptions,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let shared = Arc::new_cyclic(|itself| Shared {
        host,
        app,
        mode,
        options,
        verified: Verified::default(),
        in_process: Arc::new(AppItself(itself.clone())),
    });
    loop {
        let (stream, client) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::task::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(&shared, request, client).await) }
            });
            if let Err(error) = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%client, %error, "connection ended with an error");
            }
        });
    }
}

async fn handle(
    shared: &Shared,
    mut request: Request<Incoming>,
    client: SocketAddr,
) -> Response<ServeBody> {
    let host = &shared.host;
    // The key set, outside the inbound boundary (verifiers fetch it
    // without a token).
    if crate::issuer::is_jwks_path(request.uri().path()) {
        let (status, body) = crate::issuer::jwks_response(
            host.signer(),
            &host.config().zone_id,
            request.method(),
            request.uri().query(),
        );
        return json(status, body);
    }
    let path = request.uri().path().to_owned();
    let Some((served, matched)) = shared.app.route(&path) else {
        return json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "not_found", "error_description": format!("no route matches {path}")}),
        );
    };
    let base = match bind(
        &shared.mode,
        request.headers(),
        host.signer(),
        host.authority(),
        &shared.verified,
    )
    .await
    {
        Ok(base) => base,
        Err(rejection) => return unauthorized(rejection),
    };
    if !shared.options.forward_inbound_bearer {
        request.headers_mut().remove(http::header::AUTHORIZATION);
    }
    bind_envelope(
        request.headers_mut(),
        host.authority(),
        host.signer(),
        &base,
        &shared.verified,
    );
    run_component(shared, served, matched, base, request, client, 0).await
}

/// Runs `served` on `request` with `base` bound as its context: a fresh
/// store and instance. `depth` counts the in-process requests it is
/// nested in (0 for a client's).
async fn run_component<B>(
    shared: &Shared,
    served: &Served,
    matched: Option<(RouteMatch, &str)>,
    base: SessionId,
    mut request: Request<B>,
    client: SocketAddr,
    depth: u8,
) -> Response<ServeBody>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<ErrorCode>,
{
    let host = &shared.host;
    if let Some((matched, app_base)) = matched {
        let full_url = full_url(&request);
        for (name, value) in caracal_spin::spin_headers(&matched, &full_url, client, app_base) {
            request.headers_mut().insert(name, value);
        }
    }
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdout().inherit_stderr();
    for (key, value) in &served.env {
        wasi.env(key, value);
    }
    let agent = host.request_agent(base.clone());
    let outbound =
        OutboundPolicy::new(served.governor.clone(), base, agent.held_sessions().clone())
            .in_process(shared.in_process.clone(), depth);
    let state = RunState::new(
        wasi.build(),
        outbound,
        agent,
        served.spin.clone(),
        host.default_limits(),
    );
    let mut store = Store::new(host.engine(), state);
    store.limiter(|state| state.limiter_mut());
    // Yield to the executor every epoch tick (the host's one ticker).
    store.set_epoch_deadline(1);
    store.epoch_deadline_async_yield_and_update(1);
    match served.handler.handle(store, request).await {
        Ok(response) => response,
        Err(error) => {
            // The full error (a trap's wasm backtrace, paths, the guest's
            // panic message) is for the operator's log, not the caller.
            let request_id = uuid::Uuid::now_v7().to_string();
            tracing::warn!(component = %served.id, %request_id, error = %format!("{error:#}"), "request failed");
            json(
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::json!({
                    "error": "component_failed",
                    "error_description": "the component failed; the host's log has the details under this request id",
                    "request_id": request_id,
                }),
            )
        }
    }
}

/// The URL the client asked for, as Spin's `spin-full-url` gives it.
fn full_url<B>(request: &Request<B>) -> String {
    let host = request
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    format!("http://{host}{path}")
}

fn json(status: StatusCode, body: serde_json::Value) -> Response<ServeBody> {
    let mut response = Response::new(
        Full::new(Bytes::from(body.to_string()))
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn unauthorized(rejection: Rejection) -> Response<ServeBody> {
    let mut response = json(
        StatusCode::UNAUTHORIZED,
        serde_json::json!({"error": rejection.code, "error_description": rejection.description}),
    );
    let challenge = format!("Bearer error=\"{}\"", rejection.code);
    if let Ok(value) = http::HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(http::header::WWW_AUTHENTICATE, value);
    }
    response
}
