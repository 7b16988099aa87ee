//! Progress of one sync, for a progress bar: a `tokio::sync::watch` channel
//! of [`SyncProgress`], updated at most every [`Progress::EVERY`] (and at once
//! when the phase changes), so that a fast download does not flood the UI.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Reading the change feed (metadata).
    #[default]
    Feed,
    /// Downloading the files kept offline.
    Files,
    /// Downloading the text of the files (for search).
    Texts,
    Done,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// Feed pages, files or texts done in this phase.
    pub documents_done: u64,
    pub documents_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// The file being downloaded (its name for saving).
    pub current_file: Option<String>,
    pub rate_bytes_per_sec: f64,
    pub eta_secs: Option<u64>,
}

#[derive(Debug)]
pub(crate) struct Progress {
    sink: Option<watch::Sender<SyncProgress>>,
    state: Mutex<(SyncProgress, Instant, Instant)>,
}

impl Progress {
    pub const EVERY: Duration = Duration::from_millis(100);

    pub fn new(sink: Option<watch::Sender<SyncProgress>>) -> Self {
        let now = Instant::now();
        Progress {
            sink,
            state: Mutex::new((SyncProgress::default(), now, now)),
        }
    }

    fn update(&self, force: bool, f: impl FnOnce(&mut SyncProgress)) {
        let Some(sink) = &self.sink else { return };
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (progress, phase_start, last_sent) = &mut *guard;
        f(progress);
        let now = Instant::now();
        if !force && now.duration_since(*last_sent) < Self::EVERY {
            return;
        }
        let secs = now.duration_since(*phase_start).as_secs_f64();
        if secs > 0.05 && progress.bytes_done > 0 {
            progress.rate_bytes_per_sec = progress.bytes_done as f64 / secs;
            let left = progress.bytes_total.saturating_sub(progress.bytes_done) as f64;
            progress.eta_secs = Some((left / progress.rate_bytes_per_sec).ceil() as u64);
        }
        *last_sent = now;
        sink.send_replace(progress.clone());
    }

    pub fn phase(&self, phase: SyncPhase, documents_total: u64, bytes_total: u64) {
        if let Some(_sink) = &self.sink {
            {
                let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
                guard.1 = Instant::now();
            }
            self.update(true, |p| {
                *p = SyncProgress {
                    phase,
                    documents_total,
                    bytes_total,
                    ..SyncProgress::default()
                }
            });
        }
    }

    pub fn bytes(&self, delta: i64, current: Option<&str>) {
        self.update(false, |p| {
            p.bytes_done = p.bytes_done.saturating_add_signed(delta);
            if let Some(name) = current {
                p.current_file = Some(name.to_owned());
            }
        });
    }

    pub fn document_done(&self) {
        self.documents_done(1);
    }

    pub fn documents_done(&self, n: u64) {
        self.update(false, |p| p.documents_done += n);
    }

    /// Sends the latest state now (at the end of a phase).
    pub fn flush(&self) {
        self.update(true, |_| {});
    }
}
