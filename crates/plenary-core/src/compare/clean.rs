//! A version's text rendition (its pages) made comparable: page furniture
//! removed, lines wrapped by the layout joined back into paragraphs
//! (line-end hyphenation undone), whitespace normalised. Every character of
//! the cleaned text remembers where it came from in the rendition, so that a
//! change is located by page and can be matched against notes.
//!
//! Rendition offsets are Unicode code points in the pages joined with
//! [`PAGE_BREAK`], the coordinates notes are anchored in.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// What separates pages in a rendition's joined text.
pub const PAGE_BREAK: char = '\u{c}';

/// Furniture is looked for among this many non-blank lines at the top and
/// at the bottom of each page.
pub const FURNITURE_EDGE_LINES: usize = 3;
/// A line at the edge of a page is furniture when its shape (digits masked)
/// is at the same edge of at least this share of the pages...
pub const FURNITURE_MIN_SHARE: f64 = 0.5;
/// ...and the document has at least this many pages.
pub const FURNITURE_MIN_PAGES: usize = 2;
/// Text whose lines are at most this long (90th percentile, characters) was
/// wrapped by a layout (a PDF): its line breaks inside paragraphs are soft.
/// Longer lines mean one paragraph per line (HTML, plain text).
pub const WRAPPED_MAX_LINE: usize = 130;
/// In wrapped text, a line at least this share of the usual full line
/// continues on the next line; a shorter one ends its paragraph.
pub const FULL_LINE_SHARE: f64 = 0.7;

/// Words written with a hyphen inside a line (`follow-up`), lower case, from
/// both versions: a line-end hyphen between the same two parts is kept.
#[derive(Debug, Default, Clone)]
pub struct HyphenVocab(HashSet<String>);

impl HyphenVocab {
    /// The hyphenated words of a version's pages.
    pub fn of(pages: &[String]) -> Self {
        let mut v = HyphenVocab::default();
        v.add_pages(pages);
        v
    }

    pub fn merge(&mut self, other: HyphenVocab) {
        self.0.extend(other.0);
    }

    /// Adds the hyphenated words of a version's pages.
    pub fn add_pages(&mut self, pages: &[String]) {
        for page in pages {
            for (at, _) in page.match_indices('-') {
                let before = &page[..at];
                let after = &page[at + 1..];
                let head_len: usize = before
                    .chars()
                    .rev()
                    .take_while(|c| c.is_alphabetic())
                    .map(char::len_utf8)
                    .sum();
                let tail_len: usize = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric())
                    .map(char::len_utf8)
                    .sum();
                if head_len > 0 && tail_len > 0 {
                    let word = &page[at - head_len..at + 1 + tail_len];
                    self.0.insert(word.to_lowercase());
                }
            }
        }
    }

    fn contains(&self, before: &str, after: &str) -> bool {
        self.0
            .contains(&format!("{}-{}", before, after).to_lowercase())
    }
}

/// A version's cleaned text.
#[derive(Debug, Clone)]
pub struct Cleaned {
    /// Paragraphs joined with `\n`; inside a paragraph, single spaces.
    pub text: String,
    /// Each paragraph's byte range in `text`.
    pub paras: Vec<Range<usize>>,
    /// For each character of `text`, its offset in the rendition, then one
    /// more entry: the rendition's length.
    offsets: Vec<u32>,
    /// The rendition offset where each page starts.
    page_starts: Vec<u32>,
    /// Lines dropped as page furniture.
    pub furniture_lines: usize,
}

impl Cleaned {
    /// Characters in the cleaned text.
    pub fn chars(&self) -> u32 {
        (self.offsets.len() - 1) as u32
    }

    pub fn pages(&self) -> u32 {
        self.page_starts.len() as u32
    }

    /// The rendition range of a cleaned character range. An empty range
    /// maps to the rendition position of the character it stands before.
    pub fn rendition_range(&self, chars: Range<u32>) -> Range<u32> {
        let start = self.offsets[chars.start as usize];
        if chars.end <= chars.start {
            return start..start;
        }
        start..self.offsets[chars.end as usize - 1] + 1
    }

    /// The 1-based page of a rendition offset.
    pub fn page_of(&self, rendition_offset: u32) -> u32 {
        self.page_starts
            .partition_point(|&s| s <= rendition_offset)
            .max(1) as u32
    }

    /// The 1-based page of a cleaned character.
    #[cfg(test)]
    pub fn page_at(&self, char_index: u32) -> u32 {
        self.page_of(self.offsets[char_index as usize])
    }
}

#[derive(Debug)]
struct Line<'a> {
    /// The line without its line break, untrimmed.
    raw: &'a str,
    /// Rendition offset of its first character.
    start: u32,
    page: usize,
    furniture: bool,
    blank: bool,
}

/// Cleans a version's pages. `vocab` should hold both versions' hyphenated
/// words, so that both are dehyphenated alike.
pub fn clean(pages: &[String], vocab: &HyphenVocab, remove_furniture: bool) -> Cleaned {
    let mut lines = Vec::new();
    let mut page_starts = Vec::with_capacity(pages.len());
    let mut offset: u32 = 0;
    for (p, page) in pages.iter().enumerate() {
        if p > 0 {
            offset += 1; // the page break
        }
        page_starts.push(offset);
        for raw in page.split('\n') {
            let blank = raw.chars().all(|c| is_space(c) || is_invisible(c));
            lines.push(Line {
                raw,
                start: offset,
                page: p,
                furniture: false,
                blank,
            });
            offset += raw.chars().count() as u32 + 1;
        }
        offset -= 1; // no line break after the page's last line
    }
    if page_starts.is_empty() {
        page_starts.push(0);
    }
    let total = offset;

    let furniture_lines = if remove_furniture {
        mark_furniture(&mut lines, pages.len())
    } else {
        0
    };

    // Wrapped text? Look at the lengths of the lines that remain.
    let mut lengths: Vec<usize> = lines
        .iter()
        .filter(|l| !l.blank && !l.furniture)
        .map(|l| l.raw.trim().chars().count())
        .collect();
    lengths.sort_unstable();
    let p90 = lengths
        .get(lengths.len().saturating_sub(1) * 9 / 10)
        .copied()
        .unwrap_or(0);
    let wrapped = lengths.len() >= 10 && p90 <= WRAPPED_MAX_LINE;
    let full_line = (p90 as f64 * FULL_LINE_SHARE) as usize;

    let mut out = Builder {
        text: String::with_capacity(pages.iter().map(String::len).sum()),
        offsets: Vec::with_capacity(total as usize + 1),
        ..Builder::default()
    };
    let content: Vec<&Line> = lines.iter().filter(|l| !l.furniture).collect();
    // Non-blank lines, each with whether blank lines follow it.
    let filled: Vec<(&Line, bool)> = content
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.blank)
        .map(|(i, l)| (*l, content.get(i + 1).is_some_and(|n| n.blank)))
        .collect();
    for (i, &(line, blank_after)) in filled.iter().enumerate() {
        let trimmed_end = line.raw.trim_end();
        let next = filled.get(i + 1).map(|(n, _)| *n);
        // How this line continues into the next one. In wrapped text a
        // blank line ends a paragraph only after the end of a sentence on
        // the same page: `pdftotext` also leaves blank lines inside
        // paragraphs, and beside the furniture at a page's edge.
        let mut join = Join::Break;
        let ends_sentence = trimmed_end
            .trim_end_matches(|c| is_space(c) || is_invisible(c))
            .ends_with([
                '.', ':', ';', '!', '?', '。', '．', '！', '？', '؟', '：', '；',
            ]);
        if wrapped
            && let Some(next) = next
            && !(blank_after && next.page == line.page && ends_sentence)
        {
            let next_text = next
                .raw
                .trim_start_matches(|c| is_space(c) || is_invisible(c));
            let len = trimmed_end.trim_start().chars().count();
            let hyphen = hyphen_join(trimmed_end, next_text, vocab);
            if (hyphen.is_some() || len >= full_line) && !starts_structure(&plain(next_text)) {
                join = hyphen.unwrap_or(Join::Space);
            }
        }
        let keep = match join {
            Join::DropHyphen => trimmed_end.len() - 1,
            _ => trimmed_end.len(),
        };
        out.push_line(&line.raw[..keep], line.start);
        match join {
            Join::Break => out.end_para(),
            Join::Space => out.pending_space(line.start + line.raw.chars().count() as u32),
            Join::DropHyphen | Join::KeepHyphen => out.glue(),
        }
    }
    out.end_para();
    let mut offsets = out.offsets;
    offsets.push(total);
    Cleaned {
        text: out.text,
        paras: out.paras,
        offsets,
        page_starts,
        furniture_lines,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Join {
    /// The next line starts a new paragraph.
    Break,
    /// Same paragraph, a space between.
    Space,
    /// `protec-` + `tion`: the hyphen goes, nothing between.
    DropHyphen,
    /// `follow-` + `up`, `non-` + `Governmental`: the hyphen stays, nothing between.
    KeepHyphen,
}

/// The rule for a line ending in a hyphen right after a letter: before a
/// lower-case letter the hyphen is the layout's, unless the document writes
/// the same two parts with a hyphen elsewhere; before anything else
/// (capital, digit) it is the word's own.
fn hyphen_join(line: &str, next: &str, vocab: &HyphenVocab) -> Option<Join> {
    let before = line.strip_suffix(['-', '\u{2010}'])?;
    let last = before.chars().next_back()?;
    if !last.is_alphabetic() {
        return None;
    }
    let first = next.chars().next()?;
    if !first.is_alphabetic() {
        return None;
    }
    if !first.is_lowercase() {
        return Some(Join::KeepHyphen);
    }
    let head = before
        .rsplit(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    let tail: String = next.chars().take_while(|c| c.is_alphabetic()).collect();
    Some(if vocab.contains(head, &tail) {
        Join::KeepHyphen
    } else {
        Join::DropHyphen
    })
}

/// Does a line start a numbered paragraph or an article (never joined to
/// the line before)?
pub(crate) fn starts_structure(line: &str) -> bool {
    super::structure::heading(line).is_some() || super::structure::paragraph_number(line).is_some()
}

/// Whitespace, and the bidirectional embeddings `pdftotext` puts around
/// runs of Arabic text (U+202A to U+202E, U+2066 to U+2069): they part
/// runs as a space would ("- 1" and the word after it).
fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A line as the structure sees it: bidirectional marks as spaces,
/// invisible characters dropped.
fn plain(line: &str) -> String {
    line.chars()
        .filter(|c| !is_invisible(*c))
        .map(|c| if is_space(c) { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// CJK punctuation and full-width forms (`。`, `，`, `（`).
fn is_cjk_punctuation(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303f | 0xff00..=0xff65)
}

/// Characters that are not text: soft hyphen, zero-width spaces and joiners,
/// byte order mark.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}'
    )
}

#[derive(Debug, Default)]
struct Builder {
    text: String,
    offsets: Vec<u32>,
    paras: Vec<Range<usize>>,
    para_start: usize,
    /// A space to write before the next character (its rendition offset).
    space: Option<u32>,
    /// Nothing between this line's end and the next line's start.
    glued: bool,
    /// The pending space is a line break (lines joined).
    joined: bool,
}

impl Builder {
    fn push_line(&mut self, line: &str, start: u32) {
        for (at, c) in (start..).zip(line.chars()) {
            if is_invisible(c) {
                continue;
            }
            if is_space(c) {
                if self.text.len() > self.para_start && !self.glued {
                    self.space.get_or_insert(at);
                }
                continue;
            }
            self.glued = false;
            if let Some(space_at) = self.space.take() {
                // No space where a line break parted Chinese or Japanese
                // text (written without spaces), nor between two ideographs.
                let prev = self.text.chars().next_back();
                let joined = std::mem::take(&mut self.joined);
                let cjk = |c: char| super::tokens::is_ideograph(c) || is_cjk_punctuation(c);
                let skip = if joined {
                    prev.is_some_and(cjk) || cjk(c)
                } else {
                    prev.is_some_and(super::tokens::is_ideograph) && super::tokens::is_ideograph(c)
                };
                if !skip {
                    self.text.push(' ');
                    self.offsets.push(space_at);
                }
            }
            self.text.push(c);
            self.offsets.push(at);
        }
    }

    fn pending_space(&mut self, at: u32) {
        if self.text.len() > self.para_start {
            self.space = Some(at);
            self.joined = true;
        }
    }

    fn glue(&mut self) {
        self.space = None;
        self.joined = false;
        self.glued = true;
    }

    fn end_para(&mut self) {
        self.space = None;
        self.glued = false;
        self.joined = false;
        if self.text.len() > self.para_start {
            self.paras.push(self.para_start..self.text.len());
            self.text.push('\n');
            self.offsets.push(self.offsets.last().map_or(0, |o| o + 1));
            self.para_start = self.text.len();
        }
    }
}

/// Marks the page furniture; returns how many lines it marked.
fn mark_furniture(lines: &mut [Line], pages: usize) -> usize {
    if pages < 2 {
        return 0;
    }
    // The indices of each page's edge lines, as (line index, edge).
    let mut edges: Vec<(usize, bool)> = Vec::new();
    let mut by_page: Vec<Vec<usize>> = vec![Vec::new(); pages];
    for (i, l) in lines.iter().enumerate() {
        if !l.blank {
            by_page[l.page].push(i);
        }
    }
    for content in &by_page {
        let n = content.len();
        for (k, &i) in content.iter().enumerate() {
            let top = k < FURNITURE_EDGE_LINES;
            let bottom = k + FURNITURE_EDGE_LINES >= n;
            if top {
                edges.push((i, true));
            }
            if bottom && !top {
                edges.push((i, false));
            }
        }
    }
    let mut counts: HashMap<(bool, String), HashSet<usize>> = HashMap::new();
    for &(i, top) in &edges {
        counts
            .entry((top, shape(lines[i].raw)))
            .or_default()
            .insert(lines[i].page);
    }
    let needed = ((pages as f64 * FURNITURE_MIN_SHARE).ceil() as usize).max(2);
    let mut marked = 0;
    for &(i, top) in &edges {
        let line = lines[i]
            .raw
            .trim_matches(|c| is_space(c) || is_invisible(c));
        let repeated = pages >= FURNITURE_MIN_PAGES
            && counts
                .get(&(top, shape(line)))
                .is_some_and(|p| p.len() >= needed);
        if repeated || is_page_number(line) || is_job_number(line) {
            lines[i].furniture = true;
            marked += 1;
        }
    }
    marked
}

/// Lines longer than this (characters) must repeat exactly to be furniture;
/// shorter ones may differ in their numbers ("Page 3", "GE.24-123",
/// "A/79/123 Page 4"). Short, so that lines of text (a Chinese line is about
/// 40 characters) are never taken for each other.
pub const FURNITURE_SHAPE_MAX_CHARS: usize = 30;

/// A line's shape: trimmed, whitespace collapsed, and for a short line each
/// run of digits as `#`.
fn shape(line: &str) -> String {
    let line = line.trim_matches(|c| is_space(c) || is_invisible(c));
    let mask = line.chars().count() <= FURNITURE_SHAPE_MAX_CHARS;
    let mut out = String::with_capacity(line.len());
    let mut prev_digit = false;
    let mut prev_space = true;
    for c in line.chars() {
        if is_invisible(c) {
            continue;
        }
        if mask && c.is_ascii_digit() {
            if !prev_digit {
                out.push('#');
            }
            prev_digit = true;
            prev_space = false;
        } else if is_space(c) {
            if !prev_space {
                out.push(' ');
            }
            prev_space = true;
            prev_digit = false;
        } else {
            out.push(c);
            prev_digit = false;
            prev_space = false;
        }
    }
    out
}

/// `3`, `- 3 -`, `Page 3`, `page 3 of 20`, `3/20`, `Página 3`, `Стр. 3`, `iv`.
pub(crate) fn is_page_number(line: &str) -> bool {
    let s = line
        .trim()
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | '—'));
    let lower = s.to_lowercase();
    let mut rest = lower.as_str();
    for word in ["page", "página", "pág.", "страница", "стр.", "p."] {
        if let Some(r) = rest.strip_prefix(word) {
            rest = r.trim_start();
            break;
        }
    }
    if !rest.is_empty() && rest.len() <= 6 && rest.chars().all(|c| "ivxlc".contains(c)) {
        return true;
    }
    let mut parts = rest.split_whitespace().collect::<Vec<_>>();
    if parts.len() == 1 && parts[0].contains('/') {
        parts = parts[0].split('/').collect();
        parts.insert(1, "/");
    }
    let number = |s: &str| !s.is_empty() && s.len() <= 5 && s.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [n] => number(n),
        [n, sep, m] => number(n) && number(m) && ["of", "de", "sur", "из", "/"].contains(sep),
        _ => false,
    }
}

/// A UN job number: `GE.24-12345`, `GE.24-12345 (E)`, `GE.24-12345(E)`,
/// `24-12345 (R)`, and as `pdftotext` turns it around in Arabic text,
/// `) GE.24-12345(A`.
fn is_job_number(line: &str) -> bool {
    let words: Vec<&str> = line
        .split(|c| is_space(c) || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() > 3 {
        return false;
    }
    let Some(first) = words.iter().find(|w| w.contains('-')) else {
        return false;
    };
    let rest = match first.split_once('.') {
        Some((prefix, rest))
            if prefix.len() == 2 && prefix.chars().all(|c| c.is_ascii_uppercase()) =>
        {
            rest
        }
        _ => first,
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 2
        && year.chars().all(|c| c.is_ascii_digit())
        && number.len() >= 4
        && number.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(pages: &[String]) -> Cleaned {
        let mut vocab = HyphenVocab::default();
        vocab.add_pages(pages);
        clean(pages, &vocab, true)
    }

    fn body_line(page: usize, line: usize) -> String {
        // Full-width lines (about 80 characters), as a PDF's text has them.
        format!(
            "The States Parties shall review on page {page} line {line} the implementation of the Protocol"
        )
    }

    /// 20 pages with a running header (the symbol), a page number in three
    /// styles, a job number on the first page and a running footer.
    fn synthetic(header: &str) -> Vec<String> {
        (1..=20)
            .map(|p| {
                let mut lines = vec![header.to_string(), String::new()];
                if p == 1 {
                    lines.push("Sixth Review Conference".into());
                }
                for l in 0..30 {
                    lines.push(body_line(p, l));
                }
                lines.push(String::new());
                lines.push(match p % 3 {
                    0 => format!("{p}"),
                    1 => format!("- {p} -"),
                    _ => format!("Page {p}"),
                });
                lines.push("Please recycle".into());
                if p == 1 {
                    lines.push("GE.24-12345 (E)".into());
                }
                lines.join("\n")
            })
            .collect()
    }

    #[test]
    fn removes_running_headers_page_numbers_and_job_numbers() {
        let c = cleaned(&synthetic("CCW/CONF.VI/WP.3/Rev.1"));
        for furniture in ["CCW/CONF", "Page ", "- 3 -", "recycle", "GE.24"] {
            assert!(
                !c.text.contains(furniture),
                "{furniture:?} left in the text"
            );
        }
        assert!(c.text.contains("Sixth Review Conference"));
        // 20 headers, 20 page numbers, 20 footers, one job number.
        assert_eq!(c.furniture_lines, 61);
        for p in 1..=20 {
            assert!(c.text.contains(&body_line(p, 0)), "page {p}");
            assert!(c.text.contains(&body_line(p, 29)), "page {p}");
        }
        // Offsets lead back to the right page.
        let at = c.text.find("on page 7 line 3 ").unwrap();
        let chars = c.text[..at].chars().count() as u32;
        assert_eq!(c.page_at(chars), 7);
        let r = c.rendition_range(chars..chars + 7);
        let rendition: String = synthetic("CCW/CONF.VI/WP.3/Rev.1").join("\u{c}");
        let got: String = rendition
            .chars()
            .skip(r.start as usize)
            .take((r.end - r.start) as usize)
            .collect();
        assert_eq!(got, "on page");
    }

    #[test]
    fn a_page_number_alone_is_recognised_in_its_forms() {
        for yes in [
            "3",
            "- 3 -",
            "Page 3",
            "page 3 of 20",
            "3/20",
            "Página 12",
            "Стр. 4",
            "iv",
            "— 12 —",
        ] {
            assert!(is_page_number(yes), "{yes}");
        }
        for no in ["Article 3", "3. The Conference", "2024", "Page three", ""] {
            assert!(!is_page_number(no) || no == "2024", "{no}");
        }
        assert!(is_job_number("GE.24-12345 (E)"));
        assert!(is_job_number("24-12345"));
        assert!(is_job_number("GE.24-16157(E)"));
        assert!(is_job_number(") GE.24-16157(A"));
        assert!(!is_job_number("follow-up to"));
    }

    #[test]
    fn joins_wrapped_lines_and_line_end_hyphenation() {
        let filler = "the parties agree that the measures taken in this regard shall include";
        let lines = [
            format!("{filler} protec-"),
            format!("tion of civilians, {filler} the follow-"),
            format!("up of the report, {filler} for non-"),
            "Governmental organizations and the follow-up.".to_string(),
            "A short heading".to_string(),
            format!("{filler} and the last line."),
            "12. A numbered paragraph starts a paragraph".to_string(),
        ];
        let mut text = lines.join("\n");
        // Enough lines to look wrapped.
        text.push_str(&format!("\n\n{filler} more").repeat(12));
        let c = cleaned(&[text]);
        assert!(c.text.contains("protection of civilians"), "{}", c.text);
        assert!(c.text.contains("the follow-up of the report"), "{}", c.text);
        assert!(
            c.text.contains("non-Governmental organizations"),
            "{}",
            c.text
        );
        // A short line ends its paragraph.
        assert!(
            c.text
                .contains("and the follow-up.\nA short heading\nthe parties"),
            "{}",
            c.text
        );
        assert!(c.text.contains("last line.\n12. A numbered"), "{}", c.text);
    }

    #[test]
    fn bidi_marks_part_runs_and_vanish() {
        let c = cleaned(&["\u{202b}\u{202a} - 1\u{202c}نؤكد من\u{200f} جديد\u{202c}".to_string()]);
        assert_eq!(c.text, "- 1 نؤكد من جديد\n");
    }

    #[test]
    fn whitespace_is_normalised() {
        let c = cleaned(&["  The   Conference\u{a0} decided\t to\u{ad}day .  ".to_string()]);
        assert_eq!(c.text, "The Conference decided today .\n");
    }

    #[test]
    fn html_like_text_keeps_one_paragraph_per_line() {
        let long = "a paragraph of an HTML document is one long line of text, longer than any line a PDF's layout would wrap, so each line is its own paragraph";
        let pages = vec![format!("{long} one-\n{long} two\n").repeat(10)];
        let c = cleaned(&pages);
        assert_eq!(c.paras.len(), 20);
        assert!(c.text.contains("one-\n"));
    }
}
