//! What search knows of every version whose file has text — its document,
//! meeting, language, kind, agenda item, date and whether it is the latest
//! revision with text — held in memory between searches.
//!
//! A word found in a thousand files would otherwise cost a thousand joins
//! (file to versions to documents, and the latest-revision check) on every
//! search; with the catalog, filtering the files FTS5 matched is a lookup.
//! The catalog is rebuilt when the database changed since it was built:
//! this connection's `total_changes` (our own writes) and `PRAGMA
//! data_version` (another process's commits) are its stamp.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::error::Result;
use crate::model::{DocumentKind, Language};

use super::SearchQuery;

#[derive(Debug)]
pub(crate) struct Catalog {
    stamp: (i64, u64),
    /// File row id (in the index) to its versions (indexes into `entries`).
    by_file: HashMap<i64, Vec<u32>>,
    entries: Vec<Entry>,
    /// Meeting and agenda item ids, interned.
    names: HashMap<String, u32>,
}

#[derive(Debug)]
struct Entry {
    version_rowid: i64,
    meeting: u32,
    agenda_item: Option<u32>,
    language: Language,
    kind: DocumentKind,
    /// RFC 3339 in UTC: compares as text.
    published_at: String,
    /// The latest revision with text of its document in its language.
    latest: bool,
}

fn stamp(conn: &Connection) -> Result<(i64, u64)> {
    let data_version: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
    Ok((data_version, conn.total_changes()))
}

impl Catalog {
    /// Whether the database is as it was when this catalog was built.
    pub fn is_current(&self, conn: &Connection) -> Result<bool> {
        Ok(stamp(conn)? == self.stamp)
    }

    pub fn build(conn: &Connection) -> Result<Catalog> {
        let stamp = stamp(conn)?;
        let mut names: HashMap<String, u32> = HashMap::new();
        let mut intern = |s: String| {
            let next = names.len() as u32;
            *names.entry(s).or_insert(next)
        };
        let mut by_file: HashMap<i64, Vec<u32>> = HashMap::new();
        let mut entries = Vec::new();
        // (document, language) -> (highest revision, entries)
        let mut revisions: HashMap<(String, Language), (u32, Vec<u32>)> = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT f.id, v.rowid, v.document_id, v.language, v.revision, v.published_at,
                    d.meeting_id, d.kind, d.agenda_item_id
             FROM search_files f
             JOIN versions v ON v.sha256 = f.sha256
             JOIN documents d ON d.id = v.document_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let file: i64 = r.get(0)?;
            let document: String = r.get(2)?;
            let language: Language = r.get::<_, String>(3)?.parse()?;
            let revision: u32 = r.get(4)?;
            let index = entries.len() as u32;
            entries.push(Entry {
                version_rowid: r.get(1)?,
                meeting: intern(r.get(6)?),
                agenda_item: r.get::<_, Option<String>>(8)?.map(&mut intern),
                language,
                kind: r.get::<_, String>(7)?.parse()?,
                published_at: r.get(5)?,
                latest: false,
            });
            by_file.entry(file).or_default().push(index);
            let slot = revisions.entry((document, language)).or_default();
            if slot.1.is_empty() || revision > slot.0 {
                slot.0 = revision;
                slot.1.clear();
            }
            if revision == slot.0 {
                slot.1.push(index);
            }
        }
        for (_, latest) in revisions.into_values() {
            for i in latest {
                entries[i as usize].latest = true;
            }
        }
        Ok(Catalog {
            stamp,
            by_file,
            entries,
            names,
        })
    }

    /// The versions of a file that the query's filters let through, as their
    /// rowids in `versions`.
    pub fn versions<'a>(&'a self, file: i64, filter: &'a Filter) -> impl Iterator<Item = i64> + 'a {
        self.by_file
            .get(&file)
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i as usize])
            .filter(move |e| filter.accepts(e))
            .map(|e| e.version_rowid)
    }

    /// The query's filters, resolved against this catalog.
    pub fn filter(&self, q: &SearchQuery) -> Filter {
        let name = |id: &str| self.names.get(id).copied();
        Filter {
            // An id the catalog does not know matches nothing: u32::MAX.
            meeting: q
                .meeting
                .as_ref()
                .map(|m| name(m.as_str()).unwrap_or(u32::MAX)),
            agenda_item: q
                .agenda_item
                .as_ref()
                .map(|a| name(a.as_str()).unwrap_or(u32::MAX)),
            languages: q.languages.clone(),
            kinds: q.kinds.clone(),
            from: q.from.map(|d| d.to_string()),
            // Published before the day after `to`.
            before: q
                .to
                .map(|d| d.next_day().map_or("9999".to_owned(), |n| n.to_string())),
            latest_only: !q.all_revisions,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Filter {
    meeting: Option<u32>,
    agenda_item: Option<u32>,
    languages: Vec<Language>,
    kinds: Vec<DocumentKind>,
    from: Option<String>,
    before: Option<String>,
    latest_only: bool,
}

impl Filter {
    fn accepts(&self, e: &Entry) -> bool {
        (!self.latest_only || e.latest)
            && self.meeting.is_none_or(|m| m == e.meeting)
            && self.agenda_item.is_none_or(|a| Some(a) == e.agenda_item)
            && (self.languages.is_empty() || self.languages.contains(&e.language))
            && (self.kinds.is_empty() || self.kinds.contains(&e.kind))
            && self
                .from
                .as_deref()
                .is_none_or(|f| e.published_at.as_str() >= f)
            && self
                .before
                .as_deref()
                .is_none_or(|b| e.published_at.as_str() < b)
    }
}
