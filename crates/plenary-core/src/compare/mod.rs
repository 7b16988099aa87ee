//! Comparing two versions of a document in the same language, from their
//! text renditions: what was inserted, deleted, replaced and moved, word by
//! word (character by character in Chinese and Japanese), located by article
//! or paragraph number, else by page.
//!
//! The pipeline, one file per step: `clean.rs` (page furniture, wrapped
//! lines, hyphenation, whitespace), `tokens.rs` (words, ideographs,
//! punctuation), `diff.rs` (paragraphs aligned first, then words within the
//! paragraphs that differ), `moves.rs` (a paragraph deleted here and
//! inserted there is a move), `structure.rs` (where a change is),
//! `summary.rs` (counts), `html.rs` (a standalone, printable export).
//!
//! The result, [`Comparison`], is all a reader needs to draw the comparison
//! side by side or inline without the texts: `rows` cover both documents in
//! order (equal paragraphs once, changed ones with their words), `changes`
//! are the numbered changes (next/previous), each pointing at its row.

mod clean;
mod diff;
pub mod html;
mod moves;
mod notes;
mod structure;
mod summary;
mod tokens;

use std::ops::Range;
use std::time::Duration;

use serde::Serialize;

use crate::cache::{Cache, Rendition};
use crate::error::{InvalidInput, Result};
use crate::model::{DocumentId, Language, VersionId};

pub use clean::{
    FURNITURE_EDGE_LINES, FURNITURE_MIN_PAGES, FURNITURE_MIN_SHARE, PAGE_BREAK, WRAPPED_MAX_LINE,
};
pub use moves::{MIN_MOVE_WORDS, MOVE_SIMILARITY};
pub use notes::{NoteRange, NotedChange, VersionComparison};
pub use structure::Location;
pub use summary::{LocationCount, Summary};

/// Changes separated by at most this many unchanged tokens, in the same
/// paragraph, are shown as one ("[-a b c-]{+x b y+}" rather than two).
pub const MERGE_GAP_TOKENS: usize = 1;

/// How to compare.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Drop running headers and footers, page numbers, job numbers.
    pub remove_furniture: bool,
    /// The word comparison of one changed stretch gives up refining after
    /// this long and reports the rest coarsely (a rewritten document).
    pub deadline: Option<Duration>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            remove_furniture: true,
            deadline: Some(Duration::from_secs(2)),
        }
    }
}

/// Two versions compared.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub summary: Summary,
    pub old: VersionText,
    pub new: VersionText,
    /// In reading order (of the new version); `id` is the index.
    pub changes: Vec<Change>,
    /// Both documents, in order, aligned for a side-by-side view.
    pub rows: Vec<Row>,
}

/// About one side's cleaned text.
#[derive(Debug, Clone, Serialize)]
pub struct VersionText {
    pub pages: u32,
    /// Characters of the cleaned text (the `start`/`end` coordinates).
    pub chars: u32,
    pub paragraphs: u32,
    /// Lines dropped as page furniture (headers, footers, page numbers).
    pub furniture_lines: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Insert,
    Delete,
    Replace,
    Move,
}

/// Which version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    Old,
    New,
}

/// One change.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: u32,
    pub kind: ChangeKind,
    /// The row that shows it (for a move: where the text is now).
    pub row: u32,
    /// For a move: the row where the text was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_row: Option<u32>,
    /// For a move: how alike the two places' text is (1 = unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
    /// What it was (empty text, `start == end`, for an insertion: where).
    pub old: Side,
    /// What it is (empty for a deletion: where it was).
    pub new: Side,
    /// The change word by word (deleted, inserted, and for a merged or moved
    /// change the unchanged words inside it), whitespace included.
    pub words: Vec<Word>,
    /// A replacement of a numbered paragraph's number and nothing else
    /// ("[-5-]{+4+}" because a paragraph before it was added or removed):
    /// renumbering, which a reader wants counted apart and can skip.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub renumbering: bool,
}

impl Change {
    /// Is this a replacement of the paragraph's number alone: one number
    /// deleted, one inserted, each the number of its side's paragraph?
    pub fn is_renumbering(&self) -> bool {
        fn number(text: &str) -> Option<&str> {
            let n = text.trim().trim_end_matches(['.', ')']);
            (!n.is_empty() && n.chars().all(char::is_numeric)).then_some(n)
        }
        if self.kind != ChangeKind::Replace
            || self
                .words
                .iter()
                .any(|w| w.op == WordOp::Equal && !w.text.trim().is_empty())
        {
            return false;
        }
        let joined = |op: WordOp| -> String {
            self.words
                .iter()
                .filter(|w| w.op == op)
                .map(|w| w.text.as_str())
                .collect()
        };
        let (old, new) = (joined(WordOp::Delete), joined(WordOp::Insert));
        match (number(&old), number(&new)) {
            (Some(o), Some(n)) => {
                o != n
                    && self
                        .old
                        .location
                        .paragraph
                        .as_deref()
                        .map(|p| p.trim_end_matches(['.', ')']))
                        == Some(o)
                    && self
                        .new
                        .location
                        .paragraph
                        .as_deref()
                        .map(|p| p.trim_end_matches(['.', ')']))
                        == Some(n)
            }
            _ => false,
        }
    }
}

/// One version's part of a change.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub text: String,
    /// Character range in this version's cleaned text.
    pub start: u32,
    pub end: u32,
    /// Character range in the rendition (pages joined with U+000C), the
    /// coordinates notes are anchored in.
    pub rendition_start: u32,
    pub rendition_end: u32,
    pub page: u32,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WordOp {
    Equal,
    Insert,
    Delete,
}

/// A run of words with the same fate. Concatenating a row's `equal` and
/// `delete` words gives the old paragraph(s), `equal` and `insert` the new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    pub op: WordOp,
    pub text: String,
    /// The change it belongs to (in rows only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// The same paragraph in both.
    Equal,
    /// Paragraph(s) with insertions, deletions or replacements.
    Changed,
    /// Where moved text was (old side only; `words` is one `delete`).
    MovedFrom,
    /// Where moved text is now (new side only; `words` show inner edits).
    MovedTo,
}

/// A line of the side-by-side view: the old paragraph(s) on the left, the
/// new on the right (`None`: nothing on that side).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub kind: RowKind,
    pub old: Option<Span>,
    pub new: Option<Span>,
    pub words: Vec<Word>,
    /// The changes shown in it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<u32>,
}

/// A range of one version's cleaned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
    pub page: u32,
}

/// Compares two versions' renditions (their pages, in order).
pub fn compare(old_pages: &[String], new_pages: &[String], options: &CompareOptions) -> Comparison {
    diff::compare(old_pages, new_pages, options)
}

impl Side {
    /// Does this side of a change touch the rendition range `range`? An
    /// insertion point touches a range that contains it or ends at it.
    pub fn touches(&self, range: &Range<u32>) -> bool {
        if self.rendition_start == self.rendition_end {
            let p = self.rendition_start;
            return range.start <= p && p <= range.end;
        }
        self.rendition_start < range.end.max(range.start + 1) && range.start < self.rendition_end
    }
}

impl Change {
    /// Does the change touch one of these rendition ranges of version
    /// `which` (for "only changes that touch my notes")?
    pub fn touches(&self, which: Which, ranges: &[Range<u32>]) -> bool {
        let side = match which {
            Which::Old => &self.old,
            Which::New => &self.new,
        };
        ranges.iter().any(|r| side.touches(r))
    }
}

impl Comparison {
    /// The ids of the changes that touch any of these rendition ranges of
    /// version `which`: the notes' anchors.
    pub fn changes_touching(&self, which: Which, ranges: &[Range<u32>]) -> Vec<u32> {
        self.changes
            .iter()
            .filter(|c| c.touches(which, ranges))
            .map(|c| c.id)
            .collect()
    }
}

/// The pages of a version's rendition, or why there are none.
fn rendition_pages(cache: &Cache, id: &VersionId) -> Result<(crate::model::Version, Vec<String>)> {
    let version = cache.version(id)?;
    match cache.rendition(&version.sha256)? {
        Some(Rendition::Ok { pages, .. }) => Ok((version, pages)),
        Some(Rendition::Unavailable { reason, .. }) => Err(InvalidInput::new(
            "version",
            format!("the text of {id} could not be extracted ({reason}), so it cannot be compared"),
        )
        .into()),
        None => Err(crate::Error::not_found("text of version", id)),
    }
}

impl Cache {
    /// The versions the reader compares by default: in `language`, the
    /// newest revision and the one before it (`None` with fewer than two).
    pub fn default_comparison(
        &self,
        document: &DocumentId,
        language: Language,
    ) -> Result<Option<(VersionId, VersionId)>> {
        // Newest revision first.
        let versions: Vec<VersionId> = self
            .document(document)?
            .versions
            .into_iter()
            .filter(|v| v.version.language == language)
            .map(|v| v.version.id)
            .collect();
        Ok(match versions.as_slice() {
            [newest, before, ..] => Some((before.clone(), newest.clone())),
            _ => None,
        })
    }

    /// Compares two versions in the cache (same language), from their text
    /// renditions.
    pub fn compare_versions(
        &self,
        old: &VersionId,
        new: &VersionId,
        options: &CompareOptions,
    ) -> Result<Comparison> {
        let (old_version, old_pages) = rendition_pages(self, old)?;
        let (new_version, new_pages) = rendition_pages(self, new)?;
        if old_version.language != new_version.language {
            return Err(InvalidInput::new(
                "versions",
                format!(
                    "{old} is in {} and {new} in {}; compare versions in the same language",
                    old_version.language, new_version.language
                ),
            )
            .into());
        }
        Ok(compare(&old_pages, &new_pages, options))
    }
}
