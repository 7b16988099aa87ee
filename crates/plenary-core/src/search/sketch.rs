//! Page sketches: for each page of a file, a Bloom filter of its tokens, so
//! that locating a hit reads and tokenizes only the pages that may hold one
//! (a word found once in a 40-page report costs one page, not forty).
//!
//! A sketch never misses a page that holds a hit (same tokens as the index);
//! a few percent of other pages pass anyway and are tokenized for nothing.
//! Filed per page: each distinct word, each word's first four characters
//! (for prefix queries), and each Han character (a token of its own).
//!
//! Stored format (`search_files.sketch`), per page in order: the filter's
//! length in bytes as a LEB128 varint (0: a page without tokens), then the
//! filter. Keys are FNV-1a (64-bit) of the key's UTF-8 (prefixes after a
//! 0x01 byte), finished with splitmix64; probe `i` sets bit
//! `((h1 + i * h2) mod 2^32) * bits >> 32`. Changing any of this means
//! re-indexing (a migration).

use super::normalize::{Token, TokenKind, is_han};

/// Bits probed per key. With [`BITS_PER_KEY`], about 2% of pages without
/// a key pass.
const PROBES: u32 = 5;
const BITS_PER_KEY: usize = 8;
/// Prefix keys are told apart from token keys by this first byte.
const PREFIX_TAG: u8 = 0x01;
/// A word is filed under its first this many characters.
const PREFIX_CHARS: usize = 4;

/// A query term for the sketch: its alternatives, each a sequence of tokens,
/// each the keys it needs ([`query_token_keys`]).
pub(crate) type TermKeys = Vec<Vec<Vec<Key>>>;

/// A key of the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

fn prefix(word: &str) -> Option<&str> {
    let mut chars = word.char_indices();
    let end = match chars.nth(PREFIX_CHARS - 1) {
        Some((i, c)) => i + c.len_utf8(),
        None => return None,
    };
    Some(&word[..end])
}

/// The keys a token is filed under.
fn keys_of(token: &str, kind: TokenKind, mut f: impl FnMut(Key)) {
    match kind {
        TokenKind::Word => {
            f(hash(None, token.as_bytes()));
            if let Some(p) = prefix(token) {
                f(hash(Some(PREFIX_TAG), p.as_bytes()));
            }
        }
        TokenKind::Han => f(hash(None, token.as_bytes())),
    }
}

/// What a page must hold for a query token to be on it: every one of these
/// keys (none: the sketch cannot tell, any page may).
pub(crate) fn query_token_keys(token: &str, is_prefix: bool) -> Vec<Key> {
    let mut keys = Vec::new();
    if token.chars().next().is_some_and(is_han) {
        // Filed by character (a pair, as older queries made, by both).
        let mut buf = [0u8; 4];
        for c in token.chars() {
            keys.push(hash(None, c.encode_utf8(&mut buf).as_bytes()));
        }
    } else if !is_prefix {
        keys.push(hash(None, token.as_bytes()));
    } else if let Some(p) = prefix(token) {
        keys.push(hash(Some(PREFIX_TAG), p.as_bytes()));
    }
    keys
}

/// Builds a file's sketch, one page at a time.
#[derive(Debug, Default)]
pub(crate) struct SketchBuilder {
    out: Vec<u8>,
    /// The current page's keys, as they come (with repeats).
    keys: Vec<Key>,
    /// Its distinct keys, and the open-addressing table that finds them
    /// (a key's value, 0 for an empty slot; a key that is 0 is `zero`).
    /// Sorting every page's keys to drop repeats took most of the time of
    /// building a sketch.
    distinct: Vec<Key>,
    table: Vec<u64>,
    zero: bool,
}

impl SketchBuilder {
    /// Adds a token of the current page.
    pub fn token(&mut self, t: &Token<'_>) {
        let keys = &mut self.keys;
        keys_of(t.text, t.kind, |k| keys.push(k));
    }

    /// Ends the current page.
    pub fn end_page(&mut self) {
        self.dedup();
        let bytes = (self.distinct.len() * BITS_PER_KEY).div_ceil(8);
        let mut n = bytes;
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.out.push(low);
                break;
            }
            self.out.push(low | 0x80);
        }
        let start = self.out.len();
        self.out.resize(start + bytes, 0);
        let filter = &mut self.out[start..];
        for &k in &self.distinct {
            for bit in probes(k, bytes as u64 * 8) {
                filter[(bit / 8) as usize] |= 1 << (bit % 8);
            }
        }
        self.keys.clear();
    }

    /// The current page's distinct keys into `distinct` (in no order).
    fn dedup(&mut self) {
        self.distinct.clear();
        self.zero = false;
        let slots = (self.keys.len() * 2).next_power_of_two().max(16);
        self.table.clear();
        self.table.resize(slots, 0);
        let mask = slots - 1;
        for &k in &self.keys {
            if k.0 == 0 {
                if !self.zero {
                    self.zero = true;
                    self.distinct.push(k);
                }
                continue;
            }
            // The key's high bits pick the slot (its low bits are a probe's).
            let mut i = (k.0 >> 40) as usize & mask;
            loop {
                let slot = &mut self.table[i];
                if *slot == k.0 {
                    break;
                }
                if *slot == 0 {
                    *slot = k.0;
                    self.distinct.push(k);
                    break;
                }
                i = (i + 1) & mask;
            }
        }
    }

    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

fn probes(key: Key, bits: u64) -> impl Iterator<Item = u64> {
    let (h1, h2) = (key.0 as u32, (key.0 >> 32) as u32 | 1);
    (0..PROBES).map(move |i| (u64::from(h1.wrapping_add(i.wrapping_mul(h2))) * bits) >> 32)
}

/// The per-page filters of a sketch, or `None` if it is malformed or does
/// not have `pages` pages.
fn filters(sketch: &[u8], pages: usize) -> Option<Vec<&[u8]>> {
    let mut out = Vec::with_capacity(pages);
    let mut at = 0;
    while at < sketch.len() {
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let b = *sketch.get(at)?;
            at += 1;
            len |= usize::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 28 {
                return None;
            }
        }
        out.push(sketch.get(at..at.checked_add(len)?)?);
        at += len;
    }
    (out.len() == pages).then_some(out)
}

fn holds(filter: &[u8], keys: &[Key]) -> bool {
    let bits = filter.len() as u64 * 8;
    bits > 0
        && keys
            .iter()
            .all(|&k| probes(k, bits).all(|b| filter[(b / 8) as usize] & (1 << (b % 8)) != 0))
}

/// The pages (0-based, in order) that may hold a hit of some term. A page may hold a hit that starts on it
/// if it holds every token of an alternative, or (for a phrase running onto
/// the next page) its first token while the next page holds its last; then
/// both pages are read. A malformed sketch lets every page through:
/// sketches only ever save work.
pub(crate) fn candidate_pages(sketch: &[u8], pages: usize, terms: &[TermKeys]) -> Vec<usize> {
    let Some(filters) = filters(sketch, pages) else {
        return (0..pages).collect();
    };
    let mut wanted = vec![false; pages];
    for alternative in terms.iter().flatten() {
        let all: Vec<Key> = alternative.iter().flatten().copied().collect();
        for (page, filter) in filters.iter().enumerate() {
            if holds(filter, &all) {
                wanted[page] = true;
            } else if alternative.len() > 1
                && page + 1 < pages
                && holds(filter, &alternative[0])
                && holds(filters[page + 1], &alternative[alternative.len() - 1])
            {
                wanted[page] = true;
                wanted[page + 1] = true;
            }
        }
    }
    (0..pages).filter(|&p| wanted[p]).collect()
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

    /// One alternative of one token.
    fn token(text: &str, is_prefix: bool) -> Vec<TermKeys> {
        vec![vec![vec![query_token_keys(text, is_prefix)]]]
    }

    #[test]
    fn pages_with_a_token_always_pass_and_few_others_do() {
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
            assert!(candidate_pages(&s, pages.len(), &token(word, false)).contains(&i));
            let absent = format!("absent{i}");
            false_positives += candidate_pages(&s, pages.len(), &token(&absent, false)).len();
        }
        // 200 lookups over 200 pages each: about 2% of pages may pass.
        assert!(false_positives < 200 * 200 / 25, "{false_positives}");
        // A word (with its prefix) costs about two bytes a page.
        assert!(s.len() < pages.len() * 300 * 2 * 2, "{}", s.len());
    }

    #[test]
    fn prefixes_phrases_and_han_characters() {
        let s = sketch(&["the developing world of", "", "human rights", "联合国大会"]);
        let on = |terms: Vec<TermKeys>, page| candidate_pages(&s, 4, &terms).contains(&page);
        assert!(on(token("develop", true), 0));
        assert!(on(token("deve", true), 0));
        assert!(
            on(token("dev", true), 2),
            "a short prefix cannot be told: any page"
        );
        assert!(on(token("国", true), 3));
        assert!(on(token("会", true), 3), "a run's last character");
        assert!(on(token("联合", false), 3));
        assert!(!on(token("world", false), 1), "an empty page holds nothing");
        // A phrase whose first token ends page 0 and last token starts page 2
        // does not run across page 1 (empty): page 2 alone may hold "human rights".
        let phrase = vec![vec![vec![
            query_token_keys("of", false),
            query_token_keys("human", false),
        ]]];
        assert!(!on(phrase.clone(), 0));
        let s2 = sketch(&["the end of", "human rights"]);
        assert_eq!(
            candidate_pages(&s2, 2, &phrase),
            [0, 1],
            "a phrase across pages"
        );
    }

    #[test]
    fn a_damaged_sketch_lets_every_page_through() {
        let s = sketch(&["alpha", "beta"]);
        let t = token("x", false);
        assert_eq!(candidate_pages(&s, 3, &t), [0, 1, 2]);
        assert_eq!(candidate_pages(&s[..s.len() - 1], 2, &t), [0, 1]);
        assert_eq!(candidate_pages(&[], 2, &t), [0, 1]);
        assert_eq!(candidate_pages(&[0xff, 0xff, 0xff, 0xff, 0xff], 1, &t), [0]);
    }
}
