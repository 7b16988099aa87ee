//! A document ready to render: page furniture plus a list of blocks. The PDF,
//! HTML and text renderers all take this one shape, so the three formats say
//! the same thing.
//!
//! Texts are written in a small line-based source format (see [`parse`]), one
//! file per document and language under `content/`.

use plenary_core::model::Language;

use crate::DemoError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A numbered section heading ("I. Introduction"), bold.
    Heading(String),
    /// A lower-level heading, italic-bold.
    SubHeading(String),
    Para(String),
    /// A paragraph whose number is computed at render time, so that inserting
    /// or deleting a paragraph renumbers the rest like a real revision does.
    Numbered {
        label: String,
        text: String,
    },
    /// A list entry with a hanging label, as on an agenda: "6." / "(a)".
    Item {
        label: String,
        text: String,
        level: u8,
    },
    Centered(String),
    /// A small italic line ("Check against delivery").
    Note(String),
}

impl Block {
    #[cfg(test)]
    pub(crate) fn plain_text(&self) -> String {
        match self {
            Block::Numbered { label, text } => format!("{label} {text}"),
            Block::Item { label, text, .. } => format!("{label} {text}"),
            Block::Heading(t)
            | Block::SubHeading(t)
            | Block::Para(t)
            | Block::Centered(t)
            | Block::Note(t) => t.clone(),
        }
    }
}

/// Everything printed on the pages of one version.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    pub lang: Language,
    /// The masthead, top left on page 1 ("Convention on Cluster Munitions").
    pub masthead: String,
    /// The symbol, top right on page 1 and the running header after it.
    pub symbol: Option<String>,
    /// Top-right block under the symbol: "Distr.: General", the date, the
    /// original language.
    pub distribution: Vec<String>,
    /// Left block under the masthead: meeting, place and dates, agenda item.
    pub meeting_lines: Vec<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub blocks: Vec<Block>,
    /// The UN-style job number printed at the foot of page 1 ("GE.24-13452(E)").
    pub job_number: Option<String>,
    /// PDF metadata date, ISO 8601 (fixed, so that output is deterministic).
    pub pdf_date: String,
}

/// One block of a source file, with the revisions it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct SourceBlock {
    revisions: Option<(u32, u32)>,
    kind: SourceKind,
    text: String,
    label: String,
    level: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    Heading,
    SubHeading,
    Para,
    Numbered,
    Item,
    Centered,
    Note,
}

/// A parsed source file: a title, an optional subtitle and blocks.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub title: String,
    pub subtitle: Option<String>,
    blocks: Vec<SourceBlock>,
}

/// Parses the source format. Header lines `title: ...` and `subtitle: ...`,
/// then `---`, then one block per line (blank lines are ignored):
///
/// ```text
/// # Heading            ## Sub-heading        + auto-numbered paragraph
/// > centred line       ~ small note          - 6.<TAB>agenda item   -- (a)<TAB>sub-item
/// anything else is a plain paragraph
/// ```
///
/// A block may start with `[0-1] `, `[2] ` or `[2-] ` to appear only in those
/// revisions (the draft's revision history is written this way).
pub(crate) fn parse(name: &str, src: &str) -> Result<Source, DemoError> {
    let bad = |line: usize, why: &str| DemoError::Content(format!("{name}:{line}: {why}"));
    let mut title = None;
    let mut subtitle = None;
    let mut lines = src.lines().enumerate();
    for (no, line) in lines.by_ref() {
        let line = line.trim_end();
        if line == "---" {
            break;
        }
        if let Some(t) = line.strip_prefix("title: ") {
            title = Some(t.trim().to_owned());
        } else if let Some(t) = line.strip_prefix("subtitle: ") {
            subtitle = Some(t.trim().to_owned());
        } else if !line.trim().is_empty() {
            return Err(bad(no + 1, "unknown header line"));
        }
    }
    let title = title.ok_or_else(|| bad(1, "no title"))?;
    let mut blocks = Vec::new();
    for (no, line) in lines {
        let mut line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut revisions = None;
        if let Some(rest) = line.strip_prefix('[') {
            let (range, rest) = rest
                .split_once("] ")
                .ok_or_else(|| bad(no + 1, "unclosed revision range"))?;
            let parse_n = |s: &str| {
                s.parse::<u32>()
                    .map_err(|_| bad(no + 1, "bad revision number"))
            };
            revisions = Some(match range.split_once('-') {
                Some((a, "")) => (parse_n(a)?, u32::MAX),
                Some((a, b)) => (parse_n(a)?, parse_n(b)?),
                None => (parse_n(range)?, parse_n(range)?),
            });
            line = rest;
        }
        let (kind, text, level) = if let Some(t) = line.strip_prefix("## ") {
            (SourceKind::SubHeading, t, 0)
        } else if let Some(t) = line.strip_prefix("# ") {
            (SourceKind::Heading, t, 0)
        } else if let Some(t) = line.strip_prefix("+ ") {
            (SourceKind::Numbered, t, 0)
        } else if let Some(t) = line.strip_prefix("> ") {
            (SourceKind::Centered, t, 0)
        } else if let Some(t) = line.strip_prefix("~ ") {
            (SourceKind::Note, t, 0)
        } else if let Some(t) = line.strip_prefix("-- ") {
            (SourceKind::Item, t, 2)
        } else if let Some(t) = line.strip_prefix("- ") {
            (SourceKind::Item, t, 1)
        } else {
            (SourceKind::Para, line, 0)
        };
        let (label, text) = if kind == SourceKind::Item {
            let (l, t) = text
                .split_once('\t')
                .ok_or_else(|| bad(no + 1, "an item needs LABEL<TAB>TEXT"))?;
            (l.trim().to_owned(), t.trim().to_owned())
        } else {
            (String::new(), text.trim().to_owned())
        };
        blocks.push(SourceBlock {
            revisions,
            kind,
            text,
            label,
            level,
        });
    }
    Ok(Source {
        title,
        subtitle,
        blocks,
    })
}

impl Source {
    /// The blocks of one revision, with paragraphs numbered.
    pub(crate) fn blocks(&self, lang: Language, revision: u32) -> Vec<Block> {
        let mut n = 0;
        self.blocks
            .iter()
            .filter(|b| {
                b.revisions
                    .is_none_or(|(from, to)| (from..=to).contains(&revision))
            })
            .map(|b| match b.kind {
                SourceKind::Heading => Block::Heading(b.text.clone()),
                SourceKind::SubHeading => Block::SubHeading(b.text.clone()),
                SourceKind::Para => Block::Para(b.text.clone()),
                SourceKind::Centered => Block::Centered(b.text.clone()),
                SourceKind::Note => Block::Note(b.text.clone()),
                SourceKind::Item => Block::Item {
                    label: b.label.clone(),
                    text: b.text.clone(),
                    level: b.level,
                },
                SourceKind::Numbered => {
                    n += 1;
                    Block::Numbered {
                        label: paragraph_label(lang, n),
                        text: b.text.clone(),
                    }
                }
            })
            .collect()
    }

    /// The highest revision any block is restricted to (0 if none).
    pub(crate) fn max_revision(&self) -> u32 {
        self.blocks
            .iter()
            .filter_map(|b| b.revisions)
            .map(|(from, to)| if to == u32::MAX { from } else { to })
            .max()
            .unwrap_or(0)
    }
}

/// How a numbered paragraph's number is printed: "1." in most languages,
/// "1 -" in Arabic as UN Arabic documents do.
fn paragraph_label(lang: Language, n: u32) -> String {
    match lang {
        Language::Ar => format!("{n} -"),
        _ => format!("{n}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_filter_and_renumber() {
        let src = "title: T\n---\n# H\n+ one\n[0] + two\n[1-] + two again\n+ three\n[2-] + four\n";
        let s = parse("t", src).unwrap();
        assert_eq!(s.max_revision(), 2);
        let texts = |r| {
            s.blocks(Language::En, r)
                .iter()
                .map(Block::plain_text)
                .collect::<Vec<_>>()
        };
        assert_eq!(texts(0), ["H", "1. one", "2. two", "3. three"]);
        assert_eq!(
            texts(2),
            ["H", "1. one", "2. two again", "3. three", "4. four"]
        );
        assert!(parse("t", "---\nx").is_err(), "a title is required");
        assert!(parse("t", "title: T\n---\n- no tab").is_err());
    }
}
