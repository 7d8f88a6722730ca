//! [`Route`]: how an allowed request travels, and the header rewriting each
//! route needs.

use super::redact::CredentialForms;
use caracal_envelope::{Baggage, CARACAL_PREFIX, TraceParent};
use http::{HeaderMap, HeaderName, HeaderValue, Uri};
use std::sync::Arc;

/// `X-Caracal-Resource`: the resource id a gateway-routed request is for.
pub const RESOURCE_HEADER: &str = "x-caracal-resource";

/// How an allowed request travels.
#[derive(Debug)]
#[non_exhaustive]
pub enum Route {
    /// To a host on the allow-list, as it is, without the envelope.
    Plain {
        /// The request's `authorization` is the app's own: sent on.
        own_authorization: bool,
    },
    /// Through the embedded gateway to the upstream, with the resource's
    /// credential in place of the envelope.
    Embedded {
        /// The header to set, if the resource has a credential.
        credential: Option<Credential>,
    },
    /// Rewritten to the configured Caracal Gateway, with the envelope.
    Gateway {
        /// The gateway URL plus the request's path and query.
        target: Uri,
        /// Sent as `X-Caracal-Resource`.
        resource_id: String,
        /// The session's envelope as the host projects it.
        envelope: Vec<(String, String)>,
    },
}

/// A resource's credential as the embedded gateway injects it.
#[derive(Debug, Clone)]
pub struct Credential {
    pub(crate) header: HeaderName,
    pub(crate) value: HeaderValue,
    /// What the response is masked of.
    pub(crate) forms: Arc<CredentialForms>,
}

impl Route {
    /// `plain`, `embedded-gateway` or `gateway`: how the audit names it.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Plain { .. } => "plain",
            Route::Embedded { .. } => "embedded-gateway",
            Route::Gateway { .. } => "gateway",
        }
    }

    /// Rewrites the request for this route. The `caracal.*` baggage and any
    /// host bearer are removed first: only the host decides what identity
    /// leaves the sandbox. The app's own `authorization` stays on a plain
    /// route; on a resource route the injected credential or the gateway's
    /// envelope replaces it. On a credential
    /// route the host also decides the answer's encoding (`identity`: what
    /// it must mask, it must be able to read). Returns the credential's
    /// forms, so the response can be masked of them.
    pub(crate) fn apply(&self, request: &mut http::request::Parts) -> Option<Arc<CredentialForms>> {
        let own = match self {
            Route::Plain {
                own_authorization: true,
            } => request.headers.remove(http::header::AUTHORIZATION),
            _ => None,
        };
        strip_envelope(&mut request.headers);
        if let Some(own) = own {
            request.headers.insert(http::header::AUTHORIZATION, own);
        }
        match self {
            Route::Plain { .. } => None,
            Route::Embedded { credential } => {
                let credential = credential.as_ref()?;
                request
                    .headers
                    .insert(credential.header.clone(), credential.value.clone());
                request.headers.insert(
                    http::header::ACCEPT_ENCODING,
                    HeaderValue::from_static("identity"),
                );
                // A guest's TE (e.g. `gzip`) would ask for a transfer coding.
                request.headers.remove(http::header::TE);
                Some(credential.forms.clone())
            }
            Route::Gateway {
                target,
                resource_id,
                envelope,
            } => {
                request.uri = target.clone();
                if let Some(authority) = target.authority()
                    && let Ok(host) = HeaderValue::from_str(authority.as_str())
                {
                    request.headers.insert(http::header::HOST, host);
                }
                if let Ok(value) = HeaderValue::from_str(resource_id) {
                    request.headers.insert(RESOURCE_HEADER, value);
                }
                add_envelope(&mut request.headers, envelope);
                None
            }
        }
    }
}

/// Removes `authorization` and the `caracal.*` baggage members, keeping
/// foreign members.
fn strip_envelope(headers: &mut HeaderMap) {
    headers.remove(http::header::AUTHORIZATION);
    let Some(baggage) = headers
        .get("baggage")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        headers.remove("baggage");
        return;
    };
    match Baggage::parse(&baggage) {
        Ok(mut parsed) => {
            parsed.retain(|key| !key.starts_with(CARACAL_PREFIX));
            set_or_remove(
                headers,
                "baggage",
                (!parsed.is_empty()).then(|| parsed.to_header()),
            );
        }
        // Unparsable (or oversized) baggage is dropped whole.
        Err(_) => {
            headers.remove("baggage");
        }
    }
}

/// Adds the host's envelope: the bearer, a `traceparent` unless the request
/// carries a valid one, `tracestate`, and the Caracal baggage merged with
/// the request's foreign members.
fn add_envelope(headers: &mut HeaderMap, envelope: &[(String, String)]) {
    for (name, value) in envelope {
        match name.as_str() {
            "traceparent" => {
                let valid = headers
                    .get("traceparent")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| TraceParent::parse(v).is_ok());
                if !valid {
                    set_or_remove(headers, "traceparent", Some(value.clone()));
                }
            }
            "baggage" => {
                let mut merged = headers
                    .get("baggage")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| Baggage::parse(v).ok())
                    .unwrap_or_default();
                if let Ok(ours) = Baggage::parse(value) {
                    for (key, member) in ours.iter() {
                        merged.insert(key, member);
                    }
                }
                set_or_remove(headers, "baggage", Some(merged.to_header()));
            }
            other => {
                if let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(other.as_bytes()),
                    HeaderValue::from_str(value),
                ) {
                    headers.insert(name, value);
                }
            }
        }
    }
}

fn set_or_remove(headers: &mut HeaderMap, name: &'static str, value: Option<String>) {
    match value.and_then(|v| HeaderValue::from_str(&v).ok()) {
        Some(value) => {
            headers.insert(name, value);
        }
        None => {
            headers.remove(name);
        }
    }
}

/// A configured Caracal Gateway.
#[derive(Debug, Clone)]
pub(crate) struct Gateway {
    base: String,
}

impl Gateway {
    /// `gateway_url` without a trailing slash.
    pub(crate) fn parse(url: &str) -> Result<Gateway, String> {
        url.parse::<Uri>()
            .map_err(|e| format!("gateway_url `{url}`: {e}"))?;
        Ok(Gateway {
            base: url.trim_end_matches('/').to_string(),
        })
    }

    /// The gateway URL for a request's path and query.
    pub(crate) fn target(&self, path_and_query: &str) -> Uri {
        format!("{}{path_and_query}", self.base)
            .parse()
            .unwrap_or_else(|_| Uri::from_static("/"))
    }
}
