//! Opening a Plenary SQLite database and bringing its schema up to date. The
//! client's cache and the server's database both open through here, so both
//! follow the same rules.
//!
//! Architecture invariant: migrations are append-only. Each entry of
//! [`Schema::migrations`] is applied once, in order, and `PRAGMA user_version`
//! records how many have been. All pending migrations run in one transaction,
//! so a crash mid-upgrade leaves the previous schema intact. A database whose
//! version is above the number of migrations was written by a newer Plenary
//! and is refused untouched.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};

/// What a database is: its `PRAGMA application_id` (so we never write into
/// some other program's SQLite file) and its migrations.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub application_id: i64,
    /// In order. Append only; never edit or remove one.
    pub migrations: &'static [&'static str],
}

impl Schema {
    /// The schema version this build writes.
    pub fn latest_version(&self) -> i64 {
        self.migrations.len() as i64
    }
}

/// Opens (creating if needed) the database at `path`, applies the
/// connection settings and pending migrations.
pub fn open(path: &Path, schema: &Schema) -> Result<Connection> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    check_identity(&conn, path, schema)?;
    // WAL: readers never block the writer, and a crash never corrupts the file.
    // synchronous=FULL: a committed transaction survives power loss, not just a
    // process crash; notes on negotiating positions are worth an fsync.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&mut conn, path, schema)?;
    Ok(conn)
}

/// Refuses a file that is not SQLite or not ours before anything is written to it.
fn check_identity(conn: &Connection, path: &Path, schema: &Schema) -> Result<()> {
    let app_id: i64 = match conn.pragma_query_value(None, "application_id", |r| r.get(0)) {
        Ok(id) => id,
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            return Err(Error::NotACache {
                path: path.to_owned(),
                found: -1,
            });
        }
        Err(e) => return Err(e.into()),
    };
    if app_id == schema.application_id {
        return Ok(());
    }
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if app_id == 0 && tables == 0 {
        return Ok(()); // a new, empty file: ours to initialise
    }
    Err(Error::NotACache {
        path: path.to_owned(),
        found: app_id,
    })
}

fn migrate(conn: &mut Connection, path: &Path, schema: &Schema) -> Result<()> {
    let latest = schema.latest_version();
    let current = user_version(conn)?;
    if current > latest {
        return Err(Error::CacheTooNew {
            path: path.to_owned(),
            found: current,
            supported: latest,
        });
    }
    if current == latest {
        return Ok(());
    }
    // IMMEDIATE: take the write lock first, so two processes opening a new
    // database at once do not both try to migrate it.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = user_version(&tx)?; // re-read under the lock
    for (index, sql) in schema
        .migrations
        .iter()
        .enumerate()
        .skip(current.max(0) as usize)
    {
        tx.execute_batch(sql).map_err(|e| {
            tracing::error!(migration = index + 1, error = %e, "migration failed");
            e
        })?;
    }
    tx.pragma_update(None, "user_version", latest)?;
    tx.pragma_update(None, "application_id", schema.application_id)?;
    tx.commit()?;
    tracing::info!(from = current, to = latest, "schema migrated");
    Ok(())
}

/// A file SQLite keeps beside the database at `path`: `suffix` is "" (the
/// database itself), "-wal" or "-shm".
pub fn companion(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

pub fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// How many pages (4 KiB each) a database's WAL may hold before the
/// connection that commits writes them back into the database file itself,
/// for the databases that a [`Checkpointer`] keeps: 64 MB, against SQLite's
/// default of 1,000 pages. A backstop only: the checkpointer normally writes
/// the commits back during a later write's busy part, off its critical path.
pub(crate) const WAL_PAGES_BEFORE_CHECKPOINT: i64 = 16_384;

/// A connection of its own that writes a WAL database's committed pages back
/// into the database file (a passive checkpoint: it never waits for the
/// writer nor blocks it, and copies only what every reader is past).
///
/// Why: a connection that commits more than `wal_autocheckpoint` pages then
/// checkpoints before its commit returns, with two fsyncs; for the cache's
/// batches of texts that was 30 ms of each 330 ms batch during which nothing
/// else ran. A checkpointer run while the search shards index the next batch
/// (a thread that is otherwise waiting) takes it off the critical path. The
/// writer's connection keeps a backstop ([`WAL_PAGES_BEFORE_CHECKPOINT`]), so
/// the WAL stays bounded if the checkpointer falls behind or fails.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    conn: Connection,
}

impl Checkpointer {
    /// Opens a second connection to the (existing, migrated) database at
    /// `path`. Its fsyncs are those of `synchronous=FULL`, as for the cache.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(Checkpointer { conn })
    }

    /// Writes back what it can. An error costs nothing (the pages stay in
    /// the WAL, which the writer's backstop bounds): the caller logs it.
    pub(crate) fn run(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }
}

/// Makes `conn` leave its WAL to a [`Checkpointer`] up to
/// [`WAL_PAGES_BEFORE_CHECKPOINT`] pages.
pub(crate) fn defer_checkpoints(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "wal_autocheckpoint", WAL_PAGES_BEFORE_CHECKPOINT)?;
    Ok(())
}
