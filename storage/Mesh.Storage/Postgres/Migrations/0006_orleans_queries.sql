-- Orleans' ADO.NET providers (clustering, grain persistence, reminders) issue no SQL of their own: at start each reads
-- its statements from this table by key ("SELECT QueryKey, QueryText FROM OrleansQuery") and binds parameters by name.
-- The migrations that follow fill it; a later migration changes a statement by upserting its row. Unquoted names fold
-- to lower case, which is what the providers' unquoted queries expect.
CREATE TABLE OrleansQuery (
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
