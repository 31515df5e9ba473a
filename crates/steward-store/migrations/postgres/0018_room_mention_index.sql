-- @room / @all messages by room and seq, so a member's mention count never walks
-- every unread message of a big channel (rooms.rs, count_unread).
CREATE INDEX messages_room_mentions ON messages(room_id, seq) WHERE mentions_room;
