-- Migration 3: text renditions of downloaded files, and the user's settings.
--
-- A rendition is the text the server extracted from a file at publication,
-- page by page. One row per file (by SHA-256) says whether text exists; its
-- pages live one row each in rendition_pages, ready for a full-text index.
-- A file whose text is "not yet" extracted has no row: the next sync asks again.

CREATE TABLE renditions (
    sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    status     TEXT NOT NULL CHECK (status IN ('ok', 'unavailable')),
    extractor  TEXT NOT NULL,
    reason     TEXT,              -- why no text, when status = 'unavailable'
    fetched_at TEXT NOT NULL      -- RFC 3339, UTC
) STRICT;

CREATE TABLE rendition_pages (
    sha256 TEXT NOT NULL REFERENCES renditions(sha256) ON DELETE CASCADE,
    page   INTEGER NOT NULL CHECK (page >= 1),
    text   TEXT NOT NULL,
    PRIMARY KEY (sha256, page)
) STRICT;

-- The user's choices (what to keep offline, ...): one JSON value per key.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
