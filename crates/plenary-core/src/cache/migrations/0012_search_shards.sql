-- Migration 12: the FTS5 index moves out of this database into shard files
-- (src/search/shards.rs), which two threads write at once.
--
-- SQLite lets one connection write a database file at a time, and building
-- FTS5's index is most of the work of storing a text (one core busy, the
-- other idle). The shards are separate files, each written by its own
-- connection, on its own thread. This database keeps `search_files` (which
-- files are indexed, under which id, with their page sketches); a file's
-- entry is in shard `id % 2`.
--
-- Ids are never reused (AUTOINCREMENT here, and new ids start above every
-- id a shard holds): a shard may hold the entry of a file deleted here, or
-- of a write this database refused, and a reused id would give a new file
-- that entry's words. Deleted ids wait in `search_stale` for the next write
-- to remove their entries from the shards.
--
-- The old table and its rows go; opening the cache indexes every rendition
-- again, into the shards (src/search/index.rs, `catch_up`). The triggers of
-- migration 5 on renditions and rendition_pages stay: they name
-- search_files, which is created again below.

DROP TRIGGER search_files_deleted;
DROP TABLE search_index;
DROP TABLE search_files;

CREATE TABLE search_files (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,  -- the rowid in the shard's search_index
    sha256 TEXT NOT NULL UNIQUE REFERENCES renditions(sha256) ON DELETE CASCADE,
    sketch BLOB NOT NULL                        -- per-page Bloom filters (src/search/sketch.rs)
) STRICT;

CREATE TABLE search_stale (
    id INTEGER PRIMARY KEY  -- a search_files id deleted here, maybe still in its shard
) STRICT;

CREATE TRIGGER search_files_deleted AFTER DELETE ON search_files BEGIN
    INSERT OR IGNORE INTO search_stale (id) VALUES (old.id);
END;
