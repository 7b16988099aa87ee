//! What is new for the user: "new" and "updated" marks on documents, counted
//! per meeting, cleared by reading.
//!
//! Every batch applied to the cache has a local arrival number, and each
//! version remembers the batch that brought it (migration 6). The user's
//! state is two numbers: a meeting's *baseline* (the arrival number when they
//! first opened it: what was there then is not news) and a document's *seen*
//! (the arrival number when they last opened it). No clock is involved.
//!
//! Architecture invariant: reading state is the user's own data. Freeing
//! space or removing files never touches `meeting_baselines` or
//! `document_reads`.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::Cache;
use crate::error::{Error, Result};
use crate::model::{DocumentId, MeetingId};

/// A mark on a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Arrived after the user first opened the meeting, not opened since.
    New,
    /// Has a version that arrived after the user last opened it (or, never
    /// opened, after they first opened the meeting).
    Updated,
}

/// The arrival numbers of one document's versions and the user's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Arrivals {
    /// Of its first and latest version (`None`: no version).
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// When the user last opened the document.
    pub seen: Option<i64>,
    /// When the user first opened the meeting (`None`: never: nothing is news).
    pub baseline: Option<i64>,
}

impl Arrivals {
    /// The rule, in one place.
    pub fn freshness(&self) -> Option<Freshness> {
        let (first, last, baseline) = (self.first?, self.last?, self.baseline?);
        match self.seen {
            Some(seen) => (last > seen).then_some(Freshness::Updated),
            None if first > baseline => Some(Freshness::New),
            None => (last > baseline).then_some(Freshness::Updated),
        }
    }
}

/// The SQL columns (first, last, seen, baseline) for a document `d`.
pub(crate) const ARRIVAL_COLUMNS: &str = "
    (SELECT min(v.arrived) FROM versions v WHERE v.document_id = d.id),
    (SELECT max(v.arrived) FROM versions v WHERE v.document_id = d.id),
    (SELECT r.seen FROM document_reads r WHERE r.document_id = d.id),
    (SELECT b.baseline FROM meeting_baselines b WHERE b.meeting_id = d.meeting_id)";

pub(crate) fn arrivals(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Arrivals> {
    Ok(Arrivals {
        first: row.get(at)?,
        last: row.get(at + 1)?,
        seen: row.get(at + 2)?,
        baseline: row.get(at + 3)?,
    })
}

/// How many documents of a meeting are new or updated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NewsCount {
    pub new: u64,
    pub updated: u64,
}

impl Cache {
    /// The latest arrival number in the cache.
    fn current_arrival(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT coalesce(max(arrived), 0) FROM versions")?
            .query_row([], |r| r.get(0))?)
    }

    /// The user opened the meeting: the first time sets its baseline (what
    /// is there now is not news). Later calls change nothing.
    pub fn mark_meeting_seen(&self, id: &MeetingId) -> Result<()> {
        self.meeting(id)?;
        let now = self.current_arrival()?;
        self.conn
            .prepare_cached(
                "INSERT INTO meeting_baselines (meeting_id, baseline) VALUES (?1, ?2)
                 ON CONFLICT(meeting_id) DO NOTHING",
            )?
            .execute(params![id.as_str(), now])?;
        Ok(())
    }

    /// The user opened the document: its marks clear. Opening a document
    /// also counts as having seen its meeting.
    pub fn mark_document_read(&self, id: &DocumentId) -> Result<()> {
        let meeting: Option<String> = self
            .conn
            .prepare_cached("SELECT meeting_id FROM documents WHERE id = ?1")?
            .query_row([id.as_str()], |r| r.get(0))
            .optional()?;
        let meeting = meeting.ok_or_else(|| Error::not_found("document", id))?;
        self.mark_meeting_seen(&meeting.parse()?)?;
        let now = self.current_arrival()?;
        self.conn
            .prepare_cached(
                "INSERT INTO document_reads (document_id, seen) VALUES (?1, ?2)
                 ON CONFLICT(document_id) DO UPDATE SET seen = max(seen, excluded.seen)",
            )?
            .execute(params![id.as_str(), now])?;
        Ok(())
    }

    /// "Mark all as read": every document of the meeting, in one transaction.
    pub fn mark_meeting_read(&mut self, id: &MeetingId) -> Result<u64> {
        self.mark_meeting_seen(id)?;
        let now = self.current_arrival()?;
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "INSERT INTO document_reads (document_id, seen)
               SELECT id, ?2 FROM documents WHERE meeting_id = ?1
             ON CONFLICT(document_id) DO UPDATE SET seen = max(seen, excluded.seen)",
            params![id.as_str(), now],
        )?;
        tx.commit()?;
        Ok(n as u64)
    }

    /// New and updated documents per meeting, for the meeting list.
    pub fn news_by_meeting(&self) -> Result<BTreeMap<MeetingId, NewsCount>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT d.meeting_id, {ARRIVAL_COLUMNS} FROM documents d"
        ))?;
        let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, arrivals(row, 1)?)))?;
        let mut out: BTreeMap<MeetingId, NewsCount> = BTreeMap::new();
        for row in rows {
            let (meeting, a) = row?;
            let count = out.entry(meeting.parse()?).or_default();
            match a.freshness() {
                Some(Freshness::New) => count.new += 1,
                Some(Freshness::Updated) => count.updated += 1,
                None => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(first: i64, last: i64, seen: Option<i64>, baseline: Option<i64>) -> Option<Freshness> {
        Arrivals {
            first: Some(first),
            last: Some(last),
            seen,
            baseline,
        }
        .freshness()
    }

    #[test]
    fn nothing_is_news_before_the_meeting_was_first_opened() {
        assert_eq!(a(5, 9, None, None), None);
    }

    #[test]
    fn what_was_there_at_the_first_visit_is_not_news() {
        assert_eq!(a(1, 3, None, Some(3)), None);
    }

    #[test]
    fn a_document_arriving_after_the_baseline_is_new_until_opened() {
        assert_eq!(a(4, 4, None, Some(3)), Some(Freshness::New));
        assert_eq!(a(4, 4, Some(4), Some(3)), None);
    }

    #[test]
    fn a_new_version_after_reading_or_after_the_baseline_is_an_update() {
        assert_eq!(a(1, 5, Some(4), Some(3)), Some(Freshness::Updated));
        assert_eq!(
            a(1, 5, None, Some(3)),
            Some(Freshness::Updated),
            "existed at the first visit, changed since, never opened"
        );
    }

    #[test]
    fn a_document_without_versions_has_no_mark() {
        let none = Arrivals {
            baseline: Some(1),
            ..Default::default()
        };
        assert_eq!(none.freshness(), None);
    }
}
