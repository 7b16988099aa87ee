// Typed wrappers over the shell's commands (src-tauri/src/commands.rs).
// The shapes mirror plenary-core's serde output (crates/plenary-core).
import { invoke } from "@tauri-apps/api/core";

export type Lang = "ar" | "en" | "es" | "fr" | "ru" | "zh";
export type DocumentKind =
  | "agenda"
  | "working_paper"
  | "draft"
  | "report"
  | "statement"
  | "information"
  | "press";
export type MediaType =
  | "application/pdf"
  | "text/html"
  | "text/plain"
  | "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

export interface Meeting {
  id: string;
  title: string;
  body: string;
  venue: string;
  city: string;
  starts_on: string; // YYYY-MM-DD
  ends_on: string;
  symbol_prefix: string | null;
}

export interface MeetingSummary extends Meeting {
  document_count: number;
  statement_count: number;
  languages: Lang[];
  /** Documents new or updated for the user. */
  news: { new: number; updated: number };
}

export interface AgendaItem {
  id: string;
  meeting_id: string;
  number: string;
  title: string;
  position: number;
}

export interface DocumentBase {
  id: string;
  meeting_id: string;
  symbol: string | null;
  title: string;
  kind: DocumentKind;
  agenda_item_id: string | null;
}

export interface DocumentSummary extends DocumentBase {
  languages: Lang[];
  latest_revision: number;
  latest_label: string;
  latest_published_at: string | null; // RFC 3339
  /** Since the user last looked (plenary-core cache::Freshness). */
  freshness: "new" | "updated" | null;
  /** Local arrival number of the latest version (orders "what's new"). */
  arrived: number;
}

export interface Statement {
  id: string;
  meeting_id: string;
  agenda_item_id: string | null;
  delegation: string;
  speaker: string | null;
  on_behalf_of: string | null;
  delivered_on: string;
  document_id: string | null;
}

export interface MeetingOverview {
  meeting: Meeting;
  agenda: AgendaItem[];
  documents: DocumentSummary[];
  statements: Statement[];
}

export interface VersionInfo {
  id: string;
  document_id: string;
  language: Lang;
  revision: number;
  label: string;
  published_at: string;
  sha256: string;
  size: number;
  media_type: MediaType;
  file_name: string;
  downloaded: boolean;
}

export interface DocumentDetail extends DocumentBase {
  agenda_item: AgendaItem | null;
  versions: VersionInfo[];
}

export interface AppInfo {
  version: string;
  cache_path: string;
  schema_version: number;
  cache_error: CommandError | null;
  preferences: Preferences;
}

/** Mirrors plenary-core's cache::Preferences. */
export interface Preferences {
  ui_language: "en" | "fr" | null;
  document_languages: Lang[];
}

/** Mirrors plenary-core's sync::Languages. */
export type KeepLanguages = "all" | { only: Lang[] };

/** Mirrors plenary-core's cache::SpaceUsed. */
export interface SpaceUsed {
  total_bytes: number;
  by_language: Partial<Record<Lang, number>>;
  by_meeting: Record<string, number>;
  unreferenced_bytes: number;
  partial_bytes: number;
}

export interface FreedSpace {
  files: number;
  bytes: number;
}

/** Mirrors src-tauri's SettingsView. */
export interface SettingsView {
  preferences: Preferences;
  server_url: string | null;
  has_token: boolean;
  server_source: "command_line" | "settings";
  keep_languages: KeepLanguages;
  space: SpaceUsed;
  cache_path: string;
}

/** Mirrors src-tauri/src/sync.rs `SyncStatus`. */
export interface SyncStatus {
  server: string | null;
  connection: "not_configured" | "unknown" | "online" | "offline" | "unreachable" | "refused";
  syncing: boolean;
  progress: SyncProgress | null;
  last_success: string | null; // RFC 3339
  last_error: string | null;
  generation: number;
  /** The token's role on the server, once known: reader, annotator, staff, admin; "anonymous" without a token. */
  role: string | null;
}

/** Mirrors plenary-core's sync::SyncProgress. */
export interface SyncProgress {
  phase: "feed" | "files" | "texts" | "done";
  documents_done: number;
  documents_total: number;
  bytes_done: number;
  bytes_total: number;
  current_file: string | null;
  rate_bytes_per_sec: number;
  eta_secs: number | null;
}

/** What staff give to publish one file as a version. */
export interface PublishRequest {
  document_id: string;
  language: Lang;
  label: string;
  file_name: string;
  media_type: string;
}

export interface PublishedVersion {
  id: string;
  language: Lang;
  revision: number;
  label: string;
}

/** Mirrors plenary-core's cache::Rendition. */
/** Page 1 of a PDF as the server drew it. */
export interface PreviewInfo {
  /** Page 1's size in points, as pdf.js sees it at scale 1. */
  width_pt: number;
  height_pt: number;
  /** The picture, decoded (by the app: commands.rs `preview_bytes`). */
  pixels: ImageData;
}

/** Reads `version_preview`'s binary answer (commands.rs `preview_bytes`). */
function readPreview(bytes: ArrayBuffer): PreviewInfo | null {
  if (bytes.byteLength <= 28) return null;
  const head = new DataView(bytes, 0, 28);
  const [width, height, channels] = [head.getUint32(16, true), head.getUint32(20, true), head.getUint32(24, true)];
  const samples = new Uint8Array(bytes, 28);
  if (width === 0 || height === 0 || ![1, 3, 4].includes(channels) || samples.length !== width * height * channels) {
    return null;
  }
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0, s = 0; p < rgba.length; p += 4, s += channels) {
    rgba[p] = samples[s];
    rgba[p + 1] = samples[channels === 1 ? s : s + 1];
    rgba[p + 2] = samples[channels === 1 ? s : s + 2];
    rgba[p + 3] = 255;
  }
  return {
    width_pt: head.getFloat64(0, true),
    height_pt: head.getFloat64(8, true),
    pixels: new ImageData(rgba, width, height),
  };
}

export type Rendition =
  | { status: "ok"; extractor: string; pages: string[] }
  | { status: "unavailable"; extractor: string; reason: string };

/** Mirrors plenary-core's search::SearchQuery. */
export interface SearchQuery {
  text: string;
  meeting: string | null;
  languages: Lang[];
  kinds: DocumentKind[];
  agenda_item: string | null;
  from: string | null; // YYYY-MM-DD
  to: string | null;
  all_revisions: boolean;
  limit: number;
  offset: number;
}

export interface SnippetPart {
  text: string;
  hit: boolean;
}

/** Mirrors plenary-core's search::SearchHit. */
export interface SearchHit {
  version_id: string;
  document_id: string;
  meeting_id: string;
  symbol: string | null;
  title: string;
  kind: DocumentKind;
  language: Lang;
  revision: number;
  revision_label: string;
  published_at: string;
  page: number;
  also_pages: number[];
  snippet: SnippetPart[];
  terms: string[];
  score: number;
}

export interface SearchResults {
  hits: SearchHit[];
  total: number;
  fallback: boolean;
}

/** What a failed command rejects with. */
export interface CommandError {
  code: string;
  message: string;
}

export function isCommandError(e: unknown): e is CommandError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** Any rejection as a CommandError (IPC failures arrive as plain strings). */
export function toCommandError(e: unknown): CommandError {
  if (isCommandError(e)) return e;
  return { code: "internal", message: e instanceof Error ? e.message : String(e) };
}

// ---- Notes: mirror plenary-core's cache::notes ----

export type NoteColor = "yellow" | "green" | "blue" | "pink" | "purple";
export const NOTE_COLORS: NoteColor[] = ["yellow", "green", "blue", "pink", "purple"];
export type Outcome =
  | "origin"
  | "unchanged"
  | "moved"
  | "changed"
  | "needs_review"
  | "orphaned"
  | "attached";

export interface Selection {
  page: number | null;
  exact: string;
  prefix: string;
  suffix: string;
}

export interface NoteTarget {
  exact: string;
  prefix: string;
  suffix: string;
  start: number | null;
  end: number | null;
  page: number | null;
  location: string | null;
}

export interface Note {
  id: string;
  meeting_id: string;
  document_id: string;
  language: Lang;
  origin_version_id: string;
  origin_revision: number;
  author: string;
  color: NoteColor;
  body: string;
  tags: string[];
  target: NoteTarget;
  shared_with: string | null;
  created_at: string;
  updated_at: string;
  deleted: boolean;
  edits: number;
  /** The server's id of the author's token; null: written here, never shared. */
  author_id: string | null;
  /** Who wrote the newest revision the server has. */
  editor: string | null;
  /** Shared, with changes not yet on the server. */
  share_pending: boolean;
}

export interface Member {
  id: string;
  name: string;
}

export interface Group {
  id: string;
  name: string;
  members: Member[];
}

/** Mirror of plenary-core's cache::notes::share::SharingView. */
export interface SharingView {
  me: Member | null;
  groups: Group[];
}

export interface Placement {
  outcome: Outcome;
  start: number | null;
  end: number | null;
  page: number | null;
  quote: string | null;
  prefix: string | null;
  suffix: string | null;
  score: number;
  reason: string | null;
}

export interface PlacedNote {
  note: Note;
  version_id: string;
  placement: Placement;
}

export interface VersionNotes {
  placed: PlacedNote[];
  unplaced: PlacedNote[];
}

export interface NoteEdit {
  color?: NoteColor;
  body?: string;
  tags?: string[];
}

export interface NoteFilter {
  tag?: string | null;
  color?: NoteColor | null;
  author?: string | null;
  agenda_item?: string | null;
  document?: string | null;
}

export interface MeetingNote extends PlacedNote {
  document_symbol: string | null;
  document_title: string;
  agenda_item_id: string | null;
  revision: number;
  revision_label: string;
}

export interface MeetingNotesView {
  notes: MeetingNote[];
  tags: string[];
  authors: string[];
}

// ---- Compare: mirror plenary-core's compare ----

export type ChangeKind = "insert" | "delete" | "replace" | "move";
export type WordOp = "equal" | "insert" | "delete";
export type RowKind = "equal" | "changed" | "moved_from" | "moved_to";

export interface CompareLocation {
  heading: string | null;
  paragraph: string | null;
  page: number;
  /** English, for logs and the CLI; the UI builds its own. */
  label: string;
}

export interface ChangeSide {
  text: string;
  start: number;
  end: number;
  rendition_start: number;
  rendition_end: number;
  page: number;
  location: CompareLocation;
}

export interface Word {
  op: WordOp;
  text: string;
  change?: number;
}

export interface Change {
  id: number;
  kind: ChangeKind;
  row: number;
  from_row?: number;
  similarity?: number;
  old: ChangeSide;
  new: ChangeSide;
  words: Word[];
  /** Only a paragraph's number changed (a paragraph before it was added or removed). */
  renumbering?: boolean;
}

export interface CompareSpan {
  start: number;
  end: number;
  page: number;
}

export interface CompareRow {
  kind: RowKind;
  old: CompareSpan | null;
  new: CompareSpan | null;
  words: Word[];
  changes?: number[];
}

export interface CompareSummary {
  changes: number;
  insertions: number;
  deletions: number;
  replacements: number;
  moves: number;
  renumbered: number;
  words_inserted: number;
  words_deleted: number;
  by_location: { location: string; page: number; changes: number; first: number }[];
}

export interface Comparison {
  summary: CompareSummary;
  old: { pages: number; chars: number; paragraphs: number; furniture_lines: number };
  new: { pages: number; chars: number; paragraphs: number; furniture_lines: number };
  changes: Change[];
  rows: CompareRow[];
}

/** Mirrors plenary-core's compare::VersionComparison. */
export interface VersionComparison {
  old_version: string;
  new_version: string;
  comparison: Comparison;
  /** The changes that touch the user's notes, with the notes' ids. */
  noted_changes: { change: number; notes: string[] }[];
  notes: number;
}

export const api = {
  listMeetings: () => invoke<MeetingSummary[]>("list_meetings"),
  meetingOverview: (id: string) => invoke<MeetingOverview>("meeting_overview", { id }),
  document: (id: string) => invoke<DocumentDetail>("document", { id }),
  /** The file's bytes (sent raw over IPC, not as JSON). */
  versionFile: (id: string) => invoke<ArrayBuffer>("version_file", { id }),
  /** Page 1 of a PDF version as the server drew it; null when there is none. */
  versionPreview: (id: string) => invoke<ArrayBuffer>("version_preview", { id }).then(readPreview),
  /** The server's text of a version, page by page; null until synced. */
  versionText: (id: string) => invoke<Rendition | null>("version_text", { id }),
  appInfo: () => invoke<AppInfo>("app_info"),
  markMeetingSeen: (id: string) => invoke<void>("mark_meeting_seen", { id }),
  markDocumentRead: (id: string) => invoke<void>("mark_document_read", { id }),
  markMeetingRead: (id: string) => invoke<number>("mark_meeting_read", { id }),
  search: (query: SearchQuery) => invoke<SearchResults>("search", { query }),
  settings: () => invoke<SettingsView>("settings"),
  setPreferences: (preferences: Preferences) => invoke<Preferences>("set_preferences", { preferences }),
  setKeepLanguages: (languages: KeepLanguages) => invoke<void>("set_keep_languages", { languages }),
  freeSpace: () => invoke<FreedSpace>("free_space"),
  clearFiles: () => invoke<FreedSpace>("clear_files"),
  /** `token`: undefined keeps the saved token, "" removes it. */
  setServer: (url: string | null, token: string | undefined) =>
    invoke<SyncStatus>("set_server", { url, token: token ?? null }),
  mark: (name: string) => invoke<void>("mark", { name }),
  syncStatus: () => invoke<SyncStatus>("sync_status"),
  syncNow: () => invoke<void>("sync_now"),
  notesForVersion: (versionId: string) => invoke<VersionNotes>("notes_for_version", { versionId }),
  createNote: (note: { version_id: string; selection: Selection; color: NoteColor; body: string; tags: string[] }) =>
    invoke<PlacedNote>("create_note", { note }),
  updateNote: (id: string, edit: NoteEdit) => invoke<Note>("update_note", { id, edit }),
  deleteNote: (id: string) => invoke<void>("delete_note", { id }),
  restoreNote: (id: string) => invoke<Note>("restore_note", { id }),
  attachNote: (id: string, versionId: string, selection: Selection) =>
    invoke<PlacedNote>("attach_note", { id, versionId, selection }),
  noteSharing: () => invoke<SharingView>("note_sharing"),
  shareNote: (id: string, group: string | null) => invoke<Note>("share_note", { id, group }),
  meetingNotes: (meetingId: string, filter: NoteFilter) =>
    invoke<MeetingNotesView>("meeting_notes", { meetingId, filter }),
  /** Two versions (same language) compared, with the changes touching the user's notes. */
  compareVersions: (old: string, newer: string) => invoke<VersionComparison>("compare_versions", { old, new: newer }),
  /** In a language, the newest revision and the one before (null with fewer than two). */
  defaultComparison: (document: string, language: Lang) =>
    invoke<{ old: string; new: string } | null>("default_comparison", { document, language }),
  /**
   * Publishes a file as a version (staff). The bytes travel raw; the request
   * rides in a header, URI-encoded because headers are ASCII.
   */
  publishVersion: (request: PublishRequest, bytes: Uint8Array) =>
    invoke<{ version: PublishedVersion; created: boolean }>("publish_version", bytes, {
      headers: { "x-plenary-publish": encodeURIComponent(JSON.stringify(request)) },
    }),
};

/**
 * Reports a PLENARY_MARK once the current frame has been painted: the second
 * requestAnimationFrame callback runs after the first frame was presented.
 */
export function markAfterPaint(name: string, then?: () => void): void {
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      // Also in the page's own timeline, for benchmarks that read it.
      performance.mark(name);
      then?.();
      api.mark(name).catch(() => {
        /* marks are diagnostics; never disturb the UI */
      });
    }),
  );
}
