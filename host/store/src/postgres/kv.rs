//! Spin key-value spaces in PostgreSQL (table `kv_entries`). A set takes a
//! transaction-scoped advisory lock on its space first, so two hosts
//! racing to add the last key a space may hold are serialized.

use super::Fail;
use super::conn::Tx;
use crate::records::KvSet;

pub(super) fn get(tx: &mut Tx<'_>, space: &str, key: &str) -> Result<Option<Vec<u8>>, Fail> {
    let row = tx.query_opt(
        "SELECT value FROM kv_entries WHERE space = $1 AND key = $2",
        &[&space, &key],
    )?;
    Ok(row.map(|row| row.get(0)))
}

pub(super) fn set(
    tx: &mut Tx<'_>,
    space: &str,
    key: &str,
    value: &[u8],
    max_keys: u64,
) -> Result<KvSet, Fail> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        &[&space],
    )?;
    if !exists(tx, space, key)? {
        let held: i64 = tx
            .query_one(
                "SELECT count(*) FROM kv_entries WHERE space = $1",
                &[&space],
            )?
            .get(0);
        if u64::try_from(held).unwrap_or(u64::MAX) >= max_keys {
            return Ok(KvSet::Full { max_keys });
        }
    }
    tx.execute(
        "INSERT INTO kv_entries (space, key, value) VALUES ($1, $2, $3)
         ON CONFLICT (space, key) DO UPDATE SET value = excluded.value",
        &[&space, &key, &value],
    )?;
    Ok(KvSet::Stored)
}

pub(super) fn delete(tx: &mut Tx<'_>, space: &str, key: &str) -> Result<bool, Fail> {
    let deleted = tx.execute(
        "DELETE FROM kv_entries WHERE space = $1 AND key = $2",
        &[&space, &key],
    )?;
    Ok(deleted > 0)
}

pub(super) fn exists(tx: &mut Tx<'_>, space: &str, key: &str) -> Result<bool, Fail> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM kv_entries WHERE space = $1 AND key = $2",
            &[&space, &key],
        )?
        .is_some())
}

pub(super) fn keys(tx: &mut Tx<'_>, space: &str) -> Result<Vec<String>, Fail> {
    let rows = tx.query(
        "SELECT key FROM kv_entries WHERE space = $1 ORDER BY key",
        &[&space],
    )?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}
