//! Sessions and leases in PostgreSQL. Each function runs inside the
//! caller's transaction and pushes the change events it causes.

use postgres::Row;

use super::conn::Tx;

use super::Fail;
use crate::change::ChangeEvent;
use crate::codec::{self, ParentState, SESSION_COLUMNS, SessionRow};
use crate::error::{StoreError, to_i64, to_u64};
use crate::records::{Lease, Lifecycle, SessionRecord, SessionStatus, SpawnLimits};

fn read_row(row: &Row) -> Result<SessionRecord, Fail> {
    let raw = SessionRow {
        id: row.try_get(0)?,
        application_id: row.try_get(1)?,
        zone_id: row.try_get(2)?,
        parent_id: row.try_get(3)?,
        root_id: row.try_get(4)?,
        lifecycle: row.try_get(5)?,
        status: row.try_get(6)?,
        labels: row.try_get(7)?,
        trace_id: row.try_get(8)?,
        depth: row.try_get(9)?,
        expires_at_ms: row.try_get(10)?,
        lease_deadline_ms: row.try_get(11)?,
        lease_generation: row.try_get(12)?,
        authority_json: row.try_get(13)?,
        host_id: row.try_get(14)?,
        created_at_ms: row.try_get(15)?,
        ended_at_ms: row.try_get(16)?,
    };
    Ok(raw.into_record()?)
}

/// Locks the parent row, checks it and counts its live children, then
/// inserts.
pub(super) fn insert_checked(
    tx: &mut Tx<'_>,
    record: &SessionRecord,
    limits: SpawnLimits,
    events: &mut Vec<ChangeEvent>,
) -> Result<(), Fail> {
    let row = SessionRow::from_record(record)?;
    match &record.parent_id {
        None => codec::check_root(record)?,
        Some(parent_id) => {
            let parent = tx
                .query_opt(
                    "SELECT status, depth, expires_at_ms FROM sessions WHERE id = $1 FOR UPDATE",
                    &[parent_id],
                )?
                .ok_or_else(|| StoreError::session_not_found(parent_id))?;
            let parent = ParentState {
                status: parent.try_get(0)?,
                depth: parent.try_get(1)?,
                expires_at_ms: parent.try_get(2)?,
            };
            codec::check_parent(parent_id, &parent, record, limits)?;
            // A new statement: at READ COMMITTED it sees every sibling
            // committed before the lock was granted.
            let live: i64 = tx
                .query_one(
                    "SELECT count(*) FROM sessions
                     WHERE parent_id = $1 AND status <> 'terminated'
                       AND (expires_at_ms IS NULL OR expires_at_ms > $2)",
                    &[parent_id, &row.created_at_ms],
                )?
                .try_get(0)?;
            codec::check_children(live, limits)?;
        }
    }
    tx.execute(
        &format!(
            "INSERT INTO sessions ({SESSION_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        ),
        &[
            &row.id,
            &row.application_id,
            &row.zone_id,
            &row.parent_id,
            &row.root_id,
            &row.lifecycle,
            &row.status,
            &row.labels,
            &row.trace_id,
            &row.depth,
            &row.expires_at_ms,
            &row.lease_deadline_ms,
            &row.lease_generation,
            &row.authority_json,
            &row.host_id,
            &row.created_at_ms,
            &row.ended_at_ms,
        ],
    )?;
    events.push(ChangeEvent::SessionInserted {
        id: record.id.clone(),
    });
    Ok(())
}

pub(super) fn get(tx: &mut Tx<'_>, id: &str) -> Result<Option<SessionRecord>, Fail> {
    tx.query_opt(
        &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1"),
        &[&id],
    )?
    .as_ref()
    .map(read_row)
    .transpose()
}

/// Every session (or the non-terminated ones), parents first.
pub(super) fn all(tx: &mut Tx<'_>, live_only: bool) -> Result<Vec<SessionRecord>, Fail> {
    let filter = if live_only {
        "WHERE status <> 'terminated'"
    } else {
        ""
    };
    tx.query(
        &format!(
            "SELECT {SESSION_COLUMNS} FROM sessions {filter} ORDER BY created_at_ms, depth, id"
        ),
        &[],
    )?
    .iter()
    .map(read_row)
    .collect()
}

/// The fencing-relevant state of one session, its row locked.
struct LeaseState {
    lifecycle: Lifecycle,
    status: SessionStatus,
    generation: u64,
}

fn lock_lease_state(tx: &mut Tx<'_>, id: &str) -> Result<LeaseState, Fail> {
    let row = tx
        .query_opt(
            "SELECT lifecycle, status, lease_generation FROM sessions WHERE id = $1 FOR UPDATE",
            &[&id],
        )?
        .ok_or_else(|| StoreError::session_not_found(id))?;
    let lifecycle: String = row.try_get(0)?;
    let status: String = row.try_get(1)?;
    Ok(LeaseState {
        lifecycle: lifecycle.parse()?,
        status: status.parse()?,
        generation: to_u64(row.try_get(2)?, "lease_generation")?,
    })
}

pub(super) fn update_status(
    tx: &mut Tx<'_>,
    id: &str,
    status: SessionStatus,
    at_ms: u64,
    fence: Option<u64>,
    events: &mut Vec<ChangeEvent>,
) -> Result<(), Fail> {
    let current = lock_lease_state(tx, id)?;
    if current.status == SessionStatus::Terminated {
        return Err(StoreError::NotLive {
            id: id.to_owned(),
            status: current.status,
        }
        .into());
    }
    if let Some(given) = fence
        && current.lifecycle == Lifecycle::Service
        && given != current.generation
    {
        return Err(StoreError::StaleGeneration {
            id: id.to_owned(),
            given,
            current: current.generation,
        }
        .into());
    }
    if current.status != status {
        end_many(tx, &[id.to_owned()], status, at_ms, events)?;
    }
    Ok(())
}

pub(super) fn end_many(
    tx: &mut Tx<'_>,
    ids: &[String],
    status: SessionStatus,
    at_ms: u64,
    events: &mut Vec<ChangeEvent>,
) -> Result<Vec<String>, Fail> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ended = (status == SessionStatus::Terminated)
        .then(|| to_i64(at_ms, "at_ms"))
        .transpose()?;
    let rows = tx.query(
        "UPDATE sessions SET status = $2, ended_at_ms = coalesce($3, ended_at_ms)
         WHERE id = ANY($1) AND status <> 'terminated' AND status <> $2
         RETURNING id",
        &[&ids, &status.as_str(), &ended],
    )?;
    let updated: std::collections::HashSet<String> = rows
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let changed: Vec<String> = ids
        .iter()
        .filter(|id| updated.contains(*id))
        .cloned()
        .collect();
    events.extend(changed.iter().map(|id| ChangeEvent::SessionStatus {
        id: id.clone(),
        status,
    }));
    Ok(changed)
}

/// Refuses a lease operation on a session that is not an active service.
fn require_active_service(id: &str, state: &LeaseState) -> Result<(), StoreError> {
    if state.lifecycle != Lifecycle::Service {
        return Err(StoreError::Invalid(format!(
            "session `{id}` is a {}: only a service has a lease",
            state.lifecycle
        )));
    }
    if state.status != SessionStatus::Active {
        return Err(StoreError::NotLive {
            id: id.to_owned(),
            status: state.status,
        });
    }
    Ok(())
}

pub(super) fn renew(
    tx: &mut Tx<'_>,
    id: &str,
    generation: u64,
    deadline_ms: u64,
) -> Result<Lease, Fail> {
    let state = lock_lease_state(tx, id)?;
    // Fencing first: a stale holder of an active service is told so (as
    // the engine does); a retired session is not live to anyone.
    if state.lifecycle == Lifecycle::Service
        && state.status == SessionStatus::Active
        && generation != state.generation
    {
        return Err(StoreError::StaleGeneration {
            id: id.to_owned(),
            given: generation,
            current: state.generation,
        }
        .into());
    }
    require_active_service(id, &state)?;
    tx.execute(
        "UPDATE sessions SET lease_deadline_ms = $2 WHERE id = $1",
        &[&id, &to_i64(deadline_ms, "deadline_ms")?],
    )?;
    Ok(Lease {
        generation,
        deadline_ms,
    })
}

pub(super) fn take_over(
    tx: &mut Tx<'_>,
    id: &str,
    host_id: &str,
    deadline_ms: u64,
    events: &mut Vec<ChangeEvent>,
) -> Result<Lease, Fail> {
    let state = lock_lease_state(tx, id)?;
    require_active_service(id, &state)?;
    let generation = state.generation + 1;
    tx.execute(
        "UPDATE sessions SET lease_generation = $2, lease_deadline_ms = $3, host_id = $4
         WHERE id = $1",
        &[
            &id,
            &to_i64(generation, "lease_generation")?,
            &to_i64(deadline_ms, "deadline_ms")?,
            &host_id,
        ],
    )?;
    events.push(ChangeEvent::LeaseTakenOver {
        id: id.to_owned(),
        generation,
        host_id: host_id.to_owned(),
    });
    Ok(Lease {
        generation,
        deadline_ms,
    })
}

/// Terminates the live tasks of `host_id` and their live descendants.
pub(super) fn sweep_host(
    tx: &mut Tx<'_>,
    host_id: &str,
    at_ms: u64,
    events: &mut Vec<ChangeEvent>,
) -> Result<Vec<String>, Fail> {
    let ids: Vec<String> = tx
        .query(
            "WITH RECURSIVE doomed(id) AS (
                 SELECT id FROM sessions
                 WHERE host_id = $1 AND lifecycle = 'task' AND status <> 'terminated'
                 UNION
                 SELECT s.id FROM sessions s JOIN doomed d ON s.parent_id = d.id
                 WHERE s.status <> 'terminated'
             )
             SELECT s.id FROM sessions s JOIN doomed d ON s.id = d.id
             ORDER BY s.depth, s.created_at_ms, s.id",
            &[&host_id],
        )?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    end_many(tx, &ids, SessionStatus::Terminated, at_ms, events)
}
