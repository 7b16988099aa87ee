//! Where a change is: under which article (or rule, or numbered section)
//! and in which numbered paragraph, in the document's own words ("Article
//! 5", "Artículo 5", "Статья 5", "المادة 5", "第五条"); otherwise by page.

use serde::Serialize;

/// A heading is at most this long (characters); a longer paragraph that
/// starts with "Article 5" is a sentence about it.
pub const MAX_HEADING_CHARS: usize = 80;

/// Words that head an article or a rule, in the six languages.
const HEADING_WORDS: &[&str] = &[
    "article",
    "rule",
    "annex",
    "appendix",
    "section",
    "chapter",
    "part",
    "artículo",
    "regla",
    "anexo",
    "capítulo",
    "sección",
    "règle",
    "annexe",
    "chapitre",
    "статья",
    "правило",
    "приложение",
    "глава",
    "раздел",
    "المادة",
    "القاعدة",
    "المرفق",
    "الفصل",
];

/// How Arabic numbers sections: first, second, ... tenth.
const ARABIC_ORDINALS: &[&str] = &[
    "أولا",
    "ثانيا",
    "ثالثا",
    "رابعا",
    "خامسا",
    "سادسا",
    "سابعا",
    "ثامنا",
    "تاسعا",
    "عاشرا",
];

/// Where a change is, as the reader would cite it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The heading it is under, as written ("Article 5", "3.2").
    pub heading: Option<String>,
    /// The number of the paragraph it is in ("12").
    pub paragraph: Option<String>,
    /// 1-based page of the rendition.
    pub page: u32,
    /// Heading and paragraph, else the page: "Article 5, paragraph 2",
    /// "paragraph 12", "page 4".
    pub label: String,
}

impl Location {
    pub fn new(heading: Option<String>, paragraph: Option<String>, page: u32) -> Self {
        let label = match (&heading, &paragraph) {
            (Some(h), Some(p)) => format!("{h}, paragraph {p}"),
            (Some(h), None) => h.clone(),
            (None, Some(p)) => format!("paragraph {p}"),
            (None, None) => format!("page {page}"),
        };
        Location {
            heading,
            paragraph,
            page,
            label,
        }
    }
}

/// The heading a paragraph is, if it is one: "Article 5", "Rule 12",
/// "Статья 5", "第五条" (the word and its number), or a numbered section,
/// "II. Victim assistance", "A. Clearance", "3.2.1 Selectors", "E.1 Changes"
/// (the whole line, its title says more than its number).
pub fn heading(line: &str) -> Option<String> {
    let line = line.trim();
    // Most lines start in lower case: not a heading, quickly.
    let first_char = line.chars().next()?;
    if first_char.is_lowercase()
        || line.len() > MAX_HEADING_CHARS * 4
        || line.chars().count() > MAX_HEADING_CHARS
    {
        return None;
    }
    let mut words = line.split_whitespace();
    let first = words.next()?;
    let lower = first.to_lowercase();
    // "Article 5" heads; "article 5 of the Convention" continues a sentence.
    if HEADING_WORDS.contains(&lower.as_str()) && !first.starts_with(char::is_lowercase) {
        let number = words.next()?;
        let number = number.trim_end_matches(['.', ':', '—', '-']);
        let numeric = number.chars().next().is_some_and(|c| c.is_numeric())
            || is_roman(number)
            || ["premier", "première", "unique", "único"].contains(&number.to_lowercase().as_str());
        // Arabic ordinals are words ("المادة الخامسة"): take the word.
        if numeric || lower.starts_with('ا') {
            return Some(format!("{first} {number}"));
        }
        return None;
    }
    // 第五条 / 第5条 / 第十二章
    if let Some(rest) = line.strip_prefix('第') {
        let n: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || "〇零一二三四五六七八九十百千".contains(*c))
            .collect();
        let after = rest[n.len()..].chars().next();
        if !n.is_empty() && after.is_some_and(|c| "条章节部分".contains(c)) {
            return Some(format!("第{n}{}", after.unwrap_or('条')));
        }
    }
    // Chinese sections: "一. 我们的共同承诺", "二、受害者援助".
    let numeral: String = line
        .chars()
        .take_while(|c| "一二三四五六七八九十".contains(*c))
        .collect();
    if !numeral.is_empty() && line[numeral.len()..].starts_with(['.', '、', '．']) {
        return Some(line.to_string());
    }
    // Arabic sections: "أولاً - التزامنا المشترك".
    if ARABIC_ORDINALS.iter().any(|o| first.starts_with(o)) && line.contains('-') {
        return Some(line.to_string());
    }
    // A section numbered with a Roman numeral or a capital letter:
    // "II. Victim assistance", "A. Clearance": the heading is the line.
    if let Some(number) = first.strip_suffix('.')
        && (is_roman(number)
            || (number.len() == 1 && number.starts_with(|c: char| c.is_ascii_uppercase())))
        && words.next().is_some()
    {
        return Some(line.to_string());
    }
    // A numbered section: "3.2 Bodies", "3.2.1" (two levels or more).
    let number = first.trim_end_matches('.');
    let parts: Vec<&str> = number.split('.').collect();
    // An appendix's: "E.1", "B.2.3".
    let appendix = parts.len() >= 2
        && parts[0].len() == 1
        && parts[0].starts_with(|c: char| c.is_ascii_uppercase())
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()));
    if appendix {
        return Some(line.to_string());
    }
    if parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()))
    {
        return Some(line.to_string());
    }
    None
}

fn is_roman(s: &str) -> bool {
    !s.is_empty() && s.len() <= 6 && s.chars().all(|c| "IVXLC".contains(c))
}

/// The number of a numbered paragraph: "12. The Conference..." → "12",
/// "3) ..." → "3", "١٢. ..." → "١٢".
pub fn paragraph_number(line: &str) -> Option<String> {
    let line = line.trim_start();
    // Arabic, as `pdftotext` gives it: "- 1 نؤكد".
    if let Some(rest) = line.strip_prefix('-') {
        let rest = rest.trim_start();
        let digits: String = rest.chars().take_while(|c| c.is_numeric()).collect();
        let after = rest[digits.len()..].chars().next();
        let arabic = rest[digits.len()..]
            .trim_start()
            .starts_with(|c: char| ('\u{600}'..='\u{6ff}').contains(&c));
        return (!digits.is_empty()
            && digits.chars().count() <= 3
            && after.is_some_and(char::is_whitespace)
            && arabic)
            .then_some(digits);
    }
    let digits: String = line.chars().take_while(|c| c.is_numeric()).collect();
    let count = digits.chars().count();
    if count == 0 || count > 3 {
        return None;
    }
    let mut rest = line[digits.len()..].chars();
    match (rest.next(), rest.next()) {
        (Some('.' | ')'), Some(c)) if c.is_whitespace() => Some(digits),
        _ => None,
    }
}

/// For each paragraph, the heading and paragraph number it is under.
pub fn outline<'a>(paras: impl Iterator<Item = &'a str>) -> Vec<(Option<String>, Option<String>)> {
    let mut heading_now: Option<String> = None;
    let mut paragraph_now: Option<String> = None;
    paras
        .map(|p| {
            if let Some(h) = heading(p) {
                heading_now = Some(h);
                paragraph_now = None;
            } else if let Some(n) = paragraph_number(p) {
                paragraph_now = Some(n);
            }
            (heading_now.clone(), paragraph_now.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_in_six_languages() {
        assert_eq!(heading("Article 5").as_deref(), Some("Article 5"));
        assert_eq!(heading("ARTICLE 12 – Scope").as_deref(), Some("ARTICLE 12"));
        assert_eq!(
            heading("Article premier").as_deref(),
            Some("Article premier")
        );
        assert_eq!(heading("Artículo 5").as_deref(), Some("Artículo 5"));
        assert_eq!(heading("Статья 5").as_deref(), Some("Статья 5"));
        assert_eq!(heading("المادة 5").as_deref(), Some("المادة 5"));
        assert_eq!(heading("第五条").as_deref(), Some("第五条"));
        assert_eq!(
            heading("3.2.1 Selectors").as_deref(),
            Some("3.2.1 Selectors")
        );
        assert_eq!(
            heading(
                "Article 5 of the Convention provides that each High Contracting Party shall, as soon as feasible"
            ),
            None
        );
        assert_eq!(heading("12. The Conference"), None);
        assert_eq!(heading("article 5 to protect"), None);
        assert_eq!(
            heading("II. Victim assistance").as_deref(),
            Some("II. Victim assistance")
        );
        assert_eq!(heading("A. Clearance").as_deref(), Some("A. Clearance"));
        assert_eq!(heading("I."), None);
        assert_eq!(
            heading("一. 我们的共同承诺").as_deref(),
            Some("一. 我们的共同承诺")
        );
        assert_eq!(
            heading("أولا ً - التزامنا المشترك").as_deref(),
            Some("أولا ً - التزامنا المشترك")
        );
        assert_eq!(
            heading("E.1 Changes from the Working Draft").as_deref(),
            Some("E.1 Changes from the Working Draft")
        );
    }

    #[test]
    fn numbered_paragraphs() {
        assert_eq!(
            paragraph_number("12. The Conference decided").as_deref(),
            Some("12")
        );
        assert_eq!(paragraph_number("3) a list").as_deref(), Some("3"));
        assert_eq!(paragraph_number("2024. A year"), None);
        assert_eq!(paragraph_number("- 1 نؤكد من جديد").as_deref(), Some("1"));
        assert_eq!(paragraph_number("- 1 -"), None);
        assert_eq!(paragraph_number("1.5 per cent"), None);
    }

    #[test]
    fn outline_resets_paragraphs_under_a_new_heading() {
        let o = outline(
            [
                "Preamble",
                "Article 1",
                "1. One",
                "text",
                "2. Two",
                "Article 2",
                "x",
            ]
            .into_iter(),
        );
        assert_eq!(o[0], (None, None));
        assert_eq!(o[3], (Some("Article 1".into()), Some("1".into())));
        assert_eq!(o[4], (Some("Article 1".into()), Some("2".into())));
        assert_eq!(o[6], (Some("Article 2".into()), None));
        assert_eq!(Location::new(None, None, 4).label, "page 4");
        assert_eq!(
            Location::new(Some("Article 1".into()), Some("2".into()), 4).label,
            "Article 1, paragraph 2"
        );
    }
}
