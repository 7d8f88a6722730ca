//! The [`Engine`]: the store of contexts and delegation edges behind the
//! `caracal:agent/sessions` interface (spawn, spawn-service, heartbeat,
//! close, context) and the `caracal:agent/delegation` interface (delegate,
//! accept, revoke). Lease operations and sweeping are in [`leases`], peer
//! delegation in [`delegation`], revocation in [`revocation`], operator
//! suspend/resume in [`hold`] and the read models in [`snapshot`].
//!
//! The authority model is documented on [`Engine`].

mod compaction;
mod delegation;
mod durable;
mod hold;
mod leases;
mod meter;
mod revocation;
mod snapshot;

use parking_lot::{RwLock, RwLockReadGuard};
use std::fmt;
use std::sync::Arc;

use durable::TreeGuard;

use crate::clock::Clock;
use crate::delegation::EdgeKind;
use crate::durable::Persister;
use crate::edges::{Edge, Stage};
use crate::error::{AuthorityError, denied, invalid, limit};
use crate::grant::{Authority, Grant};
use crate::limits::{
    DEFAULT_LEASE_MS, DEFAULT_MAX_SESSIONS_PER_ROOT, DEFAULT_TTL_SECONDS, MAX_DEPTH,
    MAX_LIVE_CHILDREN,
};
use crate::rules;
use crate::session::{Lifecycle, SessionId, SessionStatus, SessionView, SpawnRequest};
use crate::tree::{Health, LeaseState, Node, Tree};

/// Where the engine's sessions live and how long they last by default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// The zone every session belongs to (default `local`).
    pub zone_id: String,
    /// The application whose authority roots carry (default `default`).
    pub application_id: String,
    /// Task TTL when a spawn sets none (default 3600; clamped to 1..=86400).
    pub default_ttl_seconds: u32,
    /// Service lease length in ms (default 30 000; 0 is treated as 1).
    pub lease_ms: u64,
    /// Most live sessions under one root at once (default 2048), so that
    /// one agent cannot fill the host's memory with a tree ten deep and
    /// ten wide.
    pub max_sessions_per_root: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            zone_id: "local".to_owned(),
            application_id: "default".to_owned(),
            default_ttl_seconds: DEFAULT_TTL_SECONDS,
            lease_ms: DEFAULT_LEASE_MS,
            max_sessions_per_root: DEFAULT_MAX_SESSIONS_PER_ROOT,
        }
    }
}

/// The store of roots, sessions and their authority. All methods take
/// `&self`; one lock guards the tree, so a spawn's checks and insert are
/// atomic.
///
/// # The authority model
///
/// - **Edges.** Every delegation edge lives in one registry: the edges a
///   `narrow` grant makes at spawn (accepted at birth by the child) and the
///   edges [`Engine::delegate`] offers to a peer session (accepted by
///   [`Engine::accept_delegation`]). An edge records its issuer session,
///   the issuer's edge it was narrowed from (its parent edge), its
///   receiver, the contexts holding it and its own authority (scopes,
///   resource, constraints, expiry, hop). Edges are never removed: they end
///   `Revoked` or expire.
/// - **Presented edges.** Each session presents a list of inbound edges.
///   A root presents none (the application's own authority); `inherit`
///   copies the parent's list, `none` leaves it empty with no authority,
///   `narrow` presents the one new edge, and the context an accept derives
///   (a child task of the receiver) presents the receiver's list plus the
///   accepted edge, which is its primary edge (the one its envelope names).
/// - **Effective authority** of a session is the intersection of the
///   edges it presents ([`rules::intersect`]): scopes in all of them, the
///   narrowest resource, the earliest expiry, the smallest `max_hops` and
///   every other bound at its tightest. It is computed once when the
///   session is made (edges never change, they only end) and is what
///   [`SessionView::authority`] shows. So a narrowed receiver cannot gain
///   authority by accepting a delegation: the derived context holds the
///   delegation only within what the receiver itself held.
/// - **Dependence.** Authority flows down the tree and along edges, and
///   ends the same way: a session ends with its parent, an edge ends with
///   its issuer, and a context ends with every edge it holds. Terminating a
///   session (close, expiry, release) therefore revokes the edges it and
///   its subtree issued, and revoking an edge terminates every context
///   holding it with its subtree, transitively (see `src/cascade.rs`).
///   Suspension follows the same links.
/// - **Peer delegation** ([`Engine::delegate`]) is always an offer, within
///   an application or across applications sharing the engine
///   ([`Engine::open_root_for`]): nothing changes until the named receiver
///   accepts. A new edge (peer or narrow) is narrowed from one edge the
///   issuer presents, which must be named when it presents several, and is
///   checked against the issuer's effective authority with every rule of
///   [`rules::narrow`]. Self-delegation and cycles (the receiver being a
///   session the issuer's authority flows from: a tree ancestor, or the
///   issuer of an edge it presents, transitively) are refused.
/// - **Revocation** ([`Engine::revoke_delegation`]) is open to the issuer,
///   to the issuer of any edge upstream of it, and to their tree
///   ancestors; [`Engine::revoke_as_admin`] to the host.
///   [`Engine::impact`] runs the same walk without acting.
/// - **Time.** An edge never outlives its issuer session (its expiry is
///   clamped to the issuer's end) and a derived context never outlives its
///   edge, so expiry needs no cascade of its own.
/// - **Hot path.** Revocation and suspension are applied eagerly under the
///   write lock, so [`Engine::check_live`] stays one map lookup with no
///   allocation and no edge lookups, and still sees them on its next call.
pub struct Engine {
    config: EngineConfig,
    clock: Arc<dyn Clock>,
    tree: RwLock<Tree>,
    /// Outbound calls made per metered delegation edge.
    calls: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    /// Where state changes are written through, if anywhere.
    persister: Option<Arc<dyn Persister>>,
    /// Told whenever a change ends or suspends a session.
    lost_listeners: durable::LostListeners,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An empty engine reading time from `clock`.
    pub fn new(config: EngineConfig, clock: Arc<dyn Clock>) -> Engine {
        Engine {
            config,
            clock,
            tree: RwLock::new(Tree::default()),
            calls: Default::default(),
            persister: None,
            lost_listeners: Default::default(),
        }
    }

    /// The configuration the engine was built with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The clock the engine reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    // A panic while the lock is held leaves the tree consistent (every
    // mutation is a plain field write); the lock does not poison.
    fn read(&self) -> RwLockReadGuard<'_, Tree> {
        self.tree.read()
    }

    fn write(&self) -> TreeGuard<'_> {
        let tree = self.tree.write();
        TreeGuard {
            losses_before: tree.losses,
            tree: Some(tree),
            persister: self.persister.as_ref(),
            now_ms: self.clock.now_ms(),
            lost_listeners: &self.lost_listeners,
        }
    }

    /// Calls `listener` (outside the engine's lock) after every change that
    /// terminated, revoked or suspended a session, local or arriving from
    /// another host: in-flight work under such authority re-checks it then,
    /// instead of polling. A task whose TTL ends is terminated, and a lapsed
    /// lease suspended, when the host's sweeper reaches it.
    pub fn on_authority_lost(&self, listener: impl Fn() + Send + Sync + 'static) {
        self.lost_listeners.write().push(Arc::new(listener));
    }

    /// One root context per running component: depth 0, all scopes, no
    /// expiry, fresh random trace id, in the configured application.
    pub fn open_root(&self) -> SessionId {
        self.open_root_for(&self.config.application_id)
    }

    /// [`Engine::open_root`] for another application sharing this engine
    /// (a host serving several): the root and every session under it carry
    /// `application_id`, and delegations between applications are offers
    /// the receiver accepts ([`Engine::delegate`]).
    pub fn open_root_for(&self, application_id: &str) -> SessionId {
        let id = SessionId::generate();
        let node = Node {
            id: id.clone(),
            parent: None,
            children: Vec::new(),
            lifecycle: None,
            status: SessionStatus::Active,
            labels: Vec::new(),
            trace_id: new_trace_id(),
            depth: 0,
            expires_at_ms: None,
            end_ms: None,
            leased: false,
            lease: None,
            authority: Some(Authority::root()),
            created_at_ms: self.clock.now_ms(),
            ended_at_ms: None,
            application: Arc::from(application_id),
            presents: Vec::new(),
            issued: Vec::new(),
            held: false,
            revoked_by: None,
            remote: false,
        };
        let mut tree = self.write();
        tree.insert(node);
        if let Err(error) = tree.commit()
            && let Some(persister) = &self.persister
        {
            persister.write_failed(&error);
        }
        id
    }

    /// Retire a root (or any session) and all its descendants; idempotent,
    /// and a no-op for an unknown id. The edges they issued are revoked
    /// with the contexts holding them.
    pub fn close_root(&self, root: &SessionId) {
        let mut tree = self.write();
        let now = self.clock.now_ms();
        if let Some(idx) = tree.find(root) {
            tree.terminate(idx, now);
        }
    }

    /// Releases a root whose component ended without closing everything:
    /// its task children are terminated with their descendants, while its
    /// live service children are left to their leases, so another instance
    /// can [`Engine::attach`] them (a service's lifetime is its lease). A
    /// root left with no child is terminated. Returns the services kept.
    /// Idempotent; a no-op for an unknown id.
    pub fn release_root(&self, root: &SessionId) -> Vec<SessionId> {
        let mut tree = self.write();
        let now = self.clock.now_ms();
        let Some(idx) = tree.find(root) else {
            return Vec::new();
        };
        let mut kept = Vec::new();
        for child in tree.node(idx).children.clone() {
            let node = tree.node(child);
            let is_service = node.lifecycle == Some(Lifecycle::Service);
            if is_service && matches!(tree.health(child, now), Health::Live) {
                kept.push(node.id.clone());
            } else {
                tree.terminate(child, now);
            }
        }
        if kept.is_empty() {
            tree.terminate(idx, now);
        }
        kept
    }

    /// Spawns a child of `parent`, enforcing the limits and the narrowing
    /// rules (DESIGN §3); returns the child's view. A `narrow` grant makes
    /// a new delegation edge from the parent's only edge; a parent
    /// presenting several is ambiguous (Denied): name one with
    /// [`Engine::spawn_from_edge`].
    pub fn spawn(
        &self,
        parent: &SessionId,
        request: SpawnRequest,
    ) -> Result<SessionView, AuthorityError> {
        self.spawn_inner(parent, request, None)
    }

    /// [`Engine::spawn`] with a `narrow` grant narrowed from `parent_edge`,
    /// one of the edges `parent` presents. Any other grant => Invalid.
    pub fn spawn_from_edge(
        &self,
        parent: &SessionId,
        parent_edge: &str,
        request: SpawnRequest,
    ) -> Result<SessionView, AuthorityError> {
        if !matches!(request.grant, Grant::Narrow(_)) {
            return Err(invalid(
                "only a narrow grant names a parent edge; use spawn for inherit and none",
            ));
        }
        self.spawn_inner(parent, request, Some(parent_edge))
    }

    fn spawn_inner(
        &self,
        parent: &SessionId,
        request: SpawnRequest,
        parent_edge: Option<&str>,
    ) -> Result<SessionView, AuthorityError> {
        let SpawnRequest {
            lifecycle,
            labels,
            grant,
            ttl_seconds,
        } = request;
        let labels = rules::normalize_labels(labels)?;
        let ttl = rules::session_ttl(lifecycle, ttl_seconds, self.config.default_ttl_seconds)?;

        let mut tree = self.write();
        let now = tree.now_ms;
        let p = tree.find(parent).ok_or_else(|| not_found(parent))?;
        tree.settle(p, now)?;

        let depth = tree.node(p).depth + 1;
        if depth > MAX_DEPTH {
            return Err(limit(format!(
                "a child of `{parent}` would be at depth {depth}; the maximum is {MAX_DEPTH}"
            )));
        }
        tree.sweep_children(p, now);
        if tree.node(p).children.len() >= MAX_LIVE_CHILDREN {
            return Err(limit(format!(
                "session `{parent}` already has {MAX_LIVE_CHILDREN} live children"
            )));
        }
        let cap = self.config.max_sessions_per_root;
        let root = tree.root_of(p);
        if tree.live_under(root, now, cap) >= cap {
            return Err(limit(format!(
                "the tree of root `{}` already holds {cap} live sessions, the most one root may hold",
                tree.node(root).id
            )));
        }

        let parent_node = tree.node(p);
        // A child never outlives its parent: a task's expiry is clamped to
        // the parent's end, and a service ends with its nearest expiring
        // ancestor.
        let expires_at_ms = ttl.map(|ttl| {
            let own = now.saturating_add(u64::from(ttl) * 1000);
            parent_node.end_ms.map_or(own, |end| own.min(end))
        });
        let end_ms = rules::earliest(expires_at_ms, parent_node.end_ms);
        let (authority, presents, new_edge) = match grant {
            Grant::Inherit => (
                parent_node.authority.clone(),
                parent_node.presents.clone(),
                None,
            ),
            Grant::None => (None, Vec::new(), None),
            Grant::Narrow(g) => {
                let (from_edge, base) = delegation::narrowing_base(&tree, p, parent_edge)?;
                let authority = rules::narrow(&base, &g, new_edge_id(), now, end_ms)?;
                (Some(authority), Vec::new(), Some(from_edge))
            }
        };
        let parent_node = tree.node(p);
        let lease = (lifecycle == Lifecycle::Service).then(|| LeaseState {
            deadline_ms: now.saturating_add(self.lease_ms()),
            generation: 1,
        });
        let node = Node {
            id: SessionId::generate(),
            parent: Some(p),
            children: Vec::new(),
            lifecycle: Some(lifecycle),
            status: SessionStatus::Active,
            labels,
            trace_id: parent_node.trace_id,
            depth,
            expires_at_ms,
            end_ms,
            leased: parent_node.leased || lifecycle == Lifecycle::Service,
            lease,
            authority,
            created_at_ms: now,
            ended_at_ms: None,
            application: parent_node.application.clone(),
            presents,
            issued: Vec::new(),
            held: false,
            revoked_by: None,
            remote: false,
        };
        let idx = tree.insert(node);
        let mut pushed = None;
        if let Some(from_edge) = new_edge {
            // A narrow grant's edge is accepted at birth by the child.
            let authority = tree
                .node(idx)
                .authority
                .clone()
                .unwrap_or_else(Authority::root);
            let edge = tree.push_edge(Edge {
                id: authority.edge_id.clone().unwrap_or_default(),
                kind: EdgeKind::Narrow,
                issuer: p,
                parent: from_edge,
                receiver: idx,
                holders: vec![idx],
                authority,
                stage: Stage::Accepted,
                created_at_ms: now,
                accepted_at_ms: Some(now),
                revoked_at_ms: None,
            });
            tree.node_mut(idx).presents.push(edge);
            tree.node_mut(p).issued.push(edge);
            pushed = Some(edge);
        }
        tree.commit_insert(idx, pushed)?;
        Ok(tree.view(idx, &self.config))
    }

    /// Retire a session and its descendants (Terminated). Closing an already
    /// terminated (or expired) one => Gone. Closing a root => Invalid. Not
    /// fenced: see [`Engine::close_fenced`] for a lease holder's close.
    pub fn close(&self, id: &SessionId) -> Result<(), AuthorityError> {
        self.retire(id, None)
    }

    /// [`Engine::close`], and for a service `fence` (a lease generation)
    /// must be current unless the session is already retired (Gone).
    fn retire(&self, id: &SessionId, fence: Option<u64>) -> Result<(), AuthorityError> {
        let mut tree = self.write();
        let now = tree.now_ms;
        let idx = tree.find(id).ok_or_else(|| not_found(id))?;
        if tree.node(idx).parent.is_none() {
            return Err(invalid(format!(
                "`{id}` is a root context; it is retired with its component"
            )));
        }
        match tree.health(idx, now) {
            health @ (Health::Terminated | Health::Expired(_)) => {
                tree.apply(health, now);
                tree.outcome(idx, health)
            }
            Health::Live | Health::Suspended | Health::Lapsed(_) => {
                if let (Some(given), Some(lease)) = (fence, tree.node(idx).lease) {
                    if given != lease.generation {
                        return Err(stale_generation(id, given, lease.generation));
                    }
                    // Fenced in the store too: another host may hold it now.
                    if let Some(persister) = &self.persister {
                        persister.end_fenced(id, given, now)?;
                    }
                }
                tree.terminate(idx, now);
                tree.commit()
            }
        }
    }

    /// Fast liveness check for hot paths: Ok if active and not expired. A
    /// task past its expiry is terminated with its descendants and a service
    /// whose lease lapsed is suspended with its subtree (both => Gone);
    /// terminated => Gone; unknown => NotFound. One map lookup and no
    /// allocation on success.
    pub fn check_live(&self, id: &SessionId) -> Result<(), AuthorityError> {
        self.check_live_at(id, self.clock.now_ms())
    }

    /// [`Engine::check_live`] at `now`, a reading of this engine's
    /// [`Clock`] the caller goes on to use (the host stamps the headers it
    /// projects with it), so one call reads the clock once.
    pub fn check_live_at(&self, id: &SessionId, now: u64) -> Result<(), AuthorityError> {
        {
            let tree = self.read();
            let idx = tree.find(id).ok_or_else(|| not_found(id))?;
            match tree.health(idx, now) {
                Health::Live => return Ok(()),
                health @ (Health::Terminated | Health::Suspended) => {
                    return tree.outcome(idx, health);
                }
                Health::Expired(_) | Health::Lapsed(_) => {}
            }
        }
        // Something must be swept: retake the lock for writing and settle
        // again, as the tree may have moved in between.
        let mut tree = self.write();
        let idx = tree.find(id).ok_or_else(|| not_found(id))?;
        tree.settle(idx, now)
    }

    /// A snapshot of a context, with lazy expiry and lease loss applied.
    /// Terminated sessions stay queryable.
    pub fn view(&self, id: &SessionId) -> Result<SessionView, AuthorityError> {
        let now = self.clock.now_ms();
        {
            let tree = self.read();
            let idx = tree.find(id).ok_or_else(|| not_found(id))?;
            if let Health::Live | Health::Terminated | Health::Suspended = tree.health(idx, now) {
                return Ok(tree.view(idx, &self.config));
            }
        }
        let mut tree = self.write();
        let idx = tree.find(id).ok_or_else(|| not_found(id))?;
        // The view reports the swept status; the liveness result is not
        // wanted here.
        let _ = tree.settle(idx, now);
        Ok(tree.view(idx, &self.config))
    }

    /// The status of a context, with lazy expiry and lease loss applied as
    /// in [`Engine::view`] but without copying the view. Unknown =>
    /// NotFound; a root is Active until closed.
    pub fn status(&self, id: &SessionId) -> Result<SessionStatus, AuthorityError> {
        let now = self.clock.now_ms();
        {
            let tree = self.read();
            let idx = tree.find(id).ok_or_else(|| not_found(id))?;
            if let Health::Live | Health::Terminated | Health::Suspended = tree.health(idx, now) {
                return Ok(tree.node(idx).status);
            }
        }
        let mut tree = self.write();
        let idx = tree.find(id).ok_or_else(|| not_found(id))?;
        // Only the swept status is wanted, not the liveness result.
        let _ = tree.settle(idx, now);
        Ok(tree.node(idx).status)
    }

    /// Live (active or suspended, not expired) children of `id`; 0 for an
    /// unknown id.
    pub fn live_children(&self, id: &SessionId) -> usize {
        let now = self.clock.now_ms();
        let tree = self.read();
        tree.find(id).map_or(0, |idx| tree.live_children(idx, now))
    }

    /// Snapshots of every live (active or suspended, not expired) non-root
    /// session, oldest first.
    pub fn live_sessions(&self) -> Vec<SessionView> {
        let now = self.clock.now_ms();
        let tree = self.read();
        tree.live_nodes(now)
            .map(|idx| tree.view(idx, &self.config))
            .collect()
    }

    /// Live (active or suspended, not expired) non-root sessions.
    pub fn live_count(&self) -> usize {
        let now = self.clock.now_ms();
        self.read().live_count(now)
    }

    fn lease_ms(&self) -> u64 {
        self.config.lease_ms.max(1)
    }
}

fn not_found(id: &SessionId) -> AuthorityError {
    AuthorityError::NotFound(format!("no session `{id}`"))
}

/// The fencing refusal for a lease holder presenting generation `given`.
fn stale_generation(id: &SessionId, given: u64, current: u64) -> AuthorityError {
    denied(format!(
        "stale lease generation {given} for session `{id}` (current {current})"
    ))
}

fn new_edge_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A random, non-zero W3C trace id.
fn new_trace_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    if getrandom::fill(&mut id).is_err() {
        // No OS randomness: a UUIDv7 still gives 74 random-ish bits.
        id = *uuid::Uuid::now_v7().as_bytes();
    }
    if id == [0; 16] {
        id[15] = 1;
    }
    id
}
