//! Moved paragraphs: a paragraph deleted in one place that reappears,
//! identical or nearly, as an insertion somewhere else is one move, not a
//! deletion and an insertion. A moved-then-edited paragraph is a move whose
//! inner word changes are shown. Neighbouring moved paragraphs that stay
//! neighbours form one moved block.

use std::ops::Range;

/// How alike (Dice coefficient over the two paragraphs' word bags, 0..1) a
/// deleted and an inserted paragraph must be to count as a move.
pub const MOVE_SIMILARITY: f64 = 0.8;
/// Paragraphs with fewer words than this (letters-and-digits tokens;
/// characters in Chinese) are never moves: "Agreed", "Note", a line of a
/// code example repeated in many places say nothing about where text went.
pub const MIN_MOVE_WORDS: usize = 6;
/// Above this many candidate pairs, only identical paragraphs are matched
/// (a rewritten document is not a puzzle of moves).
pub const MAX_PAIRS: usize = 4_000_000;

/// A paragraph that is a candidate for a move: deleted (old side) or
/// inserted (new side), outside the unchanged stretches.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub para: usize,
    /// Which changed region it is in: a paragraph rewritten in place is an
    /// edit, so a move must leave its region.
    pub region: usize,
    /// Hash of the whole paragraph's tokens.
    pub hash: u64,
    /// The paragraph's token hashes, sorted.
    pub bag: Vec<u64>,
    /// How many of its tokens are words (not punctuation).
    pub words: usize,
}

/// A moved block: old paragraphs `old`, now at new paragraphs `new`.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub old: Range<usize>,
    pub new: Range<usize>,
    /// The lowest similarity of its paragraphs.
    pub similarity: f64,
}

/// Dice coefficient of two sorted bags.
pub fn dice(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// Pairs deleted with inserted paragraphs, best match first, each at most
/// once; then joins neighbours into blocks.
pub fn find(deleted: &[Candidate], inserted: &[Candidate]) -> Vec<Move> {
    let deleted: Vec<&Candidate> = deleted
        .iter()
        .filter(|c| c.words >= MIN_MOVE_WORDS)
        .collect();
    let inserted: Vec<&Candidate> = inserted
        .iter()
        .filter(|c| c.words >= MIN_MOVE_WORDS)
        .collect();
    let exact_only = deleted.len().saturating_mul(inserted.len()) > MAX_PAIRS;
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (di, d) in deleted.iter().enumerate() {
        for (ii, n) in inserted.iter().enumerate() {
            if d.region == n.region {
                continue;
            }
            if d.hash == n.hash {
                pairs.push((1.0, di, ii));
                continue;
            }
            if exact_only {
                continue;
            }
            // Dice can reach the threshold only if the lengths allow it.
            let (a, b) = (d.bag.len() as f64, n.bag.len() as f64);
            if 2.0 * a.min(b) / (a + b) < MOVE_SIMILARITY {
                continue;
            }
            let s = dice(&d.bag, &n.bag);
            if s >= MOVE_SIMILARITY {
                pairs.push((s, di, ii));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut used_d = vec![false; deleted.len()];
    let mut used_i = vec![false; inserted.len()];
    let mut matched: Vec<(usize, usize, f64)> = Vec::new();
    for (s, di, ii) in pairs {
        if used_d[di] || used_i[ii] {
            continue;
        }
        used_d[di] = true;
        used_i[ii] = true;
        matched.push((deleted[di].para, inserted[ii].para, s));
    }
    matched.sort_by_key(|m| m.0);
    let mut moves: Vec<Move> = Vec::new();
    for (o, n, s) in matched {
        if let Some(last) = moves.last_mut()
            && last.old.end == o
            && last.new.end == n
        {
            last.old.end += 1;
            last.new.end += 1;
            last.similarity = last.similarity.min(s);
            continue;
        }
        moves.push(Move {
            old: o..o + 1,
            new: n..n + 1,
            similarity: s,
        });
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(para: usize, region: usize, words: &str) -> Candidate {
        let mut bag: Vec<u64> = words
            .split_whitespace()
            .map(|w| super::super::tokens::hash_str(w, super::super::tokens::HASH_SEED))
            .collect();
        let hash = bag
            .iter()
            .fold(7u64, |h, x| h.wrapping_mul(31).wrapping_add(*x));
        bag.sort_unstable();
        let words = bag.len();
        Candidate {
            para,
            region,
            hash,
            bag,
            words,
        }
    }

    const P: &str =
        "the conference shall meet every five years to review the operation of this protocol";

    #[test]
    fn identical_and_edited_paragraphs_are_moves_short_ones_are_not() {
        let edited = P.replace("five", "four");
        let moves = find(
            &[
                cand(2, 0, P),
                cand(3, 0, "Agreed"),
                cand(
                    9,
                    2,
                    "completely different words that share nothing with anything here",
                ),
            ],
            &[cand(7, 1, &edited), cand(8, 1, "Agreed")],
        );
        assert_eq!(moves.len(), 1);
        assert_eq!((moves[0].old.clone(), moves[0].new.clone()), (2..3, 7..8));
        assert!(moves[0].similarity >= MOVE_SIMILARITY && moves[0].similarity < 1.0);
    }

    #[test]
    fn a_rewrite_in_place_is_not_a_move_and_neighbours_form_a_block() {
        assert!(find(&[cand(2, 0, P)], &[cand(2, 0, P)]).is_empty());
        let q = "each high contracting party shall take all feasible measures to protect civilians";
        let moves = find(
            &[cand(2, 0, P), cand(3, 0, q)],
            &[cand(10, 1, P), cand(11, 1, q)],
        );
        assert_eq!(
            moves,
            vec![Move {
                old: 2..4,
                new: 10..12,
                similarity: 1.0
            }]
        );
    }
}
