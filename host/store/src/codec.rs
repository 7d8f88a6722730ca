//! What both backends share: records as database-typed rows (`i64`
//! integers, text enums) and the rules the checked insert and state moves
//! apply once they hold their locks.

use crate::error::{StoreError, opt_i64, opt_u64, to_i64, to_u64};
use crate::records::{AuditRow, EdgeRecord, EdgeState, SessionRecord, SessionStatus, SpawnLimits};

/// A [`SessionRecord`] in database types; labels stay a list (each backend
/// encodes them: a JSON array in SQLite, `text[]` in PostgreSQL).
#[derive(Debug)]
pub(crate) struct SessionRow {
    pub id: String,
    pub application_id: String,
    pub zone_id: String,
    pub parent_id: Option<String>,
    pub root_id: String,
    pub lifecycle: String,
    pub status: String,
    pub labels: Vec<String>,
    pub trace_id: String,
    pub depth: i64,
    pub expires_at_ms: Option<i64>,
    pub lease_deadline_ms: Option<i64>,
    pub lease_generation: i64,
    pub authority_json: Option<String>,
    pub host_id: String,
    pub created_at_ms: i64,
    pub ended_at_ms: Option<i64>,
}

/// The session columns, in [`SessionRow`] order.
pub(crate) const SESSION_COLUMNS: &str = "id, application_id, zone_id, parent_id, root_id, \
     lifecycle, status, labels, trace_id, depth, expires_at_ms, lease_deadline_ms, \
     lease_generation, authority_json, host_id, created_at_ms, ended_at_ms";

impl SessionRow {
    pub fn from_record(r: &SessionRecord) -> Result<Self, StoreError> {
        Ok(SessionRow {
            id: r.id.clone(),
            application_id: r.application_id.clone(),
            zone_id: r.zone_id.clone(),
            parent_id: r.parent_id.clone(),
            root_id: r.root_id.clone(),
            lifecycle: r.lifecycle.as_str().to_owned(),
            status: r.status.as_str().to_owned(),
            labels: r.labels.clone(),
            trace_id: r.trace_id.clone(),
            depth: i64::from(r.depth),
            expires_at_ms: opt_i64(r.expires_at_ms, "expires_at_ms")?,
            lease_deadline_ms: opt_i64(r.lease_deadline_ms, "lease_deadline_ms")?,
            lease_generation: to_i64(r.lease_generation, "lease_generation")?,
            authority_json: r.authority_json.clone(),
            host_id: r.host_id.clone(),
            created_at_ms: to_i64(r.created_at_ms, "created_at_ms")?,
            ended_at_ms: opt_i64(r.ended_at_ms, "ended_at_ms")?,
        })
    }

    pub fn into_record(self) -> Result<SessionRecord, StoreError> {
        Ok(SessionRecord {
            id: self.id,
            application_id: self.application_id,
            zone_id: self.zone_id,
            parent_id: self.parent_id,
            root_id: self.root_id,
            lifecycle: self.lifecycle.parse()?,
            status: self.status.parse()?,
            labels: self.labels,
            trace_id: self.trace_id,
            depth: u32::try_from(self.depth)
                .map_err(|_| StoreError::Corrupt(format!("depth {}", self.depth)))?,
            expires_at_ms: opt_u64(self.expires_at_ms, "expires_at_ms")?,
            lease_deadline_ms: opt_u64(self.lease_deadline_ms, "lease_deadline_ms")?,
            lease_generation: to_u64(self.lease_generation, "lease_generation")?,
            authority_json: self.authority_json,
            host_id: self.host_id,
            created_at_ms: to_u64(self.created_at_ms, "created_at_ms")?,
            ended_at_ms: opt_u64(self.ended_at_ms, "ended_at_ms")?,
        })
    }
}

/// An [`EdgeRecord`] in database types.
#[derive(Debug)]
pub(crate) struct EdgeRow {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub issuer_id: String,
    pub issuer_application: String,
    pub receiver_id: String,
    pub receiver_application: String,
    pub parent_edge_id: Option<String>,
    pub authority_json: String,
    pub created_at_ms: i64,
    pub accepted_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

/// The edge columns, in [`EdgeRow`] order.
pub(crate) const EDGE_COLUMNS: &str = "id, kind, state, issuer_id, issuer_application, \
     receiver_id, receiver_application, parent_edge_id, authority_json, created_at_ms, \
     accepted_at_ms, revoked_at_ms";

impl EdgeRow {
    pub fn from_record(r: &EdgeRecord) -> Result<Self, StoreError> {
        Ok(EdgeRow {
            id: r.id.clone(),
            kind: r.kind.as_str().to_owned(),
            state: r.state.as_str().to_owned(),
            issuer_id: r.issuer_id.clone(),
            issuer_application: r.issuer_application.clone(),
            receiver_id: r.receiver_id.clone(),
            receiver_application: r.receiver_application.clone(),
            parent_edge_id: r.parent_edge_id.clone(),
            authority_json: r.authority_json.clone(),
            created_at_ms: to_i64(r.created_at_ms, "created_at_ms")?,
            accepted_at_ms: opt_i64(r.accepted_at_ms, "accepted_at_ms")?,
            revoked_at_ms: opt_i64(r.revoked_at_ms, "revoked_at_ms")?,
        })
    }

    pub fn into_record(self) -> Result<EdgeRecord, StoreError> {
        Ok(EdgeRecord {
            id: self.id,
            kind: self.kind.parse()?,
            state: self.state.parse()?,
            issuer_id: self.issuer_id,
            issuer_application: self.issuer_application,
            receiver_id: self.receiver_id,
            receiver_application: self.receiver_application,
            parent_edge_id: self.parent_edge_id,
            authority_json: self.authority_json,
            created_at_ms: to_u64(self.created_at_ms, "created_at_ms")?,
            accepted_at_ms: opt_u64(self.accepted_at_ms, "accepted_at_ms")?,
            revoked_at_ms: opt_u64(self.revoked_at_ms, "revoked_at_ms")?,
        })
    }
}

/// An audit row from its stored columns.
pub(crate) fn audit_row(
    seq: i64,
    prev: String,
    hash: String,
    record_json: String,
) -> Result<AuditRow, StoreError> {
    Ok(AuditRow {
        seq: to_u64(seq, "audit seq")?,
        prev,
        hash,
        record_json,
    })
}

/// What the checked insert reads of the parent, under its lock.
#[derive(Debug)]
pub(crate) struct ParentState {
    pub status: String,
    pub depth: i64,
    pub expires_at_ms: Option<i64>,
}

/// The checks of [`Store::insert_session_checked`](crate::Store::insert_session_checked)
/// that need only the parent row; `live_children` is counted afterwards.
pub(crate) fn check_parent(
    parent_id: &str,
    parent: &ParentState,
    child: &SessionRecord,
    limits: SpawnLimits,
) -> Result<(), StoreError> {
    let status: SessionStatus = parent.status.parse()?;
    let now = to_i64(child.created_at_ms, "created_at_ms")?;
    let expired = parent.expires_at_ms.is_some_and(|at| now >= at);
    if status != SessionStatus::Active || expired {
        return Err(StoreError::NotLive {
            id: parent_id.to_owned(),
            status: if expired {
                SessionStatus::Terminated
            } else {
                status
            },
        });
    }
    let depth = parent.depth + 1;
    if depth > i64::from(limits.max_depth) {
        return Err(StoreError::Limit {
            what: crate::LimitKind::Depth,
            max: limits.max_depth,
        });
    }
    if i64::from(child.depth) != depth {
        return Err(StoreError::Invalid(format!(
            "session `{}` has depth {} but its parent `{parent_id}` is at depth {}",
            child.id, child.depth, parent.depth
        )));
    }
    Ok(())
}

/// The live-children half of the checked insert.
pub(crate) fn check_children(live_children: i64, limits: SpawnLimits) -> Result<(), StoreError> {
    if live_children >= i64::from(limits.max_live_children) {
        return Err(StoreError::Limit {
            what: crate::LimitKind::Children,
            max: limits.max_live_children,
        });
    }
    Ok(())
}

/// A record without a parent must be a root at depth 0.
pub(crate) fn check_root(record: &SessionRecord) -> Result<(), StoreError> {
    if record.depth != 0 {
        return Err(StoreError::Invalid(format!(
            "session `{}` has no parent but depth {}",
            record.id, record.depth
        )));
    }
    Ok(())
}

/// Whether an edge may move from `from` to `to`: `None` for a no-op,
/// `Some(())` to write, an error otherwise.
pub(crate) fn edge_move(
    id: &str,
    from: EdgeState,
    to: EdgeState,
) -> Result<Option<()>, StoreError> {
    match (from, to) {
        _ if from == to => Ok(None),
        (EdgeState::Offered, EdgeState::Accepted) | (_, EdgeState::Revoked) => Ok(Some(())),
        _ => Err(StoreError::Conflict(format!(
            "edge `{id}` cannot move from {from} to {to}"
        ))),
    }
}

/// Checks a sealed audit row against the head it was sealed on.
pub(crate) fn check_sealed(
    head: Option<&crate::AuditHead>,
    row: &AuditRow,
) -> Result<(), StoreError> {
    let (seq, prev) = match head {
        None => (1, None),
        Some(h) => (h.seq + 1, Some(h.hash.as_str())),
    };
    if row.seq != seq || prev.is_some_and(|p| p != row.prev) {
        return Err(StoreError::Invalid(format!(
            "sealed audit row (seq {}, prev {}) does not follow the head (next seq {seq})",
            row.seq, row.prev
        )));
    }
    Ok(())
}
