//! spin-http: a spin-sdk 7 HTTP component (WASI 0.3 `wasi:http/handler`)
//! that carries the Caracal envelope it is called with onto its own outbound
//! call, with `caracal::spin` in propagation-only mode: it imports no
//! `caracal:*` interface (nor Spin's own interfaces: its configuration is
//! plain environment), so it also runs under plain Spin and under
//! `wasmtime serve -S cli --env UPSTREAM=…`.
//!
//! `GET /tickets/<id>` reads the inbound context (bearer, traceparent,
//! `caracal.*` baggage), calls `GET {UPSTREAM}/tickets/<id>` (`UPSTREAM` from
//! the manifest's `[component.tickets.environment]`, the path info from the
//! `spin-path-info` header) with the envelope on it (same bearer, same trace
//! under a new span), and answers `200` with
//!
//! ```json
//! {"session": "<inbound session id or null>", "trace_id": "<32 hex or null>",
//!  "upstream_status": 200, "upstream_body": "<text>"}
//! ```
//!
//! or `502` with `{"session": …, "trace_id": …, "error": "<message>"}` when
//! the upstream call fails (the host denied it, nothing listens, ...).
//! A request whose `authorization` is not one `Bearer <token>` gets `400`.
//!
//! Run it (from the workspace root; `serve` builds nothing, so build first):
//!
//! ```text
//! cargo build -p spin-http --target wasm32-wasip2 --release && cargo run -p caracal-host -- serve examples/spin-http/spin.toml
//! ```

use caracal::http::{Request as HttpRequest, Response, StatusCode, header};
use caracal::spin::{InboundContext, send};
use serde_json::{Value, json};
use spin_sdk::http::body::IncomingBodyExt;
use spin_sdk::http::{EmptyBody, Request};
use spin_sdk::http_service;

/// The environment variable naming the upstream base URL.
const UPSTREAM: &str = "UPSTREAM";

#[http_service]
async fn handle(request: Request) -> Response<String> {
    let context = match InboundContext::from_request(&request) {
        Ok(context) => context,
        Err(err) => return reply(StatusCode::BAD_REQUEST, json!({ "error": err.to_string() })),
    };
    // Every answer names the inbound session and trace.
    let answer = |status, mut body: Value| {
        body["session"] = json!(context.session_id());
        body["trace_id"] = json!(context.trace_id());
        reply(status, body)
    };

    let Ok(upstream) = std::env::var(UPSTREAM) else {
        let error =
            format!("{UPSTREAM} is not set (the manifest's [component.tickets.environment])");
        return answer(StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": error }));
    };
    let path_info = request
        .headers()
        .get("spin-path-info")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let url = upstream_url(&upstream, path_info);

    match call(&url, &context).await {
        Ok((status, body)) => answer(
            StatusCode::OK,
            json!({ "upstream_status": status, "upstream_body": body }),
        ),
        Err(error) => answer(StatusCode::BAD_GATEWAY, json!({ "error": error })),
    }
}

/// `GET url` with the envelope on; the status and the body as text.
async fn call(url: &str, context: &InboundContext) -> Result<(u16, String), String> {
    let request = HttpRequest::get(url)
        .body(EmptyBody::new())
        .map_err(|e| format!("bad upstream URL {url:?}: {e}"))?;
    let response = send(request, context)
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .bytes()
        .await
        .map_err(|e| format!("GET {url}: reading the body: {e}"))?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// `{upstream}/tickets{path_info}`, with exactly one `/` at each joint.
fn upstream_url(upstream: &str, path_info: &str) -> String {
    let base = upstream.trim_end_matches('/');
    let rest = path_info.trim_start_matches('/');
    if rest.is_empty() {
        format!("{base}/tickets")
    } else {
        format!("{base}/tickets/{rest}")
    }
}

fn reply(status: StatusCode, body: Value) -> Response<String> {
    let mut response = Response::new(body.to_string());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::upstream_url;

    #[test]
    fn upstream_urls() {
        let up = "http://127.0.0.1:8080";
        assert_eq!(upstream_url(up, "/7"), "http://127.0.0.1:8080/tickets/7");
        assert_eq!(
            upstream_url("http://127.0.0.1:8080/", "7/notes"),
            "http://127.0.0.1:8080/tickets/7/notes"
        );
        assert_eq!(upstream_url(up, ""), "http://127.0.0.1:8080/tickets");
        assert_eq!(upstream_url(up, "/"), "http://127.0.0.1:8080/tickets");
    }
}
