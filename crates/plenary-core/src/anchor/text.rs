//! A version's text rendition, as annotations address it: its pages joined
//! with a form feed (`'\u{c}'`), positions counted in Unicode code points
//! (the W3C Web Annotation model's `TextPositionSelector` counts characters,
//! not bytes), pages numbered from 1.

/// The character that separates two pages in a text rendition (what
/// `pdftotext` writes between pages).
pub const PAGE_BREAK: char = '\u{c}';

/// One byte offset is remembered every this many characters, so that a
/// character offset maps to a byte offset by one lookup and at most this
/// many steps of UTF-8 decoding.
const CHECKPOINT: usize = 64;

/// A version's text with the maps an annotation needs: character offsets to
/// byte offsets and back, and the page of an offset.
#[derive(Debug, Clone)]
pub struct DocText {
    text: String,
    /// Character offset at which each page starts (the first is 0).
    page_starts: Vec<usize>,
    /// Byte offset of every `CHECKPOINT`-th character; empty when the text
    /// is ASCII (then characters and bytes coincide).
    checkpoints: Vec<usize>,
    chars: usize,
}

impl DocText {
    /// The text rendition of a version given as its pages.
    pub fn from_pages<S: AsRef<str>>(pages: &[S]) -> Self {
        let mut text = String::new();
        for (i, page) in pages.iter().enumerate() {
            if i > 0 {
                text.push(PAGE_BREAK);
            }
            text.push_str(page.as_ref());
        }
        Self::new(text)
    }

    /// A text rendition whose pages are already separated by form feeds.
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let ascii = text.is_ascii();
        let mut checkpoints = Vec::new();
        let mut page_starts = vec![0];
        let mut chars = 0;
        if ascii {
            chars = text.len();
            page_starts.extend(memchr_all(text.as_bytes(), b'\x0c').map(|i| i + 1));
        } else {
            checkpoints.reserve(text.len() / CHECKPOINT + 1);
            for (byte, c) in text.char_indices() {
                if chars % CHECKPOINT == 0 {
                    checkpoints.push(byte);
                }
                chars += 1;
                if c == PAGE_BREAK {
                    page_starts.push(chars);
                }
            }
        }
        DocText {
            text,
            page_starts,
            checkpoints,
            chars,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Length in characters (code points).
    pub fn len_chars(&self) -> usize {
        self.chars
    }

    pub fn is_empty(&self) -> bool {
        self.chars == 0
    }

    pub fn page_count(&self) -> usize {
        self.page_starts.len()
    }

    /// The page (from 1) that holds the character at `offset`; an offset at
    /// or past the end is on the last page. A page break belongs to the page
    /// it ends.
    pub fn page_of(&self, offset: usize) -> usize {
        self.page_starts.partition_point(|&s| s <= offset).max(1)
    }

    /// The character range of page `page` (from 1), without the break that
    /// ends it; `None` past the last page.
    pub fn page_range(&self, page: usize) -> Option<(usize, usize)> {
        let i = page.checked_sub(1)?;
        let start = *self.page_starts.get(i)?;
        let end = self
            .page_starts
            .get(i + 1)
            .map(|next| next - 1)
            .unwrap_or(self.chars);
        Some((start, end))
    }

    /// The byte offset of character offset `chars` (clamped to the end).
    pub fn byte_of(&self, chars: usize) -> usize {
        if chars >= self.chars {
            return self.text.len();
        }
        if self.checkpoints.is_empty() {
            return chars;
        }
        let base = self.checkpoints[chars / CHECKPOINT];
        let skip = chars % CHECKPOINT;
        match self.text[base..].char_indices().nth(skip) {
            Some((b, _)) => base + b,
            None => self.text.len(),
        }
    }

    /// The character offset of byte offset `byte`, which must be on a
    /// character boundary (a byte inside a character counts as that
    /// character's start).
    pub fn char_of(&self, byte: usize) -> usize {
        if byte >= self.text.len() {
            return self.chars;
        }
        if self.checkpoints.is_empty() {
            return byte;
        }
        let block = self.checkpoints.partition_point(|&b| b <= byte) - 1;
        let base = self.checkpoints[block];
        block * CHECKPOINT + self.text[base..byte].chars().count()
    }

    /// The characters `start..end` (clamped to the text).
    pub fn slice(&self, start: usize, end: usize) -> &str {
        let end = end.min(self.chars);
        let start = start.min(end);
        &self.text[self.byte_of(start)..self.byte_of(end)]
    }
}

fn memchr_all(bytes: &[u8], needle: u8) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(move |(_, b)| **b == needle)
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_text_offsets_are_code_points() {
        let t = DocText::from_pages(&["Статья 5 — 中文", "page two"]);
        assert_eq!(t.page_count(), 2);
        assert_eq!(t.len_chars(), t.as_str().chars().count());
        for (i, (b, _)) in t.as_str().char_indices().enumerate() {
            assert_eq!(t.byte_of(i), b);
            assert_eq!(t.char_of(b), i);
        }
        assert_eq!(t.slice(0, 6), "Статья");
        assert_eq!(t.page_of(0), 1);
        let ff = t.as_str().chars().position(|c| c == PAGE_BREAK).unwrap();
        assert_eq!(t.page_of(ff), 1);
        assert_eq!(t.page_of(ff + 1), 2);
        assert_eq!(t.page_of(10_000), 2);
    }

    #[test]
    fn anchor_text_long_non_ascii_maps_fast_and_right() {
        let s: String = "ab€日\u{c}".repeat(500);
        let t = DocText::new(s.clone());
        for (i, (b, _)) in s.char_indices().enumerate() {
            assert_eq!(t.byte_of(i), b, "char {i}");
            assert_eq!(t.char_of(b), i);
        }
        assert_eq!(t.page_count(), 501);
    }
}
