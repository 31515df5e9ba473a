-- Moderation: rules (JSON bodies, steward-moderation's Rule), sanctions,
-- the hold-for-review queue, report cases, appeals and the modlog.
CREATE TABLE moderation_rules (
    id         TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE sanctions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- NULL: everywhere.
    room_id    INTEGER,
    kind       TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    rule_id    TEXT,
    actor_id   INTEGER,
    message_id INTEGER,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    ended_at   INTEGER,
    ended_by   INTEGER
);
CREATE INDEX sanctions_user ON sanctions(user_id, created_at);
CREATE INDEX sanctions_open ON sanctions(expires_at) WHERE ended_at IS NULL;
CREATE TABLE held_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id    INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    rule_id    TEXT,
    reason     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending',
    decided_by INTEGER,
    decided_at INTEGER,
    message_id INTEGER
);
CREATE INDEX held_pending ON held_messages(status, id);
CREATE TABLE mod_cases (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    message_id  INTEGER NOT NULL,
    author_id   INTEGER NOT NULL,
    snapshot    TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    escalated   INTEGER NOT NULL DEFAULT 0,
    priority    INTEGER NOT NULL DEFAULT 0,
    reports     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    resolved_by INTEGER,
    resolved_at INTEGER,
    outcome     TEXT
);
CREATE UNIQUE INDEX mod_cases_open_message ON mod_cases(message_id) WHERE status = 'open';
CREATE INDEX mod_cases_status ON mod_cases(status, priority, id);
CREATE TABLE mod_reports (
    case_id     INTEGER NOT NULL REFERENCES mod_cases(id) ON DELETE CASCADE,
    reporter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (case_id, reporter_id)
);
CREATE TABLE appeals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sanction_id INTEGER NOT NULL REFERENCES sanctions(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    created_at  INTEGER NOT NULL,
    decided_by  INTEGER,
    decided_at  INTEGER,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX appeals_user ON appeals(user_id, created_at);
CREATE INDEX appeals_status ON appeals(status, id);
CREATE TABLE modlog (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    -- NULL when a rule acted.
    actor_id      INTEGER,
    rule_id       TEXT,
    action        TEXT NOT NULL,
    room_id       INTEGER,
    user_id       INTEGER,
    message_id    INTEGER,
    reason        TEXT NOT NULL DEFAULT '',
    evidence      TEXT NOT NULL DEFAULT '',
    duration_secs INTEGER,
    dry_run       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX modlog_at ON modlog(at);
CREATE INDEX modlog_user ON modlog(user_id, at);
CREATE INDEX modlog_room ON modlog(room_id, at);
