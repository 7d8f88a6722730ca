//! The `max_calls` meter in SQLite, inside the caller's (immediate, hence
//! serialized) transaction.

use rusqlite::{OptionalExtension, Transaction};

use super::Fail;
use crate::error::StoreError;
use crate::records::CallCharge;

/// Calls used under `edge`; `NotFound` for an unknown edge.
fn used(tx: &Transaction<'_>, edge: &str) -> Result<u64, Fail> {
    let exists = tx
        .prepare_cached("SELECT 1 FROM edges WHERE id = ?1")?
        .exists([edge])?;
    if !exists {
        return Err(StoreError::edge_not_found(edge).into());
    }
    calls_used(tx, edge)
}

pub(super) fn charge(tx: &Transaction<'_>, meters: &[(String, u64)]) -> Result<CallCharge, Fail> {
    let mut meters: Vec<&(String, u64)> = meters.iter().collect();
    meters.sort_by(|a, b| a.0.cmp(&b.0));
    meters.dedup_by(|a, b| a.0 == b.0);
    let mut busiest = 0;
    for (edge, max) in meters.iter().copied() {
        let used = used(tx, edge)?;
        if used >= *max {
            return Ok(CallCharge::Spent {
                edge_id: edge.clone(),
                max: *max,
            });
        }
        busiest = busiest.max(used + 1);
    }
    for (edge, _) in meters {
        tx.prepare_cached(
            "INSERT INTO edge_calls (edge_id, used) VALUES (?1, 1)
             ON CONFLICT (edge_id) DO UPDATE SET used = used + 1",
        )?
        .execute([edge])?;
    }
    Ok(CallCharge::Charged { busiest })
}

pub(super) fn calls_used(tx: &Transaction<'_>, edge: &str) -> Result<u64, Fail> {
    let used: Option<i64> = tx
        .prepare_cached("SELECT used FROM edge_calls WHERE edge_id = ?1")?
        .query_row([edge], |row| row.get(0))
        .optional()?;
    Ok(used.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}
