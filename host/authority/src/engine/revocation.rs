//! Revocation, the `revoke` half of `caracal:agent/delegation`, and its
//! dry run for an admin UI.
//!
//! Revoking an edge revokes every edge issued under it and terminates every
//! context presenting any of them, with their descendants (the walk is
//! [`Tree::reach`](crate::tree::Tree)). It happens under the engine's write
//! lock, so the very next [`Engine::check_live`] of a context it took down
//! is Gone: there is no window after `revoke_delegation` returns.

use crate::delegation::Impact;
use crate::error::{AuthorityError, denied};
use crate::session::SessionId;
use crate::tree::Tree;

use super::delegation::no_edge;
use super::{Engine, not_found};

impl Engine {
    /// Revokes the delegation `edge_id` on behalf of the live session `by`,
    /// with the cascade described in the module docs; returns what it
    /// revoked and terminated, for audit. Idempotent: an edge already
    /// revoked reports nothing.
    ///
    /// `by` may revoke an edge it issued, an edge issued downstream of one
    /// it issued, and the edges issued by its descendants (for each of
    /// these, being an ancestor of the issuer is enough). Anyone else =>
    /// Denied; unknown edge or session => NotFound; `by` not live => Gone.
    pub fn revoke_delegation(
        &self,
        by: &SessionId,
        edge_id: &str,
    ) -> Result<Impact, AuthorityError> {
        let mut tree = self.write();
        let now = self.clock.now_ms();
        let b = tree.find(by).ok_or_else(|| not_found(by))?;
        let e = tree.edges.find(edge_id).ok_or_else(|| no_edge(edge_id))?;
        tree.settle(b, now)?;
        if !may_revoke(&tree, b, e) {
            return Err(denied(format!(
                "session `{by}` may not revoke delegation `{edge_id}`: only its issuer, an upstream issuer, or their ancestors may"
            )));
        }
        let impact = revoke(&mut tree, e, now);
        tree.commit()?;
        Ok(impact)
    }

    /// [`Engine::revoke_delegation`] by the host or an operator: no session
    /// is asked for. Unknown edge => NotFound.
    pub fn revoke_as_admin(&self, edge_id: &str) -> Result<Impact, AuthorityError> {
        let mut tree = self.write();
        let now = self.clock.now_ms();
        let e = tree.edges.find(edge_id).ok_or_else(|| no_edge(edge_id))?;
        let impact = revoke(&mut tree, e, now);
        tree.commit()?;
        Ok(impact)
    }

    /// What revoking `edge_id` now would take down, without doing it: the
    /// same walk, so a revocation that follows with nothing in between
    /// reports exactly this. Unknown edge => NotFound.
    pub fn impact(&self, edge_id: &str) -> Result<Impact, AuthorityError> {
        let tree = self.read();
        let e = tree.edges.find(edge_id).ok_or_else(|| no_edge(edge_id))?;
        let reach = tree.reach(&[], &[e]);
        Ok(Impact {
            edges: reach
                .edges
                .iter()
                .map(|&e| tree.edges.get(e).id.clone())
                .collect(),
            sessions: reach
                .nodes
                .iter()
                .map(|&(i, _)| tree.node(i).id.clone())
                .collect(),
        })
    }
}

/// Revokes edge `e` with its cascade and reports it.
fn revoke(tree: &mut Tree, e: usize, now_ms: u64) -> Impact {
    let reach = tree.reach(&[], &[e]);
    let mut impact = Impact {
        edges: reach
            .edges
            .iter()
            .map(|&e| tree.edges.get(e).id.clone())
            .collect(),
        sessions: Vec::with_capacity(reach.nodes.len()),
    };
    tree.take_down(&reach, now_ms, |node| impact.sessions.push(node.id.clone()));
    impact
}

/// Whether node `b` is the issuer of edge `e` or of an edge upstream of it
/// (along parent edges), or an ancestor of one of those issuers.
fn may_revoke(tree: &Tree, b: usize, e: usize) -> bool {
    let mut at = Some(e);
    while let Some(edge) = at {
        let edge = tree.edges.get(edge);
        let mut node = Some(edge.issuer);
        while let Some(n) = node {
            if n == b {
                return true;
            }
            node = tree.node(n).parent;
        }
        at = edge.parent;
    }
    false
}
