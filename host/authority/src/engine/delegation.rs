//! Peer delegation, the `delegate` and `accept` half of
//! `caracal:agent/delegation`.
//!
//! Every peer delegation is an offer: [`Engine::delegate`] registers an
//! `Offered` edge from the issuer's context to a named receiver session
//! (of the same application or another one sharing the engine), and
//! nothing changes for anyone until the receiver calls
//! [`Engine::accept_delegation`]. The issuer's own context is unchanged
//! either way. Accepting derives a new context: a child task of the
//! receiver that presents the receiver's edges plus the accepted one (its
//! primary edge, hop = the issuer's edge hop + 1), so its effective
//! authority is the delegation within what the receiver itself holds.

use std::collections::HashSet;

use crate::delegation::{DelegateRequest, Delegation, EdgeKind, EdgeView};
use crate::edges::{Edge, Stage};
use crate::error::{AuthorityError, denied, gone, invalid, limit};
use crate::grant::{Authority, NarrowGrant, Scopes};
use crate::journal::Mutation;
use crate::limits::{MAX_DEPTH, MAX_LIVE_CHILDREN, MAX_TTL_SECONDS};
use crate::rules;
use crate::session::{Lifecycle, SessionId, SessionStatus, SessionView};
use crate::tree::{Node, Tree};

use super::{Engine, new_edge_id, not_found};

impl Engine {
    /// Offers a narrower slice of `from`'s authority to the live session
    /// `request.to_session`, which must belong to `request.to_application`;
    /// returns the offered edge. The receiver uses it only after
    /// [`Engine::accept_delegation`]; `from` is unchanged.
    ///
    /// The edge is narrowed from `from`'s presented edge (its only one, or
    /// the one `request.parent_edge` names) and checked against `from`'s
    /// effective authority with every rule of [`rules::narrow`]. The TTL is
    /// required (1..=86400 s) and the edge never outlives `from`.
    ///
    /// Refusals: unknown sessions => NotFound (also when the receiver is
    /// not in `to_application`); `from` or the receiver not live => Gone;
    /// malformed request => Invalid; a rule broken (wider than the parent,
    /// self-delegation, a cycle, an ambiguous or foreign parent edge, no
    /// authority to delegate) => Denied.
    pub fn delegate(
        &self,
        from: &SessionId,
        request: DelegateRequest,
    ) -> Result<Delegation, AuthorityError> {
        let DelegateRequest {
            to_session,
            to_application,
            scopes,
            ttl_seconds,
            resource_id,
            constraints,
            parent_edge,
        } = request;
        let ttl = match ttl_seconds {
            None => return Err(invalid("ttl_seconds is required for a delegation")),
            Some(0) => return Err(invalid("ttl_seconds must be positive")),
            Some(t) if t > MAX_TTL_SECONDS => {
                return Err(invalid(format!(
                    "ttl_seconds {t} is out of range 1..={MAX_TTL_SECONDS}"
                )));
            }
            Some(t) => t,
        };

        let mut tree = self.write();
        let now = self.clock.now_ms();
        let s = tree.find(from).ok_or_else(|| not_found(from))?;
        tree.settle(s, now)?;
        let (parent, base) = narrowing_base(&tree, s, parent_edge.as_deref())?;

        let r = tree
            .find(&to_session)
            .ok_or_else(|| not_found(&to_session))?;
        if *tree.node(r).application != *to_application {
            return Err(AuthorityError::NotFound(format!(
                "no session `{to_session}` in application `{to_application}`"
            )));
        }
        if r == s {
            return Err(denied(format!(
                "self-delegation: session `{from}` cannot delegate to itself"
            )));
        }
        tree.settle(r, now)?;
        if upstream(&tree, s).contains(&r) {
            return Err(denied(format!(
                "cycle: `{to_session}` is upstream of `{from}` (its authority flows from it)"
            )));
        }

        let grant = NarrowGrant {
            scopes,
            resource_id,
            constraints,
            ttl_seconds: Some(ttl),
        };
        let end = tree.node(s).end_ms;
        let authority = rules::narrow(&base, &grant, new_edge_id(), now, end)?;
        let delegation = Delegation {
            id: authority.edge_id.clone().unwrap_or_default(),
            scopes: match &authority.scopes {
                Scopes::Only(set) => set.iter().cloned().collect(),
                Scopes::All => Vec::new(),
            },
            // `narrow` with an explicit TTL always sets an expiry.
            expires_at_ms: authority.expires_at_ms.unwrap_or(now),
            hop: authority.hop,
            parent_edge_id: authority.parent_edge_id.clone(),
            to_session,
            to_application,
        };
        let edge = tree.push_edge(Edge {
            id: delegation.id.clone(),
            kind: EdgeKind::Peer,
            issuer: s,
            parent,
            receiver: r,
            holders: Vec::new(),
            authority,
            stage: Stage::Offered,
            created_at_ms: now,
            accepted_at_ms: None,
            revoked_at_ms: None,
        });
        tree.node_mut(s).issued.push(edge);
        if let Err(error) = tree.commit() {
            tree.node_mut(s).issued.pop();
            tree.edges.pop();
            return Err(error);
        }
        Ok(delegation)
    }

    /// Accepts the delegation `edge_id` offered to `receiver`, deriving a
    /// new context for it: a child task of `receiver` (depth + 1) that
    /// presents `receiver`'s edges plus this one, whose effective authority
    /// is their intersection, whose hop is the edge's and which expires
    /// with the edge (or earlier with `receiver`). Returns its view.
    ///
    /// Refusals: unknown edge or session => NotFound; `receiver` is not the
    /// one the edge was offered to, the edge was already accepted, or
    /// nothing would be left of it within `receiver`'s authority => Denied;
    /// the edge is revoked or expired, `receiver`'s own authority has
    /// expired, or `receiver` or the issuer is not live => Gone; depth or
    /// live-children limit => Limit.
    pub fn accept_delegation(
        &self,
        receiver: &SessionId,
        edge_id: &str,
    ) -> Result<SessionView, AuthorityError> {
        let mut tree = self.write();
        let now = self.clock.now_ms();
        let r = tree.find(receiver).ok_or_else(|| not_found(receiver))?;
        let e = tree.edges.find(edge_id).ok_or_else(|| no_edge(edge_id))?;
        let edge = tree.edges.get(e);
        if edge.receiver != r {
            return Err(denied(format!(
                "delegation `{edge_id}` was offered to `{}`, not `{receiver}`: only its receiver accepts it",
                tree.node(edge.receiver).id
            )));
        }
        match edge.stage {
            Stage::Revoked => return Err(gone(format!("delegation `{edge_id}` was revoked"))),
            Stage::Accepted => {
                return Err(denied(format!(
                    "delegation `{edge_id}` was already accepted"
                )));
            }
            Stage::Offered => {}
        }
        if edge.authority.is_expired(now) {
            return Err(gone(format!("delegation `{edge_id}` has expired")));
        }
        let issuer = edge.issuer;
        tree.settle(issuer, now).map_err(|e| {
            gone(format!(
                "the issuer of delegation `{edge_id}` is not live ({})",
                e.message()
            ))
        })?;
        tree.settle(r, now)?;

        let depth = tree.node(r).depth + 1;
        if depth > MAX_DEPTH {
            return Err(limit(format!(
                "a context derived under `{receiver}` would be at depth {depth}; the maximum is {MAX_DEPTH}"
            )));
        }
        tree.sweep_children(r, now);
        if tree.node(r).children.len() >= MAX_LIVE_CHILDREN {
            return Err(limit(format!(
                "session `{receiver}` already has {MAX_LIVE_CHILDREN} live children"
            )));
        }

        let recv = tree.node(r);
        let edge = tree.edges.get(e);
        let held = recv
            .authority
            .as_ref()
            .filter(|_| !recv.presents.is_empty());
        let authority = match held {
            Some(held) => rules::intersect(held, &edge.authority)?,
            // The application's own authority, or none (a bare receiver
            // holds exactly what it is delegated).
            None => edge.authority.clone(),
        };
        if authority.is_expired(now) {
            return Err(gone(format!(
                "session `{receiver}`'s own authority has expired: nothing of delegation `{edge_id}` is left"
            )));
        }
        // A delegation always expires; the context ends with it.
        let expiry = authority.expires_at_ms.unwrap_or(now);
        let expires_at_ms = recv.end_ms.map_or(expiry, |end| expiry.min(end));
        let mut presents = recv.presents.clone();
        presents.push(e);
        let node = Node {
            id: SessionId::generate(),
            parent: Some(r),
            children: Vec::new(),
            lifecycle: Some(Lifecycle::Task),
            status: SessionStatus::Active,
            labels: Vec::new(),
            trace_id: recv.trace_id,
            depth,
            expires_at_ms: Some(expires_at_ms),
            end_ms: Some(expires_at_ms),
            leased: recv.leased,
            lease: None,
            authority: Some(authority),
            created_at_ms: now,
            ended_at_ms: None,
            application: recv.application.clone(),
            presents,
            issued: Vec::new(),
            held: false,
            revoked_by: None,
            remote: false,
        };
        let idx = tree.insert(node);
        let edge = tree.edges.get_mut(e);
        edge.stage = Stage::Accepted;
        edge.accepted_at_ms = Some(now);
        edge.holders.push(idx);
        tree.journal.note(Mutation::EdgeAccepted(e));
        if let Err(error) = tree.commit() {
            let edge = tree.edges.get_mut(e);
            edge.stage = Stage::Offered;
            edge.accepted_at_ms = None;
            edge.holders.pop();
            tree.pop_node(idx);
            return Err(error);
        }
        Ok(tree.view(idx, &self.config))
    }

    /// The delegations offered to `receiver` that it has not accepted and
    /// that are neither revoked nor expired, oldest first.
    pub fn pending_offers(&self, receiver: &SessionId) -> Vec<EdgeView> {
        let now = self.clock.now_ms();
        let tree = self.read();
        let Some(r) = tree.find(receiver) else {
            return Vec::new();
        };
        tree.edges
            .iter()
            .filter(|e| e.receiver == r && e.stage == Stage::Offered)
            .filter(|e| !e.authority.is_expired(now))
            .map(|e| super::snapshot::edge_view(&tree, e, now))
            .collect()
    }
}

/// The edge a new edge from node `s` is narrowed from (`None`: the
/// application's own authority) and the authority to check it against:
/// `s`'s effective authority, named after that edge.
pub(super) fn narrowing_base(
    tree: &Tree,
    s: usize,
    named: Option<&str>,
) -> Result<(Option<usize>, Authority), AuthorityError> {
    let node = tree.node(s);
    let id = &node.id;
    let Some(effective) = &node.authority else {
        return Err(denied(format!(
            "session `{id}` holds no authority to narrow (it was spawned with grant none)"
        )));
    };
    let parent = match named {
        Some(name) => match node
            .presents
            .iter()
            .copied()
            .find(|&e| tree.edges.get(e).id == name)
        {
            Some(e) => Some(e),
            None => {
                return Err(denied(format!(
                    "parent edge `{name}` is not one that session `{id}` presents"
                )));
            }
        },
        None => match node.presents.as_slice() {
            [] => None,
            [only] => Some(*only),
            several => {
                let ids: Vec<&str> = several
                    .iter()
                    .map(|&e| tree.edges.get(e).id.as_str())
                    .collect();
                return Err(denied(format!(
                    "ambiguous parent edge: session `{id}` presents {} edges ({}); name the one to narrow from",
                    ids.len(),
                    ids.join(", ")
                )));
            }
        },
    };
    let mut base = effective.clone();
    if let Some(e) = parent {
        let edge = &tree.edges.get(e).authority;
        base.edge_id.clone_from(&edge.edge_id);
        base.parent_edge_id.clone_from(&edge.parent_edge_id);
        base.hop = edge.hop;
    }
    Ok((parent, base))
}

/// Every session `s`'s authority flows from: its tree ancestors and,
/// transitively, the issuers of the edges it and they present.
fn upstream(tree: &Tree, s: usize) -> HashSet<usize> {
    let mut seen = HashSet::new();
    let mut stack = vec![s];
    while let Some(i) = stack.pop() {
        let node = tree.node(i);
        let sources = node
            .parent
            .into_iter()
            .chain(node.presents.iter().map(|&e| tree.edges.get(e).issuer));
        for source in sources {
            if seen.insert(source) {
                stack.push(source);
            }
        }
    }
    seen
}

pub(super) fn no_edge(id: &str) -> AuthorityError {
    AuthorityError::NotFound(format!("no delegation `{id}`"))
}
