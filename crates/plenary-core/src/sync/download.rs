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
use std::sync::atomic::{AtomicI64, Ordering};

use sha2::Digest;
use tokio::io::AsyncWriteExt;

use super::http::Failed;
use super::plan::Fetch;
use super::progress::Progress;
use super::{SyncClient, SyncError, SyncOptions};
use crate::cache::BlobStore;
use crate::model::Sha256;

/// Bytes gathered before each write to disk: few, large writes.
const WRITE_BUFFER: usize = 256 * 1024;

impl SyncClient {
    /// One try at downloading `fetch` into the blob store; returns the bytes
    /// received over the network in this try.
    pub(crate) async fn download_once(
        &self,
        blobs: &BlobStore,
        fetch: &Fetch,
        options: &SyncOptions,
        progress: &Progress,
    ) -> Result<u64, Failed> {
        let sha = fetch.sha256;
        let path = blobs.partial_path(&sha);
        let (mut hasher, mut have) = hash_partial(&path, fetch.size).await?;
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await
            .map_err(|e| disk(e, &path))?;
        // What this try added to the progress, to take back what a failure undoes.
        let reported = AtomicI64::new(0);
        let report = |delta: i64, name: Option<&str>| {
            reported.fetch_add(delta, Ordering::Relaxed);
            progress.bytes(delta, name);
        };
        report(have as i64, Some(&fetch.file_name));
        let mut received = 0u64;
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
                            truncate(&mut file, &path).await?;
                            return Err(Failed::retry(self.unreachable(format!(
                                "asked for {sha} from byte {from}, got Content-Range {range:?}"
                            ))));
                        }
                    }
                    (Some(_), 200) => {
                        // The server sends the whole file: start again from zero.
                        truncate(&mut file, &path).await?;
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
                let mut buffer = Vec::with_capacity(WRITE_BUFFER);
                loop {
                    let chunk = match tokio::time::timeout(options.read_timeout, resp.chunk()).await
                    {
                        Err(_) => {
                            write(&mut file, &mut buffer, &path).await?;
                            return Err(Failed::retry(self.unreachable(format!(
                                "the download of {} stalled (nothing for {} s)",
                                fetch.file_name,
                                options.read_timeout.as_secs_f32()
                            ))));
                        }
                        Ok(Err(e)) => {
                            write(&mut file, &mut buffer, &path).await?;
                            return Err(Failed::retry(
                                self.transport(&e, &format!("downloading {}", fetch.file_name)),
                            ));
                        }
                        Ok(Ok(None)) => break,
                        Ok(Ok(Some(chunk))) => chunk,
                    };
                    hasher.update(&chunk);
                    have += chunk.len() as u64;
                    received += chunk.len() as u64;
                    report(chunk.len() as i64, None);
                    if have > fetch.size {
                        truncate(&mut file, &path).await?;
                        return Err(Failed::retry(SyncError::Corrupt {
                            sha256: sha,
                            detail: format!("the server sent more than {} bytes", fetch.size),
                        }));
                    }
                    buffer.extend_from_slice(&chunk);
                    if buffer.len() >= WRITE_BUFFER {
                        write(&mut file, &mut buffer, &path).await?;
                    }
                }
                write(&mut file, &mut buffer, &path).await?;
            }
            if have < fetch.size {
                return Err(Failed::retry(self.unreachable(format!(
                    "the download of {} ended after {have} of {} bytes",
                    fetch.file_name, fetch.size
                ))));
            }
            file.flush().await.map_err(|e| disk(e, &path))?;
            let actual = Sha256::from_bytes(hasher.clone().finalize().into());
            let store = blobs.clone();
            match tokio::task::spawn_blocking(move || store.commit_partial(&sha, &actual)).await {
                Ok(Ok(())) => Ok(received),
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

async fn write(
    file: &mut tokio::fs::File,
    buffer: &mut Vec<u8>,
    path: &Path,
) -> Result<(), Failed> {
    if !buffer.is_empty() {
        file.write_all(buffer).await.map_err(|e| disk(e, path))?;
        buffer.clear();
    }
    Ok(())
}

async fn truncate(file: &mut tokio::fs::File, path: &Path) -> Result<(), Failed> {
    file.flush().await.map_err(|e| disk(e, path))?;
    file.set_len(0).await.map_err(|e| disk(e, path))
}
