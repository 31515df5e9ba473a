-- Per-room rules (steward_core::rooms::RoomPolicy) as JSON; empty means the kind's defaults.
ALTER TABLE rooms ADD COLUMN policy TEXT NOT NULL DEFAULT '';
