-- Precomputed stakeholder actions that the hot path reads.
CREATE TABLE planned_stakeholder_actions (
    id SERIAL PRIMARY KEY,
    stakeholder_id INTEGER NOT NULL,
    scene_id INTEGER,
    scene_hash VARCHAR(32),
    conflict_id INTEGER,
    kind VARCHAR(32) NOT NULL CHECK (kind IN ('action', 'reaction', 'decision')),
    payload JSONB NOT NULL DEFAULT '{}'::jsonb,
    status VARCHAR(32) NOT NULL DEFAULT 'ready'
        CHECK (status IN ('ready', 'consumed', 'expired', 'failed')),
    priority INTEGER NOT NULL DEFAULT 5,
    context_hash VARCHAR(32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    available_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    consumed_at TIMESTAMPTZ
);

CREATE INDEX idx_planned_scene_status ON planned_stakeholder_actions (scene_hash, status);
CREATE INDEX idx_planned_stakeholder_status ON planned_stakeholder_actions (stakeholder_id, status);
CREATE INDEX idx_planned_conflict_status ON planned_stakeholder_actions (conflict_id, status);
CREATE INDEX idx_planned_ready_available ON planned_stakeholder_actions (available_at)
    WHERE status = 'ready';

-- After five executions a prepared statement may switch to a generic plan, which would read every
-- ready row through idx_planned_ready_available. This index serves the per-scene claim directly.
CREATE INDEX idx_planned_ready_scene_available ON planned_stakeholder_actions (scene_hash, available_at)
    WHERE status = 'ready';

-- One plan per stakeholder, kind and context: a retried task inserts nothing new.
CREATE UNIQUE INDEX idx_planned_context ON planned_stakeholder_actions (stakeholder_id, kind, context_hash)
    WHERE context_hash IS NOT NULL;
