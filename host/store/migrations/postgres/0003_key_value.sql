-- caracal-store schema v3 (PostgreSQL): Spin key-value stores. One row per
-- key of a store; see SCHEMA.md.

CREATE TABLE kv_entries (
    space TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BYTEA NOT NULL,
    PRIMARY KEY (space, key)
);
