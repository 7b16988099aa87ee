//! The numbered parts of a text: "Article 5" (and "Article 5" in French,
//! "Artículo 5", "Статья 5", "المادة 5", "第5条"), numbered paragraphs "2."
//! and lettered subparagraphs "(a)" at the start of a line. Given an offset,
//! [`Structure::locate`] says "Article 5, paragraph 2 (a)": the most
//! durable way to say where a note is, since revisions rarely renumber.

use super::selectors::StructuralLocation;
use super::text::DocText;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Article,
    Paragraph,
    Subparagraph,
}

/// The headings of a text, in order, at character offsets.
#[derive(Debug, Clone, Default)]
pub struct Structure {
    headings: Vec<(usize, Level, String)>,
}

/// Words that open an article heading, followed by its number.
const ARTICLE_WORDS: &[&str] = &[
    "article",
    "artículo",
    "articulo",
    "статья",
    "art.",
    "المادة",
    "مادة",
];

impl Structure {
    pub fn detect(text: &DocText) -> Self {
        let mut headings = Vec::new();
        let mut offset = 0; // in characters
        for line in text.as_str().split_inclusive(['\n', '\u{c}']) {
            let trimmed = line.trim_start();
            let lead = line.chars().count() - trimmed.chars().count();
            if let Some((level, number)) = heading(trimmed) {
                headings.push((offset + lead, level, number));
            }
            offset += line.chars().count();
        }
        Structure { headings }
    }

    /// Where `offset` is: the last article heading at or before it, the last
    /// paragraph after that article, the last subparagraph after that
    /// paragraph. `None` in an unnumbered text.
    pub fn locate(&self, offset: usize) -> Option<StructuralLocation> {
        let upto = self.headings.partition_point(|h| h.0 <= offset);
        let (mut article, mut paragraph, mut sub) = (None, None, None);
        for (_, level, number) in self.headings[..upto].iter().rev() {
            match level {
                Level::Subparagraph if sub.is_none() && paragraph.is_none() => {
                    sub = Some(number.clone())
                }
                Level::Paragraph if paragraph.is_none() => paragraph = Some(number.clone()),
                Level::Article => {
                    article = Some(number.clone());
                    break;
                }
                _ => {}
            }
        }
        StructuralLocation::new(article, paragraph, sub)
    }
}

/// If `line` (trimmed at the start) opens with a heading, its level and number.
fn heading(line: &str) -> Option<(Level, String)> {
    let lower: String = line.chars().take(12).collect::<String>().to_lowercase();
    for word in ARTICLE_WORDS {
        if let Some(rest) = lower.strip_prefix(word) {
            // Map back to the original line by characters (lowercasing keeps
            // the count for these words).
            let rest_orig: String = line.chars().skip(word.chars().count()).collect();
            if rest.starts_with(|c: char| c.is_whitespace()) || word.ends_with('.') {
                let number: String = rest_orig
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric())
                    .collect();
                if is_number(&number) {
                    return Some((Level::Article, number));
                }
            }
        }
    }
    // Chinese: 第5条 / 第五条.
    if let Some(rest) = line.strip_prefix('第') {
        let number: String = rest.chars().take_while(|&c| c != '条').collect();
        if !number.is_empty()
            && number.chars().count() <= 4
            && rest[number.len()..].starts_with('条')
        {
            return Some((Level::Article, number));
        }
    }
    // "2." or "2)" followed by a space: a numbered paragraph.
    let digits: String = line.chars().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() && digits.len() <= 3 {
        let after = &line[digits.len()..];
        if (after.starts_with(". ") || after.starts_with(") ") || after.starts_with(".\t"))
            && !after[1..]
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit())
        {
            return Some((Level::Paragraph, digits));
        }
    }
    // "(a)" or "(iv)" followed by a space: a subparagraph.
    if let Some(rest) = line.strip_prefix('(') {
        let label: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
        if !label.is_empty()
            && label.chars().count() <= 4
            && rest[label.len()..].starts_with(") ")
            && label.chars().all(|c| c.is_lowercase())
        {
            return Some((Level::Subparagraph, label));
        }
    }
    None
}

/// An article number: digits, or a roman numeral, or a word-number like "5 bis".
fn is_number(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 8
        && (s.chars().next().is_some_and(|c| c.is_ascii_digit())
            || s.chars().all(|c| "IVXLCDM".contains(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str, at: &str) -> Option<String> {
        let t = DocText::new(text);
        let s = Structure::detect(&t);
        let byte = text.find(at).unwrap();
        s.locate(t.char_of(byte)).map(|l| l.label)
    }

    #[test]
    fn anchor_structure_articles_paragraphs_subparagraphs() {
        let text = "Preamble words.\nArticle 4\n1. First.\nArticle 5\n1. Something.\n2. The Parties shall:\n  (a) cooperate;\n  (b) report.\nArticle 6\nText.";
        assert_eq!(label(text, "Preamble"), None);
        assert_eq!(label(text, "First"), Some("Article 4, paragraph 1".into()));
        assert_eq!(
            label(text, "The Parties"),
            Some("Article 5, paragraph 2".into())
        );
        assert_eq!(
            label(text, "report"),
            Some("Article 5, paragraph 2 (b)".into())
        );
        assert_eq!(label(text, "Text."), Some("Article 6".into()));
    }

    #[test]
    fn anchor_structure_other_languages() {
        assert_eq!(
            label("Статья 12\n3. Государства", "Государства"),
            Some("Article 12, paragraph 3".into())
        );
        assert_eq!(
            label("Artículo 7\nLos Estados", "Los"),
            Some("Article 7".into())
        );
        assert_eq!(
            label("ARTICLE 5\n2. Les États", "Les"),
            Some("Article 5, paragraph 2".into())
        );
        assert_eq!(label("第5条\n缔约国", "缔约国"), Some("Article 5".into()));
    }
}
