//! Spin key-value spaces in SQLite (table `kv_entries`). A set runs in the
//! caller's `BEGIN IMMEDIATE` transaction, so counting a space's keys and
//! inserting a new one are serialized against every other writer.

use rusqlite::{OptionalExtension, Transaction};

use super::Fail;
use crate::records::KvSet;

pub(super) fn get(tx: &Transaction<'_>, space: &str, key: &str) -> Result<Option<Vec<u8>>, Fail> {
    Ok(tx
        .prepare_cached("SELECT value FROM kv_entries WHERE space = ?1 AND key = ?2")?
        .query_row([space, key], |row| row.get(0))
        .optional()?)
}

pub(super) fn set(
    tx: &Transaction<'_>,
    space: &str,
    key: &str,
    value: &[u8],
    max_keys: u64,
) -> Result<KvSet, Fail> {
    if !exists(tx, space, key)? {
        let held: i64 = tx
            .prepare_cached("SELECT count(*) FROM kv_entries WHERE space = ?1")?
            .query_row([space], |row| row.get(0))?;
        if u64::try_from(held).unwrap_or(u64::MAX) >= max_keys {
            return Ok(KvSet::Full { max_keys });
        }
    }
    tx.prepare_cached(
        "INSERT INTO kv_entries (space, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (space, key) DO UPDATE SET value = excluded.value",
    )?
    .execute(rusqlite::params![space, key, value])?;
    Ok(KvSet::Stored)
}

pub(super) fn delete(tx: &Transaction<'_>, space: &str, key: &str) -> Result<bool, Fail> {
    let deleted = tx
        .prepare_cached("DELETE FROM kv_entries WHERE space = ?1 AND key = ?2")?
        .execute([space, key])?;
    Ok(deleted > 0)
}

pub(super) fn exists(tx: &Transaction<'_>, space: &str, key: &str) -> Result<bool, Fail> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM kv_entries WHERE space = ?1 AND key = ?2")?
        .exists([space, key])?)
}

pub(super) fn keys(tx: &Transaction<'_>, space: &str) -> Result<Vec<String>, Fail> {
    let mut statement =
        tx.prepare_cached("SELECT key FROM kv_entries WHERE space = ?1 ORDER BY key")?;
    let keys = statement
        .query_map([space], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(keys)
}
