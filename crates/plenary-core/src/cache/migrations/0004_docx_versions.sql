-- Word documents (.docx) can be published as versions: widen the media type
-- check. SQLite cannot alter a CHECK, so the table is rebuilt (nothing
-- references `versions` by foreign key; its rows are copied unchanged).
CREATE TABLE versions_0004 (
    id           TEXT PRIMARY KEY,
    document_id  TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    language     TEXT NOT NULL CHECK (language IN ('ar','en','es','fr','ru','zh')),
    revision     INTEGER NOT NULL CHECK (revision >= 0),
    label        TEXT NOT NULL,
    published_at TEXT NOT NULL,    -- RFC 3339, UTC
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    size         INTEGER NOT NULL CHECK (size >= 0),
    media_type   TEXT NOT NULL CHECK (media_type IN (
                     'application/pdf', 'text/html', 'text/plain',
                     'application/vnd.openxmlformats-officedocument.wordprocessingml.document')),
    file_name    TEXT NOT NULL,
    UNIQUE (document_id, language, revision)
) STRICT;
INSERT INTO versions_0004 SELECT * FROM versions;
DROP TABLE versions;
ALTER TABLE versions_0004 RENAME TO versions;
CREATE INDEX versions_by_sha256 ON versions(sha256);
