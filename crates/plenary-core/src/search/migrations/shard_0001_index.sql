-- Shard migration 1: one part of the full-text index (see src/search/shards.rs).
--
-- The same FTS5 table the cache database held until its migration 12:
-- contentless (the text lives in the cache's rendition_pages), with
-- `contentless_delete` so a row can be deleted by rowid, FTS5's cheap
-- `ascii` tokenizer over tokens normalised in Rust (src/search/normalize.rs),
-- and `detail=full` for phrases. The rowid is the file's `search_files.id`
-- in the cache database.
CREATE VIRTUAL TABLE search_index USING fts5(
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii',
    detail = full
);

-- Index data waits in memory until the transaction commits (up to 64 MB)
-- rather than being flushed every 1 MB (the default): each flush sorts every
-- term it holds, and fewer, larger flushes mean fewer segments to merge.
INSERT INTO search_index (search_index, rank) VALUES ('hashsize', 67108864);
-- Merge segments 16 at a time rather than 4: each entry is rewritten fewer
-- times while a large cache is indexed (cache migration 10 measured it).
INSERT INTO search_index (search_index, rank) VALUES ('automerge', 16);

-- The rowids this shard holds, written in the same transaction as their
-- entries: what reconciling with the cache database compares (a
-- contentless FTS5 table cannot list its rows).
CREATE TABLE indexed (id INTEGER PRIMARY KEY) STRICT;
