-- Precomputed stakeholder actions that the hot path reads. Times are epoch milliseconds (UTC).
CREATE TABLE planned_stakeholder_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stakeholder_id INTEGER NOT NULL,
    scene_id INTEGER,
    scene_hash VARCHAR(32),
    conflict_id INTEGER,
    kind VARCHAR(32) NOT NULL CHECK (kind IN ('action', 'reaction', 'decision')),
    payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    status VARCHAR(32) NOT NULL DEFAULT 'ready'
        CHECK (status IN ('ready', 'consumed', 'expired', 'failed')),
    priority INTEGER NOT NULL DEFAULT 5,
    context_hash VARCHAR(32),
    created_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    available_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    consumed_at INTEGER
);

CREATE INDEX idx_planned_scene_status ON planned_stakeholder_actions (scene_hash, status);
CREATE INDEX idx_planned_stakeholder_status ON planned_stakeholder_actions (stakeholder_id, status);
CREATE INDEX idx_planned_conflict_status ON planned_stakeholder_actions (conflict_id, status);
CREATE INDEX idx_planned_ready_available ON planned_stakeholder_actions (available_at)
    WHERE status = 'ready';

-- One plan per stakeholder, kind and context: a retried task inserts nothing new.
CREATE UNIQUE INDEX idx_planned_context ON planned_stakeholder_actions (stakeholder_id, kind, context_hash)
    WHERE context_hash IS NOT NULL;
