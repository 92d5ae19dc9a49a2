-- Orleans reminders (Microsoft.Orleans.Reminders.AdoNet), per ServiceId: reminders outlive clusters and silos.
-- GrainId is Orleans' GrainId.ToString(); GrainHash its uniform hash, by which each silo reads the reminders of its
-- ring range. Period is in milliseconds. Version is the etag: 0 on creation, +1 on every re-registration.
CREATE TABLE OrleansRemindersTable (
    ServiceId    varchar(150)   NOT NULL,
    GrainId      text           NOT NULL,
    ReminderName text           NOT NULL,
    StartTime    timestamptz(3) NOT NULL,
    Period       bigint         NOT NULL,
    GrainHash    integer        NOT NULL,
    Version      integer        NOT NULL,
    CONSTRAINT PK_RemindersTable_ServiceId_GrainId_ReminderName PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- The range reads run on every ring change and at every silo start.
CREATE INDEX OrleansRemindersTable_Range ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey', $q$
    INSERT INTO OrleansRemindersTable AS r (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
        SET StartTime = excluded.StartTime, Period = excluded.Period, GrainHash = excluded.GrainHash,
            Version = r.Version + 1
    RETURNING Version
$q$),

('ReadReminderRowsKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId
$q$),

('ReadReminderRowKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName
$q$),

-- The ring range (@BeginHash, @EndHash] when it does not wrap (the provider compares the hashes as signed integers).
('ReadRangeRows1Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash
$q$),

-- The same range when it wraps around the end of the ring.
('ReadRangeRows2Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash)
$q$),

('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM OrleansRemindersTable
        WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version
        RETURNING 1)
    SELECT count(*)::integer FROM deleted
$q$),

('DeleteReminderRowsKey', $q$
    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
