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

pub use crate::anchor::{DocText, PAGE_BREAK};

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

/// Folds `text`, whose first character is at offset `base` of the whole text.
pub(crate) fn fold_chars(text: &str, base: usize) -> Folded {
    let mut out = Folded {
        text: Vec::with_capacity(text.len()),
        source: Vec::with_capacity(text.len()),
    };
    for (i, c) in text.chars().enumerate() {
        fold_into(c, base + i, &mut out);
    }
    out
}

pub(crate) fn fold_str(s: &str) -> Vec<char> {
    fold_chars(s, 0).text
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

/// One exact (folded) occurrence of a quote, with how many folded
/// characters of the expected prefix and suffix agree around it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Occurrence {
    pub span: Span,
    pub prefix_agrees: usize,
    pub suffix_agrees: usize,
}

/// Every occurrence of the folded `needle` in `folded`, in order. Shared by
/// selecting (`locate`) and placing (`place`), which weigh them differently.
pub(crate) fn occurrences<'a>(
    folded: &'a Folded,
    needle: &'a [char],
    prefix: &'a [char],
    suffix: &'a [char],
) -> impl Iterator<Item = Occurrence> + 'a {
    let hay = &folded.text;
    let last = (hay.len() + 1).saturating_sub(needle.len().max(1));
    (0..last)
        .filter(move |&i| !needle.is_empty() && hay[i..i + needle.len()] == *needle)
        .map(move |i| Occurrence {
            span: Span {
                start: folded.source[i],
                end: folded.source[i + needle.len() - 1] + 1,
            },
            prefix_agrees: agreement(&hay[..i], prefix, true),
            suffix_agrees: agreement(&hay[i + needle.len()..], suffix, false),
        })
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
        .and_then(|p| text.page_range(p as usize))
        .into_iter()
        .chain(std::iter::once((0, text.len_chars())));
    for (from, to) in ranges {
        let folded = fold_chars(text.slice(from, to), from);
        // The first of the occurrences with the most agreeing context.
        let best =
            occurrences(&folded, &needle, &prefix, &suffix).fold(None::<Occurrence>, |best, o| {
                match best {
                    Some(b)
                        if b.prefix_agrees + b.suffix_agrees
                            >= o.prefix_agrees + o.suffix_agrees =>
                    {
                        Some(b)
                    }
                    _ => Some(o),
                }
            });
        if let Some(o) = best {
            return Some(o.span);
        }
    }
    None
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
        assert_eq!(t.len_chars(), 9 + 1 + 7 + 1 + 3);
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
