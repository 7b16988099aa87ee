//! The commands the UI invokes: adapters that parse identifiers, call
//! plenary-core and map its errors to `{code, message}`.
//!
//! They are `async` so Tauri runs them off the main (GTK) thread: reading a
//! large PDF must not freeze the window.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use plenary_core::cache::notes::share::SharingView;
use plenary_core::cache::{
    DocumentDetail, FreedSpace, MeetingNote, MeetingOverview, MeetingSummary, NewNote, Note,
    NoteEdit, NoteFilter, PlacedNote, Preferences, Preview, Rendition, Selection, ServerSettings,
    SpaceUsed, VersionNotes,
};
use plenary_core::compare::{CompareOptions, VersionComparison};
use plenary_core::model::{DocumentId, MeetingId, VersionId};
use plenary_core::publish::{NewVersion, PublishError, Published, Publisher};
use plenary_core::sync::Languages;
use plenary_core::{Cache, ErrorCode};
use serde::Serialize;
use tauri::State;
use tauri::ipc::Response;

use crate::marks::{self, Marks};
use crate::sync::{ServerConfig, ServerSource, SyncService, SyncStatus};

/// Managed state: the cache opened at startup (or why it could not be).
#[derive(Debug)]
pub struct AppState {
    pub cache: Result<Arc<Mutex<Cache>>, CommandError>,
    pub cache_dir: PathBuf,
    pub marks: Marks,
    pub sync: Arc<SyncService>,
}

/// What a failed command returns to the UI (as the rejected promise's value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<&plenary_core::Error> for CommandError {
    fn from(e: &plenary_core::Error) -> Self {
        CommandError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<plenary_core::Error> for CommandError {
    fn from(e: plenary_core::Error) -> Self {
        CommandError::from(&e)
    }
}

impl From<plenary_core::InvalidInput> for CommandError {
    fn from(e: plenary_core::InvalidInput) -> Self {
        CommandError::from(plenary_core::Error::from(e))
    }
}

type CommandResult<T> = Result<T, CommandError>;

impl AppState {
    fn cache(&self) -> CommandResult<MutexGuard<'_, Cache>> {
        let cache = self.cache.as_ref().map_err(Clone::clone)?;
        // A command that panicked while holding the lock leaves the cache
        // itself consistent (SQLite transactions), so keep using it.
        Ok(cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    pub fn list_meetings(&self) -> CommandResult<Vec<MeetingSummary>> {
        Ok(self.cache()?.meetings()?)
    }

    pub fn meeting_overview(&self, id: &str) -> CommandResult<MeetingOverview> {
        let id = MeetingId::new(id)?;
        Ok(self.cache()?.meeting_overview(&id)?)
    }

    pub fn document(&self, id: &str) -> CommandResult<DocumentDetail> {
        let id = DocumentId::new(id)?;
        Ok(self.cache()?.document(&id)?)
    }

    pub fn version_file(&self, id: &str) -> CommandResult<Vec<u8>> {
        let id = VersionId::new(id)?;
        let (_version, bytes) = self.cache()?.version_file(&id)?;
        Ok(bytes)
    }

    /// Page 1 of a PDF version as the server drew it, for the reader to
    /// show in the page's place while pdf.js loads; `None` when the server
    /// made none.
    pub fn version_preview(&self, id: &str) -> CommandResult<Option<Preview>> {
        let id = VersionId::new(id)?;
        Ok(self.cache()?.version_preview(&id)?)
    }

    /// The version's text as the server extracted it, page by page; `None`
    /// until the sync has fetched it.
    pub fn version_text(&self, id: &str) -> CommandResult<Option<Rendition>> {
        let id = VersionId::new(id)?;
        let cache = self.cache()?;
        let version = cache.version(&id)?;
        Ok(cache.rendition(&version.sha256)?)
    }

    /// Everything the Settings screen shows.
    pub fn settings(&self) -> CommandResult<SettingsView> {
        let cache = self.cache()?;
        let server = self.sync.server();
        Ok(SettingsView {
            preferences: cache.preferences()?,
            server_url: server.as_ref().map(|s| s.url.clone()),
            // The token itself never goes back to the page.
            has_token: server.as_ref().is_some_and(|s| s.token.is_some()),
            server_source: self.sync.source(),
            keep_languages: cache.keep()?.languages,
            space: cache.space_used()?,
            cache_path: self.cache_dir.display().to_string(),
        })
    }

    pub fn set_preferences(&self, preferences: &Preferences) -> CommandResult<Preferences> {
        let cache = self.cache()?;
        cache.set_preferences(preferences)?;
        Ok(cache.preferences()?)
    }

    pub fn set_keep_languages(&self, languages: &Languages) -> CommandResult<()> {
        if let Languages::Only(list) = languages
            && list.is_empty()
        {
            return Err(plenary_core::InvalidInput::new(
                "languages",
                "keep at least one language offline, or choose all languages",
            )
            .into());
        }
        Ok(self.cache()?.set_keep_languages(languages)?)
    }

    /// Saves the server and token given in Settings and says what to sync
    /// from now. `token: None` keeps the saved token; `Some("")` removes it.
    pub fn save_server(
        &self,
        url: Option<String>,
        token: Option<String>,
    ) -> CommandResult<Option<ServerConfig>> {
        if self.sync.source() == ServerSource::CommandLine {
            return Err(plenary_core::InvalidInput::new(
                "server",
                "Plenary was started with --server (or PLENARY_SERVER), which takes precedence; \
                 start it without to choose the server here",
            )
            .into());
        }
        let cache = self.cache()?;
        let token = match token {
            None => cache.server_settings()?.token,
            Some(t) => Some(t),
        };
        let saved = cache.set_server_settings(ServerSettings { url, token })?;
        Ok(saved.url.map(|url| ServerConfig {
            url,
            token: saved.token,
        }))
    }

    pub fn app_info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION"),
            cache_path: self.cache_dir.display().to_string(),
            schema_version: plenary_core::cache::schema::latest_version(),
            cache_error: self.cache.as_ref().err().cloned(),
            preferences: self
                .cache()
                .ok()
                .and_then(|c| c.preferences().ok())
                .unwrap_or_default(),
        }
    }
}

/// A preview as one binary IPC answer (an ArrayBuffer in the UI), its PNG
/// decoded here: WebKitGTK took ~130 ms of the page's main thread to decode
/// an A4 preview (pdf-bench), the `png` crate takes a few ms off it. Layout
/// (little-endian): page 1's width and height in points (two f64), the
/// picture's width and height in pixels (two u32), its channels (u32: 1
/// grey, 3 RGB, 4 RGBA), then its rows of 8-bit samples. Empty when there
/// is no preview, or it cannot be decoded (logged). ui/src/api.ts reads it.
pub fn preview_bytes(preview: Option<&Preview>) -> Vec<u8> {
    let Some(p) = preview else {
        return Vec::new();
    };
    match decode_png(&p.png) {
        Ok((width, height, channels, pixels)) => {
            let mut out = Vec::with_capacity(28 + pixels.len());
            out.extend(p.width_pt.to_le_bytes());
            out.extend(p.height_pt.to_le_bytes());
            out.extend(width.to_le_bytes());
            out.extend(height.to_le_bytes());
            out.extend(channels.to_le_bytes());
            out.extend(pixels);
            out
        }
        Err(e) => {
            tracing::warn!("a page-1 preview could not be decoded: {e}");
            Vec::new()
        }
    }
}

/// A PNG's width, height, channels and 8-bit samples.
fn decode_png(png: &[u8]) -> Result<(u32, u32, u32, Vec<u8>), png::DecodingError> {
    // `new` sets the crate's default limit (64 MB decoded): a small file
    // claiming a huge picture is an error, not an allocation.
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    // Palettes and 1-4 bit greys to 8 bits; 16-bit samples to 8.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info()?;
    let size = reader
        .output_buffer_size()
        .ok_or(png::DecodingError::LimitsExceeded)?;
    let mut pixels = vec![0; size];
    let frame = reader.next_frame(&mut pixels)?;
    pixels.truncate(frame.buffer_size());
    let channels = match frame.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        // Grey with alpha: made plain grey (a page is opaque).
        png::ColorType::GrayscaleAlpha => {
            pixels = pixels.chunks_exact(2).map(|ga| ga[0]).collect();
            1
        }
        png::ColorType::Indexed => return Err(png::DecodingError::LimitsExceeded),
    };
    Ok((frame.width, frame.height, channels, pixels))
}

/// What the Settings screen shows.
#[derive(Debug, Clone, Serialize)]
pub struct SettingsView {
    pub preferences: Preferences,
    pub server_url: Option<String>,
    pub has_token: bool,
    pub server_source: ServerSource,
    pub keep_languages: Languages,
    pub space: SpaceUsed,
    pub cache_path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    pub version: &'static str,
    pub cache_path: String,
    /// The cache format this build reads and writes.
    pub schema_version: i64,
    /// Why the cache could not be opened, if it could not.
    pub cache_error: Option<CommandError>,
    /// The user's preferences (defaults when the cache cannot be read), so
    /// the first screen is already in the right language.
    pub preferences: Preferences,
}

#[tauri::command]
pub async fn list_meetings(state: State<'_, AppState>) -> CommandResult<Vec<MeetingSummary>> {
    state.list_meetings()
}

#[tauri::command]
pub async fn meeting_overview(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<MeetingOverview> {
    state.meeting_overview(&id)
}

#[tauri::command]
pub async fn document(state: State<'_, AppState>, id: String) -> CommandResult<DocumentDetail> {
    state.document(&id)
}

/// The file's bytes as a raw IPC response (an ArrayBuffer in the UI, not a
/// JSON array of numbers).
#[tauri::command]
pub async fn version_file(state: State<'_, AppState>, id: String) -> CommandResult<Response> {
    state.version_file(&id).map(Response::new)
}

/// See [`preview_bytes`] for the answer's layout.
#[tauri::command]
pub async fn version_preview(state: State<'_, AppState>, id: String) -> CommandResult<Response> {
    let preview = state.version_preview(&id)?;
    Ok(Response::new(preview_bytes(preview.as_ref())))
}

#[tauri::command]
pub async fn version_text(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Option<Rendition>> {
    state.version_text(&id)
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    Ok(state.app_info())
}

#[tauri::command]
pub async fn mark(state: State<'_, AppState>, name: String) -> CommandResult<()> {
    if !marks::valid_name(&name) {
        return Err(plenary_core::InvalidInput::new(
            "mark name",
            format!("{name:?} is not one word of A-Z a-z 0-9 - _ ."),
        )
        .into());
    }
    state.marks.emit(&name);
    Ok(())
}

#[tauri::command]
pub async fn settings(state: State<'_, AppState>) -> CommandResult<SettingsView> {
    state.settings()
}

#[tauri::command]
pub async fn set_preferences(
    state: State<'_, AppState>,
    preferences: Preferences,
) -> CommandResult<Preferences> {
    state.set_preferences(&preferences)
}

/// Changes which languages are kept offline; the sync fetches what is now
/// wanted (files no longer wanted stay until "Free space").
#[tauri::command]
pub async fn set_keep_languages(
    state: State<'_, AppState>,
    languages: Languages,
) -> CommandResult<()> {
    state.set_keep_languages(&languages)?;
    state.sync.sync_now();
    Ok(())
}

/// Deletes the files no kept language or meeting needs.
#[tauri::command]
pub async fn free_space(state: State<'_, AppState>) -> CommandResult<FreedSpace> {
    Ok(state.cache()?.free_space()?)
}

/// Deletes every downloaded file (notes and metadata stay).
#[tauri::command]
pub async fn clear_files(state: State<'_, AppState>) -> CommandResult<FreedSpace> {
    Ok(state.cache()?.clear_files()?)
}

/// Saves the server (and token) from Settings and syncs from it at once.
#[tauri::command]
pub async fn set_server(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    url: Option<String>,
    token: Option<String>,
) -> CommandResult<SyncStatus> {
    let server = state.save_server(url, token)?;
    let cache = state.cache.as_ref().map_err(Clone::clone)?.clone();
    state.sync.configure(&app, server, cache).await;
    Ok(state.sync.status())
}

/// Searches everything cached (offline); the query string never fails: a
/// syntax the index cannot read falls back to its plain words.
#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    query: plenary_core::search::SearchQuery,
) -> CommandResult<plenary_core::search::SearchResults> {
    Ok(state.cache()?.search(&query)?)
}

/// The user opened a meeting (sets what counts as news from now on).
#[tauri::command]
pub async fn mark_meeting_seen(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    let id = MeetingId::new(&id)?;
    Ok(state.cache()?.mark_meeting_seen(&id)?)
}

/// The user opened a document: its "new"/"updated" mark clears.
#[tauri::command]
pub async fn mark_document_read(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    let id = DocumentId::new(&id)?;
    Ok(state.cache()?.mark_document_read(&id)?)
}

/// "Mark all as read" for a meeting; returns how many documents.
#[tauri::command]
pub async fn mark_meeting_read(state: State<'_, AppState>, id: String) -> CommandResult<u64> {
    let id = MeetingId::new(&id)?;
    Ok(state.cache()?.mark_meeting_read(&id)?)
}

/// The sync status now; afterwards the UI follows the `sync-status` event.
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> CommandResult<SyncStatus> {
    Ok(state.sync.status())
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> CommandResult<()> {
    state.sync.sync_now();
    Ok(())
}

/// What the UI sends with a file to publish (in the `x-plenary-publish`
/// header, URI-encoded JSON; the file is the raw request body).
#[derive(Debug, serde::Deserialize)]
pub struct PublishRequest {
    pub document_id: String,
    pub language: String,
    pub label: String,
    pub file_name: String,
    pub media_type: String,
}

pub const PUBLISH_HEADER: &str = "x-plenary-publish";

impl PublishRequest {
    /// Reads the request from the header value the UI sent.
    pub fn from_header(value: &[u8]) -> CommandResult<Self> {
        let invalid = |why: String| -> CommandError {
            plenary_core::InvalidInput::new("publish request", why).into()
        };
        let text = std::str::from_utf8(value).map_err(|e| invalid(e.to_string()))?;
        let json = percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .map_err(|e| invalid(e.to_string()))?;
        serde_json::from_str(&json).map_err(|e| invalid(e.to_string()))
    }

    pub fn into_new_version(self, bytes: Vec<u8>) -> CommandResult<NewVersion> {
        Ok(NewVersion {
            document_id: DocumentId::new(&self.document_id)?,
            language: self.language.parse()?,
            label: self.label,
            revision: None,
            file_name: self.file_name,
            media_type: self.media_type.parse()?,
            bytes,
        })
    }
}

impl From<PublishError> for CommandError {
    fn from(e: PublishError) -> Self {
        // The server's own codes pass through (`forbidden`, `revision_exists`,
        // ...); the UI shows the message either way.
        CommandError {
            code: match e.code() {
                "not_found" => ErrorCode::NotFound,
                "unreachable" | "protocol" => ErrorCode::Io,
                _ => ErrorCode::InvalidInput,
            },
            message: e.to_string(),
        }
    }
}

/// Publishes the request body as a version of a document (staff only; the
/// server decides). Afterwards the sync brings the new version back.
#[tauri::command]
pub async fn publish_version(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> CommandResult<Published> {
    let Some(server) = state.sync.server() else {
        return Err(plenary_core::InvalidInput::new(
            "server",
            "no server is set up; choose one in Settings to publish",
        )
        .into());
    };
    let header = request.headers().get(PUBLISH_HEADER).ok_or_else(|| {
        CommandError::from(plenary_core::InvalidInput::new(
            "publish request",
            format!("the {PUBLISH_HEADER} header is missing"),
        ))
    })?;
    let meta = PublishRequest::from_header(header.as_bytes())?;
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(plenary_core::InvalidInput::new(
            "publish request",
            "the file must be sent as raw bytes",
        )
        .into());
    };
    let new = meta.into_new_version(bytes.clone())?;
    let publisher = Publisher::new(&server.url, server.token.clone())?;
    let published = publisher.publish_version(new).await?;
    tracing::info!(version = %published.version.id, created = published.created, "published");
    state.sync.sync_now();
    Ok(published)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_with_cache() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let state = AppState {
            cache: Ok(Arc::new(Mutex::new(cache))),
            cache_dir: dir.path().to_owned(),
            marks: Marks::start(),
            sync: SyncService::new(None, ServerSource::Settings),
        };
        (dir, state)
    }

    fn json(e: &CommandError) -> serde_json::Value {
        serde_json::to_value(e).unwrap()
    }

    #[test]
    fn settings_save_the_server_keep_the_token_unless_replaced_and_never_show_it() {
        let (_dir, state) = state_with_cache();
        let view = state.settings().unwrap();
        assert_eq!(view.server_url, None);
        assert!(!view.has_token);
        assert_eq!(view.server_source, ServerSource::Settings);

        let server = state
            .save_server(
                Some("http://127.0.0.1:8787/".into()),
                Some("secret-token".into()),
            )
            .unwrap()
            .unwrap();
        assert_eq!(server.url, "http://127.0.0.1:8787");
        assert_eq!(server.token.as_deref(), Some("secret-token"));
        // Changing only the address keeps the token.
        let server = state
            .save_server(Some("http://127.0.0.1:9999".into()), None)
            .unwrap()
            .unwrap();
        assert_eq!(server.token.as_deref(), Some("secret-token"));
        let json = serde_json::to_string(&state.settings().unwrap()).unwrap();
        assert!(
            !json.contains("secret-token"),
            "the token must never be sent back to the page: {json}"
        );
        // An empty token removes it; no address means no server.
        assert_eq!(state.save_server(None, Some(String::new())).unwrap(), None);
        let err = state
            .save_server(Some("not a url".into()), None)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
    }

    #[test]
    fn a_server_given_on_the_command_line_cannot_be_changed_in_settings() {
        let (dir, _) = state_with_cache();
        let state = AppState {
            cache: Ok(Arc::new(Mutex::new(Cache::open(dir.path()).unwrap()))),
            cache_dir: dir.path().to_owned(),
            marks: Marks::start(),
            sync: SyncService::new(
                Some(&ServerConfig {
                    url: "http://127.0.0.1:1".into(),
                    token: None,
                }),
                ServerSource::CommandLine,
            ),
        };
        let err = state
            .save_server(Some("http://127.0.0.1:2".into()), None)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert_eq!(
            state.settings().unwrap().server_source,
            ServerSource::CommandLine
        );
    }

    #[test]
    fn keeping_no_language_at_all_is_refused() {
        let (_dir, state) = state_with_cache();
        let err = state
            .set_keep_languages(&Languages::Only(vec![]))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        state
            .set_keep_languages(&Languages::Only(vec![plenary_core::model::Language::Fr]))
            .unwrap();
        assert_eq!(
            serde_json::to_value(state.settings().unwrap().keep_languages).unwrap(),
            serde_json::json!({"only": ["fr"]})
        );
    }

    #[test]
    fn a_version_preview_is_a_png_data_url_with_the_page_size_or_none() {
        let (_dir, state) = state_with_cache();
        let sha = plenary_core::model::Sha256::of(b"a pdf");
        let version = plenary_core::model::Version {
            id: VersionId::new("doc-en-0").unwrap(),
            document_id: DocumentId::new("doc").unwrap(),
            language: plenary_core::model::Language::En,
            revision: 0,
            label: "Original".into(),
            published_at: time::OffsetDateTime::UNIX_EPOCH,
            sha256: sha,
            size: 5,
            media_type: plenary_core::model::MediaType::Pdf,
            file_name: "doc.pdf".into(),
        };
        {
            let mut cache = state.cache().unwrap();
            let records = [
                plenary_core::model::Record::Meeting(plenary_core::model::Meeting {
                    id: MeetingId::new("m").unwrap(),
                    title: "M".into(),
                    body: "CCM".into(),
                    venue: "Palais des Nations".into(),
                    city: "Geneva".into(),
                    starts_on: time::macros::date!(2024 - 09 - 10),
                    ends_on: time::macros::date!(2024 - 09 - 13),
                    symbol_prefix: None,
                }),
                plenary_core::model::Record::Document(plenary_core::model::Document {
                    id: DocumentId::new("doc").unwrap(),
                    meeting_id: MeetingId::new("m").unwrap(),
                    symbol: None,
                    title: "Doc".into(),
                    kind: plenary_core::model::DocumentKind::Report,
                    agenda_item_id: None,
                }),
                plenary_core::model::Record::Version(version),
            ];
            cache.apply(&records).unwrap();
        }
        assert!(
            state.version_preview("doc-en-0").unwrap().is_none(),
            "none before a sync brings one"
        );
        {
            let mut cache = state.cache().unwrap();
            let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
            let preview = plenary_core::cache::Preview::new(595.0, 842.0, png).unwrap();
            cache
                .put_texts(
                    &[(
                        sha,
                        Rendition::Unavailable {
                            extractor: "pdftotext".into(),
                            reason: "scanned".into(),
                        },
                    )],
                    &[(sha, preview)],
                )
                .unwrap();
        }
        let preview = state
            .version_preview("doc-en-0")
            .unwrap()
            .expect("a preview");
        assert!(
            preview_bytes(Some(&preview)).is_empty(),
            "a preview that is not a whole PNG is no preview"
        );
        assert!(
            preview_bytes(None).is_empty(),
            "no preview: an empty answer"
        );
        // A real one: 3 x 1 grey pixels in 4 bits, as the server makes them.
        let mut png = Vec::new();
        let mut encoder = png::Encoder::new(&mut png, 3, 1);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Four);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[0x0F, 0x80]).unwrap();
        writer.finish().unwrap();
        let preview = plenary_core::cache::Preview::new(595.0, 842.0, png).unwrap();
        let bytes = preview_bytes(Some(&preview));
        assert_eq!(bytes[..8], 595.0f64.to_le_bytes());
        assert_eq!(bytes[8..16], 842.0f64.to_le_bytes());
        assert_eq!(
            bytes[16..28],
            [3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0],
            "3 x 1, grey"
        );
        assert_eq!(
            &bytes[28..],
            [0x00, 0xFF, 0x88],
            "levels 0, 15, 8 as 8-bit grey"
        );
        assert_eq!(
            state.version_preview("nope").unwrap_err().code,
            ErrorCode::NotFound
        );
    }

    #[test]
    fn an_empty_cache_lists_no_meetings() {
        let (_dir, state) = state_with_cache();
        assert!(state.list_meetings().unwrap().is_empty());
    }

    #[test]
    fn unknown_ids_are_not_found_with_a_message() {
        let (_dir, state) = state_with_cache();
        let e = state.meeting_overview("ccm-msp99").unwrap_err();
        assert_eq!(json(&e)["code"], "not_found");
        assert!(e.message.contains("ccm-msp99"), "{}", e.message);
        assert_eq!(
            state.document("nope").unwrap_err().code,
            ErrorCode::NotFound
        );
        assert_eq!(
            state.version_file("nope").unwrap_err().code,
            ErrorCode::NotFound
        );
        assert_eq!(
            state.version_text("nope").unwrap_err().code,
            ErrorCode::NotFound
        );
    }

    #[test]
    fn malformed_ids_are_invalid_input() {
        let (_dir, state) = state_with_cache();
        for bad in ["", "../etc/passwd", "a b"] {
            let e = state.document(bad).unwrap_err();
            assert_eq!(json(&e)["code"], "invalid_input", "{bad:?}");
            assert!(e.message.starts_with("invalid DocumentId"), "{}", e.message);
        }
        assert_eq!(
            state.version_file("x/y").unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }

    #[test]
    fn a_cache_that_failed_to_open_answers_every_command_with_its_error() {
        let dir = tempfile::tempdir().unwrap();
        // Not a SQLite database at all: the core refuses it.
        std::fs::write(
            dir.path().join("plenary.sqlite3"),
            b"not a database, just text",
        )
        .unwrap();
        let err = Cache::open(dir.path()).map(|_| ()).unwrap_err();
        let state = AppState {
            cache: Err(CommandError::from(&err)),
            cache_dir: dir.path().to_owned(),
            marks: Marks::start(),
            sync: SyncService::new(None, ServerSource::Settings),
        };
        let listed = state.list_meetings().unwrap_err();
        assert_eq!(listed.code, err.code());
        assert_eq!(listed.message, err.to_string());
        assert_eq!(state.document("d1").unwrap_err(), listed);
        let info = state.app_info();
        assert_eq!(info.cache_error, Some(listed));
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn publish_requests_are_read_from_the_uri_encoded_header() {
        // What encodeURIComponent(JSON.stringify(...)) gives for an Arabic file name.
        let header = "%7B%22document_id%22%3A%22ccm-msp-2024-crp1%22%2C%22language%22%3A%22ar%22%2C%22label%22%3A%22Rev.4%22%2C%22file_name%22%3A%22%D9%85%D8%B4%D8%B1%D9%88%D8%B9.pdf%22%2C%22media_type%22%3A%22application%2Fpdf%22%7D";
        let request = PublishRequest::from_header(header.as_bytes()).unwrap();
        assert_eq!(request.file_name, "مشروع.pdf");
        let new = request.into_new_version(b"%PDF-1.7".to_vec()).unwrap();
        assert_eq!(new.language.code(), "ar");
        assert_eq!(new.label, "Rev.4");
        assert_eq!(new.media_type.as_str(), "application/pdf");

        let bad = PublishRequest::from_header(b"%7Bnot json").unwrap_err();
        assert_eq!(bad.code, ErrorCode::InvalidInput);
        let unknown_language = PublishRequest::from_header(
            br#"{"document_id":"d","language":"xx","label":"Rev.1","file_name":"a.pdf","media_type":"application/pdf"}"#,
        )
        .unwrap()
        .into_new_version(vec![])
        .unwrap_err();
        assert_eq!(unknown_language.code, ErrorCode::InvalidInput);
    }

    #[test]
    fn errors_serialize_as_code_and_message() {
        let e = CommandError {
            code: ErrorCode::CacheTooNew,
            message: "newer".into(),
        };
        assert_eq!(
            json(&e),
            serde_json::json!({"code": "cache_too_new", "message": "newer"})
        );
    }
}

// ---- Notes (annotations) -------------------------------------------------

/// The notes of a version's document and language, placed on this version
/// (re-anchoring, once, those made on earlier revisions).
#[tauri::command]
pub async fn notes_for_version(
    state: State<'_, AppState>,
    version_id: String,
) -> CommandResult<VersionNotes> {
    let id = VersionId::new(&version_id)?;
    Ok(state.cache()?.notes_for_version(&id)?)
}

/// Saves a note; resolves only after the cache committed it.
#[tauri::command]
pub async fn create_note(state: State<'_, AppState>, note: NewNote) -> CommandResult<PlacedNote> {
    Ok(state.cache()?.create_note(note)?)
}

#[tauri::command]
pub async fn update_note(
    state: State<'_, AppState>,
    id: String,
    edit: NoteEdit,
) -> CommandResult<Note> {
    let note = state.cache()?.update_note(&id, edit)?;
    push_if_shared(&state, &note);
    Ok(note)
}

/// A change to a shared note goes to the server at once (the sync engine
/// pushes it; offline, at the next sync).
fn push_if_shared(state: &AppState, note: &Note) {
    if note.share_pending {
        state.sync.sync_now();
    }
}

/// Deletes a note; `restore_note` undoes it.
#[tauri::command]
pub async fn delete_note(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    let note = {
        let cache = state.cache()?;
        cache.delete_note(&id)?;
        cache.note(&id)?
    };
    push_if_shared(&state, &note);
    Ok(())
}

#[tauri::command]
pub async fn restore_note(state: State<'_, AppState>, id: String) -> CommandResult<Note> {
    let note = state.cache()?.restore_note(&id)?;
    push_if_shared(&state, &note);
    Ok(note)
}

/// Who this computer is on the server and the groups it can share notes
/// with (empty until a sync with a token).
#[tauri::command]
pub async fn note_sharing(state: State<'_, AppState>) -> CommandResult<SharingView> {
    Ok(state.cache()?.note_groups()?)
}

/// Shares a note with a group, or makes it private again (`group` null);
/// pushed at once when online.
#[tauri::command]
pub async fn share_note(
    state: State<'_, AppState>,
    id: String,
    group: Option<String>,
) -> CommandResult<Note> {
    let note = state.cache()?.share_note(&id, group.as_deref())?;
    push_if_shared(&state, &note);
    Ok(note)
}

/// Places a note the re-anchoring could not place on a new selection.
#[tauri::command]
pub async fn attach_note(
    state: State<'_, AppState>,
    id: String,
    version_id: String,
    selection: Selection,
) -> CommandResult<PlacedNote> {
    let version = VersionId::new(&version_id)?;
    Ok(state.cache()?.attach_note(&id, &version, &selection)?)
}

/// A meeting's notes with what the filters can offer.
#[derive(Debug, Serialize)]
pub struct MeetingNotesView {
    pub notes: Vec<MeetingNote>,
    pub tags: Vec<String>,
    pub authors: Vec<String>,
}

#[tauri::command]
pub async fn meeting_notes(
    state: State<'_, AppState>,
    meeting_id: String,
    filter: NoteFilter,
) -> CommandResult<MeetingNotesView> {
    let id = MeetingId::new(&meeting_id)?;
    let mut cache = state.cache()?;
    let notes = cache.notes_for_meeting(&id, &filter)?;
    let (tags, authors) = cache.note_facets(&id)?;
    Ok(MeetingNotesView {
        notes,
        tags,
        authors,
    })
}

// ---- Compare ---------------------------------------------------------------

/// The two versions the compare view opens on by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefaultComparison {
    pub old: VersionId,
    pub new: VersionId,
}

impl AppState {
    /// Two versions compared (same language), with the changes that touch
    /// the user's notes on either.
    pub fn compare_versions(&self, old: &str, new: &str) -> CommandResult<VersionComparison> {
        let old = VersionId::new(old)?;
        let new = VersionId::new(new)?;
        Ok(self
            .cache()?
            .compare_with_notes(&old, &new, &CompareOptions::default())?)
    }

    /// In `language`, the newest revision and the one before (`None` with
    /// fewer than two).
    pub fn default_comparison(
        &self,
        document: &str,
        language: &str,
    ) -> CommandResult<Option<DefaultComparison>> {
        let document = DocumentId::new(document)?;
        let language = language.parse()?;
        Ok(self
            .cache()?
            .default_comparison(&document, language)?
            .map(|(old, new)| DefaultComparison { old, new }))
    }
}

#[tauri::command]
pub async fn compare_versions(
    state: State<'_, AppState>,
    old: String,
    new: String,
) -> CommandResult<VersionComparison> {
    state.compare_versions(&old, &new)
}

#[tauri::command]
pub async fn default_comparison(
    state: State<'_, AppState>,
    document: String,
    language: String,
) -> CommandResult<Option<DefaultComparison>> {
    state.default_comparison(&document, &language)
}

#[cfg(test)]
mod compare_tests {
    use super::*;

    #[test]
    fn compare_commands_check_their_arguments_and_say_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState {
            cache: Ok(Arc::new(Mutex::new(Cache::open(dir.path()).unwrap()))),
            cache_dir: dir.path().to_owned(),
            marks: Marks::start(),
            sync: SyncService::new(None, ServerSource::Settings),
        };
        assert_eq!(
            state.default_comparison("d1", "xx").unwrap_err().code,
            ErrorCode::InvalidInput
        );
        assert_eq!(
            state.default_comparison("d1", "en").unwrap_err().code,
            ErrorCode::NotFound
        );
        assert_eq!(
            state.compare_versions("a b", "v2").unwrap_err().code,
            ErrorCode::InvalidInput
        );
        let missing = state.compare_versions("v1", "v2").unwrap_err();
        assert_eq!(missing.code, ErrorCode::NotFound);
        assert!(missing.message.contains("v1"), "{}", missing.message);
    }
}
