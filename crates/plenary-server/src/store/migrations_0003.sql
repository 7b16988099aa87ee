-- Server migration 3: a picture of each PDF's first page, made at
-- publication (extract::pdf_preview) and sent with the file's text, so that
-- readers show page 1 at once while the PDF itself loads.
-- Append-only: never edit once released; add a new file.
CREATE TABLE previews (
    sha256    TEXT PRIMARY KEY REFERENCES files(sha256),
    status    TEXT NOT NULL CHECK (status IN ('ok', 'unavailable')),
    width_pt  REAL,    -- page 1 as displayed, in points, when status = 'ok'
    height_pt REAL,
    png       BLOB,
    reason    TEXT,    -- why there is none, when status = 'unavailable'
    CHECK ((status = 'ok') = (png IS NOT NULL))
) STRICT;
