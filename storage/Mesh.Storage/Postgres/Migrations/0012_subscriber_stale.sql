-- A subscriber's silo marks it stale when its stream goes quiet (traffic reports stop) or a push stays unacknowledged;
-- the dashboard and meshctl show it. Written on transitions only.
ALTER TABLE mesh_subscribers ADD COLUMN IF NOT EXISTS stale boolean NOT NULL DEFAULT false;
