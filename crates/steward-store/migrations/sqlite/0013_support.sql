-- The support desk (docs/SUPPORT.md): inboxes, departments, operators,
-- contacts, conversations (each a room of kind 'support'), their labels and
-- reporting events, canned responses, macros and scheduled messages.

-- Website visitors have a user row (so their messages have an author) that
-- never signs in and is never listed.
ALTER TABLE users ADD COLUMN is_visitor INTEGER NOT NULL DEFAULT 0;
-- Internal notes and whispers: staff only, never shown to the contact.
ALTER TABLE messages ADD COLUMN internal INTEGER NOT NULL DEFAULT 0;

CREATE TABLE inboxes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    public_key      TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    settings        TEXT NOT NULL,
    identity_secret TEXT NOT NULL,
    rr_cursor       INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    inbox_id   INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    routing    TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (inbox_id, name)
);

CREATE TABLE inbox_members (
    inbox_id INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (inbox_id, user_id)
);
CREATE INDEX inbox_members_user ON inbox_members(user_id);

CREATE TABLE department_members (
    department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (department_id, user_id)
);
CREATE INDEX department_members_user ON department_members(user_id);

-- One row per operator: availability, capacity and the number of open
-- conversations assigned (kept in step by every assignment change, so a
-- conditional UPDATE can claim capacity atomically).
CREATE TABLE operator_status (
    user_id          INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    availability     TEXT NOT NULL DEFAULT 'offline',
    capacity         INTEGER NOT NULL DEFAULT 5,
    active_count     INTEGER NOT NULL DEFAULT 0,
    last_active_at   INTEGER NOT NULL,
    last_assigned_at INTEGER
);

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    inbox_id     INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    email        TEXT,
    phone        TEXT,
    external_id  TEXT,
    token_hash   TEXT NOT NULL UNIQUE,
    attributes   TEXT NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    UNIQUE (inbox_id, external_id)
);

CREATE TABLE conversations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id          INTEGER NOT NULL UNIQUE REFERENCES rooms(id) ON DELETE CASCADE,
    inbox_id         INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
    contact_id       INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    department_id    INTEGER REFERENCES departments(id) ON DELETE SET NULL,
    status           TEXT NOT NULL,
    priority         TEXT NOT NULL DEFAULT 'normal',
    assignee_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- An assignment waiting to be accepted lapses at this time.
    offer_expires_at INTEGER,
    -- Operators who let an offer lapse, as a JSON array.
    passed_over      TEXT NOT NULL DEFAULT '[]',
    snoozed_until    INTEGER,
    -- In the queue since (NULL once assigned): the oldest is served first.
    waiting_since    INTEGER,
    prechat          TEXT NOT NULL DEFAULT '{}',
    escalated_to     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    merged_into      INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    first_reply_at   INTEGER,
    last_customer_at INTEGER,
    last_agent_at    INTEGER,
    resolved_at      INTEGER,
    -- When the SLA state next changes (warning or breach): one timer per conversation.
    sla_next_at      INTEGER,
    sla_state        TEXT NOT NULL DEFAULT 'none',
    csat_rating      INTEGER,
    csat_comment     TEXT
);
CREATE INDEX conversations_queue ON conversations(inbox_id, status, waiting_since);
CREATE INDEX conversations_assignee ON conversations(assignee_id, status);
CREATE INDEX conversations_contact ON conversations(contact_id, created_at);
CREATE INDEX conversations_sla ON conversations(sla_next_at);
CREATE INDEX conversations_snoozed ON conversations(snoozed_until);
CREATE INDEX conversations_offer ON conversations(offer_expires_at);

CREATE TABLE conversation_labels (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    label           TEXT NOT NULL,
    PRIMARY KEY (conversation_id, label)
);

-- Reporting events: created, handed_over, customer_message, agent_reply,
-- assigned, transferred, escalated, status changes, csat. Times in ms.
CREATE TABLE conversation_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    actor_id        INTEGER,
    at              INTEGER NOT NULL,
    data            TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX conversation_events_conv ON conversation_events(conversation_id, at);

CREATE TABLE canned_responses (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    shortcut      TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    owner_id      INTEGER REFERENCES users(id) ON DELETE CASCADE,
    department_id INTEGER REFERENCES departments(id) ON DELETE CASCADE,
    locale        TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX canned_shortcut ON canned_responses(shortcut);

CREATE TABLE macros (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    actions    TEXT NOT NULL,
    scope      TEXT NOT NULL,
    owner_id   INTEGER REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);

CREATE TABLE scheduled_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body            TEXT NOT NULL,
    internal        INTEGER NOT NULL DEFAULT 0,
    send_at         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    claimed_at      INTEGER
);
CREATE INDEX scheduled_due ON scheduled_messages(send_at);
