//! Reading the cache: the views that the app and the CLI show.

use std::collections::BTreeSet;
use std::str::FromStr;

use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::Cache;
use super::fresh::{ARRIVAL_COLUMNS, Freshness, NewsCount, arrivals};
use crate::error::{Error, Result};
use crate::model::{
    AgendaItem, AgendaItemId, Document, DocumentId, Language, Meeting, MeetingId, Statement,
    Version, VersionId,
};

/// A meeting as the meeting list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingSummary {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub document_count: u64,
    pub statement_count: u64,
    /// Languages in which at least one document exists.
    pub languages: Vec<Language>,
    /// Documents new or updated for the user.
    pub news: NewsCount,
}

/// Everything a meeting page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingOverview {
    pub meeting: Meeting,
    /// In agenda order.
    pub agenda: Vec<AgendaItem>,
    /// Ordered by agenda position, then symbol.
    pub documents: Vec<DocumentSummary>,
    /// Ordered by date, then delegation.
    pub statements: Vec<Statement>,
}

/// A document in a list: its newest revision and the languages it exists in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentSummary {
    #[serde(flatten)]
    pub document: Document,
    pub languages: Vec<Language>,
    pub latest_revision: u32,
    pub latest_label: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub latest_published_at: Option<OffsetDateTime>,
    /// "new" or "updated" for the user (see `fresh.rs`); `None`: nothing new.
    pub freshness: Option<Freshness>,
    /// The local arrival number of its latest version (orders "what's new").
    pub arrived: i64,
}

/// A document with every version, as the reader's language and revision pickers need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentDetail {
    #[serde(flatten)]
    pub document: Document,
    pub agenda_item: Option<AgendaItem>,
    /// Newest revision first; within a revision, in `Language::ALL` order.
    pub versions: Vec<VersionInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    #[serde(flatten)]
    pub version: Version,
    /// Whether the file is on this computer (readable offline).
    pub downloaded: bool,
}

fn parse<T: FromStr>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(idx)?;
    text.parse()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

fn parse_opt<T: FromStr>(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<T>>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    match row.get::<_, Option<String>>(idx)? {
        None => Ok(None),
        Some(_) => parse(row, idx).map(Some),
    }
}

fn date(row: &Row<'_>, idx: usize) -> rusqlite::Result<Date> {
    let text: String = row.get(idx)?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(&text, &format)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

fn timestamp(row: &Row<'_>, idx: usize) -> rusqlite::Result<OffsetDateTime> {
    let text: String = row.get(idx)?;
    OffsetDateTime::parse(&text, &Rfc3339)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

const MEETING_COLUMNS: &str = "id, title, body, venue, city, starts_on, ends_on, symbol_prefix";
fn meeting_row(row: &Row<'_>) -> rusqlite::Result<Meeting> {
    Ok(Meeting {
        id: parse(row, 0)?,
        title: row.get(1)?,
        body: row.get(2)?,
        venue: row.get(3)?,
        city: row.get(4)?,
        starts_on: date(row, 5)?,
        ends_on: date(row, 6)?,
        symbol_prefix: row.get(7)?,
    })
}

const AGENDA_COLUMNS: &str = "id, meeting_id, number, title, position";
fn agenda_row(row: &Row<'_>) -> rusqlite::Result<AgendaItem> {
    Ok(AgendaItem {
        id: parse(row, 0)?,
        meeting_id: parse(row, 1)?,
        number: row.get(2)?,
        title: row.get(3)?,
        position: row.get(4)?,
    })
}

const DOCUMENT_COLUMNS: &str = "d.id, d.meeting_id, d.symbol, d.title, d.kind, d.agenda_item_id";
fn document_row(row: &Row<'_>) -> rusqlite::Result<Document> {
    Ok(Document {
        id: parse(row, 0)?,
        meeting_id: parse(row, 1)?,
        symbol: parse_opt(row, 2)?,
        title: row.get(3)?,
        kind: parse(row, 4)?,
        agenda_item_id: parse_opt(row, 5)?,
    })
}

const VERSION_COLUMNS: &str =
    "id, document_id, language, revision, label, published_at, sha256, size, media_type, file_name";
fn version_row(row: &Row<'_>) -> rusqlite::Result<Version> {
    Ok(Version {
        id: parse(row, 0)?,
        document_id: parse(row, 1)?,
        language: parse(row, 2)?,
        revision: row.get(3)?,
        label: row.get(4)?,
        published_at: timestamp(row, 5)?,
        sha256: parse(row, 6)?,
        size: row.get::<_, i64>(7)? as u64,
        media_type: parse(row, 8)?,
        file_name: row.get(9)?,
    })
}

const STATEMENT_COLUMNS: &str =
    "id, meeting_id, agenda_item_id, delegation, speaker, on_behalf_of, delivered_on, document_id";
fn statement_row(row: &Row<'_>) -> rusqlite::Result<Statement> {
    Ok(Statement {
        id: parse(row, 0)?,
        meeting_id: parse(row, 1)?,
        agenda_item_id: parse_opt(row, 2)?,
        delegation: row.get(3)?,
        speaker: row.get(4)?,
        on_behalf_of: row.get(5)?,
        delivered_on: date(row, 6)?,
        document_id: parse_opt(row, 7)?,
    })
}

impl Cache {
    /// Every cached meeting, the most recent first.
    pub fn meetings(&self) -> Result<Vec<MeetingSummary>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MEETING_COLUMNS},
               (SELECT count(*) FROM documents d WHERE d.meeting_id = m.id),
               (SELECT count(*) FROM statements s WHERE s.meeting_id = m.id),
               (SELECT group_concat(DISTINCT v.language) FROM versions v
                  JOIN documents d ON d.id = v.document_id WHERE d.meeting_id = m.id)
             FROM meetings m ORDER BY starts_on DESC, title"
        ))?;
        let news = self.news_by_meeting()?;
        let rows = stmt.query_map([], |row| {
            let meeting = meeting_row(row)?;
            Ok(MeetingSummary {
                news: news.get(&meeting.id).copied().unwrap_or_default(),
                meeting,
                document_count: row.get::<_, i64>(8)? as u64,
                statement_count: row.get::<_, i64>(9)? as u64,
                languages: languages(row.get::<_, Option<String>>(10)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn meeting(&self, id: &MeetingId) -> Result<Meeting> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = ?1"
            ))?
            .query_row([id.as_str()], meeting_row)
            .optional()?
            .ok_or_else(|| Error::not_found("meeting", id))
    }

    /// The meeting page: agenda, documents and statements.
    pub fn meeting_overview(&self, id: &MeetingId) -> Result<MeetingOverview> {
        let meeting = self.meeting(id)?;
        let agenda = self
            .conn
            .prepare_cached(&format!(
                "SELECT {AGENDA_COLUMNS} FROM agenda_items WHERE meeting_id = ?1 ORDER BY position"
            ))?
            .query_map([id.as_str()], agenda_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;

        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {DOCUMENT_COLUMNS},
               (SELECT group_concat(DISTINCT v.language) FROM versions v WHERE v.document_id = d.id),
               latest.revision, latest.label, latest.published_at, {ARRIVAL_COLUMNS}
             FROM documents d
             LEFT JOIN agenda_items a ON a.id = d.agenda_item_id
             LEFT JOIN versions latest ON latest.id = (
               SELECT v.id FROM versions v WHERE v.document_id = d.id
               ORDER BY v.revision DESC, v.published_at DESC LIMIT 1)
             WHERE d.meeting_id = ?1
             ORDER BY coalesce(a.position, 1000000), d.symbol, d.title"
        ))?;
        let documents = stmt
            .query_map([id.as_str()], |row| {
                let arrivals = arrivals(row, 10)?;
                Ok(DocumentSummary {
                    document: document_row(row)?,
                    languages: languages(row.get(6)?),
                    latest_revision: row.get::<_, Option<u32>>(7)?.unwrap_or(0),
                    latest_label: row.get::<_, Option<String>>(8)?.unwrap_or_default(),
                    latest_published_at: match row.get::<_, Option<String>>(9)? {
                        Some(_) => Some(timestamp(row, 9)?),
                        None => None,
                    },
                    freshness: arrivals.freshness(),
                    arrived: arrivals.last.unwrap_or(0),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;

        let statements = self
            .conn
            .prepare_cached(&format!(
                "SELECT {STATEMENT_COLUMNS} FROM statements WHERE meeting_id = ?1
                 ORDER BY delivered_on, delegation"
            ))?
            .query_map([id.as_str()], statement_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;

        Ok(MeetingOverview {
            meeting,
            agenda,
            documents,
            statements,
        })
    }

    /// A document with all its versions, as the reader opens it.
    pub fn document(&self, id: &DocumentId) -> Result<DocumentDetail> {
        let document = self
            .conn
            .prepare_cached(&format!(
                "SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.id = ?1"
            ))?
            .query_row([id.as_str()], document_row)
            .optional()?
            .ok_or_else(|| Error::not_found("document", id))?;
        let agenda_item = match &document.agenda_item_id {
            Some(item) => self.agenda_item(item)?,
            None => None,
        };
        let mut versions = self
            .conn
            .prepare_cached(&format!(
                "SELECT {VERSION_COLUMNS} FROM versions WHERE document_id = ?1"
            ))?
            .query_map([id.as_str()], version_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let language_rank = |l: Language| Language::ALL.iter().position(|x| *x == l);
        versions.sort_by(|a, b| {
            b.revision
                .cmp(&a.revision)
                .then_with(|| language_rank(a.language).cmp(&language_rank(b.language)))
        });
        let versions = versions
            .into_iter()
            .map(|version| VersionInfo {
                downloaded: self.blobs.contains(&version.sha256),
                version,
            })
            .collect();
        Ok(DocumentDetail {
            document,
            agenda_item,
            versions,
        })
    }

    fn agenda_item(&self, id: &AgendaItemId) -> Result<Option<AgendaItem>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {AGENDA_COLUMNS} FROM agenda_items WHERE id = ?1"
            ))?
            .query_row([id.as_str()], agenda_row)
            .optional()?)
    }

    /// Every version in the cache (for the sync planner).
    pub fn all_versions(&self) -> Result<Vec<Version>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {VERSION_COLUMNS} FROM versions"))?
            .query_map([], version_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn version(&self, id: &VersionId) -> Result<Version> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {VERSION_COLUMNS} FROM versions WHERE id = ?1"
            ))?
            .query_row([id.as_str()], version_row)
            .optional()?
            .ok_or_else(|| Error::not_found("version", id))
    }
}

/// Parses a `group_concat` of language codes into `Language::ALL` order.
fn languages(concat: Option<String>) -> Vec<Language> {
    let present: BTreeSet<Language> = concat
        .unwrap_or_default()
        .split(',')
        .filter_map(|code| code.parse().ok())
        .collect();
    Language::ALL
        .into_iter()
        .filter(|l| present.contains(l))
        .collect()
}
