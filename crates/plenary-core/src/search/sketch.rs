//! Page sketches: for each page of a file, a Bloom filter of its tokens, so
//! that locating a hit reads and tokenizes only the pages that may hold one
//! (a word found once in a 40-page report costs one page, not forty).
//!
//! A sketch never misses a page that holds a token (same tokens as the
//! index); about 1% of other pages pass anyway and are tokenized for
//! nothing. Each page's filter holds its distinct tokens and, for prefix
//! queries, each word's first three to six characters (a Han token's first
//! one).
//!
//! Stored format (`search_files.sketch`), per page in order: one byte `b`,
//! then `2^b / 8` bytes of filter bits (`b = 0`: a page without tokens, no
//! bytes). Keys are FNV-1a (64-bit) of the token's UTF-8, finished with
//! splitmix64; bit `i` of [`PROBES`] is `(h1 + i * h2) mod 2^b`. Changing any
//! of this means re-indexing (a migration).

use super::normalize::{Token, TokenKind, is_han};

/// Bits probed per key. With [`BITS_PER_KEY`] this passes ~1% of pages
/// without the key.
const PROBES: u64 = 5;
const BITS_PER_KEY: usize = 10;
const MIN_LOG2: u8 = 6;
const MAX_LOG2: u8 = 18;
/// Prefix keys are told apart from token keys by this first byte.
const PREFIX_TAG: u8 = 0x01;
/// A word is filed under its prefixes of these lengths (in characters), so
/// that a prefix query lets through only the pages with a word that starts
/// with its first characters (up to the longest length).
const PREFIX_LENGTHS: std::ops::RangeInclusive<usize> = 3..=6;

/// A key of the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key(u64);

fn hash(tag: Option<u8>, bytes: &[u8]) -> Key {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in tag.iter().chain(bytes) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // splitmix64's finaliser: FNV's low bits alone are poorly mixed.
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    Key(h ^ (h >> 31))
}

/// The key of a whole token.
pub(crate) fn token_key(token: &str) -> Key {
    hash(None, token.as_bytes())
}

/// The key of a prefix (a word's first characters, or a Han token's first
/// character).
pub(crate) fn prefix_key(prefix: &str) -> Key {
    hash(Some(PREFIX_TAG), prefix.as_bytes())
}

/// Calls `f` with each prefix a document token is also filed under.
fn prefixes_of(token: &str, kind: TokenKind, mut f: impl FnMut(&str)) {
    match kind {
        TokenKind::Word => {
            for (n, (i, c)) in token.char_indices().enumerate() {
                let end = i + c.len_utf8();
                if PREFIX_LENGTHS.contains(&(n + 1)) {
                    f(&token[..end]);
                }
                if n + 1 >= *PREFIX_LENGTHS.end() {
                    break;
                }
            }
        }
        TokenKind::HanPair | TokenKind::HanLast => {
            if let Some(c) = token.chars().next() {
                f(&token[..c.len_utf8()]);
            }
        }
    }
}

/// The key a query's prefix token is looked up by: for a word, its first
/// characters (up to the longest prefix filed); for one Han character,
/// itself as a prefix; for a Han pair, the pair itself (pairs are whole
/// tokens).
pub(crate) fn query_prefix_key(prefix: &str) -> Key {
    let mut chars = prefix.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if is_han(c) => prefix_key(prefix),
        (Some(c), Some(_)) if is_han(c) => token_key(prefix),
        _ => {
            let end = prefix
                .char_indices()
                .nth(*PREFIX_LENGTHS.end())
                .map_or(prefix.len(), |(i, _)| i);
            prefix_key(&prefix[..end])
        }
    }
}

/// Builds a file's sketch, one page at a time.
#[derive(Debug, Default)]
pub(crate) struct SketchBuilder {
    out: Vec<u8>,
    keys: Vec<u64>,
}

impl SketchBuilder {
    /// Adds a token of the current page.
    pub fn token(&mut self, t: &Token<'_>) {
        self.keys.push(token_key(t.text).0);
        let keys = &mut self.keys;
        prefixes_of(t.text, t.kind, |p| keys.push(prefix_key(p).0));
    }

    /// Ends the current page.
    pub fn end_page(&mut self) {
        self.keys.sort_unstable();
        self.keys.dedup();
        if self.keys.is_empty() {
            self.out.push(0);
            return;
        }
        let wanted = (self.keys.len() * BITS_PER_KEY).next_power_of_two();
        let log2 = (wanted.trailing_zeros() as u8).clamp(MIN_LOG2, MAX_LOG2);
        let bits = 1u64 << log2;
        let start = self.out.len() + 1;
        self.out.push(log2);
        self.out.resize(start + (bits / 8) as usize, 0);
        for &k in &self.keys {
            for bit in probes(Key(k), bits) {
                self.out[start + (bit / 8) as usize] |= 1 << (bit % 8);
            }
        }
        self.keys.clear();
    }

    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

fn probes(key: Key, bits: u64) -> impl Iterator<Item = u64> {
    let (h1, h2) = (key.0 & 0xffff_ffff, (key.0 >> 32) | 1);
    (0..PROBES).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) & (bits - 1))
}

/// The pages (0-based) whose filter may hold any of `keys`. A malformed
/// sketch (or none) lets every page through: sketches only ever save work.
pub(crate) fn candidate_pages(sketch: &[u8], pages: usize, keys: &[Key]) -> Vec<usize> {
    let all = || (0..pages).collect();
    let mut out = Vec::new();
    let mut at = 0;
    for page in 0..pages {
        let Some(&log2) = sketch.get(at) else {
            return all();
        };
        at += 1;
        if log2 == 0 {
            continue;
        }
        if !(MIN_LOG2..=MAX_LOG2).contains(&log2) {
            return all();
        }
        let bits = 1u64 << log2;
        let Some(filter) = sketch.get(at..at + (bits / 8) as usize) else {
            return all();
        };
        at += (bits / 8) as usize;
        let has = |k: Key| probes(k, bits).all(|b| filter[(b / 8) as usize] & (1 << (b % 8)) != 0);
        if keys.iter().any(|&k| has(k)) {
            out.push(page);
        }
    }
    if at != sketch.len() {
        return all();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::normalize::tokenize;
    use super::*;

    fn sketch(pages: &[&str]) -> Vec<u8> {
        let mut b = SketchBuilder::default();
        for p in pages {
            tokenize(p, |t| b.token(&t));
            b.end_page();
        }
        b.finish()
    }

    #[test]
    fn pages_with_a_token_always_pass_and_most_others_do_not() {
        let pages: Vec<String> = (0..200)
            .map(|i| {
                (0..300)
                    .map(|j| format!("w{}x{}", (i * 7919 + j * 104_729) % 50_000, j % 13))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let refs: Vec<&str> = pages.iter().map(String::as_str).collect();
        let s = sketch(&refs);
        let mut false_positives = 0;
        for (i, page) in pages.iter().enumerate() {
            let word = page.split(' ').nth(i % 300).unwrap();
            assert!(candidate_pages(&s, pages.len(), &[token_key(word)]).contains(&i));
            let absent = format!("absent{i}");
            false_positives += candidate_pages(&s, pages.len(), &[token_key(&absent)]).len();
        }
        // 200 lookups over 200 pages each: about 1% of pages may pass.
        assert!(false_positives < 200 * 200 / 40, "{false_positives}");
    }

    #[test]
    fn prefixes_of_words_and_han_characters() {
        let s = sketch(&["the developing world", "", "联合国大会"]);
        let pages = |k| candidate_pages(&s, 3, &[k]);
        // Filters never miss; on pages this small, a stray pass is possible,
        // so only presence is asserted (absence is measured above).
        let on = |k, page| pages(k).contains(&page);
        assert!(on(query_prefix_key("develop"), 0));
        assert!(on(query_prefix_key("developi"), 0));
        assert!(on(query_prefix_key("dev"), 0));
        assert!(on(query_prefix_key("the"), 0), "a word as long as the prefix");
        assert!(on(query_prefix_key("国"), 2));
        assert!(on(query_prefix_key("会"), 2), "a run's last character");
        assert!(on(query_prefix_key("联合"), 2));
        assert!(!on(query_prefix_key("dev"), 1), "an empty page holds nothing");
        assert_eq!(s[1 + (1 << s[0]) / 8], 0, "the empty page has no filter bytes");
    }

    #[test]
    fn a_damaged_sketch_lets_every_page_through() {
        let s = sketch(&["alpha", "beta"]);
        assert_eq!(candidate_pages(&s, 3, &[token_key("x")]), [0, 1, 2]);
        assert_eq!(candidate_pages(&s[..s.len() - 1], 2, &[token_key("x")]), [0, 1]);
        assert_eq!(candidate_pages(&[], 2, &[token_key("x")]), [0, 1]);
        assert_eq!(candidate_pages(&[99], 1, &[token_key("x")]), [0]);
    }
}
