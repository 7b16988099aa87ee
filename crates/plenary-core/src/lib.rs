//! Plenary's core: everything the app does that needs no window.
//!
//! Architecture invariant: this crate knows nothing of Tauri, HTTP frameworks
//! or terminals. The desktop shell, the CLI and the server call its functions;
//! it never calls them.

pub mod anchor;
pub mod cache;
pub mod compare;
pub mod error;
pub mod model;
pub mod paths;
pub mod publish;
pub mod search;
pub mod sqlite;
pub mod sync;

pub use cache::Cache;
pub use error::{Error, ErrorCode, InvalidInput, Result};
pub use search::{SearchHit, SearchQuery, SearchResults, SnippetSegment};
