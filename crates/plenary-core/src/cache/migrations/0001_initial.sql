-- Migration 1: the published meeting data (what the server's feed delivers).
-- Append-only: never edit this file once released; add 0002_*.sql instead.

CREATE TABLE meetings (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    venue         TEXT NOT NULL,
    city          TEXT NOT NULL,
    starts_on     TEXT NOT NULL,   -- YYYY-MM-DD
    ends_on       TEXT NOT NULL,
    symbol_prefix TEXT,
    CHECK (ends_on >= starts_on)
) STRICT;

CREATE TABLE agenda_items (
    id         TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    number     TEXT NOT NULL,
    title      TEXT NOT NULL,
    position   INTEGER NOT NULL
) STRICT;
CREATE INDEX agenda_items_by_meeting ON agenda_items(meeting_id, position);

CREATE TABLE documents (
    id             TEXT PRIMARY KEY,
    meeting_id     TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    symbol         TEXT,
    title          TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN
                   ('agenda','working_paper','draft','report','statement','information','press')),
    agenda_item_id TEXT REFERENCES agenda_items(id) ON DELETE SET NULL
) STRICT;
CREATE INDEX documents_by_meeting ON documents(meeting_id, kind);
CREATE INDEX documents_by_agenda_item ON documents(agenda_item_id);

CREATE TABLE versions (
    id           TEXT PRIMARY KEY,
    document_id  TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    language     TEXT NOT NULL CHECK (language IN ('ar','en','es','fr','ru','zh')),
    revision     INTEGER NOT NULL CHECK (revision >= 0),
    label        TEXT NOT NULL,
    published_at TEXT NOT NULL,    -- RFC 3339, UTC
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    size         INTEGER NOT NULL CHECK (size >= 0),
    media_type   TEXT NOT NULL CHECK (media_type IN ('application/pdf','text/html','text/plain')),
    file_name    TEXT NOT NULL,
    UNIQUE (document_id, language, revision)
) STRICT;
CREATE INDEX versions_by_sha256 ON versions(sha256);

CREATE TABLE statements (
    id             TEXT PRIMARY KEY,
    meeting_id     TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    agenda_item_id TEXT REFERENCES agenda_items(id) ON DELETE SET NULL,
    delegation     TEXT NOT NULL,
    speaker        TEXT,
    on_behalf_of   TEXT,
    delivered_on   TEXT NOT NULL,
    document_id    TEXT REFERENCES documents(id) ON DELETE SET NULL
) STRICT;
CREATE INDEX statements_by_meeting ON statements(meeting_id, delivered_on);
