//! `plenary compare`: two versions compared, as a terminal diff, JSON
//! (`--json`) or a printable HTML file (`--html`). A thin adapter over
//! `plenary_core::compare`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plenary_core::Cache;
use plenary_core::compare::html::{self, HtmlOptions};
use plenary_core::compare::{
    Change, ChangeKind, CompareOptions, Comparison, PAGE_BREAK, Word, WordOp,
};
use plenary_core::model::{DocumentId, Language, VersionId};

use crate::term::{self, Style};

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The old and the new version as text files (pages separated by form
    /// feeds, as `pdftotext` writes them).
    #[arg(num_args = 0..=2, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// A version in the cache, compared from its text rendition: give it
    /// twice, the old version first (`--version OLD --version NEW`).
    #[arg(long = "version", value_name = "VERSION_ID")]
    versions: Vec<VersionId>,
    /// A document in the cache: its newest revision in `--lang` against the
    /// one before.
    #[arg(long, value_name = "DOCUMENT_ID", requires = "lang", conflicts_with_all = ["files", "versions"])]
    document: Option<DocumentId>,
    /// The language of `--document`.
    #[arg(long, value_name = "LANG", requires = "document")]
    lang: Option<Language>,
    /// Also write the comparison to this file as a standalone HTML document
    /// that prints cleanly.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// In the HTML file, keep only this many unchanged paragraphs around
    /// each change (default: the whole document).
    #[arg(long, value_name = "PARAGRAPHS")]
    html_context: Option<usize>,
    /// Unchanged characters shown before and after each change.
    #[arg(long, default_value_t = 60)]
    context: usize,
    /// Keep running headers, footers and page numbers.
    #[arg(long)]
    keep_furniture: bool,
}

/// How to call the two versions.
struct Labels {
    old: String,
    new: String,
}

fn read_pages(path: &Path) -> Result<Vec<String>> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
    {
        bail!(
            "{} is HTML; compare text files (pages separated by form feeds) or versions in the cache (--version)",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {} (a UTF-8 text file)", path.display()))?;
    let text = text.strip_suffix(PAGE_BREAK).unwrap_or(&text);
    Ok(text.split(PAGE_BREAK).map(str::to_string).collect())
}

/// Compares what the arguments name: two files, or two versions in the
/// cache (given, or a document's newest two in a language).
fn compare(
    args: &CompareArgs,
    open: impl FnOnce() -> Result<Cache>,
    options: &CompareOptions,
) -> Result<(Labels, Comparison)> {
    let (cache, old, new) = if let (Some(document), Some(lang)) = (&args.document, args.lang) {
        let cache = open()?;
        let Some((old, new)) = cache.default_comparison(document, lang)? else {
            bail!("{document} has fewer than two versions in {lang} in the cache");
        };
        (cache, old, new)
    } else {
        match (args.files.as_slice(), args.versions.as_slice()) {
            ([old, new], []) => {
                let labels = Labels {
                    old: old.display().to_string(),
                    new: new.display().to_string(),
                };
                let c =
                    plenary_core::compare::compare(&read_pages(old)?, &read_pages(new)?, options);
                return Ok((labels, c));
            }
            ([], [old, new]) => (open()?, old.clone(), new.clone()),
            _ => bail!(
                "give two files (plenary compare OLD NEW), two versions (--version OLD --version NEW) \
                 or a document and a language (--document ID --lang LANG)"
            ),
        }
    };
    let label = |id: &VersionId| -> Result<String> {
        let v = cache.version(id)?;
        Ok(format!("{} ({}, {})", v.file_name, v.label, v.language))
    };
    let labels = Labels {
        old: label(&old)?,
        new: label(&new)?,
    };
    let c = cache
        .compare_versions(&old, &new, options)
        .with_context(|| format!("comparing {old} with {new}"))?;
    Ok((labels, c))
}

pub fn run(
    out: &mut impl Write,
    args: &CompareArgs,
    open: impl FnOnce() -> Result<Cache>,
    as_json: bool,
) -> Result<()> {
    let options = CompareOptions {
        remove_furniture: !args.keep_furniture,
        ..CompareOptions::default()
    };
    let (pair, comparison) = compare(args, open, &options)?;
    if let Some(path) = &args.html {
        let doc = html::render(
            &comparison,
            &HtmlOptions {
                title: format!("Comparison: {} → {}", pair.old, pair.new),
                old_label: pair.old.clone(),
                new_label: pair.new.clone(),
                context: args.html_context,
            },
        );
        std::fs::write(path, doc).with_context(|| format!("writing {}", path.display()))?;
    }
    if as_json {
        return term::json(out, &comparison);
    }
    human(out, &comparison, &pair, args.context, Style::for_stdout())?;
    if let Some(path) = &args.html {
        writeln!(out, "\nHTML written to {}.", path.display())?;
    }
    Ok(())
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human(
    out: &mut impl Write,
    c: &Comparison,
    pair: &Labels,
    context: usize,
    style: Style,
) -> Result<()> {
    let s = &c.summary;
    writeln!(
        out,
        "{} ({}) → {} ({})",
        pair.old,
        plural(c.old.pages, "page", "pages"),
        pair.new,
        plural(c.new.pages, "page", "pages")
    )?;
    if s.changes == 0 {
        writeln!(
            out,
            "No changes (whitespace, line breaks and page furniture aside)."
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: {} replaced, {} inserted, {} deleted, {} moved; {} inserted, {} deleted.",
        plural(s.changes, "change", "changes"),
        s.replacements,
        s.insertions,
        s.deletions,
        s.moves,
        plural(s.words_inserted, "word", "words"),
        plural(s.words_deleted, "word", "words"),
    )?;
    for change in &c.changes {
        writeln!(out)?;
        writeln!(out, "{}", style.paint("1", &header(change, s.changes)))?;
        writeln!(out, "    {}", body(c, change, context, style))?;
    }
    Ok(())
}

fn header(c: &Change, total: u32) -> String {
    let n = format!("[{}/{}]", c.id + 1, total);
    let place = |s: &plenary_core::compare::Side| {
        if s.location.label.starts_with("page ") {
            s.location.label.clone()
        } else {
            format!("{}, page {}", s.location.label, s.page)
        }
    };
    match c.kind {
        ChangeKind::Move => format!("{n} moved from {} to {}", place(&c.old), place(&c.new)),
        ChangeKind::Delete => format!("{n} deleted · {}", place(&c.old)),
        ChangeKind::Insert => format!("{n} inserted · {}", place(&c.new)),
        ChangeKind::Replace => format!("{n} replaced · {}", place(&c.new)),
    }
}

fn one_line(s: &str) -> String {
    s.replace('\n', " ¶ ")
}

/// The last `n` characters of `s`, or the first.
fn tail(s: &str, n: usize) -> String {
    let count = s.chars().count();
    if count <= n {
        return s.to_string();
    }
    format!("…{}", s.chars().skip(count - n).collect::<String>())
}

fn head(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    format!("{}…", s.chars().take(n).collect::<String>())
}

fn words(ws: &[Word], context: usize, style: Style) -> String {
    let mut out = String::new();
    let last = ws.len().saturating_sub(1);
    for (i, w) in ws.iter().enumerate() {
        let text = one_line(&w.text);
        match w.op {
            WordOp::Equal => {
                // Long unchanged stretches inside a moved block: elided.
                let n = text.chars().count();
                if n > 2 * context + 1 && i > 0 && i < last {
                    out.push_str(&head(&text, context));
                    out.push_str(&tail(&text, context).replacen('…', "", 1));
                } else if n > context && i == 0 && i != last {
                    out.push_str(&tail(&text, context));
                } else if n > context && i == last && i != 0 {
                    out.push_str(&head(&text, context));
                } else {
                    out.push_str(&text);
                }
            }
            WordOp::Delete => out.push_str(&style.paint("31", &format!("[-{text}-]"))),
            WordOp::Insert => out.push_str(&style.paint("32", &format!("{{+{text}+}}"))),
        }
    }
    out
}

/// A change in its paragraph: unchanged text around it, then the change
/// with `[-deleted-]{+inserted+}` markers (coloured on a terminal).
fn body(c: &Comparison, change: &Change, context: usize, style: Style) -> String {
    if change.kind == ChangeKind::Move {
        return format!(
            "{} {}",
            style.paint("36", "{moved}"),
            words(&change.words, context, style)
        );
    }
    let row = &c.rows[change.row as usize];
    let mine = |w: &Word| w.change == Some(change.id);
    let first = row.words.iter().position(mine).unwrap_or(0);
    let last = row.words.iter().rposition(mine).unwrap_or(first);
    // Context: the new text around (other changes' insertions included).
    let new_text = |ws: &[Word]| -> String {
        ws.iter()
            .filter(|w| w.op != WordOp::Delete)
            .map(|w| w.text.as_str())
            .collect()
    };
    let before = tail(&one_line(&new_text(&row.words[..first])), context);
    let after = head(&one_line(&new_text(&row.words[last + 1..])), context);
    let mut changed = words(&row.words[first..=last], context, style);
    if before.is_empty()
        && change
            .words
            .first()
            .is_some_and(|w| w.text.starts_with(' '))
    {
        changed = changed.trim_start().to_string();
    }
    format!(
        "{}{}{}",
        style.paint("2", &before),
        changed,
        style.paint("2", &after)
    )
}
