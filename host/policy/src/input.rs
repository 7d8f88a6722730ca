//! The input document a policy sees as `input` (DESIGN §5, step 3).

use std::collections::BTreeMap;

use regorus::Value;
use serde::{Deserialize, Serialize};

/// The whole `input` document for one outbound decision.
///
/// Serialises to exactly
/// `{"principal": {"id", "labels"}, "resource": {"identifier"},
///   "context": {"requested_scopes", "method", "path"},
///   "delegation_edge": {"scopes"}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInput {
    /// The session making the call (`input.principal`).
    pub principal: Principal,
    /// The resource the call is bound to (`input.resource`).
    pub resource: Resource,
    /// The request being decided (`input.context`).
    pub context: RequestContext,
    /// The delegation edge the session's authority comes from
    /// (`input.delegation_edge`).
    pub delegation_edge: DelegationEdge,
}

/// The calling session (`input.principal`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The session id (a UUIDv7 string).
    pub id: String,
    /// The session's descriptive labels; policy input only, never grants.
    pub labels: Vec<String>,
}

/// The resource binding matched for the call (`input.resource`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The resource id from the matched binding.
    pub identifier: String,
}

/// The outbound request (`input.context`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestContext {
    /// The scopes the call needs, e.g. `tickets:read`.
    pub requested_scopes: Vec<String>,
    /// The HTTP method, e.g. `GET`.
    pub method: String,
    /// The request path, e.g. `/tickets/1`.
    pub path: String,
}

/// The delegation edge backing the session (`input.delegation_edge`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationEdge {
    /// The scopes the edge grants.
    pub scopes: Vec<String>,
}

impl PolicyInput {
    /// Builds the regorus value directly: about twice as fast as going
    /// through `serde_json::Value`, and a test pins it to the serde form.
    pub(crate) fn to_value(&self) -> Value {
        object([
            (
                "principal",
                object([
                    ("id", string(&self.principal.id)),
                    ("labels", strings(&self.principal.labels)),
                ]),
            ),
            (
                "resource",
                object([("identifier", string(&self.resource.identifier))]),
            ),
            (
                "context",
                object([
                    ("requested_scopes", strings(&self.context.requested_scopes)),
                    ("method", string(&self.context.method)),
                    ("path", string(&self.context.path)),
                ]),
            ),
            (
                "delegation_edge",
                object([("scopes", strings(&self.delegation_edge.scopes))]),
            ),
        ])
    }
}

fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::from(
        fields
            .into_iter()
            .map(|(key, value)| (Value::from(key), value))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn string(s: &str) -> Value {
    Value::from(s)
}

fn strings(items: &[String]) -> Value {
    Value::from(items.iter().map(|s| string(s)).collect::<Vec<_>>())
}
