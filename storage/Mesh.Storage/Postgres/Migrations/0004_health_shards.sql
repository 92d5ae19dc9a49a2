-- Health-check shard leases. Rows are created by the first silo that balances (the shard count is a setting).
-- owner is NULL when free; a lease is live while expires_at > now() (the database clock). fencing_token grows by
-- one on every acquisition, and every health write checks (shard, owner, token) in its own transaction.
CREATE TABLE mesh_shard_leases (
    shard         integer PRIMARY KEY,
    owner         text COLLATE "C" NULL,
    fencing_token bigint NOT NULL DEFAULT 0,
    expires_at    timestamptz NOT NULL DEFAULT 'epoch'
);

CREATE INDEX mesh_shard_leases_owner_idx ON mesh_shard_leases (owner) WHERE owner IS NOT NULL;
