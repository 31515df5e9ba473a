-- Shared ban lists: rooms subscribe to a list; a room may exempt someone.
CREATE TABLE ban_lists (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_by  INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE TABLE ban_list_entries (
    list_id  INTEGER NOT NULL REFERENCES ban_lists(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason   TEXT NOT NULL DEFAULT '',
    added_by INTEGER,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (list_id, user_id)
);
CREATE TABLE ban_list_rooms (
    list_id INTEGER NOT NULL REFERENCES ban_lists(id) ON DELETE CASCADE,
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, room_id)
);
CREATE TABLE ban_list_exemptions (
    room_id  INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_by INTEGER,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
