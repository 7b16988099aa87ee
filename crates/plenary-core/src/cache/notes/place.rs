//! Placing a note on another revision of its document: the seam between the
//! cache and the anchoring algorithm. The cache decides *which* text to
//! carry (the note's place on the newest earlier revision it stood on); this
//! module says where that text stands now.

use super::locate::{DocText, Occurrence, Span, fold_chars, fold_str, occurrences};
use super::{Outcome, Placement};

/// The text a note stood on in an earlier revision.
#[derive(Debug, Clone)]
pub struct Source {
    pub quote: String,
    pub prefix: String,
    pub suffix: String,
    pub start: Option<usize>,
}

/// Characters of context kept on each side of a quote.
pub const CONTEXT_CHARS: usize = 32;

/// Where `source` stands in `text`.
pub fn place(source: &Source, text: &DocText) -> Placement {
    let needle = fold_str(&source.quote);
    if needle.is_empty() {
        return Placement::unplaced(Outcome::Orphaned, "the note has no quoted text to look for");
    }
    let folded = fold_chars(text.as_str(), 0);
    let prefix = fold_str(&source.prefix);
    let suffix = fold_str(&source.suffix);
    let len = text.len_chars().max(1) as f64;
    // Context agreement, less a little for distance from the old place.
    let score = |o: &Occurrence| {
        let context = (o.prefix_agrees + o.suffix_agrees) as f64
            / (prefix.len() + suffix.len()).max(1) as f64;
        let distance = source
            .start
            .map(|s| (o.span.start as f64 - s as f64).abs() / len)
            .unwrap_or(0.0);
        context - 0.1 * distance
    };
    let best = occurrences(&folded, &needle, &prefix, &suffix)
        .map(|o| (score(&o), o.span))
        .fold(None::<(f64, Span)>, |best, (s, span)| match best {
            Some((b, _)) if b >= s => best,
            _ => Some((s, span)),
        });
    let Some((score, Span { start, end })) = best else {
        return Placement::unplaced(
            Outcome::Orphaned,
            "the quoted text is not in this revision (deleted or reworded)",
        );
    };
    let unchanged = source.start == Some(start) && score > 0.999;
    let mut p = Placement::at(
        text,
        start,
        end,
        if unchanged {
            Outcome::Unchanged
        } else {
            Outcome::Moved
        },
    );
    p.score = score.clamp(0.0, 1.0).max(0.5);
    p
}
