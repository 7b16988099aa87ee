//! Placing a note on another revision of its document: the seam between the
//! cache and the anchoring algorithm (`crate::anchor`). The cache decides
//! *which* text to carry (the note's place on the newest earlier revision it
//! stood on); the anchoring algorithm says where that text stands now
//! (exact quote first, then Myers' bit-parallel approximate search, with
//! the context and the old position as evidence).

use super::locate::DocText;
use super::{Outcome, Placement};
use crate::anchor::{self, Reanchorer, Target, TextPositionSelector, TextQuoteSelector};

/// The text a note stood on in an earlier revision.
#[derive(Debug, Clone)]
pub struct Source {
    pub quote: String,
    pub prefix: String,
    pub suffix: String,
    pub start: Option<usize>,
}

/// Characters of context kept on each side of a quote.
pub const CONTEXT_CHARS: usize = anchor::reanchor::CONTEXT_CHARS;

/// Where `source` stands in `text` (`reanchorer` is built once over the
/// same text for all the notes placed on it).
pub fn place(source: &Source, text: &DocText, reanchorer: &Reanchorer<'_>) -> Placement {
    let target = Target {
        source: None,
        quote: Some(TextQuoteSelector {
            exact: source.quote.clone(),
            prefix: source.prefix.clone(),
            suffix: source.suffix.clone(),
        }),
        position: source.start.map(|start| TextPositionSelector {
            start,
            end: start + source.quote.chars().count(),
        }),
        page: None,
        structure: None,
    };
    let found = reanchorer.reanchor(&target);
    let at = |outcome: Outcome| match (found.start, found.end) {
        (Some(s), Some(e)) if s < e && e <= text.len_chars() => {
            let mut p = Placement::at(text, s, e, outcome);
            p.score = found.score;
            p
        }
        _ => Placement::unplaced(
            Outcome::Orphaned,
            "the anchoring gave no place in this revision",
        ),
    };
    match found.outcome {
        anchor::Outcome::Unchanged => at(Outcome::Unchanged),
        anchor::Outcome::Moved => at(Outcome::Moved),
        anchor::Outcome::Changed { .. } => {
            let mut p = at(Outcome::Changed);
            if p.outcome == Outcome::Changed {
                p.reason = Some(format!("the wording was: \u{201c}{}\u{201d}", source.quote));
            }
            p
        }
        anchor::Outcome::NeedsReview { reason, .. } => {
            // The candidate is kept (so the user can check it) but the
            // note is not shown as placed.
            let mut p = at(Outcome::NeedsReview);
            p.outcome = Outcome::NeedsReview;
            p.reason = Some(reason);
            p
        }
        anchor::Outcome::Orphaned { reason, .. } => {
            let mut p = Placement::unplaced(Outcome::Orphaned, reason);
            p.score = found.score;
            p
        }
    }
}
