//! The audit chain in PostgreSQL: appends lock the single `audit_head`
//! row, so hosts appending at once queue up and form one linear chain.

use super::conn::Tx;

use super::Fail;
use crate::codec;
use crate::error::{to_i64, to_u64};
use crate::records::{AuditHead, AuditRow};
use crate::store::AuditSealer;

/// Reads the head; `lock` takes its row lock until commit.
fn read_head(tx: &mut Tx<'_>, lock: bool) -> Result<Option<AuditHead>, Fail> {
    let sql = if lock {
        "SELECT seq, hash FROM audit_head FOR UPDATE"
    } else {
        "SELECT seq, hash FROM audit_head"
    };
    let row = tx.query_one(sql, &[])?;
    let seq: i64 = row.try_get(0)?;
    let hash: Option<String> = row.try_get(1)?;
    Ok(match hash {
        Some(hash) if seq > 0 => Some(AuditHead {
            seq: to_u64(seq, "audit seq")?,
            hash,
        }),
        _ => None,
    })
}

pub(super) fn head(tx: &mut Tx<'_>) -> Result<Option<AuditHead>, Fail> {
    read_head(tx, false)
}

pub(super) fn append(tx: &mut Tx<'_>, seal: &mut AuditSealer<'_>) -> Result<AuditRow, Fail> {
    let head = read_head(tx, true)?;
    let row = seal(head.as_ref());
    codec::check_sealed(head.as_ref(), &row)?;
    let seq = to_i64(row.seq, "audit seq")?;
    tx.execute(
        "INSERT INTO audit (seq, prev, hash, record_json) VALUES ($1, $2, $3, $4)",
        &[&seq, &row.prev, &row.hash, &row.record_json],
    )?;
    tx.execute(
        "UPDATE audit_head SET seq = $1, hash = $2",
        &[&seq, &row.hash],
    )?;
    Ok(row)
}

pub(super) fn rows(tx: &mut Tx<'_>, after_seq: u64, limit: usize) -> Result<Vec<AuditRow>, Fail> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    tx.query(
        "SELECT seq, prev, hash, record_json FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
        &[&to_i64(after_seq, "after_seq")?, &limit],
    )?
    .iter()
    .map(|r| {
        Ok(codec::audit_row(
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
        )?)
    })
    .collect()
}
