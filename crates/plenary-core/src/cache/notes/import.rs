//! W3C Web Annotation JSON-LD into the cache: each annotation whose target
//! names a version in the cache (`urn:x-plenary:version:<id>`, as
//! [`export`](super::export) writes it) becomes a note on that version.
//!
//! Decisions:
//! - The document is validated whole first (`anchor::w3c`, the W3C test
//!   suite's rules): an invalid one is refused with `invalid_annotation`
//!   and the problems found, and nothing is imported.
//! - A valid annotation about something that is not in this cache (another
//!   site's web page, a version this computer never synced) is not an
//!   error: it is listed as skipped (`not_in_cache`), with the others
//!   imported. So are annotations without a text selector that fits.
//! - Idempotent: a note's id comes from the annotation's id (ours:
//!   `urn:x-plenary:note:<id>` gives `<id>` back; any other IRI: the first
//!   32 hex digits of its SHA-256), so importing the same annotation twice
//!   gives one note.
//! - A local edit is never overwritten: an existing note is updated (text,
//!   tags, colour) only when the annotation's `modified` is later than the
//!   note's last change; otherwise it is kept (`kept_local`, or `unchanged`
//!   when they already agree). Its place and deletion mark are never
//!   touched by an import.
//! - A new note is placed on its version as a selection is: the
//!   `TextPositionSelector` when the text there is the quote, else the
//!   quote found by `locate` (page first), else (no text in the cache) the
//!   quote and page are kept as they came. Later revisions place it through
//!   the same path as every note, when they are first shown.
//! - Everything is written in one transaction.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::export::{NAMESPACE, NOTE_IRI_PREFIX, version_from_iri};
use super::{
    MAX_BODY, MAX_TAGS, Note, NoteColor, NoteTarget, Outcome, Placement, insert_placement,
    json_error, locate, now, ts,
};
use crate::anchor::{Target, w3c};
use crate::cache::Cache;
use crate::error::{Error, Result};
use crate::model::{Sha256, VersionId};

/// Why an annotation was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Its target is not a version in this cache.
    NotInCache,
    /// It has no text selector that fits the version's text.
    NoTextSelector,
    /// A note with its id exists on another document or language.
    OtherDocument,
    /// Its text is longer than a note may be.
    TooLarge,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedAnnotation {
    /// The annotation's id (an IRI).
    pub annotation: String,
    pub reason: SkipReason,
    /// The reason in words.
    pub message: String,
}

/// A note an import created or changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedNote {
    pub annotation: String,
    pub note_id: String,
    pub version_id: VersionId,
    /// Whether its text was found in the version's text (else it keeps the
    /// quote and page as they came).
    pub located: bool,
}

/// What an import did, annotation by annotation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Annotations in the document.
    pub total: usize,
    pub created: Vec<ImportedNote>,
    pub updated: Vec<ImportedNote>,
    /// Note ids already in the cache exactly as imported.
    pub unchanged: Vec<String>,
    /// Note ids whose local edit is newer than the annotation: kept.
    pub kept_local: Vec<String>,
    pub skipped: Vec<SkippedAnnotation>,
}

/// The note id for an annotation id.
pub fn note_id_for(annotation_id: &str) -> String {
    if let Some(rest) = annotation_id.strip_prefix(NOTE_IRI_PREFIX)
        && !rest.is_empty()
        && rest.len() <= 64
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return rest.to_owned();
    }
    Sha256::of(annotation_id.as_bytes()).to_string()[..32].to_owned()
}

/// What an annotation says beyond its target (which `w3c::parse` reads).
#[derive(Debug, Default)]
struct Extras {
    author: Option<String>,
    created: Option<OffsetDateTime>,
    modified: Option<OffsetDateTime>,
    text: Vec<String>,
    tags: Vec<String>,
    color: Option<NoteColor>,
}

/// The annotation objects of a (validated) document, in the order
/// `w3c::parse` returns them.
fn raw_annotations(v: &Value, out: &mut Vec<Map<String, Value>>) {
    let page_items = |page: &Value, out: &mut Vec<Map<String, Value>>| {
        if let Some(Value::Array(items)) = page.get("items") {
            out.extend(items.iter().filter_map(|i| i.as_object().cloned()));
        }
    };
    match v {
        Value::Array(items) => items.iter().for_each(|i| raw_annotations(i, out)),
        Value::Object(obj) => {
            let kind = types(obj.get("type"));
            if kind.iter().any(|t| t == "AnnotationCollection") {
                if let Some(first @ Value::Object(_)) = obj.get("first") {
                    page_items(first, out);
                }
                page_items(v, out);
            } else if kind.iter().any(|t| t == "AnnotationPage") {
                page_items(v, out);
            } else {
                out.push(obj.clone());
            }
        }
        _ => {}
    }
}

fn types(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn each(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn date(v: Option<&Value>) -> Option<OffsetDateTime> {
    v.and_then(Value::as_str)
        .and_then(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
}

/// A property under Plenary's namespace, compact (`plenary:color`) or
/// expanded.
fn ours<'a>(obj: &'a Map<String, Value>, term: &str) -> Option<&'a Value> {
    obj.get(&format!("plenary:{term}"))
        .or_else(|| obj.get(&format!("{NAMESPACE}{term}")))
}

fn extras(obj: &Map<String, Value>) -> Extras {
    let mut x = Extras {
        created: date(obj.get("created")),
        modified: date(obj.get("modified")),
        ..Extras::default()
    };
    x.author = obj.get("creator").and_then(|c| {
        each(c).into_iter().find_map(|a| match a {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => ["name", "nickname", "id"].iter().find_map(|k| {
                o.get(*k).and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_owned),
                    _ => None,
                })
            }),
            _ => None,
        })
    });
    let tagging = obj
        .get("motivation")
        .is_some_and(|m| each(m).iter().any(|m| m.as_str() == Some("tagging")));
    fn bodies(v: &Value, tagging: bool, x: &mut Extras) {
        for b in each(v) {
            let Value::Object(o) = b else { continue };
            if let Some(items) = o.get("items") {
                // Choice, List, Composite, Independents.
                bodies(items, tagging, x);
                continue;
            }
            let Some(value) = o.get("value").and_then(Value::as_str) else {
                continue;
            };
            let purposes = o.get("purpose").map(each).unwrap_or_default();
            let is_tag = purposes.iter().any(|p| p.as_str() == Some("tagging"))
                || (purposes.is_empty() && tagging);
            if is_tag {
                x.tags.push(value.to_owned());
            } else if !value.trim().is_empty() {
                x.text.push(value.to_owned());
            }
        }
    }
    if let Some(b) = obj.get("body") {
        bodies(b, tagging, &mut x);
    } else if let Some(v) = obj.get("bodyValue").and_then(Value::as_str) {
        x.text.push(v.to_owned());
    }
    let color_named = |s: &str| NoteColor::ALL.into_iter().find(|c| c.as_str() == s);
    x.color = ours(obj, "color")
        .and_then(Value::as_str)
        .and_then(color_named)
        .or_else(|| {
            obj.get("target").and_then(|t| {
                each(t).into_iter().find_map(|t| {
                    t.get("styleClass")
                        .and_then(Value::as_str)
                        .and_then(|c| c.strip_prefix("plenary-"))
                        .and_then(color_named)
                })
            })
        });
    x
}

/// Tags as a note keeps them; ones a note could not hold are dropped.
fn lenient_tags(tags: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().trim_start_matches('#').trim().to_owned();
        if t.is_empty() || t.chars().count() > 64 || out.contains(&t) {
            continue;
        }
        out.push(t);
    }
    out.truncate(MAX_TAGS);
    out
}

/// What to do with one annotation, decided before writing.
enum Action {
    Create {
        report: ImportedNote,
        meeting_id: String,
        note: Box<NewImported>,
        placement: Placement,
        revision: u32,
    },
    Update {
        report: ImportedNote,
        body: String,
        tags: Vec<String>,
        color: NoteColor,
        modified: OffsetDateTime,
    },
}

struct NewImported {
    document_id: String,
    language: &'static str,
    author: String,
    color: NoteColor,
    body: String,
    tags: Vec<String>,
    target: NoteTarget,
    created: OffsetDateTime,
    modified: OffsetDateTime,
}

impl Cache {
    /// Imports W3C Web Annotation JSON-LD (one annotation, an array, an
    /// `AnnotationCollection` or an `AnnotationPage`) as notes. See the
    /// module's documentation for what is imported, skipped or refused.
    pub fn import_notes(&mut self, json: &str) -> Result<ImportReport> {
        let value: Value = serde_json::from_str(json).map_err(|e| Error::InvalidAnnotation {
            at: "document".into(),
            reason: format!("not JSON: {e}"),
        })?;
        let parsed = w3c::parse(&value)?;
        let mut raw = Vec::with_capacity(parsed.len());
        raw_annotations(&value, &mut raw);
        let mut report = ImportReport {
            total: parsed.len(),
            ..ImportReport::default()
        };
        let mut actions = Vec::new();
        // Within one document, the last annotation with an id wins.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (i, a) in parsed.iter().enumerate() {
            let x = match raw.get(i) {
                Some(obj) if obj.get("id").and_then(Value::as_str) == Some(a.id.as_str()) => {
                    extras(obj)
                }
                _ => Extras::default(),
            };
            let skip = |reason: SkipReason, message: &str| SkippedAnnotation {
                annotation: a.id.clone(),
                reason,
                message: message.to_owned(),
            };
            match self.plan_import(&a.id, &a.target, x)? {
                Planned::Act(action) => {
                    let key = match &*action {
                        Action::Create { report, .. } | Action::Update { report, .. } => {
                            report.note_id.clone()
                        }
                    };
                    if let Some(prev) = seen.insert(key, actions.len()) {
                        actions[prev] = None;
                    }
                    actions.push(Some(*action));
                }
                Planned::Unchanged(id) => report.unchanged.push(id),
                Planned::KeptLocal(id) => report.kept_local.push(id),
                Planned::Skip(reason, message) => report.skipped.push(skip(reason, &message)),
            }
        }
        let tx = self.conn.transaction()?;
        for action in actions.into_iter().flatten() {
            match action {
                Action::Create {
                    report: r,
                    meeting_id,
                    note,
                    placement,
                    revision,
                } => {
                    tx.execute(
                        "INSERT INTO annotations (id, meeting_id, document_id, language, origin_version_id, \
                         origin_revision, author, color, body, tags, target, created_at, updated_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                        params![
                            r.note_id,
                            meeting_id,
                            note.document_id,
                            note.language,
                            r.version_id.as_str(),
                            revision,
                            note.author,
                            note.color.as_str(),
                            note.body,
                            serde_json::to_string(&note.tags).map_err(json_error)?,
                            serde_json::to_string(&note.target).map_err(json_error)?,
                            ts(note.created),
                            ts(note.modified),
                        ],
                    )?;
                    insert_placement(&tx, &r.note_id, &r.version_id, revision, &placement)?;
                    report.created.push(r);
                }
                Action::Update {
                    report: r,
                    body,
                    tags,
                    color,
                    modified,
                } => {
                    tx.execute(
                        "UPDATE annotations SET body = ?2, tags = ?3, color = ?4, updated_at = ?5, \
                         edits = edits + 1 WHERE id = ?1",
                        params![
                            r.note_id,
                            body,
                            serde_json::to_string(&tags).map_err(json_error)?,
                            color.as_str(),
                            ts(modified),
                        ],
                    )?;
                    report.updated.push(r);
                }
            }
        }
        tx.commit()?;
        Ok(report)
    }

    fn plan_import(&self, annotation_id: &str, target: &Target, x: Extras) -> Result<Planned> {
        let Some(version_id) = target.source.as_deref().and_then(version_from_iri) else {
            return Ok(Planned::Skip(
                SkipReason::NotInCache,
                match &target.source {
                    Some(s) => format!("{s} is not a document version in this cache"),
                    None => "the annotation names no document".into(),
                },
            ));
        };
        let version = match self.version(&version_id) {
            Ok(v) => v,
            Err(Error::NotFound { .. }) => {
                return Ok(Planned::Skip(
                    SkipReason::NotInCache,
                    format!("version {version_id} is not in this cache (not synced, or withdrawn)"),
                ));
            }
            Err(e) => return Err(e),
        };
        let note_id = note_id_for(annotation_id);
        let body = x.text.join("\n\n");
        if body.len() > MAX_BODY {
            return Ok(Planned::Skip(
                SkipReason::TooLarge,
                "the note's text is longer than 100,000 bytes".into(),
            ));
        }
        let tags = lenient_tags(x.tags);
        let color = x.color.unwrap_or(NoteColor::Yellow);
        let incoming = x.modified.or(x.created);
        let existing: Option<Note> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} FROM annotations WHERE id = ?1",
                super::NOTE_COLUMNS
            ))?
            .query_row([&note_id], super::read_note)
            .optional()?;
        if let Some(local) = existing {
            if local.document_id != version.document_id || local.language != version.language {
                return Ok(Planned::Skip(
                    SkipReason::OtherDocument,
                    format!(
                        "a note with this id is on another document ({} in {})",
                        local.document_id,
                        local.language.code()
                    ),
                ));
            }
            if local.body == body && local.tags == tags && local.color == color {
                return Ok(Planned::Unchanged(note_id));
            }
            return Ok(match incoming {
                Some(at) if at > local.updated_at => Planned::Act(Box::new(Action::Update {
                    report: ImportedNote {
                        annotation: annotation_id.to_owned(),
                        note_id,
                        version_id: local.origin_version_id,
                        located: local.target.start.is_some(),
                    },
                    body,
                    tags,
                    color,
                    modified: at,
                })),
                _ => Planned::KeptLocal(note_id),
            });
        }

        let text = self.version_doc_text(&version_id)?;
        let quote = target.quote.as_ref();
        let page = target.page;
        let span = text.as_ref().and_then(|t| {
            let by_position = target.position.filter(|p| {
                p.start < p.end
                    && p.end <= t.len_chars()
                    && quote.is_none_or(|q| t.slice(p.start, p.end) == q.exact)
            });
            match (by_position, quote) {
                (Some(p), _) => Some((p.start, p.end)),
                (None, Some(q)) => locate::locate(t, page, &q.exact, &q.prefix, &q.suffix)
                    .map(|s| (s.start, s.end)),
                (None, None) => None,
            }
        });
        let (note_target, placement) = match (&text, span, quote) {
            (Some(t), Some((start, end)), _) => {
                let p = Placement::at(t, start, end, Outcome::Origin);
                let nt = NoteTarget {
                    exact: p.quote.clone().unwrap_or_default(),
                    prefix: p.prefix.clone().unwrap_or_default(),
                    suffix: p.suffix.clone().unwrap_or_default(),
                    start: Some(start),
                    end: Some(end),
                    page: p.page,
                    location: None,
                };
                (nt, p)
            }
            (_, _, Some(q)) if !q.exact.trim().is_empty() => {
                let reason = if text.is_some() {
                    "the quoted text was not found in this version's extracted text"
                } else {
                    "this version has no extracted text; the note keeps the quote and page"
                };
                let nt = NoteTarget {
                    exact: q.exact.clone(),
                    prefix: q.prefix.clone(),
                    suffix: q.suffix.clone(),
                    start: None,
                    end: None,
                    page,
                    location: None,
                };
                let p = Placement {
                    outcome: Outcome::Origin,
                    start: None,
                    end: None,
                    page,
                    quote: Some(q.exact.clone()),
                    prefix: Some(q.prefix.clone()),
                    suffix: Some(q.suffix.clone()),
                    score: 1.0,
                    reason: Some(reason.into()),
                };
                (nt, p)
            }
            _ => {
                return Ok(Planned::Skip(
                    SkipReason::NoTextSelector,
                    if text.is_none() && target.position.is_some() {
                        "only a text position, and this version's text is not on this computer yet"
                            .into()
                    } else {
                        "no quote or text position that fits this version's text".into()
                    },
                ));
            }
        };
        let meeting_id: String = self.conn.query_row(
            "SELECT meeting_id FROM documents WHERE id = ?1",
            [version.document_id.as_str()],
            |r| r.get(0),
        )?;
        let created = x.created.or(x.modified).unwrap_or_else(now);
        let modified = x.modified.unwrap_or(created);
        Ok(Planned::Act(Box::new(Action::Create {
            report: ImportedNote {
                annotation: annotation_id.to_owned(),
                note_id,
                version_id: version.id.clone(),
                located: note_target.start.is_some(),
            },
            meeting_id,
            note: Box::new(NewImported {
                document_id: version.document_id.as_str().to_owned(),
                language: version.language.code(),
                author: x
                    .author
                    .map(|a| a.trim().chars().take(80).collect::<String>())
                    .filter(|a| !a.is_empty())
                    .unwrap_or_else(|| "unknown".into()),
                color,
                body,
                tags,
                target: note_target,
                created,
                modified,
            }),
            placement,
            revision: version.revision,
        })))
    }
}

enum Planned {
    Act(Box<Action>),
    Unchanged(String),
    KeptLocal(String),
    Skip(SkipReason, String),
}
