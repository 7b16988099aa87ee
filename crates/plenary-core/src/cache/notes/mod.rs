//! The user's annotations: highlights and notes on a version's text, kept in
//! the cache and carried onto every later revision of the same document in
//! the same language.
//!
//! Rules:
//! - A note is written in a committed transaction before any caller is told
//!   it was saved (`create_note` returns only after COMMIT).
//! - Nothing published can delete a note: annotations have no foreign key to
//!   the published tables, and deleting is a mark (`deleted_at`) that undo
//!   clears.
//! - A note is never silently misplaced: each placement on a revision has an
//!   outcome, and notes that could not be placed are listed as such.

pub mod export;
pub mod import;
pub mod locate;
pub mod place;
pub mod report;
pub mod share;

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Cache, Rendition};
use crate::InvalidInput;
use crate::error::{Error, Result};
use crate::model::{AgendaItemId, DocumentId, Language, MeetingId, VersionId};
use locate::{DocText, Span};
use place::{CONTEXT_CHARS, Source};

/// Highlight colours (a few, named so that the UI and exports agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteColor {
    Yellow,
    Green,
    Blue,
    Pink,
    Purple,
}

impl NoteColor {
    pub const ALL: [NoteColor; 5] = [
        NoteColor::Yellow,
        NoteColor::Green,
        NoteColor::Blue,
        NoteColor::Pink,
        NoteColor::Purple,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoteColor::Yellow => "yellow",
            NoteColor::Green => "green",
            NoteColor::Blue => "blue",
            NoteColor::Pink => "pink",
            NoteColor::Purple => "purple",
        }
    }

    fn parse(s: &str) -> NoteColor {
        NoteColor::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .unwrap_or(NoteColor::Yellow)
    }
}

/// What the user selected, as the reader saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// 1-based page the selection was made on, when the reader has pages.
    pub page: Option<u32>,
    pub exact: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub suffix: String,
}

/// A new note: where, and what the user wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNote {
    pub version_id: VersionId,
    pub selection: Selection,
    pub color: NoteColor,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A change to a note; `None` keeps the field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NoteEdit {
    pub color: Option<NoteColor>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// The selectors of a note on the version it was made on (W3C Web
/// Annotation: TextQuoteSelector, TextPositionSelector, the page, and the
/// numbered article or paragraph when the text has them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteTarget {
    pub exact: String,
    pub prefix: String,
    pub suffix: String,
    /// Code points in the rendition; `None` when the version has no text
    /// (the note then keeps the reader's quote and page only).
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub page: Option<u32>,
    /// "Article 5, paragraph 2", when the text is numbered.
    pub location: Option<String>,
}

/// How a note stands on a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The version the note was made on.
    Origin,
    /// Same text, same place.
    Unchanged,
    /// Same text, elsewhere.
    Moved,
    /// Placed on text that was reworded (old and new wording shown).
    Changed,
    /// A candidate was found, but not with enough confidence to place it.
    NeedsReview,
    /// Could not be placed: the text is gone.
    Orphaned,
    /// The user attached it to a new selection.
    Attached,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Origin => "origin",
            Outcome::Unchanged => "unchanged",
            Outcome::Moved => "moved",
            Outcome::Changed => "changed",
            Outcome::NeedsReview => "needs_review",
            Outcome::Orphaned => "orphaned",
            Outcome::Attached => "attached",
        }
    }

    fn parse(s: &str) -> Outcome {
        match s {
            "origin" => Outcome::Origin,
            "unchanged" => Outcome::Unchanged,
            "moved" => Outcome::Moved,
            "changed" => Outcome::Changed,
            "needs_review" => Outcome::NeedsReview,
            "attached" => Outcome::Attached,
            _ => Outcome::Orphaned,
        }
    }

    /// Whether the note has a place on the version (highlighted there).
    pub fn is_placed(self) -> bool {
        !matches!(self, Outcome::NeedsReview | Outcome::Orphaned)
    }
}

/// Where a note stands on one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    pub outcome: Outcome,
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub page: Option<u32>,
    /// The text at the place (for `changed`, the new wording).
    pub quote: Option<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    /// 0..1: how sure the placement is.
    pub score: f64,
    /// Why it was not placed, or what changed, in words.
    pub reason: Option<String>,
}

impl Placement {
    pub fn unplaced(outcome: Outcome, reason: impl Into<String>) -> Placement {
        Placement {
            outcome,
            start: None,
            end: None,
            page: None,
            quote: None,
            prefix: None,
            suffix: None,
            score: 0.0,
            reason: Some(reason.into()),
        }
    }

    /// A placement at `[start, end)` of `text`, with the text and context there.
    pub fn at(text: &DocText, start: usize, end: usize, outcome: Outcome) -> Placement {
        Placement {
            outcome,
            start: Some(start),
            end: Some(end),
            page: Some(text.page_of(start) as u32),
            quote: Some(text.slice(start, end).to_owned()),
            prefix: Some(
                text.slice(start.saturating_sub(CONTEXT_CHARS), start)
                    .to_owned(),
            ),
            suffix: Some(text.slice(end, end + CONTEXT_CHARS).to_owned()),
            score: 1.0,
            reason: None,
        }
    }
}

/// A note as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub meeting_id: MeetingId,
    pub document_id: DocumentId,
    pub language: Language,
    pub origin_version_id: VersionId,
    pub origin_revision: u32,
    pub author: String,
    pub color: NoteColor,
    pub body: String,
    pub tags: Vec<String>,
    pub target: NoteTarget,
    /// `None`: private.
    pub shared_with: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub deleted: bool,
    /// Local edit counter (sync's base version).
    pub edits: i64,
    /// The server's id of the author's token: `None` for a note written
    /// here and never shared. A teammate's note has theirs.
    pub author_id: Option<String>,
    /// Who wrote the newest revision the server has, if shared.
    pub editor: Option<String>,
    /// Shared, with changes (or the share itself) not yet on the server.
    pub share_pending: bool,
}

/// A note with its placement on the version being shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacedNote {
    pub note: Note,
    pub version_id: VersionId,
    pub placement: Placement,
}

/// The notes of one version: those placed on it and those that could not be.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionNotes {
    pub placed: Vec<PlacedNote>,
    pub unplaced: Vec<PlacedNote>,
}

/// Filters for the notes of a meeting (all `None`: every note).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NoteFilter {
    pub tag: Option<String>,
    pub color: Option<NoteColor>,
    pub author: Option<String>,
    pub agenda_item: Option<AgendaItemId>,
    pub document: Option<DocumentId>,
}

/// A note in a meeting's list: placed on the newest version of its document
/// in its language, with what the list shows about the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingNote {
    #[serde(flatten)]
    pub placed: PlacedNote,
    pub document_symbol: Option<String>,
    pub document_title: String,
    pub agenda_item_id: Option<AgendaItemId>,
    pub revision: u32,
    pub revision_label: String,
}

const SETTINGS_AUTHOR: &str = "note_author";
const MAX_BODY: usize = 100_000;
const MAX_TAGS: usize = 50;

/// SQL: the note has sharing changes the server does not have yet (an edit,
/// a share, an unshare). A macro so that [`NOTE_COLUMNS`] and
/// [`SHARE_PENDING`] are built from one text.
macro_rules! share_pending_sql {
    () => {
        "(shared_with IS NOT NULL AND (edits > synced_edits OR pushed_group IS NOT shared_with)) \
         OR (shared_with IS NULL AND pushed_group IS NOT NULL)"
    };
}

const SHARE_PENDING: &str = share_pending_sql!();

const NOTE_COLUMNS: &str = concat!(
    "id, meeting_id, document_id, language, origin_version_id, origin_revision, author, \
     color, body, tags, target, shared_with, created_at, updated_at, deleted_at, edits, author_id, editor, ",
    share_pending_sql!()
);

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn ts(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn parse_ts(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn new_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

fn clean_tags(tags: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().trim_start_matches('#').trim().to_owned();
        if t.is_empty() || out.contains(&t) {
            continue;
        }
        if t.chars().count() > 64 {
            return Err(InvalidInput::new("tag", "a tag is at most 64 characters").into());
        }
        out.push(t);
    }
    if out.len() > MAX_TAGS {
        return Err(InvalidInput::new("tags", format!("at most {MAX_TAGS} tags")).into());
    }
    Ok(out)
}

fn check_body(body: &str) -> Result<()> {
    if body.len() > MAX_BODY {
        return Err(InvalidInput::new("note", "a note is at most 100,000 bytes").into());
    }
    Ok(())
}

fn read_note(r: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    let json_err = |i: usize, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let parse_err = |i: usize, e: InvalidInput| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let language: String = r.get(3)?;
    Ok(Note {
        id: r.get(0)?,
        meeting_id: r
            .get::<_, String>(1)?
            .parse()
            .map_err(|e| parse_err(1, e))?,
        document_id: r
            .get::<_, String>(2)?
            .parse()
            .map_err(|e| parse_err(2, e))?,
        language: language.parse().map_err(|e| parse_err(3, e))?,
        origin_version_id: r
            .get::<_, String>(4)?
            .parse()
            .map_err(|e| parse_err(4, e))?,
        origin_revision: r.get(5)?,
        author: r.get(6)?,
        color: NoteColor::parse(&r.get::<_, String>(7)?),
        body: r.get(8)?,
        tags: serde_json::from_str(&r.get::<_, String>(9)?).map_err(|e| json_err(9, e))?,
        target: serde_json::from_str(&r.get::<_, String>(10)?).map_err(|e| json_err(10, e))?,
        shared_with: r.get(11)?,
        created_at: parse_ts(&r.get::<_, String>(12)?),
        updated_at: parse_ts(&r.get::<_, String>(13)?),
        deleted: r.get::<_, Option<String>>(14)?.is_some(),
        edits: r.get(15)?,
        author_id: r.get(16)?,
        editor: r.get(17)?,
        share_pending: r.get(18)?,
    })
}

fn read_placement(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Placement> {
    Ok(Placement {
        outcome: Outcome::parse(&r.get::<_, String>(at)?),
        start: r.get::<_, Option<i64>>(at + 1)?.map(|v| v as usize),
        end: r.get::<_, Option<i64>>(at + 2)?.map(|v| v as usize),
        page: r.get(at + 3)?,
        quote: r.get(at + 4)?,
        prefix: r.get(at + 5)?,
        suffix: r.get(at + 6)?,
        score: r.get(at + 7)?,
        reason: r.get(at + 8)?,
    })
}

const PLACEMENT_COLUMNS: &str =
    "outcome, start, \"end\", page, quote, prefix, suffix, score, reason";

impl Cache {
    /// The name notes are signed with: the saved one, else the system user.
    pub fn note_author(&self) -> Result<String> {
        let saved: Option<String> = self.setting(SETTINGS_AUTHOR)?;
        Ok(saved
            .filter(|s| !s.trim().is_empty())
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "Me".to_owned()))
    }

    pub fn set_note_author(&self, name: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(InvalidInput::new("author", "a name of 1 to 80 characters").into());
        }
        self.set_setting(SETTINGS_AUTHOR, &name.to_owned())
    }

    /// The version's text rendition as one text, if the cache has it.
    pub fn version_doc_text(&self, version: &VersionId) -> Result<Option<DocText>> {
        let v = self.version(version)?;
        Ok(match self.rendition(&v.sha256)? {
            Some(Rendition::Ok { pages, .. }) => Some(DocText::from_pages(&pages)),
            _ => None,
        })
    }

    /// Saves a new note on what the user selected. Returns after the
    /// transaction committed.
    pub fn create_note(&mut self, new: NewNote) -> Result<PlacedNote> {
        check_body(&new.body)?;
        let tags = clean_tags(new.tags)?;
        if new.selection.exact.trim().is_empty() {
            return Err(InvalidInput::new("selection", "select some text to annotate").into());
        }
        let version = self.version(&new.version_id)?;
        let meeting_id: String = self.conn.query_row(
            "SELECT meeting_id FROM documents WHERE id = ?1",
            [version.document_id.as_str()],
            |r| r.get(0),
        )?;
        let text = self.version_doc_text(&new.version_id)?;
        let sel = &new.selection;
        let (target, placement) = match text.as_ref().and_then(|t| {
            locate::locate(t, sel.page, &sel.exact, &sel.prefix, &sel.suffix).map(|s| (t, s))
        }) {
            Some((text, Span { start, end })) => {
                let p = Placement::at(text, start, end, Outcome::Origin);
                let target = NoteTarget {
                    exact: p.quote.clone().unwrap_or_default(),
                    prefix: p.prefix.clone().unwrap_or_default(),
                    suffix: p.suffix.clone().unwrap_or_default(),
                    start: Some(start),
                    end: Some(end),
                    page: p.page,
                    // "Article 5, paragraph 2", when the text is numbered.
                    location: crate::anchor::Structure::detect(text)
                        .locate(start)
                        .map(|l| l.label),
                };
                (target, p)
            }
            None => {
                // No text rendition (or the reader's text is not in it): the
                // note keeps what the reader saw, so it is never refused.
                let target = NoteTarget {
                    exact: sel.exact.clone(),
                    prefix: sel.prefix.clone(),
                    suffix: sel.suffix.clone(),
                    start: None,
                    end: None,
                    page: sel.page,
                    location: None,
                };
                let p = Placement {
                    outcome: Outcome::Origin,
                    start: None,
                    end: None,
                    page: sel.page,
                    quote: Some(sel.exact.clone()),
                    prefix: Some(sel.prefix.clone()),
                    suffix: Some(sel.suffix.clone()),
                    score: 1.0,
                    reason: Some(if text.is_some() {
                        "the selected text was not found in this version's extracted text".into()
                    } else {
                        "this version has no extracted text; the note keeps the quote and page"
                            .into()
                    }),
                };
                (target, p)
            }
        };
        let id = new_id();
        let author = self.note_author()?;
        let at = ts(now());
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO annotations (id, meeting_id, document_id, language, origin_version_id, \
             origin_revision, author, color, body, tags, target, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
            params![
                id,
                meeting_id,
                version.document_id.as_str(),
                version.language.code(),
                version.id.as_str(),
                version.revision,
                author,
                new.color.as_str(),
                new.body,
                serde_json::to_string(&tags).map_err(json_error)?,
                serde_json::to_string(&target).map_err(json_error)?,
                at,
            ],
        )?;
        insert_placement(&tx, &id, &version.id, version.revision, &placement)?;
        tx.commit()?;
        Ok(PlacedNote {
            note: self.note(&id)?,
            version_id: version.id,
            placement,
        })
    }

    /// One note (deleted ones too).
    pub fn note(&self, id: &str) -> Result<Note> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {NOTE_COLUMNS} FROM annotations WHERE id = ?1"
            ))?
            .query_row([id], read_note)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "note",
                id: id.to_owned(),
            })
    }

    /// Changes a note's colour, text or tags (committed before returning).
    pub fn update_note(&mut self, id: &str, edit: NoteEdit) -> Result<Note> {
        let mut note = self.note(id)?;
        if let Some(body) = edit.body {
            check_body(&body)?;
            note.body = body;
        }
        if let Some(tags) = edit.tags {
            note.tags = clean_tags(tags)?;
        }
        if let Some(color) = edit.color {
            note.color = color;
        }
        self.conn.execute(
            "UPDATE annotations SET body = ?2, tags = ?3, color = ?4, updated_at = ?5, edits = edits + 1 \
             WHERE id = ?1",
            params![
                id,
                note.body,
                serde_json::to_string(&note.tags).map_err(json_error)?,
                note.color.as_str(),
                ts(now())
            ],
        )?;
        self.note(id)
    }

    /// Deletes a note (it stays recoverable with [`Cache::restore_note`]).
    pub fn delete_note(&self, id: &str) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE annotations SET deleted_at = ?2, updated_at = ?2, edits = edits + 1 WHERE id = ?1",
            params![id, ts(now())],
        )?;
        if n == 0 {
            return Err(Error::NotFound {
                what: "note",
                id: id.to_owned(),
            });
        }
        Ok(())
    }

    /// Undoes a delete.
    pub fn restore_note(&self, id: &str) -> Result<Note> {
        self.conn.execute(
            "UPDATE annotations SET deleted_at = NULL, updated_at = ?2, edits = edits + 1 WHERE id = ?1",
            params![id, ts(now())],
        )?;
        self.note(id)
    }

    /// Puts a note that could not be placed (or was placed badly) on a new
    /// selection in `version`.
    pub fn attach_note(
        &mut self,
        id: &str,
        version_id: &VersionId,
        selection: &Selection,
    ) -> Result<PlacedNote> {
        let note = self.note(id)?;
        let version = self.version(version_id)?;
        if version.document_id != note.document_id || version.language != note.language {
            return Err(InvalidInput::new(
                "version",
                "a note can only be attached within its own document and language",
            )
            .into());
        }
        let text = self.version_doc_text(version_id)?;
        let span = text.as_ref().and_then(|t| {
            locate::locate(
                t,
                selection.page,
                &selection.exact,
                &selection.prefix,
                &selection.suffix,
            )
        });
        let placement = match (&text, span) {
            (Some(t), Some(s)) => Placement::at(t, s.start, s.end, Outcome::Attached),
            _ => Placement {
                outcome: Outcome::Attached,
                start: None,
                end: None,
                page: selection.page,
                quote: Some(selection.exact.clone()),
                prefix: Some(selection.prefix.clone()),
                suffix: Some(selection.suffix.clone()),
                score: 1.0,
                reason: None,
            },
        };
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM annotation_placements WHERE annotation_id = ?1 AND version_id = ?2",
            params![id, version_id.as_str()],
        )?;
        insert_placement(&tx, id, version_id, version.revision, &placement)?;
        tx.execute(
            "UPDATE annotations SET updated_at = ?2, edits = edits + 1 WHERE id = ?1",
            params![id, ts(now())],
        )?;
        tx.commit()?;
        Ok(PlacedNote {
            note: self.note(id)?,
            version_id: version_id.clone(),
            placement,
        })
    }

    /// The notes of a version's document and language, each placed on this
    /// version (placing, and remembering, those not placed on it yet).
    /// Notes made on later revisions are not shown on earlier ones.
    pub fn notes_for_version(&mut self, version_id: &VersionId) -> Result<VersionNotes> {
        let version = self.version(version_id)?;
        let notes: Vec<Note> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {NOTE_COLUMNS} FROM annotations WHERE document_id = ?1 AND language = ?2 \
                 AND deleted_at IS NULL AND origin_revision <= ?3 ORDER BY created_at, id"
            ))?
            .query_map(
                params![
                    version.document_id.as_str(),
                    version.language.code(),
                    version.revision
                ],
                read_note,
            )?
            .collect::<rusqlite::Result<_>>()?;
        let placements = self.place_notes(&notes, &version)?;
        let mut out = VersionNotes::default();
        for (note, placement) in notes.into_iter().zip(placements) {
            let placed = PlacedNote {
                note,
                version_id: version.id.clone(),
                placement,
            };
            if placed.placement.outcome.is_placed() {
                out.placed.push(placed);
            } else {
                out.unplaced.push(placed);
            }
        }
        out.placed
            .sort_by_key(|p| (p.placement.start.unwrap_or(usize::MAX), p.placement.page));
        Ok(out)
    }

    /// The placements of `notes` on `version`, computing and storing (in one
    /// transaction) those it does not have yet.
    fn place_notes(
        &mut self,
        notes: &[Note],
        version: &crate::model::Version,
    ) -> Result<Vec<Placement>> {
        let mut known: BTreeMap<String, Placement> = BTreeMap::new();
        {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT annotation_id, {PLACEMENT_COLUMNS} FROM annotation_placements WHERE version_id = ?1"
            ))?;
            let rows = stmt.query_map([version.id.as_str()], |r| {
                Ok((r.get::<_, String>(0)?, read_placement(r, 1)?))
            })?;
            for row in rows {
                let (id, p) = row?;
                known.insert(id, p);
            }
        }
        let missing: Vec<&Note> = notes
            .iter()
            .filter(|n| !known.contains_key(&n.id))
            .collect();
        if !missing.is_empty() {
            let text = self.version_doc_text(&version.id)?;
            // Folded and indexed once for all the notes placed on it.
            let reanchorer = text.as_ref().map(crate::anchor::Reanchorer::new);
            let mut fresh = Vec::new();
            for note in missing {
                let placement = match (&text, &reanchorer) {
                    (Some(text), Some(reanchorer)) => {
                        match self.source_for(note, version.revision)? {
                            Some(source) => place::place(&source, text, reanchorer),
                            None => Placement::unplaced(
                                Outcome::Orphaned,
                                "the note has no text to carry over",
                            ),
                        }
                    }
                    _ => Placement::unplaced(
                        Outcome::NeedsReview,
                        "this revision's text is not in the cache yet; the note will be placed when it arrives",
                    ),
                };
                fresh.push((note.id.clone(), placement));
            }
            // A placement waiting for text is not remembered: it is computed
            // again once the text arrives.
            let tx = self.conn.transaction()?;
            for (id, p) in &fresh {
                if text.is_some() {
                    insert_placement(&tx, id, &version.id, version.revision, p)?;
                }
            }
            tx.commit()?;
            known.extend(fresh);
        }
        Ok(notes
            .iter()
            .map(|n| known.remove(&n.id).expect("every note was placed above"))
            .collect())
    }

    /// The text a note stood on in the newest revision before `revision`
    /// where it had a place (so that a note follows rewordings revision by
    /// revision), else its origin selectors.
    fn source_for(&self, note: &Note, revision: u32) -> Result<Option<Source>> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {PLACEMENT_COLUMNS} FROM annotation_placements WHERE annotation_id = ?1 AND revision < ?2 \
                 AND outcome NOT IN ('needs_review', 'orphaned') AND quote IS NOT NULL \
                 ORDER BY revision DESC LIMIT 1"
            ))?
            .query_row(params![note.id, revision], |r| read_placement(r, 0))
            .optional()?;
        Ok(match row {
            Some(p) => Some(Source {
                quote: p.quote.unwrap_or_default(),
                prefix: p.prefix.unwrap_or_default(),
                suffix: p.suffix.unwrap_or_default(),
                start: p.start,
            }),
            None if !note.target.exact.is_empty() => Some(Source {
                quote: note.target.exact.clone(),
                prefix: note.target.prefix.clone(),
                suffix: note.target.suffix.clone(),
                start: note.target.start,
            }),
            None => None,
        })
    }

    /// Every note of a meeting, each on the newest version of its document in
    /// its language, filtered.
    pub fn notes_for_meeting(
        &mut self,
        meeting: &MeetingId,
        filter: &NoteFilter,
    ) -> Result<Vec<MeetingNote>> {
        let notes: Vec<Note> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {NOTE_COLUMNS} FROM annotations WHERE meeting_id = ?1 AND deleted_at IS NULL \
                 ORDER BY document_id, created_at, id"
            ))?
            .query_map([meeting.as_str()], read_note)?
            .collect::<rusqlite::Result<_>>()?;
        let mut by_doc: BTreeMap<(DocumentId, Language), Vec<Note>> = BTreeMap::new();
        for n in notes {
            if filter.tag.as_ref().is_some_and(|t| !n.tags.contains(t))
                || filter.color.is_some_and(|c| c != n.color)
                || filter.author.as_ref().is_some_and(|a| a != &n.author)
                || filter
                    .document
                    .as_ref()
                    .is_some_and(|d| d != &n.document_id)
            {
                continue;
            }
            by_doc
                .entry((n.document_id.clone(), n.language))
                .or_default()
                .push(n);
        }
        let mut out = Vec::new();
        for ((doc_id, language), notes) in by_doc {
            // A document withdrawn since keeps its notes: listed on the
            // version they were made on when no version remains.
            let detail = self.document(&doc_id).ok();
            if let Some(agenda) = &filter.agenda_item
                && detail
                    .as_ref()
                    .and_then(|d| d.agenda_item.as_ref())
                    .map(|a| &a.id)
                    != Some(agenda)
            {
                continue;
            }
            let newest = detail.as_ref().and_then(|d| {
                d.versions
                    .iter()
                    .filter(|v| v.version.language == language)
                    .max_by_key(|v| v.version.revision)
                    .map(|v| v.version.clone())
            });
            let (symbol, title, agenda_item_id) = match &detail {
                Some(d) => (
                    d.document.symbol.as_ref().map(|s| s.to_string()),
                    d.document.title.clone(),
                    d.agenda_item.as_ref().map(|a| a.id.clone()),
                ),
                None => (None, doc_id.to_string(), None),
            };
            let Some(newest) = newest else { continue };
            let version = newest;
            let placements = self.place_notes(&notes, &version)?;
            for (note, placement) in notes.into_iter().zip(placements) {
                out.push(MeetingNote {
                    placed: PlacedNote {
                        note,
                        version_id: version.id.clone(),
                        placement,
                    },
                    document_symbol: symbol.clone(),
                    document_title: title.clone(),
                    agenda_item_id: agenda_item_id.clone(),
                    revision: version.revision,
                    revision_label: version.label.clone(),
                });
            }
        }
        Ok(out)
    }

    /// The tags and authors used in a meeting's notes (for filter menus).
    pub fn note_facets(&self, meeting: &MeetingId) -> Result<(Vec<String>, Vec<String>)> {
        let mut tags = std::collections::BTreeSet::new();
        let mut authors = std::collections::BTreeSet::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT tags, author FROM annotations WHERE meeting_id = ?1 AND deleted_at IS NULL",
        )?;
        for row in stmt.query_map([meeting.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (t, a) = row?;
            tags.extend(serde_json::from_str::<Vec<String>>(&t).unwrap_or_default());
            authors.insert(a);
        }
        Ok((tags.into_iter().collect(), authors.into_iter().collect()))
    }
}

fn insert_placement(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    version: &VersionId,
    revision: u32,
    p: &Placement,
) -> Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO annotation_placements (annotation_id, version_id, revision, outcome, start, \"end\", \
         page, quote, prefix, suffix, score, reason, placed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            id,
            version.as_str(),
            revision,
            p.outcome.as_str(),
            p.start.map(|v| v as i64),
            p.end.map(|v| v as i64),
            p.page,
            p.quote,
            p.prefix,
            p.suffix,
            p.score,
            p.reason,
            ts(now()),
        ],
    )?;
    Ok(())
}

fn json_error(e: serde_json::Error) -> Error {
    Error::from(InvalidInput::new("note", e.to_string()))
}
