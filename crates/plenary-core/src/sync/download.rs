//! Streaming, resumable, verified downloads of one file.
//!
//! Architecture invariants:
//! - the bytes go to `blobs/partial/<sha256>.part`, hashed as they arrive;
//!   memory use does not grow with the file's size;
//! - an interrupted download is resumed with `Range: bytes=N-` (the hash of
//!   the N bytes already there is recomputed from disk first); a `200`
//!   answer restarts from zero, a `206` whose `Content-Range` does not start
//!   at N is refused;
//! - the file enters the cache only through [`BlobStore::commit_partial`],
//!   after its SHA-256 is checked; a wrong hash deletes the partial (the
//!   next try starts afresh) and never touches a good file;
//! - a full disk deletes the partial (to give the space back) and stops the sync.

use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use sha2::Digest;
use std::io::Write;

use super::http::Failed;
use super::plan::Fetch;
use super::progress::Progress;
use super::{SyncClient, SyncError, SyncOptions};
use crate::cache::BlobStore;
use crate::model::Sha256;

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
    ) -> Result<(), Failed> {
        let sha = fetch.sha256;
        let path = blobs.partial_path(&sha);
        let (mut hasher, mut have) = hash_partial(&path, fetch.size).await?;
        // Written synchronously, chunk by chunk, right after hashing: at every
        // await point the partial holds exactly the bytes hashed, so a cancel
        // (which drops this future) or a crash loses nothing it cannot redo.
        // Writes without fsync go to the page cache and take microseconds.
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| disk(e, &path))?;
        // What this try added to the progress, to take back what a failure undoes.
        let reported = AtomicI64::new(0);
        let report = |delta: i64, name: Option<&str>| {
            reported.fetch_add(delta, Ordering::Relaxed);
            progress.bytes(delta, name);
        };
        report(have as i64, Some(&fetch.file_name));
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
                            truncate(&mut file, &path)?;
                            return Err(Failed::retry(self.unreachable(format!(
                                "asked for {sha} from byte {from}, got Content-Range {range:?}"
                            ))));
                        }
                    }
                    (Some(_), 200) => {
                        // The server sends the whole file: start again from zero.
                        truncate(&mut file, &path)?;
                        hasher = sha2::Sha256::new();
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
                    if have + chunk.len() as u64 > fetch.size {
                        truncate(&mut file, &path)?;
                        return Err(Failed::retry(SyncError::Corrupt {
                            sha256: sha,
                            detail: format!("the server sent more than {} bytes", fetch.size),
                        }));
                    }
                    file.write_all(&chunk).map_err(|e| disk(e, &path))?;
                    hasher.update(&chunk);
                    have += chunk.len() as u64;
                    received.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    report(chunk.len() as i64, None);
                }
            }
            if have < fetch.size {
                return Err(Failed::retry(self.unreachable(format!(
                    "the download of {} ended after {have} of {} bytes",
                    fetch.file_name, fetch.size
                ))));
            }
            drop(file);
            let actual = Sha256::from_bytes(hasher.clone().finalize().into());
            let store = blobs.clone();
            match tokio::task::spawn_blocking(move || store.commit_partial(&sha, &actual)).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(crate::Error::HashMismatch { actual, .. })) => {
                    Err(Failed::retry(SyncError::Corrupt {
                        sha256: sha,
                        detail: format!("the bytes received hash to {actual}"),
                    }))
                }
                Ok(Err(e)) => Err(Failed::fatal(SyncError::Cache(e))),
                Err(e) => Err(Failed::fatal(SyncError::Protocol(format!(
                    "storing {sha}: {e}"
                )))),
            }
        }
        .await;
        if let Err(f) = &result {
            // Bytes of this try that will not count: those of a restarted or deleted partial.
            let kept = tokio::fs::metadata(&path)
                .await
                .map(|m| m.len())
                .unwrap_or(0);
            progress.bytes(kept as i64 - reported.load(Ordering::Relaxed), None);
            if matches!(f.error, SyncError::Cache(ref e) if e.code() == crate::ErrorCode::DiskFull)
            {
                let _ = tokio::fs::remove_file(&path).await;
            }
        }
        result
    }
}

/// The hash and length of what an earlier try left in the partial file (a
/// partial longer than the file is deleted).
async fn hash_partial(path: &Path, size: u64) -> Result<(sha2::Sha256, u64), Failed> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut hasher = sha2::Sha256::new();
        let mut file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((hasher, 0)),
            Err(e) => return Err(disk(e, &path)),
        };
        let len = file.metadata().map_err(|e| disk(e, &path))?.len();
        if len > size {
            drop(file);
            std::fs::remove_file(&path).map_err(|e| disk(e, &path))?;
            return Ok((sha2::Sha256::new(), 0));
        }
        let mut buf = vec![0u8; 1024 * 1024];
        let mut total = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(|e| disk(e, &path))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            total += n as u64;
        }
        Ok((hasher, total))
    })
    .await
    .map_err(|e| Failed::fatal(SyncError::Protocol(format!("hashing a partial: {e}"))))?
}

fn disk(e: std::io::Error, path: &Path) -> Failed {
    Failed::fatal(SyncError::Cache(crate::Error::io(
        format!("writing the download {}", path.display()),
        e,
    )))
}

fn truncate(file: &mut std::fs::File, path: &Path) -> Result<(), Failed> {
    file.set_len(0).map_err(|e| disk(e, path))
}
