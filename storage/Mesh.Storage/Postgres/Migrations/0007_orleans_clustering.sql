-- Orleans membership (Microsoft.Orleans.Clustering.AdoNet): one version row per cluster and one row per silo
-- incarnation. DeploymentId is Orleans' ClusterId. The version row is the table's etag: every membership change
-- must bump it in the same statement, conditioned on the version the silo read, so concurrent writers serialize on it.
-- The first silo of a cluster inserts that row (version 0) through InsertMembershipVersionKey.
CREATE TABLE OrleansMembershipVersionTable (
    DeploymentId varchar(150)   NOT NULL,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

-- Status is Orleans' SiloStatus (3 = Active, 6 = Dead). SuspectTimes is "silo,time|silo,time" as Orleans formats it.
-- A silo restarted on the same address and port is a new row: Generation differs.
CREATE TABLE OrleansMembershipTable (
    DeploymentId varchar(150)   NOT NULL,
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes text           NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    -- Cascade: deleting a cluster's version row (DeleteMembershipTableEntriesKey) removes its silos in one statement.
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId) ON DELETE CASCADE
);

-- Queries return one integer column (rows changed) where the provider wants a boolean, and read rows by column name.
-- The conditional writes are single statements: data-modifying CTEs run atomically, so an error rolls everything back
-- and a failed version check changes nothing.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
    WITH created AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId)
        ON CONFLICT (DeploymentId) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM created
$q$),

-- Heartbeat: no version bump (the extended membership protocol lets IAmAlive skip the table etag).
('UpdateIAmAlivetimeKey', $q$
    UPDATE OrleansMembershipTable
    SET IAmAliveTime = @IAmAliveTime
    WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation
$q$),

-- The version bump is the gate: it only happens when the silo saw the current version and its row does not exist
-- yet, and the row is only inserted when the bump happened.
('InsertMembershipKey', $q$
    WITH bumped AS (
        UPDATE OrleansMembershipVersionTable
        SET Version = Version + 1, Timestamp = now()
        WHERE DeploymentId = @DeploymentId AND Version = @Version
          AND NOT EXISTS (
              SELECT 1 FROM OrleansMembershipTable
              WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation)
        RETURNING DeploymentId),
    inserted AS (
        INSERT INTO OrleansMembershipTable
            (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
        SELECT DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
        FROM bumped
        RETURNING 1)
    SELECT count(*)::integer FROM inserted
$q$),

('UpdateMembershipKey', $q$
    WITH bumped AS (
        UPDATE OrleansMembershipVersionTable
        SET Version = Version + 1, Timestamp = now()
        WHERE DeploymentId = @DeploymentId AND Version = @Version
          AND EXISTS (
              SELECT 1 FROM OrleansMembershipTable
              WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation)
        RETURNING DeploymentId),
    updated AS (
        UPDATE OrleansMembershipTable m
        SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
        FROM bumped
        WHERE m.DeploymentId = bumped.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
        RETURNING 1)
    SELECT count(*)::integer FROM updated
$q$),

-- Reads start from the version row so the provider gets the table version even when no silo row matches (the
-- member columns are then NULL, which it reads as "no entry").
('MembershipReadRowKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m
        ON m.DeploymentId = v.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    WHERE v.DeploymentId = @DeploymentId
$q$),

('MembershipReadAllKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
    WHERE v.DeploymentId = @DeploymentId
$q$),

('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId
$q$),

-- Clients' gateway list: active silos that accept clients.
('GatewaysQueryKey', $q$
    SELECT Address, ProxyPort, Generation
    FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0
$q$),

-- Removes rows of silos that stopped heart-beating before @IAmAliveTime; never an Active (3) one.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status <> 3
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
