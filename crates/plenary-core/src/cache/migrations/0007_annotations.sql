-- Migration 7: the user's annotations (highlights and notes).
--
-- An annotation is the user's own data, not a copy of something published:
-- nothing that sync applies may delete it. So it has no foreign key to the
-- published tables (a withdrawn version or a tombstoned document must not
-- cascade into someone's notes); it names the version it was made on and
-- keeps the selectors that find its text again.

CREATE TABLE annotations (
    id                TEXT PRIMARY KEY,
    meeting_id        TEXT NOT NULL,
    document_id       TEXT NOT NULL,
    language          TEXT NOT NULL,
    -- The version the user selected the text in, and its revision number.
    origin_version_id TEXT NOT NULL,
    origin_revision   INTEGER NOT NULL,
    author            TEXT NOT NULL,
    color             TEXT NOT NULL,
    body              TEXT NOT NULL DEFAULT '',
    -- JSON array of strings.
    tags              TEXT NOT NULL DEFAULT '[]',
    -- JSON: the W3C selectors on the origin version (quote with prefix and
    -- suffix, position in its text rendition, page, article/paragraph).
    target            TEXT NOT NULL,
    -- NULL: private. Otherwise the group it is shared with.
    shared_with       TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    -- Set when deleted; cleared by undo. Deleted notes are kept (a trash).
    deleted_at        TEXT,
    -- Local edit counter: every change increments it.
    edits             INTEGER NOT NULL DEFAULT 1,
    -- Sharing: the value of `edits` last pushed to the server (a shared note
    -- with edits > synced_edits has changes to push), and the server's
    -- version of the note that those edits were based on.
    synced_edits      INTEGER NOT NULL DEFAULT 0,
    server_version    INTEGER
) STRICT;

CREATE INDEX annotations_by_document ON annotations(document_id, language);
CREATE INDEX annotations_by_meeting ON annotations(meeting_id);

-- Where an annotation stands in each version of its document and language:
-- on the origin version, where the user put it; on later revisions, where
-- re-anchoring (or the user, by attaching it) placed it.
CREATE TABLE annotation_placements (
    annotation_id TEXT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
    version_id    TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    -- origin | unchanged | moved | changed | needs_review | orphaned | attached
    outcome       TEXT NOT NULL,
    -- Code points in the version's text rendition (pages joined by U+000C).
    start         INTEGER,
    "end"         INTEGER,
    page          INTEGER,
    quote         TEXT,
    prefix        TEXT,
    suffix        TEXT,
    score         REAL NOT NULL,
    reason        TEXT,
    placed_at     TEXT NOT NULL,
    PRIMARY KEY (annotation_id, version_id)
) STRICT;

CREATE INDEX annotation_placements_by_version ON annotation_placements(version_id);
