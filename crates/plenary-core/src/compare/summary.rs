//! How many changes, of which kind, and where.

use serde::Serialize;

use super::{Change, ChangeKind, WordOp};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// All changes (a move counts once).
    pub changes: u32,
    pub insertions: u32,
    pub deletions: u32,
    pub replacements: u32,
    pub moves: u32,
    /// Of the replacements, those that only renumber a paragraph (a
    /// paragraph before it was added or removed).
    pub renumbered: u32,
    /// Tokens (words; characters in Chinese and Japanese) inserted and
    /// deleted, moves' inner edits included.
    pub words_inserted: u32,
    pub words_deleted: u32,
    /// Where the changes are, in reading order: consecutive changes at the
    /// same place are counted together.
    pub by_location: Vec<LocationCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationCount {
    /// "Article 5, paragraph 2", "paragraph 12", "page 4".
    pub location: String,
    /// The page it starts on (in the new version, or the old one for a
    /// deletion).
    pub page: u32,
    pub changes: u32,
    /// The first change there.
    pub first: u32,
}

fn count_tokens(text: &str) -> u32 {
    super::tokens::tokenize(text).len() as u32
}

pub fn summarize(changes: &[Change]) -> Summary {
    let mut s = Summary {
        changes: changes.len() as u32,
        ..Summary::default()
    };
    for c in changes {
        match c.kind {
            ChangeKind::Insert => s.insertions += 1,
            ChangeKind::Delete => s.deletions += 1,
            ChangeKind::Replace => s.replacements += 1,
            ChangeKind::Move => s.moves += 1,
        }
        if c.renumbering {
            s.renumbered += 1;
        }
        for w in &c.words {
            match w.op {
                WordOp::Insert => s.words_inserted += count_tokens(&w.text),
                WordOp::Delete => s.words_deleted += count_tokens(&w.text),
                WordOp::Equal => {}
            }
        }
        let side = if c.kind == ChangeKind::Delete {
            &c.old
        } else {
            &c.new
        };
        match s.by_location.last_mut() {
            Some(last) if last.location == side.location.label => last.changes += 1,
            _ => s.by_location.push(LocationCount {
                location: side.location.label.clone(),
                page: side.page,
                changes: 1,
                first: c.id,
            }),
        }
    }
    s
}
