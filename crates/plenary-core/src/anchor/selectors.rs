//! Where an annotation points, in several independent ways (the W3C Web
//! Annotation model's selectors, plus the page and the article/paragraph
//! number of a numbered text), so that when one way fails after a revision
//! the others still say where the note belongs.

use serde::{Deserialize, Serialize};

/// The quoted text with a little context on each side (W3C
/// `TextQuoteSelector`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextQuoteSelector {
    pub exact: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub suffix: String,
}

/// Character offsets `start..end` in the version's text rendition, counted
/// in code points (W3C `TextPositionSelector`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextPositionSelector {
    pub start: usize,
    pub end: usize,
}

/// Where a selection is in a numbered text: "Article 5, paragraph 2 (a)".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructuralLocation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subparagraph: Option<String>,
    /// For people: "Article 5, paragraph 2 (a)".
    pub label: String,
}

impl StructuralLocation {
    pub fn new(
        article: Option<String>,
        paragraph: Option<String>,
        subparagraph: Option<String>,
    ) -> Option<Self> {
        let mut parts = Vec::new();
        if let Some(a) = &article {
            parts.push(format!("Article {a}"));
        }
        if let Some(p) = &paragraph {
            parts.push(format!("paragraph {p}"));
        }
        let mut label = parts.join(", ");
        if let Some(s) = &subparagraph {
            if label.is_empty() {
                label = format!("subparagraph ({s})");
            } else {
                label.push_str(&format!(" ({s})"));
            }
        }
        if label.is_empty() {
            return None;
        }
        Some(StructuralLocation {
            article,
            paragraph,
            subparagraph,
            label,
        })
    }
}

/// An annotation's target in one version: the selectors that find it again.
/// Any of them may be missing (an imported annotation may carry only a
/// quote, or only a position).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The resource annotated (a version's URL or identifier), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<TextQuoteSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<TextPositionSelector>,
    /// Page of the selection's start, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure: Option<StructuralLocation>,
}

impl Target {
    /// True when the target has a selector that text anchoring can use.
    pub fn has_text_selector(&self) -> bool {
        self.quote.is_some() || self.position.is_some()
    }
}
