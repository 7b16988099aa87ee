//! The app's side of sync: runs plenary-core's [`LiveSync`] against the
//! configured server on Tauri's tokio runtime and tells the UI how it is going
//! through the `sync-status` event (and the `sync_status` command for the
//! first paint).
//!
//! No sync logic lives here: this adapter forwards the core's status, adds
//! what only the UI needs (the server address, the token's role, a generation
//! number that screens reload on) and passes "sync now" through. The cache
//! stays readable during a sync (each feed page is one short transaction), so
//! the UI never waits for the network.

use std::sync::{Arc, Mutex, PoisonError};

use plenary_core::Cache;
use plenary_core::publish::Publisher;
use plenary_core::sync::{
    LiveSync, SyncClient, SyncOptions, SyncProgress, SyncStatus as CoreStatus,
};
use serde::Serialize;
use tauri::{AppHandle, Emitter};
use time::OffsetDateTime;

/// The event the UI listens to; its payload is a [`SyncStatus`].
pub const STATUS_EVENT: &str = "sync-status";

/// Where the app syncs from: `--server`/`PLENARY_SERVER` and
/// `--token`/`PLENARY_TOKEN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub url: String,
    pub token: Option<String>,
}

/// Whether the app can reach its server, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    /// No server configured: the app reads its cache only.
    NotConfigured,
    /// Not tried yet.
    Unknown,
    /// The last exchange with the server succeeded.
    Online,
    /// No connection could be made (no network, server not running).
    Offline,
    /// The server was reached but failed (errors, stalls, cut responses).
    Unreachable,
    /// The server refused the token or access.
    Refused,
}

/// What the UI shows about sync. Serialised to the `sync-status` event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncStatus {
    pub server: Option<String>,
    pub connection: Connection,
    pub syncing: bool,
    pub progress: Option<SyncProgress>,
    /// RFC 3339.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success: Option<OffsetDateTime>,
    /// A sentence for the delegate, with what to do.
    pub last_error: Option<String>,
    /// Bumped each time a sync ended, so screens reload what they show.
    pub generation: u64,
    /// The token's role on the server once known (`anonymous` without a
    /// token); the UI shows staff tools to `staff` and `admin`.
    pub role: Option<String>,
}

/// Where the server configuration came from: the command line wins over
/// what the user saved in Settings (and then cannot be changed there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerSource {
    CommandLine,
    Settings,
}

/// The live sync and its status as the UI sees it. The server can be changed
/// while the app runs ([`SyncService::configure`]): the running live sync is
/// stopped (its partial downloads stay for the next one) and a new one
/// started.
#[derive(Debug)]
pub struct SyncService {
    status: Mutex<SyncStatus>,
    running: Mutex<Option<Running>>,
    server: Mutex<Option<ServerConfig>>,
    source: ServerSource,
    /// One reconfiguration at a time (two quick "Save"s must not leave two
    /// live syncs running).
    configuring: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct Running {
    live: LiveSync,
    tasks: Vec<tauri::async_runtime::JoinHandle<()>>,
}

fn initial_status(server: Option<&ServerConfig>, generation: u64) -> SyncStatus {
    SyncStatus {
        server: server.map(|s| s.url.clone()),
        connection: if server.is_some() {
            Connection::Unknown
        } else {
            Connection::NotConfigured
        },
        syncing: false,
        progress: None,
        last_success: None,
        last_error: None,
        generation,
        role: None,
    }
}

impl SyncService {
    pub fn new(server: Option<&ServerConfig>, source: ServerSource) -> Arc<Self> {
        Arc::new(SyncService {
            status: Mutex::new(initial_status(server, 0)),
            running: Mutex::new(None),
            server: Mutex::new(server.cloned()),
            source,
            configuring: tokio::sync::Mutex::new(()),
        })
    }

    pub fn status(&self) -> SyncStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The server the app syncs from (and publishes to), if any.
    pub fn server(&self) -> Option<ServerConfig> {
        self.server
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn source(&self) -> ServerSource {
        self.source
    }

    /// Asks for a sync now (or right after the running one).
    pub fn sync_now(&self) {
        if let Some(running) = &*self.running.lock().unwrap_or_else(PoisonError::into_inner) {
            running.live.sync_now();
        }
    }

    fn update(&self, app: &AppHandle, f: impl FnOnce(&mut SyncStatus)) {
        let status = {
            let mut guard = self.status.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard);
            guard.clone()
        };
        // A window that is gone cannot be told; nothing to do about it.
        let _ = app.emit(STATUS_EVENT, status);
    }

    /// Switches to another server (or to none): stops the running live sync,
    /// waits for it to end, then starts syncing from `server`.
    pub async fn configure(
        self: &Arc<Self>,
        app: &AppHandle,
        server: Option<ServerConfig>,
        cache: Arc<Mutex<Cache>>,
    ) {
        let _one_at_a_time = self.configuring.lock().await;
        let old = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(old) = old {
            for task in &old.tasks {
                task.abort();
            }
            old.live.stop().await;
        }
        *self.server.lock().unwrap_or_else(PoisonError::into_inner) = server.clone();
        self.update(app, |s| {
            // Screens reload: another server may bring other meetings.
            *s = initial_status(server.as_ref(), s.generation + 1);
        });
        if let Some(server) = server {
            self.start(app, server, cache).await;
        }
    }

    /// Starts the live sync and a task forwarding its status to the UI.
    /// Async only because the live sync spawns on the running tokio runtime.
    pub async fn start(
        self: &Arc<Self>,
        app: &AppHandle,
        server: ServerConfig,
        cache: Arc<Mutex<Cache>>,
    ) {
        let client = match SyncClient::new(&server.url, server.token.clone()) {
            Ok(client) => client,
            Err(e) => {
                self.update(app, |s| {
                    s.connection = Connection::Refused;
                    s.last_error = Some(e.to_string());
                });
                return;
            }
        };
        let mut tasks = Vec::new();
        // Who we are on the server (for staff tools), off the sync's path.
        if let Ok(publisher) = Publisher::new(&server.url, server.token.clone()) {
            let this = self.clone();
            let app = app.clone();
            tasks.push(tauri::async_runtime::spawn(async move {
                if let Ok(identity) = publisher.identity().await {
                    this.update(&app, |s| s.role = Some(identity.role));
                }
            }));
        }
        let live = LiveSync::start(client, cache, SyncOptions::default());
        let status = live.status();
        tasks.push(tauri::async_runtime::spawn(
            self.clone().forward(app.clone(), status),
        ));
        *self.running.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Running { live, tasks });
    }

    /// Forwards the core's status to the UI until the live sync ends.
    async fn forward(
        self: Arc<Self>,
        app: AppHandle,
        mut status: tokio::sync::watch::Receiver<CoreStatus>,
    ) {
        let mut seen = (None, None);
        loop {
            let core = status.borrow_and_update().clone();
            // New data: the cursor moved or a sync finished (files arrive
            // without moving the cursor). Watch channels coalesce, so a
            // quick sync may never be seen "running": compare results.
            let now = (Some(core.cursor), core.last_success);
            let changed = now != seen;
            seen = now;
            self.update(&app, |s| {
                if changed || (s.syncing && !core.syncing) {
                    s.generation += 1;
                }
                s.connection = match core.connection {
                    plenary_core::sync::Connection::Online => Connection::Online,
                    plenary_core::sync::Connection::Offline => Connection::Offline,
                    plenary_core::sync::Connection::Unreachable => Connection::Unreachable,
                    plenary_core::sync::Connection::Refused(_) => Connection::Refused,
                };
                s.syncing = core.syncing;
                s.progress = core.progress;
                s.last_success = core.last_success;
                s.last_error = core.last_error;
            });
            if status.changed().await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_serialises_for_the_ui() {
        let service = SyncService::new(
            Some(&ServerConfig {
                url: "http://127.0.0.1:9".into(),
                token: None,
            }),
            ServerSource::CommandLine,
        );
        let json = serde_json::to_value(service.status()).unwrap();
        assert_eq!(json["connection"], "unknown");
        assert_eq!(json["server"], "http://127.0.0.1:9");
        assert_eq!(json["last_success"], serde_json::Value::Null);
        assert_eq!(json["generation"], 0);

        let offline = SyncService::new(None, ServerSource::Settings);
        assert_eq!(offline.status().connection, Connection::NotConfigured);
    }
}
