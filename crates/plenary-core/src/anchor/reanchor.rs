//! Placing an annotation made on one revision onto the next (same document,
//! same language).
//!
//! Evidence, strongest first: the exact quote; the context around it (the
//! quote selector's prefix and suffix); the old position, scaled to the new
//! text's length. First every exact occurrence of the quote is looked up
//! (an index over the new text makes that a few probes); if there is none,
//! approximate occurrences are searched with Myers' bit-parallel algorithm
//! in the windows where pieces of the quote still occur and around the old
//! position. Every candidate gets one score from the three kinds of evidence
//! with the named weights below, and the thresholds decide the outcome.
//!
//! Nothing is dropped: every annotation gets a [`Placement`], and one that
//! cannot be placed with confidence says so ([`Outcome::NeedsReview`],
//! [`Outcome::Orphaned`]) instead of being put on some other text.
//!
//! Matching is on a folded form of both texts where every run of whitespace
//! (spaces, line ends, page breaks) is one space: a revision re-flowed into
//! other lines or pages is not a change of wording.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

use super::myers::{Myers, similarity};
use super::selectors::{Target, TextQuoteSelector};
use super::structure::Structure;
use super::text::DocText;

/// Weight of the quote's similarity to the new wording in a candidate's score.
pub const QUOTE_WEIGHT: f64 = 0.7;
/// Weight of the context's similarity (mean of prefix and suffix).
pub const CONTEXT_WEIGHT: f64 = 0.2;
/// Weight of closeness to the old position (scaled to the new length).
pub const POSITION_WEIGHT: f64 = 0.1;

/// A candidate scoring at least this is placed (unchanged, moved, changed).
pub const PLACE_SCORE: f64 = 0.75;
/// Below `PLACE_SCORE` but at least this: shown to the reader to confirm.
pub const REVIEW_SCORE: f64 = 0.5;
/// Changed wording is placed only if the quote is at least this similar to
/// the new wording (characters, one minus edit distance over length).
pub const MIN_CHANGED_QUOTE_SIMILARITY: f64 = 0.7;
/// An approximate match may differ from the quote in at most this fraction
/// of its bytes (the search budget; scoring decides afterwards).
pub const MAX_EDIT_RATE: f64 = 0.35;
/// Words placed on changed text, or exact words that occur several times,
/// need at least this much of their context (mean of prefix and suffix
/// similarity) around them: the words alone do not say it is the same place.
pub const MIN_CONTEXT: f64 = 0.5;
/// Changed wording is placed only if no other place scores within this
/// much of it; and an exact quote away from its expected place loses to
/// changed wording at that place scoring within this much (then: review).
pub const RIVAL_MARGIN: f64 = 0.03;
/// Changed wording is placed only if each side of its context (prefix,
/// suffix) is at least this similar: when the words changed and one
/// neighbour did too, it may be another item of a renumbered list.
pub const MIN_SIDE_CONTEXT: f64 = 0.5;
/// Two exact occurrences whose scores differ by less than this are a tie:
/// the annotation goes to review rather than to a guess.
pub const AMBIGUITY_MARGIN: f64 = 0.01;
/// Distance (characters) at which the position evidence has fallen to 1/e,
/// as a fraction of the new text's length, with a floor.
pub const POSITION_SCALE_FRACTION: f64 = 0.05;
pub const POSITION_SCALE_MIN: f64 = 2_000.0;
/// An exact quote whose context changed is placed only if its position
/// evidence is at least this (about 0.7 position scales from where the old
/// text around it now is); further away it may be another occurrence of
/// the same words (a paragraph repeated in an appendix that was removed).
pub const NEAR_POSITION: f64 = 0.5;

/// The index samples every `STRIDE`-th byte of the folded text, keyed by the
/// `GRAM` bytes starting there; a needle of `STRIDE + GRAM - 1` bytes or more
/// is found by `STRIDE` probes.
const STRIDE: usize = 8;
const GRAM: usize = 8;
/// A gram with more occurrences than this says nothing about where a
/// changed quote went ("the Parties"); it casts no votes.
const MAX_POSTINGS: usize = 256;
/// Votes are counted per band of this many bytes of diagonal.
const BAND: usize = 32;
/// At most this many voted windows are searched approximately.
const MAX_WINDOWS: usize = 8;
/// Landmarks for the old position: pieces of this many characters of the
/// old text, at these distances (characters) before and after the old start.
const LANDMARK_CHARS: usize = 24;
const LANDMARK_DISTANCES: [usize; 6] = [40, 100, 250, 600, 1_500, 4_000];
/// Of a quote's exact occurrences (boilerplate repeated in every article),
/// only this many nearest the expected place are scored: the others could
/// only tie, and a tie with a place three times further is no tie.
const MAX_EXACT_SCORED: usize = 64;
/// Of the approximate matches, only this many with the fewest edits are
/// scored.
const MAX_APPROXIMATE_SCORED: usize = 12;
/// Context compared on each side, in characters.
pub const CONTEXT_CHARS: usize = 32;

/// What became of an annotation on the new revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The same words in the same context at the same place: the same
    /// offsets, or (text was added or removed elsewhere) the same page,
    /// article and paragraph.
    Unchanged,
    /// The same words, elsewhere (another page, article or paragraph), or
    /// with changed context around them.
    Moved,
    /// The words changed; placed on the new wording.
    Changed { old_quote: String },
    /// A candidate place, not certain enough to show as placed.
    NeedsReview { old_quote: String, reason: String },
    /// Could not be placed.
    Orphaned {
        old_quote: Option<String>,
        reason: String,
    },
}

impl Outcome {
    /// The outcome's name as the CLI and the UI show it.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Unchanged => "unchanged",
            Outcome::Moved => "moved",
            Outcome::Changed { .. } => "changed",
            Outcome::NeedsReview { .. } => "needs_review",
            Outcome::Orphaned { .. } => "orphaned",
        }
    }

    /// True for the outcomes that put the annotation on text.
    pub fn is_placed(&self) -> bool {
        matches!(
            self,
            Outcome::Unchanged | Outcome::Moved | Outcome::Changed { .. }
        )
    }
}

/// Where an annotation lands on the new revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Characters `start..end` in the new text (the candidate's, for
    /// `NeedsReview`; none when orphaned).
    pub start: Option<usize>,
    pub end: Option<usize>,
    /// The new text at `start..end`.
    pub matched: Option<String>,
    /// 0 to 1: how sure the placement is.
    pub score: f64,
}

impl Placement {
    fn orphaned(old_quote: Option<String>, reason: impl Into<String>, score: f64) -> Self {
        Placement {
            outcome: Outcome::Orphaned {
                old_quote,
                reason: reason.into(),
            },
            start: None,
            end: None,
            matched: None,
            score,
        }
    }
}

/// Every whitespace run as one space; `map[i]` is the character offset in
/// the original text of the folded text's byte `i`.
struct Folded {
    text: String,
    map: Vec<u32>,
}

fn fold(text: &str) -> Folded {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    let mut in_space = false;
    if text.is_ascii() {
        // Bytes are characters: no decoding (most of the preparation time).
        let mut bytes = Vec::with_capacity(text.len());
        for (i, &b) in text.as_bytes().iter().enumerate() {
            if b.is_ascii_whitespace() || b == b'\x0b' {
                if !in_space {
                    in_space = true;
                    bytes.push(b' ');
                    map.push(i as u32);
                }
            } else {
                in_space = false;
                bytes.push(b);
                map.push(i as u32);
            }
        }
        let text = String::from_utf8(bytes).expect("ASCII is UTF-8");
        return Folded { text, map };
    }
    for (i, c) in text.chars().enumerate() {
        if c.is_whitespace() {
            if in_space {
                continue;
            }
            in_space = true;
            out.push(' ');
            map.push(i as u32);
        } else {
            in_space = false;
            out.push(c);
            map.extend(std::iter::repeat_n(i as u32, c.len_utf8()));
        }
    }
    Folded { text: out, map }
}

fn fold_str(text: &str) -> String {
    fold(text).text
}

/// A candidate place: characters `start..end` of the new text.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    start: usize,
    end: usize,
    quote: f64,
    context: Option<f64>,
    /// The lesser of the prefix's and the suffix's similarity.
    weaker_side: Option<f64>,
    /// Characters from the expected start (the old one, scaled).
    distance: Option<usize>,
    score: f64,
}

/// Re-anchors many annotations onto one new revision: the folded text and
/// its index are built once.
#[derive(Debug)]
pub struct Reanchorer<'a> {
    new: &'a DocText,
    old: Option<&'a DocText>,
    folded: FoldedIndex,
    /// The old text's index: landmarks must be unique in both texts.
    old_index: Option<FoldedIndex>,
    /// Numbered articles and paragraphs of each text.
    structure: Structure,
    old_structure: Option<Structure>,
}

struct FoldedIndex {
    folded: Folded,
    /// Every `STRIDE`-th folded byte offset, grouped by the gram there.
    postings: Vec<u32>,
    /// Gram to its range in `postings`: one hash probe per gram (a binary
    /// search over the sorted grams cost ~17 cache misses each, and was
    /// most of the time of a re-anchoring).
    grams: HashMap<u64, (u32, u32), BuildHasherDefault<GramHasher>>,
}

/// Grams are already 8 bytes of text: one multiply spreads them (the
/// default SipHash costs more than the rest of a look-up).
#[derive(Debug, Default)]
struct GramHasher(u64);

impl Hasher for GramHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ (n >> 29)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::fmt::Debug for FoldedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FoldedIndex")
            .field("bytes", &self.folded.text.len())
            .field("grams", &self.grams.len())
            .field("postings", &self.postings.len())
            .finish()
    }
}

fn gram_at(bytes: &[u8], at: usize) -> u64 {
    let mut k = [0u8; 8];
    k.copy_from_slice(&bytes[at..at + GRAM]);
    u64::from_le_bytes(k)
}

impl FoldedIndex {
    fn new(text: &str) -> Self {
        let folded = fold(text);
        let bytes = folded.text.as_bytes();
        let mut sampled: Vec<(u64, u32)> = (0..bytes.len().saturating_sub(GRAM - 1))
            .step_by(STRIDE)
            .map(|at| (gram_at(bytes, at), at as u32))
            .collect();
        sampled.sort_unstable();
        let mut grams: HashMap<u64, (u32, u32), BuildHasherDefault<GramHasher>> =
            HashMap::with_capacity_and_hasher(sampled.len() / 2, Default::default());
        let mut postings = Vec::with_capacity(sampled.len());
        for group in sampled.chunk_by(|a, b| a.0 == b.0) {
            grams.insert(group[0].0, (postings.len() as u32, group.len() as u32));
            postings.extend(group.iter().map(|&(_, at)| at));
        }
        FoldedIndex {
            folded,
            postings,
            grams,
        }
    }

    fn postings(&self, gram: u64) -> &[u32] {
        match self.grams.get(&gram) {
            Some(&(start, len)) => &self.postings[start as usize..(start + len) as usize],
            None => &[],
        }
    }

    /// Every occurrence (folded byte offset) of `needle` in the folded text.
    fn exact(&self, needle: &[u8]) -> Vec<usize> {
        let hay = self.folded.text.as_bytes();
        if needle.is_empty() {
            return Vec::new();
        }
        if needle.len() < STRIDE + GRAM - 1 {
            // Too short for the index: scan.
            let needle = std::str::from_utf8(needle).expect("folded needle is UTF-8");
            return self
                .folded
                .text
                .match_indices(needle)
                .map(|(i, _)| i)
                .collect();
        }
        // An occurrence starting at `start` has its indexed (aligned)
        // offsets at every `STRIDE` from the first one inside the needle;
        // for each of the `STRIDE` residues, probe the rarest of those grams.
        let mut out = Vec::new();
        for shift in 0..STRIDE {
            let rarest = (shift..=needle.len() - GRAM)
                .step_by(STRIDE)
                .map(|j| (self.postings(gram_at(needle, j)), j))
                .min_by_key(|(p, _)| p.len());
            let Some((postings, j)) = rarest else {
                continue;
            };
            for &at in postings {
                let Some(start) = (at as usize).checked_sub(j) else {
                    continue;
                };
                if hay.get(start..start + needle.len()) == Some(needle) {
                    out.push(start);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Windows (folded byte ranges) where pieces of `needle` occur in
    /// roughly the right arrangement, best voted first.
    fn voted_windows(&self, needle: &[u8], slack: usize) -> Vec<(usize, usize)> {
        if needle.len() < GRAM {
            return Vec::new();
        }
        let mut diagonals: Vec<isize> = Vec::new();
        for j in 0..=needle.len() - GRAM {
            let postings = self.postings(gram_at(needle, j));
            if postings.len() > MAX_POSTINGS {
                continue;
            }
            diagonals.extend(
                postings
                    .iter()
                    .map(|&at| (at as isize - j as isize).div_euclid(BAND as isize)),
            );
        }
        diagonals.sort_unstable();
        let mut bands: Vec<(u32, isize)> = Vec::new();
        for band in diagonals {
            match bands.last_mut() {
                Some((votes, b)) if *b == band => *votes += 1,
                _ => bands.push((1, band)),
            }
        }
        bands.sort_unstable_by(|a, b| b.cmp(a));
        let len = self.folded.text.len();
        bands
            .into_iter()
            .take(MAX_WINDOWS)
            .map(|(_, band)| {
                let start = (band * BAND as isize - slack as isize).max(0) as usize;
                let end = ((band + 1) * BAND as isize) as usize + needle.len() + slack;
                (start.min(len), end.min(len))
            })
            .collect()
    }
}

impl<'a> Reanchorer<'a> {
    /// Prepares `new` for re-anchoring: folds it and indexes it (linear in
    /// its length; do it once per revision, not per annotation).
    pub fn new(new: &'a DocText) -> Self {
        Reanchorer {
            new,
            old: None,
            folded: FoldedIndex::new(new.as_str()),
            old_index: None,
            structure: Structure::detect(new),
            old_structure: None,
        }
    }

    /// The revision the annotations were made on: their positions are then
    /// scaled by the ratio of the lengths, and an annotation with only a
    /// position selector gets its quote from it.
    pub fn with_old(mut self, old: &'a DocText) -> Self {
        self.old = Some(old);
        self.old_index = Some(FoldedIndex::new(old.as_str()));
        self.old_structure = Some(Structure::detect(old));
        self
    }

    /// Places every target, in order.
    pub fn reanchor_all(&self, targets: &[Target]) -> Vec<Placement> {
        targets.iter().map(|t| self.reanchor(t)).collect()
    }

    /// Places one target.
    pub fn reanchor(&self, target: &Target) -> Placement {
        let Some(quote) = self.quote_of(target) else {
            return Placement::orphaned(
                None,
                "the annotation has no quote, and no position in a known old text",
                0.0,
            );
        };
        let needle = fold_str(&quote.exact);
        if needle.trim().is_empty() {
            return Placement::orphaned(Some(quote.exact), "the quote is empty", 0.0);
        }
        let evidence = Evidence::new(self, target, &quote);

        // 1. Exact occurrences.
        let starts = self.folded.exact(needle.as_bytes());
        if !starts.is_empty() {
            let starts = evidence.nearest(starts, MAX_EXACT_SCORED, |&s| {
                self.folded.folded.map[s] as usize
            });
            let candidates: Vec<Candidate> = starts
                .iter()
                .map(|&s| {
                    let (start, end) = self.orig_range(s, s + needle.len());
                    evidence.score(self.new, start, end, 1.0)
                })
                .collect();
            let placement = self.decide_exact(&quote, target, &candidates);
            return self.check_nearer_change(&quote, &needle, &evidence, placement);
        }

        // 2. Approximate occurrences, where pieces of the quote survive and
        // around the old position.
        let budget = ((needle.len() as f64 * MAX_EDIT_RATE).ceil() as usize).max(1);
        let mut windows = self.folded.voted_windows(needle.as_bytes(), budget + BAND);
        for &expected in &evidence.expected {
            let f = self.folded_offset_near(expected);
            let reach = (needle.len() * 4).max(2_000);
            windows.push((
                f.saturating_sub(reach),
                (f + reach).min(self.folded.folded.text.len()),
            ));
        }
        let candidates = self.approximate(&needle, budget, windows, &evidence);
        self.decide_changed(&quote, candidates)
    }

    fn approximate(
        &self,
        needle: &str,
        budget: usize,
        mut windows: Vec<(usize, usize)>,
        evidence: &Evidence,
    ) -> Vec<Candidate> {
        windows.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in windows {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let myers = Myers::new(needle.as_bytes());
        let hay = self.folded.folded.text.as_bytes();
        let mut matches: Vec<(usize, usize, usize)> = merged
            .into_iter()
            .flat_map(|(ws, we)| {
                myers
                    .find(&hay[ws..we], budget)
                    .into_iter()
                    .map(move |m| (m.distance, ws + m.start, ws + m.end))
            })
            .collect();
        // Only the closest few are scored (character edit distances of
        // whole quotes are the costly part).
        matches.sort_unstable();
        matches.truncate(MAX_APPROXIMATE_SCORED);
        let mut candidates = Vec::new();
        for (_, ms, me) in matches {
            {
                let (fs, fe) = self.char_bounds(ms, me);
                if fs >= fe {
                    continue;
                }
                let (start, end) = self.orig_range(fs, fe);
                let matched = fold_str(self.new.slice(start, end));
                let quote = similarity(needle.trim(), matched.trim());
                candidates.push(evidence.score(self.new, start, end, quote));
            }
        }
        candidates
    }

    fn decide_exact(
        &self,
        quote: &TextQuoteSelector,
        target: &Target,
        candidates: &[Candidate],
    ) -> Placement {
        let (best, tie) = best_of(candidates, AMBIGUITY_MARGIN);
        if tie {
            return self.review(
                quote,
                best,
                format!(
                    "the quote occurs {} times and neither its context nor its old position says which",
                    candidates.len()
                ),
            );
        }
        if best.score < PLACE_SCORE {
            return self.review(
                quote,
                best,
                "the quote occurs, but not in its old context nor near its old place".into(),
            );
        }
        let far = best
            .distance
            .is_some_and(|d| (-(d as f64) / self.position_scale()).exp() < NEAR_POSITION);
        if far && best.context.is_some_and(|c| c < 1.0) {
            return self.review(
                quote,
                best,
                "the words occur, but far from where the text around them now is and in another context"
                    .into(),
            );
        }
        if far && self.occurs_in_old_more_than_once(quote) {
            return self.review(
                quote,
                best,
                "the words occurred more than once in the old text; the occurrence found is far \
                 from where this one was"
                    .into(),
            );
        }
        // Words that occurred more often in the old text than they occur now
        // (one occurrence went) do not say which place they are: unless the
        // landmarks put them exactly there, their context must confirm it.
        let at_expected = best.distance.is_some_and(|d| d <= 2);
        if !at_expected
            && best.context.is_some_and(|c| c < MIN_CONTEXT)
            && candidates.len() < self.occurrences_in_old(quote)
        {
            return self.review(
                quote,
                best,
                "the words occur more than once and not in their old context here".into(),
            );
        }
        let same_place = self.same_place(target, best.start, best.end);
        let same_context = best.context.is_none_or(|c| c >= 1.0);
        let same_words = self.new.slice(best.start, best.end) == quote.exact;
        let outcome = if same_place && same_context && same_words {
            Outcome::Unchanged
        } else {
            Outcome::Moved
        };
        self.placed(outcome, best)
    }

    /// An exact quote placed somewhere other than exactly where the
    /// landmarks expect it, or in a changed context, may be other words that
    /// happen to be the same ("G.2 Changes from the Candidate Recommendation"
    /// when the annotated heading became G.3): if, near the expected place,
    /// changed wording scores about as well, the reader decides.
    fn check_nearer_change(
        &self,
        quote: &TextQuoteSelector,
        needle: &str,
        evidence: &Evidence,
        placement: Placement,
    ) -> Placement {
        let (Some(start), Some(end)) = (placement.start, placement.end) else {
            return placement;
        };
        if !placement.outcome.is_placed() || evidence.expected.is_empty() {
            return placement;
        }
        let exact = evidence.score(self.new, start, end, 1.0);
        let confirmed = exact.context.is_none_or(|c| c >= 1.0) || exact.distance == Some(0);
        if confirmed {
            return placement;
        }
        let budget = ((needle.len() as f64 * MAX_EDIT_RATE).ceil() as usize).max(1);
        let reach = needle.len() + budget + BAND;
        let len = self.folded.folded.text.len();
        let windows = evidence
            .expected
            .iter()
            .map(|&e| {
                let f = self.folded_offset_near(e);
                (f.saturating_sub(reach), (f + reach).min(len))
            })
            .collect();
        let rival = self
            .approximate(needle, budget, windows, evidence)
            .into_iter()
            .filter(|c| c.quote < 1.0 && (c.end <= start || c.start >= end))
            .filter(|c| c.quote >= MIN_CHANGED_QUOTE_SIMILARITY)
            .max_by(|a, b| a.score.total_cmp(&b.score));
        match rival {
            Some(r) if r.score + RIVAL_MARGIN >= exact.score => self.review(
                quote,
                exact,
                format!(
                    "the same words occur here, but nearer the old place the text now reads {:?}",
                    self.new.slice(r.start, r.end)
                ),
            ),
            _ => placement,
        }
    }

    /// The baseline the benchmark compares with: Myers' search over the
    /// whole new text for this one annotation (no exact-quote look-up, no
    /// index, no windows), the candidates scored and decided the same way.
    pub fn reanchor_naive(&self, target: &Target) -> Placement {
        let Some(quote) = self.quote_of(target) else {
            return Placement::orphaned(None, "no quote", 0.0);
        };
        let needle = fold_str(&quote.exact);
        if needle.trim().is_empty() {
            return Placement::orphaned(Some(quote.exact), "the quote is empty", 0.0);
        }
        let evidence = Evidence::new(self, target, &quote);
        let budget = ((needle.len() as f64 * MAX_EDIT_RATE).ceil() as usize).max(1);
        let whole = vec![(0, self.folded.folded.text.len())];
        let candidates = self.approximate(&needle, budget, whole, &evidence);
        let exact: Vec<Candidate> = candidates
            .iter()
            .filter(|c| c.quote >= 1.0)
            .copied()
            .collect();
        if exact.is_empty() {
            self.decide_changed(&quote, candidates)
        } else {
            self.decide_exact(&quote, target, &exact)
        }
    }

    fn decide_changed(&self, quote: &TextQuoteSelector, candidates: Vec<Candidate>) -> Placement {
        if candidates.is_empty() {
            return Placement::orphaned(
                Some(quote.exact.clone()),
                "the quote is not in the new text, even approximately",
                0.0,
            );
        }
        let (best, tie) = best_of(&candidates, RIVAL_MARGIN);
        let near = best
            .distance
            .is_none_or(|d| (-(d as f64) / self.position_scale()).exp() >= NEAR_POSITION);
        let in_context = best.context.is_none_or(|c| c >= MIN_CONTEXT)
            && best.weaker_side.is_none_or(|c| c >= MIN_SIDE_CONTEXT);
        if best.score >= PLACE_SCORE
            && best.quote >= MIN_CHANGED_QUOTE_SIMILARITY
            && near
            && in_context
            && !tie
        {
            return self.placed(
                Outcome::Changed {
                    old_quote: quote.exact.clone(),
                },
                best,
            );
        }
        if best.score >= REVIEW_SCORE {
            let reason = if tie {
                "the changed quote matches several places equally well".to_string()
            } else {
                format!(
                    "the wording changed: {:.0}% of the quote and {} of its context match",
                    best.quote * 100.0,
                    best.context
                        .map(|c| format!("{:.0}%", c * 100.0))
                        .unwrap_or_else(|| "none".into())
                )
            };
            return self.review(quote, best, reason);
        }
        Placement::orphaned(
            Some(quote.exact.clone()),
            format!(
                "no place in the new text is close enough (best: {:.0}% of the quote, score {:.2})",
                best.quote * 100.0,
                best.score
            ),
            best.score,
        )
    }

    fn placed(&self, outcome: Outcome, c: Candidate) -> Placement {
        Placement {
            outcome,
            start: Some(c.start),
            end: Some(c.end),
            matched: Some(self.new.slice(c.start, c.end).to_string()),
            score: round(c.score),
        }
    }

    fn review(&self, quote: &TextQuoteSelector, c: Candidate, reason: String) -> Placement {
        self.placed(
            Outcome::NeedsReview {
                old_quote: quote.exact.clone(),
                reason,
            },
            c,
        )
    }

    /// The quote selector, or one made from the position in the old text.
    fn quote_of(&self, target: &Target) -> Option<TextQuoteSelector> {
        if let Some(q) = &target.quote {
            return Some(q.clone());
        }
        let (old, p) = (self.old?, target.position?);
        if p.start >= p.end || p.end > old.len_chars() {
            return None;
        }
        Some(super::quote_at(old, p.start, p.end))
    }

    /// Folded byte range to original character range.
    fn orig_range(&self, fs: usize, fe: usize) -> (usize, usize) {
        let map = &self.folded.folded.map;
        let start = map[fs] as usize;
        let end = map[fe - 1] as usize + 1;
        (start, end)
    }

    /// Widens a folded byte range to character boundaries and drops a
    /// leading or trailing space (a match's edges are often the gaps).
    fn char_bounds(&self, mut s: usize, mut e: usize) -> (usize, usize) {
        let text = &self.folded.folded.text;
        while s > 0 && !text.is_char_boundary(s) {
            s -= 1;
        }
        while e < text.len() && !text.is_char_boundary(e) {
            e += 1;
        }
        let bytes = text.as_bytes();
        while s < e && bytes[s] == b' ' {
            s += 1;
        }
        while e > s && bytes[e - 1] == b' ' {
            e -= 1;
        }
        (s, e)
    }

    /// Whether `start..end` is the target's old place, as a reader sees it:
    /// the same offsets, or the same page and the same article and
    /// paragraph (text added or removed elsewhere shifts offsets, not the
    /// place). Unknown page and structure count as different.
    fn same_place(&self, target: &Target, start: usize, end: usize) -> bool {
        let Some(p) = target.position else {
            // Only a quote: no place to compare with; the words and their
            // context decide.
            return true;
        };
        if p.start == start && p.end == end {
            return true;
        }
        let old_page = target
            .page
            .map(|n| n as usize)
            .or_else(|| self.old.map(|o| o.page_of(p.start)));
        let old_structure = target
            .structure
            .clone()
            .or_else(|| self.old_structure.as_ref().and_then(|s| s.locate(p.start)));
        let new_structure = self.structure.locate(start);
        match (old_page, &old_structure) {
            (None, None) => false,
            _ => {
                old_page.is_none_or(|page| page == self.new.page_of(start))
                    && old_structure.map(|s| s.label) == new_structure.map(|s| s.label)
            }
        }
    }

    fn occurs_in_old_more_than_once(&self, quote: &TextQuoteSelector) -> bool {
        self.occurrences_in_old(quote) > 1
    }

    /// How many times the quote occurred in the old text (0 when unknown).
    fn occurrences_in_old(&self, quote: &TextQuoteSelector) -> usize {
        let needle = fold_str(&quote.exact);
        self.old_index
            .as_ref()
            .map_or(0, |o| o.exact(needle.as_bytes()).len())
    }

    fn position_scale(&self) -> f64 {
        (self.new.len_chars() as f64 * POSITION_SCALE_FRACTION).max(POSITION_SCALE_MIN)
    }

    /// Where old character `start` is expected in the new text, from the
    /// nearest landmark on each side: a piece of the old text before (and
    /// one after) it, further and further away, that occurs exactly once
    /// in each text. Two answers when a block moved and one side moved with
    /// it; none when no landmark is found (then the position is scaled).
    fn landmarks(&self, old: &DocText, start: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for before in [true, false] {
            for distance in LANDMARK_DISTANCES {
                let at = if before {
                    match start.checked_sub(distance) {
                        Some(at) => at,
                        None => break,
                    }
                } else {
                    start + distance
                };
                if at + LANDMARK_CHARS > old.len_chars() {
                    break;
                }
                let piece = fold_str(old.slice(at, at + LANDMARK_CHARS));
                if piece.len() < STRIDE + GRAM - 1 {
                    continue;
                }
                let found = self.folded.exact(piece.as_bytes());
                let unique_in_old = self
                    .old_index
                    .as_ref()
                    .is_some_and(|o| o.exact(piece.as_bytes()).len() == 1);
                if let ([only], true) = (&found[..], unique_in_old) {
                    let new_at = self.folded.folded.map[*only] as usize;
                    out.push((new_at + start).saturating_sub(at));
                    break;
                }
            }
        }
        out.dedup();
        out
    }

    /// The folded byte offset of about original character `chars`.
    fn folded_offset_near(&self, chars: usize) -> usize {
        let map = &self.folded.folded.map;
        map.partition_point(|&c| (c as usize) < chars)
    }
}

/// The evidence an old target brings besides its quote.
struct Evidence {
    prefix: String,
    suffix: String,
    /// Where the old start is expected in the new text (see `landmarks`).
    expected: Vec<usize>,
    position_scale: f64,
}

impl Evidence {
    fn new(r: &Reanchorer<'_>, target: &Target, quote: &TextQuoteSelector) -> Self {
        let expected = match (target.position, r.old) {
            (None, _) => Vec::new(),
            (Some(p), Some(old)) if old.len_chars() > 0 => {
                let found = r.landmarks(old, p.start);
                if found.is_empty() {
                    vec![
                        (p.start as f64 * r.new.len_chars() as f64 / old.len_chars() as f64)
                            as usize,
                    ]
                } else {
                    found
                }
            }
            (Some(p), _) => vec![p.start],
        };
        Evidence {
            prefix: last_chars(&fold_str(&quote.prefix), CONTEXT_CHARS),
            suffix: first_chars(&fold_str(&quote.suffix), CONTEXT_CHARS),
            expected,
            position_scale: r.position_scale(),
        }
    }

    /// At most `keep` of `items`, the nearest to the expected start (all of
    /// them, in order, when there is no position evidence or few items).
    fn nearest<T>(&self, mut items: Vec<T>, keep: usize, at: impl Fn(&T) -> usize) -> Vec<T> {
        if items.len() <= keep || self.expected.is_empty() {
            return items;
        }
        let distance = |x: &T| {
            let a = at(x);
            self.expected
                .iter()
                .map(|&e| a.abs_diff(e))
                .min()
                .unwrap_or(0)
        };
        items.sort_by_cached_key(distance);
        items.truncate(keep);
        items
    }

    fn score(&self, new: &DocText, start: usize, end: usize, quote: f64) -> Candidate {
        let mut sides = Vec::new();
        if !self.prefix.is_empty() {
            let n = self.prefix.chars().count();
            let before = fold_str(new.slice(start.saturating_sub(n + 8), start));
            sides.push(similarity(&self.prefix, &last_chars(&before, n)));
        }
        if !self.suffix.is_empty() {
            let n = self.suffix.chars().count();
            let after = fold_str(new.slice(end, end + n + 8));
            sides.push(similarity(&self.suffix, &first_chars(&after, n)));
        }
        let context = (!sides.is_empty()).then(|| sides.iter().sum::<f64>() / sides.len() as f64);
        let weaker_side = sides.iter().copied().reduce(f64::min);
        let distance = self.expected.iter().map(|&e| start.abs_diff(e)).min();
        let position = distance.map(|d| (-(d as f64) / self.position_scale).exp());
        let mut total = QUOTE_WEIGHT * quote;
        let mut weights = QUOTE_WEIGHT;
        if let Some(c) = context {
            total += CONTEXT_WEIGHT * c;
            weights += CONTEXT_WEIGHT;
        }
        if let Some(p) = position {
            total += POSITION_WEIGHT * p;
            weights += POSITION_WEIGHT;
        }
        Candidate {
            start,
            end,
            quote,
            context,
            weaker_side,
            distance,
            score: total / weights,
        }
    }
}

/// The best candidate, and whether another one (at another place) is as
/// good. Equal scores are told apart by the old position only when the best
/// is clearly the nearest (three times nearer, and by more than a line's
/// width): a guess between two places about as far is not made.
fn best_of(candidates: &[Candidate], margin: f64) -> (Candidate, bool) {
    let mut sorted: Vec<&Candidate> = candidates.iter().collect();
    sorted.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.distance.cmp(&b.distance))
    });
    let best = *sorted[0];
    let tie = sorted[1..].iter().any(|c| {
        let elsewhere = c.end <= best.start || c.start >= best.end;
        let nearer = match (best.distance, c.distance) {
            (Some(b), Some(o)) => c.quote == best.quote && b.saturating_mul(3) < o && o - b >= 8,
            _ => false,
        };
        elsewhere && best.score - c.score < margin && !nearer
    });
    (best, tie)
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn last_chars(s: &str, n: usize) -> String {
    let count = s.chars().count();
    s.chars().skip(count.saturating_sub(n)).collect()
}

fn first_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
