//! Delegation edges in PostgreSQL, inside the caller's transaction.

use postgres::Row;

use super::conn::Tx;

use super::Fail;
use crate::change::ChangeEvent;
use crate::codec::{self, EDGE_COLUMNS, EdgeRow};
use crate::error::{StoreError, to_i64};
use crate::records::{EdgeRecord, EdgeState};

fn read_row(row: &Row) -> Result<EdgeRecord, Fail> {
    let raw = EdgeRow {
        id: row.try_get(0)?,
        kind: row.try_get(1)?,
        state: row.try_get(2)?,
        issuer_id: row.try_get(3)?,
        issuer_application: row.try_get(4)?,
        receiver_id: row.try_get(5)?,
        receiver_application: row.try_get(6)?,
        parent_edge_id: row.try_get(7)?,
        authority_json: row.try_get(8)?,
        created_at_ms: row.try_get(9)?,
        accepted_at_ms: row.try_get(10)?,
        revoked_at_ms: row.try_get(11)?,
    };
    Ok(raw.into_record()?)
}

pub(super) fn insert(
    tx: &mut Tx<'_>,
    record: &EdgeRecord,
    events: &mut Vec<ChangeEvent>,
) -> Result<(), Fail> {
    let row = EdgeRow::from_record(record)?;
    tx.execute(
        &format!(
            "INSERT INTO edges ({EDGE_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ),
        &[
            &row.id,
            &row.kind,
            &row.state,
            &row.issuer_id,
            &row.issuer_application,
            &row.receiver_id,
            &row.receiver_application,
            &row.parent_edge_id,
            &row.authority_json,
            &row.created_at_ms,
            &row.accepted_at_ms,
            &row.revoked_at_ms,
        ],
    )?;
    events.push(ChangeEvent::EdgeInserted {
        id: record.id.clone(),
    });
    Ok(())
}

pub(super) fn get(tx: &mut Tx<'_>, id: &str) -> Result<Option<EdgeRecord>, Fail> {
    tx.query_opt(
        &format!("SELECT {EDGE_COLUMNS} FROM edges WHERE id = $1"),
        &[&id],
    )?
    .as_ref()
    .map(read_row)
    .transpose()
}

/// Every edge (or the unrevoked ones), oldest first.
pub(super) fn all(tx: &mut Tx<'_>, live_only: bool) -> Result<Vec<EdgeRecord>, Fail> {
    let filter = if live_only {
        "WHERE state <> 'revoked'"
    } else {
        ""
    };
    tx.query(
        &format!("SELECT {EDGE_COLUMNS} FROM edges {filter} ORDER BY created_at_ms, id"),
        &[],
    )?
    .iter()
    .map(read_row)
    .collect()
}

pub(super) fn set_state(
    tx: &mut Tx<'_>,
    id: &str,
    state: EdgeState,
    at_ms: u64,
    events: &mut Vec<ChangeEvent>,
) -> Result<(), Fail> {
    let from: String = tx
        .query_opt("SELECT state FROM edges WHERE id = $1 FOR UPDATE", &[&id])?
        .ok_or_else(|| StoreError::edge_not_found(id))?
        .try_get(0)?;
    if codec::edge_move(id, from.parse()?, state)?.is_none() {
        return Ok(());
    }
    let column = match state {
        EdgeState::Accepted => "accepted_at_ms",
        EdgeState::Revoked => "revoked_at_ms",
        EdgeState::Offered => "created_at_ms",
    };
    tx.execute(
        &format!("UPDATE edges SET state = $2, {column} = $3 WHERE id = $1"),
        &[&id, &state.as_str(), &to_i64(at_ms, "at_ms")?],
    )?;
    events.push(ChangeEvent::EdgeState {
        id: id.to_owned(),
        state,
    });
    Ok(())
}

/// Revokes every edge of `ids` not yet revoked; unknown ids are skipped.
pub(super) fn revoke_many(
    tx: &mut Tx<'_>,
    ids: &[String],
    at_ms: u64,
    events: &mut Vec<ChangeEvent>,
) -> Result<(), Fail> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = tx.query(
        "UPDATE edges SET state = 'revoked', revoked_at_ms = $2
         WHERE id = ANY($1) AND state <> 'revoked'
         RETURNING id",
        &[&ids, &to_i64(at_ms, "at_ms")?],
    )?;
    let revoked: std::collections::HashSet<String> = rows
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    events.extend(
        ids.iter()
            .filter(|id| revoked.contains(*id))
            .map(|id| ChangeEvent::EdgeState {
                id: id.clone(),
                state: EdgeState::Revoked,
            }),
    );
    Ok(())
}
