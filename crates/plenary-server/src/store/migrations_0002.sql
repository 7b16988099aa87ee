-- Server migration 2: groups, and the notes their members share.
-- Append-only: never edit once released; add a new file.

-- A delegation, an NGO coalition: token holders who see each other's notes.
CREATE TABLE groups (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    token_id TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, token_id)
) STRICT;
CREATE INDEX group_members_by_token ON group_members(token_id);

-- The newest revision of each shared note. Every write takes the next
-- `seq` (the notes feed compacts itself, as the change feed does); a note
-- withdrawn from its group keeps its row, marked deleted, so members'
-- copies are removed too.
CREATE TABLE shared_notes (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL REFERENCES groups(id),
    meeting_id TEXT NOT NULL,
    rev        INTEGER NOT NULL,
    seq        INTEGER NOT NULL UNIQUE,
    note       TEXT NOT NULL              -- the SharedNote as JSON
) STRICT;
CREATE INDEX shared_notes_by_group ON shared_notes(group_id, seq);

-- Every revision ever accepted, kept: what a member wrote is never lost on
-- the server, even when a later write replaced it.
CREATE TABLE shared_note_history (
    id         TEXT NOT NULL,
    rev        INTEGER NOT NULL,
    token_id   TEXT NOT NULL,
    note       TEXT NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (id, rev)
) STRICT;
