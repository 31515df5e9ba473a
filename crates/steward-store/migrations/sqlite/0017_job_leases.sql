-- Background jobs claimed across nodes (docs/DEPLOY.md): one row per job.
-- The node named by `holder` runs the job until `expires_at` and renews the
-- lease while it lives; another node takes it over once it has expired.
-- Times are milliseconds since 1970 on the database's clock, so the nodes'
-- clocks need not agree.
CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    acquired_at INTEGER NOT NULL,
    -- When the job last started (by any holder), for jobs that run every so often.
    last_run_at INTEGER NOT NULL DEFAULT 0
);
