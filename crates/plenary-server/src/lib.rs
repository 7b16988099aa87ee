//! `plenary-server`: what secretariat staff publish to and every client syncs
//! from. A change feed, files by SHA-256, live events, publishing, tokens.
//!
//! Architecture invariant: handlers are thin. Validation of published data and
//! the feed's guarantees live in [`store`]; handlers parse, check the caller's
//! role and map errors to JSON.

pub mod corpus;
pub mod error;
pub mod events;
pub mod extract;
pub mod hot;
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
    /// Memory for recently published or requested files, in bytes.
    pub hot_files_bytes: u64,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            max_upload_bytes: 200 * 1024 * 1024,
            extract_timeout: std::time::Duration::from_secs(60),
            hot_files_bytes: 256 * 1024 * 1024,
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
    /// The shared notes feed's head; live-event clients watch it too.
    pub notes_head: Arc<watch::Sender<u64>>,
    pub config: Arc<Config>,
    /// Files served from memory (see [`hot`]).
    pub hot: Arc<hot::HotFiles>,
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
        let notes_head = store.notes_head().await?;
        Ok(AppState {
            store,
            files,
            head: Arc::new(watch::channel(head).0),
            notes_head: Arc::new(watch::channel(notes_head).0),
            hot: Arc::new(hot::HotFiles::new(
                config.hot_files_bytes,
                config.hot_files_bytes / 8,
            )),
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

impl AppState {
    /// Tells live-event clients that the shared notes feed moved.
    pub fn announce_notes(&self, head: u64) {
        self.notes_head.send_if_modified(|current| {
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

/// Makes the page-1 previews of PDFs published before the server made them
/// (one at a time, in the background of a running server); returns how many
/// were tried. Each outcome is recorded, so a PDF is tried once.
pub async fn make_missing_previews(state: &AppState) -> anyhow::Result<usize> {
    let missing = state.store.pdfs_without_preview().await?;
    for &sha in &missing {
        let bytes = state.files.read(sha).await?;
        let preview = extract::pdf_preview(&bytes, state.config.extract_timeout).await;
        state.store.set_preview(sha, preview).await?;
    }
    Ok(missing.len())
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
    let (head, notes) = (state.head.clone(), state.notes_head.clone());
    let task = tokio::spawn(accept_loop(listener, app, head, notes, rx));
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}

/// Accepts connections until `stop` fires. `/v1/events` connections go to
/// [`events`] (see there why), all others to hyper with the axum router.
/// On stop, event streams end and requests in flight finish.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    head: Arc<watch::Sender<u64>>,
    notes: Arc<watch::Sender<u64>>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;

    // One timer for every event stream's heartbeat, not one per connection.
    let (beat_tx, beat_rx) = watch::channel(());
    let beats = tokio::spawn(async move {
        let mut every = tokio::time::interval(routes::EVENT_HEARTBEAT);
        every.tick().await;
        loop {
            every.tick().await;
            beat_tx.send_replace(());
        }
    });
    let (closing_tx, closing_rx) = watch::channel(false);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let http = hyper::server::conn::http1::Builder::new();
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of descriptors or a connection reset before accept:
                // this connection is lost, the server goes on.
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let (head, notes, beat_rx, closing_rx) = (
            head.clone(),
            notes.clone(),
            beat_rx.clone(),
            closing_rx.clone(),
        );
        let (app, http, watcher) = (app.clone(), http.clone(), graceful.watcher());
        // Decided in the connection's own task: waiting for a client's first
        // bytes must never hold up accepting the next client.
        tokio::spawn(async move {
            if events::is_events_request(&stream).await {
                events::serve(
                    stream,
                    head.subscribe(),
                    notes.subscribe(),
                    beat_rx,
                    closing_rx,
                )
                .await;
                return;
            }
            let service = TowerToHyperService::new(app);
            // No upgrades: the API has no WebSocket.
            let conn = http.serve_connection(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    drop(listener);
    closing_tx.send_replace(true);
    beats.abort();
    graceful.shutdown().await;
    Ok(())
}
