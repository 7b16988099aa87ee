//! Where the server keeps what was published. Behind a trait so that a
//! deployment that outgrows one machine can swap SQLite for PostgreSQL and the
//! folder for S3-compatible object storage; `tests/story.rs` runs one story
//! against every backend.
//!
//! Architecture invariant: the change feed is referentially complete. A client
//! that applies the pages of the feed in order, each page in one transaction,
//! never receives a record whose meeting, agenda item or document it has not
//! received in that page or an earlier one, and deleting a parent deletes (or
//! detaches) its children in the same change, so no live record ever points
//! at a tombstone.

pub mod files;
pub mod sqlite;

use async_trait::async_trait;
use plenary_core::model::{MediaType, Record, Sha256};
use plenary_core::sync::notes::{Group, NoteWrite, NotesPage, SharedNote};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use files::{FileStore, LocalFiles};
pub use sqlite::SqliteStore;

/// What a token may do. Ordered: each role can do what the ones below can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Reader,
    Annotator,
    Staff,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Annotator => "annotator",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "reader" => Ok(Role::Reader),
            "annotator" => Ok(Role::Annotator),
            "staff" => Ok(Role::Staff),
            "admin" => Ok(Role::Admin),
            _ => Err(format!(
                "{s:?} is not a role (reader, annotator, staff, admin)"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub role: Role,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    Token(TokenInfo),
}

impl Viewer {
    pub fn role(&self) -> Option<Role> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Token(t) => Some(t.role),
        }
    }

    pub fn token_id(&self) -> Option<&str> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Token(t) => Some(&t.id),
        }
    }

    /// Staff and admins see every meeting; others see public meetings and the
    /// restricted ones they are members of.
    pub fn sees_everything(&self) -> bool {
        self.role().is_some_and(|r| r >= Role::Staff)
    }
}

/// One page of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPage {
    /// Send this back as `since` to get what follows.
    pub cursor: u64,
    /// Whether more changes follow this page right now.
    pub more: bool,
    pub records: Vec<Record>,
    /// The head of the shared notes feed, so that a client learns in the
    /// same request whether its team's notes moved (set by the route).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<u64>,
}

/// What became of a note write.
#[derive(Debug, Clone, PartialEq)]
pub enum NoteWritten {
    Saved(SharedNote),
    /// The write was based on an older revision: here is the newest, to
    /// merge with and send again. Nothing was written.
    Conflict(SharedNote),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileMeta {
    pub sha256: Sha256,
    pub size: u64,
    pub media_type: MediaType,
}

/// The text of a file, page by page, as extracted at publication: the
/// client's type, so what the server sends is what the client reads.
pub use plenary_core::cache::Rendition;

/// A picture of a PDF's first page (`extract::pdf_preview`): the client's
/// type, so what the server stores is what the client checks.
pub use plenary_core::cache::Preview;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Invalid(String),
    /// The caller may not do this (not a member of the group, ...).
    #[error("{0}")]
    Forbidden(String),
    #[error("{what} {id:?} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("cursor {cursor} is ahead of the feed (which is at {head}); start again from 0")]
    CursorFromTheFuture { cursor: u64, head: u64 },
    #[error(transparent)]
    Core(#[from] plenary_core::Error),
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("storage task failed: {0}")]
    Task(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Metadata, the change feed, tokens and access.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The cursor of the newest change (0 for an empty feed).
    async fn head(&self) -> StoreResult<u64>;

    /// Changes after `since`, at most about `limit` records, that `viewer` may see.
    async fn feed(&self, since: u64, limit: usize, viewer: &Viewer) -> StoreResult<FeedPage>;

    /// Validates and applies a batch atomically; returns the new head.
    /// Records may come in any order; references must resolve within the
    /// batch or the store; versions must refer to files already received.
    async fn publish(&self, records: Vec<Record>) -> StoreResult<u64>;

    /// The live record of an entity, if any (`kind` as in tombstones: "document", ...).
    async fn record(&self, kind: &'static str, id: &str) -> StoreResult<Option<Record>>;

    /// The live versions of a document, in any order.
    async fn versions(&self, document_id: &str) -> StoreResult<Vec<plenary_core::model::Version>>;

    async fn add_file(&self, meta: FileMeta) -> StoreResult<()>;
    async fn file(&self, sha256: Sha256) -> StoreResult<Option<FileMeta>>;
    /// Whether `viewer` may read this file: it belongs to a version they can see.
    async fn file_visible(&self, sha256: Sha256, viewer: &Viewer) -> StoreResult<bool>;
    async fn set_rendition(&self, sha256: Sha256, rendition: Rendition) -> StoreResult<()>;
    async fn rendition(&self, sha256: Sha256) -> StoreResult<Option<Rendition>>;
    /// Records a file's preview, or why it has none (so it is not tried again).
    async fn set_preview(
        &self,
        sha256: Sha256,
        preview: Result<Preview, String>,
    ) -> StoreResult<()>;
    async fn preview(&self, sha256: Sha256) -> StoreResult<Option<Preview>>;
    /// PDFs for which no preview was tried yet (published before previews existed).
    async fn pdfs_without_preview(&self) -> StoreResult<Vec<Sha256>>;

    /// Creates a token; returns its info and the secret (shown once, stored only hashed).
    async fn create_token(
        &self,
        role: Role,
        name: &str,
        expires_at: Option<OffsetDateTime>,
    ) -> StoreResult<(TokenInfo, String)>;
    /// The token with this secret, if it exists, whether or not it is still valid.
    async fn token_by_secret(&self, secret: &str) -> StoreResult<Option<TokenInfo>>;
    async fn revoke_token(&self, id: &str) -> StoreResult<()>;
    async fn tokens(&self) -> StoreResult<Vec<TokenInfo>>;

    /// Makes a meeting public (`members` None) or restricted to these token ids.
    async fn set_meeting_access(
        &self,
        meeting_id: &str,
        members: Option<Vec<String>>,
    ) -> StoreResult<()>;

    /// Creates or renames a group and sets its members (token ids). New
    /// members receive the group's notes at their next sync.
    async fn set_group(&self, id: &str, name: &str, members: Vec<String>) -> StoreResult<()>;
    /// Every group (`None`), or the groups a token belongs to.
    async fn groups(&self, member: Option<&str>) -> StoreResult<Vec<Group>>;
    /// The head of the shared notes feed.
    async fn notes_head(&self) -> StoreResult<u64>;
    /// Writes a shared note if `by` is a member of its group and may see its
    /// meeting, and the write is based on the newest revision.
    async fn write_note(
        &self,
        id: &str,
        write: NoteWrite,
        by: &TokenInfo,
    ) -> StoreResult<NoteWritten>;
    /// Withdraws a note from its group (its members' copies go too).
    async fn withdraw_note(&self, group: &str, id: &str, by: &TokenInfo) -> StoreResult<u64>;
    /// Shared notes changed after `since` in the groups of `viewer`.
    async fn notes(&self, since: u64, limit: usize, viewer: &TokenInfo) -> StoreResult<NotesPage>;
}

/// The SHA-256 of a token secret, as stored.
pub fn token_hash(secret: &str) -> String {
    Sha256::of(secret.as_bytes()).to_hex()
}
