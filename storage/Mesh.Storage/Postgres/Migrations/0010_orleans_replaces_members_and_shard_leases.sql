-- Silo membership and health-check ownership moved to Orleans: membership lives in Orleans' own table (created by
-- the Orleans migrations), and each health partition is a grain with a single activation, so neither the hand-made
-- membership table nor the shard leases are needed any more.
DROP TABLE IF EXISTS mesh_shard_leases;
DROP TABLE IF EXISTS mesh_members;
