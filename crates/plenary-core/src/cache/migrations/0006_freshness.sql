-- Migration 6: what is new for the user. Each batch of records applied to
-- the cache gets a local arrival number (1, 2, ...); a version remembers the
-- batch that brought it (or changed its file). The user's reading state is
-- kept as arrival numbers too, so "new since you last looked" never depends
-- on the server's clock or the laptop's.

ALTER TABLE versions ADD COLUMN arrived INTEGER NOT NULL DEFAULT 0;
CREATE INDEX versions_by_arrival ON versions(arrived);

-- The arrival number when the user first opened the meeting: documents that
-- arrived later are "new", those that changed later "updated".
CREATE TABLE meeting_baselines (
    meeting_id TEXT PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
    baseline   INTEGER NOT NULL CHECK (baseline >= 0)
) STRICT;

-- The arrival number when the user last opened (or marked read) a document.
CREATE TABLE document_reads (
    document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    seen        INTEGER NOT NULL CHECK (seen >= 0)
) STRICT;
