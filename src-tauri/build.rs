fn main() {
    // Declaring the app's commands makes each one need an explicit permission
    // (capabilities/default.json), so the webview can call exactly these.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "list_meetings",
            "meeting_overview",
            "document",
            "version_file",
            "version_preview",
            "version_text",
            "app_info",
            "mark",
            "sync_status",
            "sync_now",
            "publish_version",
            "settings",
            "set_preferences",
            "set_keep_languages",
            "free_space",
            "clear_files",
            "set_server",
            "search",
            "mark_meeting_seen",
            "mark_document_read",
            "mark_meeting_read",
            "notes_for_version",
            "create_note",
            "update_note",
            "delete_note",
            "restore_note",
            "attach_note",
            "meeting_notes",
            "note_sharing",
            "share_note",
            "export_notes",
            "import_notes",
            "notes_report",
            "compare_versions",
            "default_comparison",
        ]),
    ))
    .expect("tauri build script failed");
}
