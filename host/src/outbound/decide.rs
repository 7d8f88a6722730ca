//! [`Governor`]: the host-wide outbound rules and the decision for one
//! request.

use super::coalesce::DenialCoalescer;
use super::connect::Connector;
use super::identity::{Caller, HeldSessions, identify};
use super::mandate::Mandates;
use super::redact::CredentialForms;
use super::route::{Credential, Gateway, Route};
use crate::audit::{AuditDecision, Auditor};
use crate::config::{HostConfig, ResourceBinding};
use crate::token::TokenSigner;
use caracal_audit::EventKind;
use caracal_authority::{
    AuthorityError, Engine as Authority, Scopes, SessionId, SessionView, check_call,
};
use caracal_outbound_rules::{
    AllowedHosts, PathRefusal, Reach, ResourceBindings, ResourceMatch, ScopeRules, canonical_path,
    refuse_path_parameters,
};
use caracal_policy::{Decision as PolicyDecision, Policy, PolicyInput};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// The caller could not be identified (forged, expired or foreign
    /// bearer).
    #[error("identity: {0}")]
    Identity(String),
    /// The session is not live, or its authority does not cover the call.
    #[error("authority: {0}")]
    Authority(#[from] AuthorityError),
    /// The URL is neither bound to a resource nor an allowed host.
    #[error("not allowed: {0}")]
    NotAllowed(String),
    /// The Rego policy denied the call (or failed, which denies).
    #[error("policy: {0}")]
    Policy(String),
    /// The path is ambiguous (see [`PathRefusal`]).
    #[error("path: {0}")]
    Path(#[from] PathRefusal),
    /// The host name resolved to an address the request may not reach
    /// (DNS rebinding; see [`Reach`]).
    #[error("address: {0}")]
    Address(String),
}

/// `uri` with its path in the one canonical form the host decides on and
/// sends ([`canonical_path`]); the query is kept as it is.
pub fn canonical_uri(uri: &http::Uri) -> Result<http::Uri, Denial> {
    let path = canonical_path(uri.path())?;
    if path == uri.path() {
        return Ok(uri.clone());
    }
    let mut parts = uri.clone().into_parts();
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    parts.path_and_query =
        Some(path_and_query.parse().map_err(|_| {
            Denial::NotAllowed(format!("cannot rebuild the path `{path_and_query}`"))
        })?);
    http::Uri::from_parts(parts)
        .map_err(|e| Denial::NotAllowed(format!("cannot rebuild the URL: {e}")))
}

/// An allowed request: who made it, which resource it reaches and how it
/// is routed.
#[derive(Debug)]
pub struct Decision {
    /// The request's URL with its path in canonical form: what was decided
    /// on, and what is sent (before a gateway rewrite).
    pub uri: http::Uri,
    /// The session whose authority the request used.
    pub session: SessionId,
    /// The resource the URL is bound to, if any.
    pub resource_id: Option<String>,
    /// How the request travels.
    pub route: Route,
    /// Which addresses the request may connect to.
    pub reach: Reach,
}

/// One resource's rule table and credential.
#[derive(Debug)]
struct Resource {
    rules: Option<ScopeRules>,
    credential: Option<Credential>,
    /// Every scope the rules name: what a mandate of the application's own
    /// authority carries.
    scopes: Vec<String>,
    /// Send a resource mandate when the resource has no credential.
    mandate: bool,
}

/// The host's outbound rules, shared by every store.
pub struct Governor {
    authority: Arc<Authority>,
    auditor: Auditor,
    signer: Arc<TokenSigner>,
    bindings: ResourceBindings,
    resources: HashMap<String, Resource>,
    allowed: AllowedHosts,
    gateway: Option<Gateway>,
    policy: Option<Policy>,
    /// Gateway envelopes and resource mandates, per session.
    mandates: Mandates,
    denials: DenialCoalescer,
    /// Woken whenever the authority ends or suspends a session.
    lost: Arc<tokio::sync::Notify>,
    /// How allowed requests reach their upstream (host-wide).
    connector: Arc<Connector>,
}

impl Drop for Governor {
    /// The counts of denial floods still open are recorded before the host
    /// goes.
    fn drop(&mut self) {
        for record in self.denials.flush(self.authority.clock().now_ms()) {
            self.auditor.record(record);
        }
    }
}

impl fmt::Debug for Governor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Governor")
            .field("bindings", &self.bindings)
            .field("allowed", &self.allowed)
            .field("gateway", &self.gateway)
            .field("policy", &self.policy.as_ref().map(Policy::name))
            .finish_non_exhaustive()
    }
}

impl Governor {
    /// Builds the rules from a validated configuration. Fails only on a
    /// configuration that bypassed validation (e.g. built by hand), naming
    /// the bad entry.
    pub fn new(
        config: &HostConfig,
        authority: Arc<Authority>,
        signer: Arc<TokenSigner>,
        auditor: Auditor,
        connector: Arc<Connector>,
    ) -> Result<Governor, String> {
        let bindings = ResourceBindings::new(
            config
                .resources
                .iter()
                .map(|b| (b.resource_id.clone(), b.upstream_prefix.clone())),
        )
        .map_err(|errors| join(&errors))?;
        let mut resources = HashMap::new();
        for binding in &config.resources {
            resources.insert(binding.resource_id.clone(), resource(binding)?);
        }
        let allowed =
            AllowedHosts::parse(&config.allowed_outbound_hosts).map_err(|errors| join(&errors))?;
        let gateway = config
            .gateway_url
            .as_deref()
            .map(Gateway::parse)
            .transpose()?;
        let policy = config
            .policy_file
            .as_ref()
            .map(|path| Policy::from_file(path, Policy::DEFAULT_RULE))
            .transpose()
            .map_err(|e| e.to_string())?;
        let lost = Arc::new(tokio::sync::Notify::new());
        let notify = lost.clone();
        authority.on_authority_lost(move || notify.notify_waiters());
        Ok(Governor {
            authority,
            auditor,
            signer,
            bindings,
            resources,
            allowed,
            gateway,
            policy,
            mandates: Mandates::default(),
            denials: DenialCoalescer::default(),
            lost,
            connector,
        })
    }

    /// Resolves with the error once `session` is no longer live: woken by
    /// the authority when it ends or suspends any session (one signal per
    /// host), never by a timer.
    pub(crate) async fn until_not_live(&self, session: &SessionId) -> AuthorityError {
        loop {
            let lost = self.lost.notified();
            tokio::pin!(lost);
            // Registered before the check, so no change falls in between.
            lost.as_mut().enable();
            if let Err(error) = self.authority.check_live(session) {
                return error;
            }
            lost.await;
        }
    }

    /// The connector allowed requests go out through.
    pub fn connector(&self) -> &Arc<Connector> {
        &self.connector
    }

    /// Records a request the rules allowed but the connector refused:
    /// its name resolved to an address it may not reach.
    pub(crate) fn audit_refused_address(
        &self,
        root: &SessionId,
        method: &http::Method,
        uri: &http::Uri,
        denial: &Denial,
    ) {
        if !self.auditor.is_enabled() {
            return;
        }
        let url = uri.to_string();
        let event = self
            .auditor
            .event(EventKind::Outbound)
            .request(method.as_str(), url.clone());
        self.audit_denial(root, method.as_str(), url, event, denial);
    }

    /// The authority engine the rules read.
    pub fn authority(&self) -> &Arc<Authority> {
        &self.authority
    }

    /// Records the outcome of one request made by the agent whose root is
    /// `root`; identical denials in a flood are coalesced
    /// ([`DenialCoalescer`]).
    pub(crate) fn audit(
        &self,
        root: &SessionId,
        request: &http::request::Parts,
        outcome: &Result<Decision, Denial>,
    ) {
        if !self.auditor.is_enabled() {
            return;
        }
        // The canonical URL, as decided (an allowed request's parts carry it
        // already); a path refused as ambiguous is recorded as sent.
        let url = match outcome {
            Ok(_) => request.uri.to_string(),
            Err(_) => canonical_uri(&request.uri)
                .map_or_else(|_| request.uri.to_string(), |uri| uri.to_string()),
        };
        let event = self
            .auditor
            .event(EventKind::Outbound)
            .request(request.method.as_str(), url.clone());
        let decision = match outcome {
            Ok(decision) => decision,
            Err(denial) => {
                return self.audit_denial(root, request.method.as_str(), url, event, denial);
            }
        };
        let event = event
            .session(decision.session.to_string())
            .decision(AuditDecision::Allow)
            .target(decision.route.name());
        self.auditor.record(match &decision.resource_id {
            Some(id) => event.resource(id.clone()),
            None => event,
        });
    }

    /// Records a denial, or counts it when it repeats one in its window.
    fn audit_denial(
        &self,
        root: &SessionId,
        method: &str,
        url: String,
        event: caracal_audit::AuditEvent,
        denial: &Denial,
    ) {
        let reason = denial.to_string();
        let key = (root.to_string(), method.to_owned(), url, reason.clone());
        let event = event
            .session(root.to_string())
            .decision(AuditDecision::Deny)
            .reason(reason);
        let now_ms = self.authority.clock().now_ms();
        for record in self.denials.on_denial(key, now_ms, event) {
            self.auditor.record(record);
        }
    }

    /// The URL prefixes routed through a gateway: the gateway itself and
    /// every resource's upstream prefix.
    pub fn routed_prefixes(&self, config: &HostConfig) -> Vec<String> {
        let gateway = config.gateway_url.iter().cloned();
        gateway
            .chain(config.resources.iter().map(|b| b.upstream_prefix.clone()))
            .collect()
    }

    /// Decides one request made by a store whose root context is `root`
    /// and which holds handles to `held`.
    pub fn decide(
        &self,
        root: &SessionId,
        held: &HeldSessions,
        request: &http::request::Parts,
    ) -> Result<Decision, Denial> {
        let now_ms = self.authority.clock().now_ms();
        let caller = identify(&request.headers, root, held, &self.signer, now_ms / 1000)?;
        self.authority.check_live(&caller.session)?;
        // One canonical path for the bindings, the scope rules, the policy,
        // the audit and the request sent.
        let uri = canonical_uri(&request.uri)?;
        let method = request.method.as_str();

        let Some(hit) = binding_of(&self.bindings, &uri) else {
            return self.decide_plain(caller, uri);
        };
        let resource_id = hit.resource_id.to_string();
        refuse_path_parameters(uri.path())?;
        let rest_path = hit.rest_path.clone();
        let resource = &self.resources[&resource_id];
        let path = if rest_path.is_empty() {
            "/"
        } else {
            rest_path.as_str()
        };
        let required: Vec<String> = match &resource.rules {
            None => Vec::new(),
            Some(rules) => rules
                .required_scopes(method, path)
                .ok_or_else(|| {
                    Denial::NotAllowed(format!("no rule of `{resource_id}` covers {method} {path}"))
                })?
                .to_vec(),
        };
        let view = self.authority.view(&caller.session)?;
        if let Some(authority) = &view.authority
            && authority.is_expired(now_ms)
        {
            return Err(Denial::Authority(AuthorityError::Gone(format!(
                "the delegation `{}` the session presents has expired",
                authority.edge_id.as_deref().unwrap_or("-")
            ))));
        }
        check_call(view.authority.as_ref(), &resource_id, &required)?;
        if let Some(policy) = &self.policy {
            let edge_scopes = match view.authority.as_ref().map(|a| &a.scopes) {
                Some(Scopes::All) => vec!["*".to_string()],
                Some(Scopes::Only(set)) => set.iter().cloned().collect(),
                None => Vec::new(),
            };
            let mut input = PolicyInput::default();
            input.principal.id = caller.session.to_string();
            input.principal.labels = view.labels.clone();
            input.resource.identifier = resource_id.clone();
            input.context.requested_scopes = required.clone();
            input.context.method = method.to_string();
            input.context.path = path.to_string();
            input.delegation_edge.scopes = edge_scopes;
            if let PolicyDecision::Deny(reason) = policy.decide(&input) {
                return Err(Denial::Policy(reason.to_string()));
            }
        }
        self.authority.meter_call(&caller.session)?;
        let route = match &self.gateway {
            Some(gateway) => Route::Gateway {
                target: gateway.target(&rest_path_and_query(&uri)),
                resource_id: resource_id.clone(),
                envelope: self.envelope(&view, &resource_id, resource, now_ms),
            },
            // The resource's own credential; else, for a Caracal-protected
            // upstream, the session's mandate for it.
            None => Route::Embedded {
                credential: match &resource.credential {
                    Some(credential) => Some(credential.clone()),
                    None if resource.mandate => Some(self.mandates.credential(
                        &self.authority,
                        &self.signer,
                        &view,
                        &resource_id,
                        &resource.scopes,
                        now_ms,
                    )),
                    None => None,
                },
            },
        };
        Ok(Decision {
            uri,
            session: caller.session,
            resource_id: Some(resource_id),
            route,
            // The operator named the upstream (or gateway) exactly.
            reach: Reach::Named,
        })
    }

    /// A request to a URL bound to no resource: the allow-list decides.
    fn decide_plain(&self, caller: Caller, uri: http::Uri) -> Result<Decision, Denial> {
        let scheme = uri.scheme_str().unwrap_or("https");
        let host = uri.host().unwrap_or_default();
        let Some(reach) = self.allowed.reach(scheme, host, uri.port_u16()) else {
            return Err(Denial::NotAllowed(format!(
                "{scheme}://{host}{} is neither bound to a resource nor in allowed_outbound_hosts",
                uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default()
            )));
        };
        Ok(Decision {
            uri,
            session: caller.session,
            resource_id: None,
            route: Route::Plain {
                own_authorization: caller.own_authorization,
            },
            reach,
        })
    }

    /// The session's envelope as the host projects it, for the gateway,
    /// with the session's mandate for `resource_id` as its bearer. The
    /// projection is cached per session, so its token is signed once and
    /// reused until it nears expiry, not signed per request.
    fn envelope(
        &self,
        view: &SessionView,
        resource_id: &str,
        resource: &Resource,
        now_ms: u64,
    ) -> Vec<(String, String)> {
        let mut span = [0u8; 8];
        span.copy_from_slice(&uuid::Uuid::now_v7().as_bytes()[8..]);
        let mut envelope =
            self.mandates
                .with_projection(&self.authority, &self.signer, view, |projection| {
                    projection.headers(&self.signer, now_ms, span)
                });
        let mandate = self.mandates.credential(
            &self.authority,
            &self.signer,
            view,
            resource_id,
            &resource.scopes,
            now_ms,
        );
        for (name, value) in &mut envelope {
            if name == "authorization"
                && let Ok(bearer) = mandate.value.to_str()
            {
                *value = bearer.to_owned();
            }
        }
        envelope
    }
}

/// The (canonical) path and query of a request.
fn rest_path_and_query(uri: &http::Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| "/".to_string(), |pq| pq.as_str().to_string())
}

fn resource(binding: &ResourceBinding) -> Result<Resource, String> {
    let rules = if binding.rules.is_empty() {
        None
    } else {
        let lines: Vec<(&str, Vec<String>)> = binding
            .rules
            .iter()
            .map(|(pattern, scopes)| (pattern.as_str(), scopes.clone()))
            .collect();
        Some(ScopeRules::parse(&lines).map_err(|errors| join(&errors))?)
    };
    let credential = binding
        .credential
        .as_ref()
        .map(|c| {
            let name = http::HeaderName::from_bytes(c.header.as_bytes())
                .map_err(|e| format!("credential header `{}`: {e}", c.header))?;
            let mut value = http::HeaderValue::from_str(c.value.expose()).map_err(|_| {
                format!(
                    "credential of `{}` is not a header value",
                    binding.resource_id
                )
            })?;
            value.set_sensitive(true);
            Ok::<_, String>(Credential {
                header: name,
                value,
                forms: Arc::new(CredentialForms::new(c.value.expose(), c.secret.expose())),
            })
        })
        .transpose()?;
    let mut scopes: Vec<String> = binding
        .rules
        .iter()
        .flat_map(|(_, scopes)| scopes.iter().cloned())
        .collect();
    scopes.sort();
    scopes.dedup();
    Ok(Resource {
        rules,
        credential,
        scopes,
        mandate: binding.mandate,
    })
}

fn join(errors: &[impl fmt::Display]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The binding `uri` matches, from the parts `uri` already holds (not
/// written out and parsed again); a URL that is not absolute matches none.
fn binding_of<'a>(bindings: &'a ResourceBindings, uri: &http::Uri) -> Option<ResourceMatch<'a>> {
    let (scheme, authority) = (uri.scheme_str()?, uri.authority()?);
    bindings.match_parts(scheme, authority.as_str(), uri.path(), uri.query())
}

#[cfg(test)]
mod tests {
    use super::binding_of;
    use caracal_outbound_rules::ResourceBindings;

    /// A request URL is matched from its parsed parts: for every URL a guest
    /// may send, hostile ones included, that gives the binding the URL's
    /// written-out form gives.
    #[test]
    fn matching_the_parsed_url_agrees_with_matching_its_text() {
        let bindings = ResourceBindings::new([
            ("tickets", "https://api.example/tickets"),
            ("api", "https://api.example"),
            ("local", "http://127.0.0.1:8080/v1"),
            ("v6", "http://[::1]:9000/"),
        ])
        .unwrap();
        let urls = [
            "https://api.example/tickets/7?full=1",
            "https://API.example:443/tickets",
            "https://api.example./tickets/",
            "https://api.example/ticketsX",
            "https://api.example",
            "https://api.example?q=1",
            "https://user@api.example/tickets",
            "https://user:pw@api.example/",
            "https://api.example/tickets/../admin",
            "https://api.example/tickets/%2e%2E/admin",
            "https://api.example:8443/tickets",
            "http://api.example/tickets",
            "http://127.0.0.1:8080/v1/x",
            "http://127.0.0.1:8080/v10",
            "http://127.0.0.1/v1",
            "http://[::1]:9000/anything?x",
            "http://[0:0:0:0:0:0:0:1]:9000/",
            "https://other.example/tickets",
        ];
        let mut outcomes = Vec::new();
        for url in urls {
            let uri: http::Uri = url.parse().unwrap();
            let parsed = binding_of(&bindings, &uri).map(|hit| (hit.resource_id, hit.rest_path));
            let text = uri.to_string();
            let written = bindings
                .match_url(&text)
                .map(|hit| (hit.resource_id, hit.rest_path));
            assert_eq!(parsed, written, "{url}");
            outcomes.push(parsed.is_some());
        }
        // The list reaches both outcomes.
        assert!(outcomes.contains(&true) && outcomes.contains(&false));
        // A URL that is not absolute is bound to no resource.
        assert!(binding_of(&bindings, &"/tickets/7".parse().unwrap()).is_none());
    }
}
