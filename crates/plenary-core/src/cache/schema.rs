//! Opening the cache database and bringing its schema up to date.
//!
//! Architecture invariant: migrations are append-only. Each entry of
//! [`MIGRATIONS`] is applied once, in order, and `PRAGMA user_version` records
//! how many have been. All pending migrations run in one transaction, so a
//! crash mid-upgrade leaves the previous schema intact. A database whose
//! version is above [`MIGRATIONS`]'s length was written by a newer Plenary and
//! is refused untouched.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};

/// `PRAGMA application_id` of a Plenary cache: "PLNY" in ASCII. Lets us refuse
/// to write into some other program's SQLite file.
pub const APPLICATION_ID: i64 = 0x504C_4E59;

/// The migrations, in order. Append only; never edit or remove one.
pub const MIGRATIONS: &[&str] = &[include_str!("migrations/0001_initial.sql")];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Opens (creating if needed) the database at `path`, applies the
/// connection settings and pending migrations.
pub fn open(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    check_identity(&conn, path)?;
    // WAL: readers never block the writer, and a crash never corrupts the file.
    // synchronous=FULL: a committed transaction survives power loss, not just a
    // process crash; notes on negotiating positions are worth an fsync.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&mut conn, path)?;
    Ok(conn)
}

/// Refuses a file that is not SQLite or not ours before anything is written to it.
fn check_identity(conn: &Connection, path: &Path) -> Result<()> {
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
    if app_id == APPLICATION_ID {
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

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let current = user_version(conn)?;
    let latest = latest_version();
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
    // cache at once do not both try to migrate it.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = user_version(&tx)?; // re-read under the lock
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        tx.execute_batch(sql).map_err(|e| {
            tracing::error!(migration = index + 1, error = %e, "migration failed");
            e
        })?;
    }
    tx.pragma_update(None, "user_version", latest)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    tracing::info!(from = current, to = latest, "cache schema migrated");
    Ok(())
}

pub fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_gets_every_migration_and_our_identity() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let conn = open(&path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest_version());
        let id: i64 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap();
        assert_eq!(id, APPLICATION_ID);
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1, "foreign keys must be enforced on every connection");
        drop(conn);
        // Reopening is a no-op.
        let conn = open(&path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest_version());
    }

    #[test]
    fn a_database_from_a_newer_plenary_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        {
            let conn = open(&path).unwrap();
            conn.pragma_update(None, "user_version", latest_version() + 3)
                .unwrap();
            conn.execute_batch("CREATE TABLE from_the_future(x)").unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = open(&path).unwrap_err();
        assert!(matches!(err, Error::CacheTooNew { found, supported, .. }
            if found == latest_version() + 3 && supported == latest_version()));
        assert_eq!(err.code(), crate::ErrorCode::CacheTooNew);
        let message = err.to_string();
        assert!(
            message.contains("newer version of Plenary") && message.contains("--cache-dir"),
            "the message must tell the user what happened and what to do: {message}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "refusing must not write"
        );
    }

    #[test]
    fn an_older_database_is_upgraded_in_place_keeping_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        {
            let conn = open(&path).unwrap();
            conn.execute(
                "INSERT INTO meetings VALUES ('m','T','B','V','C','2024-09-10','2024-09-13',NULL)",
                [],
            )
            .unwrap();
            // Pretend it was written by a build that knew one migration fewer.
            conn.pragma_update(None, "user_version", latest_version() - 1)
                .unwrap();
        }
        if latest_version() == 1 {
            // With one migration, "one fewer" means a fresh schema; re-running
            // it over existing tables must fail cleanly and change nothing.
            let err = open(&path).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::Database, "{err}");
            let conn = Connection::open(&path).unwrap();
            let n: i64 = conn
                .query_row("SELECT count(*) FROM meetings", [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 1, "a failed migration must roll back, keeping the data");
            assert_eq!(user_version(&conn).unwrap(), 0);
        } else {
            let conn = open(&path).unwrap();
            assert_eq!(user_version(&conn).unwrap(), latest_version());
            let n: i64 = conn
                .query_row("SELECT count(*) FROM meetings", [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 1);
        }
    }

    #[test]
    fn a_foreign_sqlite_file_or_garbage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.sqlite3");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE photos(id)")
            .unwrap();
        assert!(matches!(open(&other), Err(Error::NotACache { .. })));

        let garbage = dir.path().join("garbage.sqlite3");
        std::fs::write(&garbage, vec![0x42u8; 8192]).unwrap();
        let err = open(&garbage).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::NotACache, "{err}");
        assert_eq!(std::fs::read(&garbage).unwrap(), vec![0x42u8; 8192]);
    }

    /// Append-only, enforced: each released migration's text is pinned here.
    /// Adding a migration means adding its hash; changing one fails this test.
    #[test]
    fn released_migrations_are_never_edited() {
        const PINNED: &[&str] = &["041becde980c13a1a63a6b6ee8500359725b56acd0f7f6374e92d183c634952b"];
        let actual: Vec<String> = MIGRATIONS
            .iter()
            .map(|sql| crate::model::Sha256::of(sql.as_bytes()).to_hex())
            .collect();
        for (i, pinned) in PINNED.iter().enumerate() {
            assert_eq!(
                actual.get(i).map(String::as_str),
                Some(*pinned),
                "migration {} was edited after release; add a new migration instead",
                i + 1
            );
        }
        assert_eq!(
            actual.len(),
            PINNED.len(),
            "pin the hash of every new migration here: {actual:?}"
        );
    }
}
