//! Streaming, resumable, verified downloads of one file.
//!
//! Architecture invariants:
//! - the bytes go to `blobs/partial/<sha256>.part`, hashed as they arrive;
//!   memory use does not grow with the file's size (at most
//!   [`QUEUED_CHUNKS`] received chunks wait for the disk per download);
//! - each try's partial is owned by one **writer** on tokio's blocking pool
//!   (the async side only moves bytes, so hashing and disk I/O never stall
//!   the runtime and several downloads use several cores). The writer holds
//!   an exclusive lock on the partial: a try that was dropped (cancelled)
//!   and the next one never write to it at once, even from two processes;
//! - an interrupted download is resumed with `Range: bytes=N-` (the hash of
//!   the N bytes already there is recomputed from disk first); a `200`
//!   answer restarts from zero, a `206` whose `Content-Range` does not start
//!   at N is refused;
//! - the file enters the cache only through [`BlobStore::place_partial`],
//!   after its SHA-256 is checked and its bytes fsynced; a wrong hash deletes
//!   the partial (the next try starts afresh) and never touches a good file;
//! - a full disk deletes the partial (to give the space back) and stops the sync.
//!
//! A try ends as soon as the hash is checked, with the partial still open
//! and locked ([`VerifiedPartial`]): the connection fetches the next file
//! while the executor places the verified ones.

use std::fs::File;
use std::io::{IoSlice, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use bytes::Bytes;
use sha2::Digest;
use tokio::sync::{mpsc, oneshot};
use tokio_util::task::TaskTracker;

use super::http::Failed;
use super::plan::Fetch;
use super::progress::Progress;
use super::{SyncClient, SyncError, SyncOptions};
use crate::cache::{BlobStore, VerifiedPartial};
use crate::model::Sha256;

/// Received chunks that may wait for one download's writer (each at most
/// hyper's read buffer, about 400 KB). Tried and measured no better
/// (session 16): gathering chunks into 512 KB batches on the async side
/// woke the writers 18% less often, but the first sync took 1.20 s against
/// 1.19 and the same CPU.
pub const QUEUED_CHUNKS: usize = 2;

/// Chunks written by one `writev` when they queue up.
const CHUNKS_PER_WRITE: usize = 64;

/// Written bytes are handed to the disk (without waiting) every this many,
/// and at the end: by the time the commit fsyncs them, most are on disk.
const WRITEBACK_EVERY: u64 = 1024 * 1024;

/// The writers of one sync's downloads, which [`finish`](Self::finish) waits for.
#[derive(Debug, Default)]
pub(crate) struct Writers {
    tracker: TaskTracker,
}

impl Writers {
    /// Waits until every writer is done (a cancelled try's writer first
    /// writes what was received).
    pub async fn finish(&self) {
        self.tracker.close();
        self.tracker.wait().await;
    }
}

enum ToWriter {
    Chunk(Bytes),
    /// The server sends the whole file after all: start again from zero.
    Restart,
    /// The bytes are not what was asked for: empty the partial and stop.
    Discard,
    /// Every byte was sent: check the hash and hand the partial over.
    Finish(oneshot::Sender<crate::Result<VerifiedPartial>>),
}

impl SyncClient {
    /// One try at downloading `fetch` into the blob store; counts the bytes
    /// received over the network in `received`.
    pub(crate) async fn download_once(
        &self,
        blobs: &BlobStore,
        fetch: &Fetch,
        options: &SyncOptions,
        progress: &Progress,
        received: &AtomicU64,
        writers: &Writers,
    ) -> Result<VerifiedPartial, Failed> {
        let sha = fetch.sha256;
        let (tx, rx) = mpsc::channel(QUEUED_CHUNKS);
        let (started_tx, started_rx) = oneshot::channel();
        let writer = writers.tracker.spawn_blocking({
            let (blobs, size) = (blobs.clone(), fetch.size);
            move || write_partial(&blobs, sha, size, started_tx, rx)
        });
        let Ok(mut have) = started_rx.await else {
            // The writer could not open or read the partial.
            return Err(writer_failed(writer.await));
        };
        // What this try added to the progress, to take back what a failure undoes.
        let reported = AtomicI64::new(0);
        let report = |delta: i64, name: Option<&str>| {
            reported.fetch_add(delta, Ordering::Relaxed);
            progress.bytes(delta, name);
        };
        report(have as i64, Some(&fetch.file_name));
        // The writer stopped (it failed writing): the reason is in its result.
        let gone = || Failed::fatal(SyncError::Protocol("the download's writer stopped".into()));
        let result = async {
            if have < fetch.size || fetch.size == 0 {
                let from = (have > 0).then_some(have);
                let mut resp = self
                    .get_once(&format!("/v1/files/{sha}"), from, options.read_timeout)
                    .await?;
                match (from, resp.status().as_u16()) {
                    (Some(from), 206) => {
                        let range = resp
                            .headers()
                            .get(reqwest::header::CONTENT_RANGE)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        if !range.starts_with(&format!("bytes {from}-")) {
                            // Not the bytes we asked for: start afresh next try.
                            tx.send(ToWriter::Discard).await.map_err(|_| gone())?;
                            return Err(Failed::retry(self.unreachable(format!(
                                "asked for {sha} from byte {from}, got Content-Range {range:?}"
                            ))));
                        }
                    }
                    (Some(_), 200) => {
                        // The server sends the whole file: start again from zero.
                        tx.send(ToWriter::Restart).await.map_err(|_| gone())?;
                        report(-(have as i64), None);
                        have = 0;
                    }
                    (None, 200) => {}
                    (_, status) => {
                        return Err(Failed::retry(self.unreachable(format!(
                            "GET /v1/files/{sha}: unexpected status {status}"
                        ))));
                    }
                }
                loop {
                    let chunk = match tokio::time::timeout(options.read_timeout, resp.chunk()).await
                    {
                        Err(_) => {
                            return Err(Failed::retry(self.unreachable(format!(
                                "the download of {} stalled (nothing for {} s)",
                                fetch.file_name,
                                options.read_timeout.as_secs_f32()
                            ))));
                        }
                        Ok(Err(e)) => {
                            return Err(Failed::retry(
                                self.transport(&e, &format!("downloading {}", fetch.file_name)),
                            ));
                        }
                        Ok(Ok(None)) => break,
                        Ok(Ok(Some(chunk))) => chunk,
                    };
                    let n = chunk.len() as u64;
                    if have + n > fetch.size {
                        tx.send(ToWriter::Discard).await.map_err(|_| gone())?;
                        return Err(Failed::retry(SyncError::Corrupt {
                            sha256: sha,
                            detail: format!("the server sent more than {} bytes", fetch.size),
                        }));
                    }
                    tx.send(ToWriter::Chunk(chunk)).await.map_err(|_| gone())?;
                    have += n;
                    received.fetch_add(n, Ordering::Relaxed);
                    report(n as i64, None);
                }
            }
            if have < fetch.size {
                return Err(Failed::retry(self.unreachable(format!(
                    "the download of {} ended after {have} of {} bytes",
                    fetch.file_name, fetch.size
                ))));
            }
            let (verified_tx, verified_rx) = oneshot::channel();
            tx.send(ToWriter::Finish(verified_tx))
                .await
                .map_err(|_| gone())?;
            match verified_rx.await {
                Ok(Ok(verified)) => Ok(verified),
                Ok(Err(crate::Error::HashMismatch { actual, .. })) => {
                    Err(Failed::retry(SyncError::Corrupt {
                        sha256: sha,
                        detail: format!("the bytes received hash to {actual}"),
                    }))
                }
                Ok(Err(e)) => Err(Failed::fatal(SyncError::Cache(e))),
                Err(_) => Err(gone()),
            }
        }
        .await;
        drop(tx);
        match result {
            Ok(verified) => Ok(verified),
            Err(failed) => {
                // The writer ends once the channel closes; its error, if any,
                // is the real one (a full disk, say, rather than "stopped").
                let failed = match writer.await {
                    Ok(Err(e)) => Failed::fatal(SyncError::Cache(e)),
                    Err(e) => Failed::fatal(SyncError::Protocol(format!("writing {sha}: {e}"))),
                    Ok(Ok(())) => failed,
                };
                // Bytes of this try that will not count: those of a restarted or deleted partial.
                let kept = tokio::fs::metadata(blobs.partial_path(&sha))
                    .await
                    .map(|m| m.len())
                    .unwrap_or(0);
                progress.bytes(kept as i64 - reported.load(Ordering::Relaxed), None);
                Err(failed)
            }
        }
    }
}

fn writer_failed(ended: Result<crate::Result<()>, tokio::task::JoinError>) -> Failed {
    match ended {
        Ok(Err(e)) => Failed::fatal(SyncError::Cache(e)),
        Ok(Ok(())) => Failed::fatal(SyncError::Protocol("the download's writer stopped".into())),
        Err(e) => Failed::fatal(SyncError::Protocol(format!("the download's writer: {e}"))),
    }
}

/// The writer of one try (on the blocking pool): opens and locks the
/// partial, hashes what an earlier try left there and says how much that is
/// (`started`), then writes and hashes the chunks it is sent until
/// [`ToWriter::Finish`] (check the hash, hand the open partial over) or
/// until the try hangs up (what was received stays in the partial for the
/// next try). A wrong hash or a full disk deletes the partial.
fn write_partial(
    blobs: &BlobStore,
    sha: Sha256,
    size: u64,
    started: oneshot::Sender<u64>,
    rx: mpsc::Receiver<ToWriter>,
) -> crate::Result<()> {
    let path = blobs.partial_path(&sha);
    let result = write_partial_inner(blobs, &path, sha, size, started, rx);
    if matches!(&result, Err(e) if e.code() == crate::ErrorCode::DiskFull) {
        let _ = std::fs::remove_file(&path);
    }
    result
}

fn write_partial_inner(
    blobs: &BlobStore,
    path: &Path,
    sha: Sha256,
    size: u64,
    started: oneshot::Sender<u64>,
    mut rx: mpsc::Receiver<ToWriter>,
) -> crate::Result<()> {
    let io =
        |e: std::io::Error| crate::Error::io(format!("writing the download {}", path.display()), e);
    let mut file = open_locked(path).map_err(io)?;
    let (mut hasher, mut have) = hash_existing(&mut file, size).map_err(io)?;
    if started.send(have).is_err() {
        return Ok(()); // the try was dropped meanwhile
    }
    let mut chunks: Vec<Bytes> = Vec::with_capacity(CHUNKS_PER_WRITE);
    let mut written_back = have;
    loop {
        let Some(mut next) = rx.blocking_recv() else {
            return Ok(()); // the try ended without every byte: resumed later
        };
        // The chunks already waiting go to disk in one write.
        let control = loop {
            match next {
                ToWriter::Chunk(chunk) => chunks.push(chunk),
                other => break Some(other),
            }
            if chunks.len() == CHUNKS_PER_WRITE {
                break None;
            }
            match rx.try_recv() {
                Ok(more) => next = more,
                Err(_) => break None,
            }
        };
        if !chunks.is_empty() {
            write_all(&mut file, &chunks).map_err(io)?;
            for chunk in chunks.drain(..) {
                hasher.update(&chunk);
                have += chunk.len() as u64;
            }
            if have - written_back >= WRITEBACK_EVERY {
                start_writeback(&file, written_back, have);
                written_back = have;
            }
        }
        match control {
            None => {}
            Some(ToWriter::Chunk(_)) => unreachable!("chunks are gathered above"),
            Some(ToWriter::Restart) => {
                file.set_len(0).map_err(io)?;
                hasher = sha2::Sha256::new();
                have = 0;
                written_back = 0;
            }
            Some(ToWriter::Discard) => {
                file.set_len(0).map_err(io)?;
                return Ok(());
            }
            Some(ToWriter::Finish(verified)) => {
                let actual = Sha256::from_bytes(hasher.finalize().into());
                if actual != sha || have != size {
                    drop(file); // closed first: some systems delete no open file
                    blobs.remove_partial(&sha)?;
                    let _ = verified.send(Err(crate::Error::HashMismatch {
                        expected: sha,
                        actual,
                    }));
                    return Ok(());
                }
                start_writeback(&file, written_back, have);
                let _ = verified.send(Ok(VerifiedPartial::new(sha, actual, file)));
                return Ok(());
            }
        }
    }
}

/// Asks the kernel to start writing these bytes of the file to disk, without
/// waiting: Linux's `POSIX_FADV_DONTNEED` starts the writeback of dirty
/// pages (and drops clean ones from the page cache, where a download need
/// not stay). Only a hint: the commit's fsync is what makes them durable.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, from: u64, to: u64) {
    if let Some(len) = std::num::NonZeroU64::new(to.saturating_sub(from)) {
        let _ = rustix::fs::fadvise(file, from, Some(len), rustix::fs::Advice::DontNeed);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _from: u64, _to: u64) {}

/// Opens (creating) the partial and locks it; if another writer deleted it
/// while we waited for the lock, opens the new one.
fn open_locked(path: &Path) -> std::io::Result<File> {
    loop {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)?;
        file.lock()?;
        if still_at(&file, path)? {
            return Ok(file);
        }
    }
}

#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let open = file.metadata()?;
    Ok(match std::fs::metadata(path) {
        Ok(now) => now.dev() == open.dev() && now.ino() == open.ino(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    })
}

/// Elsewhere an open file cannot be deleted.
#[cfg(not(unix))]
fn still_at(_file: &File, _path: &Path) -> std::io::Result<bool> {
    Ok(true)
}

/// The hash and length of what an earlier try left in the partial (one
/// longer than the file is emptied).
fn hash_existing(file: &mut File, size: u64) -> std::io::Result<(sha2::Sha256, u64)> {
    let mut hasher = sha2::Sha256::new();
    let len = file.metadata()?.len();
    if len > size {
        file.set_len(0)?;
        return Ok((hasher, 0));
    }
    if len == 0 {
        return Ok((hasher, 0));
    }
    let mut buf = vec![0u8; 1024 * 1024];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hasher, total))
}

/// Writes every chunk, in as few `writev` calls as the kernel allows.
fn write_all(file: &mut File, chunks: &[Bytes]) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = chunks.iter().map(|c| IoSlice::new(c)).collect();
    let mut slices = &mut slices[..];
    while !slices.is_empty() {
        match file.write_vectored(slices) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
