-- Server migration 1. Append-only: never edit once released; add a new file.

-- The current state of every published entity, and its place in the change
-- feed. Every change takes the next `seq`, so an entity appears in the feed
-- once, at its latest change (the feed compacts itself). A deleted entity
-- keeps its row with `record` NULL: the tombstone clients must see.
CREATE TABLE entities (
    kind       TEXT NOT NULL CHECK (kind IN ('meeting','agenda_item','document','version','statement')),
    id         TEXT NOT NULL,
    seq        INTEGER NOT NULL UNIQUE,
    meeting_id TEXT NOT NULL,          -- for access control; a meeting's own id for meetings
    record     TEXT,                   -- the Record as JSON; NULL once deleted
    changed_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT;
CREATE INDEX entities_by_meeting ON entities(meeting_id);

-- Meetings visible only to named token holders (and staff).
CREATE TABLE restricted_meetings (
    meeting_id TEXT PRIMARY KEY
) STRICT;
CREATE TABLE meeting_members (
    meeting_id TEXT NOT NULL,
    token_id   TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
    PRIMARY KEY (meeting_id, token_id)
) STRICT;

-- Bearer tokens, stored only as SHA-256 hashes of the secret.
CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    role       TEXT NOT NULL CHECK (role IN ('reader','annotator','staff','admin')),
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
) STRICT;

-- Files received, by hash.
CREATE TABLE files (
    sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    size       INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- Text extracted from each file, page by page, or why there is none.
CREATE TABLE renditions (
    sha256    TEXT PRIMARY KEY REFERENCES files(sha256),
    status    TEXT NOT NULL CHECK (status IN ('ok','unavailable')),
    extractor TEXT NOT NULL,
    reason    TEXT,
    pages     TEXT                     -- JSON array of strings when status = 'ok'
) STRICT;

-- Which versions refer to a file: to check that a reader may download it.
CREATE INDEX entities_by_sha256 ON entities(json_extract(record, '$.sha256'))
    WHERE kind = 'version';
