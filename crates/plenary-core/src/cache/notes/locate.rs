//! Finding a reader's selection in a version's text rendition.
//!
//! The reader selects text in what it displays (pdf.js's text layer, an HTML
//! page); the cache anchors notes in the text the server extracted (the
//! rendition). The two spell the same glyphs but differ in spacing, line
//! breaks, ligatures and hyphenation, so the selection is found by comparing
//! *folded* text (NFKC, lower case, no whitespace, no soft hyphens), on the
//! page the user was on first, the occurrence chosen by how much of the
//! selection's prefix and suffix agree. Written here because it is the
//! product's own seam between what the user sees and what the cache stores.

use unicode_normalization::UnicodeNormalization;

/// The rendition of a version as one text: its pages joined by U+000C (form
/// feed). Positions are in Unicode code points, as the W3C model counts them.
#[derive(Debug, Clone)]
pub struct DocText {
    chars: Vec<char>,
    /// Code-point offset where each page starts.
    page_starts: Vec<usize>,
}

pub const PAGE_BREAK: char = '\u{c}';

impl DocText {
    pub fn from_pages(pages: &[String]) -> DocText {
        let mut chars = Vec::new();
        let mut page_starts = Vec::with_capacity(pages.len());
        for (i, p) in pages.iter().enumerate() {
            if i > 0 {
                chars.push(PAGE_BREAK);
            }
            page_starts.push(chars.len());
            chars.extend(p.chars());
        }
        if page_starts.is_empty() {
            page_starts.push(0);
        }
        DocText { chars, page_starts }
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn pages(&self) -> usize {
        self.page_starts.len()
    }

    /// The 1-based page holding code point `offset`.
    pub fn page_of(&self, offset: usize) -> u32 {
        (self.page_starts.partition_point(|&s| s <= offset)).max(1) as u32
    }

    /// The code-point range of page `page` (1-based), without its break.
    pub fn page_range(&self, page: u32) -> Option<(usize, usize)> {
        let i = (page as usize).checked_sub(1)?;
        let start = *self.page_starts.get(i)?;
        let end = self
            .page_starts
            .get(i + 1)
            .map(|next| next - 1)
            .unwrap_or(self.chars.len());
        Some((start, end))
    }

    pub fn slice(&self, start: usize, end: usize) -> String {
        let end = end.min(self.chars.len());
        self.chars[start.min(end)..end].iter().collect()
    }

    pub fn chars(&self) -> &[char] {
        &self.chars
    }
}

/// Text folded for comparison, with each folded char's source offset.
#[derive(Debug)]
pub(crate) struct Folded {
    pub text: Vec<char>,
    pub source: Vec<usize>,
}

fn fold_into(c: char, at: usize, out: &mut Folded) {
    if c.is_whitespace() || c == '\u{ad}' || c == '\u{640}' || c == PAGE_BREAK {
        return;
    }
    for n in std::iter::once(c).nfkc() {
        for l in n.to_lowercase() {
            out.text.push(l);
            out.source.push(at);
        }
    }
}

pub(crate) fn fold_chars(chars: &[char], base: usize) -> Folded {
    let mut out = Folded {
        text: Vec::with_capacity(chars.len()),
        source: Vec::with_capacity(chars.len()),
    };
    for (i, &c) in chars.iter().enumerate() {
        fold_into(c, base + i, &mut out);
    }
    out
}

pub(crate) fn fold_str(s: &str) -> Vec<char> {
    let chars: Vec<char> = s.chars().collect();
    fold_chars(&chars, 0).text
}

/// How many folded chars `a` and `b` share at their ends (`from_end`) or starts.
fn agreement(a: &[char], b: &[char], from_end: bool) -> usize {
    if from_end {
        a.iter()
            .rev()
            .zip(b.iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
    } else {
        a.iter().zip(b).take_while(|(x, y)| x == y).count()
    }
}

/// Where a selection stands in the text: code points `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Finds `exact` (with its `prefix` and `suffix` as evidence) in `text`,
/// looking on `page` first and then everywhere. `None` when the folded
/// quote occurs nowhere.
pub fn locate(
    text: &DocText,
    page: Option<u32>,
    exact: &str,
    prefix: &str,
    suffix: &str,
) -> Option<Span> {
    let needle = fold_str(exact);
    if needle.is_empty() {
        return None;
    }
    let prefix = fold_str(prefix);
    let suffix = fold_str(suffix);
    let ranges = page
        .and_then(|p| text.page_range(p))
        .into_iter()
        .chain(std::iter::once((0, text.len())));
    for (from, to) in ranges {
        let folded = fold_chars(&text.chars[from..to], from);
        if let Some(span) = best_occurrence(&folded, &needle, &prefix, &suffix) {
            return Some(span);
        }
    }
    None
}

fn best_occurrence(
    folded: &Folded,
    needle: &[char],
    prefix: &[char],
    suffix: &[char],
) -> Option<Span> {
    let hay = &folded.text;
    if needle.len() > hay.len() {
        return None;
    }
    let mut best: Option<(usize, usize)> = None; // (score, folded index)
    let first = needle[0];
    for i in 0..=hay.len() - needle.len() {
        if hay[i] != first || hay[i..i + needle.len()] != *needle {
            continue;
        }
        let score =
            agreement(&hay[..i], prefix, true) + agreement(&hay[i + needle.len()..], suffix, false);
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, i));
        }
    }
    let (_, i) = best?;
    let start = folded.source[i];
    let end = folded.source[i + needle.len() - 1] + 1;
    Some(Span { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(p: &[&str]) -> DocText {
        DocText::from_pages(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn pages_are_joined_by_form_feeds_and_counted_in_code_points() {
        let t = pages(&["Article 1", "العربية", "第二页"]);
        assert_eq!(t.len(), 9 + 1 + 7 + 1 + 3);
        assert_eq!(t.page_of(0), 1);
        assert_eq!(t.page_of(9), 1, "the break belongs to the page before");
        assert_eq!(t.page_of(10), 2);
        assert_eq!(t.page_of(18), 3);
        assert_eq!(t.page_range(2), Some((10, 17)));
        assert_eq!(t.slice(10, 17), "العربية");
        assert_eq!(t.page_range(4), None);
    }

    #[test]
    fn a_selection_is_found_despite_spacing_and_ligatures() {
        let t = pages(&[
            "States Parties shall take all\nfeasible measures to of\u{fb01}cially report.",
        ]);
        let s = locate(&t, Some(1), "take all feasible measures", "", "").unwrap();
        assert_eq!(t.slice(s.start, s.end), "take all\nfeasible measures");
        let s = locate(&t, Some(1), "officially", "", "").unwrap();
        assert_eq!(t.slice(s.start, s.end), "of\u{fb01}cially");
    }

    #[test]
    fn the_context_chooses_between_repeated_quotes() {
        let t =
            pages(&["Each State Party shall report. Each State Party shall destroy stockpiles."]);
        let s = locate(&t, None, "Each State Party shall", "report. ", " destroy").unwrap();
        assert_eq!(s.start, 31);
        let s = locate(&t, None, "Each State Party shall", "", " report").unwrap();
        assert_eq!(s.start, 0);
    }

    #[test]
    fn the_users_page_is_searched_first_then_the_whole_text() {
        let t = pages(&["victim assistance", "victim assistance", "other"]);
        let s = locate(&t, Some(2), "victim assistance", "", "").unwrap();
        assert_eq!(t.page_of(s.start), 2);
        let s = locate(&t, Some(3), "victim assistance", "", "").unwrap();
        assert_eq!(t.page_of(s.start), 1);
        assert_eq!(locate(&t, Some(1), "clearance", "", ""), None);
    }
}
