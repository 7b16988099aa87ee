//! What the user keeps offline (settings), the text renditions of kept
//! files, and the space they take.
//!
//! Architecture invariant: freeing space deletes only downloaded files (and
//! the renditions derived from them). It never touches the user's own data
//! (notes, annotations): those tables are not named here, and never will be.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

use super::Cache;
use crate::error::{Error, Result};
use crate::model::{Language, MeetingId, Sha256, Version};
use crate::sync::plan::{Keep, Languages, Meetings};

const KEEP_MEETINGS: &str = "keep.meetings";
const KEEP_LANGUAGES: &str = "keep.languages";

/// The text of a file, page by page, as the server extracted it at
/// publication (the same JSON as `GET /v1/files/{sha256}/text`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Rendition {
    Ok {
        extractor: String,
        pages: Vec<String>,
    },
    /// The file is published, but its text could not be extracted.
    Unavailable { extractor: String, reason: String },
}

impl Rendition {
    /// The bytes of text it holds (0 when there is none).
    pub fn text_bytes(&self) -> usize {
        match self {
            Rendition::Ok { pages, .. } => pages.iter().map(String::len).sum(),
            Rendition::Unavailable { .. } => 0,
        }
    }
}

/// How many texts to store in one transaction ([`Cache::put_texts`]): sync
/// and catching the index up gather texts until they hold this much text,
/// or [`TEXT_BATCH_FILES`] files. The bound is on bytes because the texts
/// and FTS5's pending terms are in memory until the commit, and a batch of
/// a hundred long reports (1-2 MB of text each) would hold hundreds of MB.
/// Larger batches do not index faster: search-bench, 10,000 versions of
/// ~100 KB, alternating runs, indexed 44.1, 44.3, 44.3 MB/s with 10 MB
/// batches and 43.9, 43.2, 43.9 with 24 MB ones (whose commit leaves larger
/// segments to merge: a version stored after the bulk load took up to 48
/// ms instead of 5).
pub const TEXT_BATCH_BYTES: usize = 10 << 20;

/// The most texts in one batch, however short (see [`TEXT_BATCH_BYTES`]).
pub const TEXT_BATCH_FILES: usize = 100;

/// Whether texts gathered for one transaction (`bytes` of text in `files`
/// files) make a batch to store now (see [`TEXT_BATCH_BYTES`]).
pub fn text_batch_is_full(bytes: usize, files: usize) -> bool {
    bytes >= TEXT_BATCH_BYTES || files >= TEXT_BATCH_FILES
}

/// A picture of a PDF's first page, made by the server with the text (a
/// PNG, and page 1's displayed size in points), shown by the reader in the
/// page's place while pdf.js gets ready to draw the page itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub width_pt: f64,
    pub height_pt: f64,
    pub png: Vec<u8>,
}

impl Preview {
    /// The most a preview may take; the server makes ~60-120 KB ones.
    pub const MAX_BYTES: usize = 4 << 20;
    /// The most pixels a side of a preview may have (the server makes at most 1,600).
    pub const MAX_SIDE_PX: u32 = 4096;
    /// The largest page PDF allows (200 inches), in points.
    pub const MAX_SIDE_PT: f64 = 14_400.0;
    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

    /// Checks what a server sent: a PNG of bounded size for a page of a
    /// size PDF allows. A preview is only a picture shown for a moment, so a
    /// bad one is dropped (the caller logs why), never an error of the sync.
    pub fn new(width_pt: f64, height_pt: f64, png: Vec<u8>) -> std::result::Result<Self, String> {
        let side_ok = |v: f64| v.is_finite() && v > 0.0 && v <= Self::MAX_SIDE_PT;
        if !side_ok(width_pt) || !side_ok(height_pt) {
            return Err(format!(
                "a page of {width_pt} x {height_pt} points is not one PDF allows"
            ));
        }
        if png.len() > Self::MAX_BYTES {
            return Err(format!(
                "{} bytes is more than a preview may take",
                png.len()
            ));
        }
        if !png.starts_with(Self::PNG_SIGNATURE) {
            return Err("it is not a PNG".into());
        }
        // Its pixels, from the header: a small file can claim a huge picture,
        // which the reader would have to hold decoded.
        if let Some(header) = png.get(12..24).filter(|h| &h[..4] == b"IHDR") {
            let side = |at: usize| {
                u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
            };
            let (w, h) = (side(4), side(8));
            if w > Self::MAX_SIDE_PX || h > Self::MAX_SIDE_PX {
                return Err(format!(
                    "a picture of {w} x {h} pixels is larger than a preview may be"
                ));
            }
        }
        Ok(Self {
            width_pt,
            height_pt,
            png,
        })
    }
}

/// How much the downloaded files take.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpaceUsed {
    /// Every stored file, once.
    pub total_bytes: u64,
    /// Per language of the versions a file serves (a file serving two
    /// languages counts in both).
    pub by_language: BTreeMap<Language, u64>,
    /// Per meeting, likewise.
    pub by_meeting: BTreeMap<MeetingId, u64>,
    /// Files no version refers to any more (withdrawn), freed by `free_space`.
    pub unreferenced_bytes: u64,
    /// Downloads interrupted and waiting to be resumed.
    pub partial_bytes: u64,
}

/// What [`Cache::free_space`] deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FreedSpace {
    pub files: u64,
    pub bytes: u64,
}

impl Cache {
    pub(crate) fn setting<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Result<Option<T>> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        match text {
            None => Ok(None),
            Some(t) => serde_json::from_str(&t).map(Some).map_err(|e| {
                Error::InvalidInput(crate::InvalidInput::new(
                    "setting",
                    format!("{key} holds {t:?}, which this version cannot read: {e}"),
                ))
            }),
        }
    }

    pub(crate) fn set_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let text = serde_json::to_string(value)
            .map_err(|e| crate::InvalidInput::new("setting", e.to_string()))?;
        self.conn
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, text])?;
        Ok(())
    }

    /// Which meetings and languages the user keeps files of (everything by default).
    pub fn keep(&self) -> Result<Keep> {
        Ok(Keep {
            meetings: self.setting(KEEP_MEETINGS)?.unwrap_or_default(),
            languages: self.setting(KEEP_LANGUAGES)?.unwrap_or_default(),
        })
    }

    pub fn set_keep_meetings(&self, meetings: &Meetings) -> Result<()> {
        self.set_setting(KEEP_MEETINGS, meetings)
    }

    pub fn set_keep_languages(&self, languages: &Languages) -> Result<()> {
        self.set_setting(KEEP_LANGUAGES, languages)
    }

    /// Every version with the meeting it belongs to (for the sync planner).
    pub fn versions_with_meeting(&self) -> Result<Vec<(MeetingId, Version)>> {
        let meetings: BTreeMap<String, String> = self
            .conn
            .prepare_cached("SELECT id, meeting_id FROM documents")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for v in self.all_versions()? {
            if let Some(m) = meetings.get(v.document_id.as_str()) {
                out.push((m.parse()?, v));
            }
        }
        Ok(out)
    }

    /// The text rendition of a file, if it was fetched.
    pub fn rendition(&self, sha256: &Sha256) -> Result<Option<Rendition>> {
        let row: Option<(String, String, Option<String>)> = self
            .conn
            .prepare_cached("SELECT status, extractor, reason FROM renditions WHERE sha256 = ?1")?
            .query_row([sha256.to_hex()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((status, extractor, reason)) = row else {
            return Ok(None);
        };
        if status == "unavailable" {
            return Ok(Some(Rendition::Unavailable {
                extractor,
                reason: reason.unwrap_or_default(),
            }));
        }
        let pages = self
            .conn
            .prepare_cached("SELECT text FROM rendition_pages WHERE sha256 = ?1 ORDER BY page")?
            .query_map([sha256.to_hex()], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(Some(Rendition::Ok { extractor, pages }))
    }

    /// The files that have a rendition.
    pub fn rendition_shas(&self) -> Result<BTreeSet<Sha256>> {
        let mut out = BTreeSet::new();
        let mut stmt = self.conn.prepare_cached("SELECT sha256 FROM renditions")?;
        for sha in stmt.query_map([], |r| r.get::<_, String>(0))? {
            out.insert(sha?.parse()?);
        }
        Ok(out)
    }

    /// Stores (or replaces) the rendition of a file, in one transaction.
    pub fn put_rendition(&mut self, sha256: &Sha256, rendition: &Rendition) -> Result<()> {
        self.put_renditions(&[(*sha256, rendition.clone())])
    }

    /// Stores (or replaces) several renditions in one transaction (one fsync),
    /// indexing their text for search in the same transaction.
    pub fn put_renditions(&mut self, renditions: &[(Sha256, Rendition)]) -> Result<()> {
        self.put_texts(renditions, &[])
    }

    /// Stores renditions as [`Cache::put_renditions`] does, and, in the same
    /// transaction, the previews that came with them (a preview whose file
    /// has no rendition in the cache or in the batch is refused by the
    /// foreign key). Replacing a rendition drops its old preview.
    pub fn put_texts(
        &mut self,
        renditions: &[(Sha256, Rendition)],
        previews: &[(Sha256, Preview)],
    ) -> Result<()> {
        let now = time::OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .map_err(|e| crate::InvalidInput::new("time", e.to_string()))?;
        let checkpointers = self.write_back.due(&self.dir)?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // The same file twice in a batch: the last rendition wins.
        let last: BTreeMap<&Sha256, usize> = renditions
            .iter()
            .enumerate()
            .map(|(i, (sha, _))| (sha, i))
            .collect();
        let chosen: Vec<&(Sha256, Rendition)> = renditions
            .iter()
            .enumerate()
            .filter(|(i, (sha, _))| last[sha] == *i)
            .map(|(_, r)| r)
            .collect();
        let to_index: Vec<(String, &[String])> = chosen
            .iter()
            .filter_map(|(sha, r)| match r {
                Rendition::Ok { pages, .. } => Some((sha.to_hex(), pages.as_slice())),
                Rendition::Unavailable { .. } => None,
            })
            .collect();
        let store = || -> Result<()> {
            for (sha256, rendition) in &chosen {
                let hex = sha256.to_hex();
                tx.execute("DELETE FROM renditions WHERE sha256 = ?1", [&hex])?;
                match rendition {
                    Rendition::Ok { extractor, pages } => {
                        tx.execute(
                            "INSERT INTO renditions (sha256, status, extractor, reason, fetched_at)
                         VALUES (?1, 'ok', ?2, NULL, ?3)",
                            params![hex, extractor, now],
                        )?;
                        let mut insert = tx.prepare_cached(
                            "INSERT INTO rendition_pages (sha256, page, text) VALUES (?1, ?2, ?3)",
                        )?;
                        for (i, text) in pages.iter().enumerate() {
                            insert.execute(params![hex, i as i64 + 1, text])?;
                        }
                    }
                    Rendition::Unavailable { extractor, reason } => {
                        tx.execute(
                            "INSERT INTO renditions (sha256, status, extractor, reason, fetched_at)
                         VALUES (?1, 'unavailable', ?2, ?3, ?4)",
                            params![hex, extractor, reason, now],
                        )?;
                    }
                }
            }
            // This thread would now wait for the shards: it writes the
            // earlier commits back into the database files meanwhile (see
            // `sqlite::Checkpointer`), instead of this commit doing so.
            for checkpointer in checkpointers {
                if let Err(e) = checkpointer.run() {
                    tracing::warn!(error = %e, "writing the WAL back failed; it stays in the WAL");
                }
            }
            Ok(())
        };
        // The texts are stored (`store`, on this thread) while the shards
        // index them; the index's rows come with this transaction (see
        // `search::shards`): it never lacks a rendition, and never shows
        // what it no longer has.
        crate::search::index_files(&tx, &mut self.search_shards, &to_index, store)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO previews (sha256, width_pt, height_pt, png)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (sha256, p) in previews {
                insert.execute(params![sha256.to_hex(), p.width_pt, p.height_pt, p.png])?;
            }
        }
        tx.commit()?;
        let text: usize = to_index
            .iter()
            .flat_map(|(_, pages)| pages.iter())
            .map(String::len)
            .sum();
        self.write_back.committed(text as u64);
        Ok(())
    }

    /// The picture of a file's first page, if the server made one.
    pub fn preview(&self, sha256: &Sha256) -> Result<Option<Preview>> {
        Ok(self
            .conn
            .prepare_cached("SELECT width_pt, height_pt, png FROM previews WHERE sha256 = ?1")?
            .query_row([sha256.to_hex()], |r| {
                Ok(Preview {
                    width_pt: r.get(0)?,
                    height_pt: r.get(1)?,
                    png: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// How much space the downloaded files take, overall and by language and meeting.
    pub fn space_used(&self) -> Result<SpaceUsed> {
        let versions = self.versions_with_meeting()?;
        let mut used = SpaceUsed::default();
        let mut referenced = BTreeSet::new();
        let mut seen_language = BTreeSet::new();
        let mut seen_meeting = BTreeSet::new();
        let present = self.blob_sizes()?;
        for (meeting, v) in &versions {
            referenced.insert(v.sha256);
            let Some(&size) = present.get(&v.sha256) else {
                continue;
            };
            if seen_language.insert((v.language, v.sha256)) {
                *used.by_language.entry(v.language).or_default() += size;
            }
            if seen_meeting.insert((meeting.clone(), v.sha256)) {
                *used.by_meeting.entry(meeting.clone()).or_default() += size;
            }
        }
        for (sha, size) in &present {
            used.total_bytes += size;
            if !referenced.contains(sha) {
                used.unreferenced_bytes += size;
            }
        }
        used.partial_bytes = self.blobs.partials()?.iter().map(|(_, n)| n).sum();
        Ok(used)
    }

    fn blob_sizes(&self) -> Result<BTreeMap<Sha256, u64>> {
        let mut out = BTreeMap::new();
        for sha in self.blobs.list()? {
            if let Ok(meta) = std::fs::metadata(self.blobs.path_of(&sha)) {
                out.insert(sha, meta.len());
            }
        }
        Ok(out)
    }

    /// Deletes the files (and their renditions and interrupted downloads)
    /// that no kept version needs: languages and meetings no longer kept,
    /// versions withdrawn. Metadata stays; the user's notes are never touched.
    pub fn free_space(&mut self) -> Result<FreedSpace> {
        let keep = self.keep()?;
        let needed: BTreeSet<Sha256> = self
            .versions_with_meeting()?
            .into_iter()
            .filter(|(m, v)| keep.includes(m, v.language))
            .map(|(_, v)| v.sha256)
            .collect();
        self.remove_files_except(&needed)
    }

    /// Deletes every downloaded file, its rendition and every interrupted
    /// download: "remove the documents from this computer". Metadata, the
    /// settings and the user's own notes stay; the next sync downloads again
    /// what the user keeps offline.
    pub fn clear_files(&mut self) -> Result<FreedSpace> {
        self.remove_files_except(&BTreeSet::new())
    }

    fn remove_files_except(&mut self, needed: &BTreeSet<Sha256>) -> Result<FreedSpace> {
        let mut freed = FreedSpace::default();
        for (sha, size) in self.blob_sizes()? {
            if !needed.contains(&sha) && self.blobs.remove(&sha)? {
                freed.files += 1;
                freed.bytes += size;
                // Its search index entry goes with it (migration 5's
                // triggers, then `forget_deleted_texts`).
                self.conn
                    .execute("DELETE FROM renditions WHERE sha256 = ?1", [sha.to_hex()])?;
            }
        }
        for (sha, size) in self.blobs.partials()? {
            if !needed.contains(&sha) {
                self.blobs.remove_partial(&sha)?;
                freed.bytes += size;
            }
        }
        self.forget_deleted_texts()?;
        Ok(freed)
    }

    /// Removes from the search shards the entries of files whose renditions
    /// were deleted (their ids wait in `search_stale`), so that freeing space
    /// frees the index's too.
    fn forget_deleted_texts(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        crate::search::forget_deleted(&tx, &mut self.search_shards)?;
        Ok(tx.commit()?)
    }
}
