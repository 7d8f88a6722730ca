//! Versioned schema migrations, embedded from `migrations/{sqlite,postgres}`
//! and applied at open, in one transaction, recorded in `schema_version`.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::StoreError;

/// One migration: `migrations/<backend>/NNNN_name.sql`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Migration {
    /// `NNNN`, from 1, without gaps.
    pub version: u32,
    /// `name`.
    pub name: &'static str,
    /// The SQL, run as one batch.
    pub sql: &'static str,
}

/// The newest schema version this build knows (both backends move in
/// step).
pub const SCHEMA_VERSION: u32 = 3;

/// The SQLite migrations, in order.
pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "call_meter",
        sql: include_str!("../migrations/sqlite/0002_call_meter.sql"),
    },
    Migration {
        version: 3,
        name: "key_value",
        sql: include_str!("../migrations/sqlite/0003_key_value.sql"),
    },
];

/// The PostgreSQL migrations, in order.
pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "call_meter",
        sql: include_str!("../migrations/postgres/0002_call_meter.sql"),
    },
    Migration {
        version: 3,
        name: "key_value",
        sql: include_str!("../migrations/postgres/0003_key_value.sql"),
    },
];

/// The migrations to apply to a database at version `found` (0 for a new
/// one), or [`StoreError::Migration`] when it is newer than this build.
pub(crate) fn pending(
    all: &'static [Migration],
    found: u32,
) -> Result<&'static [Migration], StoreError> {
    let supported = all.last().map_or(0, |m| m.version);
    if found > supported {
        return Err(StoreError::Migration { found, supported });
    }
    // Versions run 1..=n without gaps (tested below), so index = version - 1.
    Ok(&all[found as usize..])
}

/// Wall-clock ms, only for `schema_version.applied_at_ms`.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_contiguous_and_in_step() {
        for all in [SQLITE, POSTGRES] {
            for (i, m) in all.iter().enumerate() {
                assert_eq!(m.version as usize, i + 1, "{}", m.name);
                assert!(!m.sql.trim().is_empty());
            }
            assert_eq!(all.last().map(|m| m.version), Some(SCHEMA_VERSION));
        }
        for (s, p) in SQLITE.iter().zip(POSTGRES) {
            assert_eq!(s.name, p.name);
        }
    }

    #[test]
    fn pending_refuses_newer() {
        assert_eq!(pending(SQLITE, 0).unwrap().len(), SQLITE.len());
        assert!(pending(SQLITE, SCHEMA_VERSION).unwrap().is_empty());
        let err = pending(SQLITE, SCHEMA_VERSION + 1).unwrap_err();
        assert!(matches!(err, StoreError::Migration { found, supported }
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION));
    }
}
