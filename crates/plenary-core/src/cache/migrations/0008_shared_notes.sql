-- Migration 8: notes shared with a group through the server.
--
-- A shared note is still the user's row in `annotations`; sharing adds what
-- sync needs to push it, take in teammates' copies and merge both edits.

-- The server's id of the author's token (NULL: written on this computer
-- and not shared yet), and who wrote the newest revision the server has.
ALTER TABLE annotations ADD COLUMN author_id TEXT;
ALTER TABLE annotations ADD COLUMN editor TEXT;
-- JSON {color, body, tags, deleted}: the content this computer and the
-- server last agreed on, the base of the three-way merge when both changed.
ALTER TABLE annotations ADD COLUMN base TEXT;
-- The group the server holds this note in (NULL: none). Differs from
-- `shared_with` while a share, unshare or move is still to be pushed.
ALTER TABLE annotations ADD COLUMN pushed_group TEXT;

CREATE INDEX annotations_shared ON annotations(shared_with) WHERE shared_with IS NOT NULL OR pushed_group IS NOT NULL;

-- The groups this computer's token belongs to, as the server last said.
CREATE TABLE note_groups (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    -- JSON array of {id, name}: the members.
    members TEXT NOT NULL
) STRICT;
