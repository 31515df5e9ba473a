-- Custom roles: named permission sets an admin defines and gives to people
-- on top of their system role.
CREATE TABLE custom_roles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    permissions TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE TABLE user_custom_roles (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES custom_roles(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_custom_roles_role ON user_custom_roles(role_id);
-- The union of a person's custom roles, kept up to date in the transaction
-- that changes a role or its holders, so reading a user needs no join.
ALTER TABLE users ADD COLUMN extra_permissions TEXT NOT NULL DEFAULT '';
