-- caracal-store schema v2 (SQLite): the max_calls meter. One row per
-- metered delegation edge that has been charged; see SCHEMA.md.

CREATE TABLE edge_calls (
    edge_id TEXT PRIMARY KEY NOT NULL REFERENCES edges (id),
    used    INTEGER NOT NULL CHECK (used >= 0)
) STRICT;
