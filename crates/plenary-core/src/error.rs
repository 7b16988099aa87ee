//! Errors of the core. Each carries a stable [`ErrorCode`] so that the UI, the
//! CLI and (later) HTTP routes can branch on what happened without parsing
//! messages, and a message written for the person who has to act on it.

use std::path::PathBuf;

use serde::Serialize;

use crate::model::Sha256;

/// Input that does not satisfy the model's rules (an identifier, a language,
/// a symbol, a date).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}: {why}")]
pub struct InvalidInput {
    pub what: &'static str,
    pub why: String,
}

impl InvalidInput {
    pub fn new(what: &'static str, why: impl Into<String>) -> Self {
        InvalidInput {
            what,
            why: why.into(),
        }
    }
}

/// What went wrong, in a form a program can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    NotFound,
    /// The cache was written by a newer Plenary.
    CacheTooNew,
    /// The file is not a Plenary cache at all.
    NotACache,
    /// Another Plenary process holds the cache.
    CacheLocked,
    /// A stored file no longer matches its checksum; it was quarantined.
    BlobCorrupt,
    /// The file is referenced but not downloaded (yet).
    BlobMissing,
    DiskFull,
    Io,
    Database,
    /// Sync: no connection to the server could be made.
    Offline,
    /// Sync: the server was reached but did not serve (5xx, stalls, cut responses).
    ServerUnreachable,
    /// Sync: the server did not accept the access token (401/403).
    AccessRefused,
    /// Sync: the server refused a request (another 4xx).
    ServerRefused,
    /// Sync: a downloaded file failed its checksum and was discarded.
    DownloadCorrupt,
    /// Sync: the server sent something that is not what the API promises.
    Protocol,
    /// Sync: cancelled by the user.
    Cancelled,
    /// Anchoring: a Web Annotation document that is not valid W3C JSON-LD
    /// (or not JSON), or whose text selectors do not fit the text.
    InvalidAnnotation,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),

    #[error("{what} {id:?} is not in the cache")]
    NotFound { what: &'static str, id: String },

    #[error(
        "the cache at {path} was written by a newer version of Plenary (cache format {found}; this \
         version understands up to {supported}). Update Plenary, or start it with another cache \
         folder (--cache-dir or PLENARY_CACHE_DIR)."
    )]
    CacheTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("{path} is not a Plenary cache (application id {found:#x}); nothing in it was changed")]
    NotACache { path: PathBuf, found: i64 },

    #[error(
        "the file {sha256} in the cache is damaged (its content no longer matches its checksum); \
         it was moved aside to {quarantined} and will be downloaded again"
    )]
    BlobCorrupt {
        sha256: Sha256,
        quarantined: PathBuf,
    },

    #[error("the file {sha256} has not been downloaded to this computer yet")]
    BlobMissing { sha256: Sha256 },

    #[error("the bytes given for {expected} hash to {actual}; refusing to store them")]
    HashMismatch { expected: Sha256, actual: Sha256 },

    #[error("the disk holding the cache is full ({context}); free some space and try again")]
    DiskFull { context: String },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("cache database: {0}")]
    Database(#[from] rusqlite::Error),

    #[error("not a valid W3C Web Annotation ({at}): {reason}")]
    InvalidAnnotation { at: String, reason: String },
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput(_) | Error::HashMismatch { .. } => ErrorCode::InvalidInput,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::CacheTooNew { .. } => ErrorCode::CacheTooNew,
            Error::NotACache { .. } => ErrorCode::NotACache,
            Error::BlobCorrupt { .. } => ErrorCode::BlobCorrupt,
            Error::BlobMissing { .. } => ErrorCode::BlobMissing,
            Error::DiskFull { .. } => ErrorCode::DiskFull,
            Error::Io { .. } => ErrorCode::Io,
            Error::Database(e) if is_busy(e) => ErrorCode::CacheLocked,
            Error::Database(e) if is_full(e) => ErrorCode::DiskFull,
            Error::Database(_) => ErrorCode::Database,
            Error::InvalidAnnotation { .. } => ErrorCode::InvalidAnnotation,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        let context = context.into();
        // ENOSPC and EDQUOT: tell the user what to do rather than an errno.
        if matches!(source.raw_os_error(), Some(28) | Some(122)) {
            return Error::DiskFull { context };
        }
        Error::Io { context, source }
    }

    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn is_full(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DiskFull))
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
