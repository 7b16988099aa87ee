//! The app's side of sync: runs plenary-core's sync against the configured
//! server in the background and tells the UI how it is going through the
//! `sync-status` event (and the `sync_status` command for the first paint).
//!
//! No sync logic lives here: this is an adapter that owns a task and forwards
//! status. The cache stays readable during a sync (each feed page is one short
//! transaction), so the UI never waits for the network.

use std::sync::{Arc, Mutex, PoisonError};

use plenary_core::Cache;
use plenary_core::publish::Publisher;
use plenary_core::sync::{SyncClient, SyncError, SyncOptions};
use serde::Serialize;
use tauri::{AppHandle, Emitter};
use time::OffsetDateTime;
use tokio::sync::Notify;

/// The event the UI listens to; its payload is a [`SyncStatus`].
pub const STATUS_EVENT: &str = "sync-status";

/// Where the app syncs from: `--server`/`PLENARY_SERVER` and
/// `--token`/`PLENARY_TOKEN`.
#[derive(Debug, Clone)]
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
    /// The server could not be reached (no network, server down).
    Unreachable,
    /// The server answered but refused (token, access) or answered nonsense.
    Refused,
}

/// What the UI shows about sync. Serialised to the `sync-status` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub server: Option<String>,
    pub connection: Connection,
    pub syncing: bool,
    /// RFC 3339.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success: Option<OffsetDateTime>,
    /// A sentence for the delegate, with what to do.
    pub last_error: Option<String>,
    /// Bumped each time a sync changed what the cache holds, so screens
    /// know to reload.
    pub generation: u64,
    /// The token's role on the server once known (`anonymous` without a
    /// token); the UI shows staff tools to `staff` and `admin`.
    pub role: Option<String>,
}

/// The background sync task and its shared status.
#[derive(Debug)]
pub struct SyncService {
    status: Mutex<SyncStatus>,
    wake: Notify,
}

impl SyncService {
    pub fn new(server: Option<&ServerConfig>) -> Arc<Self> {
        Arc::new(SyncService {
            status: Mutex::new(SyncStatus {
                server: server.map(|s| s.url.clone()),
                connection: if server.is_some() {
                    Connection::Unknown
                } else {
                    Connection::NotConfigured
                },
                syncing: false,
                last_success: None,
                last_error: None,
                generation: 0,
                role: None,
            }),
            wake: Notify::new(),
        })
    }

    pub fn status(&self) -> SyncStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Asks the task to sync now (coalesced with a sync already asked for).
    pub fn sync_now(&self) {
        self.wake.notify_one();
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

    /// Syncs at once, then each time [`sync_now`](Self::sync_now) is called.
    pub async fn run(
        self: Arc<Self>,
        app: AppHandle,
        server: ServerConfig,
        cache: Arc<Mutex<Cache>>,
    ) {
        let client = match SyncClient::new(&server.url, server.token.clone()) {
            Ok(client) => client,
            Err(e) => {
                self.update(&app, |s| {
                    s.connection = Connection::Refused;
                    s.last_error = Some(e.to_string());
                });
                return;
            }
        };
        let publisher = Publisher::new(&server.url, server.token.clone()).ok();
        let options = SyncOptions::default();
        loop {
            // Who we are on the server, asked until it answers once.
            if self.status().role.is_none()
                && let Some(publisher) = &publisher
                && let Ok(identity) = publisher.identity().await
            {
                self.update(&app, |s| s.role = Some(identity.role));
            }
            self.update(&app, |s| s.syncing = true);
            let result = client.sync(&cache, &options).await;
            match &result {
                Ok(report) => tracing::info!(?report, "sync done"),
                Err(e) => tracing::warn!(error = %e, "sync failed"),
            }
            self.update(&app, |s| {
                s.syncing = false;
                match result {
                    Ok(report) => {
                        s.connection = Connection::Online;
                        if report.records > 0 || report.files_fetched > 0 {
                            s.generation += 1;
                        }
                        if report.files_failed.is_empty() {
                            s.last_success = Some(OffsetDateTime::now_utc());
                            s.last_error = None;
                        } else {
                            s.last_error = Some(format!(
                                "{} file(s) could not be downloaded; Plenary will try again at the next sync",
                                report.files_failed.len()
                            ));
                        }
                    }
                    Err(e) => {
                        s.connection = match e {
                            SyncError::Unreachable { .. } => Connection::Unreachable,
                            _ => Connection::Refused,
                        };
                        s.last_error = Some(e.to_string());
                    }
                }
            });
            self.wake.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_serialises_for_the_ui() {
        let service = SyncService::new(Some(&ServerConfig {
            url: "http://127.0.0.1:9".into(),
            token: None,
        }));
        let json = serde_json::to_value(service.status()).unwrap();
        assert_eq!(json["connection"], "unknown");
        assert_eq!(json["server"], "http://127.0.0.1:9");
        assert_eq!(json["last_success"], serde_json::Value::Null);
        assert_eq!(json["generation"], 0);

        let offline = SyncService::new(None);
        assert_eq!(offline.status().connection, Connection::NotConfigured);
    }
}
