//! The host as a token issuer on the wire: its key set where upstream
//! Caracal's verifiers fetch it (`{issuer}/.well-known/jwks.json`, one key
//! set per zone, `?zone_id=`), without authentication, and the small
//! listener `run` and `serve` start to publish it (see [`issuer_address`]).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::Full;
use hyper_util::rt::TokioIo;

use crate::config::HostConfig;
use crate::token::TokenSigner;

/// Where upstream Caracal's verifiers fetch an issuer's key set.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// The path earlier releases served the key set at; kept as an alias.
pub const CARACAL_JWKS_PATH: &str = "/.well-known/caracal/jwks.json";

/// Whether `path` is one of the key-set paths.
pub fn is_jwks_path(path: &str) -> bool {
    path == JWKS_PATH || path == CARACAL_JWKS_PATH
}

/// The answer to a key-set request: the JWK Set for the host's zone (no
/// `zone_id`, or the host's own), 404 for another zone (this host issues
/// for one zone only), 405 for a method other than GET or HEAD.
pub fn jwks_response(
    signer: &TokenSigner,
    zone_id: &str,
    method: &Method,
    query: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            serde_json::json!({"error": "method_not_allowed",
                "error_description": "the key set is read with GET"}),
        );
    }
    let asked = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name == "zone_id").then(|| percent_decode(value))
        });
    match asked {
        Some(zone) if zone != zone_id => (
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "not_found",
                "error_description": format!("this issuer signs for zone `{zone_id}`, not `{zone}`")}),
        ),
        _ => (StatusCode::OK, signer.jwks()),
    }
}

/// A query value with `%XX` escapes and `+` decoded; a malformed escape
/// stays as it is (and so matches no zone).
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| value.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, byte) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where the host publishes its key set besides `serve`'s own listener:
/// `issuer_listen` when configured, else the issuer URL's own address when
/// that is loopback `http` (development, as upstream allows). `None`: an
/// https issuer is published by whatever terminates its TLS (`serve`, or
/// a proxy in front of `issuer_listen`).
pub fn issuer_address(config: &HostConfig) -> Option<SocketAddr> {
    if let Some(addr) = config.issuer_listen {
        return Some(addr);
    }
    let uri: http::Uri = config.issuer_url.as_deref()?.parse().ok()?;
    if uri.scheme_str() != Some("http") {
        return None;
    }
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(80);
    let ip = match host {
        "localhost" => std::net::IpAddr::from([127, 0, 0, 1]),
        other => other.parse().ok()?,
    };
    ip.is_loopback().then(|| SocketAddr::new(ip, port))
}

/// Starts publishing `host`'s key set on `addr` (see [`issuer_address`])
/// on the current runtime; returns the bound address. The listener lives
/// as long as the runtime.
pub async fn publish(host: &crate::AgentHost, addr: SocketAddr) -> std::io::Result<SocketAddr> {
    publish_on(host, tokio::net::TcpListener::bind(addr).await?)
}

/// [`publish`] on a listener already bound (tests bind first to learn the
/// port the issuer URL names).
pub fn publish_on(
    host: &crate::AgentHost,
    listener: tokio::net::TcpListener,
) -> std::io::Result<SocketAddr> {
    let bound = listener.local_addr()?;
    let signer = host.shared_signer().clone();
    let zone = host.config().zone_id.clone();
    tokio::spawn(async move {
        if let Err(error) = serve_jwks(signer, zone, listener).await {
            tracing::warn!(%error, "the issuer listener stopped");
        }
    });
    Ok(bound)
}

/// Serves the key set on `listener` until the future is dropped: GET (or
/// HEAD) on [`JWKS_PATH`] or [`CARACAL_JWKS_PATH`], 404 elsewhere.
pub async fn serve_jwks(
    signer: Arc<TokenSigner>,
    zone_id: String,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let zone_id: Arc<str> = zone_id.into();
    loop {
        let (stream, client) = listener.accept().await?;
        let (signer, zone_id) = (signer.clone(), zone_id.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: http::Request<_>| {
                let (status, body) = if is_jwks_path(request.uri().path()) {
                    jwks_response(&signer, &zone_id, request.method(), request.uri().query())
                } else {
                    (
                        StatusCode::NOT_FOUND,
                        serde_json::json!({"error": "not_found",
                            "error_description": format!("this listener serves {JWKS_PATH} only")}),
                    )
                };
                let response = Response::builder()
                    .status(status)
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .header(http::header::CACHE_CONTROL, "max-age=300")
                    .body(Full::new(Bytes::from(body.to_string())))
                    .expect("a static response builds");
                async move { Ok::<_, std::convert::Infallible>(response) }
            });
            if let Err(error) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%client, %error, "issuer connection ended with an error");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_set_is_served_for_the_hosts_zone_only() {
        let signer = TokenSigner::generate();
        let get = |query| jwks_response(&signer, "local", &Method::GET, query);
        assert_eq!(get(None).0, StatusCode::OK);
        assert_eq!(get(Some("zone_id=local")).0, StatusCode::OK);
        assert_eq!(get(Some("x=1&zone_id=loc%61l")).0, StatusCode::OK);
        assert_eq!(get(Some("zone_id=other")).0, StatusCode::NOT_FOUND);
        assert_eq!(get(Some("zone_id=%zz")).0, StatusCode::NOT_FOUND);
        assert_eq!(get(Some("zone_id=%")).0, StatusCode::NOT_FOUND);
        assert_eq!(
            jwks_response(&signer, "local", &Method::POST, None).0,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(get(None).1["keys"][0]["kty"], "EC");
    }

    #[test]
    fn the_listener_address_comes_from_issuer_listen_or_a_loopback_issuer() {
        let mut config = HostConfig {
            issuer_url: Some("http://127.0.0.1:4100".into()),
            ..HostConfig::default()
        };
        assert_eq!(
            issuer_address(&config),
            Some("127.0.0.1:4100".parse().unwrap())
        );
        config.issuer_url = Some("http://localhost:4101/".into());
        assert_eq!(
            issuer_address(&config),
            Some("127.0.0.1:4101".parse().unwrap())
        );
        config.issuer_url = Some("https://issuer.example".into());
        assert_eq!(issuer_address(&config), None);
        config.issuer_listen = Some("0.0.0.0:9000".parse().unwrap());
        assert_eq!(
            issuer_address(&config),
            Some("0.0.0.0:9000".parse().unwrap())
        );
        assert_eq!(issuer_address(&HostConfig::default()), None);
    }
}
