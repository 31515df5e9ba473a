-- Invite links: a token (only its hash kept) that lets people sign up with a
-- role, into chosen rooms, a limited number of times, until it expires.
CREATE TABLE invites (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL,
    rooms       TEXT NOT NULL DEFAULT '',
    max_uses    INTEGER NOT NULL,
    uses        INTEGER NOT NULL DEFAULT 0,
    expires_at  INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
-- Who came in through which invite (attribution).
ALTER TABLE users ADD COLUMN invite_id INTEGER;
