//! Sessions and leases in SQLite. Every function runs inside the caller's
//! transaction (`BEGIN IMMEDIATE` for writes).

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::Fail;
use super::changes::record_changes;
use crate::change::ChangeEvent;
use crate::codec::{self, ParentState, SESSION_COLUMNS, SessionRow};
use crate::error::{StoreError, to_i64, to_u64};
use crate::records::{Lease, Lifecycle, SessionRecord, SessionStatus, SpawnLimits};

fn labels_json(labels: &[String]) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| "[]".to_owned())
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<(SessionRow, String)> {
    Ok((
        SessionRow {
            id: row.get(0)?,
            application_id: row.get(1)?,
            zone_id: row.get(2)?,
            parent_id: row.get(3)?,
            root_id: row.get(4)?,
            lifecycle: row.get(5)?,
            status: row.get(6)?,
            labels: Vec::new(),
            trace_id: row.get(8)?,
            depth: row.get(9)?,
            expires_at_ms: row.get(10)?,
            lease_deadline_ms: row.get(11)?,
            lease_generation: row.get(12)?,
            authority_json: row.get(13)?,
            host_id: row.get(14)?,
            created_at_ms: row.get(15)?,
            ended_at_ms: row.get(16)?,
        },
        row.get(7)?,
    ))
}

fn into_record((mut row, labels): (SessionRow, String)) -> Result<SessionRecord, StoreError> {
    row.labels = serde_json::from_str(&labels)
        .map_err(|e| StoreError::Corrupt(format!("labels of session `{}`: {e}", row.id)))?;
    row.into_record()
}

/// Checks the parent under the write lock, then inserts.
pub(super) fn insert_checked(
    tx: &Transaction<'_>,
    record: &SessionRecord,
    limits: SpawnLimits,
) -> Result<(), Fail> {
    let row = SessionRow::from_record(record)?;
    match &record.parent_id {
        None => codec::check_root(record)?,
        Some(parent_id) => {
            let parent = tx
                .query_row(
                    "SELECT status, depth, expires_at_ms FROM sessions WHERE id = ?1",
                    [parent_id],
                    |r| {
                        Ok(ParentState {
                            status: r.get(0)?,
                            depth: r.get(1)?,
                            expires_at_ms: r.get(2)?,
                        })
                    },
                )
                .optional()?
                .ok_or_else(|| StoreError::session_not_found(parent_id))?;
            codec::check_parent(parent_id, &parent, record, limits)?;
            let live: i64 = tx.query_row(
                "SELECT count(*) FROM sessions
                 WHERE parent_id = ?1 AND status <> 'terminated'
                   AND (expires_at_ms IS NULL OR expires_at_ms > ?2)",
                params![parent_id, row.created_at_ms],
                |r| r.get(0),
            )?;
            codec::check_children(live, limits)?;
        }
    }
    tx.prepare_cached(&format!(
        "INSERT INTO sessions ({SESSION_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
    ))?
    .execute(params![
        row.id,
        row.application_id,
        row.zone_id,
        row.parent_id,
        row.root_id,
        row.lifecycle,
        row.status,
        labels_json(&row.labels),
        row.trace_id,
        row.depth,
        row.expires_at_ms,
        row.lease_deadline_ms,
        row.lease_generation,
        row.authority_json,
        row.host_id,
        row.created_at_ms,
        row.ended_at_ms,
    ])?;
    record_changes(
        tx,
        record.created_at_ms,
        &[ChangeEvent::SessionInserted {
            id: record.id.clone(),
        }],
    )?;
    Ok(())
}

pub(super) fn get(tx: &Transaction<'_>, id: &str) -> Result<Option<SessionRecord>, Fail> {
    let raw = tx
        .prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"
        ))?
        .query_row([id], read_row)
        .optional()?;
    Ok(raw.map(into_record).transpose()?)
}

/// Every session (or the non-terminated ones), parents first.
pub(super) fn all(tx: &Transaction<'_>, live_only: bool) -> Result<Vec<SessionRecord>, Fail> {
    let filter = if live_only {
        "WHERE status <> 'terminated'"
    } else {
        ""
    };
    let mut stmt = tx.prepare(&format!(
        "SELECT {SESSION_COLUMNS} FROM sessions {filter} ORDER BY created_at_ms, depth, id"
    ))?;
    let raws = stmt
        .query_map([], read_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(raws
        .into_iter()
        .map(into_record)
        .collect::<Result<_, _>>()?)
}

/// The fencing-relevant state of one session.
struct LeaseState {
    lifecycle: Lifecycle,
    status: SessionStatus,
    generation: u64,
}

fn lease_state(tx: &Transaction<'_>, id: &str) -> Result<LeaseState, Fail> {
    let (lifecycle, status, generation): (String, String, i64) = tx
        .prepare_cached("SELECT lifecycle, status, lease_generation FROM sessions WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| StoreError::session_not_found(id))?;
    Ok(LeaseState {
        lifecycle: lifecycle.parse()?,
        status: status.parse()?,
        generation: to_u64(generation, "lease_generation")?,
    })
}

pub(super) fn update_status(
    tx: &Transaction<'_>,
    id: &str,
    status: SessionStatus,
    at_ms: u64,
    fence: Option<u64>,
) -> Result<(), Fail> {
    let current = lease_state(tx, id)?;
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
    if current.status == status {
        return Ok(());
    }
    set_status(tx, id, status, at_ms)?;
    record_changes(
        tx,
        at_ms,
        &[ChangeEvent::SessionStatus {
            id: id.to_owned(),
            status,
        }],
    )?;
    Ok(())
}

/// Writes a status (and `ended_at_ms` when terminating) to a session that
/// is not terminated; whether it changed.
fn set_status(
    tx: &Transaction<'_>,
    id: &str,
    status: SessionStatus,
    at_ms: u64,
) -> Result<bool, Fail> {
    let ended = (status == SessionStatus::Terminated)
        .then(|| to_i64(at_ms, "at_ms"))
        .transpose()?;
    let n = tx
        .prepare_cached(
            "UPDATE sessions SET status = ?2, ended_at_ms = coalesce(?3, ended_at_ms)
             WHERE id = ?1 AND status <> 'terminated' AND status <> ?2",
        )?
        .execute(params![id, status.as_str(), ended])?;
    Ok(n == 1)
}

pub(super) fn end_many(
    tx: &Transaction<'_>,
    ids: &[String],
    status: SessionStatus,
    at_ms: u64,
) -> Result<Vec<String>, Fail> {
    let mut changed = Vec::new();
    for id in ids {
        if set_status(tx, id, status, at_ms)? {
            changed.push(id.clone());
        }
    }
    let events: Vec<ChangeEvent> = changed
        .iter()
        .map(|id| ChangeEvent::SessionStatus {
            id: id.clone(),
            status,
        })
        .collect();
    record_changes(tx, at_ms, &events)?;
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
    tx: &Transaction<'_>,
    id: &str,
    generation: u64,
    deadline_ms: u64,
) -> Result<Lease, Fail> {
    let state = lease_state(tx, id)?;
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
    tx.prepare_cached("UPDATE sessions SET lease_deadline_ms = ?2 WHERE id = ?1")?
        .execute(params![id, to_i64(deadline_ms, "deadline_ms")?])?;
    Ok(Lease {
        generation,
        deadline_ms,
    })
}

pub(super) fn take_over(
    tx: &Transaction<'_>,
    id: &str,
    host_id: &str,
    at_ms: u64,
    deadline_ms: u64,
) -> Result<Lease, Fail> {
    let state = lease_state(tx, id)?;
    require_active_service(id, &state)?;
    let generation = state.generation + 1;
    tx.prepare_cached(
        "UPDATE sessions SET lease_generation = ?2, lease_deadline_ms = ?3, host_id = ?4
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        to_i64(generation, "lease_generation")?,
        to_i64(deadline_ms, "deadline_ms")?,
        host_id
    ])?;
    record_changes(
        tx,
        at_ms,
        &[ChangeEvent::LeaseTakenOver {
            id: id.to_owned(),
            generation,
            host_id: host_id.to_owned(),
        }],
    )?;
    Ok(Lease {
        generation,
        deadline_ms,
    })
}

/// Terminates the live tasks of `host_id` and their live descendants.
pub(super) fn sweep_host(
    tx: &Transaction<'_>,
    host_id: &str,
    at_ms: u64,
) -> Result<Vec<String>, Fail> {
    let ids: Vec<String> = tx
        .prepare(
            "WITH RECURSIVE doomed(id) AS (
                 SELECT id FROM sessions
                 WHERE host_id = ?1 AND lifecycle = 'task' AND status <> 'terminated'
                 UNION
                 SELECT s.id FROM sessions s JOIN doomed d ON s.parent_id = d.id
                 WHERE s.status <> 'terminated'
             )
             SELECT s.id FROM sessions s JOIN doomed d ON s.id = d.id
             ORDER BY s.depth, s.created_at_ms, s.id",
        )?
        .query_map([host_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    end_many(tx, &ids, SessionStatus::Terminated, at_ms)
}
