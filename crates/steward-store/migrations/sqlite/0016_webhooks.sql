-- Outgoing webhooks of bot accounts (docs/WEBHOOKS.md): subscriptions, the
-- durable outbox of deliveries, and every attempt made for each.
CREATE TABLE webhooks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The bot account whose view of the instance the webhook carries.
    owner_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    url          TEXT NOT NULL,
    -- Sealed with the instance's secret key.
    secret       TEXT NOT NULL,
    -- Comma-separated event types.
    events       TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    -- Why it was switched off by the server ('gone': the receiver answered 410).
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX webhooks_owner ON webhooks(owner_id);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    -- The event's data (JSON); the body sent wraps it with the delivery id.
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    -- 'pending', 'delivered' or 'failed' (gave up after the last retry).
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- A node sending it holds it until then; after, another may take it.
    locked_until    INTEGER,
    last_status     INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    finished_at     INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    -- The HTTP status; absent when no answer came (refused, timed out).
    status_code  INTEGER,
    error        TEXT NOT NULL DEFAULT '',
    -- The start of the receiver's answer, for the delivery log.
    response     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
