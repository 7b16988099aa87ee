//! The full-text index, in shard files that are written in parallel.
//!
//! Building FTS5's index is most of the work of storing a text, and SQLite
//! lets one connection at a time write a database file: with the index in
//! the cache database, one core indexed while the other idled. So the index
//! lives in [`SHARDS`] files of its own beside it (`search-0.sqlite3`, ...),
//! each with its own connection, written by its own thread; a file's entry
//! is in shard `id % SHARDS`, where `id` is its row in the cache database's
//! `search_files`. A query asks every shard and puts their rows together.
//!
//! Architecture invariant: the cache database is the truth, the shards a
//! derived index that can always be rebuilt from it; a query sees a shard's
//! entry only if `search_files` has its id (the catalog maps ids to
//! versions), so an entry the cache database does not have is never shown.
//! * Each shard commits its part of a write on its own thread, as soon as it
//!   is written, before the cache database's transaction commits (which
//!   may still fail). So a shard may hold ids the cache database never
//!   committed: ids are therefore never reused (migration 12's
//!   AUTOINCREMENT, and new ids start above every id a shard holds, see
//!   [`Shards::max_id`]), so such an entry can never stand for another file.
//! * A deleted file's id waits in `search_stale` until the next write
//!   removes its entry from its shard ([`remove`]).
//! * A crash between the commits, or a shard losing its last transactions
//!   (shards use `synchronous=NORMAL`: an index is not worth an fsync per
//!   commit), leaves files without entries or entries without files;
//!   [`reconcile`] finds both when the cache is opened, and the files are
//!   indexed again. A shard file that cannot be opened (damaged, deleted,
//!   from a newer build) is made anew and everything in it indexed again.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

use crate::error::Result;
use crate::sqlite::Schema;

/// How many shard files, and writer threads. Two: every laptop has two
/// cores, and each shard adds an FTS5 lookup to every query.
pub const SHARDS: usize = 2;

/// `PRAGMA application_id` of a search shard: "PLNI" in ASCII.
pub const SHARD_APPLICATION_ID: i64 = 0x504C_4E49;

/// A shard's migrations. Append only; never edit or remove one.
pub const SHARD_MIGRATIONS: &[&str] = &[include_str!("migrations/shard_0001_index.sql")];

pub const SHARD_SCHEMA: Schema = Schema {
    application_id: SHARD_APPLICATION_ID,
    migrations: SHARD_MIGRATIONS,
};

/// The file of shard `k` in a cache folder.
pub fn shard_path(cache_dir: &Path, k: usize) -> PathBuf {
    cache_dir.join(format!("search-{k}.sqlite3"))
}

/// The shard that holds the entry of `search_files` row `id`.
pub(crate) fn shard_of(id: i64) -> usize {
    id.rem_euclid(SHARDS as i64) as usize
}

/// The open shards of one cache. Each connection is behind a mutex so that
/// a query can ask the shards at once, each on a thread ([`Shards::each`]);
/// writers, holding `&mut Shards`, never wait on it.
#[derive(Debug)]
pub struct Shards {
    conns: Vec<Mutex<Connection>>,
}

impl Shards {
    /// Opens the shards in `cache_dir`, making anew any that cannot be
    /// opened (its entries are indexed again by [`reconcile`]).
    pub(crate) fn open(cache_dir: &Path) -> Result<Shards> {
        let conns = (0..SHARDS)
            .map(|k| open_shard(&shard_path(cache_dir, k)).map(Mutex::new))
            .collect::<Result<Vec<_>>>()?;
        Ok(Shards { conns })
    }

    /// Shard `k`'s connection.
    pub(crate) fn lock(&self, k: usize) -> MutexGuard<'_, Connection> {
        self.conns[k].lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on every shard at once (one on this thread, the others on
    /// threads of their own); its results in shard order. A query over two
    /// shards thus takes about as long as over one holding half the files.
    pub(crate) fn each<R: Send>(&self, f: impl Fn(&Connection) -> R + Sync) -> Vec<R> {
        let f = &f;
        std::thread::scope(|scope| {
            let others: Vec<_> = (1..self.conns.len())
                .map(|k| scope.spawn(move || f(&self.lock(k))))
                .collect();
            let mut results = vec![f(&self.lock(0))];
            results.extend(
                others
                    .into_iter()
                    .map(|h| h.join().expect("a search shard's query panicked")),
            );
            results
        })
    }

    pub(crate) fn conns_mut(&mut self) -> Vec<&mut Connection> {
        self.conns
            .iter_mut()
            .map(|m| m.get_mut().unwrap_or_else(PoisonError::into_inner))
            .collect()
    }

    /// The highest id any shard holds (0 if none): new ids start above it.
    pub(crate) fn max_id(&self) -> Result<i64> {
        let mut max = 0;
        for k in 0..self.conns.len() {
            let id: Option<i64> =
                self.lock(k)
                    .query_row("SELECT max(id) FROM indexed", [], |r| r.get(0))?;
            max = max.max(id.unwrap_or(0));
        }
        Ok(max)
    }
}

fn open_shard(path: &Path) -> Result<Connection> {
    let open = |path: &Path| -> Result<Connection> {
        let conn = crate::sqlite::open(path, &SHARD_SCHEMA)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A checkpointer writes the shard back while texts are indexed
        // (`Cache::put_texts`), off the writer thread.
        crate::sqlite::defer_checkpoints(&conn)?;
        // Read the schema now, so that a damaged file shows here.
        conn.query_row("SELECT count(*) FROM indexed", [], |r| r.get::<_, i64>(0))?;
        Ok(conn)
    };
    match open(path) {
        Ok(conn) => Ok(conn),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "search shard unusable; making it anew");
            for suffix in ["", "-wal", "-shm"] {
                match std::fs::remove_file(crate::sqlite::companion(path, suffix)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(crate::error::Error::io(
                            format!("removing the damaged search shard {}", path.display()),
                            e,
                        ));
                    }
                }
            }
            open(path)
        }
    }
}

/// Removes the entries of deleted files (`ids`) from the shards, each
/// shard in one transaction. An id a shard does not hold is skipped.
pub(crate) fn remove(shards: &mut Shards, ids: &[i64]) -> Result<()> {
    for (k, conn) in shards.conns_mut().into_iter().enumerate() {
        let mine: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|&id| shard_of(id) == k)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for id in mine {
            if tx.execute("DELETE FROM indexed WHERE id = ?1", [id])? == 1 {
                tx.execute("DELETE FROM search_index WHERE rowid = ?1", [id])?;
            }
        }
        tx.commit()?;
    }
    Ok(())
}

/// The ids the shards hold that the cache database does not (`extra`), and
/// the ones it has that no shard holds (`missing`).
fn compare(conn: &Connection, shards: &Shards) -> Result<(Vec<i64>, Vec<i64>)> {
    let known: HashSet<i64> = conn
        .prepare("SELECT id FROM search_files")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut held = HashSet::with_capacity(known.len());
    let mut extra = Vec::new();
    for k in 0..shards.conns.len() {
        let shard = shards.lock(k);
        let mut stmt = shard.prepare("SELECT id FROM indexed")?;
        for id in stmt.query_map([], |r| r.get::<_, i64>(0))? {
            let id = id?;
            if known.contains(&id) {
                held.insert(id);
            } else {
                extra.push(id);
            }
        }
    }
    let missing = known.difference(&held).copied().collect();
    Ok((extra, missing))
}

/// Makes the shards agree with the cache database (at open): entries of
/// files it does not have go; its files whose entries are missing (a crash
/// between commits, a shard made anew) lose their `search_files` row, for
/// `catch_up` to index them again. Returns how many of each.
pub(crate) fn reconcile(conn: &mut Connection, shards: &mut Shards) -> Result<(usize, usize)> {
    // Read first, without the write lock (another process may be syncing
    // for a while): most opens find nothing to do.
    let (extra, missing) = compare(conn, shards)?;
    let stale: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM search_stale)", [], |r| {
        r.get(0)
    })?;
    if extra.is_empty() && missing.is_empty() && !stale {
        return Ok((0, 0));
    }
    // Again under the lock: what another process was writing is done.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let (extra, missing) = compare(&tx, shards)?;
    remove(shards, &extra)?;
    {
        let mut delete = tx.prepare("DELETE FROM search_files WHERE id = ?1")?;
        for id in &missing {
            delete.execute([id])?;
        }
    }
    // Every stale id is gone from the shards now (`extra` had them all).
    tx.execute("DELETE FROM search_stale", [])?;
    tx.commit()?;
    if !extra.is_empty() || !missing.is_empty() {
        tracing::info!(
            removed = extra.len(),
            reindexed = missing.len(),
            "search shards reconciled"
        );
    }
    Ok((extra.len(), missing.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_keeps_entries_in_memory_and_merges_sixteen_segments_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let shards = Shards::open(dir.path()).unwrap();
        assert_eq!(shards.conns.len(), SHARDS);
        for k in 0..SHARDS {
            let conn = shards.lock(k);
            let config = |k: &str| -> i64 {
                conn.query_row("SELECT v FROM search_index_config WHERE k = ?1", [k], |r| {
                    r.get(0)
                })
                .unwrap()
            };
            assert_eq!(config("hashsize"), 64 << 20);
            assert_eq!(config("automerge"), 16);
            let id: i64 = conn
                .pragma_query_value(None, "application_id", |r| r.get(0))
                .unwrap();
            assert_eq!(id, SHARD_APPLICATION_ID);
        }
    }

    #[test]
    fn sqlite_is_built_without_memory_statistics() {
        let conn = Connection::open_in_memory().unwrap();
        let options: Vec<String> = conn
            .prepare("PRAGMA compile_options")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "SQLite must be built with .cargo/config.toml's LIBSQLITE3_FLAGS: with memory \
             statistics on, the shards' writer threads queue on one mutex ({options:?})"
        );
    }

    #[test]
    fn ids_go_to_shards_by_remainder() {
        assert_eq!((shard_of(1), shard_of(2), shard_of(3)), (1, 0, 1));
        assert_eq!(shard_of(-3), 1, "never out of range");
    }

    /// Append-only, enforced (as for the cache's migrations).
    #[test]
    fn released_shard_migrations_are_never_edited() {
        const PINNED: &[&str] =
            &["440e5a4e683437fa355885185f83d75d71db2df22881e7aa162008ee3647da8d"];
        let actual: Vec<String> = SHARD_MIGRATIONS
            .iter()
            .map(|sql| crate::model::Sha256::of(sql.as_bytes()).to_hex())
            .collect();
        assert_eq!(
            actual, PINNED,
            "a released shard migration was edited; add a new one instead"
        );
    }
}
