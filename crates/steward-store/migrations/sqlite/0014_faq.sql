-- The FAQ bot's knowledge base (docs/FAQ.md): entries per topic and
-- language, and the questions it could not answer, with counts.
CREATE TABLE faq_entries (
    id         TEXT NOT NULL,
    lang       TEXT NOT NULL,
    category   TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'published',
    questions  TEXT NOT NULL,
    answer     TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (id, lang)
);

CREATE TABLE faq_unanswered (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The question folded for grouping (lower case, single spaces).
    normalized TEXT NOT NULL,
    lang       TEXT NOT NULL,
    sample     TEXT NOT NULL,
    count      INTEGER NOT NULL DEFAULT 1,
    first_at   INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,
    -- Set when an admin turned it into an entry (or dismissed it: '-').
    entry_id   TEXT,
    UNIQUE (normalized, lang)
);
CREATE INDEX faq_unanswered_open ON faq_unanswered(entry_id, count);
