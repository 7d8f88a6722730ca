-- caracal-store schema v2 (PostgreSQL): the max_calls meter. One row per
-- metered delegation edge that has been charged; see SCHEMA.md.

CREATE TABLE edge_calls (
    edge_id TEXT PRIMARY KEY REFERENCES edges (id),
    used    BIGINT NOT NULL CHECK (used >= 0)
);
