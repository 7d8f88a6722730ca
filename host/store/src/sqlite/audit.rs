//! The audit chain in SQLite. The append runs under `BEGIN IMMEDIATE`, so
//! reading the head and inserting the next row cannot interleave with
//! another writer.

use rusqlite::{OptionalExtension, Transaction, params};

use super::Fail;
use crate::codec;
use crate::error::{StoreError, to_i64};
use crate::records::{AuditHead, AuditRow};
use crate::store::AuditSealer;

pub(super) fn head(tx: &Transaction<'_>) -> Result<Option<AuditHead>, Fail> {
    let head: Option<(i64, String)> = tx
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(head
        .map(|(seq, hash)| {
            Ok::<_, StoreError>(AuditHead {
                seq: crate::error::to_u64(seq, "audit seq")?,
                hash,
            })
        })
        .transpose()?)
}

pub(super) fn append(tx: &Transaction<'_>, seal: &mut AuditSealer<'_>) -> Result<AuditRow, Fail> {
    let head = head(tx)?;
    let row = seal(head.as_ref());
    codec::check_sealed(head.as_ref(), &row)?;
    tx.prepare_cached("INSERT INTO audit (seq, prev, hash, record_json) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![
            to_i64(row.seq, "audit seq")?,
            row.prev,
            row.hash,
            row.record_json
        ])?;
    Ok(row)
}

pub(super) fn rows(
    tx: &Transaction<'_>,
    after_seq: u64,
    limit: usize,
) -> Result<Vec<AuditRow>, Fail> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let raw: Vec<(i64, String, String, String)> = tx
        .prepare_cached(
            "SELECT seq, prev, hash, record_json FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?
        .query_map(params![to_i64(after_seq, "after_seq")?, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(raw
        .into_iter()
        .map(|(seq, prev, hash, json)| codec::audit_row(seq, prev, hash, json))
        .collect::<Result<_, _>>()?)
}
