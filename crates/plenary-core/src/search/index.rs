//! Keeping the full-text index equal to the text renditions in the cache.
//!
//! Architecture invariant: the index holds exactly the renditions with text
//! (`status = 'ok'`) in the cache, one FTS5 row per file. `search_files`
//! gives each such file its row id and page sketch. Adding happens in Rust
//! ([`index_files`]), in the transaction that stores the rendition; removal
//! is SQLite's (migration 5's foreign key and triggers), so no path that
//! deletes or changes a rendition can leave its entry behind. A rendition
//! stored by some other path than `Cache::put_renditions` (or present when
//! migration 5 ran, or holding Han text when migration 9 ran) is indexed by
//! [`catch_up`] when the cache is opened.

use rusqlite::{Connection, TransactionBehavior};

use super::normalize::tokenize;
use super::sketch::SketchBuilder;
use crate::error::Result;

/// A file's text made ready for the index: its tokens, space-separated
/// (page after page), and its page sketch.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub tokens: String,
    pub sketch: Vec<u8>,
}

/// Normalises a file's pages, one page at a time (as `locate` reads them).
pub(crate) fn prepare<S: AsRef<str>>(pages: &[S]) -> Prepared {
    let total: usize = pages.iter().map(|p| p.as_ref().len()).sum();
    let mut tokens = String::with_capacity(total + total / 8);
    let mut sketch = SketchBuilder::default();
    for page in pages {
        tokenize(page.as_ref(), |t| {
            tokens.push_str(t.text);
            tokens.push(' ');
            sketch.token(&t);
        });
        sketch.end_page();
    }
    Prepared {
        tokens,
        sketch: sketch.finish(),
    }
}

/// Gives a file with text its row in the index; returns the row id. Its
/// sketch is written by [`index_files`], after its tokens.
fn add_file(conn: &Connection, sha256_hex: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached("INSERT INTO search_files (sha256, sketch) VALUES (?1, X'') RETURNING id")?
        .query_row([sha256_hex], |r| r.get(0))?)
}

/// How many normalised files may wait for the FTS5 writer: enough to keep
/// both threads busy, few enough that memory does not grow with a batch.
const QUEUE: usize = 8;

/// Indexes files whose renditions (with text) this transaction stored:
/// `(sha256 hex, pages)`. Run it last in the transaction, for all its
/// files at once.
///
/// Normalisation runs on a second thread, a few files ahead of this one,
/// which writes their tokens into FTS5 as they come. The order of the
/// statements matters: FTS5 keeps new entries in memory until the commit,
/// but any later statement that opens a statement journal (an insert into
/// a table with a unique key, a delete that cascades) makes it flush them to
/// disk first, which sorts every pending term and writes a small segment.
/// So every file gets its `search_files` row first, then the FTS5 inserts
/// follow, and the sketches (single-row updates by rowid) come last.
///
/// Files go in one language at a time (that of a version using the file),
/// with a flush of FTS5's pending entries between languages: each flush
/// then sorts and writes one language's terms, not the six languages'
/// vocabularies mixed in one hash table. Their rows are made in that order
/// too, since FTS5 also flushes whenever a row id is lower than the last.
pub(crate) fn index_files<S: AsRef<str> + Sync>(
    conn: &Connection,
    files: &[(String, &[S])],
) -> Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    let mut language_of =
        conn.prepare_cached("SELECT min(language) FROM versions WHERE sha256 = ?1")?;
    let mut order = Vec::with_capacity(files.len());
    for (i, (hex, _)) in files.iter().enumerate() {
        let language: Option<String> = language_of.query_row([hex], |r| r.get(0))?;
        order.push((language, i));
    }
    order.sort();
    let ids = order
        .iter()
        .map(|&(_, i)| add_file(conn, &files[i].0))
        .collect::<Result<Vec<i64>>>()?;
    let mut insert =
        conn.prepare_cached("INSERT INTO search_index (rowid, text) VALUES (?1, ?2)")?;
    let mut flush =
        conn.prepare_cached("INSERT INTO search_index (search_index) VALUES ('flush')")?;
    let mut sketches = Vec::with_capacity(files.len());
    std::thread::scope(|scope| -> Result<()> {
        let (send, receive) = std::sync::mpsc::sync_channel::<Prepared>(QUEUE);
        let order = &order;
        scope.spawn(move || {
            for &(_, i) in order {
                // The receiver is gone only if writing failed: stop.
                if send.send(prepare(files[i].1)).is_err() {
                    break;
                }
            }
        });
        for (k, (id, prepared)) in ids.iter().zip(receive).enumerate() {
            if k > 0 && order[k].0 != order[k - 1].0 {
                flush.execute([])?;
            }
            insert.execute(rusqlite::params![id, prepared.tokens])?;
            sketches.push(prepared.sketch);
        }
        Ok(())
    })?;
    let mut sketch = conn.prepare_cached("UPDATE search_files SET sketch = ?1 WHERE id = ?2")?;
    for (id, s) in ids.iter().zip(&sketches) {
        sketch.execute(rusqlite::params![s, id])?;
    }
    Ok(())
}

/// Indexes every rendition with text that the index lacks (after migration
/// 5, or if anything stored one without indexing it); returns how many.
pub(crate) fn catch_up(conn: &mut Connection) -> Result<usize> {
    const MISSING: &str = "SELECT sha256 FROM renditions r WHERE status = 'ok'
         AND NOT EXISTS (SELECT 1 FROM search_files f WHERE f.sha256 = r.sha256)";
    let any: bool = conn.query_row(&format!("SELECT EXISTS ({MISSING})"), [], |r| r.get(0))?;
    if !any {
        return Ok(0);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let missing: Vec<String> = tx
        .prepare(MISSING)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // By batches, as sync stores them (see `index_files`).
    for batch in missing.chunks(100) {
        let mut texts = Vec::with_capacity(batch.len());
        for sha in batch {
            let pages: Vec<String> = tx
                .prepare_cached("SELECT text FROM rendition_pages WHERE sha256 = ?1 ORDER BY page")?
                .query_map([sha], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            texts.push(pages);
        }
        let files: Vec<(String, &[String])> = batch
            .iter()
            .cloned()
            .zip(texts.iter().map(Vec::as_slice))
            .collect();
        index_files(&tx, &files)?;
    }
    tx.commit()?;
    tracing::info!(files = missing.len(), "search index caught up");
    Ok(missing.len())
}
