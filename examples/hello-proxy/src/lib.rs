//! hello-proxy: the smallest WASI 0.2 `wasi:http/proxy` component (it
//! exports `wasi:http/incoming-handler@0.2.12`, built with the `wasip2`
//! crate; no Caracal SDK at all). It answers every request with `200` and
//! the plain-text body `hello from <METHOD> <path>` (the path without its
//! query), and echoes the inbound `traceparent` header, if any, in
//! `x-seen-traceparent`: under `caracal-host serve` that shows the trace
//! context the host hands a served component.
//!
//! Run it (from the workspace root; `serve` builds nothing, so build first):
//!
//! ```text
//! cargo build -p hello-proxy --target wasm32-wasip2 --release && cargo run -p caracal-host -- serve target/wasm32-wasip2/release/hello_proxy.wasm
//! ```

use std::io::Write as _;

use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

/// The response header that echoes the inbound `traceparent`.
const SEEN_TRACEPARENT: &str = "x-seen-traceparent";

struct HelloProxy;

wasip2::http::proxy::export!(HelloProxy);

impl Guest for HelloProxy {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path_with_query = request.path_with_query().unwrap_or_default();
        let text = greeting(&request.method(), &path_with_query);

        let mut headers = vec![(
            "content-type".to_owned(),
            b"text/plain; charset=utf-8".to_vec(),
        )];
        if let Some(traceparent) = request.headers().get("traceparent").into_iter().next() {
            headers.push((SEEN_TRACEPARENT.to_owned(), traceparent));
        }
        let headers = Fields::from_list(&headers).unwrap_or_else(|e| {
            eprintln!("hello-proxy: response headers refused ({e:?}); sending none");
            Fields::new()
        });

        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("the first call to body() succeeds");
        ResponseOutparam::set(response_out, Ok(response));
        if let Err(e) = write_body(&body, text.as_bytes()) {
            eprintln!("hello-proxy: writing the body failed: {e}");
        }
        if let Err(e) = OutgoingBody::finish(body, None) {
            eprintln!("hello-proxy: finishing the body failed: {e:?}");
        }
    }
}

/// `hello from <METHOD> <path>`: the path without its query, `/` if empty.
fn greeting(method: &Method, path_with_query: &str) -> String {
    let method = match method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        Method::Connect => "CONNECT",
        Method::Options => "OPTIONS",
        Method::Trace => "TRACE",
        Method::Patch => "PATCH",
        Method::Other(other) => other,
    };
    let path = path_with_query.split('?').next().unwrap_or_default();
    let path = if path.is_empty() { "/" } else { path };
    format!("hello from {method} {path}")
}

fn write_body(body: &OutgoingBody, bytes: &[u8]) -> std::io::Result<()> {
    let mut stream = body
        .write()
        .map_err(|()| std::io::Error::other("the body stream was already taken"))?;
    stream.write_all(bytes)?;
    std::io::Write::flush(&mut stream)
    // The stream drops here, before the body is finished.
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings() {
        assert_eq!(greeting(&Method::Get, "/a/b?x=1"), "hello from GET /a/b");
        assert_eq!(greeting(&Method::Post, ""), "hello from POST /");
        assert_eq!(
            greeting(&Method::Other("PURGE".into()), "/c"),
            "hello from PURGE /c"
        );
    }
}
