-- Compliance export by person and erasure scan a person's messages.
CREATE INDEX messages_author ON messages(author_id, id);
