-- Migration 9: Han and kana are indexed one character per token.
--
-- Until now a run of Han or kana characters was indexed as its overlapping
-- pairs plus its last character; it is now one token per character (see
-- src/search/normalize.rs), and a query's run is a phrase of its
-- characters. The index entries of the files whose text holds such a
-- character are out of date: their search_files rows go (migration 5's
-- trigger removes their FTS5 rows), and opening the cache indexes them again
-- (the renditions the index lacks), in Rust. Other files keep their entries.
-- The ranges are those of `is_han` in normalize.rs.

DELETE FROM search_files WHERE sha256 IN (
    SELECT DISTINCT sha256 FROM rendition_pages
    WHERE text GLOB '*[' || char(0x3005) || '-' || char(0x3007)
                         || char(0x3040) || '-' || char(0x30FF)
                         || char(0x31F0) || '-' || char(0x31FF)
                         || char(0x3400) || '-' || char(0x4DBF)
                         || char(0x4E00) || '-' || char(0x9FFF)
                         || char(0xF900) || '-' || char(0xFAFF)
                         || char(0x20000) || '-' || char(0x3FFFF) || ']*'
);
