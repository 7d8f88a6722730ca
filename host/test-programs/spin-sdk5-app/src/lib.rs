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
//! `/outbound?url=`, `/echo-headers`. There is no `/sql-async`: Spin 2's
//! SQLite interface has only the one, synchronous, `execute`.

mod route;

use route::{Reply, Route, headers_body, keys_body, sql_body};
use serde_json::{Value as Json, json};
use spin_sdk::http::{IncomingRequest, Response};
use spin_sdk::key_value::Store;
use spin_sdk::sqlite::{Connection, Value};

// The macro writes wit-bindgen's export glue (unsafe code) beside the
// function it marks, so it marks one in a module that allows it.
#[allow(
    unsafe_code,
    reason = "spin-sdk's #[http_component] expands to the canonical ABI glue with unsafe code"
)]
mod export {
    use spin_sdk::http::{IncomingRequest, Response};

    #[spin_sdk::http_component]
    async fn handle(request: IncomingRequest) -> Response {
        super::handle(request).await
    }
}

/// Answers one request (see the routes above).
async fn handle(request: IncomingRequest) -> Response {
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
            Err(e) => return respond(Reply::text(400, format!("body error: {e:?}"))),
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
        Route::NotFound => Reply::not_found(),
    };
    respond(reply)
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

fn respond(reply: Reply) -> Response {
    let mut response = Response::builder();
    response.status(reply.status);
    if !reply.body.is_empty() {
        response.header("content-type", reply.content_type);
    }
    response.body(reply.body).build()
}
