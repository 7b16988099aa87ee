//! `plenary notes export|import|report`: a thin adapter over the cache's
//! notes (`plenary_core::cache::notes::{export, import, report}`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plenary_core::Cache;
use plenary_core::cache::notes::import::{ImportReport, SkipReason};
use plenary_core::cache::notes::report::{self, ReportFormat};
use plenary_core::cache::{NoteFilter, UiLanguage};
use plenary_core::model::{DocumentId, MeetingId};
use serde::Serialize;

use crate::term;

#[derive(Debug, clap::Subcommand)]
pub enum NotesCommand {
    /// Write a meeting's notes (or one document's) as W3C Web Annotation
    /// JSON-LD: one AnnotationCollection, to FILE or standard output.
    Export(ExportArgs),
    /// Import W3C Web Annotation JSON-LD (one annotation, an array, an
    /// AnnotationCollection or page) as notes on the versions in the cache.
    /// Importing again changes nothing; a newer local edit is kept.
    /// Annotations about anything not in the cache are listed, not imported.
    Import {
        /// The JSON-LD file ("-" for standard input).
        file: PathBuf,
    },
    /// A readable report of a meeting's notes, by document and by article
    /// and paragraph, with what became of each on the newest revision.
    Report(ReportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[arg(long)]
    meeting: MeetingId,
    /// Only this document's notes.
    #[arg(long)]
    document: Option<DocumentId>,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Md,
    Html,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Lang {
    En,
    Fr,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[arg(long)]
    meeting: MeetingId,
    /// Markdown, or one standalone HTML file that prints to PDF.
    #[arg(long, value_enum)]
    format: Format,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The language of the report's own words (quotes and notes stay as written).
    #[arg(long, value_enum, default_value = "en")]
    lang: Lang,
    /// Only this document's notes.
    #[arg(long)]
    document: Option<DocumentId>,
    /// Only notes with this tag.
    #[arg(long)]
    tag: Option<String>,
}

/// What `--json` prints after writing a file.
#[derive(Debug, Serialize)]
struct Written<'a> {
    path: &'a Path,
    notes: usize,
}

fn write_output(
    out: &mut impl Write,
    output: Option<&Path>,
    text: &str,
    notes: usize,
    as_json: bool,
) -> Result<()> {
    match output {
        None => {
            out.write_all(text.as_bytes())?;
            if !text.ends_with('\n') {
                writeln!(out)?;
            }
        }
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            if as_json {
                term::json(out, &Written { path, notes })?;
            } else {
                writeln!(
                    out,
                    "{} written to {}.",
                    plural(notes, "note", "notes"),
                    path.display()
                )?;
            }
        }
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn run(
    out: &mut impl Write,
    command: &NotesCommand,
    open: impl FnOnce() -> Result<Cache>,
    as_json: bool,
) -> Result<()> {
    match command {
        NotesCommand::Export(args) => {
            let cache = open()?;
            let collection = cache.export_notes(&args.meeting, args.document.as_ref())?;
            let count = collection["total"].as_u64().unwrap_or(0) as usize;
            let text = serde_json::to_string_pretty(&collection)?;
            write_output(out, args.output.as_deref(), &text, count, as_json)
        }
        NotesCommand::Import { file } => {
            let text = if file.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading standard input")?;
                s
            } else {
                std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let report = open()?
                .import_notes(&text)
                .with_context(|| format!("importing {}", file.display()))?;
            if as_json {
                term::json(out, &report)
            } else {
                human_import(out, &report)
            }
        }
        NotesCommand::Report(args) => {
            let mut cache = open()?;
            let filter = NoteFilter {
                tag: args.tag.clone(),
                document: args.document.clone(),
                ..NoteFilter::default()
            };
            let language = match args.lang {
                Lang::En => UiLanguage::En,
                Lang::Fr => UiLanguage::Fr,
            };
            let r = cache.notes_report(&args.meeting, &filter, language)?;
            let format = match args.format {
                Format::Md => ReportFormat::Markdown,
                Format::Html => ReportFormat::Html,
            };
            let text = report::render(&r, format);
            write_output(out, args.output.as_deref(), &text, r.total, as_json)
        }
    }
}

fn human_import(out: &mut impl Write, r: &ImportReport) -> Result<()> {
    writeln!(
        out,
        "{} read: {} imported, {} updated, {} already here, {} kept (your copy is newer), {} skipped.",
        plural(r.total, "annotation", "annotations"),
        r.created.len(),
        r.updated.len(),
        r.unchanged.len(),
        r.kept_local.len(),
        r.skipped.len()
    )?;
    let unlocated = r.created.iter().filter(|n| !n.located).count();
    if unlocated > 0 {
        writeln!(
            out,
            "{} kept their quote without a place: the text was not found in the version's text.",
            plural(unlocated, "note", "notes")
        )?;
    }
    for s in &r.skipped {
        let why = match s.reason {
            SkipReason::NotInCache => "not for a document in this cache",
            SkipReason::NoTextSelector => "no text to attach it to",
            SkipReason::OtherDocument => "its id is used by a note on another document",
            SkipReason::TooLarge => "too large",
        };
        writeln!(out, "  skipped {}: {why} ({})", s.annotation, s.message)?;
    }
    Ok(())
}
