//! The admin operations on the authority engine, in the admin API's
//! records.

use super::model::{DelegationRecord, Impact, SessionRecord, Snapshot};
use super::routes::Backend;
use caracal_audit::EventKind;
use caracal_authority::{self as authority, AuthorityError, Scopes, SessionId};

impl Backend {
    /// Every context and edge, parents before children.
    pub fn snapshot(&self) -> Snapshot {
        let snapshot = self.authority.snapshot();
        Snapshot {
            sessions: snapshot.sessions.iter().map(session_record).collect(),
            delegations: snapshot.edges.iter().map(delegation_record).collect(),
        }
    }

    /// One context.
    pub fn session(&self, id: &str) -> Result<SessionRecord, AuthorityError> {
        let id = SessionId::from(id);
        self.authority
            .snapshot()
            .sessions
            .iter()
            .find(|node| node.view.id == id)
            .map(session_record)
            .ok_or_else(|| AuthorityError::NotFound(format!("no session `{id}`")))
    }

    /// What revoking delegation `id` would take down.
    pub fn impact(&self, id: &str) -> Result<Impact, AuthorityError> {
        Ok(impact_record(self.authority.impact(id)?))
    }

    /// Revokes a delegation edge (with everything downstream), or retires a
    /// session with its subtree; a root's agent is stopped (kill switch).
    pub fn revoke(&self, id: &str) -> Result<Impact, AuthorityError> {
        let session = SessionId::from(id);
        let impact = match self.authority.status(&session) {
            Ok(_) => {
                let before = self.authority.live_sessions();
                self.authority.close_root(&session);
                let gone = before
                    .into_iter()
                    .filter(|v| {
                        self.authority
                            .status(&v.id)
                            .is_ok_and(|s| s == authority::SessionStatus::Terminated)
                    })
                    .map(|v| v.id.to_string());
                Impact {
                    delegations: Vec::new(),
                    sessions: std::iter::once(id.to_string()).chain(gone).collect(),
                }
            }
            Err(AuthorityError::NotFound(_)) => impact_record(self.authority.revoke_as_admin(id)?),
            Err(other) => return Err(other),
        };
        self.audit(EventKind::Revoke, id, "revoke");
        Ok(impact)
    }

    /// Suspends a session and its subtree.
    pub fn suspend(&self, id: &str) -> Result<SessionRecord, AuthorityError> {
        self.authority.suspend(&SessionId::from(id))?;
        self.audit(EventKind::Suspend, id, "suspend");
        self.session(id)
    }

    /// Resumes a suspended session and its subtree.
    pub fn resume(&self, id: &str) -> Result<SessionRecord, AuthorityError> {
        self.authority.resume(&SessionId::from(id))?;
        self.audit(EventKind::Resume, id, "resume");
        self.session(id)
    }
}

fn session_record(node: &authority::SessionNode) -> SessionRecord {
    let view = &node.view;
    let authority = view.authority.as_ref();
    SessionRecord {
        id: view.id.to_string(),
        parent: view.parent.as_ref().map(ToString::to_string),
        is_root: view.is_root,
        application: view.application_id.clone(),
        lifecycle: view.lifecycle.map(|l| lifecycle_name(l).to_string()),
        status: status_name(view.status).to_string(),
        labels: view.labels.clone(),
        depth: view.depth,
        scopes: authority.map_or_else(Vec::new, |a| scope_list(&a.scopes)),
        resource_id: authority.and_then(|a| a.resource_id.clone()),
        delegation_id: authority.and_then(|a| a.edge_id.clone()),
        expires_at_ms: view.expires_at_ms,
        lease_deadline_ms: view.lease.as_ref().map(|l| l.deadline_ms),
    }
}

fn delegation_record(edge: &authority::EdgeView) -> DelegationRecord {
    DelegationRecord {
        id: edge.id.clone(),
        issuer: edge.issuer.to_string(),
        receiver: edge.receiver.to_string(),
        receiver_application: edge.receiver_application.clone(),
        parent: edge.parent_edge_id.clone(),
        scopes: scope_list(&edge.authority.scopes),
        resource_id: edge.authority.resource_id.clone(),
        expires_at_ms: edge.authority.expires_at_ms,
        state: match edge.state {
            authority::EdgeState::Offered => "offered",
            authority::EdgeState::Accepted => "accepted",
            authority::EdgeState::Revoked => "revoked",
            authority::EdgeState::Expired => "expired",
        }
        .to_string(),
    }
}

fn impact_record(impact: authority::Impact) -> Impact {
    Impact {
        delegations: impact.edges,
        sessions: impact.sessions.iter().map(ToString::to_string).collect(),
    }
}

fn scope_list(scopes: &Scopes) -> Vec<String> {
    match scopes {
        Scopes::All => vec!["*".to_string()],
        Scopes::Only(set) => set.iter().cloned().collect(),
    }
}

fn lifecycle_name(lifecycle: authority::Lifecycle) -> &'static str {
    match lifecycle {
        authority::Lifecycle::Task => "task",
        authority::Lifecycle::Service => "service",
    }
}

fn status_name(status: authority::SessionStatus) -> &'static str {
    match status {
        authority::SessionStatus::Active => "active",
        authority::SessionStatus::Suspended => "suspended",
        authority::SessionStatus::Terminated => "terminated",
    }
}
