//! Annotation anchoring: saying where a note is in a version's text in
//! several independent ways (W3C Web Annotation selectors: quote with
//! context, character position; plus the page and "Article 5, paragraph 2"),
//! and placing notes again on a new revision of the same document.
//!
//! One file per concept, as hypothesis/client's `annotator/anchoring`:
//! - [`text`]: a version's text rendition (pages joined with form feeds,
//!   offsets in code points);
//! - [`selectors`]: the serde types of a target;
//! - [`structure`]: numbered articles and paragraphs;
//! - [`myers`]: bit-parallel approximate search;
//! - [`reanchor`]: the placement and its outcomes;
//! - [`w3c`]: W3C Web Annotation JSON-LD in and out.
//!
//! Pure: no SQLite, no files. The cache, the app and the CLI call it.

pub mod myers;
pub mod reanchor;
pub mod selectors;
pub mod structure;
pub mod text;
pub mod w3c;

pub use reanchor::{Outcome, Placement, Reanchorer};
pub use selectors::{StructuralLocation, Target, TextPositionSelector, TextQuoteSelector};
pub use structure::Structure;
pub use text::{DocText, PAGE_BREAK};

use crate::error::{InvalidInput, Result};

/// The quote selector for characters `start..end` of `text`: the exact
/// text and up to [`reanchor::CONTEXT_CHARS`] characters of context on each
/// side.
pub fn quote_at(text: &DocText, start: usize, end: usize) -> TextQuoteSelector {
    TextQuoteSelector {
        exact: text.slice(start, end).to_string(),
        prefix: text
            .slice(start.saturating_sub(reanchor::CONTEXT_CHARS), start)
            .to_string(),
        suffix: text.slice(end, end + reanchor::CONTEXT_CHARS).to_string(),
    }
}

/// The full target of a selection `start..end` (characters) of `text`:
/// quote with context, position, page, and where it is in the numbered
/// structure (pass the text's [`Structure`] when describing many selections
/// of one text; `None` detects it).
pub fn describe(
    text: &DocText,
    structure: Option<&Structure>,
    start: usize,
    end: usize,
) -> Result<Target> {
    if start >= end || end > text.len_chars() {
        return Err(InvalidInput::new(
            "selection",
            format!(
                "{start}..{end} is not a non-empty range of the text's {} characters",
                text.len_chars()
            ),
        )
        .into());
    }
    let detected;
    let structure = match structure {
        Some(s) => s,
        None => {
            detected = Structure::detect(text);
            &detected
        }
    };
    Ok(Target {
        source: None,
        quote: Some(quote_at(text, start, end)),
        position: Some(TextPositionSelector { start, end }),
        page: Some(text.page_of(start) as u32),
        structure: structure.locate(start),
    })
}

#[cfg(test)]
mod tests;
