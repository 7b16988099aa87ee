//! Sync: fill the cache from a server. The planner ([`plan`]) decides what to
//! fetch; this module's executor does the I/O; [`live`] keeps doing it.
//!
//! A sync has three phases: the **feed** (metadata, page by page), the
//! **files** the user keeps offline ([`crate::Cache::keep`]), streamed,
//! resumable and verified ([`download`]) and placed in the blob store as each
//! is verified ([`BlobStore::place_partial`]; the folders fsynced once at the
//! end), and their **texts** (renditions,
//! for search), each fetched as soon as its file is stored, alongside the
//! downloads. Every request is retried with backoff ([`http`]).
//!
//! Architecture invariants:
//! - each feed page is applied with its cursor in one transaction
//!   ([`Cache::apply_page`]): a crash never skips or repeats a page;
//! - a file enters the cache only after its hash is checked, and a partial
//!   download never sits at a final path (`blobs/partial/` until committed);
//! - a sync interrupted at any point (cancelled, cut off, killed) leaves a
//!   consistent cache, and the next one continues where it stopped.

pub mod download;
pub mod http;
pub mod live;
pub mod notes;
pub mod plan;
pub mod progress;
pub mod text;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::cache::{BlobStore, Preview, Rendition};
use crate::model::{Record, Sha256};
use crate::{Cache, ErrorCode};
pub use http::RetryPolicy;
pub use live::{Connection, LiveSync, SyncStatus};
pub use plan::{Fetch, Keep, Languages, Meetings};
use progress::Progress;
pub use progress::{SyncPhase, SyncProgress};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No connection could be made: no network, DNS failure, connection refused.
    #[error(
        "Plenary cannot connect to the server at {server} ({detail}). Check that this computer \
         is online; your documents stay readable offline, and Plenary will try again by itself."
    )]
    Offline { server: String, detail: String },
    /// The server was reached but did not serve (5xx, stalled or cut responses).
    #[error(
        "the server at {server} is not answering properly ({detail}). Your documents stay \
         readable offline; Plenary will try again by itself. If this lasts, tell the secretariat."
    )]
    Unreachable { server: String, detail: String },
    /// The server answered a 4xx: it will not serve this (token, permission, missing).
    #[error("the server refused ({status}, {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// A downloaded file did not match its checksum; it was discarded.
    #[error(
        "the server sent a damaged copy of file {sha256} ({detail}); it was discarded and will \
         be downloaded again"
    )]
    Corrupt { sha256: Sha256, detail: String },
    #[error("the server sent something unexpected: {0}")]
    Protocol(String),
    #[error("the sync was cancelled; it will resume where it stopped")]
    Cancelled,
    /// A shared note was changed on the server since this computer last saw
    /// it: here is the server's copy, to merge with and send again.
    #[error("note {} was changed by {} meanwhile", .0.id, .0.editor)]
    Conflict(Box<notes::SharedNote>),
    #[error(transparent)]
    Cache(#[from] crate::Error),
}

impl SyncError {
    pub fn code(&self) -> ErrorCode {
        match self {
            SyncError::Offline { .. } => ErrorCode::Offline,
            SyncError::Unreachable { .. } => ErrorCode::ServerUnreachable,
            SyncError::Refused { status: 401, .. } | SyncError::Refused { status: 403, .. } => {
                ErrorCode::AccessRefused
            }
            SyncError::Refused { .. } => ErrorCode::ServerRefused,
            SyncError::Corrupt { .. } => ErrorCode::DownloadCorrupt,
            SyncError::Protocol(_) => ErrorCode::Protocol,
            SyncError::Cancelled => ErrorCode::Cancelled,
            SyncError::Conflict(_) => ErrorCode::Protocol,
            SyncError::Cache(e) => e.code(),
        }
    }

    /// What the connection looks like after this error.
    pub fn connection(&self) -> Option<Connection> {
        match self {
            SyncError::Offline { .. } => Some(Connection::Offline),
            SyncError::Unreachable { .. } | SyncError::Protocol(_) => Some(Connection::Unreachable),
            SyncError::Refused {
                status: 401 | 403,
                code,
                ..
            } => Some(Connection::Refused(code.clone())),
            SyncError::Refused { .. } | SyncError::Corrupt { .. } | SyncError::Conflict(_) => {
                Some(Connection::Online)
            }
            SyncError::Cancelled | SyncError::Cache(_) => None,
        }
    }

    /// A sentence for the delegate: what happened and what to do.
    pub fn for_people(&self) -> String {
        match self {
            SyncError::Refused {
                status: 401 | 403,
                message,
                ..
            } => format!(
                "The server did not accept this computer's access token: {message}. Ask the \
                 secretariat for a token and enter it in the settings."
            ),
            other => {
                let text = other.to_string();
                let mut chars = text.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => text,
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// What to keep offline; `None` uses the cache's settings ([`Cache::keep`]).
    pub keep: Option<Keep>,
    pub page_size: usize,
    /// How many files to download at once.
    pub parallel: usize,
    pub retry: RetryPolicy,
    /// A response that sends nothing for this long is treated as stalled.
    pub read_timeout: Duration,
    /// Whether to fetch the text renditions of kept files.
    pub texts: bool,
    /// [`LiveSync`]: how often to poll while live events are unavailable.
    pub poll_interval: Duration,
    /// [`LiveSync`]: longest wait between reconnection attempts.
    pub max_reconnect_delay: Duration,
    /// [`LiveSync`]: an event stream silent this long is dead (the server
    /// sends a heartbeat every 15 s), e.g. after the laptop slept.
    pub events_idle_timeout: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            keep: None,
            page_size: 1000,
            parallel: 6,
            retry: RetryPolicy::default(),
            read_timeout: Duration::from_secs(30),
            texts: true,
            poll_interval: Duration::from_secs(60),
            max_reconnect_delay: Duration::from_secs(60),
            events_idle_timeout: Duration::from_secs(45),
        }
    }
}

/// How a running sync is observed and stopped.
#[derive(Debug, Clone, Default)]
pub struct SyncControl {
    /// Cancels the sync; partial downloads stay for the next one to resume.
    pub cancel: CancellationToken,
    pub progress: Option<watch::Sender<SyncProgress>>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub cursor: u64,
    pub pages: usize,
    pub records: usize,
    pub files_fetched: usize,
    /// Bytes of files received over the network (a resumed download counts
    /// only what it received; a retried one counts every try).
    pub bytes_fetched: u64,
    /// Files that could not be fetched or failed their hash check; the next
    /// sync tries them again.
    pub files_failed: Vec<(Sha256, String)>,
    pub texts_fetched: usize,
    /// Texts the server has not extracted yet (asked again next sync).
    pub texts_pending: usize,
    /// Shared notes pushed and pulled, when there was anything to do.
    pub notes: Option<notes::NotesReport>,
    /// Why shared notes could not be synced (the rest of the sync went on).
    pub notes_error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Page {
    cursor: u64,
    more: bool,
    records: Vec<Record>,
    /// The head of the shared notes feed (servers that share notes say it).
    #[serde(default)]
    notes: Option<u64>,
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
            .tcp_nodelay(true)
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

    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    #[allow(dead_code)]
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Pulls the feed into the cache, then fetches the files it needs and their texts.
    pub async fn sync(
        &self,
        cache: &Arc<Mutex<Cache>>,
        options: &SyncOptions,
    ) -> Result<SyncReport, SyncError> {
        self.sync_with(cache, options, &SyncControl::default())
            .await
    }

    /// [`sync`](Self::sync), reporting progress and stoppable.
    pub async fn sync_with(
        &self,
        cache: &Arc<Mutex<Cache>>,
        options: &SyncOptions,
        control: &SyncControl,
    ) -> Result<SyncReport, SyncError> {
        let progress = Progress::new(control.progress.clone());
        let cancel = &control.cancel;
        let mut report = SyncReport::default();
        let server = self.server.clone();
        // Phase timings at debug level (`PLENARY_LOG=plenary_core=debug`), to
        // see where a sync's time goes without a profiler.
        let started = std::time::Instant::now();

        // 1. The feed, page by page, each page with its cursor in one transaction.
        progress.phase(SyncPhase::Feed, 0, 0);
        let mut cursor = blocking(cache, {
            let server = server.clone();
            move |c| c.sync_cursor(&server)
        })
        .await?;
        let mut restarted = false;
        let mut notes_head = None;
        loop {
            let path = format!("/v1/feed?since={cursor}&limit={}", options.page_size);
            let fetched = self
                .with_retry(&options.retry, cancel, |_| async {
                    let resp = self.get_once(&path, None, options.read_timeout).await?;
                    self.read_json::<Page>(resp, "a feed page", options.read_timeout)
                        .await
                })
                .await;
            let page = match fetched {
                Ok(page) => page,
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
            notes_head = page.notes.or(notes_head);
            blocking(cache, move |c| c.apply_page(&server, &page.records, next)).await?;
            report.pages += 1;
            report.records += n;
            progress.document_done();
            cursor = next;
            if !page.more {
                break;
            }
        }
        report.cursor = cursor;
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            pages = report.pages,
            records = report.records,
            "sync: feed applied"
        );

        // Shared notes, before the files: small, and what a team waits for.
        // Only when the notes feed moved or something is to be pushed, so a
        // sync with nothing new stays one request.
        if self.token.is_some() {
            let wanted = {
                let server = server.clone();
                blocking(cache, move |c| c.notes_sync_wanted(&server, notes_head)).await?
            };
            if wanted {
                match self.sync_notes(cache, options.read_timeout).await {
                    Ok(r) => report.notes = Some(r),
                    // A token that may not share (a reader's), or a server
                    // without sharing: the documents still sync.
                    Err(e @ SyncError::Refused { .. }) => {
                        tracing::info!(error = %e, "shared notes not synced");
                        report.notes_error = Some(e.for_people());
                    }
                    Err(e) => return Err(e),
                }
            }
        }

        // 2. The files kept offline, smallest first, `parallel` at a time, and
        //    their texts, each fetched once its file is stored (or at once if
        //    the file was already there).
        let keep = options.keep.clone();
        let (wanted, versions, keep, blobs, have_texts) = blocking(cache, move |c| {
            let keep = match keep {
                Some(k) => k,
                None => c.keep()?,
            };
            let versions = c.versions_with_meeting()?;
            let wanted = plan::files_to_fetch(&versions, &keep, |s| c.blobs().contains(s));
            let have_texts = c.rendition_shas()?;
            Ok((wanted, versions, keep, c.blobs().clone(), have_texts))
        })
        .await?;
        let texts_wanted: BTreeSet<Sha256> = if options.texts {
            plan::renditions_to_fetch(&versions, &keep, |_| true, |s| have_texts.contains(s))
                .into_iter()
                .collect()
        } else {
            BTreeSet::new()
        };
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            files = wanted.len(),
            texts = texts_wanted.len(),
            "sync: planned"
        );
        progress.phase(
            SyncPhase::Files,
            wanted.len() as u64,
            wanted.iter().map(|f| f.size).sum(),
        );
        let texts = Texts::default();
        let (queue, queued) = mpsc::unbounded_channel();
        let enqueue = {
            let (texts, texts_wanted) = (&texts, &texts_wanted);
            move |sha: Sha256| {
                if texts_wanted.contains(&sha) {
                    texts.queued.fetch_add(1, Ordering::Relaxed);
                    let _ = queue.send(sha);
                }
            }
        };
        for sha in plan::renditions_to_fetch(
            &versions,
            &keep,
            |s| blobs.contains(s),
            |s| have_texts.contains(s),
        ) {
            enqueue(sha);
        }
        let texts_cancel = cancel.child_token();
        let writers = download::Writers::default();
        let files = async {
            let result = self
                .fetch_files(
                    &blobs,
                    wanted,
                    options,
                    cancel,
                    &progress,
                    &writers,
                    &enqueue,
                    &mut report,
                )
                .await;
            // Every writer done: no file is still being written once the sync returns.
            writers.finish().await;
            tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                "sync: files stored"
            );
            drop(enqueue); // the texts end with the last file's
            match &result {
                Ok(()) if options.texts => {
                    // 3. The texts still on their way.
                    texts.in_phase.store(true, Ordering::Relaxed);
                    let left = texts
                        .queued
                        .load(Ordering::Relaxed)
                        .saturating_sub(texts.done.load(Ordering::Relaxed));
                    progress.phase(SyncPhase::Texts, left, 0);
                }
                Ok(()) => {}
                Err(_) => texts_cancel.cancel(),
            }
            result
        };
        let (files, stored) = tokio::join!(
            files,
            self.fetch_texts(cache, queued, options, &texts_cancel, &progress, &texts)
        );
        let (stored, texts_result) = stored;
        report.texts_fetched = stored.0;
        report.texts_pending = stored.1;
        files?;
        texts_result?;
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            "sync: texts stored"
        );
        progress.phase(SyncPhase::Done, 0, 0);

        if report.files_failed.is_empty() {
            let server = server.clone();
            blocking(cache, move |c| c.mark_synced(&server)).await?;
        }
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "sync: done");
        Ok(report)
    }

    /// Downloads `wanted`, `parallel` at a time, and places each in the blob
    /// store as soon as it is verified ([`BlobStore::place_partial`]: its
    /// bytes durable, renamed into place); `stored` hears of each file then.
    /// The renames are durable (their folders fsynced) when this returns.
    #[allow(clippy::too_many_arguments)]
    async fn fetch_files(
        &self,
        blobs: &BlobStore,
        wanted: Vec<Fetch>,
        options: &SyncOptions,
        cancel: &CancellationToken,
        progress: &Progress,
        writers: &download::Writers,
        stored: &(impl Fn(Sha256) + Sync),
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let received = AtomicU64::new(0);
        let mut downloads = Some(
            futures_util::stream::iter(wanted)
                .map(|fetch| {
                    let received = &received;
                    async move {
                        let result = self
                            .with_retry(&options.retry, cancel, |_| {
                                self.download_once(
                                    blobs, &fetch, options, progress, received, writers,
                                )
                            })
                            .await;
                        progress.document_done();
                        (fetch, result)
                    }
                })
                .buffer_unordered(options.parallel.max(1)),
        );
        // Each verified download is placed (fsynced, renamed into `objects/`)
        // on the blocking pool as soon as it is verified, while the
        // connections fetch the next files; at most MAX_PLACING at once
        // (past that, downloads wait). The folders that received files are
        // fsynced once each at the end (not once per file): until then a
        // crash can only lose a rename, and the file is fetched again.
        let mut placing: JoinSet<(Sha256, crate::Result<Option<PathBuf>>)> = JoinSet::new();
        let mut folders: BTreeSet<PathBuf> = BTreeSet::new();
        let mut failure: Option<SyncError> = None;
        loop {
            if downloads.is_none() && placing.is_empty() {
                break;
            }
            tokio::select! {
                next = next_of(&mut downloads), if placing.len() < MAX_PLACING => match next {
                    None => downloads = None,
                    Some((_, Ok(verified))) => {
                        let store = blobs.clone();
                        placing.spawn_blocking(move || {
                            let sha = verified.sha256();
                            (sha, store.place_partial(verified))
                        });
                    }
                    // This file only: the server will not serve it, or keeps sending it damaged.
                    Some((fetch, Err(e @ (SyncError::Refused { .. } | SyncError::Corrupt { .. })))) => {
                        tracing::warn!(sha256 = %fetch.sha256, error = %e, "file not fetched");
                        report.files_failed.push((fetch.sha256, e.to_string()));
                    }
                    // The server, the network or the disk: stop (the files
                    // verified so far are still placed); partials stay
                    // for the next sync.
                    Some((_, Err(e))) => {
                        failure.get_or_insert(e);
                        downloads = None;
                    }
                },
                Some(placed) = placing.join_next() => match placed {
                    Ok((sha, Ok(folder))) => {
                        folders.extend(folder);
                        report.files_fetched += 1;
                        stored(sha);
                    }
                    Ok((_, Err(e))) => {
                        failure.get_or_insert(SyncError::Cache(e));
                        downloads = None;
                    }
                    Err(e) => {
                        failure.get_or_insert(SyncError::Protocol(format!("storing files: {e}")));
                        downloads = None;
                    }
                },
            }
        }
        // The renames durable, each folder once.
        if !folders.is_empty() {
            let store = blobs.clone();
            let folders: Vec<PathBuf> = folders.into_iter().collect();
            let synced = tokio::task::spawn_blocking(move || store.sync_folders(&folders)).await;
            match synced {
                Ok(synced) => {
                    if let Some((folder, Err(e))) = synced.into_iter().find(|(_, r)| r.is_err()) {
                        failure.get_or_insert(SyncError::Cache(crate::Error::io(
                            format!("syncing the cache folder {}", folder.display()),
                            e,
                        )));
                    }
                }
                Err(e) => {
                    failure.get_or_insert(SyncError::Protocol(format!("syncing folders: {e}")));
                }
            }
        }
        report.bytes_fetched = received.load(Ordering::Relaxed);
        progress.flush();
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Fetches the texts of the files `queue` names until it closes, many
    /// per request ([`TEXTS_PER_REQUEST`]), storing them in batches; returns
    /// (stored, not extracted yet) and how it ended.
    async fn fetch_texts(
        &self,
        cache: &Arc<Mutex<Cache>>,
        mut queue: mpsc::UnboundedReceiver<Sha256>,
        options: &SyncOptions,
        cancel: &CancellationToken,
        progress: &Progress,
        texts: &Texts,
    ) -> ((usize, usize), Result<(), SyncError>) {
        // Whether the server answers `POST /v1/texts` (until it says it does not).
        let batched = AtomicBool::new(true);
        let queued = futures_util::stream::poll_fn(|cx| queue.poll_recv(cx));
        let fetches =
            tokio_stream::StreamExt::chunks_timeout(queued, TEXTS_PER_REQUEST, TEXTS_WAIT)
                .map(|shas| {
                    let batched = &batched;
                    async move {
                        let asked = shas.len();
                        (asked, self.texts_of(shas, options, cancel, batched).await)
                    }
                })
                .buffer_unordered(options.parallel.div_ceil(2).max(1));
        let mut fetches = std::pin::pin!(fetches);
        // Stored in batches: one transaction (one fsync, one flush of the
        // index's terms) per batch, not per text.
        let mut batch = TextBatch::default();
        let (mut stored, mut pending) = (0, 0);
        let mut outcome = Ok(());
        while let Some((asked, result)) = fetches.next().await {
            texts.done.fetch_add(asked as u64, Ordering::Relaxed);
            if texts.in_phase.load(Ordering::Relaxed) {
                progress.documents_done(asked as u64);
            }
            match result {
                Ok(found) => {
                    for (sha, text) in found {
                        match text {
                            Some((rendition, preview)) => {
                                batch.bytes += rendition.text_bytes();
                                batch.renditions.push((sha, rendition));
                                batch.previews.extend(preview.map(|p| (sha, p)));
                            }
                            None => pending += 1,
                        }
                    }
                }
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
            if batch.is_full()
                && let Err(e) = store_texts(cache, &mut batch, &mut stored).await
            {
                return ((stored, pending), Err(e));
            }
        }
        if let Err(e) = store_texts(cache, &mut batch, &mut stored).await {
            outcome = outcome.and(Err(e));
        }
        ((stored, pending), outcome)
    }

    /// The texts of `shas` (each `None` while the server has none), in one
    /// `POST /v1/texts`; from a server without it (`batched` then turns
    /// false), one `GET /v1/files/{sha}/text` each.
    async fn texts_of(
        &self,
        shas: Vec<Sha256>,
        options: &SyncOptions,
        cancel: &CancellationToken,
        batched: &AtomicBool,
    ) -> Result<Vec<(Sha256, Option<(Rendition, Option<Preview>)>)>, SyncError> {
        if batched.load(Ordering::Relaxed) {
            let body = serde_json::to_value(text::TextsWanted {
                sha256: shas.clone(),
            })
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
            let answer = self
                .with_retry(&options.retry, cancel, |_| async {
                    let resp = self
                        .send_once(
                            "POST",
                            "/v1/texts",
                            Some(body.clone()),
                            options.read_timeout,
                        )
                        .await?;
                    self.read_json::<text::Texts>(resp, "the texts", options.read_timeout)
                        .await
                })
                .await;
            match answer {
                Ok(answer) => {
                    let mut found: std::collections::HashMap<Sha256, text::FileText> = answer
                        .texts
                        .into_iter()
                        .map(|t| (t.sha256, t.text))
                        .collect();
                    // What was asked for, in order; anything else the server sent is ignored.
                    return Ok(shas
                        .into_iter()
                        .map(|sha| {
                            let text = found.remove(&sha).map(|t| with_preview(sha, t));
                            (sha, text)
                        })
                        .collect());
                }
                // A server from before `POST /v1/texts`.
                Err(SyncError::Refused {
                    status: 404 | 405, ..
                }) => batched.store(false, Ordering::Relaxed),
                Err(e) => return Err(e),
            }
        }
        let mut out = Vec::with_capacity(shas.len());
        for sha in shas {
            out.push((sha, self.fetch_text(sha, options, cancel).await?));
        }
        Ok(out)
    }

    /// The text rendition of a file and the picture of its first page;
    /// `None` when the server has no text (yet).
    async fn fetch_text(
        &self,
        sha: Sha256,
        options: &SyncOptions,
        cancel: &CancellationToken,
    ) -> Result<Option<(Rendition, Option<Preview>)>, SyncError> {
        let path = format!("/v1/files/{sha}/text");
        let result = self
            .with_retry(&options.retry, cancel, |_| async {
                let resp = self.get_once(&path, None, options.read_timeout).await?;
                let what = format!("the text of {sha}");
                self.read_json::<text::FileText>(resp, &what, options.read_timeout)
                    .await
            })
            .await;
        match result {
            Ok(text) => Ok(Some(with_preview(sha, text))),
            Err(SyncError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A text as received, its preview checked: a broken picture is left out
/// and logged (it is only a placeholder).
fn with_preview(sha: Sha256, text: text::FileText) -> (Rendition, Option<Preview>) {
    let text::FileText { rendition, preview } = text;
    let preview = preview.and_then(|p| {
        p.decode()
            .map_err(|why| tracing::warn!(%sha, "the preview of a file is left out: {why}"))
            .ok()
    });
    (rendition, preview)
}

/// The most texts asked for in one request (the server takes up to 100).
const TEXTS_PER_REQUEST: usize = 50;

/// How long the first file stored waits for others before its text is asked
/// for: while files arrive, their texts go out a few dozen at a time, not
/// one request each.
const TEXTS_WAIT: Duration = Duration::from_millis(50);

/// Texts fetched and not stored yet, with the previews that came with them.
#[derive(Default)]
struct TextBatch {
    renditions: Vec<(Sha256, Rendition)>,
    previews: Vec<(Sha256, Preview)>,
    /// The bytes of text in `renditions`.
    bytes: usize,
}

impl TextBatch {
    /// Whether it is time to store it.
    fn is_full(&self) -> bool {
        crate::cache::text_batch_is_full(self.bytes, self.renditions.len())
    }
}

async fn store_texts(
    cache: &Arc<Mutex<Cache>>,
    batch: &mut TextBatch,
    stored: &mut usize,
) -> Result<(), SyncError> {
    if batch.renditions.is_empty() {
        return Ok(());
    }
    let TextBatch {
        renditions,
        previews,
        ..
    } = std::mem::take(batch);
    let n = renditions.len();
    blocking(cache, move |c| c.put_texts(&renditions, &previews)).await?;
    *stored += n;
    Ok(())
}

/// The most verified downloads being placed at once (each holds its partial
/// open and a thread of the blocking pool while its fsync runs); past this,
/// downloads wait. Many fsyncs in flight together share the disk's cache
/// flushes. Tried and measured no better (session 16, sync bench with an
/// emptied page cache): placing groups with one `syncfs` each instead of an
/// fsync per file halved the disk's cache flushes but doubled its write
/// requests, and the first sync took 1.32 s against 1.21.
const MAX_PLACING: usize = 64;

/// The next item of a stream that may be gone (then never).
async fn next_of<S: futures_util::Stream + Unpin>(stream: &mut Option<S>) -> Option<S::Item> {
    match stream {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

/// Texts queued and fetched, shared by the files and the texts of a sync.
#[derive(Debug, Default)]
struct Texts {
    queued: AtomicU64,
    done: AtomicU64,
    /// Whether the files are done, so that texts count in the progress.
    in_phase: AtomicBool,
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
