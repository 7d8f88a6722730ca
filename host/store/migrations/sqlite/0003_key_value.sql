-- caracal-store schema v3 (SQLite): Spin key-value stores. One row per
-- key of a store; see SCHEMA.md.

CREATE TABLE kv_entries (
    space TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (space, key)
) STRICT, WITHOUT ROWID;
