//! The `max_calls` meter in PostgreSQL, inside the caller's transaction:
//! the meter rows are locked (in edge-id order, so two charges never
//! deadlock) before they are read, which serializes charges across hosts.

use super::Fail;
use super::conn::Tx;
use crate::error::StoreError;
use crate::records::CallCharge;

pub(super) fn charge(tx: &mut Tx<'_>, meters: &[(String, u64)]) -> Result<CallCharge, Fail> {
    let mut ordered: Vec<&(String, u64)> = meters.iter().collect();
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    ordered.dedup_by(|a, b| a.0 == b.0);
    let mut used = Vec::with_capacity(ordered.len());
    for (edge, _) in &ordered {
        if tx
            .query_opt("SELECT 1 FROM edges WHERE id = $1", &[edge])?
            .is_none()
        {
            return Err(StoreError::edge_not_found(edge).into());
        }
        tx.execute(
            "INSERT INTO edge_calls (edge_id, used) VALUES ($1, 0) ON CONFLICT (edge_id) DO NOTHING",
            &[edge],
        )?;
        let count: i64 = tx
            .query_one(
                "SELECT used FROM edge_calls WHERE edge_id = $1 FOR UPDATE",
                &[edge],
            )?
            .try_get(0)?;
        used.push(u64::try_from(count).unwrap_or(0));
    }
    if let Some(((edge, max), _)) = ordered
        .iter()
        .zip(&used)
        .find(|((_, max), used)| **used >= *max)
    {
        return Ok(CallCharge::Spent {
            edge_id: edge.clone(),
            max: *max,
        });
    }
    for (edge, _) in &ordered {
        tx.execute(
            "UPDATE edge_calls SET used = used + 1 WHERE edge_id = $1",
            &[edge],
        )?;
    }
    Ok(CallCharge::Charged {
        busiest: used.iter().map(|n| n + 1).max().unwrap_or(0),
    })
}

pub(super) fn calls_used(tx: &mut Tx<'_>, edge: &str) -> Result<u64, Fail> {
    let used: Option<i64> = tx
        .query_opt("SELECT used FROM edge_calls WHERE edge_id = $1", &[&edge])?
        .map(|row| row.try_get(0))
        .transpose()?;
    Ok(used.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}
