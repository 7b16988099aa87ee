//! The cache database's schema. Opening and migrating follow the shared
//! rules in [`crate::sqlite`].

use std::path::Path;

use rusqlite::Connection;

use crate::error::Result;
use crate::sqlite::Schema;
pub use crate::sqlite::user_version;

/// `PRAGMA application_id` of a Plenary cache: "PLNY" in ASCII.
pub const APPLICATION_ID: i64 = 0x504C_4E59;

/// The migrations, in order. Append only; never edit or remove one.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_sync_state.sql"),
    include_str!("migrations/0003_renditions.sql"),
    include_str!("migrations/0004_docx_versions.sql"),
    include_str!("migrations/0005_search.sql"),
    include_str!("migrations/0006_freshness.sql"),
    include_str!("migrations/0007_annotations.sql"),
    include_str!("migrations/0008_shared_notes.sql"),
    include_str!("migrations/0009_han_characters.sql"),
    include_str!("migrations/0010_search_automerge.sql"),
    include_str!("migrations/0011_previews.sql"),
    include_str!("migrations/0012_search_shards.sql"),
];

pub const SCHEMA: Schema = Schema {
    application_id: APPLICATION_ID,
    migrations: MIGRATIONS,
};

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    SCHEMA.latest_version()
}

/// Opens (creating if needed) the cache database at `path`.
pub fn open(path: &Path) -> Result<Connection> {
    crate::sqlite::open(path, &SCHEMA)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use rusqlite::Connection;

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
            conn.execute_batch("CREATE TABLE from_the_future(x)")
                .unwrap();
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
            // A cache written by the build before the newest migration.
            let older = Schema {
                application_id: APPLICATION_ID,
                migrations: &MIGRATIONS[..MIGRATIONS.len() - 1],
            };
            let conn = crate::sqlite::open(&path, &older).unwrap();
            assert_eq!(user_version(&conn).unwrap(), latest_version() - 1);
            conn.execute(
                "INSERT INTO meetings VALUES ('m','T','B','V','C','2024-09-10','2024-09-13',NULL)",
                [],
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest_version());
        let n: i64 = conn
            .query_row("SELECT count(*) FROM meetings", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "upgrading keeps every row");
    }

    #[test]
    fn migration_4_keeps_versions_and_accepts_word_documents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let sha = "a".repeat(64);
        {
            let three = Schema {
                application_id: APPLICATION_ID,
                migrations: &MIGRATIONS[..3],
            };
            let conn = crate::sqlite::open(&path, &three).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO meetings VALUES ('m','T','B','V','C','2024-09-10','2024-09-13',NULL);
                 INSERT INTO documents (id, meeting_id, title, kind) VALUES ('d','m','Doc','draft');
                 INSERT INTO versions VALUES ('v0','d','en',0,'Original','2024-09-10T10:00:00Z','{sha}',3,'application/pdf','d.pdf');"
            ))
            .unwrap();
            let docx = conn.execute(
                &format!("INSERT INTO versions VALUES ('v1','d','en',1,'Rev.1','2024-09-11T10:00:00Z','{sha}',3,'application/vnd.openxmlformats-officedocument.wordprocessingml.document','d.docx')"),
                [],
            );
            assert!(
                docx.is_err(),
                "before migration 4 the cache refused Word files"
            );
        }
        let conn = open(&path).unwrap();
        let kept: (String, String) = conn
            .query_row("SELECT id, media_type FROM versions", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(
            kept,
            ("v0".into(), "application/pdf".into()),
            "rows survive the rebuild"
        );
        // Columns named: later migrations add columns to `versions`.
        conn.execute(
            &format!("INSERT INTO versions (id, document_id, language, revision, label, published_at, sha256, size, media_type, file_name) VALUES ('v1','d','en',1,'Rev.1','2024-09-11T10:00:00Z','{sha}',3,'application/vnd.openxmlformats-officedocument.wordprocessingml.document','d.docx')"),
            [],
        )
        .expect("a Word version is accepted after migration 4");
        let index: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'versions_by_sha256'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(index, 1, "the index is rebuilt with the table");
        conn.execute("DELETE FROM documents", []).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM versions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "the cascade from documents still holds");
    }

    #[test]
    fn a_failing_migration_rolls_back_all_pending_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let first = Schema {
            application_id: APPLICATION_ID,
            migrations: &MIGRATIONS[..1],
        };
        drop(crate::sqlite::open(&path, &first).unwrap());
        const BROKEN: &[&str] = &[
            MIGRATIONS[0],
            "CREATE TABLE added_by_two (x)",
            "CREATE TABLE meetings (x)", // fails: already exists
        ];
        let broken = Schema {
            application_id: APPLICATION_ID,
            migrations: BROKEN,
        };
        let err = crate::sqlite::open(&path, &broken).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Database, "{err}");
        let conn = Connection::open(&path).unwrap();
        assert_eq!(
            user_version(&conn).unwrap(),
            1,
            "the version stays where it was"
        );
        let added: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'added_by_two'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            added, 0,
            "migration 2 ran in the same, rolled-back transaction"
        );
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
        const PINNED: &[&str] = &[
            "041becde980c13a1a63a6b6ee8500359725b56acd0f7f6374e92d183c634952b",
            "9677b3b3798f0b1f3f6fd826b456a8b73faa7abc541957264dc1d795053a57d1",
            "b12a959e6d2c97c53a4541083148d764ac77cebb78552bce120f52a1a5c55aae",
            "d410ef53363b0cc93024769f2568f678a066981b9f1a8b40707d4fec747de47a",
            "d6ccfdcedaf800544ed32419c48fc16216e4832beb4fba841bd565a567f97e46",
            "4c5e7083e3903c124cc802f07c57f7278140dccc00d159b57d0cc2e540dd03fc",
            "99b6c04800c53250284ae3aab77dfd6e5c223d6b2b742935452f69776481032d",
            "8e50b882861177057bbd2efcc8b6bba2c14dc3b71a33c38dc36279af494b81d6",
            "086c393eaac16776eeeae431a13c8618a742d553b44959ba39b9f913b6109646",
            "46008e5e1d93a208b98875eb50b1d0996598d6da4e350bc02ee48c91017c0be6",
            "807fe438ad9a888a419fde5f372dce007e689043264a902c1f30e04d74f8700b",
            "6053ed3b8ee0f7ec82da82054217d8d02757d14cd4d8414e42aa92cbb232dfa1",
        ];
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
