-- caracal-store schema v1 (PostgreSQL). Runs inside the store's schema
-- (search_path), in the migration transaction. See SCHEMA.md.

CREATE TABLE sessions (
    id                TEXT PRIMARY KEY,
    application_id    TEXT NOT NULL,
    zone_id           TEXT NOT NULL,
    parent_id         TEXT REFERENCES sessions (id),
    root_id           TEXT NOT NULL,
    lifecycle         TEXT NOT NULL CHECK (lifecycle IN ('task', 'service', 'root')),
    status            TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'terminated')),
    labels            TEXT[] NOT NULL DEFAULT '{}',
    trace_id          TEXT NOT NULL,
    depth             BIGINT NOT NULL CHECK (depth >= 0),
    expires_at_ms     BIGINT,
    lease_deadline_ms BIGINT,
    lease_generation  BIGINT NOT NULL DEFAULT 0 CHECK (lease_generation >= 0),
    authority_json    TEXT,
    host_id           TEXT NOT NULL,
    created_at_ms     BIGINT NOT NULL,
    ended_at_ms       BIGINT
);
-- The capacity check counts a parent's live children.
CREATE INDEX sessions_live_children ON sessions (parent_id) WHERE status <> 'terminated';
-- Start-up sweep of a dead host's tasks.
CREATE INDEX sessions_live_by_host ON sessions (host_id) WHERE status <> 'terminated';

CREATE TABLE edges (
    id                   TEXT PRIMARY KEY,
    kind                 TEXT NOT NULL CHECK (kind IN ('narrow', 'peer')),
    state                TEXT NOT NULL CHECK (state IN ('offered', 'accepted', 'revoked')),
    issuer_id            TEXT NOT NULL REFERENCES sessions (id),
    issuer_application   TEXT NOT NULL,
    receiver_id          TEXT NOT NULL REFERENCES sessions (id),
    receiver_application TEXT NOT NULL,
    parent_edge_id       TEXT REFERENCES edges (id),
    authority_json       TEXT NOT NULL,
    created_at_ms        BIGINT NOT NULL,
    accepted_at_ms       BIGINT,
    revoked_at_ms        BIGINT
);
CREATE INDEX edges_live ON edges (state) WHERE state <> 'revoked';

-- The hash-chained audit log: seq/prev/hash as columns, the record's JSON
-- line verbatim. The primary key on seq makes a fork impossible even if
-- two writers computed the same next seq.
CREATE TABLE audit (
    seq         BIGINT PRIMARY KEY CHECK (seq >= 1),
    prev        TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    record_json TEXT NOT NULL
);
-- One row: the chain head, locked (FOR UPDATE) by every append.
CREATE TABLE audit_head (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    seq       BIGINT NOT NULL,
    hash      TEXT
);
INSERT INTO audit_head (singleton, seq, hash) VALUES (TRUE, 0, NULL);

-- The change feed other hosts follow (poll + LISTEN/NOTIFY).
CREATE TABLE changes (
    version    BIGINT PRIMARY KEY,
    at_ms      BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    value      TEXT,
    host_id    TEXT
);
-- One row: the last version handed out. Writers take it with UPDATE as the
-- last statement of their transaction and hold it until commit, so
-- versions become visible in order (a sequence would not guarantee that).
CREATE TABLE change_head (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    version   BIGINT NOT NULL
);
INSERT INTO change_head (singleton, version) VALUES (TRUE, 0);

-- Every insert into the feed notifies `caracal_changes_<schema>`; the
-- notification is delivered when the writing transaction commits (and
-- identical ones within a transaction are folded into one).
CREATE FUNCTION notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('caracal_changes_' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END
$$;
CREATE TRIGGER changes_notify AFTER INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION notify_changes();
