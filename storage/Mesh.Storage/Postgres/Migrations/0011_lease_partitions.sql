-- Lease expiry moved from one cluster-wide sweeper to the health partition grains: each sweeps the leases of its own
-- partition, FNV-1a-64("namespace/name") modulo the partition count (ResourceKeyHash). The writer stores that hash
-- beside every row (as the signed bigint with the same 64 bits) so a partition's sweep selects its rows in SQL.
-- Rows written before this migration have no hash; every partition's sweep includes them until their next write.
ALTER TABLE mesh_resources ADD COLUMN key_hash bigint NULL;

CREATE INDEX mesh_resources_lease_partition_idx ON mesh_resources (lease_expires_at) INCLUDE (key_hash)
    WHERE lease_expires_at IS NOT NULL;
DROP INDEX IF EXISTS mesh_resources_lease_idx;
