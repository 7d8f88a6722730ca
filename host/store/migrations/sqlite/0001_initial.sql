-- caracal-store schema v1 (SQLite). Runs in the migration transaction.
-- See SCHEMA.md.

CREATE TABLE sessions (
    id                TEXT PRIMARY KEY NOT NULL,
    application_id    TEXT NOT NULL,
    zone_id           TEXT NOT NULL,
    parent_id         TEXT REFERENCES sessions (id),
    root_id           TEXT NOT NULL,
    lifecycle         TEXT NOT NULL CHECK (lifecycle IN ('task', 'service', 'root')),
    status            TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'terminated')),
    -- JSON array of strings.
    labels            TEXT NOT NULL DEFAULT '[]',
    trace_id          TEXT NOT NULL,
    depth             INTEGER NOT NULL CHECK (depth >= 0),
    expires_at_ms     INTEGER,
    lease_deadline_ms INTEGER,
    lease_generation  INTEGER NOT NULL DEFAULT 0 CHECK (lease_generation >= 0),
    authority_json    TEXT,
    host_id           TEXT NOT NULL,
    created_at_ms     INTEGER NOT NULL,
    ended_at_ms       INTEGER
) STRICT;
CREATE INDEX sessions_live_children ON sessions (parent_id) WHERE status <> 'terminated';
CREATE INDEX sessions_live_by_host ON sessions (host_id) WHERE status <> 'terminated';

CREATE TABLE edges (
    id                   TEXT PRIMARY KEY NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('narrow', 'peer')),
    state                TEXT NOT NULL CHECK (state IN ('offered', 'accepted', 'revoked')),
    issuer_id            TEXT NOT NULL REFERENCES sessions (id),
    issuer_application   TEXT NOT NULL,
    receiver_id          TEXT NOT NULL REFERENCES sessions (id),
    receiver_application TEXT NOT NULL,
    parent_edge_id       TEXT REFERENCES edges (id),
    authority_json       TEXT NOT NULL,
    created_at_ms        INTEGER NOT NULL,
    accepted_at_ms       INTEGER,
    revoked_at_ms        INTEGER
) STRICT;
CREATE INDEX edges_live ON edges (state) WHERE state <> 'revoked';

CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY CHECK (seq >= 1),
    prev        TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    record_json TEXT NOT NULL
) STRICT;

CREATE TABLE changes (
    version    INTEGER PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    value      TEXT,
    host_id    TEXT
) STRICT;
-- One row: the last version handed out (kept across pruning).
CREATE TABLE change_head (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version   INTEGER NOT NULL
) STRICT;
INSERT INTO change_head (singleton, version) VALUES (1, 0);
