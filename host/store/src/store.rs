//! The [`Store`] trait both backends implement.

use std::fmt;

use crate::change::{Change, ChangeListener};
use crate::error::StoreError;
use crate::records::{
    AuditHead, AuditRow, CallCharge, EdgeRecord, EdgeState, KvSet, Lease, SessionRecord,
    SessionStatus, Snapshot, SpawnLimits,
};

/// Seals the next audit record given the current chain head (`None` for
/// an empty chain): called inside the append transaction, with the head
/// locked. See [`Store::append_audit`].
pub type AuditSealer<'a> = dyn FnMut(Option<&AuditHead>) -> AuditRow + 'a;

/// Durable state of sessions, delegation edges, leases, revocations and the
/// audit chain: the source of truth behind the engine's in-memory state.
///
/// Every method is one transaction. Methods are synchronous and blocking;
/// call them off the async executor's worker threads (or accept the short
/// block for local SQLite). Implementations are [`SqliteStore`] and
/// [`PostgresStore`]; the trait is dyn-compatible, so a host holds an
/// `Arc<dyn Store>` ([`open`](crate::open)).
///
/// Every write that changes a session's or an edge's state also appends to
/// the change feed ([`poll_changes`](Self::poll_changes),
/// [`listen`](Self::listen)) in the same transaction.
///
/// [`SqliteStore`]: crate::SqliteStore
/// [`PostgresStore`]: crate::PostgresStore
pub trait Store: Send + Sync + fmt::Debug {
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;

    /// The schema version of the database (after the migrations applied at
    /// open).
    fn schema_version(&self) -> Result<u32, StoreError>;

    // ---- sessions ----

    /// Inserts `record`, atomically checking its parent: the parent must
    /// exist ([`NotFound`](StoreError::NotFound)) and be active and not
    /// expired at `record.created_at_ms` ([`NotLive`](StoreError::NotLive)),
    /// `record.depth` must be the parent's + 1
    /// ([`Invalid`](StoreError::Invalid)), and neither limit may be exceeded
    /// ([`Limit`](StoreError::Limit)); a live child is one that is not
    /// terminated and not expired at `record.created_at_ms`. Concurrent
    /// inserts under one parent, from any number of hosts, are serialized:
    /// of two racing for the last free slot exactly one wins. A record
    /// without a parent (a root) is inserted with no check. A duplicate id
    /// is a [`Conflict`](StoreError::Conflict).
    fn insert_session_checked(
        &self,
        record: &SessionRecord,
        limits: SpawnLimits,
    ) -> Result<(), StoreError>;

    /// One session, if it exists.
    fn session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError>;

    /// Sets one session's status (`Terminated` also sets `ended_at_ms =
    /// at_ms`). With `fence`, a service whose lease generation differs is
    /// refused ([`StaleGeneration`](StoreError::StaleGeneration)): a stale
    /// holder cannot close or suspend what another host took over. A
    /// terminated session is final ([`NotLive`](StoreError::NotLive)).
    fn update_session_status(
        &self,
        id: &str,
        status: SessionStatus,
        at_ms: u64,
        fence: Option<u64>,
    ) -> Result<(), StoreError>;

    /// Sets `status` on every session of `ids` that is not terminated and
    /// not already in it (a subtree cascade); unknown ids are skipped.
    /// Returns the ids changed, in the order given.
    fn end_sessions(
        &self,
        ids: &[String],
        status: SessionStatus,
        at_ms: u64,
    ) -> Result<Vec<String>, StoreError>;

    /// Renews an active service's lease to `deadline_ms`, compare-and-set on
    /// the generation: another generation is
    /// [`StaleGeneration`](StoreError::StaleGeneration) (fencing across
    /// hosts); a suspended or terminated session is
    /// [`NotLive`](StoreError::NotLive); a session without a lease is
    /// [`Invalid`](StoreError::Invalid).
    fn renew_lease(&self, id: &str, generation: u64, deadline_ms: u64)
    -> Result<Lease, StoreError>;

    /// Takes over (attaches to) an active service at `at_ms`: the
    /// generation goes up by one, the deadline becomes `deadline_ms` and the
    /// session is owned by `host_id` from now on. The previous holder is
    /// fenced out. The deadline is not compared with `at_ms`: whether a
    /// lease that lapsed while its host was down may be re-attached is the
    /// engine's call.
    fn take_over_lease(
        &self,
        id: &str,
        host_id: &str,
        at_ms: u64,
        deadline_ms: u64,
    ) -> Result<Lease, StoreError>;

    /// Start-up recovery for a host that died: terminates every live task
    /// session owned by `host_id`, with all their live descendants. Service
    /// sessions stay (re-attach them with
    /// [`take_over_lease`](Self::take_over_lease)), and so do roots. Returns
    /// the ids terminated.
    fn sweep_dead_host_tasks(&self, host_id: &str, at_ms: u64) -> Result<Vec<String>, StoreError>;

    // ---- edges ----

    /// Inserts a delegation edge; a duplicate id is a
    /// [`Conflict`](StoreError::Conflict).
    fn insert_edge(&self, record: &EdgeRecord) -> Result<(), StoreError>;

    /// One edge, if it exists.
    fn edge(&self, id: &str) -> Result<Option<EdgeRecord>, StoreError>;

    /// Moves an edge to `state` (`Accepted` sets `accepted_at_ms`, `Revoked`
    /// sets `revoked_at_ms`). Only `offered → accepted`, `* → revoked` and
    /// same-state (no-op) moves are allowed; others are a
    /// [`Conflict`](StoreError::Conflict).
    fn set_edge_state(&self, id: &str, state: EdgeState, at_ms: u64) -> Result<(), StoreError>;

    /// Records a revocation cascade atomically: every edge of `edge_ids`
    /// not yet revoked becomes revoked and every session of `session_ids`
    /// not yet terminated becomes terminated, in one transaction (so no
    /// host ever sees half of it), with one notification.
    fn revoke(
        &self,
        edge_ids: &[String],
        session_ids: &[String],
        at_ms: u64,
    ) -> Result<(), StoreError>;

    /// Charges one outbound call to each edge of `meters` (edge id, its
    /// `max_calls`), all or nothing: when any edge has used its `max`
    /// already, nothing is charged and the answer is
    /// [`CallCharge::Spent`]. Concurrent charges, from any number of
    /// hosts, are serialized, so an edge never exceeds its bound. An
    /// unknown edge is [`NotFound`](StoreError::NotFound).
    fn charge_calls(&self, meters: &[(String, u64)]) -> Result<CallCharge, StoreError>;

    /// Calls charged so far under edge `id` (0 when none were).
    fn calls_used(&self, id: &str) -> Result<u64, StoreError>;

    // ---- key-value (Spin's key-value stores) ----

    /// The value of `key` in key-value space `space` (an opaque name, one
    /// per store), if any.
    fn kv_get(&self, space: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Sets `key` to `value` in `space`. A new key is refused
    /// ([`KvSet::Full`]) when `space` already holds `max_keys` keys; the
    /// count and the insert are one serialized transaction, across hosts.
    fn kv_set(
        &self,
        space: &str,
        key: &str,
        value: &[u8],
        max_keys: u64,
    ) -> Result<KvSet, StoreError>;

    /// Deletes `key` from `space`; whether it was there.
    fn kv_delete(&self, space: &str, key: &str) -> Result<bool, StoreError>;

    /// Whether `space` holds `key`.
    fn kv_exists(&self, space: &str, key: &str) -> Result<bool, StoreError>;

    /// Every key of `space`, sorted.
    fn kv_keys(&self, space: &str) -> Result<Vec<String>, StoreError>;

    // ---- recovery ----

    /// Every session and edge, from one consistent snapshot.
    fn load_all(&self) -> Result<Snapshot, StoreError>;

    /// Live state only (sessions not terminated, edges not revoked), from
    /// one consistent snapshot: what a restarting host rebuilds.
    fn load_live(&self) -> Result<Snapshot, StoreError>;

    // ---- audit ----

    /// Appends the next audit record. Inside one transaction the chain head
    /// is locked and read, `seal` is called with it and must return the row
    /// for seq `head.seq + 1` (or 1) whose `prev` is the head's hash (or
    /// anything for the first record, whose `prev` the audit format fixes);
    /// otherwise the append is refused ([`Invalid`](StoreError::Invalid)).
    /// Appends from several hosts therefore form one linear chain. `seal`
    /// may be called more than once if the transaction is retried.
    fn append_audit(&self, seal: &mut AuditSealer<'_>) -> Result<AuditRow, StoreError>;

    /// The last audit record's seq and hash; `None` for an empty chain.
    fn audit_head(&self) -> Result<Option<AuditHead>, StoreError>;

    /// Up to `limit` audit rows with seq > `after_seq`, in seq order.
    fn audit_rows(&self, after_seq: u64, limit: usize) -> Result<Vec<AuditRow>, StoreError>;

    /// Every audit row, in seq order (pages through
    /// [`audit_rows`](Self::audit_rows)).
    fn all_audit_rows(&self) -> Result<Vec<AuditRow>, StoreError> {
        const PAGE: usize = 1000;
        let mut rows: Vec<AuditRow> = Vec::new();
        loop {
            let after = rows.last().map_or(0, |r| r.seq);
            let page = self.audit_rows(after, PAGE)?;
            let done = page.len() < PAGE;
            rows.extend(page);
            if done {
                return Ok(rows);
            }
        }
    }

    // ---- change feed ----

    /// The version of the last change (0 before any).
    fn change_version(&self) -> Result<u64, StoreError>;

    /// Up to `limit` changes with version > `since`, in version order.
    fn poll_changes(&self, since: u64, limit: usize) -> Result<Vec<Change>, StoreError>;

    /// A listener for changes after the current version.
    fn listen(&self) -> Result<Box<dyn ChangeListener>, StoreError>;

    /// Deletes changes with version ≤ `up_to` (every host has seen them);
    /// returns how many were deleted. Versions keep increasing.
    fn prune_changes(&self, up_to: u64) -> Result<u64, StoreError>;
}
