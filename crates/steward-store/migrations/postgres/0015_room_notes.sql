-- Room notes (docs/FAQ.md, "Group rooms"): `/save rules …`, then `#rules`
-- posts the text. Names are lower case; the server validates them.
CREATE TABLE room_notes (
    room_id    BIGINT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, name)
);
