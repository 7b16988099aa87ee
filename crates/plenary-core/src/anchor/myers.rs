//! Approximate substring search: for every end position in a text, the
//! fewest edits (insertions, deletions, substitutions) that turn the pattern
//! into a substring ending there. Myers' bit-parallel algorithm (G. Myers,
//! "A fast bit-vector algorithm for approximate string matching based on
//! dynamic programming", JACM 1999), with Hyyrö's blocks of 64 rows for
//! patterns longer than a machine word (as edlib does).
//!
//! Hand-written rather than a crate: it is the heart of re-anchoring and is
//! ~80 lines; the maintained crates that have it (`triple_accel`, `bio`,
//! `edlib_rs`) either cap the pattern at 32/64 bytes, bring a large
//! dependency tree (bio), or bind C++ (edlib); none reports the per-column
//! distances we filter on.
//!
//! It works on bytes (UTF-8): the equality table is 256 entries per block,
//! indexed directly. A distance counts edited bytes, so one changed Cyrillic
//! or Chinese character costs up to 2 or 3; callers scale error budgets by
//! the pattern's byte length and rescore candidates in characters.

/// A pattern prepared for searching.
#[derive(Debug, Clone)]
pub struct Myers {
    /// `peq[c * blocks + b]`: bit i set when pattern byte `64 b + i` is `c`.
    peq: Vec<u64>,
    pattern: Vec<u8>,
    blocks: usize,
    len: usize,
    /// The bit of the pattern's last row within the last block.
    last_bit: u64,
}

/// A best match: the pattern matched `start..end` (bytes) with `distance` edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub distance: usize,
}

impl Myers {
    pub fn new(pattern: &[u8]) -> Self {
        let len = pattern.len();
        let blocks = len.div_ceil(64).max(1);
        let mut peq = vec![0u64; 256 * blocks];
        for (i, &c) in pattern.iter().enumerate() {
            peq[c as usize * blocks + i / 64] |= 1 << (i % 64);
        }
        let last_bit = 1u64 << ((len.max(1) - 1) % 64);
        Myers {
            peq,
            pattern: pattern.to_vec(),
            blocks,
            len,
            last_bit,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Calls `f(end, distance)` for every end position `1..=text.len()`
    /// (exclusive end) of the text: the edit distance of the best match of
    /// the pattern ending there.
    pub fn each_end(&self, text: &[u8], mut f: impl FnMut(usize, usize)) {
        if self.len == 0 {
            return;
        }
        let blocks = self.blocks;
        let mut pv = vec![!0u64; blocks];
        let mut mv = vec![0u64; blocks];
        let mut score = self.len as isize;
        for (j, &c) in text.iter().enumerate() {
            let eqs = &self.peq[c as usize * blocks..(c as usize + 1) * blocks];
            // The top row of the matrix is all zeros (a match may start
            // anywhere): no horizontal change enters the first block.
            let mut hin: i8 = 0;
            for b in 0..blocks {
                let high = if b + 1 == blocks {
                    self.last_bit
                } else {
                    1 << 63
                };
                let (p, m, h) = advance(pv[b], mv[b], eqs[b], hin, high);
                pv[b] = p;
                mv[b] = m;
                hin = h;
            }
            score += hin as isize;
            f(j + 1, score as usize);
        }
    }

    /// The matches of at most `max_distance` edits: the end positions of
    /// lowest distance, each suppressing the other qualifying ends within
    /// half a pattern length of it (the same match seen one byte later),
    /// with their starts.
    pub fn find(&self, text: &[u8], max_distance: usize) -> Vec<Match> {
        let mut ends: Vec<(usize, usize)> = Vec::new();
        self.each_end(text, |end, d| {
            if d <= max_distance {
                ends.push((d, end));
            }
        });
        ends.sort_unstable();
        let radius = (self.len / 2).max(1);
        let mut taken: Vec<usize> = Vec::new();
        let mut out = Vec::new();
        for (distance, end) in ends {
            if taken.iter().any(|&t| t.abs_diff(end) < radius) {
                continue;
            }
            taken.push(end);
            out.push(Match {
                start: self.start_of(text, end, distance),
                end,
                distance,
            });
        }
        out
    }

    /// Where a match ending at `end` with `distance` edits starts: the
    /// reversed pattern searched backwards from `end`; of the starts that
    /// reach the same distance, the one giving the length closest to the
    /// pattern's.
    fn start_of(&self, text: &[u8], end: usize, distance: usize) -> usize {
        let from = end.saturating_sub(self.len + distance);
        let window: Vec<u8> = text[from..end].iter().rev().copied().collect();
        let pattern: Vec<u8> = self.pattern.iter().rev().copied().collect();
        let rev = Myers::new(&pattern);
        let mut best = (usize::MAX, usize::MAX, end.saturating_sub(self.len));
        rev.each_end(&window, |k, d| {
            let len_gap = k.abs_diff(self.len);
            if (d, len_gap) < (best.0, best.1) {
                best = (d, len_gap, end - k);
            }
        });
        best.2
    }
}

/// One column step of one 64-row block (Hyyrö 2003, as in edlib): the
/// vertical deltas (`pv`, `mv`), the horizontal delta entering at the top
/// (`hin`), the rows' equality bits; returns the new vertical deltas and the
/// horizontal delta leaving at row `high`.
#[inline]
fn advance(pv: u64, mv: u64, eq: u64, hin: i8, high: u64) -> (u64, u64, i8) {
    let hin_neg = (hin < 0) as u64;
    let xv = eq | mv;
    let eq = eq | hin_neg;
    let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
    let mut ph = mv | !(xh | pv);
    let mut mh = pv & xh;
    let hout = if ph & high != 0 {
        1
    } else if mh & high != 0 {
        -1
    } else {
        0
    };
    ph <<= 1;
    mh <<= 1;
    mh |= hin_neg;
    ph |= (hin > 0) as u64;
    (mh | !(xv | ph), ph & xv, hout)
}

/// Levenshtein distance between two character sequences (for scoring short
/// strings: quotes and their context). Bit-parallel (the same column step,
/// with the top row counting up: a global, not a substring, distance) when
/// the first is at most 64 characters, the textbook programme otherwise.
pub fn levenshtein(a: &[char], b: &[char]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    if a.len() <= 64 {
        // The equality bits of each distinct character of `a`.
        let mut peq: Vec<(char, u64)> = Vec::with_capacity(a.len());
        for (i, &c) in a.iter().enumerate() {
            match peq.iter_mut().find(|(x, _)| *x == c) {
                Some((_, bits)) => *bits |= 1 << i,
                None => peq.push((c, 1 << i)),
            }
        }
        let high = 1u64 << (a.len() - 1);
        let (mut pv, mut mv) = (!0u64, 0u64);
        let mut score = a.len() as isize;
        for c in b {
            let eq = peq
                .iter()
                .find(|(x, _)| x == c)
                .map_or(0, |(_, bits)| *bits);
            let (p, m, h) = advance(pv, mv, eq, 1, high);
            pv = p;
            mv = m;
            score += h as isize;
        }
        return score as usize;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + (ca != cb) as usize).min(up + 1).min(row[j] + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// 1 for equal strings, 0 for nothing in common: one minus the edit
/// distance over the longer length.
pub fn similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    1.0 - levenshtein(&a, &b) as f64 / longest as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook dynamic programme, to check the bit-parallel one.
    fn naive_ends(p: &[u8], t: &[u8]) -> Vec<usize> {
        let mut col: Vec<usize> = (0..=p.len()).collect();
        let mut out = Vec::new();
        for &c in t {
            let mut diag = col[0];
            col[0] = 0;
            for i in 1..=p.len() {
                let up = col[i];
                col[i] = (diag + (p[i - 1] != c) as usize)
                    .min(up + 1)
                    .min(col[i - 1] + 1);
                diag = up;
            }
            out.push(col[p.len()]);
        }
        out
    }

    #[test]
    fn anchor_myers_agrees_with_the_textbook_dp() {
        let mut seed = 12345u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for len in [1usize, 5, 63, 64, 65, 127, 128, 130, 200] {
            let p: Vec<u8> = (0..len).map(|_| b"abcd"[(next() % 4) as usize]).collect();
            let mut t: Vec<u8> = (0..400).map(|_| b"abcd"[(next() % 4) as usize]).collect();
            t.splice(100..100, p.iter().copied());
            let m = Myers::new(&p);
            let mut got = Vec::new();
            m.each_end(&t, |_, d| got.push(d));
            assert_eq!(got, naive_ends(&p, &t), "pattern length {len}");
        }
    }

    #[test]
    fn anchor_myers_finds_start_and_end() {
        let text = b"the quick brown fox jumps over the lazy dog";
        let m = Myers::new(b"brwn fax");
        let found = m.find(text, 2);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].start..found[0].end], b"brown fox");
        assert_eq!(found[0].distance, 2);
    }

    #[test]
    fn anchor_levenshtein_bit_parallel_agrees() {
        fn dp(a: &[char], b: &[char]) -> usize {
            let mut row: Vec<usize> = (0..=b.len()).collect();
            for (i, ca) in a.iter().enumerate() {
                let mut diag = row[0];
                row[0] = i + 1;
                for (j, cb) in b.iter().enumerate() {
                    let up = row[j + 1];
                    row[j + 1] = (diag + (ca != cb) as usize).min(up + 1).min(row[j] + 1);
                    diag = up;
                }
            }
            row[b.len()]
        }
        let words = [
            "",
            "a",
            "kitten",
            "sitting",
            "Статья 5 — права",
            "статья 6 права",
            "采取一切适当措施",
            "采取一切必要措施保护",
            "the Parties shall cooperate in good faith to protect it",
            "The parties may co-operate in good faith, protecting",
        ];
        for a in words {
            for b in words {
                let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                assert_eq!(levenshtein(&a, &b), dp(&a, &b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn anchor_similarity() {
        assert_eq!(similarity("abc", "abc"), 1.0);
        assert!((similarity("kitten", "sitting") - (1.0 - 3.0 / 7.0)).abs() < 1e-9);
        assert_eq!(similarity("", ""), 1.0);
    }
}
