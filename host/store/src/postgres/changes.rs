//! The change feed in PostgreSQL, and [`PgListener`], which `LISTEN`s on
//! the store's channel.

use std::fmt;
use std::time::{Duration, Instant};

use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;

use super::conn::Tx;

use super::{Fail, from_pg};
use crate::change::{Change, ChangeEvent, ChangeListener};
use crate::error::{StoreError, to_i64, to_u64};

/// Appends `events` to the feed. Taking `change_head` is the writer's
/// last statement; its row lock is held until commit, so versions become
/// visible in order. The insert fires the `NOTIFY` trigger, delivered at
/// commit.
pub(super) fn record(tx: &mut Tx<'_>, at_ms: u64, events: &[ChangeEvent]) -> Result<(), Fail> {
    if events.is_empty() {
        return Ok(());
    }
    let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
    let last: i64 = tx
        .query_one(
            "UPDATE change_head SET version = version + $1 RETURNING version",
            &[&count],
        )?
        .try_get(0)?;
    let at = to_i64(at_ms, "at_ms")?;
    let (mut versions, mut kinds, mut subjects, mut values, mut hosts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (version, event) in (last - count + 1..).zip(events) {
        let (kind, value, host) = event.columns();
        versions.push(version);
        kinds.push(kind);
        subjects.push(event.subject());
        values.push(value);
        hosts.push(host);
    }
    tx.execute(
        "INSERT INTO changes (version, at_ms, kind, subject_id, value, host_id)
         SELECT v, $2, k, s, x, h
         FROM unnest($1::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(v, k, s, x, h)",
        &[&versions, &at, &kinds, &subjects, &values, &hosts],
    )?;
    Ok(())
}

pub(super) fn version(tx: &mut Tx<'_>) -> Result<u64, Fail> {
    let v: i64 = tx
        .query_one("SELECT version FROM change_head", &[])?
        .try_get(0)?;
    Ok(to_u64(v, "change version")?)
}

pub(super) fn poll(tx: &mut Tx<'_>, since: u64, limit: usize) -> Result<Vec<Change>, Fail> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    tx.query(
        "SELECT version, at_ms, kind, subject_id, value, host_id FROM changes
         WHERE version > $1 ORDER BY version LIMIT $2",
        &[&to_i64(since, "since")?, &limit],
    )?
    .iter()
    .map(|r| {
        let kind: String = r.try_get(2)?;
        Ok(Change::from_row(
            r.try_get(0)?,
            r.try_get(1)?,
            &kind,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
        )?)
    })
    .collect()
}

pub(super) fn prune(tx: &mut Tx<'_>, up_to: u64) -> Result<u64, Fail> {
    Ok(tx.execute(
        "DELETE FROM changes WHERE version <= $1",
        &[&to_i64(up_to, "up_to")?],
    )?)
}

/// Most changes one [`ChangeListener::wait`] returns.
const BATCH: i64 = 1000;

/// A dedicated connection that `LISTEN`s on the store's channel; a
/// notification (delivered when a writer commits, on any host) triggers a
/// read of the feed after the listener's version.
pub(super) struct PgListener {
    client: Client,
    version: u64,
    /// A notification arrived (or may have been missed) since the last read.
    dirty: bool,
}

impl fmt::Debug for PgListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgListener")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl PgListener {
    /// Starts listening, then reads the current version: a commit after
    /// `LISTEN` is either in that version or notified.
    pub(super) fn new(mut client: Client, channel: &str) -> Result<Self, StoreError> {
        client
            .batch_execute(&format!("LISTEN \"{channel}\""))
            .map_err(|e| from_pg(&e))?;
        let v: i64 = client
            .query_one("SELECT version FROM change_head", &[])
            .and_then(|r| r.try_get(0))
            .map_err(|e| from_pg(&e))?;
        Ok(PgListener {
            client,
            version: to_u64(v, "change version")?,
            dirty: false,
        })
    }

    fn read(&mut self) -> Result<Vec<Change>, StoreError> {
        let since = to_i64(self.version, "version")?;
        let rows = self
            .client
            .query(
                "SELECT version, at_ms, kind, subject_id, value, host_id FROM changes
                 WHERE version > $1 ORDER BY version LIMIT $2",
                &[&since, &BATCH],
            )
            .map_err(|e| from_pg(&e))?;
        let changes = rows
            .iter()
            .map(|r| {
                let kind: String = r.try_get(2)?;
                Ok(Change::from_row(
                    r.try_get(0)?,
                    r.try_get(1)?,
                    &kind,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                )?)
            })
            .collect::<Result<Vec<_>, Fail>>()?;
        if let Some(last) = changes.last() {
            self.version = last.version;
        }
        // A full batch means more may be waiting.
        self.dirty = changes.len() as i64 == BATCH;
        Ok(changes)
    }
}

impl ChangeListener for PgListener {
    fn wait(&mut self, timeout: Duration) -> Result<Vec<Change>, StoreError> {
        let deadline = Instant::now() + timeout;
        loop {
            // Drain what is already buffered without blocking.
            while self
                .client
                .notifications()
                .iter()
                .next()
                .map_err(|e| from_pg(&e))?
                .is_some()
            {
                self.dirty = true;
            }
            if self.dirty {
                let changes = self.read()?;
                if !changes.is_empty() {
                    return Ok(changes);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Vec::new());
            }
            let got = self
                .client
                .notifications()
                .timeout_iter(left)
                .next()
                .map_err(|e| from_pg(&e))?;
            match got {
                Some(_) => self.dirty = true,
                None if self.client.is_closed() => {
                    return Err(StoreError::Backend(
                        "postgres: listener connection closed".into(),
                    ));
                }
                None => return Ok(Vec::new()),
            }
        }
    }

    fn version(&self) -> u64 {
        self.version
    }
}
