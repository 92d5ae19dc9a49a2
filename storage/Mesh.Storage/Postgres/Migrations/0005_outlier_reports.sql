-- Passive-health reports from sidecars: which reporter's outlier detection ejects which endpoint. Not part of the
-- change log: a report is an observation, not configuration, and must never push anything.
CREATE TABLE mesh_outlier_reports (
    reporter   text COLLATE "C" NOT NULL,
    namespace  text COLLATE "C" NOT NULL,
    endpoint   text COLLATE "C" NOT NULL,
    ejected_at timestamptz NOT NULL,
    until      timestamptz NULL,
    reason     text NOT NULL,
    PRIMARY KEY (reporter, namespace, endpoint)
);

CREATE INDEX mesh_outlier_reports_endpoint_idx ON mesh_outlier_reports (namespace, endpoint);

-- A reporter's rows go with its subscriber row, whichever path deletes it (departure, stale or removed silo).
CREATE FUNCTION mesh_drop_outlier_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM mesh_outlier_reports r USING gone g WHERE r.reporter = g.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER mesh_subscribers_drop_outlier_reports
    AFTER DELETE ON mesh_subscribers
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION mesh_drop_outlier_reports();
