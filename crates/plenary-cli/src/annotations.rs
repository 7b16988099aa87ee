//! `plenary annotations reanchor`: a thin adapter over
//! `plenary_core::anchor` for annotations kept outside Plenary (W3C Web
//! Annotation JSON-LD) and two text renditions.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plenary_core::anchor::{DocText, Outcome, Reanchorer, w3c};
use serde::Serialize;

use crate::term;

#[derive(Debug, clap::Subcommand)]
pub enum AnnotationsCommand {
    /// Place annotations made on one revision's text onto the next one's.
    /// Prints a JSON array: for each annotation its id, outcome (unchanged,
    /// moved, changed, needs_review, orphaned), start and end in NEW (code
    /// points; null when orphaned), the matched text and a score.
    Reanchor(ReanchorArgs),
}

#[derive(Debug, clap::Args)]
pub struct ReanchorArgs {
    /// The text the annotations were made on (UTF-8; pages separated by form feeds).
    #[arg(long)]
    old: PathBuf,
    /// The new revision's text.
    #[arg(long)]
    new: PathBuf,
    /// W3C Web Annotations (one, an array, or an AnnotationCollection) whose
    /// TextQuoteSelector and/or TextPositionSelector refer to OLD.
    #[arg(long = "in", value_name = "NOTES.json")]
    input: PathBuf,
}

/// One line of the output.
#[derive(Debug, Serialize)]
struct Row {
    id: String,
    outcome: &'static str,
    start: Option<usize>,
    end: Option<usize>,
    matched: Option<String>,
    score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_quote: Option<String>,
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

pub fn run(out: &mut impl Write, command: &AnnotationsCommand) -> Result<()> {
    let AnnotationsCommand::Reanchor(args) = command;
    let old = DocText::new(read(&args.old)?);
    let new = DocText::new(read(&args.new)?);
    let annotations = w3c::parse_str(&read(&args.input)?)
        .with_context(|| format!("reading annotations from {}", args.input.display()))?;
    let reanchorer = Reanchorer::new(&new).with_old(&old);
    let rows: Vec<Row> = annotations
        .iter()
        .map(|a| {
            let p = reanchorer.reanchor(&a.target);
            let (reason, old_quote) = match &p.outcome {
                Outcome::Unchanged | Outcome::Moved => (None, None),
                Outcome::Changed { old_quote } => (None, Some(old_quote.clone())),
                Outcome::NeedsReview { old_quote, reason } => {
                    (Some(reason.clone()), Some(old_quote.clone()))
                }
                Outcome::Orphaned { old_quote, reason } => {
                    (Some(reason.clone()), old_quote.clone())
                }
            };
            Row {
                id: a.id.clone(),
                outcome: p.outcome.name(),
                start: p.start,
                end: p.end,
                matched: p.matched,
                score: p.score,
                reason,
                old_quote,
            }
        })
        .collect();
    term::json(out, &rows)
}
