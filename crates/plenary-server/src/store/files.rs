//! Where the server keeps files. The embedded default is a folder on disk with
//! the same verified, atomic, content-addressed layout as the client's cache
//! (`plenary_core::cache::BlobStore`); an S3-compatible backend would answer
//! `locate` with a presigned URL instead of a path.

use std::path::PathBuf;

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
    blobs: std::sync::Arc<BlobStore>,
}

impl LocalFiles {
    pub fn open(dir: impl Into<PathBuf>) -> StoreResult<Self> {
        Ok(LocalFiles {
            blobs: std::sync::Arc::new(BlobStore::open(dir)?),
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
            .map_err(StoreError::from)
    }

    async fn locate(&self, sha256: Sha256) -> StoreResult<Option<FileLocation>> {
        let path = self.blobs.path_of(&sha256);
        Ok(tokio::fs::try_exists(&path)
            .await
            .unwrap_or(false)
            .then_some(FileLocation::Path(path)))
    }

    async fn read(&self, sha256: Sha256) -> StoreResult<Vec<u8>> {
        let blobs = self.blobs.clone();
        tokio::task::spawn_blocking(move || blobs.read(&sha256))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
            .map_err(StoreError::from)
    }
}
