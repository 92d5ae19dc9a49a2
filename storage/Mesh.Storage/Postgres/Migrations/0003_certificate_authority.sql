-- Certificate authority: CA credentials (private key encrypted by the silo under its key-encryption key; the
-- database never sees it in the clear), the issued-certificate log, and bootstrap join tokens (hash only).
-- Numbered 0003 to leave 0002 free for work in flight on other branches.

CREATE TABLE mesh_ca_roots (
    thumbprint    text COLLATE "C" PRIMARY KEY,
    chain_pem     text NOT NULL,
    protected_key text NOT NULL,
    state         text NOT NULL CHECK (state IN ('pending', 'active', 'retiring', 'retired')),
    created_at    timestamptz NOT NULL
);

-- At most one signer at any time, whatever several silos do at once.
CREATE UNIQUE INDEX mesh_ca_roots_one_active ON mesh_ca_roots ((true)) WHERE state = 'active';

CREATE TABLE mesh_issued_certificates (
    serial            text COLLATE "C" PRIMARY KEY,
    spiffe_id         text COLLATE "C" NOT NULL,
    not_before        timestamptz NOT NULL,
    not_after         timestamptz NOT NULL,
    issuer_thumbprint text NOT NULL,
    issued_at         timestamptz NOT NULL
);

CREATE INDEX mesh_issued_certificates_identity_idx ON mesh_issued_certificates (spiffe_id, issued_at);

CREATE TABLE mesh_join_tokens (
    hash            text COLLATE "C" PRIMARY KEY,
    namespace       text NOT NULL,
    service_account text NOT NULL,
    expires_at      timestamptz NOT NULL,
    single_use      boolean NOT NULL,
    used_at         timestamptz NULL,
    created_at      timestamptz NOT NULL
);
