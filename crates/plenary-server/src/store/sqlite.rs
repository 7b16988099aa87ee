//! The embedded default backend: one SQLite database (WAL), one writer and a
//! few readers, each call on tokio's blocking pool.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use plenary_core::model::{MediaType, Record, Sha256, Tombstone};
use plenary_core::sqlite::Schema;
use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::*;
use plenary_core::sync::notes::Member;

/// "PLNS" in ASCII: a Plenary server database.
pub const APPLICATION_ID: i64 = 0x504C_4E53;
pub const SCHEMA: Schema = Schema {
    application_id: APPLICATION_ID,
    migrations: &[
        include_str!("migrations_0001.sql"),
        include_str!("migrations_0002.sql"),
        include_str!("migrations_0003.sql"),
    ],
};

const READERS: usize = 4;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// The feed's head, kept in memory: "anything new?" needs no query.
    head: AtomicU64,
    /// The shared notes feed's head, likewise.
    notes_head: AtomicU64,
}

impl SqliteStore {
    pub fn open(path: &Path) -> StoreResult<Self> {
        let writer = plenary_core::sqlite::open(path, &SCHEMA)?;
        let head: i64 =
            writer.query_row("SELECT coalesce(max(seq), 0) FROM entities", [], |r| {
                r.get(0)
            })?;
        let notes_head: i64 =
            writer.query_row("SELECT coalesce(max(seq), 0) FROM shared_notes", [], |r| {
                r.get(0)
            })?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            readers.push(Mutex::new(plenary_core::sqlite::open(path, &SCHEMA)?));
        }
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
                head: AtomicU64::new(head as u64),
                notes_head: AtomicU64::new(notes_head as u64),
            }),
        })
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let i = inner.next_reader.fetch_add(1, Ordering::Relaxed) % inner.readers.len();
            let mut conn = inner.readers[i].lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner, &mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&inner, &mut conn)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .expect("the current time formats as RFC 3339")
}

fn parse_time(s: Option<String>) -> Option<OffsetDateTime> {
    s.and_then(|s| OffsetDateTime::parse(&s, &Rfc3339).ok())
}

/// The tombstone kind and id of a record.
fn key(record: &Record) -> (&'static str, String) {
    match record {
        Record::Meeting(m) => ("meeting", m.id.to_string()),
        Record::AgendaItem(a) => ("agenda_item", a.id.to_string()),
        Record::Document(d) => ("document", d.id.to_string()),
        Record::Version(v) => ("version", v.id.to_string()),
        Record::Statement(s) => ("statement", s.id.to_string()),
        Record::Tombstone(t) => tombstone_key(t),
    }
}

fn tombstone_key(t: &Tombstone) -> (&'static str, String) {
    match t {
        Tombstone::Meeting(id) => ("meeting", id.to_string()),
        Tombstone::AgendaItem(id) => ("agenda_item", id.to_string()),
        Tombstone::Document(id) => ("document", id.to_string()),
        Tombstone::Version(id) => ("version", id.to_string()),
        Tombstone::Statement(id) => ("statement", id.to_string()),
    }
}

fn tombstone_for(kind: &str, id: &str) -> StoreResult<Record> {
    let invalid = |e: plenary_core::InvalidInput| StoreError::Invalid(e.to_string());
    Ok(Record::Tombstone(match kind {
        "meeting" => Tombstone::Meeting(id.parse().map_err(invalid)?),
        "agenda_item" => Tombstone::AgendaItem(id.parse().map_err(invalid)?),
        "document" => Tombstone::Document(id.parse().map_err(invalid)?),
        "version" => Tombstone::Version(id.parse().map_err(invalid)?),
        "statement" => Tombstone::Statement(id.parse().map_err(invalid)?),
        other => return Err(StoreError::Invalid(format!("unknown kind {other:?}"))),
    }))
}

/// Parents before children, so that a batch may come in any order.
fn rank(kind: &str) -> u8 {
    match kind {
        "meeting" => 0,
        "agenda_item" => 1,
        "document" => 2,
        "version" => 3,
        _ => 4,
    }
}

/// The live entities a record refers to: (kind, id).
fn parents(record: &Record) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    match record {
        Record::Meeting(_) | Record::Tombstone(_) => {}
        Record::AgendaItem(a) => out.push(("meeting", a.meeting_id.to_string())),
        Record::Document(d) => {
            out.push(("meeting", d.meeting_id.to_string()));
            if let Some(a) = &d.agenda_item_id {
                out.push(("agenda_item", a.to_string()));
            }
        }
        Record::Version(v) => out.push(("document", v.document_id.to_string())),
        Record::Statement(s) => {
            out.push(("meeting", s.meeting_id.to_string()));
            if let Some(a) = &s.agenda_item_id {
                out.push(("agenda_item", a.to_string()));
            }
            if let Some(d) = &s.document_id {
                out.push(("document", d.to_string()));
            }
        }
    }
    out
}

struct Live {
    seq: u64,
    meeting_id: String,
    record: Record,
}

fn live(tx: &Connection, kind: &str, id: &str) -> StoreResult<Option<Live>> {
    let row = tx
        .prepare_cached(
            "SELECT seq, meeting_id, record FROM entities
             WHERE kind = ?1 AND id = ?2 AND record IS NOT NULL",
        )?
        .query_row(params![kind, id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    row.map(|(seq, meeting_id, json)| {
        Ok(Live {
            seq: seq as u64,
            meeting_id,
            record: serde_json::from_str(&json)
                .map_err(|e| StoreError::Invalid(format!("stored record unreadable: {e}")))?,
        })
    })
    .transpose()
}

struct Writer<'a> {
    tx: Transaction<'a>,
    seq: u64,
    changed_at: String,
}

impl Writer<'_> {
    /// Writes the new state of an entity at the next feed position, unless
    /// it is unchanged (republishing the same thing does not move the feed).
    fn put(
        &mut self,
        kind: &str,
        id: &str,
        meeting_id: &str,
        record: Option<&Record>,
    ) -> StoreResult<()> {
        let json = record
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let current: Option<(Option<String>, String)> = self
            .tx
            .prepare_cached("SELECT record, meeting_id FROM entities WHERE kind = ?1 AND id = ?2")?
            .query_row(params![kind, id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((current_json, current_meeting)) = &current
            && *current_json == json
            && current_meeting == meeting_id
        {
            return Ok(());
        }
        self.seq += 1;
        self.tx
            .prepare_cached(
                "INSERT INTO entities (kind, id, seq, meeting_id, record, changed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(kind, id) DO UPDATE SET seq = excluded.seq,
                   meeting_id = excluded.meeting_id, record = excluded.record,
                   changed_at = excluded.changed_at",
            )?
            .execute(params![
                kind,
                id,
                self.seq as i64,
                meeting_id,
                json,
                self.changed_at
            ])?;
        Ok(())
    }

    fn upsert(&mut self, record: &Record) -> StoreResult<()> {
        let (kind, id) = key(record);
        let mut meeting_id = match record {
            Record::Meeting(m) => m.id.to_string(),
            Record::AgendaItem(a) => a.meeting_id.to_string(),
            Record::Document(d) => d.meeting_id.to_string(),
            Record::Statement(s) => s.meeting_id.to_string(),
            Record::Version(_) | Record::Tombstone(_) => String::new(),
        };
        for (parent_kind, parent_id) in parents(record) {
            let parent = live(&self.tx, parent_kind, &parent_id)?.ok_or_else(|| {
                StoreError::Invalid(format!(
                    "{kind} {id:?} refers to {parent_kind} {parent_id:?}, which does not exist; \
                     nothing in this batch was published"
                ))
            })?;
            if parent_kind == "meeting" || meeting_id.is_empty() {
                if !meeting_id.is_empty() && parent.meeting_id != meeting_id {
                    return Err(StoreError::Invalid(format!(
                        "{kind} {id:?} is in meeting {meeting_id:?} but its {parent_kind} is in {:?}",
                        parent.meeting_id
                    )));
                }
                meeting_id = parent.meeting_id;
            } else if parent.meeting_id != meeting_id {
                return Err(StoreError::Invalid(format!(
                    "{kind} {id:?} is in meeting {meeting_id:?} but its {parent_kind} {parent_id:?} is in {:?}",
                    parent.meeting_id
                )));
            }
        }
        if let Record::Version(v) = record {
            let known: Option<i64> = self
                .tx
                .prepare_cached("SELECT size FROM files WHERE sha256 = ?1")?
                .query_row([v.sha256.to_hex()], |r| r.get(0))
                .optional()?;
            match known {
                None => {
                    return Err(StoreError::Invalid(format!(
                        "version {id:?} refers to file {}, which was not uploaded; upload it first",
                        v.sha256
                    )));
                }
                Some(size) if size as u64 != v.size => {
                    return Err(StoreError::Invalid(format!(
                        "version {id:?} says its file has {} bytes, but {} has {size}",
                        v.size, v.sha256
                    )));
                }
                Some(_) => {}
            }
        }
        self.put(kind, &id, &meeting_id, Some(record))
    }

    /// Deletes an entity and, in the same change, what depends on it.
    fn delete(&mut self, kind: &str, id: &str) -> StoreResult<()> {
        let Some(current) = live(&self.tx, kind, id)? else {
            return Ok(()); // deleting what is not there is a no-op
        };
        self.put(kind, id, &current.meeting_id, None)?;
        // Children live in the same meeting; scan it.
        let siblings: Vec<(String, String, String)> = self
            .tx
            .prepare_cached(
                "SELECT kind, id, record FROM entities
                 WHERE meeting_id = ?1 AND record IS NOT NULL ORDER BY seq",
            )?
            .query_map([&current.meeting_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        for (child_kind, child_id, json) in siblings {
            let mut child: Record = serde_json::from_str(&json)
                .map_err(|e| StoreError::Invalid(format!("stored record unreadable: {e}")))?;
            let refers = parents(&child).iter().any(|(k, i)| *k == kind && i == id);
            if !refers && kind != "meeting" {
                continue;
            }
            // Mirror the cache's ON DELETE rules: a meeting or document takes its
            // children with it; an agenda item or a statement's document is detached.
            let detach = match (&mut child, kind) {
                (Record::Document(d), "agenda_item") => {
                    d.agenda_item_id = None;
                    true
                }
                (Record::Statement(s), "agenda_item") => {
                    s.agenda_item_id = None;
                    true
                }
                (Record::Statement(s), "document") => {
                    s.document_id = None;
                    true
                }
                _ => false,
            };
            if detach {
                self.put(&child_kind, &child_id, &current.meeting_id, Some(&child))?;
            } else {
                self.delete(&child_kind, &child_id)?;
            }
        }
        Ok(())
    }
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenInfo> {
    let role: String = r.get(1)?;
    Ok(TokenInfo {
        id: r.get(0)?,
        role: role.parse().unwrap_or(Role::Reader),
        name: r.get(2)?,
        created_at: parse_time(r.get(3)?).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        expires_at: parse_time(r.get(4)?),
        revoked_at: parse_time(r.get(5)?),
    })
}

/// SQL condition: the entity's meeting is visible to token `:t` (NULL for anonymous).
const VISIBLE: &str = "(meeting_id NOT IN (SELECT meeting_id FROM restricted_meetings)
     OR meeting_id IN (SELECT meeting_id FROM meeting_members WHERE token_id = :t))";

#[async_trait]
impl Store for SqliteStore {
    async fn head(&self) -> StoreResult<u64> {
        Ok(self.inner.head.load(Ordering::Acquire))
    }

    async fn feed(&self, since: u64, limit: usize, viewer: &Viewer) -> StoreResult<FeedPage> {
        let head = self.inner.head.load(Ordering::Acquire);
        if since > head {
            return Err(StoreError::CursorFromTheFuture {
                cursor: since,
                head,
            });
        }
        if since == head {
            return Ok(FeedPage {
                cursor: head,
                more: false,
                records: Vec::new(),
                notes: None,
            });
        }
        let all = viewer.sees_everything();
        let token = viewer.token_id().map(str::to_owned);
        let limit = limit.clamp(1, 5_000);
        self.read(move |conn| {
            let tx = conn.transaction()?; // one snapshot for the whole page
            let head: i64 =
                tx.query_row("SELECT coalesce(max(seq), 0) FROM entities", [], |r| r.get(0))?;
            let sql = format!(
                "SELECT kind, id, seq, record FROM entities
                 WHERE seq > :s AND seq <= :h AND (:all OR {VISIBLE})
                 ORDER BY seq LIMIT :l"
            );
            let rows: Vec<(String, String, i64, Option<String>)> = tx
                .prepare_cached(&sql)?
                .query_map(
                    rusqlite::named_params! {":s": since as i64, ":h": head, ":all": all, ":t": token, ":l": limit as i64},
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?
                .collect::<Result<_, _>>()?;
            let more = rows.len() == limit;
            let cursor = if more {
                rows.last().map(|r| r.2 as u64).unwrap_or(since)
            } else {
                head as u64
            };
            let mut records = Vec::with_capacity(rows.len());
            let mut in_page: HashSet<(String, String)> = HashSet::new();
            for (kind, id, _, json) in rows {
                let record = match json {
                    Some(json) => serde_json::from_str(&json)
                        .map_err(|e| StoreError::Invalid(format!("stored record unreadable: {e}")))?,
                    None => tombstone_for(&kind, &id)?,
                };
                in_page.insert((kind, id));
                records.push(record);
            }
            // Referential completeness: a parent changed after its child sits
            // further down the feed; deliver it with this page too (applying
            // it twice is harmless, records are upserts).
            let mut ancestors: BTreeMap<(u8, String, String), Record> = BTreeMap::new();
            let mut frontier: Vec<Record> = records.clone();
            while let Some(record) = frontier.pop() {
                for (kind, id) in parents(&record) {
                    if in_page.contains(&(kind.to_owned(), id.clone())) {
                        continue;
                    }
                    if let Some(parent) = live(&tx, kind, &id)?
                        && parent.seq > cursor
                    {
                        in_page.insert((kind.to_owned(), id.clone()));
                        frontier.push(parent.record.clone());
                        ancestors.insert((rank(kind), kind.to_owned(), id), parent.record);
                    }
                }
            }
            let mut page: Vec<Record> = ancestors.into_values().collect();
            page.extend(records);
            Ok(FeedPage { cursor, more, records: page, notes: None })
        })
        .await
    }

    async fn publish(&self, records: Vec<Record>) -> StoreResult<u64> {
        self.write(move |inner, conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let seq: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM entities", [], |r| {
                r.get(0)
            })?;
            let mut w = Writer {
                tx,
                seq: seq as u64,
                changed_at: now(),
            };
            let (mut upserts, deletes): (Vec<_>, Vec<_>) = records
                .iter()
                .partition(|r| !matches!(r, Record::Tombstone(_)));
            upserts.sort_by_key(|r| rank(key(r).0)); // stable: order within a kind kept
            for record in upserts {
                w.upsert(record)?;
            }
            for record in deletes {
                let (kind, id) = key(record);
                w.delete(kind, &id)?;
            }
            let head = w.seq;
            w.tx.commit()?;
            inner.head.store(head, Ordering::Release);
            Ok(head)
        })
        .await
    }

    async fn record(&self, kind: &'static str, id: &str) -> StoreResult<Option<Record>> {
        let id = id.to_owned();
        self.read(move |conn| Ok(live(conn, kind, &id)?.map(|l| l.record)))
            .await
    }

    async fn versions(&self, document_id: &str) -> StoreResult<Vec<plenary_core::model::Version>> {
        let document_id = document_id.to_owned();
        self.read(move |conn| {
            let rows: Vec<String> = conn
                .prepare_cached(
                    "SELECT record FROM entities WHERE kind = 'version' AND record IS NOT NULL
                     AND json_extract(record, '$.document_id') = ?1",
                )?
                .query_map([document_id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            rows.iter()
                .map(|json| match serde_json::from_str(json) {
                    Ok(Record::Version(v)) => Ok(v),
                    Ok(_) => Err(StoreError::Invalid(
                        "a version row holds another kind".into(),
                    )),
                    Err(e) => Err(StoreError::Invalid(format!(
                        "stored record unreadable: {e}"
                    ))),
                })
                .collect()
        })
        .await
    }

    async fn add_file(&self, meta: FileMeta) -> StoreResult<()> {
        self.write(move |_, conn| {
            conn.execute(
                "INSERT INTO files (sha256, size, media_type, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(sha256) DO NOTHING",
                params![
                    meta.sha256.to_hex(),
                    meta.size as i64,
                    meta.media_type.as_str(),
                    now()
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn file(&self, sha256: Sha256) -> StoreResult<Option<FileMeta>> {
        self.read(move |conn| {
            let row: Option<(i64, String)> = conn
                .prepare_cached("SELECT size, media_type FROM files WHERE sha256 = ?1")?
                .query_row([sha256.to_hex()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            Ok(row.map(|(size, media_type)| FileMeta {
                sha256,
                size: size as u64,
                media_type: media_type.parse().unwrap_or(MediaType::Pdf),
            }))
        })
        .await
    }

    async fn file_visible(&self, sha256: Sha256, viewer: &Viewer) -> StoreResult<bool> {
        if viewer.sees_everything() {
            return Ok(true);
        }
        let token = viewer.token_id().map(str::to_owned);
        self.read(move |conn| {
            let sql = format!(
                "SELECT EXISTS (SELECT 1 FROM entities
                   WHERE kind = 'version' AND json_extract(record, '$.sha256') = :s AND {VISIBLE})"
            );
            Ok(conn.prepare_cached(&sql)?.query_row(
                rusqlite::named_params! {":s": sha256.to_hex(), ":t": token},
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn set_rendition(&self, sha256: Sha256, rendition: Rendition) -> StoreResult<()> {
        self.write(move |_, conn| {
            let (status, extractor, reason, pages) = match &rendition {
                Rendition::Ok { extractor, pages } => (
                    "ok",
                    extractor.clone(),
                    None,
                    Some(serde_json::to_string(pages).map_err(|e| StoreError::Invalid(e.to_string()))?),
                ),
                Rendition::Unavailable { extractor, reason } => {
                    ("unavailable", extractor.clone(), Some(reason.clone()), None)
                }
            };
            conn.execute(
                "INSERT INTO renditions (sha256, status, extractor, reason, pages) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(sha256) DO UPDATE SET status = excluded.status,
                   extractor = excluded.extractor, reason = excluded.reason, pages = excluded.pages",
                params![sha256.to_hex(), status, extractor, reason, pages],
            )?;
            Ok(())
        })
        .await
    }

    async fn rendition(&self, sha256: Sha256) -> StoreResult<Option<Rendition>> {
        self.read(move |conn| {
            let row: Option<(String, String, Option<String>, Option<String>)> = conn
                .prepare_cached(
                    "SELECT status, extractor, reason, pages FROM renditions WHERE sha256 = ?1",
                )?
                .query_row([sha256.to_hex()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()?;
            row.map(|(status, extractor, reason, pages)| {
                Ok(if status == "ok" {
                    Rendition::Ok {
                        extractor,
                        pages: serde_json::from_str(pages.as_deref().unwrap_or("[]"))
                            .map_err(|e| StoreError::Invalid(e.to_string()))?,
                    }
                } else {
                    Rendition::Unavailable {
                        extractor,
                        reason: reason.unwrap_or_default(),
                    }
                })
            })
            .transpose()
        })
        .await
    }

    async fn set_preview(
        &self,
        sha256: Sha256,
        preview: Result<Preview, String>,
    ) -> StoreResult<()> {
        self.write(move |_, conn| {
            let (status, width, height, png, reason) = match preview {
                Ok(p) => ("ok", Some(p.width_pt), Some(p.height_pt), Some(p.png), None),
                Err(reason) => ("unavailable", None, None, None, Some(reason)),
            };
            conn.execute(
                "INSERT INTO previews (sha256, status, width_pt, height_pt, png, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(sha256) DO UPDATE SET status = excluded.status,
                   width_pt = excluded.width_pt, height_pt = excluded.height_pt,
                   png = excluded.png, reason = excluded.reason",
                params![sha256.to_hex(), status, width, height, png, reason],
            )?;
            Ok(())
        })
        .await
    }

    async fn preview(&self, sha256: Sha256) -> StoreResult<Option<Preview>> {
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT width_pt, height_pt, png FROM previews
                     WHERE sha256 = ?1 AND status = 'ok'",
                )?
                .query_row([sha256.to_hex()], |r| {
                    Ok(Preview {
                        width_pt: r.get(0)?,
                        height_pt: r.get(1)?,
                        png: r.get(2)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn pdfs_without_preview(&self) -> StoreResult<Vec<Sha256>> {
        self.read(move |conn| {
            let hexes: Vec<String> = conn
                .prepare_cached(
                    "SELECT f.sha256 FROM files f
                     WHERE f.media_type = ?1
                       AND NOT EXISTS (SELECT 1 FROM previews p WHERE p.sha256 = f.sha256)",
                )?
                .query_map([MediaType::Pdf.as_str()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            hexes
                .iter()
                .map(|h| {
                    h.parse()
                        .map_err(|e: plenary_core::InvalidInput| StoreError::Invalid(e.to_string()))
                })
                .collect()
        })
        .await
    }

    async fn create_token(
        &self,
        role: Role,
        name: &str,
        expires_at: Option<OffsetDateTime>,
    ) -> StoreResult<(TokenInfo, String)> {
        let mut secret_bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut secret_bytes);
        let mut id_bytes = [0u8; 6];
        rand::rng().fill_bytes(&mut id_bytes);
        let secret = format!("plen_{}", hex::encode(secret_bytes));
        let info = TokenInfo {
            id: hex::encode(id_bytes),
            role,
            name: name.to_owned(),
            created_at: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            expires_at,
            revoked_at: None,
        };
        let hash = token_hash(&secret);
        let row = info.clone();
        self.write(move |_, conn| {
            let fmt = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
            conn.execute(
                "INSERT INTO tokens (id, hash, role, name, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![row.id, hash, row.role.as_str(), row.name, fmt(row.created_at), row.expires_at.map(fmt)],
            )?;
            Ok(())
        })
        .await?;
        Ok((info, secret))
    }

    async fn token_by_secret(&self, secret: &str) -> StoreResult<Option<TokenInfo>> {
        let hash = token_hash(secret);
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT id, role, name, created_at, expires_at, revoked_at FROM tokens WHERE hash = ?1",
                )?
                .query_row([hash], token_row)
                .optional()?)
        })
        .await
    }

    async fn revoke_token(&self, id: &str) -> StoreResult<()> {
        let id = id.to_owned();
        self.write(move |_, conn| {
            let n = conn.execute(
                "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                params![id, now()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound { what: "token", id });
            }
            Ok(())
        })
        .await
    }

    async fn tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT id, role, name, created_at, expires_at, revoked_at FROM tokens ORDER BY created_at",
                )?
                .query_map([], token_row)?
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn set_meeting_access(
        &self,
        meeting_id: &str,
        members: Option<Vec<String>>,
    ) -> StoreResult<()> {
        let meeting_id = meeting_id.to_owned();
        self.write(move |inner, conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if live(&tx, "meeting", &meeting_id)?.is_none() {
                return Err(StoreError::NotFound {
                    what: "meeting",
                    id: meeting_id,
                });
            }
            tx.execute(
                "DELETE FROM restricted_meetings WHERE meeting_id = ?1",
                [&meeting_id],
            )?;
            tx.execute(
                "DELETE FROM meeting_members WHERE meeting_id = ?1",
                [&meeting_id],
            )?;
            if let Some(members) = &members {
                tx.execute(
                    "INSERT INTO restricted_meetings (meeting_id) VALUES (?1)",
                    [&meeting_id],
                )?;
                for token in members {
                    tx.execute(
                        "INSERT INTO meeting_members (meeting_id, token_id) VALUES (?1, ?2)",
                        params![meeting_id, token],
                    )
                    .map_err(|_| StoreError::NotFound {
                        what: "token",
                        id: token.clone(),
                    })?;
                }
            }
            // Whoever just gained access has cursors past this meeting's
            // records: move them to the head of the feed so they are sent.
            let seq: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM entities", [], |r| {
                r.get(0)
            })?;
            let ids: Vec<(String, String)> = tx
                .prepare("SELECT kind, id FROM entities WHERE meeting_id = ?1 ORDER BY seq")?
                .query_map([&meeting_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut next = seq;
            for (kind, id) in &ids {
                next += 1;
                tx.execute(
                    "UPDATE entities SET seq = ?3 WHERE kind = ?1 AND id = ?2",
                    params![kind, id, next],
                )?;
            }
            tx.commit()?;
            inner.head.store(next as u64, Ordering::Release);
            Ok(())
        })
        .await
    }

    async fn set_group(&self, id: &str, name: &str, members: Vec<String>) -> StoreResult<()> {
        let (id, name) = (id.trim().to_owned(), name.trim().to_owned());
        if id.is_empty()
            || id.len() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(StoreError::Invalid(format!(
                "{id:?} is not a group id (1 to 64 letters, digits, '-', '_', '.')"
            )));
        }
        if name.is_empty() || name.chars().count() > 120 {
            return Err(StoreError::Invalid(
                "a group's name is 1 to 120 characters".into(),
            ));
        }
        self.write(move |inner, conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO groups (id, name, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name",
                params![id, name, now()],
            )?;
            tx.execute("DELETE FROM group_members WHERE group_id = ?1", [&id])?;
            for token in &members {
                let known: bool = tx
                    .query_row("SELECT 1 FROM tokens WHERE id = ?1", [token], |_| Ok(true))
                    .optional()?
                    .unwrap_or(false);
                if !known {
                    return Err(StoreError::NotFound {
                        what: "token",
                        id: token.clone(),
                    });
                }
                tx.execute(
                    "INSERT OR IGNORE INTO group_members (group_id, token_id) VALUES (?1, ?2)",
                    params![id, token],
                )?;
            }
            // New members have cursors past the group's notes: move the
            // notes to the head of the notes feed so they are sent.
            let mut next: i64 =
                tx.query_row("SELECT coalesce(max(seq), 0) FROM shared_notes", [], |r| {
                    r.get(0)
                })?;
            let ids: Vec<String> = tx
                .prepare("SELECT id FROM shared_notes WHERE group_id = ?1 ORDER BY seq")?
                .query_map([&id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for note in &ids {
                next += 1;
                let json: String =
                    tx.query_row("SELECT note FROM shared_notes WHERE id = ?1", [note], |r| {
                        r.get(0)
                    })?;
                let mut shared: SharedNote = serde_json::from_str(&json)
                    .map_err(|e| StoreError::Invalid(format!("stored note unreadable: {e}")))?;
                shared.seq = next as u64;
                tx.execute(
                    "UPDATE shared_notes SET seq = ?2, note = ?3 WHERE id = ?1",
                    params![note, next, note_json(&shared)?],
                )?;
            }
            // Even with no notes, the head moves: members learn of the change
            // (their groups) at their next sync.
            if ids.is_empty() {
                next = next.max(inner.notes_head.load(Ordering::Acquire) as i64);
            }
            tx.commit()?;
            inner.notes_head.fetch_max(next as u64, Ordering::AcqRel);
            Ok(())
        })
        .await
    }

    async fn groups(&self, member: Option<&str>) -> StoreResult<Vec<Group>> {
        let member = member.map(str::to_owned);
        self.read(move |conn| {
            let ids: Vec<(String, String)> = conn
                .prepare_cached(
                    "SELECT id, name FROM groups WHERE ?1 IS NULL
                     OR id IN (SELECT group_id FROM group_members WHERE token_id = ?1)
                     ORDER BY name, id",
                )?
                .query_map([&member], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut out = Vec::with_capacity(ids.len());
            for (id, name) in ids {
                let members = conn
                    .prepare_cached(
                        "SELECT t.id, t.name FROM group_members m JOIN tokens t ON t.id = m.token_id
                         WHERE m.group_id = ?1 AND t.revoked_at IS NULL ORDER BY t.name, t.id",
                    )?
                    .query_map([&id], |r| Ok(Member { id: r.get(0)?, name: r.get(1)? }))?
                    .collect::<Result<_, _>>()?;
                out.push(Group { id, name, members });
            }
            Ok(out)
        })
        .await
    }

    async fn notes_head(&self) -> StoreResult<u64> {
        Ok(self.inner.notes_head.load(Ordering::Acquire))
    }

    async fn write_note(
        &self,
        id: &str,
        write: NoteWrite,
        by: &TokenInfo,
    ) -> StoreResult<NoteWritten> {
        check_note(id, &write)?;
        let (id, by) = (id.to_owned(), by.clone());
        self.write(move |inner, conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            check_member(&tx, &write.group, &by)?;
            let meeting = write.meeting_id.as_str().to_owned();
            if live(&tx, "meeting", &meeting)?.is_none() {
                return Err(StoreError::Invalid(format!("no meeting {meeting:?} on this server")));
            }
            if by.role < Role::Staff {
                let visible: bool = tx
                    .query_row(
                        &format!("SELECT {VISIBLE} FROM (SELECT :m AS meeting_id)"),
                        rusqlite::named_params! {":m": meeting, ":t": by.id},
                        |r| r.get(0),
                    )?;
                if !visible {
                    return Err(StoreError::Forbidden(format!(
                        "meeting {meeting} is restricted and this token is not among its members"
                    )));
                }
            }
            let existing: Option<SharedNote> = tx
                .query_row("SELECT note FROM shared_notes WHERE id = ?1", [&id], |r| {
                    r.get::<_, String>(0)
                })
                .optional()?
                .map(|json| serde_json::from_str(&json))
                .transpose()
                .map_err(|e| StoreError::Invalid(format!("stored note unreadable: {e}")))?;
            if let Some(current) = &existing {
                if current.group != write.group && !current.content.deleted {
                    return Err(StoreError::Invalid(format!(
                        "note {id} is shared with group {}; withdraw it there first",
                        current.group
                    )));
                }
                if current.group != write.group {
                    check_member(&tx, &current.group, &by)?;
                }
                // A write must be based on the newest revision, unless the
                // note was withdrawn and is being shared again.
                let rebased = write.base_rev == Some(current.rev)
                    || (current.content.deleted && write.base_rev.is_none());
                if !rebased {
                    return Ok(NoteWritten::Conflict(current.clone()));
                }
            }
            let seq = inner.notes_head.load(Ordering::Acquire) + 1;
            let at = OffsetDateTime::now_utc();
            let shared = SharedNote {
                id: id.clone(),
                group: write.group.clone(),
                meeting_id: write.meeting_id.clone(),
                document_id: write.document_id.clone(),
                language: write.language,
                origin_version_id: write.origin_version_id.clone(),
                origin_revision: write.origin_revision,
                target: write.target.clone(),
                content: write.content.clone(),
                author: existing
                    .as_ref()
                    .map(|e| e.author.clone())
                    .unwrap_or_else(|| by.name.clone()),
                author_id: existing
                    .as_ref()
                    .map(|e| e.author_id.clone())
                    .unwrap_or_else(|| by.id.clone()),
                editor: by.name.clone(),
                created_at: existing.as_ref().map(|e| e.created_at).unwrap_or(write.created_at),
                updated_at: at,
                rev: existing.as_ref().map(|e| e.rev + 1).unwrap_or(1),
                seq,
            };
            let json = note_json(&shared)?;
            tx.execute(
                "INSERT INTO shared_notes (id, group_id, meeting_id, rev, seq, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(id) DO UPDATE SET group_id = excluded.group_id, rev = excluded.rev,
                   seq = excluded.seq, note = excluded.note",
                params![id, shared.group, meeting, shared.rev as i64, seq as i64, json],
            )?;
            tx.execute(
                "INSERT INTO shared_note_history (id, rev, token_id, note, written_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, shared.rev as i64, by.id, json, now()],
            )?;
            tx.commit()?;
            inner.notes_head.store(seq, Ordering::Release);
            Ok(NoteWritten::Saved(shared))
        })
        .await
    }

    async fn withdraw_note(&self, group: &str, id: &str, by: &TokenInfo) -> StoreResult<u64> {
        let (group, id, by) = (group.to_owned(), id.to_owned(), by.clone());
        self.write(move |inner, conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            check_member(&tx, &group, &by)?;
            let json: Option<String> = tx
                .query_row(
                    "SELECT note FROM shared_notes WHERE id = ?1 AND group_id = ?2",
                    params![id, group],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(json) = json else {
                return Err(StoreError::NotFound { what: "shared note", id });
            };
            let mut shared: SharedNote = serde_json::from_str(&json)
                .map_err(|e| StoreError::Invalid(format!("stored note unreadable: {e}")))?;
            if shared.content.deleted {
                return Ok(inner.notes_head.load(Ordering::Acquire));
            }
            let seq = inner.notes_head.load(Ordering::Acquire) + 1;
            shared.content.deleted = true;
            shared.rev += 1;
            shared.seq = seq;
            shared.editor = by.name.clone();
            shared.updated_at = OffsetDateTime::now_utc();
            let json = note_json(&shared)?;
            tx.execute(
                "UPDATE shared_notes SET rev = ?2, seq = ?3, note = ?4 WHERE id = ?1",
                params![id, shared.rev as i64, seq as i64, json],
            )?;
            tx.execute(
                "INSERT INTO shared_note_history (id, rev, token_id, note, written_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, shared.rev as i64, by.id, json, now()],
            )?;
            tx.commit()?;
            inner.notes_head.store(seq, Ordering::Release);
            Ok(seq)
        })
        .await
    }

    async fn notes(&self, since: u64, limit: usize, viewer: &TokenInfo) -> StoreResult<NotesPage> {
        let head = self.inner.notes_head.load(Ordering::Acquire);
        if since > head {
            return Err(StoreError::CursorFromTheFuture {
                cursor: since,
                head,
            });
        }
        if since == head {
            return Ok(NotesPage {
                cursor: head,
                more: false,
                notes: Vec::new(),
            });
        }
        let all = viewer.role >= Role::Staff;
        let token = viewer.id.clone();
        let limit = limit.clamp(1, 2_000);
        self.read(move |conn| {
            let tx = conn.transaction()?;
            let head: i64 =
                tx.query_row("SELECT coalesce(max(seq), 0) FROM shared_notes", [], |r| r.get(0))?;
            let sql = format!(
                "SELECT seq, note FROM shared_notes
                 WHERE seq > :s AND seq <= :h
                   AND group_id IN (SELECT group_id FROM group_members WHERE token_id = :t)
                   AND (:all OR {VISIBLE})
                 ORDER BY seq LIMIT :l"
            );
            let rows: Vec<(i64, String)> = tx
                .prepare_cached(&sql)?
                .query_map(
                    rusqlite::named_params! {":s": since as i64, ":h": head, ":t": token, ":all": all, ":l": limit as i64},
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect::<Result<_, _>>()?;
            let more = rows.len() == limit;
            let cursor = if more {
                rows.last().map(|r| r.0 as u64).unwrap_or(since)
            } else {
                (head as u64).max(since)
            };
            let notes = rows
                .into_iter()
                .map(|(_, json)| serde_json::from_str(&json))
                .collect::<Result<Vec<SharedNote>, _>>()
                .map_err(|e| StoreError::Invalid(format!("stored note unreadable: {e}")))?;
            Ok(NotesPage { cursor, more, notes })
        })
        .await
    }
}

fn note_json(note: &SharedNote) -> StoreResult<String> {
    serde_json::to_string(note).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// `by` must be a member of `group` (which must exist).
fn check_member(tx: &Transaction<'_>, group: &str, by: &TokenInfo) -> StoreResult<()> {
    let exists: bool = tx
        .query_row("SELECT 1 FROM groups WHERE id = ?1", [group], |_| Ok(true))
        .optional()?
        .unwrap_or(false);
    if !exists {
        return Err(StoreError::NotFound {
            what: "group",
            id: group.to_owned(),
        });
    }
    let member: bool = tx
        .query_row(
            "SELECT 1 FROM group_members WHERE group_id = ?1 AND token_id = ?2",
            params![group, by.id],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if !member {
        return Err(StoreError::Forbidden(format!(
            "this token ({}) is not a member of group {group}",
            by.name
        )));
    }
    Ok(())
}

/// The limits of a shared note: what one client may make every member store.
fn check_note(id: &str, write: &NoteWrite) -> StoreResult<()> {
    let invalid = |m: String| Err(StoreError::Invalid(m));
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return invalid(format!(
            "{id:?} is not a note id (1 to 64 letters, digits or '-')"
        ));
    }
    if write.content.body.len() > 100_000 {
        return invalid("a note is at most 100,000 bytes".into());
    }
    if write.content.tags.len() > 50 || write.content.tags.iter().any(|t| t.chars().count() > 64) {
        return invalid("at most 50 tags of at most 64 characters".into());
    }
    let target = serde_json::to_string(&write.target)
        .map(|t| t.len())
        .unwrap_or(usize::MAX);
    if target > 64 * 1024 {
        return invalid("a note's target is at most 64 KiB".into());
    }
    Ok(())
}
