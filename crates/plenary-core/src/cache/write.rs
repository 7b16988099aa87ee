//! Writing published records into the cache.
//!
//! Architecture invariant: a batch of records is applied in exactly one
//! transaction. Whatever the batch (a sync page, an import, the demo), after a
//! crash the cache holds either all of it or none of it.

use rusqlite::{Transaction, TransactionBehavior, params};
use time::format_description::well_known::Rfc3339;

use super::Cache;
use crate::error::{Error, Result};
use crate::model::{AgendaItem, Document, Meeting, Record, Statement, Tombstone, Version};

/// What a batch changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ApplyReport {
    pub upserted: usize,
    pub deleted: usize,
}

impl Cache {
    /// Applies `records` in one transaction. Records may come in any order
    /// within the batch (a version before its document, say): foreign keys are
    /// checked when the batch commits, and a batch that leaves a dangling
    /// reference is rolled back whole.
    pub fn apply(&mut self, records: &[Record]) -> Result<ApplyReport> {
        self.apply_with(records, |_| Ok(()))
    }

    /// Applies one page of a server's feed and records `cursor` as read, in
    /// the same transaction: after a crash the next sync resumes exactly
    /// after the last page that was applied.
    pub fn apply_page(
        &mut self,
        server: &str,
        records: &[Record],
        cursor: u64,
    ) -> Result<ApplyReport> {
        self.apply_with(records, |tx| {
            tx.prepare_cached(
                "INSERT INTO sync_state (server, cursor) VALUES (?1, ?2)
                 ON CONFLICT(server) DO UPDATE SET cursor = excluded.cursor",
            )?
            .execute(params![server, cursor as i64])?;
            Ok(())
        })
    }

    /// Where this server's feed was read up to (0 if never).
    pub fn sync_cursor(&self, server: &str) -> Result<u64> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .prepare_cached("SELECT cursor FROM sync_state WHERE server = ?1")?
            .query_row([server], |r| r.get::<_, i64>(0))
            .optional()?
            .unwrap_or(0) as u64)
    }

    /// Forgets where this server's feed was read up to, so the next sync
    /// reads it from the start (after the server said our cursor is unknown).
    pub fn reset_sync_cursor(&mut self, server: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_state SET cursor = 0 WHERE server = ?1",
            [server],
        )?;
        Ok(())
    }

    /// Records that a sync with this server completed now.
    pub fn mark_synced(&mut self, server: &str) -> Result<()> {
        let now = time::OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .map_err(|e| crate::InvalidInput::new("time", e.to_string()))?;
        self.conn.execute(
            "INSERT INTO sync_state (server, last_success) VALUES (?1, ?2)
             ON CONFLICT(server) DO UPDATE SET last_success = excluded.last_success",
            params![server, now],
        )?;
        Ok(())
    }

    /// When a sync with this server last completed.
    pub fn last_synced(&self, server: &str) -> Result<Option<time::OffsetDateTime>> {
        use rusqlite::OptionalExtension;
        let text: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT last_success FROM sync_state WHERE server = ?1")?
            .query_row([server], |r| r.get(0))
            .optional()?;
        Ok(text
            .flatten()
            .and_then(|t| time::OffsetDateTime::parse(&t, &Rfc3339).ok()))
    }

    fn apply_with(
        &mut self,
        records: &[Record],
        also: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<ApplyReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.pragma_update(None, "defer_foreign_keys", true)?;
        // This batch's arrival number (see migration 6): one more than any
        // version holds. Computed inside the write transaction, so unique.
        let arrival: i64 = tx
            .prepare_cached("SELECT coalesce(max(arrived), 0) + 1 FROM versions")?
            .query_row([], |r| r.get(0))?;
        let mut report = ApplyReport::default();
        for record in records {
            match record {
                Record::Meeting(m) => upsert_meeting(&tx, m)?,
                Record::AgendaItem(a) => upsert_agenda_item(&tx, a)?,
                Record::Document(d) => upsert_document(&tx, d)?,
                Record::Version(v) => upsert_version(&tx, v, arrival)?,
                Record::Statement(s) => upsert_statement(&tx, s)?,
                Record::Tombstone(t) => {
                    report.deleted += delete(&tx, t)?;
                    continue;
                }
            }
            report.upserted += 1;
        }
        also(&tx)?;
        tx.commit().map_err(|e| {
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
                Error::InvalidInput(crate::InvalidInput::new(
                    "batch",
                    "it refers to a meeting, agenda item or document that neither the batch nor the cache holds; nothing was applied",
                ))
            } else {
                e.into()
            }
        })?;
        Ok(report)
    }
}

fn upsert_meeting(tx: &Transaction<'_>, m: &Meeting) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO meetings (id, title, body, venue, city, starts_on, ends_on, symbol_prefix)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, body = excluded.body,
           venue = excluded.venue, city = excluded.city, starts_on = excluded.starts_on,
           ends_on = excluded.ends_on, symbol_prefix = excluded.symbol_prefix",
    )?
    .execute(params![
        m.id.as_str(),
        m.title,
        m.body,
        m.venue,
        m.city,
        m.starts_on.to_string(),
        m.ends_on.to_string(),
        m.symbol_prefix,
    ])?;
    Ok(())
}

fn upsert_agenda_item(tx: &Transaction<'_>, a: &AgendaItem) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO agenda_items (id, meeting_id, number, title, position)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET meeting_id = excluded.meeting_id,
           number = excluded.number, title = excluded.title, position = excluded.position",
    )?
    .execute(params![
        a.id.as_str(),
        a.meeting_id.as_str(),
        a.number,
        a.title,
        a.position
    ])?;
    Ok(())
}

fn upsert_document(tx: &Transaction<'_>, d: &Document) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO documents (id, meeting_id, symbol, title, kind, agenda_item_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET meeting_id = excluded.meeting_id,
           symbol = excluded.symbol, title = excluded.title, kind = excluded.kind,
           agenda_item_id = excluded.agenda_item_id",
    )?
    .execute(params![
        d.id.as_str(),
        d.meeting_id.as_str(),
        d.symbol.as_ref().map(|s| s.as_str()),
        d.title,
        d.kind.as_str(),
        d.agenda_item_id.as_ref().map(|a| a.as_str()),
    ])?;
    Ok(())
}

fn upsert_version(tx: &Transaction<'_>, v: &Version, arrival: i64) -> Result<()> {
    let published_at = v
        .published_at
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| crate::InvalidInput::new("published_at", e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO versions (id, document_id, language, revision, label, published_at,
                               sha256, size, media_type, file_name, arrived)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(id) DO UPDATE SET
           -- A version whose file changed arrives again; metadata edits do not.
           arrived = CASE WHEN versions.sha256 = excluded.sha256 THEN versions.arrived
                          ELSE excluded.arrived END,
           document_id = excluded.document_id,
           language = excluded.language, revision = excluded.revision, label = excluded.label,
           published_at = excluded.published_at, sha256 = excluded.sha256,
           size = excluded.size, media_type = excluded.media_type,
           file_name = excluded.file_name",
    )?
    .execute(params![
        v.id.as_str(),
        v.document_id.as_str(),
        v.language.code(),
        v.revision,
        v.label,
        published_at,
        v.sha256.to_hex(),
        v.size as i64,
        v.media_type.as_str(),
        v.file_name,
        arrival,
    ])?;
    Ok(())
}

fn upsert_statement(tx: &Transaction<'_>, s: &Statement) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO statements (id, meeting_id, agenda_item_id, delegation, speaker,
                                 on_behalf_of, delivered_on, document_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET meeting_id = excluded.meeting_id,
           agenda_item_id = excluded.agenda_item_id, delegation = excluded.delegation,
           speaker = excluded.speaker, on_behalf_of = excluded.on_behalf_of,
           delivered_on = excluded.delivered_on, document_id = excluded.document_id",
    )?
    .execute(params![
        s.id.as_str(),
        s.meeting_id.as_str(),
        s.agenda_item_id.as_ref().map(|a| a.as_str()),
        s.delegation,
        s.speaker,
        s.on_behalf_of,
        s.delivered_on.to_string(),
        s.document_id.as_ref().map(|d| d.as_str()),
    ])?;
    Ok(())
}

/// Deletes what a tombstone names; a tombstone for something never cached is a no-op.
fn delete(tx: &Transaction<'_>, t: &Tombstone) -> Result<usize> {
    let (table, id) = match t {
        Tombstone::Meeting(id) => ("meetings", id.as_str()),
        Tombstone::AgendaItem(id) => ("agenda_items", id.as_str()),
        Tombstone::Document(id) => ("documents", id.as_str()),
        Tombstone::Version(id) => ("versions", id.as_str()),
        Tombstone::Statement(id) => ("statements", id.as_str()),
    };
    Ok(tx
        .prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
        .execute([id])?)
}
