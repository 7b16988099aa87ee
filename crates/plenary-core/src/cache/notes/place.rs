//! Placing a note on another revision of its document: the seam between the
//! cache and the anchoring algorithm. The cache decides *which* text to
//! carry (the note's place on the newest earlier revision it stood on); this
//! module says where that text stands now.

use super::locate::{DocText, fold_chars, fold_str};
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
    let folded = fold_chars(text.chars(), 0);
    let prefix = fold_str(&source.prefix);
    let suffix = fold_str(&source.suffix);
    let hay = &folded.text;
    let mut best: Option<(f64, usize)> = None;
    if needle.len() <= hay.len() {
        for i in 0..=hay.len() - needle.len() {
            if hay[i] != needle[0] || hay[i..i + needle.len()] != *needle {
                continue;
            }
            let before = hay[..i]
                .iter()
                .rev()
                .zip(prefix.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            let after = hay[i + needle.len()..]
                .iter()
                .zip(&suffix)
                .take_while(|(a, b)| a == b)
                .count();
            let context = (before + after) as f64 / (prefix.len() + suffix.len()).max(1) as f64;
            let distance = source
                .start
                .map(|s| (folded.source[i] as f64 - s as f64).abs() / text.len().max(1) as f64)
                .unwrap_or(0.0);
            let score = context - 0.1 * distance;
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, i));
            }
        }
    }
    let Some((score, i)) = best else {
        return Placement::unplaced(
            Outcome::Orphaned,
            "the quoted text is not in this revision (deleted or reworded)",
        );
    };
    let start = folded.source[i];
    let end = folded.source[i + needle.len() - 1] + 1;
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
