-- Migration 2: where each server's feed was read up to, and when a sync last
-- succeeded. The cursor is written in the same transaction as the page it
-- follows, so a crash never skips or repeats a page.

CREATE TABLE sync_state (
    server        TEXT PRIMARY KEY,   -- the server's base URL
    cursor        INTEGER NOT NULL DEFAULT 0 CHECK (cursor >= 0),
    last_success  TEXT                -- RFC 3339, UTC
) STRICT;
