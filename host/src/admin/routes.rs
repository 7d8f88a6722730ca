//! The admin API's routes, behind the bearer check.
//!
//! | method | path | answer |
//! |---|---|---|
//! | GET | `/v1/snapshot` | [`Snapshot`] |
//! | GET | `/v1/sessions/<id>` | [`SessionRecord`] |
//! | GET | `/v1/delegations/<id>/impact` | [`Impact`] of revoking it |
//! | POST | `/v1/revoke/<id>` | [`Impact`]: a delegation id revokes the edge and everything downstream; a session id terminates the session and its subtree (a root stops its agent) |
//! | POST | `/v1/sessions/<id>/suspend` | the [`SessionRecord`] after |
//! | POST | `/v1/sessions/<id>/resume` | the [`SessionRecord`] after |
//!
//! Errors are JSON `{"error": "<kind>", "message": "…"}` with 401 (missing
//! or wrong token), 404 (unknown id or route), 409 (refused) or 400.

use crate::audit::Auditor;
use caracal_audit::EventKind;
use caracal_authority::{AuthorityError, Engine as Authority};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use serde::Serialize;
use std::sync::Arc;

/// What the admin API acts on: the host's authority engine, recording every
/// operator action in the audit trail.
#[derive(Clone, Debug)]
pub struct Backend {
    pub(crate) authority: Arc<Authority>,
    pub(crate) auditor: Auditor,
}

impl Backend {
    /// A backend over `authority`, auditing with `auditor`.
    pub fn new(authority: Arc<Authority>, auditor: Auditor) -> Backend {
        Backend { authority, auditor }
    }
}

type Reply = Response<Full<Bytes>>;

/// Answers one request.
pub(super) async fn handle(backend: &Backend, token: &str, request: Request<Incoming>) -> Reply {
    if !authorized(&request, token) {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong admin token",
        );
    }
    let path: Vec<&str> = request.uri().path().trim_matches('/').split('/').collect();
    let result = match (request.method(), path.as_slice()) {
        (&Method::GET, ["v1", "snapshot"]) => Ok(json(&backend.snapshot())),
        (&Method::GET, ["v1", "sessions", id]) => backend.session(id).map(|r| json(&r)),
        (&Method::GET, ["v1", "delegations", id, "impact"]) => backend.impact(id).map(|r| json(&r)),
        (&Method::POST, ["v1", "revoke", id]) => backend.revoke(id).map(|r| json(&r)),
        (&Method::POST, ["v1", "sessions", id, "suspend"]) => backend.suspend(id).map(|r| json(&r)),
        (&Method::POST, ["v1", "sessions", id, "resume"]) => backend.resume(id).map(|r| json(&r)),
        _ => return error(StatusCode::NOT_FOUND, "not-found", "no such route"),
    };
    match result {
        Ok(reply) => reply,
        Err(refusal) => {
            let status = match refusal {
                AuthorityError::NotFound(_) => StatusCode::NOT_FOUND,
                AuthorityError::Invalid(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::CONFLICT,
            };
            error(status, refusal.kind(), refusal.message())
        }
    }
}

/// Constant-time comparison of the presented bearer with the token.
fn authorized(request: &Request<Incoming>, token: &str) -> bool {
    let presented = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    presented.len() == token.len()
        && presented
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn json(value: &impl Serialize) -> Reply {
    let body = serde_json::to_vec(value).unwrap_or_default();
    Response::builder()
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default()
}

fn error(status: StatusCode, kind: &str, message: &str) -> Reply {
    let mut reply = json(&serde_json::json!({"error": kind, "message": message}));
    *reply.status_mut() = status;
    reply
}

impl Backend {
    /// Records an operator action.
    pub(super) fn audit(&self, kind: EventKind, target: &str, reason: &str) {
        self.auditor.record(
            self.auditor
                .event(kind)
                .target(target.to_string())
                .reason(format!("operator: {reason}")),
        );
    }
}
