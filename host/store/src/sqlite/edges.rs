//! Delegation edges in SQLite, inside the caller's transaction.

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::Fail;
use super::changes::record_changes;
use crate::change::ChangeEvent;
use crate::codec::{self, EDGE_COLUMNS, EdgeRow};
use crate::error::{StoreError, to_i64};
use crate::records::{EdgeRecord, EdgeState};

fn read_row(row: &Row<'_>) -> rusqlite::Result<EdgeRow> {
    Ok(EdgeRow {
        id: row.get(0)?,
        kind: row.get(1)?,
        state: row.get(2)?,
        issuer_id: row.get(3)?,
        issuer_application: row.get(4)?,
        receiver_id: row.get(5)?,
        receiver_application: row.get(6)?,
        parent_edge_id: row.get(7)?,
        authority_json: row.get(8)?,
        created_at_ms: row.get(9)?,
        accepted_at_ms: row.get(10)?,
        revoked_at_ms: row.get(11)?,
    })
}

pub(super) fn insert(tx: &Transaction<'_>, record: &EdgeRecord) -> Result<(), Fail> {
    let row = EdgeRow::from_record(record)?;
    tx.prepare_cached(&format!(
        "INSERT INTO edges ({EDGE_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        row.id,
        row.kind,
        row.state,
        row.issuer_id,
        row.issuer_application,
        row.receiver_id,
        row.receiver_application,
        row.parent_edge_id,
        row.authority_json,
        row.created_at_ms,
        row.accepted_at_ms,
        row.revoked_at_ms,
    ])?;
    record_changes(
        tx,
        record.created_at_ms,
        &[ChangeEvent::EdgeInserted {
            id: record.id.clone(),
        }],
    )?;
    Ok(())
}

pub(super) fn get(tx: &Transaction<'_>, id: &str) -> Result<Option<EdgeRecord>, Fail> {
    let row = tx
        .prepare_cached(&format!("SELECT {EDGE_COLUMNS} FROM edges WHERE id = ?1"))?
        .query_row([id], read_row)
        .optional()?;
    Ok(row.map(EdgeRow::into_record).transpose()?)
}

/// Every edge (or the unrevoked ones), oldest first.
pub(super) fn all(tx: &Transaction<'_>, live_only: bool) -> Result<Vec<EdgeRecord>, Fail> {
    let filter = if live_only {
        "WHERE state <> 'revoked'"
    } else {
        ""
    };
    let mut stmt = tx.prepare(&format!(
        "SELECT {EDGE_COLUMNS} FROM edges {filter} ORDER BY created_at_ms, id"
    ))?;
    let rows = stmt
        .query_map([], read_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .map(EdgeRow::into_record)
        .collect::<Result<_, _>>()?)
}

/// Writes `state` and its timestamp.
fn write_state(tx: &Transaction<'_>, id: &str, state: EdgeState, at_ms: u64) -> Result<(), Fail> {
    let column = match state {
        EdgeState::Accepted => "accepted_at_ms",
        EdgeState::Revoked => "revoked_at_ms",
        EdgeState::Offered => "created_at_ms",
    };
    tx.prepare_cached(&format!(
        "UPDATE edges SET state = ?2, {column} = ?3 WHERE id = ?1"
    ))?
    .execute(params![id, state.as_str(), to_i64(at_ms, "at_ms")?])?;
    Ok(())
}

fn current_state(tx: &Transaction<'_>, id: &str) -> Result<Option<EdgeState>, Fail> {
    let state: Option<String> = tx
        .prepare_cached("SELECT state FROM edges WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(state.map(|s| s.parse()).transpose()?)
}

pub(super) fn set_state(
    tx: &Transaction<'_>,
    id: &str,
    state: EdgeState,
    at_ms: u64,
) -> Result<(), Fail> {
    let from = current_state(tx, id)?.ok_or_else(|| StoreError::edge_not_found(id))?;
    if codec::edge_move(id, from, state)?.is_some() {
        write_state(tx, id, state, at_ms)?;
        record_changes(
            tx,
            at_ms,
            &[ChangeEvent::EdgeState {
                id: id.to_owned(),
                state,
            }],
        )?;
    }
    Ok(())
}

/// Revokes every edge of `ids` not yet revoked; unknown ids are skipped.
pub(super) fn revoke_many(tx: &Transaction<'_>, ids: &[String], at_ms: u64) -> Result<(), Fail> {
    let mut events = Vec::new();
    for id in ids {
        match current_state(tx, id)? {
            Some(EdgeState::Revoked) | None => {}
            Some(_) => {
                write_state(tx, id, EdgeState::Revoked, at_ms)?;
                events.push(ChangeEvent::EdgeState {
                    id: id.clone(),
                    state: EdgeState::Revoked,
                });
            }
        }
    }
    record_changes(tx, at_ms, &events)
}
