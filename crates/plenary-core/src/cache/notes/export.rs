//! A meeting's (or one document's) notes as W3C Web Annotation JSON-LD: an
//! `AnnotationCollection` whose first page embeds every annotation.
//!
//! Each note becomes one annotation, on the version it was made on (where
//! its selectors are exact; later revisions place it again, they do not
//! move its target):
//! - `id`: `urn:x-plenary:note:<note id>`, stable, so that importing the
//!   file again (here or in another Plenary) finds the same note;
//! - `creator` (a Person with the note's author), `created`, `modified`,
//!   `generator` (Plenary);
//! - `motivation`: `commenting` when the note has text, else `highlighting`;
//! - `body`: the note's text (TextualBody, purpose `commenting`) and one
//!   TextualBody per tag (purpose `tagging`);
//! - `target`: a SpecificResource whose `source` is the version
//!   (`urn:x-plenary:version:<version id>`, the server's identifier, with its
//!   media type and language) and whose selectors are `TextQuoteSelector`
//!   (exact, prefix, suffix), `TextPositionSelector` (code points in the
//!   version's text rendition, pages joined by U+000C) and, for PDFs,
//!   `FragmentSelector` `page=N` (RFC 3778);
//! - the colour: the model's own styling (a `CssStylesheet` and the target's
//!   `styleClass` `plenary-<colour>`), plus `plenary:color` and, where the
//!   text is numbered, `plenary:location` ("Article 5, paragraph 2") under
//!   Plenary's namespace (`urn:x-plenary:ns#`), declared in the `@context`.
//!
//! Deleted notes are not exported.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Note, NoteColor, read_note, ts};
use crate::anchor::{Structure, w3c};
use crate::cache::Cache;
use crate::error::Result;
use crate::model::{DocumentId, MediaType, Meeting, MeetingId, Version, VersionId};

/// Notes' IRIs: `urn:x-plenary:note:<note id>`.
pub const NOTE_IRI_PREFIX: &str = "urn:x-plenary:note:";
/// Versions' IRIs (a target's `source`): `urn:x-plenary:version:<version id>`.
pub const VERSION_IRI_PREFIX: &str = "urn:x-plenary:version:";
/// Plenary's JSON-LD namespace, for what the Web Annotation vocabulary has
/// no term for (the named colour, the article/paragraph).
pub const NAMESPACE: &str = "urn:x-plenary:ns#";
/// The `@context` of an export: the Web Annotation context, and the
/// `plenary` prefix.
pub fn context() -> Value {
    json!([w3c::CONTEXT, {"plenary": NAMESPACE}])
}

pub fn note_iri(note_id: &str) -> String {
    format!("{NOTE_IRI_PREFIX}{note_id}")
}

pub fn version_iri(version: &VersionId) -> String {
    format!("{VERSION_IRI_PREFIX}{}", version.as_str())
}

/// The version a target's `source` names, if it is one of ours.
pub fn version_from_iri(iri: &str) -> Option<VersionId> {
    iri.strip_prefix(VERSION_IRI_PREFIX)?.parse().ok()
}

/// The CSS class (the target's `styleClass`) of a colour, and its colour in
/// the exported stylesheet (the app's highlight colours).
pub fn style_class(color: NoteColor) -> String {
    format!("plenary-{}", color.as_str())
}

fn css_color(color: NoteColor) -> &'static str {
    match color {
        NoteColor::Yellow => "rgb(245 217 10 / 0.42)",
        NoteColor::Green => "rgb(63 185 80 / 0.32)",
        NoteColor::Blue => "rgb(59 142 234 / 0.3)",
        NoteColor::Pink => "rgb(229 80 143 / 0.3)",
        NoteColor::Purple => "rgb(137 87 229 / 0.3)",
    }
}

/// The notes of a meeting, or of one of its documents, in the order a
/// reader meets them (document, language, creation).
pub(super) fn meeting_notes_raw(
    cache: &Cache,
    meeting: &MeetingId,
    document: Option<&DocumentId>,
) -> Result<Vec<Note>> {
    let mut stmt = cache.conn.prepare_cached(&format!(
        "SELECT {} FROM annotations WHERE meeting_id = ?1 AND deleted_at IS NULL \
         AND (?2 IS NULL OR document_id = ?2) ORDER BY document_id, language, created_at, id",
        super::NOTE_COLUMNS
    ))?;
    let notes = stmt
        .query_map(
            rusqlite::params![meeting.as_str(), document.map(|d| d.as_str())],
            read_note,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(notes)
}

impl Cache {
    /// A meeting's notes (only `document`'s, when given) as one W3C
    /// `AnnotationCollection` (JSON-LD), ready to be written to a file.
    pub fn export_notes(
        &self,
        meeting: &MeetingId,
        document: Option<&DocumentId>,
    ) -> Result<Value> {
        let m = self.meeting(meeting)?;
        if let Some(d) = document {
            // Refuse a document that is not there (rather than export nothing).
            self.document(d)?;
        }
        let notes = meeting_notes_raw(self, meeting, document)?;
        let mut versions: BTreeMap<VersionId, Option<Version>> = BTreeMap::new();
        let mut structures: BTreeMap<VersionId, Option<Structure>> = BTreeMap::new();
        let mut items = Vec::with_capacity(notes.len());
        for note in &notes {
            let vid = &note.origin_version_id;
            if !versions.contains_key(vid) {
                // A withdrawn version keeps its notes: exported all the same.
                versions.insert(vid.clone(), self.version(vid).ok());
            }
            let version = versions[vid].as_ref();
            let location = match &note.target.location {
                Some(l) => Some(l.clone()),
                None => match note.target.start {
                    Some(start) if version.is_some() => {
                        if !structures.contains_key(vid) {
                            let s = self.version_doc_text(vid)?.map(|t| Structure::detect(&t));
                            structures.insert(vid.clone(), s);
                        }
                        structures[vid]
                            .as_ref()
                            .and_then(|s| s.locate(start))
                            .map(|l| l.label)
                    }
                    _ => None,
                },
            };
            items.push(Value::Object(annotation(note, version, location)));
        }
        Ok(collection(&m, document, items))
    }
}

/// The collection around the annotations.
fn collection(meeting: &Meeting, document: Option<&DocumentId>, items: Vec<Value>) -> Value {
    let id = match document {
        Some(d) => format!("urn:x-plenary:notes:{}:{}", meeting.id, d),
        None => format!("urn:x-plenary:notes:{}", meeting.id),
    };
    json!({
        "@context": context(),
        "id": id,
        "type": "AnnotationCollection",
        "label": format!("Notes: {}", meeting.title),
        "total": items.len(),
        "first": {
            "id": format!("{id}:page1"),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    })
}

/// One note as a W3C annotation (without `@context`: the collection's
/// applies).
pub fn annotation(
    note: &Note,
    version: Option<&Version>,
    location: Option<String>,
) -> Map<String, Value> {
    let t = &note.target;
    let mut selectors = Vec::new();
    let mut quote = json!({"type": "TextQuoteSelector", "exact": t.exact});
    if !t.prefix.is_empty() {
        quote["prefix"] = json!(t.prefix);
    }
    if !t.suffix.is_empty() {
        quote["suffix"] = json!(t.suffix);
    }
    selectors.push(quote);
    if let (Some(start), Some(end)) = (t.start, t.end) {
        selectors.push(json!({"type": "TextPositionSelector", "start": start, "end": end}));
    }
    let is_pdf = version.is_none_or(|v| v.media_type == MediaType::Pdf);
    if let Some(page) = t.page
        && is_pdf
    {
        selectors.push(json!({
            "type": "FragmentSelector",
            "conformsTo": "http://tools.ietf.org/rfc/rfc3778",
            "value": format!("page={page}"),
        }));
    }
    let mut source = json!({
        "id": version_iri(&note.origin_version_id),
        "type": "Text",
        "language": note.language.code(),
    });
    if let Some(v) = version {
        source["format"] = json!(v.media_type.as_str());
    }
    let mut target = json!({
        "type": "SpecificResource",
        "source": source,
        "styleClass": style_class(note.color),
        "selector": selectors,
        "plenary:revision": note.origin_revision,
    });
    if let Some(l) = location {
        target["plenary:location"] = json!(l);
    }

    let mut bodies = Vec::new();
    if !note.body.is_empty() {
        bodies.push(json!({
            "type": "TextualBody",
            "value": note.body,
            "format": "text/plain",
            "purpose": "commenting",
        }));
    }
    for tag in &note.tags {
        bodies.push(json!({"type": "TextualBody", "value": tag, "purpose": "tagging"}));
    }

    let mut obj = Map::new();
    obj.insert("id".into(), json!(note_iri(&note.id)));
    obj.insert("type".into(), json!("Annotation"));
    obj.insert(
        "motivation".into(),
        json!(if note.body.is_empty() {
            "highlighting"
        } else {
            "commenting"
        }),
    );
    obj.insert(
        "creator".into(),
        json!({"type": "Person", "name": note.author}),
    );
    obj.insert("created".into(), json!(ts(note.created_at)));
    obj.insert("modified".into(), json!(ts(note.updated_at)));
    obj.insert(
        "generator".into(),
        json!({"type": "Software", "name": format!("Plenary {}", env!("CARGO_PKG_VERSION"))}),
    );
    obj.insert(
        "stylesheet".into(),
        json!({
            "type": "CssStylesheet",
            "value": format!(".{} {{ background-color: {} }}", style_class(note.color), css_color(note.color)),
        }),
    );
    obj.insert("plenary:color".into(), json!(note.color.as_str()));
    match bodies.len() {
        0 => {}
        1 => {
            obj.insert("body".into(), bodies.pop().unwrap_or_default());
        }
        _ => {
            obj.insert("body".into(), Value::Array(bodies));
        }
    }
    obj.insert("target".into(), target);
    obj
}

/// Where the app saves what it exports: `$PLENARY_EXPORT_DIR`, else the
/// user's Downloads folder, else Documents, else the home folder, else
/// `fallback`.
pub fn export_dir(fallback: &std::path::Path) -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("PLENARY_EXPORT_DIR").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    directories::UserDirs::new()
        .and_then(|u| {
            u.download_dir()
                .or(u.document_dir())
                .map(std::path::Path::to_path_buf)
                .or_else(|| Some(u.home_dir().to_path_buf()))
        })
        .unwrap_or_else(|| fallback.to_path_buf())
}

/// Writes `bytes` to a new file `name` in `dir` ("name (2).ext" and so on
/// when the name is taken: an export never replaces a file), flushed to
/// disk. Returns its path.
pub fn save_new_file(
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
) -> crate::error::Result<std::path::PathBuf> {
    use crate::error::Error;
    use std::io::Write;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating the folder {}", dir.display()), e))?;
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, Some(e)),
        _ => (name, None),
    };
    for n in 1..1000 {
        let candidate = match (n, ext) {
            (1, _) => name.to_owned(),
            (n, Some(e)) => format!("{stem} ({n}).{e}"),
            (n, None) => format!("{stem} ({n})"),
        };
        let path = dir.join(candidate);
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(format!("creating {}", path.display()), e)),
        };
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        return Ok(path);
    }
    Err(Error::io(
        format!("saving {name} in {}", dir.display()),
        std::io::Error::other("too many files with that name"),
    ))
}

/// A file name made of `parts` (identifiers), safe on every system.
pub fn file_name(parts: &[&str], extension: &str) -> String {
    let stem: String = parts
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{stem}.{extension}")
}
