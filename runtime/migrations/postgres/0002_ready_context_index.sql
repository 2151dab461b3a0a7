-- A context's plan is unique only while it is ready: once a state sync has
-- consumed it, the next dispatch for the same context stores a new plan,
-- while a retried task still finds the ready one and stores nothing.
DROP INDEX IF EXISTS idx_planned_context;
CREATE UNIQUE INDEX idx_planned_context ON planned_stakeholder_actions (stakeholder_id, kind, context_hash)
    WHERE context_hash IS NOT NULL AND status = 'ready';
