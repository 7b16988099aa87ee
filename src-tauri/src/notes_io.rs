//! Notes out of and into the app: W3C Web Annotation JSON-LD export and
//! import, and the meeting's report. Thin adapters over
//! `plenary_core::cache::notes::{export, import, report}`.
//!
//! The app has no file dialog: exports are saved as new files in the
//! user's Downloads folder (else Documents, else home; `PLENARY_EXPORT_DIR`
//! overrides it), never over an existing file, and the page is told the
//! path. An import's file is read by the page (a file input) and handed
//! over as text, so the page never sees a path.

use std::path::{Path, PathBuf};
use std::sync::MutexGuard;

use plenary_core::Cache;
use plenary_core::cache::notes::export;
use plenary_core::cache::notes::import::ImportReport;
use plenary_core::cache::notes::report::{self, ReportFormat};
use plenary_core::cache::{NoteFilter, UiLanguage};
use plenary_core::model::{DocumentId, MeetingId};
use serde::Serialize;
use tauri::State;

use crate::commands::{AppState, CommandError};

type CommandResult<T> = Result<T, CommandError>;

/// Where an export was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedFile {
    pub path: String,
    pub folder: String,
    pub file_name: String,
    /// Notes in it.
    pub notes: usize,
}

fn cache(state: &AppState) -> CommandResult<MutexGuard<'_, Cache>> {
    let cache = state.cache.as_ref().map_err(Clone::clone)?;
    Ok(cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()))
}

fn save(state: &AppState, name: &str, text: &str, notes: usize) -> CommandResult<SavedFile> {
    save_in(&export::export_dir(&state.cache_dir), name, text, notes)
}

fn save_in(dir: &Path, name: &str, text: &str, notes: usize) -> CommandResult<SavedFile> {
    let path: PathBuf = export::save_new_file(dir, name, text.as_bytes())?;
    Ok(SavedFile {
        folder: path.parent().unwrap_or(dir).display().to_string(),
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: path.display().to_string(),
        notes,
    })
}

pub fn export_notes_to_file(
    state: &AppState,
    meeting_id: &str,
    document_id: Option<&str>,
) -> CommandResult<SavedFile> {
    let meeting = MeetingId::new(meeting_id)?;
    let document = document_id.map(DocumentId::new).transpose()?;
    let collection = cache(state)?.export_notes(&meeting, document.as_ref())?;
    let notes = collection["total"].as_u64().unwrap_or(0) as usize;
    let text = serde_json::to_string_pretty(&collection).unwrap_or_default();
    let mut parts = vec![meeting.as_str()];
    if let Some(d) = &document {
        parts.push(d.as_str());
    }
    parts.push("notes");
    save(state, &export::file_name(&parts, "jsonld"), &text, notes)
}

pub fn report_to_file(
    state: &AppState,
    meeting_id: &str,
    format: ReportFormat,
    language: UiLanguage,
    filter: &NoteFilter,
) -> CommandResult<SavedFile> {
    let meeting = MeetingId::new(meeting_id)?;
    let r = cache(state)?.notes_report(&meeting, filter, language)?;
    let text = report::render(&r, format);
    save(
        state,
        &export::file_name(&[meeting.as_str(), "notes-report"], format.extension()),
        &text,
        r.total,
    )
}

/// Saves the meeting's (or a document's) notes as W3C JSON-LD.
#[tauri::command]
pub async fn export_notes(
    state: State<'_, AppState>,
    meeting_id: String,
    document_id: Option<String>,
) -> CommandResult<SavedFile> {
    export_notes_to_file(&state, &meeting_id, document_id.as_deref())
}

/// Imports W3C JSON-LD (the file's text, read by the page).
#[tauri::command]
pub async fn import_notes(state: State<'_, AppState>, json: String) -> CommandResult<ImportReport> {
    Ok(cache(&state)?.import_notes(&json)?)
}

/// Saves the meeting's notes report (Markdown or HTML).
#[tauri::command]
pub async fn notes_report(
    state: State<'_, AppState>,
    meeting_id: String,
    format: ReportFormat,
    language: UiLanguage,
    filter: NoteFilter,
) -> CommandResult<SavedFile> {
    report_to_file(&state, &meeting_id, format, language, &filter)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use plenary_core::ErrorCode;

    use super::*;
    use crate::marks::Marks;
    use crate::sync::{ServerSource, SyncService};

    #[test]
    fn exports_are_saved_as_new_files_and_bad_imports_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let opened = Cache::open(dir.path().join("cache")).unwrap();
        let state = AppState {
            cache: Ok(Arc::new(Mutex::new(opened))),
            cache_dir: dir.path().join("cache"),
            marks: Marks::start(),
            sync: SyncService::new(None, ServerSource::Settings),
        };
        // No such meeting: the core's error, as the page branches on it.
        let e = export_notes_to_file(&state, "m1", None).unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        let e = cache(&state)
            .unwrap()
            .import_notes("{\"type\": \"Annotation\"}")
            .map_err(CommandError::from)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidAnnotation);
        assert!(e.message.contains("no target"), "{}", e.message);
        let out = dir.path().join("Downloads");
        let saved = save_in(&out, "m1-notes.jsonld", "{}", 0).unwrap();
        assert!(saved.path.ends_with("m1-notes.jsonld"), "{saved:?}");
        assert_eq!(saved.folder, out.display().to_string());
        let again = save_in(&out, "m1-notes.jsonld", "{}", 0).unwrap();
        assert_eq!(again.file_name, "m1-notes (2).jsonld");
    }
}
