//! Which changes touch the user's notes ("only changes that touch my
//! notes"): a note is placed on a version at a range of its rendition
//! (code points, pages joined with U+000C), the same coordinates each side
//! of a change carries, so a change touches a note on the old version when
//! its old side meets the note's range, and one on the new version when its
//! new side does.

use std::collections::BTreeSet;
use std::ops::Range;

use serde::Serialize;

use super::{CompareOptions, Comparison, Which};
use crate::cache::Cache;
use crate::error::Result;
use crate::model::VersionId;

/// A note's place on one of the two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteRange {
    pub note: String,
    pub which: Which,
    /// Code points of the rendition.
    pub range: Range<u32>,
}

/// A change and the notes it touches (on either version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotedChange {
    pub change: u32,
    /// Note ids, sorted, each once.
    pub notes: Vec<String>,
}

/// Two versions in the cache compared, with what the reader's compare view
/// needs besides: which changes touch the user's notes.
#[derive(Debug, Clone, Serialize)]
pub struct VersionComparison {
    pub old_version: VersionId,
    pub new_version: VersionId,
    pub comparison: Comparison,
    /// The changes that touch a note, in change order.
    pub noted_changes: Vec<NotedChange>,
    /// How many notes are placed on either version (each note once).
    pub notes: u32,
}

impl Comparison {
    /// The changes that touch these notes' places, each with the notes it
    /// touches, in change order.
    pub fn notes_touching(&self, notes: &[NoteRange]) -> Vec<NotedChange> {
        self.changes
            .iter()
            .filter_map(|c| {
                let touched: BTreeSet<&str> = notes
                    .iter()
                    .filter(|n| c.touches(n.which, std::slice::from_ref(&n.range)))
                    .map(|n| n.note.as_str())
                    .collect();
                (!touched.is_empty()).then(|| NotedChange {
                    change: c.id,
                    notes: touched.into_iter().map(str::to_owned).collect(),
                })
            })
            .collect()
    }
}

impl Cache {
    /// The places of the notes on a version (placing, and remembering,
    /// those not yet placed on it). Notes that could not be placed there
    /// have no range and are left out.
    pub fn note_ranges(&mut self, version: &VersionId, which: Which) -> Result<Vec<NoteRange>> {
        Ok(self
            .notes_for_version(version)?
            .placed
            .into_iter()
            .filter_map(|p| {
                let (start, end) = (p.placement.start?, p.placement.end?);
                Some(NoteRange {
                    note: p.note.id,
                    which,
                    range: start as u32..end as u32,
                })
            })
            .collect())
    }

    /// Compares two versions in the cache (as [`Cache::compare_versions`])
    /// and says which changes touch the user's notes on either of them.
    pub fn compare_with_notes(
        &mut self,
        old: &VersionId,
        new: &VersionId,
        options: &CompareOptions,
    ) -> Result<VersionComparison> {
        let comparison = self.compare_versions(old, new, options)?;
        let mut ranges = self.note_ranges(old, Which::Old)?;
        ranges.extend(self.note_ranges(new, Which::New)?);
        let notes = ranges
            .iter()
            .map(|r| r.note.as_str())
            .collect::<BTreeSet<_>>()
            .len() as u32;
        Ok(VersionComparison {
            old_version: old.clone(),
            new_version: new.clone(),
            noted_changes: comparison.notes_touching(&ranges),
            comparison,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::compare;

    const OLD: &str = "Article 1\n\n1. The States Parties shall act within five years.\n\n\
                       2. Assistance shall be provided to affected communities.\n\n\
                       3. Each State Party shall report annually.";

    fn pages(s: &str) -> Vec<String> {
        vec![s.to_string()]
    }

    fn at(text: &str, needle: &str) -> Range<u32> {
        let start = text[..text.find(needle).unwrap()].chars().count() as u32;
        start..start + needle.chars().count() as u32
    }

    #[test]
    fn a_change_touches_a_note_on_either_side_and_each_note_is_listed_once() {
        let new = OLD
            .replace("five years", "four years")
            .replace("annually", "every two years");
        let c = compare(&pages(OLD), &pages(&new), &CompareOptions::default());
        assert_eq!(c.changes.len(), 2, "{:#?}", c.changes);
        let notes = vec![
            // On the old version, over "five".
            NoteRange {
                note: "a".into(),
                which: Which::Old,
                range: at(OLD, "within five"),
            },
            // The same note carried onto the new version.
            NoteRange {
                note: "a".into(),
                which: Which::New,
                range: at(&new, "within four"),
            },
            // On the new version, on unchanged text.
            NoteRange {
                note: "b".into(),
                which: Which::New,
                range: at(&new, "Assistance"),
            },
        ];
        assert_eq!(
            c.notes_touching(&notes),
            vec![NotedChange {
                change: 0,
                notes: vec!["a".into()]
            }]
        );
        // Two notes on the second change.
        let both = vec![
            NoteRange {
                note: "z".into(),
                which: Which::Old,
                range: at(OLD, "annually"),
            },
            NoteRange {
                note: "y".into(),
                which: Which::New,
                range: at(&new, "two"),
            },
        ];
        assert_eq!(
            c.notes_touching(&both),
            vec![NotedChange {
                change: 1,
                notes: vec!["y".into(), "z".into()]
            }]
        );
    }
}
