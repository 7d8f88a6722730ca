//! The routes both Spin compatibility components answer, and the plain
//! (SDK-free) pieces of their answers. `spin-sdk7-app` includes this file
//! too (`#[path]`), so the two components cannot drift apart.
//!
//! Paths are the request's full path (whatever the Spin route prefix);
//! `{store}`, `{key}`, `{db}` and `{name}` are percent-decoded, the
//! `{rest...}` of the outbound routes is passed on as it came (with the
//! request's query string, if any).

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use serde_json::Value as Json;
#[cfg(test)]
use serde_json::json;

/// One request, as the route it names.
#[derive(Debug, PartialEq)]
pub enum Route {
    /// `GET /kv/{store}/{key}`.
    KvGet { store: String, key: String },
    /// `PUT /kv/{store}/{key}` (the body is the value).
    KvSet { store: String, key: String },
    /// `DELETE /kv/{store}/{key}`.
    KvDelete { store: String, key: String },
    /// `GET /kv-exists/{store}/{key}`.
    KvExists { store: String, key: String },
    /// `GET /kv-keys/{store}`.
    KvKeys { store: String },
    /// `POST /sql/{db}` (sync API) or `POST /sql-async/{db}` (`streaming`);
    /// the body is the statement, `params` the `p` query parameters.
    Sql {
        db: String,
        params: Vec<String>,
        streaming: bool,
    },
    /// `GET /var/{name}`.
    Var { name: String },
    /// `GET /self/...`, `/self-host/...`, `/chain/...`, `/outbound?url=`:
    /// a `GET` of `url`, with `authorization` when given.
    Forward {
        url: String,
        authorization: Option<String>,
    },
    /// `GET /echo-headers`.
    EchoHeaders,
    /// `GET /trailers`: a body written in two parts, then HTTP trailers.
    Trailers,
    /// `GET /copied-length`: a response whose `content-length` is appended
    /// twice with the same value, as wstd's server does to headers copied
    /// from an upstream.
    CopiedLength,
    /// `GET /conflicting-length`: `content-length` 5, then 6 (refused).
    ConflictingLength,
    /// Anything else.
    NotFound,
}

impl Route {
    /// The route of `method path?query`; `header` looks up an inbound header.
    pub fn parse(
        method: &str,
        path_and_query: &str,
        header: impl Fn(&str) -> Option<String>,
    ) -> Route {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let with_query = |url: String| match query {
            "" => url,
            query => format!("{url}?{query}"),
        };
        let forward = |url| Route::Forward {
            url,
            authorization: None,
        };
        let Some((head, rest)) = path
            .strip_prefix('/')
            .map(|p| p.split_once('/').unwrap_or((p, "")))
        else {
            return Route::NotFound;
        };
        let store_and_key = || {
            let (store, key) = rest.split_once('/')?;
            Some((decode(store)?, decode(key)?))
        };
        let one = || (!rest.contains('/')).then(|| decode(rest)).flatten();

        match (method, head) {
            ("GET" | "PUT" | "DELETE", "kv") => match store_and_key() {
                Some((store, key)) => match method {
                    "GET" => Route::KvGet { store, key },
                    "PUT" => Route::KvSet { store, key },
                    _ => Route::KvDelete { store, key },
                },
                None => Route::NotFound,
            },
            ("GET", "kv-exists") => store_and_key().map_or(Route::NotFound, |(store, key)| {
                Route::KvExists { store, key }
            }),
            ("GET", "kv-keys") => one().map_or(Route::NotFound, |store| Route::KvKeys { store }),
            ("POST", "sql" | "sql-async") => match one() {
                Some(db) => Route::Sql {
                    db,
                    params: query_values(query, "p"),
                    streaming: head == "sql-async",
                },
                None => Route::NotFound,
            },
            ("GET", "var") => one().map_or(Route::NotFound, |name| Route::Var { name }),
            ("GET", "self") => forward(with_query(format!("/{rest}"))),
            ("GET", "self-host") => forward(with_query(format!("http://self/{rest}"))),
            ("GET", "chain") => {
                let (component, rest) = rest.split_once('/').unwrap_or((rest, ""));
                if component.is_empty() {
                    return Route::NotFound;
                }
                forward(with_query(format!(
                    "http://{component}.spin.internal/{rest}"
                )))
            }
            ("GET", "outbound") if rest.is_empty() => match query_values(query, "url").pop() {
                Some(url) => Route::Forward {
                    url,
                    authorization: header("x-send-authorization"),
                },
                None => Route::NotFound,
            },
            ("GET", "echo-headers") if rest.is_empty() => Route::EchoHeaders,
            ("GET", "trailers") if rest.is_empty() => Route::Trailers,
            ("GET", "copied-length") if rest.is_empty() => Route::CopiedLength,
            ("GET", "conflicting-length") if rest.is_empty() => Route::ConflictingLength,
            _ => Route::NotFound,
        }
    }
}

/// A path segment, percent-decoded; `None` if empty or not UTF-8.
fn decode(segment: &str) -> Option<String> {
    let decoded = percent_decode_str(segment).decode_utf8().ok()?;
    (!decoded.is_empty()).then(|| decoded.into_owned())
}

/// The values of the query parameter `name`, in order (form-decoded).
fn query_values(query: &str, name: &str) -> Vec<String> {
    form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .collect()
}

/// An answer, whichever SDK sends it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Reply {
    /// `status` with a plain-text body.
    pub fn text(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }

    /// `200` with a JSON body.
    pub fn json(body: &Json) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
        }
    }

    /// `status` with a body of bytes.
    pub fn bytes(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type: "application/octet-stream",
            body: body.into(),
        }
    }

    /// `status` with no body.
    pub fn empty(status: u16) -> Reply {
        Reply::text(status, Vec::new())
    }

    /// `404 no such route`.
    pub fn not_found() -> Reply {
        Reply::text(404, "no such route")
    }
}

/// `GET /trailers`' headers (`trailer` declares the trailer to come).
pub const TRAILERS_HEADERS: [(&str, &str); 2] =
    [("content-type", "text/plain"), ("trailer", "x-checksum")];

/// `GET /trailers`' body, as the two writes that send it.
pub const TRAILERS_BODY: [&str; 2] = ["part one, ", "part two"];

/// `GET /trailers`' trailers, sent after the body.
pub const TRAILERS: [(&str, &str); 1] = [("x-checksum", "1234")];

/// `GET /kv-keys`' body: the keys sorted, one a line.
pub fn keys_body(mut keys: Vec<String>) -> String {
    keys.sort();
    keys.join("\n")
}

/// `POST /sql`'s body: `{"columns": [...], "rows": [[...], ...]}`.
pub fn sql_body(columns: Vec<String>, rows: Vec<Vec<Json>>) -> Json {
    serde_json::json!({ "columns": columns, "rows": rows })
}

/// `GET /echo-headers`' body: name → value, repeated names joined by ", ".
pub fn headers_body<'a>(headers: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Json {
    let mut joined = BTreeMap::<String, String>::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value);
        joined
            .entry(name.to_ascii_lowercase())
            .and_modify(|all| {
                all.push_str(", ");
                all.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    serde_json::json!(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(method: &str, path: &str) -> Route {
        Route::parse(method, path, |name| {
            (name == "x-send-authorization").then(|| "Bearer t".to_owned())
        })
    }

    fn forward(url: &str) -> Route {
        Route::Forward {
            url: url.to_owned(),
            authorization: None,
        }
    }

    #[test]
    fn kv_routes_decode_store_and_key() {
        let (store, key) = ("default".to_owned(), "a b/c".to_owned());
        assert_eq!(
            parse("GET", "/kv/default/a%20b/c"),
            Route::KvGet { store, key }
        );
        assert!(matches!(parse("PUT", "/kv/s/k"), Route::KvSet { .. }));
        assert!(matches!(parse("DELETE", "/kv/s/k"), Route::KvDelete { .. }));
        assert!(matches!(
            parse("GET", "/kv-exists/s/k"),
            Route::KvExists { .. }
        ));
        assert_eq!(
            parse("GET", "/kv-keys/s"),
            Route::KvKeys { store: "s".into() }
        );
        assert_eq!(parse("GET", "/kv/s"), Route::NotFound);
        assert_eq!(parse("GET", "/kv/s/"), Route::NotFound);
        assert_eq!(parse("POST", "/kv/s/k"), Route::NotFound);
    }

    #[test]
    fn sql_takes_p_parameters_in_order() {
        let route = parse("POST", "/sql-async/db?p=1&x=2&p=a%20b&p=c+d");
        let params = vec!["1".to_owned(), "a b".to_owned(), "c d".to_owned()];
        assert_eq!(
            route,
            Route::Sql {
                db: "db".into(),
                params,
                streaming: true
            }
        );
        let route = parse("POST", "/sql/default");
        assert_eq!(
            route,
            Route::Sql {
                db: "default".into(),
                params: vec![],
                streaming: false
            }
        );
        assert_eq!(parse("GET", "/sql/default"), Route::NotFound);
    }

    #[test]
    fn outbound_routes_build_their_urls() {
        assert_eq!(parse("GET", "/self/kv/s/k?a=1"), forward("/kv/s/k?a=1"));
        assert_eq!(
            parse("GET", "/self-host/var/x"),
            forward("http://self/var/x")
        );
        assert_eq!(
            parse("GET", "/chain/backend/a/b"),
            forward("http://backend.spin.internal/a/b")
        );
        assert_eq!(parse("GET", "/chain/"), Route::NotFound);
        let route = parse(
            "GET",
            "/outbound?url=http%3A%2F%2F127.0.0.1%3A9%2Fx%3Fy%3D1",
        );
        let url = "http://127.0.0.1:9/x?y=1".to_owned();
        assert_eq!(
            route,
            Route::Forward {
                url,
                authorization: Some("Bearer t".into())
            }
        );
        assert_eq!(parse("GET", "/outbound"), Route::NotFound);
    }

    #[test]
    fn the_rest_is_not_found() {
        assert_eq!(parse("GET", "/echo-headers"), Route::EchoHeaders);
        assert_eq!(parse("GET", "/trailers"), Route::Trailers);
        assert_eq!(
            parse("GET", "/var/name"),
            Route::Var {
                name: "name".into()
            }
        );
        for path in [
            "/",
            "",
            "/nope",
            "/echo-headers/x",
            "/trailers/x",
            "/var/a/b",
        ] {
            assert_eq!(parse("GET", path), Route::NotFound, "{path}");
        }
    }

    #[test]
    fn bodies() {
        assert_eq!(keys_body(vec!["b".into(), "a".into()]), "a\nb");
        let headers = [("X-A", &b"1"[..]), ("x-a", b"2"), ("b", b"3")];
        assert_eq!(
            headers_body(headers).to_string(),
            r#"{"b":"3","x-a":"1, 2"}"#
        );
        let body = sql_body(vec!["n".into()], vec![vec![json!(1), Json::Null]]);
        assert_eq!(body.to_string(), r#"{"columns":["n"],"rows":[[1,null]]}"#);
    }
}
