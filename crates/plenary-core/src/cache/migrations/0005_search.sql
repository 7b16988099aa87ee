-- Migration 5: the full-text index over the text renditions.
--
-- One FTS5 row per file with text (not per page): ranking touches one row per
-- file, and the page of a hit is found in Rust for the few hits shown, on the
-- pages its sketch (a Bloom filter per page) lets through. The
-- text is normalised in Rust (src/search/normalize.rs) into space-separated
-- folded tokens, so FTS5's cheap `ascii` tokenizer suffices (it keeps every
-- non-ASCII byte inside a token). Contentless: the text already lives in
-- rendition_pages; `contentless_delete` lets a row be deleted by rowid.
-- `detail=full` keeps positions, which phrases need.
--
-- Invariant: search_files holds exactly the renditions with status 'ok', and
-- search_index exactly one row per search_files row. Rows are added by the
-- Rust code that stores a rendition (or, for renditions stored before this
-- migration, when the cache is opened); the foreign key and the triggers
-- below remove them whatever deletes or changes a rendition.

CREATE TABLE search_files (
    id     INTEGER PRIMARY KEY,  -- the rowid in search_index
    sha256 TEXT NOT NULL UNIQUE REFERENCES renditions(sha256) ON DELETE CASCADE,
    sketch BLOB NOT NULL         -- per-page Bloom filters (src/search/sketch.rs)
) STRICT;

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

CREATE TRIGGER search_files_deleted AFTER DELETE ON search_files BEGIN
    DELETE FROM search_index WHERE rowid = old.id;
END;

-- A rendition that stops having text, or whose pages change, is no longer
-- what was indexed: its entry goes (and is rebuilt by whoever changed it, or
-- at the next open).
CREATE TRIGGER search_rendition_changed AFTER UPDATE ON renditions BEGIN
    DELETE FROM search_files WHERE sha256 IN (old.sha256, new.sha256);
END;
CREATE TRIGGER search_pages_inserted AFTER INSERT ON rendition_pages BEGIN
    DELETE FROM search_files WHERE sha256 = new.sha256;
END;
CREATE TRIGGER search_pages_updated AFTER UPDATE ON rendition_pages BEGIN
    DELETE FROM search_files WHERE sha256 IN (old.sha256, new.sha256);
END;
CREATE TRIGGER search_pages_deleted AFTER DELETE ON rendition_pages BEGIN
    DELETE FROM search_files WHERE sha256 = old.sha256;
END;
