//! The local cache: one SQLite database for what was published (and, later,
//! the user's own notes) plus a content-addressed store for the files.
//!
//! Layout of a cache folder:
//! ```text
//! <cache>/plenary.sqlite3        metadata (WAL mode, so also -wal and -shm)
//! <cache>/search-0.sqlite3 ...   the full-text index, in shards (src/search/shards.rs)
//! <cache>/blobs/objects/ab/cd..  files, named by SHA-256
//! <cache>/blobs/tmp/             writes in progress (swept at open)
//! <cache>/blobs/partial/         interrupted downloads (<sha256>.part), resumed by sync
//! <cache>/blobs/quarantine/      files found damaged
//! ```

pub mod blobs;
mod fresh;
mod keep;
pub mod notes;
mod prefs;
mod queries;
pub mod schema;
mod write;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use blobs::{BlobStore, Committed, VerifiedPartial, VerifyReport};
pub use fresh::{Freshness, NewsCount};
pub use keep::{
    FreedSpace, Preview, Rendition, SpaceUsed, TEXT_BATCH_BYTES, TEXT_BATCH_FILES,
    text_batch_is_full,
};
pub use notes::{
    MeetingNote, NewNote, Note, NoteColor, NoteEdit, NoteFilter, NoteTarget, Outcome, PlacedNote,
    Placement, Selection, VersionNotes,
};
pub use prefs::{Preferences, ServerSettings, UiLanguage};
pub use queries::{DocumentDetail, DocumentSummary, MeetingOverview, MeetingSummary, VersionInfo};
pub use write::ApplyReport;

use crate::error::{Error, Result};
use crate::model::{Sha256, Version, VersionId};
use crate::search::shards::{SHARDS, shard_path};
use crate::sqlite::Checkpointer;

pub const DATABASE_FILE: &str = "plenary.sqlite3";

#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    conn: Connection,
    /// The full-text index's files (derived from `conn`, rebuilt if lost).
    search_shards: crate::search::Shards,
    blobs: BlobStore,
    /// Search's view of the versions with text, rebuilt when the database
    /// changes (see `search::Catalog`).
    search_catalog: RefCell<Option<crate::search::Catalog>>,
    /// Writes committed pages back into the database files while texts are
    /// being indexed (`put_texts`).
    write_back: WriteBack,
}

/// How much the cache holds, for the settings page and `plenary cache info`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    pub path: PathBuf,
    pub schema_version: i64,
    pub meetings: u64,
    pub documents: u64,
    pub versions: u64,
    pub versions_downloaded: u64,
    pub blob_bytes: u64,
    pub database_bytes: u64,
}

impl Cache {
    /// Opens the cache in `dir`, creating the folder and database if needed.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("creating the cache folder {}", dir.display()), e))?;
        let mut conn = schema::open(&dir.join(DATABASE_FILE))?;
        crate::sqlite::defer_checkpoints(&conn)?;
        let mut search_shards = crate::search::Shards::open(&dir)?;
        // What a crash between commits, or a shard made anew, left undone,
        // then renditions the index lacks (stored before migration 5, or
        // whose entries went at migrations 9 and 12 or just now).
        crate::search::reconcile(&mut conn, &mut search_shards)?;
        crate::search::catch_up(&mut conn, &mut search_shards)?;
        let blobs = BlobStore::open(dir.join("blobs"))?;
        Ok(Cache {
            dir,
            conn,
            search_shards,
            blobs,
            search_catalog: RefCell::new(None),
            write_back: WriteBack::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn search_shards(&self) -> &crate::search::Shards {
        &self.search_shards
    }

    pub(crate) fn search_catalog(&self) -> &RefCell<Option<crate::search::Catalog>> {
        &self.search_catalog
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// Reads the file of a version, checking its hash.
    pub fn version_file(&self, id: &VersionId) -> Result<(Version, Vec<u8>)> {
        let version = self.version(id)?;
        let bytes = self.blobs.read(&version.sha256)?;
        Ok((version, bytes))
    }

    /// The picture of a version's first page (PDFs the server drew), if any.
    pub fn version_preview(&self, id: &VersionId) -> Result<Option<Preview>> {
        let version = self.version(id)?;
        self.preview(&version.sha256)
    }

    /// Stores a file that a version refers to (or will).
    pub fn put_blob(&self, expected: &Sha256, bytes: &[u8]) -> Result<()> {
        self.blobs.put_expected(expected, bytes)
    }

    pub fn stats(&self) -> Result<CacheStats> {
        let count = |sql: &str| -> Result<u64> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        let mut versions_downloaded = 0;
        let mut stmt = self.conn.prepare("SELECT DISTINCT sha256 FROM versions")?;
        let shas = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for sha in shas {
            if let Ok(sha) = sha?.parse::<Sha256>()
                && self.blobs.contains(&sha)
            {
                versions_downloaded += 1;
            }
        }
        // The database and the search index's shards, with their logs.
        let database_bytes = database_files(&self.dir)
            .flat_map(|db| ["", "-wal"].map(|suffix| crate::sqlite::companion(&db, suffix)))
            .filter_map(|path| std::fs::metadata(path).ok())
            .map(|m| m.len())
            .sum();
        Ok(CacheStats {
            path: self.dir.clone(),
            schema_version: schema::user_version(&self.conn)?,
            meetings: count("SELECT count(*) FROM meetings")?,
            documents: count("SELECT count(*) FROM documents")?,
            versions: count("SELECT count(*) FROM versions")?,
            versions_downloaded,
            blob_bytes: self.blobs.size_on_disk()?,
            database_bytes,
        })
    }

    /// Checks the database's integrity and re-hashes every file.
    pub fn verify(&self) -> Result<(String, VerifyReport)> {
        let mut integrity: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        for k in 0..SHARDS {
            let found: String =
                self.search_shards
                    .lock(k)
                    .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            if found != "ok" {
                integrity.push_str(&format!("\nsearch shard {k}: {found}"));
            }
        }
        Ok((integrity, self.blobs.verify_all()?))
    }
}

/// The cache's SQLite databases in `dir`: the cache database, then each
/// search shard.
fn database_files(dir: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    std::iter::once(dir.join(DATABASE_FILE)).chain((0..SHARDS).map(|k| shard_path(dir, k)))
}

/// Writing the cache's WALs back into their files while texts are indexed,
/// by [`Checkpointer`]s (see there for why).
#[derive(Debug, Default)]
pub(crate) struct WriteBack {
    /// Of the cache database and of each shard, opened when first due.
    checkpointers: Option<Vec<Checkpointer>>,
    /// Bytes of text committed since the checkpointers last ran.
    pending: u64,
}

impl WriteBack {
    /// About SQLite's own threshold (1,000 pages of 4 KiB): below it a write
    /// back costs its four fsyncs for little, and a small batch of texts
    /// leaves too little indexing to hide them behind.
    const AFTER_BYTES: u64 = 4 << 20;

    /// The checkpointers of the cache database in `dir` and of its shards,
    /// if enough text was committed since they last ran (it then counts as
    /// written back), or none.
    pub(crate) fn due(&mut self, dir: &Path) -> Result<&[Checkpointer]> {
        if self.pending < Self::AFTER_BYTES {
            return Ok(&[]);
        }
        if self.checkpointers.is_none() {
            let opened = database_files(dir)
                .map(|p| Checkpointer::open(&p))
                .collect::<Result<Vec<_>>>()?;
            self.checkpointers = Some(opened);
        }
        self.pending = 0;
        Ok(self.checkpointers.as_deref().unwrap_or_default())
    }

    /// Counts text that a transaction committed.
    pub(crate) fn committed(&mut self, bytes: u64) {
        self.pending += bytes;
    }
}
