//! Keeping the full-text index equal to the text renditions in the cache.
//!
//! Architecture invariant: the index holds exactly the renditions with text
//! (`status = 'ok'`) in the cache, one FTS5 row per file. `search_files`
//! gives each such file its row id and page sketch. Adding happens in Rust
//! ([`prepare`], [`add_file`], [`index_texts`]), in the transaction that
//! stores the rendition; removal is SQLite's
//! (migration 5's foreign key and triggers), so no path that deletes or
//! changes a rendition can leave its entry behind. A rendition stored by some
//! other path than `Cache::put_renditions` (or present when migration 5
//! ran) is indexed by [`catch_up`] when the cache is opened.

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

/// Gives a file with text its row in the index; returns the row id. Run it
/// in the transaction that stored the rendition, then [`index_texts`].
pub(crate) fn add_file(conn: &Connection, sha256_hex: &str, sketch: &[u8]) -> Result<i64> {
    Ok(conn
        .prepare_cached("INSERT INTO search_files (sha256, sketch) VALUES (?1, ?2) RETURNING id")?
        .query_row(rusqlite::params![sha256_hex, sketch], |r| r.get(0))?)
}

/// Writes the tokens of files given rows by [`add_file`] into FTS5.
///
/// Call it last in the transaction, for all the transaction's files at once:
/// FTS5 keeps new entries in memory until the commit, but any later
/// statement that opens a statement journal (an insert into a table with a
/// unique key, a delete that cascades) makes it flush them to disk first,
/// which sorts every pending term and writes a small segment. Interleaving
/// such statements with the FTS5 inserts made indexing several times slower.
pub(crate) fn index_texts(conn: &Connection, files: &[(i64, String)]) -> Result<()> {
    let mut insert =
        conn.prepare_cached("INSERT INTO search_index (rowid, text) VALUES (?1, ?2)")?;
    for (id, tokens) in files {
        insert.execute(rusqlite::params![id, tokens])?;
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
    // By batches, as sync stores them: a batch's tokens are held in memory
    // until they go into FTS5, last (see `index_texts`).
    for batch in missing.chunks(100) {
        let mut ready = Vec::with_capacity(batch.len());
        for sha in batch {
            let pages: Vec<String> = tx
                .prepare_cached("SELECT text FROM rendition_pages WHERE sha256 = ?1 ORDER BY page")?
                .query_map([sha], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let prepared = prepare(&pages);
            ready.push((add_file(&tx, sha, &prepared.sketch)?, prepared.tokens));
        }
        index_texts(&tx, &ready)?;
    }
    tx.commit()?;
    tracing::info!(files = missing.len(), "search index caught up");
    Ok(missing.len())
}
