//! spin-sdk7-app: a spin-sdk 7 HTTP component (WASI 0.3
//! `wasi:http/handler@0.3.0`), what an app built with the current Spin SDK
//! looks like to the host. It reaches the Spin 3 interfaces through the
//! SDK: `spin:key-value/key-value@3.0.0` (`spin_sdk::key_value`, whose
//! `get-keys` is a stream), `spin:sqlite/sqlite@3.1.0`,
//! `spin:variables/variables@3.0.0` (`spin_sdk::variables`), and outbound
//! `wasi:http@0.3.0` (`spin_sdk::http::send`).
//!
//! It answers the same routes as `spin-sdk5-app` (the shared `route.rs`).
//! SQLite is reached both ways the 3.1.0 interface offers: `POST /sql/{db}`
//! calls the synchronous `open` and `execute` (through the SDK's generated
//! bindings: its `Connection` wraps only the async functions), and
//! `POST /sql-async/{db}` the SDK's `Connection`, whose `open-async` and
//! `execute-async` stream the rows. `GET /trailers` builds its
//! `wasi:http/types.response` itself: a body stream and a trailers future.

#[path = "../../spin-sdk5-app/src/route.rs"]
mod route;

use bytes::Bytes;
use route::{
    Reply, Route, TRAILERS, TRAILERS_BODY, TRAILERS_HEADERS, headers_body, keys_body, sql_body,
};
use serde_json::{Value as Json, json};
use spin_sdk::http::body::IncomingBodyExt;
use spin_sdk::http::{EmptyBody, FullBody, IntoResponse, Request};
use spin_sdk::http_service;
use spin_sdk::key_value::{Error as KvError, Store};
use spin_sdk::sqlite::{self, Error as SqlError, Value};
use spin_sdk::wasip3::http::types::{ErrorCode, Fields, Response};
use spin_sdk::wasip3::{spawn, wit_future, wit_stream};

#[http_service]
async fn handle(request: Request) -> Result<Response, ErrorCode> {
    let headers = request.headers().clone();
    let header = |name: &str| {
        let value = headers.get(name)?;
        Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
    };
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let route = Route::parse(request.method().as_str(), path, header);
    let body = match &route {
        Route::KvSet { .. } | Route::Sql { .. } => match request.into_body().bytes().await {
            Ok(body) => body,
            Err(e) => return respond(Reply::text(400, format!("body error: {e:?}"))),
        },
        _ => Bytes::new(),
    };

    let reply = match route {
        Route::KvGet { store, key } => {
            kv(&store, async |s| {
                Ok(match s.get(&key).await? {
                    Some(value) => Reply::bytes(200, value),
                    None => Reply::empty(404),
                })
            })
            .await
        }
        Route::KvSet { store, key } => {
            kv(&store, async |s| {
                s.set(&key, &body).await.map(|()| Reply::empty(204))
            })
            .await
        }
        Route::KvDelete { store, key } => {
            kv(&store, async |s| {
                s.delete(&key).await.map(|()| Reply::empty(204))
            })
            .await
        }
        Route::KvExists { store, key } => {
            kv(&store, async |s| {
                Ok(Reply::text(200, s.exists(&key).await?.to_string()))
            })
            .await
        }
        Route::KvKeys { store } => {
            kv(&store, async |s| {
                Ok(Reply::text(
                    200,
                    keys_body(s.get_keys().await.collect().await?),
                ))
            })
            .await
        }
        Route::Sql {
            db,
            params,
            streaming,
        } => {
            let statement = String::from_utf8_lossy(&body).into_owned();
            let params = params.into_iter().map(Value::Text).collect();
            let result = match streaming {
                true => sql_streaming(db, statement, params).await,
                false => sql_sync(db, statement, params),
            };
            match result {
                Ok((columns, rows)) => Reply::json(&sql_body(columns, rows)),
                Err(e) => Reply::text(500, format!("sql error: {e:?}")),
            }
        }
        Route::Var { name } => match spin_sdk::variables::get(&name).await {
            Ok(value) => Reply::text(200, value),
            Err(e) => Reply::text(500, format!("var error: {e:?}")),
        },
        Route::Forward { url, authorization } => forward(&url, authorization).await,
        Route::EchoHeaders => Reply::json(&headers_body(
            headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
        )),
        Route::Trailers => return Ok(trailers()),
        // A WASI 0.2 (wstd) pattern: spin-sdk5-app answers it.
        Route::CopiedLength | Route::ConflictingLength | Route::NotFound => Reply::not_found(),
    };
    respond(reply)
}

/// Opens the key-value store `label` and runs `call` on it; an error from
/// either is `500 kv error: {e:?}`.
async fn kv(label: &str, call: impl AsyncFnOnce(&Store) -> Result<Reply, KvError>) -> Reply {
    let result = match Store::open(label).await {
        Ok(store) => call(&store).await,
        Err(e) => Err(e),
    };
    result.unwrap_or_else(|e| Reply::text(500, format!("kv error: {e:?}")))
}

/// Columns and rows, each value as JSON.
type Table = (Vec<String>, Vec<Vec<Json>>);

/// The statement through the synchronous `open` and `execute`.
fn sql_sync(db: String, statement: String, params: Vec<Value>) -> Result<Table, SqlError> {
    let conn = sqlite::wit::sqlite::Connection::open(&db)?;
    let result = conn.execute(&statement, &params)?;
    Ok((
        result.columns,
        result
            .rows
            .iter()
            .map(|row| row_json(&row.values))
            .collect(),
    ))
}

/// The statement through `open-async` and `execute-async` (rows streamed).
async fn sql_streaming(
    db: String,
    statement: String,
    params: Vec<Value>,
) -> Result<Table, SqlError> {
    let conn = sqlite::Connection::open(db).await?;
    let mut result = conn.execute(statement, params).await?;
    let columns = result.columns().to_vec();
    let mut rows = Vec::new();
    while let Some(row) = result.next().await {
        rows.push(row_json(&row.values));
    }
    result.result().await?;
    Ok((columns, rows))
}

/// One row's values as JSON.
fn row_json(values: &[Value]) -> Vec<Json> {
    values
        .iter()
        .map(|value| match value {
            Value::Integer(i) => json!(i),
            Value::Real(f) => json!(f),
            Value::Text(s) => json!(s),
            Value::Blob(b) => json!(b),
            Value::Null => Json::Null,
        })
        .collect()
}

/// `GET url` (with `authorization` when given): the upstream's status and
/// body, or `502 send error: {e:?}`.
async fn forward(url: &str, authorization: Option<String>) -> Reply {
    let mut request = http::Request::get(url);
    if let Some(value) = authorization {
        request = request.header(http::header::AUTHORIZATION, value);
    }
    let request = match request.body(EmptyBody::new()) {
        Ok(request) => request,
        Err(e) => return Reply::text(502, format!("send error: {e:?}")),
    };
    let response = match spin_sdk::http::send(request).await {
        Ok(response) => response,
        Err(e) => return Reply::text(502, format!("send error: {e:?}")),
    };
    let status = response.status().as_u16();
    match response.into_body().bytes().await {
        Ok(body) => Reply::bytes(status, body),
        Err(e) => Reply::text(502, format!("send error: {e:?}")),
    }
}

/// `reply` as a `wasi:http` response (through the SDK's `http` conversion).
fn respond(reply: Reply) -> Result<Response, ErrorCode> {
    let mut response = http::Response::builder().status(reply.status);
    if !reply.body.is_empty() {
        response = response.header(http::header::CONTENT_TYPE, reply.content_type);
    }
    response
        .body(FullBody::new(Bytes::from(reply.body)))
        .expect("a valid status and content type")
        .into_response()
}

/// `GET /trailers`: a response (status 200, the default) whose body stream
/// gets the body's two parts as two writes, and whose trailers future then
/// resolves to the trailers; a spawned task writes both after we return.
fn trailers() -> Response {
    let (mut body, body_rx) = wit_stream::new();
    let (trailers, trailers_rx) = wit_future::new(|| Err(ErrorCode::InternalError(None)));
    let (response, _sent) = Response::new(fields(&TRAILERS_HEADERS), Some(body_rx), trailers_rx);
    spawn(async move {
        for part in TRAILERS_BODY {
            if !body.write_all(part.as_bytes().to_vec()).await.is_empty() {
                return; // The reader is gone.
            }
        }
        drop(body); // The body ends before the trailers.
        _ = trailers.write(Ok(Some(fields(&TRAILERS)))).await;
    });
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
