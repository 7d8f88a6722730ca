//! spin-sdk5-app: a spin-sdk 5.2 HTTP component (WASI 0.2
//! `wasi:http/incoming-handler`), what an app built with the older Spin SDK
//! looks like to the host. It reaches the Spin 2 interfaces through the
//! SDK's own APIs: `fermyon:spin/key-value@2.0.0` (`spin_sdk::key_value`),
//! `fermyon:spin/sqlite@2.0.0` (`spin_sdk::sqlite`),
//! `fermyon:spin/variables@2.0.0` (`spin_sdk::variables`), and outbound
//! `wasi:http` (`spin_sdk::http::send`).
//!
//! It answers the compatibility suite's routes (see `route.rs`, shared with
//! `spin-sdk7-app`): `/kv/{store}/{key}` (GET, PUT, DELETE),
//! `/kv-exists/{store}/{key}`, `/kv-keys/{store}`, `POST /sql/{db}`,
//! `/var/{name}`, `/self/...`, `/self-host/...`, `/chain/{component}/...`,
//! `/outbound?url=`, `/echo-headers`, `/trailers`. There is no `/sql-async`:
//! Spin 2's SQLite interface has only the one, synchronous, `execute`.
//!
//! The handler takes the `response-outparam` (`#[http_component]`'s
//! streaming form), as `outgoing-body.finish` is the only way to send
//! trailers.

mod route;

use route::{
    Reply, Route, TRAILERS, TRAILERS_BODY, TRAILERS_HEADERS, headers_body, keys_body, sql_body,
};
use serde_json::{Value as Json, json};
use spin_sdk::http::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, Response, ResponseOutparam,
};
use spin_sdk::key_value::Store;
use spin_sdk::sqlite::{Connection, Value};

// The macro writes wit-bindgen's export glue (unsafe code) beside the
// function it marks, so it marks one in a module that allows it.
#[allow(
    unsafe_code,
    reason = "spin-sdk's #[http_component] expands to the canonical ABI glue with unsafe code"
)]
mod export {
    use spin_sdk::http::{IncomingRequest, ResponseOutparam};

    #[spin_sdk::http_component]
    async fn handle(request: IncomingRequest, out: ResponseOutparam) {
        super::handle(request, out).await
    }
}

/// Answers one request (see the routes above) through `out`.
async fn handle(request: IncomingRequest, out: ResponseOutparam) {
    let method = request.method().to_string();
    let path = request.path_with_query().unwrap_or_default();
    let headers = request.headers().entries();
    let header = |name: &str| {
        let (_, value) = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        Some(String::from_utf8_lossy(value).into_owned())
    };
    let route = Route::parse(&method, &path, header);
    let body = match &route {
        Route::KvSet { .. } | Route::Sql { .. } => match request.into_body().await {
            Ok(body) => body,
            Err(e) => return respond(out, Reply::text(400, format!("body error: {e:?}"))).await,
        },
        _ => Vec::new(),
    };

    let reply = match route {
        Route::KvGet { store, key } => kv(&store, |s| {
            Ok(match s.get(&key)? {
                Some(value) => Reply::bytes(200, value),
                None => Reply::empty(404),
            })
        }),
        Route::KvSet { store, key } => {
            kv(&store, |s| s.set(&key, &body).map(|()| Reply::empty(204)))
        }
        Route::KvDelete { store, key } => {
            kv(&store, |s| s.delete(&key).map(|()| Reply::empty(204)))
        }
        Route::KvExists { store, key } => kv(&store, |s| {
            Ok(Reply::text(200, s.exists(&key)?.to_string()))
        }),
        Route::KvKeys { store } => kv(&store, |s| Ok(Reply::text(200, keys_body(s.get_keys()?)))),
        Route::Sql {
            streaming: true, ..
        } => Reply::not_found(),
        Route::Sql { db, params, .. } => sql(&db, &body, params),
        Route::Var { name } => match spin_sdk::variables::get(&name) {
            Ok(value) => Reply::text(200, value),
            Err(e) => Reply::text(500, format!("var error: {e:?}")),
        },
        Route::Forward { url, authorization } => forward(&url, authorization).await,
        Route::EchoHeaders => Reply::json(&headers_body(
            headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())),
        )),
        Route::Trailers => return trailers(out),
        Route::CopiedLength => return content_lengths(out, [b"5", b"5"]),
        Route::ConflictingLength => return content_lengths(out, [b"5", b"6"]),
        Route::NotFound => Reply::not_found(),
    };
    respond(out, reply).await
}

/// Opens the key-value store `label` and runs `call` on it; an error from
/// either is `500 kv error: {e:?}`.
fn kv(
    label: &str,
    call: impl FnOnce(&Store) -> Result<Reply, spin_sdk::key_value::Error>,
) -> Reply {
    match Store::open(label).and_then(|store| call(&store)) {
        Ok(reply) => reply,
        Err(e) => Reply::text(500, format!("kv error: {e:?}")),
    }
}

/// Runs the statement `body` against the database `db`, `params` as text.
fn sql(db: &str, body: &[u8], params: Vec<String>) -> Reply {
    let statement = String::from_utf8_lossy(body);
    let params: Vec<Value> = params.into_iter().map(Value::Text).collect();
    let result = Connection::open(db).and_then(|conn| conn.execute(&statement, &params));
    match result {
        Ok(result) => {
            let rows = result
                .rows
                .iter()
                .map(|row| row.values.iter().map(cell).collect())
                .collect();
            Reply::json(&sql_body(result.columns, rows))
        }
        Err(e) => Reply::text(500, format!("sql error: {e:?}")),
    }
}

/// One SQLite value as JSON.
fn cell(value: &Value) -> Json {
    match value {
        Value::Integer(i) => json!(i),
        Value::Real(f) => json!(f),
        Value::Text(s) => json!(s),
        Value::Blob(b) => json!(b),
        Value::Null => Json::Null,
    }
}

/// `GET url` (with `authorization` when given): the upstream's status and
/// body, or `502 send error: {e:?}`.
///
/// The request is an `http::Request`, not the SDK's own `Request`: only
/// that conversion leaves a relative URL's scheme and authority unset (the
/// SDK's `Request` makes `/path` `https://:443/path`), as Spin's own
/// self-request examples do.
async fn forward(url: &str, authorization: Option<String>) -> Reply {
    let mut request = http::Request::get(url);
    if let Some(value) = authorization {
        request = request.header(http::header::AUTHORIZATION, value);
    }
    let request = match request.body(()) {
        Ok(request) => request,
        Err(e) => return Reply::text(502, format!("send error: {e:?}")),
    };
    match spin_sdk::http::send::<_, Response>(request).await {
        Ok(response) => Reply::bytes(*response.status(), response.into_body()),
        Err(e) => Reply::text(502, format!("send error: {e:?}")),
    }
}

/// Sends `reply` as `#[http_component]` sends a returned `Response`: the
/// status, `content-type` if there is a body, then the body in one write.
async fn respond(out: ResponseOutparam, reply: Reply) {
    let content_type = [("content-type", reply.content_type)];
    let headers: &[_] = match reply.body.is_empty() {
        true => &[],
        false => &content_type,
    };
    if let Err(e) = out
        .set_with_body(head(reply.status, headers), reply.body)
        .await
    {
        eprintln!("could not send the response body: {e:?}");
    }
}

/// `GET /trailers`: the body's two parts, each one write (and flush) of its
/// stream, then `outgoing-body.finish` with the trailers. (The SDK's
/// `take_body` sink always finishes with none, so this uses the body itself.)
fn trailers(out: ResponseOutparam) {
    let response = head(200, &TRAILERS_HEADERS);
    let body = response.body().expect("a fresh response's body");
    out.set(response);
    let stream = body.write().expect("a fresh body's stream");
    for part in TRAILERS_BODY {
        if let Err(e) = stream.blocking_write_and_flush(part.as_bytes()) {
            eprintln!("could not write the body: {e:?}");
            return;
        }
    }
    drop(stream); // `finish` needs the stream gone.
    if let Err(e) = OutgoingBody::finish(body, Some(fields(&TRAILERS))) {
        eprintln!("could not finish the body: {e:?}");
    }
}

/// `GET /copied-length` and `/conflicting-length`: `content-length`
/// appended twice, with `values` (a repeat of one value is what wstd's
/// `http_server` adds to headers copied from an upstream), then the 5-byte
/// body. A refusal of the header answers 500 naming it.
fn content_lengths(out: ResponseOutparam, values: [&[u8]; 2]) {
    let headers = Fields::new();
    for value in values {
        if let Err(e) = headers.append("content-length", value) {
            return respond_now(out, 500, &format!("header error: {e:?}"));
        }
    }
    let response = OutgoingResponse::new(headers);
    let body = response.body().expect("a fresh response's body");
    out.set(response);
    let stream = body.write().expect("a fresh body's stream");
    stream
        .blocking_write_and_flush(b"fives")
        .expect("write the body");
    drop(stream);
    OutgoingBody::finish(body, None).expect("finish the body");
}

/// Answers `status` with the text `message`, synchronously.
fn respond_now(out: ResponseOutparam, status: u16, message: &str) {
    let response = head(status, &[]);
    let body = response.body().expect("a fresh response's body");
    out.set(response);
    let stream = body.write().expect("a fresh body's stream");
    stream
        .blocking_write_and_flush(message.as_bytes())
        .expect("write the body");
    drop(stream);
    OutgoingBody::finish(body, None).expect("finish the body");
}

/// A response with `status` and `headers`, its body not yet written.
fn head(status: u16, headers: &[(&str, &str)]) -> OutgoingResponse {
    let response = OutgoingResponse::new(fields(headers));
    response.set_status_code(status).expect("a valid status");
    response
}

/// `list` as WASI fields (headers or trailers).
fn fields(list: &[(&str, &str)]) -> Fields {
    let list: Vec<_> = list
        .iter()
        .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
        .collect();
    Fields::from_list(&list).expect("valid fields")
}
