//! The live sync service the desktop app embeds: syncs at once, then
//! whenever the server's live events (`/v1/events`) say the feed moved past
//! the cache's cursor, or when asked ([`LiveSync::sync_now`]). While events
//! are unavailable it polls every [`SyncOptions::poll_interval`]. After an
//! error it tries again with exponential backoff and jitter; an event stream
//! silent past [`SyncOptions::events_idle_timeout`] (the laptop slept, the
//! Wi-Fi changed) is dropped and reconnected, and the server's first event
//! on reconnection triggers a sync if anything was missed.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::http::backoff;
use super::{SyncClient, SyncControl, SyncError, SyncOptions, SyncProgress};
use crate::{Cache, ErrorCode};

/// How the server looks from here.
///
/// - `Online`: the server answers.
/// - `Offline`: no connection could be made (no network, DNS failure,
///   connection refused): nothing answered.
/// - `Unreachable`: the server was reached but failed (5xx, stalls, cut or
///   malformed responses).
/// - `Refused(code)`: the server does not accept our token (401/403); the
///   server's error code says why (`token_revoked`, `token_expired`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    Online,
    Offline,
    Unreachable,
    Refused(String),
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub struct SyncStatus {
    pub connection: Connection,
    pub syncing: bool,
    pub progress: Option<SyncProgress>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success: Option<time::OffsetDateTime>,
    /// A sentence a delegate understands, saying what to do.
    pub last_error: Option<String>,
    pub last_error_code: Option<ErrorCode>,
    /// Where the cache has read the feed up to.
    pub cursor: u64,
}

/// A running live sync; see the module documentation.
#[derive(Debug)]
pub struct LiveSync {
    status: watch::Receiver<SyncStatus>,
    trigger: Arc<Notify>,
    current: Arc<Mutex<CancellationToken>>,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl LiveSync {
    /// Spawns on the current tokio runtime: syncs at once, then whenever
    /// /v1/events says the feed moved; reconnects with exponential backoff +
    /// jitter after errors or sleep; polls every `poll_interval` while events
    /// are unavailable.
    pub fn start(client: SyncClient, cache: Arc<Mutex<Cache>>, options: SyncOptions) -> LiveSync {
        let (cursor, last_success) = {
            let c = cache.lock().unwrap_or_else(|p| p.into_inner());
            (
                c.sync_cursor(client.server()).unwrap_or(0),
                c.last_synced(client.server()).ok().flatten(),
            )
        };
        let (status_tx, status) = watch::channel(SyncStatus {
            connection: Connection::Offline,
            syncing: false,
            progress: None,
            last_success,
            last_error: None,
            last_error_code: None,
            cursor,
        });
        let status_tx = Arc::new(status_tx);
        let (head_tx, head_rx) = watch::channel(None::<u64>);
        let (notes_tx, notes_rx) = watch::channel(None::<u64>);
        let (up_tx, up_rx) = watch::channel(false);
        let trigger = Arc::new(Notify::new());
        let current = Arc::new(Mutex::new(CancellationToken::new()));
        let stop = CancellationToken::new();
        let events = tokio::spawn(events_loop(
            client.clone(),
            head_tx,
            notes_tx,
            up_tx,
            status_tx.clone(),
            stop.clone(),
            options.clone(),
        ));
        let main = tokio::spawn(
            Worker {
                client,
                cache,
                options,
                status: status_tx,
                trigger: trigger.clone(),
                current: current.clone(),
                stop: stop.clone(),
            }
            .run(head_rx, notes_rx, up_rx),
        );
        LiveSync {
            status,
            trigger,
            current,
            stop,
            tasks: vec![main, events],
        }
    }

    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    /// Syncs now (or again right after the running sync).
    pub fn sync_now(&self) {
        self.trigger.notify_one();
    }

    /// Cancels the running sync (not the service); partial downloads stay
    /// and the next sync resumes them.
    pub fn cancel(&self) {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .cancel();
    }

    /// Stops the service, cancelling a running sync, and waits for it to end.
    pub async fn stop(self) {
        self.stop.cancel();
        self.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

struct Worker {
    client: SyncClient,
    cache: Arc<Mutex<Cache>>,
    options: SyncOptions,
    status: Arc<watch::Sender<SyncStatus>>,
    trigger: Arc<Notify>,
    current: Arc<Mutex<CancellationToken>>,
    stop: CancellationToken,
}

impl Worker {
    async fn run(
        self,
        mut head: watch::Receiver<Option<u64>>,
        mut notes: watch::Receiver<Option<u64>>,
        events_up: watch::Receiver<bool>,
    ) {
        let mut failures = 0u32;
        let mut notes_open = true;
        loop {
            let failed = match self.sync_once().await {
                Err(SyncError::Cancelled) => false,
                Err(_) => true,
                Ok(()) => false,
            };
            failures = if failed { failures + 1 } else { 0 };
            if self.stop.is_cancelled() {
                return;
            }
            let retry_at = failed.then(|| {
                tokio::time::Instant::now()
                    + backoff(
                        self.options
                            .retry
                            .base_delay
                            .max(std::time::Duration::from_millis(500)),
                        self.options.max_reconnect_delay,
                        failures,
                    )
            });
            // Wait for a reason to sync again.
            loop {
                let cursor = self.status.borrow().cursor;
                if head.borrow_and_update().is_some_and(|h| h > cursor) {
                    break;
                }
                // A teammate shared or edited a note.
                let notes_cursor = {
                    let c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
                    c.notes_cursor(self.client.server()).unwrap_or(0)
                };
                if self.client.token().is_some()
                    && notes.borrow_and_update().is_some_and(|h| h > notes_cursor)
                {
                    break;
                }
                let polling = !*events_up.borrow();
                tokio::select! {
                    _ = self.stop.cancelled() => return,
                    _ = self.trigger.notified() => break,
                    changed = head.changed() => {
                        if changed.is_err() {
                            // The events task ended (only at stop); wait for the rest.
                            tokio::select! {
                                _ = self.stop.cancelled() => return,
                                _ = self.trigger.notified() => break,
                                _ = tokio::time::sleep(self.options.poll_interval) => break,
                            }
                        }
                    }
                    changed = notes.changed(), if notes_open => notes_open = changed.is_ok(),
                    _ = tokio::time::sleep(self.options.poll_interval), if polling => break,
                    _ = tokio::time::sleep_until(retry_at.unwrap_or_else(tokio::time::Instant::now)), if retry_at.is_some() => break,
                }
            }
        }
    }

    async fn sync_once(&self) -> Result<(), SyncError> {
        let token = CancellationToken::new();
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = token.clone();
        if self.stop.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        let (progress_tx, mut progress_rx) = watch::channel(SyncProgress::default());
        self.status.send_modify(|s| {
            s.syncing = true;
            s.progress = Some(SyncProgress::default());
        });
        let control = SyncControl {
            cancel: token.clone(),
            progress: Some(progress_tx),
        };
        let sync = self.client.sync_with(&self.cache, &self.options, &control);
        tokio::pin!(sync);
        let result = loop {
            tokio::select! {
                result = &mut sync => break result,
                Ok(()) = progress_rx.changed() => {
                    let p = progress_rx.borrow_and_update().clone();
                    self.status.send_modify(|s| s.progress = Some(p));
                }
            }
        };
        let (cursor, last_success) = {
            let c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            (
                c.sync_cursor(self.client.server()).unwrap_or(0),
                c.last_synced(self.client.server()).ok().flatten(),
            )
        };
        self.status.send_modify(|s| {
            s.syncing = false;
            s.progress = None;
            s.cursor = cursor;
            s.last_success = last_success;
            match &result {
                Ok(report) if report.files_failed.is_empty() => {
                    s.connection = Connection::Online;
                    s.last_error = None;
                    s.last_error_code = None;
                }
                Ok(report) => {
                    s.connection = Connection::Online;
                    s.last_error = Some(format!(
                        "{} file(s) could not be downloaded ({}). Plenary will try again at the \
                         next sync.",
                        report.files_failed.len(),
                        report.files_failed[0].1
                    ));
                    s.last_error_code = Some(ErrorCode::DownloadCorrupt);
                }
                Err(SyncError::Cancelled) => {}
                Err(e) => {
                    if let Some(c) = e.connection() {
                        s.connection = c;
                    }
                    s.last_error = Some(e.for_people());
                    s.last_error_code = Some(e.code());
                }
            }
        });
        if let Err(e) = &result {
            tracing::info!(error = %e, "live sync: sync failed");
        }
        result.map(|_| ())
    }
}

/// Follows `/v1/events`, publishing the feed's head; reconnects with
/// backoff and jitter.
async fn events_loop(
    client: SyncClient,
    head: watch::Sender<Option<u64>>,
    notes: watch::Sender<Option<u64>>,
    up: watch::Sender<bool>,
    status: Arc<watch::Sender<SyncStatus>>,
    stop: CancellationToken,
    options: SyncOptions,
) {
    let mut failures = 0u32;
    loop {
        let mut connected = false;
        let result = tokio::select! {
            _ = stop.cancelled() => return,
            r = follow(&client, &head, &notes, &up, &status, &options, &mut connected) => r,
        };
        up.send_replace(false);
        failures = if connected { 1 } else { failures + 1 };
        if let Some(c) = result.connection() {
            status.send_if_modified(|s| {
                // A running sync reports for itself.
                let change = !s.syncing && s.connection != c;
                if change {
                    s.connection = c;
                }
                change
            });
        }
        tracing::debug!(error = %result, "live events: disconnected");
        let wait = backoff(
            std::time::Duration::from_secs(1),
            options.max_reconnect_delay,
            failures,
        );
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Reads events until the stream fails; returns why.
#[allow(clippy::too_many_arguments)]
async fn follow(
    client: &SyncClient,
    head: &watch::Sender<Option<u64>>,
    notes: &watch::Sender<Option<u64>>,
    up: &watch::Sender<bool>,
    status: &watch::Sender<SyncStatus>,
    options: &SyncOptions,
    connected: &mut bool,
) -> SyncError {
    let idle = options.events_idle_timeout;
    let mut resp = match client.get_once("/v1/events", None, idle).await {
        Ok(r) => r,
        Err(f) => return f.error,
    };
    *connected = true;
    up.send_replace(true);
    status.send_if_modified(|s| {
        let change = s.connection != Connection::Online && !s.syncing;
        if change {
            s.connection = Connection::Online;
        }
        change
    });
    let mut buffer = String::new();
    loop {
        let chunk = match tokio::time::timeout(idle, resp.chunk()).await {
            Err(_) => return client.unreachable("the live events went silent"),
            Ok(Err(e)) => return client.transport(&e, "live events"),
            Ok(Ok(None)) => return client.unreachable("the server closed the live events"),
            Ok(Ok(Some(chunk))) => chunk,
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk).replace('\r', ""));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let name = event.lines().find_map(|l| l.strip_prefix("event:"));
            let data = event.lines().find_map(|l| l.strip_prefix("data:"));
            match (
                name.map(str::trim),
                data.and_then(|d| d.trim().parse::<u64>().ok()),
            ) {
                (Some("cursor"), Some(n)) => {
                    head.send_replace(Some(n));
                }
                (Some("notes"), Some(n)) => {
                    notes.send_if_modified(|h| {
                        let moved = *h != Some(n);
                        *h = Some(n);
                        moved
                    });
                }
                _ => {}
            }
        }
    }
}
