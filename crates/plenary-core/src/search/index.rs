//! Keeping the full-text index equal to the text renditions in the cache.
//!
//! Architecture invariant: once the shards are reconciled (at open) and after
//! every write, the index holds exactly the renditions with text (`status =
//! 'ok'`) in the cache, one FTS5 row per file, in its shard (see
//! [`super::shards`]). `search_files` gives each such file its row id and page
//! sketch. Adding happens in Rust ([`index_files`]), with the transaction
//! that stores the rendition; removal starts in SQLite (migration 5's foreign
//! key and triggers delete the `search_files` row, migration 12's trigger
//! queues its id), so no path that deletes or changes a rendition can leave
//! a findable entry behind. A rendition stored by some other path than
//! `Cache::put_renditions` (or present when migration 5, 9 or 12 ran, or whose
//! entry a shard lost) is indexed by [`catch_up`] when the cache is opened.

use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::{Connection, TransactionBehavior};

use super::normalize::tokenize;
use super::shards::{self, SHARDS, Shards};
use super::sketch::SketchBuilder;
use crate::cache::text_batch_is_full;
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

/// Indexes files whose renditions (with text) this transaction of the cache
/// database (`conn`, an IMMEDIATE one: the ids given here must not race
/// another process's) stores: `(sha256 hex, pages)`. `store` writes the
/// renditions themselves into `conn`, on this thread, while the shards
/// index (their rows must be there before the files' `search_files` rows,
/// which this adds last, with their sketches). Each file's entry goes into
/// its shard, which commits at once (see [`super::shards`] for why that is
/// safe); then the entries of files deleted since the last write go.
///
/// Each shard is written by a thread of its own, which takes the files one
/// at a time from a queue shared with the other shards ([`Queue`]) and
/// normalises them. The queue holds them in one language at a time (that of
/// a version using the file), and a shard flushes FTS5's pending entries
/// between languages: each flush then sorts and writes one language's terms,
/// not the six languages' vocabularies mixed in one hash table. A shard's
/// ids rise in the order it takes files, since FTS5 also flushes whenever
/// a row id is lower than the last.
pub(crate) fn index_files<S: AsRef<str> + Sync>(
    conn: &Connection,
    shards: &mut Shards,
    files: &[(String, &[S])],
    store: impl FnOnce() -> Result<()>,
) -> Result<()> {
    if files.is_empty() {
        store()?;
        return forget_deleted(conn, shards);
    }
    let mut language_of =
        conn.prepare_cached("SELECT min(language) FROM versions WHERE sha256 = ?1")?;
    let mut order = Vec::with_capacity(files.len());
    for (i, (hex, _)) in files.iter().enumerate() {
        let language: Option<String> = language_of.query_row([hex], |r| r.get(0))?;
        order.push((language, i));
    }
    order.sort();
    // Above every id the cache database gave and every id a shard holds.
    let given: i64 = conn.query_row(
        "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'search_files'), 0)",
        [],
        |r| r.get(0),
    )?;
    let first = given.max(shards.max_id()?) + 1;
    let queue = Queue {
        order: &order,
        next: AtomicUsize::new(SHARDS),
    };
    let (stored, indexed) = std::thread::scope(|scope| {
        let handles: Vec<_> = shards
            .conns_mut()
            .into_iter()
            .enumerate()
            .filter(|(k, _)| *k < order.len())
            .map(|(k, shard)| {
                // The shard's first id: the first from `first` on that names it.
                let id = first + (k as i64 - first).rem_euclid(SHARDS as i64);
                debug_assert_eq!(
                    shards::shard_of(id),
                    k,
                    "a file's id names the shard that holds its entry"
                );
                let queue = &queue;
                scope.spawn(move || write_shard(shard, id, k, queue, files))
            })
            .collect();
        let stored = store();
        let indexed: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("a search shard's writer panicked"))
            .collect();
        (stored, indexed)
    });
    stored?;
    let mut sketches = Vec::with_capacity(files.len());
    for result in indexed {
        sketches.extend(result?);
    }
    sketches.sort_unstable_by_key(|s: &Indexed| s.id);
    let mut add =
        conn.prepare_cached("INSERT INTO search_files (id, sha256, sketch) VALUES (?1, ?2, ?3)")?;
    for Indexed { id, file, sketch } in sketches {
        add.execute(rusqlite::params![id, files[file].0, sketch])?;
    }
    forget_deleted(conn, shards)
}

/// Removes from the shards the entries of files deleted since the last
/// write (their ids wait in `search_stale`), in `conn`'s transaction.
pub(crate) fn forget_deleted(conn: &Connection, shards: &mut Shards) -> Result<()> {
    let stale: Vec<i64> = conn
        .prepare_cached("SELECT id FROM search_stale")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if !stale.is_empty() {
        shards::remove(shards, &stale)?;
        conn.execute("DELETE FROM search_stale", [])?;
    }
    Ok(())
}

/// A file a shard indexed: its id, its place in the batch, its sketch.
struct Indexed {
    id: i64,
    file: usize,
    sketch: Vec<u8>,
}

/// The files of one write, in language order, handed to whichever shard
/// asks first: the shards' pace varies (languages differ in cost, and FTS5
/// merges in one shard at a time), and a fixed share left one shard idle
/// while the other finished, 7% of the time at 10,000 versions. Each shard
/// takes its first file in advance (shard `k` the `k`th), so that every
/// shard gets one when there are enough.
struct Queue<'a> {
    /// (language, index into the files), sorted.
    order: &'a [(Option<String>, usize)],
    /// The next place in `order` to hand out.
    next: AtomicUsize,
}

impl Queue<'_> {
    fn take(&self) -> Option<&(Option<String>, usize)> {
        self.order.get(self.next.fetch_add(1, Ordering::Relaxed))
    }
}

/// One shard's part of [`index_files`], in one transaction of its own: the
/// files it takes from `queue` (the first at place `k`, its number), under the
/// ids `id`, `id + SHARDS`, and so on (ids rise within a shard, and each
/// names its shard); then their ids in `indexed` (an insert into a table
/// with a key makes FTS5 flush first, so it comes last).
fn write_shard<S: AsRef<str>>(
    shard: &mut Connection,
    mut id: i64,
    k: usize,
    queue: &Queue,
    files: &[(String, &[S])],
) -> Result<Vec<Indexed>> {
    let tx = shard.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut taken = Vec::new();
    {
        let mut insert =
            tx.prepare_cached("INSERT INTO search_index (rowid, text) VALUES (?1, ?2)")?;
        let mut flush =
            tx.prepare_cached("INSERT INTO search_index (search_index) VALUES ('flush')")?;
        let mut last_language = None;
        let mut next = queue.order.get(k);
        while let Some((language, i)) = next {
            if last_language.is_some_and(|last| last != language) {
                flush.execute([])?;
            }
            last_language = Some(language);
            let prepared = prepare(files[*i].1);
            insert.execute(rusqlite::params![id, prepared.tokens])?;
            taken.push(Indexed {
                id,
                file: *i,
                sketch: prepared.sketch,
            });
            id += SHARDS as i64;
            next = queue.take();
        }
        let mut indexed = tx.prepare_cached("INSERT INTO indexed (id) VALUES (?1)")?;
        for t in &taken {
            indexed.execute([t.id])?;
        }
    }
    tx.commit()?;
    Ok(taken)
}

/// Indexes every rendition with text that the index lacks (after migration
/// 5, or if anything stored one without indexing it); returns how many.
pub(crate) fn catch_up(conn: &mut Connection, shards: &mut Shards) -> Result<usize> {
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
    // By batches, as sync stores them (see `crate::cache::TEXT_BATCH_BYTES`).
    let mut rest = missing.as_slice();
    while !rest.is_empty() {
        let (mut texts, mut bytes) = (Vec::new(), 0);
        for sha in rest {
            if text_batch_is_full(bytes, texts.len()) {
                break;
            }
            let pages: Vec<String> = tx
                .prepare_cached("SELECT text FROM rendition_pages WHERE sha256 = ?1 ORDER BY page")?
                .query_map([sha], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            bytes += pages.iter().map(String::len).sum::<usize>();
            texts.push(pages);
        }
        let (batch, after) = rest.split_at(texts.len());
        rest = after;
        let files: Vec<(String, &[String])> = batch
            .iter()
            .cloned()
            .zip(texts.iter().map(Vec::as_slice))
            .collect();
        index_files(&tx, shards, &files, || Ok(()))?;
    }
    tx.commit()?;
    tracing::info!(files = missing.len(), "search index caught up");
    Ok(missing.len())
}
