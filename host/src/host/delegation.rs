//! `caracal:agent/delegation`: offering, accepting and revoking peer
//! delegations, and describing a session's chain of authority.

use super::SessionHandle;
use crate::bindings::delegation::{ChainLink, DelegateRequest, DelegationOffer, Host};
use crate::bindings::types::DelegationConstraints;
use crate::ctx::AgentCtxView;
use crate::error::HostCallError;
use caracal_audit::EventKind;
use caracal_authority::{self as authority, Scopes, SessionId};
use wasmtime::component::Resource;

impl Host for AgentCtxView<'_> {
    fn delegate(
        &mut self,
        issuer: Resource<SessionHandle>,
        request: DelegateRequest,
    ) -> Result<DelegationOffer, HostCallError> {
        let from = self.open_id(&issuer)?;
        let mut engine_request = authority::DelegateRequest::new(
            SessionId::from(request.to_session_id.as_str()),
            request.to_application_id,
            request.scopes,
            request.ttl_seconds,
        )
        .with_constraints(constraints(request.constraints));
        engine_request.resource_id = request.resource_id;
        engine_request.parent_edge = request.parent_delegation_id;
        let offered = self.ctx.authority.delegate(&from, engine_request);
        let reason = match &offered {
            Ok(offer) => format!(
                "offered {} to {} ({})",
                offer.scopes.join(","),
                offer.to_session,
                offer.to_application
            ),
            Err(error) => format!("refused: {error}"),
        };
        self.audit(EventKind::Delegate, &from, Some(reason));
        let offer = offered?;
        Ok(DelegationOffer {
            id: offer.id,
            scopes: offer.scopes,
            expires_at_ms: offer.expires_at_ms,
            hop: offer.hop,
            to_session_id: offer.to_session.to_string(),
            to_application_id: offer.to_application,
        })
    }

    fn pending_offers(
        &mut self,
        receiver: Resource<SessionHandle>,
    ) -> Result<Vec<DelegationOffer>, HostCallError> {
        let id = self.open_id(&receiver)?;
        Ok(self
            .ctx
            .authority
            .pending_offers(&id)
            .into_iter()
            .map(|edge| DelegationOffer {
                scopes: scope_list(&edge.authority.scopes),
                expires_at_ms: edge.authority.expires_at_ms.unwrap_or(u64::MAX),
                hop: edge.authority.hop,
                to_session_id: edge.receiver.to_string(),
                to_application_id: edge.receiver_application,
                id: edge.id,
            })
            .collect())
    }

    fn accept(
        &mut self,
        receiver: Resource<SessionHandle>,
        delegation_id: String,
    ) -> Result<Resource<SessionHandle>, HostCallError> {
        let id = self.open_id(&receiver)?;
        let accepted = self.ctx.authority.accept_delegation(&id, &delegation_id);
        let reason = match &accepted {
            Ok(view) => format!("accepted {delegation_id} as {}", view.id),
            Err(error) => format!("refused {delegation_id}: {error}"),
        };
        self.audit(EventKind::Accept, &id, Some(reason));
        let view = accepted?;
        self.hold(view, 0, None)
    }

    fn revoke(
        &mut self,
        by: Resource<SessionHandle>,
        delegation_id: String,
    ) -> Result<Vec<String>, HostCallError> {
        let id = self.open_id(&by)?;
        let revoked = self.ctx.authority.revoke_delegation(&id, &delegation_id);
        let reason = match &revoked {
            Ok(impact) => format!(
                "revoked {} edge(s), terminated {} session(s)",
                impact.edges.len(),
                impact.sessions.len()
            ),
            Err(error) => format!("refused {delegation_id}: {error}"),
        };
        self.audit(EventKind::Revoke, &id, Some(reason));
        Ok(revoked?.edges)
    }

    fn describe_authority(
        &mut self,
        of: Resource<SessionHandle>,
    ) -> Result<Vec<ChainLink>, HostCallError> {
        let id = self.table.get(&of)?.id.clone();
        Ok(self
            .ctx
            .authority
            .describe_authority(&id)?
            .into_iter()
            .map(|link| ChainLink {
                zone_id: link.zone_id,
                application_id: link.application_id,
                session_id: link.session_id.to_string(),
                delegation_id: link.delegation_id,
                parent_delegation_id: link.parent_delegation_id,
                scopes: scope_list(&link.scopes),
                hop: link.hop,
            })
            .collect())
    }
}

fn constraints(c: DelegationConstraints) -> authority::DelegationConstraints {
    authority::DelegationConstraints {
        max_hops: c.max_hops,
        budget: c.budget,
        resources: c.resources,
        ttl_seconds: c.ttl_seconds,
        max_calls: c.max_calls,
    }
}

fn scope_list(scopes: &Scopes) -> Vec<String> {
    match scopes {
        Scopes::All => vec!["*".to_string()],
        Scopes::Only(set) => set.iter().cloned().collect(),
    }
}
