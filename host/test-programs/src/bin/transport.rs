//! transport: `Caracal::transport()` sends over `wasi:http`, adding the
//! Caracal envelope only to gateway-routed requests, and refuses to send it
//! with no session bound.
//!
//! Usage: `transport <base>`, where `<base>` is an `http://host:port` URL the
//! host allows, and `<base>/routed` is one of its routed prefixes (a
//! resource's `upstream_prefix` or the gateway), while `<base>/plain` is not.
//! Every request uses the default propagation (`gateway-only`) and
//! `allow_root(false)`. Steps, in order:
//!
//! 1. `plain`: with no session bound, `GET <base>/plain`.
//!    `RESULT plain ok <status> authorization=<present|absent>` (absent is
//!    expected: the URL is not routed, so no envelope and no context needed).
//! 2. `routed`: spawns a session (label `transport`) and sends
//!    `GET <base>/routed/tickets` under it.
//!    `RESULT routed ok <status> <response body>`. The session is then closed.
//! 3. `no-context`: with nothing bound again, `GET <base>/routed/tickets`
//!    needs the envelope: `RESULT no-context err no-context <message>`
//!    (nothing is sent).
//! 4. `post`: spawns a session (label `transport-post`) and sends
//!    `POST <base>/routed/tickets` with `content-type: application/json` and
//!    the body `{"title":"printer on fire","padding":"<6000 x>"}` (6040
//!    bytes, so it is written in two chunks).
//!    `RESULT post ok <status> <body length> <response body>`.
//!
//! 5. `stale-bearer`: spawns a session, keeps its `authorization`, drops
//!    the session and sends `GET <base>/plain` with that header itself.
//!    `RESULT stale-bearer err denied <message>` is expected (nothing is
//!    sent: the host refuses a bearer of a session the agent no longer
//!    holds).
//!
//! Before each step's `RESULT` line, one `SENT <step> <name>: <value>` line
//! per header of the request as sent: the program applies the envelope with
//! `Transport::prepare` and sends that very request through a
//! `Propagation::Never` copy of the transport (which adds only
//! `content-length`). A failure is `RESULT <step> err <kind> <message>`, with
//! `<kind>` a `TransportError::kind` (`no-context`, `invalid-request`,
//! `denied`, `http`, `io`) or, when the host refused the envelope, the
//! Caracal error kind (`gone`, `denied`, ...). Response bodies are printed
//! as lossy UTF-8 on one line.

use caracal::http::{Request, Response, header};
use caracal::{Body, Caracal, Propagation, Transport, TransportError};
use caracal_test_programs::{args, err, host_err, ok};

fn main() {
    let base = args(1, "transport <base-url>").remove(0);
    let base = base.trim_end_matches('/');
    let caracal = Caracal::new();
    let transport = caracal.transport();
    let tickets = format!("{base}/routed/tickets");

    // 1. Not routed, nothing bound: sent as built.
    let plain = get(&format!("{base}/plain"));
    if let Some((response, authorization)) = exchange(&transport, "plain", plain) {
        let authorization = if authorization { "present" } else { "absent" };
        ok(
            "plain",
            format!(
                "{} authorization={authorization}",
                response.status().as_u16()
            ),
        );
    }

    // 2. Routed, under a session.
    let session = caracal
        .spawn()
        .label("transport")
        .start()
        .expect("spawn a session");
    if let Some((response, _)) = exchange(&transport, "routed", get(&tickets)) {
        ok(
            "routed",
            format!("{} {}", response.status().as_u16(), text(&response)),
        );
    }
    session.close().expect("close the session");

    // 3. Routed, nothing bound: refused before anything is sent.
    if let Some((response, _)) = exchange(&transport, "no-context", get(&tickets)) {
        ok("no-context", response.status().as_u16());
    }

    // 4. A POST with a body over one write chunk.
    let session = caracal
        .spawn()
        .label("transport-post")
        .start()
        .expect("spawn a session");
    let body = format!(
        r#"{{"title":"printer on fire","padding":"{}"}}"#,
        "x".repeat(6000)
    );
    let length = body.len();
    let post = Request::post(&tickets)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("a valid request");
    if let Some((response, _)) = exchange(&transport, "post", post) {
        ok(
            "post",
            format!(
                "{} {length} {}",
                response.status().as_u16(),
                text(&response)
            ),
        );
    }
    session.close().expect("close the session");

    // 5. A guest that keeps a session's bearer after dropping the session
    //    and presents it itself: refused, nothing sent.
    let session = caracal
        .spawn()
        .label("transport-stale")
        .start()
        .expect("spawn a session");
    let bearer = session
        .headers()
        .expect("the session's headers")
        .get("authorization")
        .expect("a bearer")
        .to_owned();
    drop(session);
    let stale = Request::get(format!("{base}/plain"))
        .header(header::AUTHORIZATION, bearer)
        .body(Body::empty())
        .expect("a valid request");
    if let Some((response, _)) = exchange(&transport, "stale-bearer", stale) {
        ok("stale-bearer", response.status().as_u16());
    }
}

fn get(url: &str) -> Request<Body> {
    Request::get(url).body(Body::empty()).expect("a valid URL")
}

/// Puts the envelope on `request` as `send` would, prints the resulting
/// headers (`SENT` lines), and sends exactly that request (through a
/// `Propagation::Never` copy of the transport, so the envelope is not
/// fetched a second time). Returns the response and whether an
/// `authorization` header went out; prints the error line and returns `None`
/// on failure.
fn exchange(
    transport: &Transport,
    step: &str,
    request: Request<Body>,
) -> Option<(Response<Vec<u8>>, bool)> {
    let outcome = transport.prepare(request).and_then(|prepared| {
        for (name, value) in prepared.headers() {
            println!(
                "SENT {step} {name}: {}",
                String::from_utf8_lossy(value.as_bytes())
            );
        }
        let authorization = prepared.headers().contains_key(header::AUTHORIZATION);
        let as_prepared = transport.clone().propagation(Propagation::Never);
        as_prepared
            .send(prepared)
            .map(|response| (response, authorization))
    });
    match outcome {
        Ok(outcome) => Some(outcome),
        Err(TransportError::Caracal(error)) => {
            host_err(step, &error);
            None
        }
        Err(error) => {
            err(step, error.kind(), &error);
            None
        }
    }
}

fn text(response: &Response<Vec<u8>>) -> String {
    String::from_utf8_lossy(response.body()).into_owned()
}
