//! Keeping the full-text index equal to the text renditions in the cache.
//!
//! Architecture invariant: the index holds exactly the renditions with text
//! (`status = 'ok'`) in the cache, one FTS5 row per file. `search_files`
//! gives each such file its row id. Adding happens in Rust ([`add_file`],
//! [`index_texts`]), in the transaction that stores the rendition; removal is SQLite's
//! (migration 5's foreign key and triggers), so no path that deletes or
//! changes a rendition can leave its entry behind. A rendition stored by some
//! other path than `Cache::put_renditions` (or present when migration 5
//! ran) is indexed by [`catch_up`] when the cache is opened.

use rusqlite::{Connection, TransactionBehavior};

use super::locate::join_pages;
use super::normalize::normalize;
use crate::error::Result;

/// Gives a file with text its row in the index; returns the row id. Run it
/// in the transaction that stored the rendition, then [`index_texts`].
pub(crate) fn add_file(conn: &Connection, sha256_hex: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached("INSERT INTO search_files (sha256) VALUES (?1) RETURNING id")?
        .query_row([sha256_hex], |r| r.get(0))?)
}

/// Writes the texts of files given rows by [`add_file`] into FTS5.
///
/// Call it last in the transaction, for all the transaction's files at once:
/// FTS5 keeps new entries in memory until the commit, but any later
/// statement that opens a statement journal (an insert into a table with a
/// unique key, a delete that cascades) makes it flush them to disk first,
/// which sorts every pending term and writes a small segment. Interleaving
/// such statements with the FTS5 inserts made indexing several times slower.
pub(crate) fn index_texts<S: AsRef<str>>(conn: &Connection, files: &[(i64, &[S])]) -> Result<()> {
    let mut insert = conn.prepare_cached("INSERT INTO search_index (rowid, text) VALUES (?1, ?2)")?;
    for (id, pages) in files {
        let (text, _) = join_pages(pages);
        let tokens = normalize(&text);
        drop(text);
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
    let ids = missing
        .iter()
        .map(|sha| add_file(&tx, sha))
        .collect::<Result<Vec<i64>>>()?;
    // One file's pages in memory at a time; reads do not make FTS5 flush.
    for (sha, id) in missing.iter().zip(ids) {
        let pages: Vec<String> = tx
            .prepare_cached("SELECT text FROM rendition_pages WHERE sha256 = ?1 ORDER BY page")?
            .query_map([sha], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        index_texts(&tx, &[(id, pages.as_slice())])?;
    }
    tx.commit()?;
    tracing::info!(files = missing.len(), "search index caught up");
    Ok(missing.len())
}
