//! Where the server keeps files. The embedded default is a folder on disk with
//! the same verified, atomic, content-addressed layout as the client's cache
//! (`plenary_core::cache::BlobStore`); an S3-compatible backend would answer
//! `locate` with a presigned URL instead of a path.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use plenary_core::cache::BlobStore;
use plenary_core::model::Sha256;

use super::{StoreError, StoreResult};

/// Where a file can be read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileLocation {
    /// A local file, served with Range and conditional requests.
    Path(PathBuf),
}

#[async_trait]
pub trait FileStore: Send + Sync + 'static {
    /// Stores `bytes` under `sha256`, refusing bytes that hash to anything else.
    async fn put(&self, sha256: Sha256, bytes: bytes::Bytes) -> StoreResult<()>;
    async fn locate(&self, sha256: Sha256) -> StoreResult<Option<FileLocation>>;
    async fn read(&self, sha256: Sha256) -> StoreResult<Vec<u8>>;
}

#[derive(Debug, Clone)]
pub struct LocalFiles {
    blobs: Arc<BlobStore>,
    /// The files whose hash this process has checked on a read. Files are
    /// immutable (content-addressed, verified when stored, renamed into
    /// place), so each is checked on its first read only: checking it on
    /// every read was 15% of a busy server's CPU (sync bench, session 16)
    /// and protected nothing more, since every client checks every file it
    /// receives. 32 bytes per file.
    checked: Arc<Mutex<HashSet<Sha256>>>,
}

impl LocalFiles {
    pub fn open(dir: impl Into<PathBuf>) -> StoreResult<Self> {
        Ok(LocalFiles {
            blobs: Arc::new(BlobStore::open(dir)?),
            checked: Arc::default(),
        })
    }
}

#[async_trait]
impl FileStore for LocalFiles {
    async fn put(&self, sha256: Sha256, bytes: bytes::Bytes) -> StoreResult<()> {
        let blobs = self.blobs.clone();
        tokio::task::spawn_blocking(move || blobs.put_expected(&sha256, &bytes))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
            .map_err(StoreError::from)?;
        // `put_expected` hashed these very bytes.
        self.checked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(sha256);
        Ok(())
    }

    async fn locate(&self, sha256: Sha256) -> StoreResult<Option<FileLocation>> {
        let path = self.blobs.path_of(&sha256);
        Ok(tokio::fs::try_exists(&path)
            .await
            .unwrap_or(false)
            .then_some(FileLocation::Path(path)))
    }

    async fn read(&self, sha256: Sha256) -> StoreResult<Vec<u8>> {
        let (blobs, checked) = (self.blobs.clone(), self.checked.clone());
        tokio::task::spawn_blocking(move || {
            let seen = checked
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&sha256);
            if seen {
                return blobs.read_unchecked(&sha256);
            }
            // A damaged file is quarantined and never served.
            let bytes = blobs.read(&sha256)?;
            checked
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(sha256);
            Ok(bytes)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
        .map_err(StoreError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_file_damaged_on_disk_is_refused_on_its_first_read_and_quarantined() {
        let dir = tempfile::tempdir().unwrap();
        let files = LocalFiles::open(dir.path()).unwrap();
        let (good, bad) = (b"a good file".to_vec(), b"a file to damage".to_vec());
        let (good_sha, bad_sha) = (Sha256::of(&good), Sha256::of(&bad));
        files.put(good_sha, good.clone().into()).await.unwrap();
        files.put(bad_sha, bad.into()).await.unwrap();
        // A server started afresh over the same folder has read nothing yet.
        let files = LocalFiles::open(dir.path()).unwrap();
        assert_eq!(files.read(good_sha).await.unwrap(), good);
        assert_eq!(
            files.read(good_sha).await.unwrap(),
            good,
            "a file read before reads the same again"
        );

        let path = files.blobs.path_of(&bad_sha);
        std::fs::remove_file(&path).unwrap(); // blobs may be read-only
        std::fs::write(&path, b"bit rot").unwrap();
        let refused = files.read(bad_sha).await;
        assert!(
            refused.is_err(),
            "a damaged file must never be served: {refused:?}"
        );
        assert!(
            !files.blobs.path_of(&bad_sha).exists(),
            "the damaged file is moved out of the way"
        );
    }
}
