//! Sync: fill the cache from a server. The planner ([`plan`]) decides what to
//! fetch; this module's executor does the I/O.
//!
//! Architecture invariant: each feed page is applied with its cursor in one
//! transaction ([`Cache::apply_page`]), and a file enters the cache only after
//! its hash is checked ([`Cache::put_blob`]). A sync interrupted at any point
//! leaves a consistent cache, and the next one continues where it stopped.

pub mod plan;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::Cache;
use crate::model::{Record, Sha256};
pub use plan::{Fetch, Languages};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the server at {server} cannot be reached; the cache is unchanged and still readable")]
    Unreachable {
        server: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the server refused ({status}, {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server sent something unexpected: {0}")]
    Protocol(String),
    #[error(transparent)]
    Cache(#[from] crate::Error),
}

#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub languages: Languages,
    pub page_size: usize,
    /// How many files to download at once.
    pub parallel: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            languages: Languages::All,
            page_size: 1000,
            parallel: 6,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub cursor: u64,
    pub pages: usize,
    pub records: usize,
    pub files_fetched: usize,
    pub bytes_fetched: u64,
    /// Files that could not be fetched or failed their hash check; the next
    /// sync tries them again.
    pub files_failed: Vec<(Sha256, String)>,
}

#[derive(Debug, Deserialize)]
struct Page {
    cursor: u64,
    more: bool,
    records: Vec<Record>,
}

#[derive(Debug, Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    server: String,
    token: Option<String>,
}

impl SyncClient {
    pub fn new(server: &str, token: Option<String>) -> Result<Self, SyncError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(SyncClient {
            http,
            server: server.trim_end_matches('/').to_owned(),
            token,
        })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    async fn get(&self, path: &str) -> Result<reqwest::Response, SyncError> {
        let mut req = self.http.get(format!("{}{path}", self.server));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.map_err(|source| SyncError::Unreachable {
            server: self.server.clone(),
            source,
        })?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        Err(SyncError::Refused {
            status,
            code: body["error"]["code"]
                .as_str()
                .unwrap_or("unknown")
                .to_owned(),
            message: body["error"]["message"]
                .as_str()
                .unwrap_or("no explanation given")
                .to_owned(),
        })
    }

    /// Pulls the feed into the cache, then fetches the files it needs.
    pub async fn sync(
        &self,
        cache: &Arc<Mutex<Cache>>,
        options: &SyncOptions,
    ) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let server = self.server.clone();
        let mut cursor = blocking(cache, {
            let server = server.clone();
            move |c| c.sync_cursor(&server)
        })
        .await?;
        let mut restarted = false;
        loop {
            let path = format!("/v1/feed?since={cursor}&limit={}", options.page_size);
            let page: Page = match self.get(&path).await {
                Ok(resp) => resp
                    .json()
                    .await
                    .map_err(|e| SyncError::Protocol(format!("feed page: {e}")))?,
                // The server was reset or restored from a backup: read it again from the start.
                Err(SyncError::Refused { code, .. })
                    if code == "cursor_from_the_future" && !restarted =>
                {
                    restarted = true;
                    let server = server.clone();
                    blocking(cache, move |c| c.reset_sync_cursor(&server)).await?;
                    cursor = 0;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let n = page.records.len();
            let server = server.clone();
            let next = page.cursor;
            blocking(cache, move |c| c.apply_page(&server, &page.records, next)).await?;
            report.pages += 1;
            report.records += n;
            cursor = next;
            if !page.more {
                break;
            }
        }
        report.cursor = cursor;

        let languages = options.languages.clone();
        let wanted = blocking(cache, move |c| {
            let versions = c.all_versions()?;
            Ok(plan::files_to_fetch(&versions, &languages, |s| {
                c.blobs().contains(s)
            }))
        })
        .await?;
        let results: Vec<(Fetch, Result<u64, String>)> = futures_util::stream::iter(wanted)
            .map(|fetch| async move {
                let result = self.fetch(cache, &fetch).await;
                (fetch, result)
            })
            .buffer_unordered(options.parallel.max(1))
            .collect()
            .await;
        for (fetch, result) in results {
            match result {
                Ok(bytes) => {
                    report.files_fetched += 1;
                    report.bytes_fetched += bytes;
                }
                Err(why) => report.files_failed.push((fetch.sha256, why)),
            }
        }
        if report.files_failed.is_empty() {
            let server = server.clone();
            blocking(cache, move |c| c.mark_synced(&server)).await?;
        }
        Ok(report)
    }

    /// Downloads one file and stores it if, and only if, its hash is right.
    async fn fetch(&self, cache: &Arc<Mutex<Cache>>, fetch: &Fetch) -> Result<u64, String> {
        let resp = self
            .get(&format!("/v1/files/{}", fetch.sha256))
            .await
            .map_err(|e| e.to_string())?;
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        let n = bytes.len() as u64;
        let sha = fetch.sha256;
        blocking(cache, move |c| c.put_blob(&sha, &bytes))
            .await
            .map_err(|e| e.to_string())?;
        Ok(n)
    }
}

/// Runs cache work on tokio's blocking pool: SQLite and fsync must not stall
/// the async runtime.
async fn blocking<T: Send + 'static>(
    cache: &Arc<Mutex<Cache>>,
    f: impl FnOnce(&mut Cache) -> crate::Result<T> + Send + 'static,
) -> Result<T, SyncError> {
    let cache = cache.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = cache.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    })
    .await
    .map_err(|e| SyncError::Protocol(format!("cache task failed: {e}")))?
    .map_err(SyncError::from)
}
