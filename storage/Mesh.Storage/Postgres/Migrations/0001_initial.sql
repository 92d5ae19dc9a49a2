-- Mesh schema, version 1. Runs inside one transaction under the migrator's advisory lock.
-- Identifiers use the "C" collation so ordering is ordinal, the same as the in-memory store, whatever the
-- cluster's locale.

CREATE TABLE mesh_meta (
    key   text PRIMARY KEY,
    value bigint NOT NULL
);

-- 'revision' is the global counter: every write transaction locks this row first, which serializes writers
-- across all silos so revisions commit in order. 'compacted_revision' is the newest revision dropped from the log.
INSERT INTO mesh_meta (key, value) VALUES ('revision', 0), ('compacted_revision', 0);

CREATE TABLE mesh_resources (
    kind             text COLLATE "C" NOT NULL,
    namespace        text COLLATE "C" NOT NULL,
    name             text COLLATE "C" NOT NULL,
    api_version      text NOT NULL,
    labels           jsonb NULL,
    annotations      jsonb NULL,
    spec             jsonb NULL,
    version          bigint NOT NULL,
    lease_expires_at timestamptz NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (kind, namespace, name)
);

CREATE INDEX mesh_resources_lease_idx ON mesh_resources (lease_expires_at) WHERE lease_expires_at IS NOT NULL;

-- The change log. An upsert row carries no content: readers join mesh_resources on version = revision, and a
-- row whose resource has changed since is superseded by a later row. A deleted row is a tombstone.
CREATE TABLE mesh_changes (
    revision  bigint NOT NULL,
    kind      text COLLATE "C" NOT NULL,
    namespace text COLLATE "C" NOT NULL,
    name      text COLLATE "C" NOT NULL,
    deleted   boolean NOT NULL,
    PRIMARY KEY (revision, kind, namespace, name)
);

CREATE TABLE mesh_members (
    id             text COLLATE "C" PRIMARY KEY,
    address        text NOT NULL,
    started_at     timestamptz NOT NULL,
    last_heartbeat timestamptz NOT NULL,
    revision       bigint NOT NULL
);

CREATE TABLE mesh_subscribers (
    id              text COLLATE "C" PRIMARY KEY,
    silo_id         text COLLATE "C" NOT NULL,
    node            jsonb NOT NULL,
    connected_at    timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    sent_revision   bigint NOT NULL,
    acked_revision  bigint NOT NULL,
    nacked_revision bigint NULL,
    last_nack_error text NULL,
    last_nack_at    timestamptz NULL
);

CREATE INDEX mesh_subscribers_silo_idx ON mesh_subscribers (silo_id);
