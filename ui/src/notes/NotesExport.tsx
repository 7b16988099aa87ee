// The meeting's notes out and in: W3C Web Annotation JSON-LD export, the
// report (HTML that prints to PDF, or Markdown) and importing a JSON-LD
// file. The app has no file dialog: exports are saved as new files in the
// Downloads folder and the path is shown; an import is read here from a
// file input and handed to the core as text (the page never sees paths).
import { invoke } from "@tauri-apps/api/core";
import { useRef, useState } from "preact/hooks";
import { type CommandError, type NoteFilter, toCommandError } from "../api";
import { t, uiLang } from "../lib/i18n";

/** Mirrors src-tauri's notes_io::SavedFile. */
export interface SavedFile {
  path: string;
  folder: string;
  file_name: string;
  notes: number;
}

export type SkipReason = "not_in_cache" | "no_text_selector" | "other_document" | "too_large";

/** Mirrors plenary-core's notes::import::ImportReport. */
export interface ImportReport {
  total: number;
  created: { annotation: string; note_id: string; version_id: string; located: boolean }[];
  updated: { annotation: string; note_id: string; version_id: string; located: boolean }[];
  unchanged: string[];
  kept_local: string[];
  skipped: { annotation: string; reason: SkipReason; message: string }[];
}

export const notesIo = {
  exportNotes: (meetingId: string, documentId: string | null) =>
    invoke<SavedFile>("export_notes", { meetingId, documentId }),
  importNotes: (json: string) => invoke<ImportReport>("import_notes", { json }),
  notesReport: (meetingId: string, format: "markdown" | "html", filter: NoteFilter) =>
    invoke<SavedFile>("notes_report", { meetingId, format, language: uiLang(), filter }),
};

type Status =
  | { kind: "idle" }
  | { kind: "busy" }
  | { kind: "saved"; file: SavedFile }
  | { kind: "imported"; report: ImportReport }
  | { kind: "error"; error: CommandError };

/** Largest file an import reads (a meeting's notes are far smaller). */
const MAX_IMPORT_BYTES = 50 * 1024 * 1024;

export function NotesExport({
  meetingId,
  filter,
  onImported,
}: {
  meetingId: string;
  filter: NoteFilter;
  onImported: () => void;
}) {
  const m = t().notesExport;
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const fileInput = useRef<HTMLInputElement>(null);
  const busy = status.kind === "busy";

  const run = async (work: () => Promise<Status>) => {
    setStatus({ kind: "busy" });
    try {
      setStatus(await work());
    } catch (e) {
      setStatus({ kind: "error", error: toCommandError(e) });
    }
  };
  const save = (work: () => Promise<SavedFile>) => run(async () => ({ kind: "saved", file: await work() }));

  const onFile = (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    if (file.size > MAX_IMPORT_BYTES) {
      setStatus({ kind: "error", error: { code: "too_large", message: m.tooLarge } });
      return;
    }
    void run(async () => {
      const report = await notesIo.importNotes(await file.text());
      if (report.created.length + report.updated.length > 0) onImported();
      return { kind: "imported", report };
    });
  };

  return (
    <div class="notes-export" data-testid="notes-export">
      <div class="notes-export-buttons" role="group" aria-label={m.group}>
        <button
          type="button"
          data-testid="notes-export-w3c"
          disabled={busy}
          onClick={() => save(() => notesIo.exportNotes(meetingId, filter.document ?? null))}
        >
          {m.exportW3c}
        </button>
        <button
          type="button"
          data-testid="notes-report-html"
          disabled={busy}
          onClick={() => save(() => notesIo.notesReport(meetingId, "html", filter))}
        >
          {m.reportHtml}
        </button>
        <button
          type="button"
          data-testid="notes-report-md"
          disabled={busy}
          onClick={() => save(() => notesIo.notesReport(meetingId, "markdown", filter))}
        >
          {m.reportMarkdown}
        </button>
        <button type="button" data-testid="notes-import" disabled={busy} onClick={() => fileInput.current?.click()}>
          {m.import}
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".jsonld,.json,application/ld+json,application/json"
          hidden
          data-testid="notes-import-file"
          onChange={onFile}
        />
      </div>
      <StatusLine status={status} />
    </div>
  );
}

function StatusLine({ status }: { status: Status }) {
  const m = t().notesExport;
  switch (status.kind) {
    case "idle":
      return null;
    case "busy":
      return <p class="notes-export-status muted small">{m.working}</p>;
    case "saved":
      return (
        <p class="notes-export-status" role="status" data-testid="notes-export-saved" data-path={status.file.path}>
          {m.saved(status.file.notes, status.file.file_name)} <code class="path">{status.file.folder}</code>
          <span class="muted small"> {m.openFolderHint}</span>
        </p>
      );
    case "imported": {
      const r = status.report;
      const notHere = r.skipped.filter((s) => s.reason === "not_in_cache").length;
      const other = r.skipped.length - notHere;
      return (
        <div class="notes-export-status" role="status" data-testid="notes-import-result" data-created={r.created.length}>
          <p>{m.imported(r.total, r.created.length, r.updated.length, r.unchanged.length)}</p>
          {r.kept_local.length > 0 && <p class="muted small">{m.keptLocal(r.kept_local.length)}</p>}
          {notHere > 0 && <p class="muted small">{m.notInCache(notHere)}</p>}
          {other > 0 && (
            <details class="small">
              <summary>{m.skipped(other)}</summary>
              <ul>
                {r.skipped
                  .filter((s) => s.reason !== "not_in_cache")
                  .map((s) => (
                    <li key={s.annotation}>
                      {m.skipReasons[s.reason]} <span class="muted">({s.annotation})</span>
                    </li>
                  ))}
              </ul>
            </details>
          )}
        </div>
      );
    }
    case "error": {
      const e = status.error;
      const invalid = e.code === "invalid_annotation";
      return (
        <div class="error-box" role="alert" data-testid="notes-export-error" data-error-code={e.code}>
          <strong class="error-title">{invalid ? m.invalidTitle : (t().errors[e.code] ?? t().common.somethingWrong)}</strong>
          <p class="error-message">{invalid ? m.invalidHelp : e.message}</p>
          {invalid && <p class="muted small">{e.message}</p>}
        </div>
      );
    }
  }
}
