//! A meeting's notes as a report a delegation sends to its capital: titled
//! with the meeting's name, place and dates; grouped by document (in the
//! meeting's order) and, within a document, by article and paragraph (or
//! page, in an unnumbered text); each note with the words it is on, the
//! note, its tags, author and date, and what became of it on the newest
//! revision ("Text changed in Rev.3: “old” → “new”", "Could not be placed").
//!
//! Two renderings of the same [`NotesReport`]: Markdown and one standalone
//! HTML file that prints cleanly to PDF (print CSS, a page break before each
//! document, no external resource of any kind, every piece of text escaped,
//! quotes marked with their language and `dir="rtl"` for Arabic).
//!
//! Both are written by hand, like `compare::html`: the output is small and
//! fixed in shape, and writing it directly keeps escaping in one place per
//! format rather than behind a Markdown or template library.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use super::{NoteColor, NoteFilter, Outcome};
use crate::anchor::{StructuralLocation, Structure};
use crate::cache::{Cache, UiLanguage};
use crate::error::{Error, Result};
use crate::model::{DocumentId, Language, Meeting, MeetingId, VersionId};

/// Which rendering of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Markdown,
    Html,
}

impl ReportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "md",
            ReportFormat::Html => "html",
        }
    }
}

/// A meeting's notes, ready to be written out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotesReport {
    pub meeting: Meeting,
    pub language: UiLanguage,
    #[serde(with = "time::serde::rfc3339")]
    pub generated: OffsetDateTime,
    pub documents: Vec<ReportDocument>,
    pub total: usize,
    /// Notes not placed on their document's newest revision.
    pub unplaced: usize,
    /// Only notes with this tag (the filter the report was made with).
    pub tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportDocument {
    pub document_id: DocumentId,
    pub symbol: Option<String>,
    pub title: String,
    /// The agenda item's number and title.
    pub agenda_item: Option<(String, String)>,
    pub groups: Vec<ReportGroup>,
}

/// The notes on one article/paragraph (or page) of a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportGroup {
    pub location: Option<StructuralLocation>,
    /// When the text is not numbered there.
    pub page: Option<u32>,
    pub notes: Vec<ReportNote>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportNote {
    pub note_id: String,
    pub language: Language,
    /// The words the note was made on.
    pub quote: String,
    pub body: String,
    pub tags: Vec<String>,
    pub author: String,
    pub color: NoteColor,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The revision it was made on ("Rev.1").
    pub origin_label: String,
    /// The newest revision of its document in its language.
    pub newest_label: String,
    pub newest_version: VersionId,
    /// How it stands on the newest revision.
    pub outcome: Outcome,
    /// On the newest revision: the text it is on now.
    pub new_quote: Option<String>,
    /// For `changed`: the wording on the revision before.
    pub old_quote: Option<String>,
    pub reason: Option<String>,
    pub page: Option<u32>,
}

impl Cache {
    /// The report of a meeting's notes (filtered as the Notes tab is), in
    /// `language` (English or French; quotes and notes stay as written).
    pub fn notes_report(
        &mut self,
        meeting: &MeetingId,
        filter: &NoteFilter,
        language: UiLanguage,
    ) -> Result<NotesReport> {
        let overview = self.meeting_overview(meeting)?;
        let notes = self.notes_for_meeting(meeting, filter)?;
        let order: BTreeMap<&DocumentId, usize> = overview
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| (&d.document.id, i))
            .collect();
        let agenda: BTreeMap<_, _> = overview
            .agenda
            .iter()
            .map(|a| (a.id.clone(), (a.number.clone(), a.title.clone())))
            .collect();

        let mut structures: BTreeMap<VersionId, Option<Structure>> = BTreeMap::new();
        let mut labels: BTreeMap<VersionId, String> = BTreeMap::new();
        // (document order, document id) -> (document, notes with their sort key)
        type Keyed = (
            Option<StructuralLocation>,
            Option<u32>,
            (u8, usize),
            ReportNote,
        );
        let mut docs: BTreeMap<(usize, DocumentId), (ReportDocument, Vec<Keyed>)> = BTreeMap::new();
        let mut unplaced = 0;
        let total = notes.len();
        for mn in notes {
            let note = &mn.placed.note;
            let p = &mn.placed.placement;
            let placed = p.outcome.is_placed();
            if !placed {
                unplaced += 1;
            }
            // Where it is: on the newest revision if placed there, else
            // where it was made.
            let (vid, offset) = match (placed, p.start) {
                (true, Some(start)) => (mn.placed.version_id.clone(), Some(start)),
                _ => (note.origin_version_id.clone(), note.target.start),
            };
            let location = match offset {
                Some(at) => {
                    if !structures.contains_key(&vid) {
                        let s = match self.version_doc_text(&vid) {
                            Ok(t) => t.map(|t| Structure::detect(&t)),
                            Err(Error::NotFound { .. }) => None,
                            Err(e) => return Err(e),
                        };
                        structures.insert(vid.clone(), s);
                    }
                    structures[&vid].as_ref().and_then(|s| s.locate(at))
                }
                None => None,
            };
            let page = if placed { p.page } else { note.target.page };
            let old_quote = if p.outcome == Outcome::Changed {
                self.source_for(note, mn.revision)?.map(|s| s.quote)
            } else {
                None
            };
            if !labels.contains_key(&note.origin_version_id) {
                let label = match self.version(&note.origin_version_id) {
                    Ok(v) => v.label,
                    Err(Error::NotFound { .. }) => format!("#{}", note.origin_revision),
                    Err(e) => return Err(e),
                };
                labels.insert(note.origin_version_id.clone(), label);
            }
            let rn = ReportNote {
                note_id: note.id.clone(),
                language: note.language,
                quote: note.target.exact.clone(),
                body: note.body.clone(),
                tags: note.tags.clone(),
                author: note.author.clone(),
                color: note.color,
                updated_at: note.updated_at,
                origin_label: labels[&note.origin_version_id].clone(),
                newest_label: mn.revision_label.clone(),
                newest_version: mn.placed.version_id.clone(),
                outcome: p.outcome,
                new_quote: p.quote.clone(),
                old_quote,
                reason: p.reason.clone(),
                page,
            };
            let key = (u8::from(!placed), offset.unwrap_or(usize::MAX));
            let doc_key = (
                order.get(&note.document_id).copied().unwrap_or(usize::MAX),
                note.document_id.clone(),
            );
            let entry = docs.entry(doc_key).or_insert_with(|| {
                (
                    ReportDocument {
                        document_id: note.document_id.clone(),
                        symbol: mn.document_symbol.clone(),
                        title: mn.document_title.clone(),
                        agenda_item: mn
                            .agenda_item_id
                            .as_ref()
                            .and_then(|a| agenda.get(a).cloned()),
                        groups: Vec::new(),
                    },
                    Vec::new(),
                )
            });
            entry.1.push((location, page, key, rn));
        }

        let documents = docs
            .into_values()
            .map(|(mut doc, mut notes)| {
                // Reading order (per language: offsets of different
                // languages' texts are not comparable), placed notes first.
                notes.sort_by_key(|n| (n.3.language, n.2));
                for (location, page, _, note) in notes {
                    // One group per article/paragraph, or per page in an
                    // unnumbered stretch; notes join their place's group.
                    let page = if location.is_some() { None } else { page };
                    let same = |g: &&mut ReportGroup| {
                        g.location.as_ref().map(|l| &l.label) == location.as_ref().map(|l| &l.label)
                            && g.page == page
                    };
                    match doc.groups.iter_mut().find(same) {
                        Some(g) => g.notes.push(note),
                        None => doc.groups.push(ReportGroup {
                            location,
                            page,
                            notes: vec![note],
                        }),
                    }
                }
                doc
            })
            .collect();
        Ok(NotesReport {
            meeting: overview.meeting,
            language,
            generated: OffsetDateTime::now_utc(),
            documents,
            total,
            unplaced,
            tag: filter.tag.clone(),
        })
    }
}

// ---- Words -----------------------------------------------------------------

/// The report's own words in its language.
#[derive(Debug, Clone, Copy)]
struct Words(UiLanguage);

/// French puts a narrow no-break space before a colon.
const FR_COLON: &str = "\u{202f}:";

impl Words {
    fn fr(self) -> bool {
        self.0 == UiLanguage::Fr
    }

    fn lang(self) -> &'static str {
        if self.fr() { "fr" } else { "en" }
    }

    fn title(self, meeting: &str) -> String {
        if self.fr() {
            format!("Notes{FR_COLON} {meeting}")
        } else {
            format!("Notes: {meeting}")
        }
    }

    fn summary(self, r: &NotesReport) -> String {
        let docs = r.documents.len();
        let mut s = if self.fr() {
            format!(
                "{} sur {}.",
                plural(r.total, "note", "notes"),
                plural(docs, "document", "documents")
            )
        } else {
            format!(
                "{} on {}.",
                plural(r.total, "note", "notes"),
                plural(docs, "document", "documents")
            )
        };
        if let Some(tag) = &r.tag {
            s.push_str(&if self.fr() {
                format!(" Seulement les notes avec l’étiquette #{tag}.")
            } else {
                format!(" Only notes tagged #{tag}.")
            });
        }
        if r.unplaced > 0 {
            s.push(' ');
            s.push_str(&if self.fr() {
                format!(
                    "{} sur la dernière révision de leur document.",
                    plural(
                        r.unplaced,
                        "n’a pas pu être placée",
                        "n’ont pas pu être placées"
                    )
                )
            } else {
                format!(
                    "{} could not be placed on the newest revision of {}.",
                    r.unplaced,
                    if r.unplaced == 1 {
                        "its document"
                    } else {
                        "their documents"
                    }
                )
            });
        }
        s
    }

    fn generated(self, at: OffsetDateTime) -> String {
        if self.fr() {
            format!("Établi le {} avec Plenary.", self.date(at.date()))
        } else {
            format!("Prepared on {} with Plenary.", self.date(at.date()))
        }
    }

    fn agenda_item(self, number: &str, title: &str) -> String {
        if self.fr() {
            format!("Point {number} de l’ordre du jour{FR_COLON} {title}")
        } else {
            format!("Agenda item {number}: {title}")
        }
    }

    fn location(self, l: &StructuralLocation) -> String {
        if !self.fr() {
            return l.label.clone();
        }
        let mut parts = Vec::new();
        if let Some(a) = &l.article {
            parts.push(format!("Article {a}"));
        }
        if let Some(p) = &l.paragraph {
            parts.push(format!("paragraphe {p}"));
        }
        let mut s = parts.join(", ");
        if let Some(sub) = &l.subparagraph {
            if s.is_empty() {
                s = format!("alinéa {sub})");
            } else {
                s.push_str(&format!(" {sub})"));
            }
        }
        s
    }

    fn page(self, page: u32) -> String {
        format!("page {page}")
    }

    fn elsewhere(self) -> &'static str {
        if self.fr() {
            "Ailleurs dans le document"
        } else {
            "Elsewhere in the document"
        }
    }

    fn group_heading(self, g: &ReportGroup) -> String {
        match (&g.location, g.page) {
            (Some(l), _) => capitalise(&self.location(l)),
            (None, Some(p)) => capitalise(&self.page(p)),
            (None, None) => self.elsewhere().to_owned(),
        }
    }

    fn made_on(self, n: &ReportNote) -> String {
        let mut s = if self.fr() {
            format!("faite sur {}", n.origin_label)
        } else {
            format!("made on {}", n.origin_label)
        };
        if let Some(p) = n.page {
            s.push_str(", ");
            s.push_str(&self.page(p));
        }
        s
    }

    fn outcome(self, n: &ReportNote) -> String {
        let label = &n.newest_label;
        let reason = n
            .reason
            .as_deref()
            .unwrap_or("")
            .trim()
            .trim_end_matches('.');
        let q = |s: &str| {
            let s = one_line(s);
            if self.fr() {
                format!("«\u{a0}{s}\u{a0}»")
            } else {
                format!("“{s}”")
            }
        };
        let new = n.new_quote.as_deref().unwrap_or("");
        let fr = self.fr();
        match n.outcome {
            Outcome::Origin if fr => format!("Faite sur cette révision ({label})."),
            Outcome::Origin => format!("Made on this revision ({label})."),
            Outcome::Unchanged if fr => format!("Inchangée dans {label}."),
            Outcome::Unchanged => format!("Unchanged in {label}."),
            Outcome::Moved if fr => {
                format!("Déplacée dans {label}{FR_COLON} le même texte, ailleurs.")
            }
            Outcome::Moved => format!("Moved in {label}: the same text, elsewhere."),
            Outcome::Changed => {
                let old = n.old_quote.as_deref().unwrap_or(&n.quote);
                if fr {
                    format!(
                        "Texte modifié dans {label}{FR_COLON} {} → {}.",
                        q(old),
                        q(new)
                    )
                } else {
                    format!("Text changed in {label}: {} → {}.", q(old), q(new))
                }
            }
            Outcome::NeedsReview if fr => format!("À vérifier dans {label}{FR_COLON} {reason}."),
            Outcome::NeedsReview => format!("Needs review in {label}: {reason}."),
            Outcome::Orphaned if fr => {
                format!("Impossible à placer dans {label}{FR_COLON} {reason}.")
            }
            Outcome::Orphaned => format!("Could not be placed in {label}: {reason}."),
            Outcome::Attached if fr => format!("Rattachée à la main à {} dans {label}.", q(new)),
            Outcome::Attached => format!("Attached by hand to {} in {label}.", q(new)),
        }
    }

    fn month(self, m: Month) -> &'static str {
        let i = u8::from(m) as usize - 1;
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        if self.fr() { FR[i] } else { EN[i] }
    }

    fn day(self, d: Date) -> String {
        if self.fr() && d.day() == 1 {
            "1er".into()
        } else {
            d.day().to_string()
        }
    }

    /// "12 November 2024", "1er novembre 2024".
    fn date(self, d: Date) -> String {
        format!("{} {} {}", self.day(d), self.month(d.month()), d.year())
    }

    /// "10–13 September 2024", "30 September – 2 October 2024".
    fn dates(self, from: Date, to: Date) -> String {
        if from == to {
            self.date(from)
        } else if from.year() == to.year() && from.month() == to.month() {
            format!(
                "{}–{} {} {}",
                self.day(from),
                self.day(to),
                self.month(to.month()),
                to.year()
            )
        } else if from.year() == to.year() {
            format!(
                "{} {} – {}",
                self.day(from),
                self.month(from.month()),
                self.date(to)
            )
        } else {
            format!("{} – {}", self.date(from), self.date(to))
        }
    }

    /// "Convention on Cluster Munitions · Palais des Nations, Geneva · 10–13 September 2024".
    fn meeting_line(self, m: &Meeting) -> String {
        let place = [m.venue.trim(), m.city.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        [
            m.body.trim().to_owned(),
            place,
            self.dates(m.starts_on, m.ends_on),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
    }

    fn no_notes(self) -> &'static str {
        if self.fr() {
            "Aucune note."
        } else {
            "No notes."
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A quote on one line: line breaks and page breaks of the extracted text
/// are not the document's words.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn document_heading(d: &ReportDocument) -> String {
    match &d.symbol {
        Some(s) => format!("{s} · {}", d.title),
        None => d.title.clone(),
    }
}

// ---- Markdown ----------------------------------------------------------------

/// Escapes text for Markdown (CommonMark): punctuation that could start
/// markup is backslash-escaped, and so is what would open a block at the
/// start of a line (a heading, list item, quote or rule).
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if "\\`*_[]<>|~&".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    // Block openers at the start of the line.
    let trimmed = out.trim_start();
    let lead = out.len() - trimmed.len();
    if trimmed.starts_with(['#', '+', '-', '=']) {
        out.insert(lead, '\\');
    } else {
        let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && trimmed[digits..].starts_with(['.', ')']) {
            out.insert(lead + digits, '\\');
        }
    }
    out
}

/// Multi-line text (a note) as Markdown paragraphs: blank lines part
/// paragraphs, other line breaks are kept as hard breaks.
fn md_paragraphs(text: &str, out: &mut String) {
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let lines: Vec<String> = para.lines().map(|l| md(l.trim())).collect();
        out.push_str(&lines.join("\\\n"));
        out.push_str("\n\n");
    }
}

/// The report as Markdown.
pub fn to_markdown(r: &NotesReport) -> String {
    let w = Words(r.language);
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md(&w.title(&r.meeting.title)));
    let _ = writeln!(out, "{}\n", md(&w.meeting_line(&r.meeting)));
    let _ = writeln!(
        out,
        "{} {}\n",
        md(&w.summary(r)),
        md(&w.generated(r.generated))
    );
    if r.documents.is_empty() {
        let _ = writeln!(out, "{}\n", w.no_notes());
    }
    for d in &r.documents {
        let _ = writeln!(out, "## {}\n", md(&document_heading(d)));
        if let Some((number, title)) = &d.agenda_item {
            let _ = writeln!(out, "{}\n", md(&w.agenda_item(number, title)));
        }
        for g in &d.groups {
            let _ = writeln!(out, "### {}\n", md(&w.group_heading(g)));
            for n in &g.notes {
                let _ = writeln!(out, "> {}\n", md(&one_line(&n.quote)));
                md_paragraphs(&n.body, &mut out);
                let _ = writeln!(out, "*{}*\n", md(&w.outcome(n)));
                let mut meta = Vec::new();
                if !n.tags.is_empty() {
                    meta.push(
                        n.tags
                            .iter()
                            .map(|t| format!("#{t}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
                meta.push(n.author.clone());
                meta.push(w.date(n.updated_at.date()));
                meta.push(w.made_on(n));
                let _ = writeln!(out, "{}\n", md(&meta.join(" · ")));
                out.push_str("---\n\n");
            }
        }
    }
    out
}

// ---- HTML ---------------------------------------------------------------------

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 15px/1.5 "Noto Serif", Georgia, serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
header { border-bottom: 2px solid #222; margin-bottom: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.meeting { margin: 0; color: #333; }
.summary { color: #444; font-size: .9rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .25rem; }
h2 .symbol { font-family: ui-monospace, monospace; font-size: .95em; }
.agenda { margin: 0 0 1rem; color: #444; font-style: italic; }
h3 { font-size: 1rem; margin: 1.25rem 0 .5rem; border-bottom: 1px solid #bbb; }
article.note { border-left: 5px solid var(--c, #f5d90a); padding: .1rem 0 .1rem .8rem; margin: 0 0 1rem; }
.note-yellow { --c: #f5d90a; } .note-green { --c: #3fb950; } .note-blue { --c: #3b8eea; }
.note-pink { --c: #e5508f; } .note-purple { --c: #8957e5; }
blockquote { margin: .2rem 0; font-style: italic; }
blockquote[dir="rtl"] { font-style: normal; }
.body p { margin: .3rem 0; white-space: pre-wrap; }
.outcome { margin: .3rem 0; font: .9rem/1.4 system-ui, sans-serif; color: #333; }
.outcome-changed, .outcome-needs_review, .outcome-orphaned { font-weight: 600; }
.meta { margin: .3rem 0; font: .8rem/1.4 system-ui, sans-serif; color: #555; }
.tag { margin-right: .4em; }
@media print {
  body { font-size: 10.5pt; max-width: none; margin: 0; padding: 0; }
  section.document + section.document { break-before: page; }
  article.note { break-inside: avoid; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2, h3 { break-after: avoid; }
}
"#;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report as one standalone HTML file: no script, no external style,
/// font or image (a Content-Security-Policy says so to the browser too).
pub fn to_html(r: &NotesReport) -> String {
    let w = Words(r.language);
    let mut out = String::new();
    let title = w.title(&r.meeting.title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"generator\" content=\"Plenary\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        w.lang(),
        esc(&title)
    );
    let _ = write!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"meeting\">{}</p>\n<p class=\"summary\">{} {}</p>\n</header>\n",
        esc(&title),
        esc(&w.meeting_line(&r.meeting)),
        esc(&w.summary(r)),
        esc(&w.generated(r.generated))
    );
    if r.documents.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", w.no_notes());
    }
    for d in &r.documents {
        out.push_str("<section class=\"document\">\n<h2>");
        if let Some(s) = &d.symbol {
            let _ = write!(out, "<span class=\"symbol\">{}</span> · ", esc(s));
        }
        let _ = writeln!(out, "{}</h2>", esc(&d.title));
        if let Some((number, title)) = &d.agenda_item {
            let _ = writeln!(
                out,
                "<p class=\"agenda\">{}</p>",
                esc(&w.agenda_item(number, title))
            );
        }
        for g in &d.groups {
            let _ = writeln!(out, "<h3>{}</h3>", esc(&w.group_heading(g)));
            for n in &g.notes {
                let lang = n.language.code();
                let dir = if n.language == Language::Ar {
                    "rtl"
                } else {
                    "ltr"
                };
                let _ = write!(
                    out,
                    "<article class=\"note note-{}\">\n<blockquote lang=\"{lang}\" dir=\"{dir}\">{}</blockquote>\n",
                    n.color.as_str(),
                    esc(&one_line(&n.quote))
                );
                if !n.body.trim().is_empty() {
                    out.push_str("<div class=\"body\" dir=\"auto\">");
                    for para in n
                        .body
                        .split("\n\n")
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                    {
                        let _ = write!(out, "<p>{}</p>", esc(para));
                    }
                    out.push_str("</div>\n");
                }
                let _ = writeln!(
                    out,
                    "<p class=\"outcome outcome-{}\">{}</p>",
                    n.outcome.as_str(),
                    esc(&w.outcome(n))
                );
                out.push_str("<p class=\"meta\">");
                for t in &n.tags {
                    let _ = write!(out, "<span class=\"tag\">#{}</span>", esc(t));
                }
                let _ = writeln!(
                    out,
                    "{} · {} · {}</p>\n</article>",
                    esc(&n.author),
                    esc(&w.date(n.updated_at.date())),
                    esc(&w.made_on(n))
                );
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The report in `format`.
pub fn render(r: &NotesReport, format: ReportFormat) -> String {
    match format {
        ReportFormat::Markdown => to_markdown(r),
        ReportFormat::Html => to_html(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_what_would_be_markup() {
        assert_eq!(md("# not a heading"), "\\# not a heading");
        assert_eq!(md("1. not a list"), "1\\. not a list");
        assert_eq!(md("a *b* <script>"), "a \\*b\\* \\<script\\>");
        assert_eq!(md("- item"), "\\- item");
    }

    #[test]
    fn html_escapes_text() {
        assert_eq!(
            esc("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn dates_read_as_people_write_them() {
        use time::macros::date;
        let en = Words(UiLanguage::En);
        let fr = Words(UiLanguage::Fr);
        assert_eq!(
            en.dates(date!(2024 - 09 - 10), date!(2024 - 09 - 13)),
            "10–13 September 2024"
        );
        assert_eq!(
            en.dates(date!(2024 - 09 - 30), date!(2024 - 10 - 02)),
            "30 September – 2 October 2024"
        );
        assert_eq!(fr.date(date!(2024 - 11 - 01)), "1er novembre 2024");
    }
}
