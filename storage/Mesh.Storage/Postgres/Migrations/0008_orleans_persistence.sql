-- Orleans grain state (Microsoft.Orleans.Persistence.AdoNet): one row per grain and state type within a ServiceId
-- (ServiceId, not ClusterId: state outlives clusters). The provider computes the hashes and splits the grain id into
-- N0/N1 (guid or integer keys) and an extension string (string keys, key extensions); NULL means "no extension".
-- PayloadBinary is whatever the configured grain storage serializer wrote. Version is the etag: the provider sends the
-- version it read (NULL for never stored) and a write returning that same version means "refused" to it
-- (InconsistentStateException).
CREATE TABLE OrleansStorage (
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NULL,
    -- NULLS NOT DISTINCT (PostgreSQL 15): a grain without an extension string is still one row, so two activations
    -- racing to create the same state cannot both insert. The hashes lead so the key also serves every lookup.
    CONSTRAINT OrleansStorage_Grain UNIQUE NULLS NOT DISTINCT
        (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, ServiceId, GrainTypeString, GrainIdExtensionString)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
    SELECT PayloadBinary, ModifiedOn, Version
    FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
$q$),

-- With a version: update only if it is still the stored one. Without: create the row only if there is none. Returns
-- the new version, or the version sent (NULL when none was sent) when the write was refused.
('WriteToStorageKey', $q$
    WITH updated AS (
        UPDATE OrleansStorage
        SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = Version + 1
        WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
          AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
          AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
          AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
          AND Version = @GrainStateVersion
        RETURNING Version),
    inserted AS (
        INSERT INTO OrleansStorage
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId,
             PayloadBinary, ModifiedOn, Version)
        SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId,
               @PayloadBinary, now(), 1
        WHERE @GrainStateVersion IS NULL
        ON CONFLICT ON CONSTRAINT OrleansStorage_Grain DO NOTHING
        RETURNING Version)
    SELECT coalesce((SELECT Version FROM updated), (SELECT Version FROM inserted), @GrainStateVersion) AS NewGrainStateVersion
$q$),

-- Clearing keeps the row (and bumps the version) so a later write by a stale activation is still refused.
('ClearStorageKey', $q$
    UPDATE OrleansStorage
    SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND Version = @GrainStateVersion
    RETURNING Version AS NewGrainStateVersion
$q$),

-- Used instead of ClearStorageKey when AdoNetGrainStorageOptions.DeleteStateOnClear is set; returns version + 1 so
-- the provider sees a change.
('DeleteStorageKey', $q$
    DELETE FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND Version = @GrainStateVersion
    RETURNING Version + 1 AS NewGrainStateVersion
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
