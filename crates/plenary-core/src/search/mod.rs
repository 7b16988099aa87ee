//! Full-text search over the text renditions in the cache, in the six UN
//! languages.
//!
//! * [`normalize`]: the one normaliser for documents and queries (case,
//!   diacritics, Arabic letter forms, Han and kana one character per token, hyphenation).
//! * `query`: what the user typed, parsed by us into a safe FTS5 expression.
//! * `index`: keeps the FTS5 index equal to the renditions.
//! * `locate`: the page, other pages and snippet of a hit, in Rust.
//! * `sketch`: per-page Bloom filters, so `locate` reads only the pages that
//!   may hold a hit.
//! * `catalog`: the versions with text and what the filters look at, in
//!   memory, so that filtering the files FTS5 matched costs no joins.
//!
//! * `shards`: the index's files, written in parallel.
//!
//! [`Cache::search`] ranks files with FTS5's bm25 (one row per file, in one
//! of the shards: each shard ranks its own rows, by statistics that differ
//! between shards only by chance, as files go to them by id), maps
//! them to the versions that use them (filters apply there, in the catalog),
//! and locates the hits only for the page of results asked for.
//!
//! Architecture invariants: the index holds exactly the renditions with text
//! in the cache (see `index`); user input never reaches FTS5 unescaped (see
//! `query`); a query string never causes an error (broken syntax, or an
//! expression FTS5 refuses, is searched as plain words, with `fallback` set).

mod catalog;
mod index;
mod locate;
pub mod normalize;
mod query;
pub mod shards;
mod sketch;

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

pub(crate) use catalog::Catalog;
pub(crate) use index::{catch_up, forget_deleted, index_files};
pub use locate::SnippetSegment;
pub(crate) use shards::{Shards, reconcile};

use crate::cache::Cache;
use crate::error::{InvalidInput, Result};
use crate::model::{
    AgendaItemId, DocumentId, DocumentKind, Language, MeetingId, Symbol, VersionId,
};

/// The most hits one call returns.
pub const MAX_LIMIT: u32 = 200;
/// Hits per call when the query does not say.
pub const DEFAULT_LIMIT: u32 = 20;

/// What to search for, and where. Filters left empty do not filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// What the user typed: words (all must match), `"phrases"`, `prefix*`,
    /// `OR`, `-excluded`.
    pub text: String,
    pub meeting: Option<MeetingId>,
    /// Any of these languages.
    pub languages: Vec<Language>,
    /// Any of these kinds.
    pub kinds: Vec<DocumentKind>,
    pub agenda_item: Option<AgendaItemId>,
    /// Versions published on or after this day (UTC), the date a delegate
    /// sees on each version.
    pub from: Option<Date>,
    /// Versions published on or before this day (UTC).
    pub to: Option<Date>,
    /// Search every revision. By default only the latest revision with text
    /// of each document in each language is searched.
    pub all_revisions: bool,
    /// Hits to return (1 to [`MAX_LIMIT`]).
    pub limit: u32,
    /// Hits to skip (for the next page of results).
    pub offset: u32,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            text: String::new(),
            meeting: None,
            languages: Vec::new(),
            kinds: Vec::new(),
            agenda_item: None,
            from: None,
            to: None,
            all_revisions: false,
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

impl SearchQuery {
    pub fn new(text: impl Into<String>) -> Self {
        SearchQuery {
            text: text.into(),
            ..SearchQuery::default()
        }
    }
}

/// One version that matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub version_id: VersionId,
    pub document_id: DocumentId,
    pub meeting_id: MeetingId,
    pub symbol: Option<Symbol>,
    pub title: String,
    pub kind: DocumentKind,
    pub language: Language,
    pub revision: u32,
    /// "Original", "Rev.1", ...
    pub revision_label: String,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
    /// The page (1-based) with the best hit: the first page matching the
    /// most of the query's words (all of them, normally).
    pub page: u32,
    /// Other pages with hits, in order (the first 10).
    pub also_pages: Vec<u32>,
    /// Original text around the best hit; hits marked.
    pub snippet: Vec<SnippetSegment>,
    /// The original-text words of the page's hits, to highlight on it.
    pub terms: Vec<String>,
    /// Relevance (bm25; higher is better). Comparable within one search only.
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// Best first.
    pub hits: Vec<SearchHit>,
    /// How many versions matched (all of them, not only this page's).
    pub total: u64,
    /// The query's syntax was not understood; its plain words were searched.
    pub fallback: bool,
}

/// A matching version before it is shown: bm25 (lower is better) and the
/// version's rowid.
type Candidate = (f64, i64);

impl Cache {
    /// Searches the text of the files in the cache. Ranked by relevance;
    /// `total` counts every matching version. Never fails because of what
    /// the query text says; it fails only if the cache cannot be read.
    pub fn search(&self, query: &SearchQuery) -> Result<SearchResults> {
        if query.limit == 0 || query.limit > MAX_LIMIT {
            return Err(InvalidInput::new(
                "search limit",
                format!("{} is not between 1 and {MAX_LIMIT}", query.limit),
            )
            .into());
        }
        if let (Some(from), Some(to)) = (query.from, query.to)
            && from > to
        {
            return Err(InvalidInput::new(
                "search dates",
                format!("the range starts ({from}) after it ends ({to})"),
            )
            .into());
        }
        let mut parsed = query::parse(&query.text);
        let candidates = if parsed.is_empty() {
            Vec::new()
        } else {
            match self.candidates(&parsed.to_fts5(), query)? {
                Some(c) => c,
                None => {
                    tracing::warn!(query = %query.text, "FTS5 refused a query; searching its plain words");
                    parsed = query::plain_words(&query.text);
                    self.candidates(&parsed.to_fts5(), query)?
                        .unwrap_or_default()
                }
            }
        };
        let total = candidates.len() as u64;
        let mut candidates = candidates;
        let wanted = (query.offset as usize).saturating_add(query.limit as usize);
        let by_rank = |a: &Candidate, b: &Candidate| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1));
        if candidates.len() > wanted {
            candidates.select_nth_unstable_by(wanted, by_rank);
            candidates.truncate(wanted);
        }
        candidates.sort_unstable_by(by_rank);
        let mut hits = Vec::new();
        for &(bm25, version) in candidates.iter().skip(query.offset as usize) {
            hits.push(self.hit(version, -bm25, &parsed)?);
        }
        Ok(SearchResults {
            hits,
            total,
            fallback: parsed.fallback,
        })
    }

    /// Every version matching `expression` and the filters, with its bm25;
    /// `None` if FTS5 refused the expression.
    fn candidates(&self, expression: &str, q: &SearchQuery) -> Result<Option<Vec<Candidate>>> {
        let conn = self.conn();
        let mut files = Vec::new();
        for found in self
            .search_shards()
            .each(|shard| matching_files(shard, expression))
        {
            match found? {
                Some(f) => files.extend(f),
                None => return Ok(None),
            }
        }
        let mut slot = self.search_catalog().borrow_mut();
        let current = match slot.as_ref() {
            Some(catalog) => catalog.is_current(conn)?,
            None => false,
        };
        if !current {
            *slot = Some(Catalog::build(conn)?);
        }
        let Some(catalog) = slot.as_ref() else {
            return Ok(Some(Vec::new()));
        };
        let filter = catalog.filter(q);
        Ok(Some(
            files
                .iter()
                .flat_map(|&(file, score)| catalog.versions(file, &filter).map(move |v| (score, v)))
                .collect(),
        ))
    }

    /// A matching version as shown: its metadata, page and snippet.
    fn hit(&self, version_rowid: i64, score: f64, parsed: &query::Parsed) -> Result<SearchHit> {
        let conn = self.conn();
        let (row, sha256) = conn
            .prepare_cached(
                "SELECT v.id, v.document_id, d.meeting_id, d.symbol, d.title, d.kind,
                        v.language, v.revision, v.label, v.published_at, v.sha256
                 FROM versions v JOIN documents d ON d.id = v.document_id
                 WHERE v.rowid = ?1",
            )?
            .query_row([version_rowid], |r| {
                let text = |i: usize| r.get::<_, String>(i);
                Ok((
                    (
                        text(0)?,
                        text(1)?,
                        text(2)?,
                        r.get::<_, Option<String>>(3)?,
                        text(4)?,
                        text(5)?,
                        text(6)?,
                        r.get::<_, u32>(7)?,
                        text(8)?,
                        text(9)?,
                    ),
                    text(10)?,
                ))
            })?;
        let (id, document, meeting, symbol, title, kind, language, revision, label, published) =
            row;
        let located = self.locate(&sha256, parsed)?;
        let published_at = OffsetDateTime::parse(&published, &Rfc3339)
            .map_err(|e| InvalidInput::new("published_at", format!("{published:?}: {e}")))?;
        Ok(SearchHit {
            version_id: id.parse()?,
            document_id: document.parse()?,
            meeting_id: meeting.parse()?,
            symbol: symbol.map(Symbol::new).transpose()?,
            title,
            kind: kind.parse()?,
            language: language.parse()?,
            revision,
            revision_label: label,
            published_at,
            page: located.page,
            also_pages: located.also_pages,
            snippet: located.snippet,
            terms: located.terms,
            score,
        })
    }
}

impl Cache {
    /// Where in a file the query matched, reading only the pages its sketch
    /// lets through.
    fn locate(&self, sha256: &str, parsed: &query::Parsed) -> Result<locate::Located> {
        let conn = self.conn();
        let (count, sketch): (i64, Option<Vec<u8>>) = conn
            .prepare_cached(
                "SELECT (SELECT count(*) FROM rendition_pages WHERE sha256 = ?1),
                        (SELECT sketch FROM search_files WHERE sha256 = ?1)",
            )?
            .query_row([sha256], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let count = count.max(0) as usize;
        let candidates = match &sketch {
            Some(s) => sketch::candidate_pages(s, count, &locate::sketch_terms(parsed)),
            None => (0..count).collect(),
        };
        let candidates = if candidates.is_empty() {
            vec![0]
        } else {
            candidates
        };
        let mut page = conn
            .prepare_cached("SELECT text FROM rendition_pages WHERE sha256 = ?1 AND page = ?2")?;
        let located = locate::locate(
            &candidates,
            |n| {
                page.query_row(rusqlite::params![sha256, n as i64 + 1], |r| r.get(0))
                    .optional()
            },
            parsed,
        )?;
        Ok(located)
    }
}

/// The files matching an FTS5 expression, with their bm25; `None` if FTS5
/// refused the expression ("syntax error", "unterminated string", "no such
/// column": SQLITE_ERROR while the statement runs). The same code would come
/// from a broken schema, so a refusal counts only if the statement still
/// prepares; otherwise it is the database's error.
fn matching_files(
    conn: &rusqlite::Connection,
    expression: &str,
) -> Result<Option<Vec<(i64, f64)>>> {
    const SQL: &str =
        "SELECT rowid, bm25(search_index) FROM search_index WHERE search_index MATCH ?1";
    let mut stmt = conn.prepare_cached(SQL)?;
    let rows = stmt
        .query_map([expression], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
    match rows {
        Ok(files) => Ok(Some(files)),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::Unknown) => {
            conn.prepare(SQL)?;
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expression_fts5_refuses_is_told_from_a_database_failure() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let shard = &*cache.search_shards().lock(0);
        for bad in ["\"unterminated", "AND", "a NEAR(", "col:x", "*"] {
            assert_eq!(matching_files(shard, bad).unwrap(), None, "{bad}");
        }
        assert_eq!(matching_files(shard, "\"fine\"").unwrap(), Some(Vec::new()));
        // A database failure is an error, not a refused query.
        shard.execute_batch("DROP TABLE search_index").unwrap();
        let e = matching_files(shard, "\"fine\"").unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::Database, "{e}");
    }
}
