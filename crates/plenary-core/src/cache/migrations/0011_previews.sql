-- Migration 11: a picture of each PDF's first page, from the server with
-- the file's text. The reader shows it in page 1's place while pdf.js gets
-- ready to draw the page itself (ARCHITECTURE.md, the reader).
--
-- Derived from the file like its text: it goes when the text goes
-- (free_space and clear_files delete renditions), by the foreign key.
CREATE TABLE previews (
    sha256    TEXT PRIMARY KEY REFERENCES renditions(sha256) ON DELETE CASCADE,
    width_pt  REAL NOT NULL CHECK (width_pt > 0),   -- page 1 as displayed, in points
    height_pt REAL NOT NULL CHECK (height_pt > 0),
    png       BLOB NOT NULL
) STRICT;
