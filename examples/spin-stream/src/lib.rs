//! spin-stream: a spin-sdk 7 HTTP component (WASI 0.3 `wasi:http/handler`)
//! that relays a governed upstream's streamed answer (an LLM's tokens, a
//! long job's progress) to its caller as server-sent events, each chunk as
//! soon as it arrives, with the inbound Caracal envelope carried onto the
//! upstream call by `caracal::spin` (propagation only: no `caracal:*`
//! import, so it also runs under plain Spin).
//!
//! `GET /stream/<path>` calls `GET {upstream}/<path>` (`upstream`, a Spin
//! variable rendered from the application variable `events_api`) and
//! answers with the upstream's status and `content-type: text/event-stream`,
//! each upstream chunk `c` sent as `data: c\n\n` the moment it is read.
//! A failed call answers `502` with the reason as text.
//!
//! Run it (from the workspace root; `serve` builds nothing, so build first):
//!
//! ```text
//! cargo build -p spin-stream --target wasm32-wasip2 --release && cargo run -p caracal-host -- serve examples/spin-stream/spin.toml
//! ```

use bytes::Bytes;
use caracal::http::{Request as HttpRequest, Response, StatusCode, header};
use caracal::spin::{InboundContext, send};
use futures::StreamExt as _;
use http_body::Frame;
use http_body_util::StreamBody;
use spin_sdk::http::body::IncomingBodyExt;
use spin_sdk::http::{BoxBody, EmptyBody, FullBody, Request, box_body};
use spin_sdk::http_service;

/// The component variable naming the upstream base URL.
const UPSTREAM: &str = "upstream";

#[http_service]
async fn handle(request: Request) -> Response<BoxBody> {
    let context = match InboundContext::from_request(&request) {
        Ok(context) => context,
        Err(err) => return text(StatusCode::BAD_REQUEST, err.to_string()),
    };
    let upstream = match spin_sdk::variables::get(UPSTREAM).await {
        Ok(upstream) => upstream,
        Err(err) => {
            let error = format!("variable `{UPSTREAM}`: {err}");
            return text(StatusCode::INTERNAL_SERVER_ERROR, error);
        }
    };
    let path_info = request
        .headers()
        .get("spin-path-info")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let url = format!(
        "{}/{}",
        upstream.trim_end_matches('/'),
        path_info.trim_start_matches('/')
    );
    let call = match HttpRequest::get(&url).body(EmptyBody::new()) {
        Ok(call) => call,
        Err(err) => return text(StatusCode::BAD_GATEWAY, format!("bad URL {url:?}: {err}")),
    };
    let answer = match send(call, &context).await {
        Ok(answer) => answer,
        Err(err) => return text(StatusCode::BAD_GATEWAY, format!("GET {url}: {err}")),
    };

    let status = answer.status();
    let events = answer.into_body().stream().map(|chunk| {
        chunk
            .map(|data| Frame::data(event(&data)))
            .map_err(|code| body_error(format!("the upstream body failed: {code:?}")))
    });
    let mut response = Response::new(box_body(StreamBody::new(events)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/event-stream"),
    );
    response
}

/// One server-sent event carrying `data` (a line per line of the chunk).
fn event(data: &[u8]) -> Bytes {
    let text = String::from_utf8_lossy(data);
    let mut out = String::new();
    for line in text.trim_end_matches('\n').split('\n') {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    Bytes::from(out)
}

/// A body error as spin-sdk's `BoxBody` carries it.
fn body_error(message: String) -> std::io::Error {
    std::io::Error::other(message)
}

fn text(status: StatusCode, message: String) -> Response<BoxBody> {
    let mut response = Response::new(box_body(FullBody::new(Bytes::from(message))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::event;

    #[test]
    fn chunks_become_events() {
        assert_eq!(event(b"tok"), "data: tok\n\n");
        assert_eq!(event(b"a\nb\n"), "data: a\ndata: b\n\n");
    }
}
