-- Users, memberships and organizations carry a version, incremented by every update: a
-- read-modify-write (a map merge) only writes when the version it read is still current.
-- SQLite's single writer never finds it changed; the store shares its write path with
-- PostgreSQL, whose schema has had the column from the start.
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE memberships ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE organizations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
