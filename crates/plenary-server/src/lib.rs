//! `plenary-server`: what secretariat staff publish to and every client syncs
//! from. A change feed, files by SHA-256, live events, publishing, tokens.
//!
//! Architecture invariant: handlers are thin. Validation of published data and
//! the feed's guarantees live in [`store`]; handlers parse, check the caller's
//! role and map errors to JSON.

pub mod error;
pub mod corpus;
pub mod extract;
pub mod routes;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;

use store::{FileStore, LocalFiles, SqliteStore, Store};

#[derive(Debug, Clone)]
pub struct Config {
    /// Folder holding `server.sqlite3` and `files/`.
    pub data_dir: PathBuf,
    /// Largest file accepted for upload, in bytes.
    pub max_upload_bytes: usize,
    /// How long text extraction of one file may take.
    pub extract_timeout: std::time::Duration,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            max_upload_bytes: 200 * 1024 * 1024,
            extract_timeout: std::time::Duration::from_secs(60),
        }
    }
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub files: Arc<dyn FileStore>,
    /// The feed's head; live-event clients watch it.
    pub head: Arc<watch::Sender<u64>>,
    pub config: Arc<Config>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("head", &*self.head.borrow())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Opens the embedded default backends (SQLite and a local folder) in `config.data_dir`.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = SqliteStore::open(&config.data_dir.join("server.sqlite3"))?;
        let files = LocalFiles::open(config.data_dir.join("files"))?;
        Ok(Self::with_backends(Arc::new(store), Arc::new(files), config).await?)
    }

    pub async fn with_backends(
        store: Arc<dyn Store>,
        files: Arc<dyn FileStore>,
        config: Config,
    ) -> Result<Self, store::StoreError> {
        let head = store.head().await?;
        Ok(AppState {
            store,
            files,
            head: Arc::new(watch::channel(head).0),
            config: Arc::new(config),
        })
    }

    /// Tells live-event clients that the feed moved.
    pub fn announce(&self, head: u64) {
        self.head.send_if_modified(|current| {
            let moved = head > *current;
            if moved {
                *current = head;
            }
            moved
        });
    }
}

/// Publishes the demo meeting through the same path as staff uploads:
/// files first (checked, text extracted), then all records in one batch.
/// Running it again changes nothing and does not move the feed.
pub async fn publish_demo(state: &AppState) -> anyhow::Result<u64> {
    let demo = tokio::task::spawn_blocking(plenary_demo::generate).await??;
    for file in demo.files {
        routes::store_file(state, file.sha256, file.media_type, file.bytes.into())
            .await
            .map_err(|e| anyhow::anyhow!("publishing a demo file: {}", e.message))?;
    }
    let head = state.store.publish(demo.records).await?;
    state.announce(head);
    Ok(head)
}

/// A server bound to its address and running until the handle is dropped or
/// `shutdown` is called.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task)
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = routes::router(state.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}
