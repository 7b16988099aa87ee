//! plenary-app: the desktop shell. It opens the cache once, holds it in
//! managed state and exposes thin command adapters over plenary-core to the
//! web front end in `ui/`. No domain logic lives here.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod marks;
mod notes_io;
mod rendering;
mod sync;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::Parser;
use tauri::{WebviewUrl, WebviewWindowBuilder};

use commands::{AppState, CommandError};
use marks::Marks;
use sync::{ServerConfig, ServerSource, SyncService};

/// Plenary: meeting documents for delegates, offline.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The cache folder (else PLENARY_CACHE_DIR, else the platform's data folder).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,

    /// The screen to open, as the UI's hash route: `/meetings/<id>` or
    /// `/documents/<id>`. Default: the meeting list.
    #[arg(long, value_name = "ROUTE")]
    route: Option<String>,

    /// The Plenary server to sync from, e.g. http://127.0.0.1:7878. Without
    /// one the app reads its cache only.
    #[arg(long, value_name = "URL", env = "PLENARY_SERVER")]
    server: Option<String>,

    /// The access token for the server (given by the secretariat).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "PLENARY_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
}

fn main() -> anyhow::Result<()> {
    // First thing: the clock that PLENARY_MARK times are measured against.
    let marks = Marks::start();
    // Before any thread starts: it may set WebKit's environment.
    let rendering = rendering::apply();
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "plenary=info,plenary_app=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    tracing::debug!(?rendering, "web view rendering policy");

    let cache_dir = plenary_core::paths::cache_dir(args.cache_dir);
    // A cache we cannot open (written by a newer Plenary, locked, not a
    // cache) must not stop the window from opening: the UI shows the message.
    let cache = plenary_core::Cache::open(&cache_dir)
        .map(|c| Arc::new(Mutex::new(c)))
        .map_err(|e| CommandError::from(&e));
    if let Err(e) = &cache {
        eprintln!("plenary-app: cannot open the cache: {}", e.message);
    }
    // The command line (or environment) wins over the server saved in
    // Settings; without either the app reads its cache only.
    let (server, source) = match args.server.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => (
            Some(ServerConfig {
                url: url.to_owned(),
                token: args.token.clone(),
            }),
            ServerSource::CommandLine,
        ),
        _ => (saved_server(&cache), ServerSource::Settings),
    };
    let sync = SyncService::new(server.as_ref(), source);
    // Sync needs the cache; a cache that failed to open is shown, not synced.
    let sync_job = match (&server, &cache) {
        (Some(server), Ok(cache)) => Some((server.clone(), cache.clone())),
        _ => None,
    };
    let state = AppState {
        cache,
        cache_dir,
        marks,
        sync: sync.clone(),
    };

    let init_script = initial_route_script(args.route.as_deref())?;
    tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::list_meetings,
            commands::meeting_overview,
            commands::document,
            commands::version_file,
            commands::version_preview,
            commands::version_text,
            commands::app_info,
            commands::mark,
            commands::sync_status,
            commands::sync_now,
            commands::publish_version,
            commands::settings,
            commands::set_preferences,
            commands::set_keep_languages,
            commands::free_space,
            commands::clear_files,
            commands::set_server,
            commands::search,
            commands::mark_meeting_seen,
            commands::mark_document_read,
            commands::mark_meeting_read,
            commands::notes_for_version,
            commands::create_note,
            commands::update_note,
            commands::delete_note,
            commands::restore_note,
            commands::attach_note,
            commands::meeting_notes,
            commands::note_sharing,
            commands::share_note,
            notes_io::export_notes,
            notes_io::import_notes,
            notes_io::notes_report,
            commands::compare_versions,
            commands::default_comparison,
        ])
        .setup(move |app| {
            // The window is built here rather than in tauri.conf.json so the
            // initial route can be handed to the page before it runs.
            WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title("Plenary")
                .inner_size(1280.0, 820.0)
                .min_inner_size(720.0, 480.0)
                .initialization_script(&init_script)
                // Files dropped on the window reach the page as HTML5 drop
                // events (staff publish by dropping a file on a document), so
                // the page gets only the file the user dropped, never a path.
                .disable_drag_drop_handler()
                .build()?;
            if let Some((server, cache)) = sync_job {
                let app = app.handle().clone();
                tauri::async_runtime::spawn(async move { sync.start(&app, server, cache).await });
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .context("running the Tauri application")
}

/// The server saved in Settings, if the cache holds one.
fn saved_server(
    cache: &Result<Arc<Mutex<plenary_core::Cache>>, CommandError>,
) -> Option<ServerConfig> {
    let cache = cache.as_ref().ok()?;
    let saved = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .server_settings()
        .inspect_err(|e| tracing::warn!("cannot read the saved server: {e}"))
        .ok()?;
    Some(ServerConfig {
        url: saved.url?,
        token: saved.token,
    })
}

/// A script run before the page's own: tells the UI which route to open when
/// the URL has no hash yet. The route is checked so that only a path reaches
/// the page, and embedded as a JSON string literal (valid JavaScript).
fn initial_route_script(route: Option<&str>) -> anyhow::Result<String> {
    let route = match route {
        None => return Ok(String::new()),
        Some(r) => r.trim(),
    };
    let route = if route.starts_with('/') {
        route.to_owned()
    } else {
        format!("/{route}")
    };
    anyhow::ensure!(
        route.chars().all(|c| !c.is_control()) && route.len() <= 1000,
        "--route must be a path such as /meetings/<id>"
    );
    Ok(format!(
        "window.__PLENARY_INITIAL_ROUTE__ = {};",
        serde_json::to_string(&route)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_embedded_as_json_strings() {
        assert_eq!(initial_route_script(None).unwrap(), "");
        assert_eq!(
            initial_route_script(Some("meetings/ccm-msp12")).unwrap(),
            r#"window.__PLENARY_INITIAL_ROUTE__ = "/meetings/ccm-msp12";"#
        );
        let tricky = initial_route_script(Some(r#"/documents/x";alert(1);""#)).unwrap();
        assert_eq!(
            tricky,
            r#"window.__PLENARY_INITIAL_ROUTE__ = "/documents/x\";alert(1);\"";"#
        );
        assert!(initial_route_script(Some("/a\nb")).is_err());
    }

    #[test]
    fn arguments_parse() {
        let args = Args::try_parse_from(["plenary-app", "--cache-dir", "/tmp/c", "--route", "/x"])
            .unwrap();
        assert_eq!(args.cache_dir, Some(PathBuf::from("/tmp/c")));
        assert_eq!(args.route.as_deref(), Some("/x"));
        assert!(Args::try_parse_from(["plenary-app", "--bogus"]).is_err());
    }
}
