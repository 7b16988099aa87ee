//! Where in a file the query matched: the best page, the other pages with
//! hits, and a snippet of the original text around the best hit. Done in
//! Rust for the few hits shown, with the same tokens as the index (so a hit
//! FTS5 found is found here too), on the pages the file's sketch lets
//! through (see `sketch.rs`), instead of storing positions per page.

use serde::Serialize;

use super::normalize::{Lengths, tokenize_matching};
use super::query::Parsed;
use super::sketch::{TermKeys, query_token_keys};

/// A piece of a snippet: original text, marked when it is (part of) a hit.
/// The UI shows `text` as text (never as HTML) and emphasises hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnippetSegment {
    pub text: String,
    pub hit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    /// 1-based.
    pub page: u32,
    pub also_pages: Vec<u32>,
    pub snippet: Vec<SnippetSegment>,
    pub terms: Vec<String>,
}

/// At most this many other pages are listed.
pub(crate) const ALSO_PAGES: usize = 10;
/// At most this many distinct query tokens take part in locating.
const MAX_TOKENS: usize = 64;
/// Snippet size, in characters, before and after the hits it shows.
const BEFORE: usize = 70;
const AFTER: usize = 160;
const TERMS: usize = 20;
/// Token positions skipped between pages that are not consecutive, so that
/// no phrase matches across the gap.
const GAP: usize = 1 << 20;

/// What the sketch needs to know of the query: each positive term's
/// alternatives, as the keys of each of their tokens.
pub(crate) fn sketch_terms(query: &Parsed) -> Vec<TermKeys> {
    query
        .groups
        .iter()
        .flatten()
        .map(|term| {
            term.alternatives
                .iter()
                .map(|alternative| {
                    alternative
                        .iter()
                        .enumerate()
                        .map(|(i, token)| {
                            query_token_keys(token, term.prefix && i + 1 == alternative.len())
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// One match of a term: the group it satisfies, the page (index into the
/// pages read) and its span in that page's text.
#[derive(Debug, Clone, Copy)]
struct Hit {
    group: usize,
    page: usize,
    start: usize,
    end: usize,
}

/// Locates the query's hits in a file. `candidates` are the pages (0-based,
/// in order) that may hold hits; `load` reads one. Pages are read in order,
/// consecutive pages continuing each other (a phrase may run from one onto
/// the next), until the answer cannot change: the best page is the first
/// page matching the most groups of the query (all of them, normally), and
/// at most [`ALSO_PAGES`] other pages are listed, so a word on every page
/// costs a dozen pages, not all. Without hits, the first candidate is the
/// page and its start the snippet.
pub(crate) fn locate<E>(
    candidates: &[usize],
    mut load: impl FnMut(usize) -> Result<Option<String>, E>,
    query: &Parsed,
) -> Result<Located, E> {
    let mut finder = Finder::new(query);
    let mut pages: Vec<(usize, String)> = Vec::new();
    for &number in candidates {
        let Some(text) = load(number)? else {
            continue;
        };
        let index = pages.len();
        let follows = pages.last().is_some_and(|(n, _)| n + 1 == number);
        finder.add_page(index, follows, &text);
        pages.push((number, text));
        // Every page before this one is final: phrases run onto the next
        // page at most.
        finder.match_before(index);
        if finder.settled(index) {
            break;
        }
    }
    finder.match_before(usize::MAX);
    let hits = finder.hits;

    // Per page: which groups it satisfies.
    let mut per_page: Vec<(usize, u64)> = Vec::new();
    for h in &hits {
        match per_page.last_mut() {
            Some((p, groups)) if *p == h.page => *groups |= 1u64 << (h.group % 64),
            _ => per_page.push((h.page, 1u64 << (h.group % 64))),
        }
    }
    let best = per_page
        .iter()
        .max_by_key(|(page, groups)| (groups.count_ones(), std::cmp::Reverse(*page)))
        .map_or(0, |(page, _)| *page);
    let also_pages: Vec<u32> = per_page
        .iter()
        .filter(|(p, _)| *p != best)
        .filter_map(|(p, _)| pages.get(*p).map(|(n, _)| *n as u32 + 1))
        .take(ALSO_PAGES)
        .collect();

    let Some((number, text)) = pages.get(best) else {
        return Ok(Located {
            page: candidates.first().map_or(1, |p| *p as u32 + 1),
            also_pages,
            snippet: Vec::new(),
            terms: Vec::new(),
        });
    };
    let on_page: Vec<Hit> = hits
        .iter()
        .filter(|h| h.page == best)
        .map(|h| Hit {
            end: h.end.min(text.len()),
            ..*h
        })
        .collect();
    let (snippet, terms) = snippet(text, 0, text.len(), &on_page);
    Ok(Located {
        page: *number as u32 + 1,
        also_pages,
        snippet,
        terms,
    })
}

/// An occurrence of a query token in the text.
#[derive(Debug, Clone, Copy)]
struct Occurrence {
    position: usize,
    /// The ids of the query tokens it is, as a bit set.
    mask: u64,
    page: usize,
    start: usize,
    end: usize,
}

/// Finds the matches of the query's positive terms, page after page.
struct Finder<'q> {
    /// For each term alternative: (group, the ids of its tokens).
    sequences: Vec<(usize, Vec<usize>)>,
    groups: usize,
    exact: Vec<(&'q str, usize)>,
    exact_lengths: u64,
    long_exact: bool,
    prefixes: Vec<(&'q str, usize)>,
    shortest_prefix: usize,
    position: usize,
    occurrences: Vec<Occurrence>,
    /// Occurrences before this one have been matched.
    matched: usize,
    hits: Vec<Hit>,
    /// Per page read: the groups its hits satisfy.
    page_groups: Vec<u64>,
}

impl<'q> Finder<'q> {
    fn new(query: &'q Parsed) -> Self {
        // Distinct query tokens get ids; a prefix token is distinct from the
        // same text as a whole word.
        let mut exact: Vec<(&str, usize)> = Vec::new();
        let mut prefixes: Vec<(&str, usize)> = Vec::new();
        let mut next_id = 0;
        let mut sequences = Vec::new();
        'terms: for (group, terms) in query.groups.iter().enumerate() {
            for term in terms {
                for alternative in &term.alternatives {
                    let mut ids = Vec::with_capacity(alternative.len());
                    for (i, token) in alternative.iter().enumerate() {
                        let is_prefix = term.prefix && i + 1 == alternative.len();
                        let list = if is_prefix { &mut prefixes } else { &mut exact };
                        let id = match list.iter().find(|(t, _)| t == token) {
                            Some(&(_, id)) => id,
                            None => {
                                list.push((token, next_id));
                                next_id += 1;
                                next_id - 1
                            }
                        };
                        if id >= MAX_TOKENS {
                            break 'terms;
                        }
                        ids.push(id);
                    }
                    sequences.push((group, ids));
                }
            }
        }
        Finder {
            groups: query.groups.len(),
            exact_lengths: exact
                .iter()
                .filter(|(t, _)| t.len() < 64)
                .fold(0, |m, (t, _)| m | 1u64 << t.len()),
            long_exact: exact.iter().any(|(t, _)| t.len() >= 64),
            shortest_prefix: prefixes
                .iter()
                .map(|(p, _)| p.len())
                .min()
                .unwrap_or(usize::MAX),
            sequences,
            exact,
            prefixes,
            position: 0,
            occurrences: Vec::new(),
            matched: 0,
            hits: Vec::new(),
            page_groups: Vec::new(),
        }
    }

    /// Tokenizes the next page read (`follows`: it is the page after the
    /// previous one), noting the query tokens on it. Most tokens are no
    /// query token: a length check rejects them before any comparison.
    fn add_page(&mut self, page: usize, follows: bool, text: &str) {
        if !follows {
            self.position += GAP;
        }
        self.page_groups.push(0);
        let Finder {
            exact,
            exact_lengths,
            long_exact,
            prefixes,
            shortest_prefix,
            position,
            occurrences,
            ..
        } = self;
        let lengths = Lengths {
            exact: *exact_lengths,
            long: *long_exact,
            from: *shortest_prefix,
        };
        let base = *position;
        let count = tokenize_matching(text, Some(lengths), |t| {
            let len = t.text.len();
            let mut mask = 0u64;
            if (len < 64 && *exact_lengths & (1u64 << len) != 0) || (len >= 64 && *long_exact) {
                for &(q, id) in exact.iter() {
                    if q == t.text {
                        mask |= 1u64 << id;
                    }
                }
            }
            if len >= *shortest_prefix {
                for &(p, id) in prefixes.iter() {
                    if t.text.starts_with(p) {
                        mask |= 1u64 << id;
                    }
                }
            }
            if mask != 0 {
                occurrences.push(Occurrence {
                    position: base + t.index,
                    mask,
                    page,
                    start: t.start,
                    end: t.end,
                });
            }
        });
        *position = base + count;
    }

    /// Matches the terms at every occurrence on pages before `page` (pages
    /// read since are known, so phrases starting there are complete).
    fn match_before(&mut self, page: usize) {
        let until = self.occurrences[self.matched..]
            .iter()
            .position(|o| o.page >= page)
            .map_or(self.occurrences.len(), |i| self.matched + i);
        let occurrences = &self.occurrences;
        for k in self.matched..until {
            let o = &occurrences[k];
            for (group, ids) in &self.sequences {
                if o.mask & (1u64 << ids[0]) == 0 {
                    continue;
                }
                let mut end = o.end;
                let mut end_page = o.page;
                let matched = ids.iter().enumerate().skip(1).all(|(offset, &id)| {
                    // Occurrences are in position order: the phrase's next
                    // token, if it is a query token, is at most `offset` later.
                    match occurrences[k + 1..]
                        .iter()
                        .take(offset)
                        .find(|n| n.position == o.position + offset)
                    {
                        Some(n) if n.mask & (1u64 << id) != 0 => {
                            end = n.end;
                            end_page = n.page;
                            true
                        }
                        _ => false,
                    }
                });
                if matched {
                    self.hits.push(Hit {
                        group: *group,
                        page: o.page,
                        start: o.start,
                        // A phrase running onto the next page is shown up
                        // to the end of its first page.
                        end: if end_page == o.page { end } else { usize::MAX },
                    });
                    self.page_groups[o.page] |= 1u64 << (group % 64);
                }
            }
        }
        self.matched = until;
        if page == usize::MAX {
            self.hits
                .sort_by_key(|h| (h.page, h.start, std::cmp::Reverse(h.end)));
        }
    }

    /// Whether reading more pages after `page` can change the answer: not
    /// once an earlier page matches every group and enough others have hits.
    fn settled(&self, page: usize) -> bool {
        let closed = &self.page_groups[..page];
        let all = closed
            .iter()
            .position(|g| g.count_ones() as usize >= self.groups.min(64));
        all.is_some() && closed.iter().filter(|g| **g != 0).count() > ALSO_PAGES
    }
}

/// The snippet around the densest cluster of hits on a page, and the
/// distinct hit texts of the page.
fn snippet(
    text: &str,
    page_start: usize,
    page_end: usize,
    hits: &[Hit],
) -> (Vec<SnippetSegment>, Vec<String>) {
    let mut terms: Vec<String> = Vec::new();
    for h in hits {
        let t = collapse(&text[h.start..h.end]);
        if terms.len() < TERMS && !terms.contains(&t) {
            terms.push(t);
        }
    }
    // The hit with the most distinct groups within the snippet's reach after it.
    let anchor = (0..hits.len())
        .max_by_key(|&i| {
            let reach = forward(text, hits[i].start, AFTER, page_end);
            let groups = hits[i..]
                .iter()
                .take_while(|h| h.start < reach)
                .fold(0u64, |m, h| m | 1u64 << (h.group % 64));
            (groups.count_ones(), std::cmp::Reverse(i))
        })
        .map(|i| hits[i]);
    let (from, to) = match anchor {
        Some(h) => (
            word_start(text, back(text, h.start, BEFORE, page_start), h.start),
            word_end(text, forward(text, h.end, AFTER, page_end), h.end),
        ),
        None => (
            page_start,
            word_end(text, forward(text, page_start, AFTER, page_end), page_start),
        ),
    };

    let mut segments: Vec<SnippetSegment> = Vec::new();
    let mut push = |s: &str, hit: bool| {
        let s = collapse_keep_edges(s);
        if s.is_empty() {
            return;
        }
        match segments.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(&s),
            _ => segments.push(SnippetSegment { text: s, hit }),
        }
    };
    if !text[page_start..from].trim().is_empty() {
        push("… ", false);
    }
    let mut at = from;
    for h in hits.iter().filter(|h| h.start >= from && h.start < to) {
        if h.end <= at {
            continue; // inside a hit already shown
        }
        let start = h.start.max(at);
        // Hits separated only by blanks read as one: "[armes à sous-munitions]".
        let gap = &text[at..start];
        let joins = at > from && gap.trim().is_empty();
        push(gap, joins);
        push(&text[start..h.end], true);
        at = h.end;
    }
    if at < to {
        push(&text[at..to], false);
    }
    if !text[to.max(at)..page_end].trim().is_empty() {
        push(" …", false);
    }
    // No leading or trailing blanks.
    if let Some(first) = segments.first_mut() {
        first.text = first.text.trim_start().to_owned();
    }
    if let Some(last) = segments.last_mut() {
        last.text = last.text.trim_end().to_owned();
    }
    segments.retain(|s| !s.text.is_empty());
    (segments, terms)
}

/// `n` characters before `at`, not before `limit`.
fn back(text: &str, at: usize, n: usize, limit: usize) -> usize {
    text[limit..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(limit, |(i, _)| limit + i)
}

/// `n` characters after `at`, not after `limit`.
fn forward(text: &str, at: usize, n: usize, limit: usize) -> usize {
    let at = at.min(limit);
    text[at..limit]
        .char_indices()
        .nth(n)
        .map_or(limit, |(i, _)| at + i)
}

/// Moves a snippet's start forward to the beginning of a word (never past `hit`).
fn word_start(text: &str, from: usize, hit: usize) -> usize {
    if from == 0 || text[..from].ends_with(char::is_whitespace) {
        return from;
    }
    text[from..hit]
        .find(char::is_whitespace)
        .map_or(from, |i| from + i)
}

/// Moves a snippet's end back to the end of a word (never before `hit`).
fn word_end(text: &str, to: usize, hit: usize) -> usize {
    if to >= text.len() || text[to..].starts_with(char::is_whitespace) {
        return to;
    }
    text[hit..to]
        .rfind(char::is_whitespace)
        .map_or(to, |i| hit + i)
}

/// Whitespace runs (line ends, form feeds) as one space.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Like [`collapse`], but a leading or trailing blank stays one space.
fn collapse_keep_edges(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = false;
    for c in s.chars() {
        if c.is_whitespace() {
            blank = true;
        } else {
            if blank {
                out.push(' ');
                blank = false;
            }
            out.push(c);
        }
    }
    if blank {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::query::parse;
    use super::*;

    fn all<'a>(pages: &[&'a str]) -> Vec<(usize, &'a str)> {
        pages.iter().copied().enumerate().collect()
    }

    /// Locates in these pages, every one a candidate.
    fn locate<S: AsRef<str>>(pages: &[(usize, S)], query: &Parsed) -> Located {
        let candidates: Vec<usize> = pages.iter().map(|p| p.0).collect();
        super::locate::<()>(
            &candidates,
            |n| {
                Ok(pages
                    .iter()
                    .find(|p| p.0 == n)
                    .map(|p| p.1.as_ref().to_owned()))
            },
            query,
        )
        .unwrap()
    }

    fn render(segments: &[SnippetSegment]) -> String {
        segments
            .iter()
            .map(|s| {
                if s.hit {
                    format!("[{}]", s.text)
                } else {
                    s.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn finds_the_page_with_the_most_groups_and_marks_original_text() {
        let pages = [
            "Introduction.\nNothing here about it.",
            "The États parties discussed the budget.",
            "Les États parties et le développement durable:\nle développement des États.",
        ];
        let l = locate(&all(&pages), &parse("etats developpement"));
        assert_eq!(l.page, 3);
        assert_eq!(l.also_pages, [2]);
        assert_eq!(
            render(&l.snippet),
            "Les [États] parties et le [développement] durable: le [développement] des [États]."
        );
        assert_eq!(l.terms, ["États", "développement"]);
    }

    #[test]
    fn adjacent_hits_read_as_one() {
        let l = locate(
            &all(&["Des armes à sous-munitions, armes et munitions."]),
            &parse("armes à sous-munitions"),
        );
        assert_eq!(
            render(&l.snippet),
            "Des [armes à sous-munitions], [armes] et munitions."
        );
    }

    #[test]
    fn phrases_match_adjacent_tokens_only_and_may_cross_a_line_end() {
        let pages = ["the council of\nhuman rights", "human rights council"];
        let l = locate(&all(&pages), &parse("\"human rights council\""));
        assert_eq!((l.page, l.also_pages.clone()), (2, vec![]));
        let l = locate(&all(&pages), &parse("\"of human\""));
        assert_eq!(l.page, 1);
        assert_eq!(render(&l.snippet), "the council [of human] rights");
    }

    #[test]
    fn long_pages_are_cut_with_ellipses_at_word_boundaries() {
        let before = "word ".repeat(100);
        let after = " tail".repeat(100);
        let page = format!("{before}needle{after}");
        let l = locate(&[(0, page)], &parse("needle"));
        let s = render(&l.snippet);
        assert!(s.starts_with("… word"), "{s}");
        assert!(s.ends_with("tail …"), "{s}");
        assert!(s.contains("word [needle] tail"), "{s}");
        assert!(s.chars().count() < 260, "{s}");
    }

    #[test]
    fn prefix_and_han_hits() {
        let l = locate(
            &all(&["We develop; development is developing."]),
            &parse("develop*"),
        );
        assert_eq!(l.terms, ["develop", "development", "developing"]);
        let l = locate(&all(&["关于联合国大会的报告"]), &parse("联合国大会"));
        assert_eq!(render(&l.snippet), "关于[联合国大会]的报告");
        let l = locate(&all(&["关于联合国大会的报告"]), &parse("国"));
        assert_eq!(l.terms, ["国"]);
    }

    #[test]
    fn no_hit_gives_the_start_of_the_first_page() {
        let l = locate(&all(&["Some text.", "More."]), &parse("absent"));
        assert_eq!((l.page, l.also_pages.len()), (1, 0));
        assert_eq!(render(&l.snippet), "Some text.");
    }

    #[test]
    fn a_word_on_every_page_reads_a_dozen_pages_not_all() {
        let pages: Vec<String> = (0..40)
            .map(|i| format!("page {i} mentions the treaty"))
            .collect();
        let candidates: Vec<usize> = (0..40).collect();
        let mut read = Vec::new();
        let l = super::locate::<()>(
            &candidates,
            |n| {
                read.push(n);
                Ok(Some(pages[n].clone()))
            },
            &parse("treaty"),
        )
        .unwrap();
        assert_eq!(l.page, 1);
        assert_eq!(l.also_pages, (2..=11).collect::<Vec<u32>>());
        assert_eq!(read, (0..=11).collect::<Vec<usize>>(), "stops once settled");
        // Two words: reading goes on until a page holds both.
        let mut read = 0;
        let l = super::locate::<()>(
            &candidates,
            |n| {
                read += 1;
                Ok(Some(if n == 30 {
                    format!("{} and the protocol", pages[n])
                } else {
                    pages[n].clone()
                }))
            },
            &parse("treaty protocol"),
        )
        .unwrap();
        assert_eq!((l.page, read), (31, 32));
        assert_eq!(l.also_pages, (1..=10).collect::<Vec<u32>>());
    }

    #[test]
    fn page_numbers_come_from_the_pages_given_and_gaps_break_phrases() {
        let pages = [(2, "the end of a"), (3, "phrase here"), (7, "phrase again")];
        let l = locate(&pages, &parse("phrase"));
        assert_eq!((l.page, l.also_pages.clone()), (4, vec![8]));
        let l = locate(&pages, &parse("\"of a phrase\""));
        assert_eq!(l.page, 3, "a phrase runs on into the next page");
        assert_eq!(render(&l.snippet), "the end [of a]");
        let gap = [(2, "the end of a"), (5, "phrase here")];
        let l = locate(&gap, &parse("\"of a phrase\""));
        assert!(
            l.terms.is_empty(),
            "not across pages that do not follow each other"
        );
    }
}
