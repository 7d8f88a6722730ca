//! The change feed in SQLite, and its polling [`SqliteListener`].

use std::fmt;
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use super::Fail;
use crate::change::{Change, ChangeEvent, ChangeListener};
use crate::error::{StoreError, to_i64, to_u64};

/// Appends `events` to the feed, numbered after the head (writers are
/// serialized, so versions commit in order).
pub(super) fn record_changes(
    tx: &Transaction<'_>,
    at_ms: u64,
    events: &[ChangeEvent],
) -> Result<(), Fail> {
    if events.is_empty() {
        return Ok(());
    }
    let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
    let last: i64 = tx
        .prepare_cached("UPDATE change_head SET version = version + ?1 RETURNING version")?
        .query_row([count], |r| r.get(0))?;
    let at = to_i64(at_ms, "at_ms")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO changes (version, at_ms, kind, subject_id, value, host_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (version, event) in (last - count + 1..).zip(events) {
        let (kind, value, host) = event.columns();
        insert.execute(params![version, at, kind, event.subject(), value, host])?;
    }
    Ok(())
}

pub(super) fn version(tx: &Transaction<'_>) -> Result<u64, Fail> {
    let v: i64 = tx
        .prepare_cached("SELECT version FROM change_head")?
        .query_row([], |r| r.get(0))?;
    Ok(to_u64(v, "change version")?)
}

pub(super) fn poll(tx: &Transaction<'_>, since: u64, limit: usize) -> Result<Vec<Change>, Fail> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    type Raw = (i64, i64, String, String, Option<String>, Option<String>);
    let raw: Vec<Raw> = tx
        .prepare_cached(
            "SELECT version, at_ms, kind, subject_id, value, host_id FROM changes
             WHERE version > ?1 ORDER BY version LIMIT ?2",
        )?
        .query_map(params![to_i64(since, "since")?, limit], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(raw
        .into_iter()
        .map(|(v, at, kind, subject, value, host)| {
            Change::from_row(v, at, &kind, subject, value, host)
        })
        .collect::<Result<_, _>>()?)
}

pub(super) fn prune(tx: &Transaction<'_>, up_to: u64) -> Result<u64, Fail> {
    let n = tx.execute(
        "DELETE FROM changes WHERE version <= ?1",
        [to_i64(up_to, "up_to")?],
    )?;
    Ok(n as u64)
}

/// Most changes one [`ChangeListener::wait`] returns.
const BATCH: usize = 1000;

/// Polls the feed on its own connection every `interval`; SQLite has no
/// cross-process notification, and one file means one machine, so a short
/// poll of an indexed table is cheap.
pub(super) struct SqliteListener {
    conn: Connection,
    interval: Duration,
    version: u64,
}

impl fmt::Debug for SqliteListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteListener")
            .field("interval", &self.interval)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl SqliteListener {
    pub(super) fn new(mut conn: Connection, interval: Duration) -> Result<Self, StoreError> {
        let version = read(&mut conn, version)?;
        Ok(SqliteListener {
            conn,
            interval,
            version,
        })
    }
}

fn read<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T, Fail>,
) -> Result<T, StoreError> {
    let run = || -> Result<T, Fail> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let value = f(&tx)?;
        tx.finish()?;
        Ok(value)
    };
    Ok(run()?)
}

impl ChangeListener for SqliteListener {
    fn wait(&mut self, timeout: Duration) -> Result<Vec<Change>, StoreError> {
        let deadline = Instant::now() + timeout;
        loop {
            let since = self.version;
            let changes = read(&mut self.conn, |tx| poll(tx, since, BATCH))?;
            if let Some(last) = changes.last() {
                self.version = last.version;
                return Ok(changes);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Vec::new());
            }
            thread::sleep(self.interval.min(deadline - now));
        }
    }

    fn version(&self) -> u64 {
        self.version
    }
}
