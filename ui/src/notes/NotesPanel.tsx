// The reader's notes: the toolbar that appears on a text selection
// (highlight in a colour, or add a note), and the side panel listing the
// notes of the version shown, with those that could not be placed on it.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  NOTE_COLORS,
  api,
  toCommandError,
  type CommandError,
  type Note,
  type NoteColor,
  type SharingView,
  type PlacedNote,
  type VersionInfo,
  type VersionNotes,
} from "../api";
import { ErrorBox } from "../components";
import { formatTimestamp } from "../lib/format";
import { t } from "../lib/i18n";
import { useSyncStatus } from "../lib/sync";
import type { PaintNote } from "./dom";

/** How long a deleted note can be brought back from the toast. */
const UNDO_MS = 12_000;

export function useVersionNotes(versionId: string | undefined) {
  const [notes, setNotes] = useState<VersionNotes>({ placed: [], unplaced: [] });
  const [error, setError] = useState<CommandError | null>(null);
  const [generation, setGeneration] = useState(0);
  // Each finished sync may bring teammates' notes: read them again.
  const status = useSyncStatus();
  const synced = status?.syncing ? null : (status?.last_success ?? null);
  useEffect(() => {
    if (!versionId) return;
    let cancelled = false;
    api
      .notesForVersion(versionId)
      .then((n) => !cancelled && (setNotes(n), setError(null)))
      .catch((e) => !cancelled && setError(toCommandError(e)));
    return () => {
      cancelled = true;
    };
  }, [versionId, generation, synced]);
  return { notes, error, reload: () => setGeneration((g) => g + 1), setError };
}

/** The groups this computer can share with (empty without a token). */
export function useSharing(): SharingView {
  const [sharing, setSharing] = useState<SharingView>({ me: null, groups: [] });
  const status = useSyncStatus();
  const synced = status?.last_success ?? null;
  useEffect(() => {
    let cancelled = false;
    api
      .noteSharing()
      .then((v) => !cancelled && setSharing(v))
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [synced]);
  return sharing;
}

/** Teammates' colours: one per author, the same on every computer. */
const AUTHOR_COLORS = ["#1b6fb5", "#b5421b", "#2e8540", "#7a3fb0", "#a8780a", "#0f7f86", "#c2185b"];

export function authorColor(authorId: string | null): string | null {
  if (!authorId) return null;
  let h = 0;
  for (const c of authorId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return AUTHOR_COLORS[h % AUTHOR_COLORS.length];
}

/** Whether a note was written by this computer's user. */
export function isMine(note: Note, sharing: SharingView): boolean {
  return note.author_id === null || note.author_id === sharing.me?.id;
}

function ShareControl({ note, sharing, onChanged }: { note: Note; sharing: SharingView; onChanged: () => void }) {
  const m = t().notes;
  const [error, setError] = useState<string | null>(null);
  if (sharing.groups.length === 0 && !note.shared_with) return null;
  const choose = (group: string | null) => {
    setError(null);
    api
      .shareNote(note.id, group)
      .then(onChanged)
      .catch((e) => setError(toCommandError(e).message));
  };
  return (
    <label class="note-share small">
      {m.shareLabel}{" "}
      <select
        data-testid="note-share"
        value={note.shared_with ?? ""}
        onChange={(e) => choose((e.target as HTMLSelectElement).value || null)}
      >
        <option value="">{m.private}</option>
        {sharing.groups.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name}
          </option>
        ))}
      </select>
      {error && <span class="error small"> {error}</span>}
    </label>
  );
}

/** What the document views draw: each placed note's quote on its page. */
export function paintable(notes: VersionNotes): PaintNote[] {
  return notes.placed.map((p) => ({
    id: p.note.id,
    color: p.note.color,
    quote: p.placement.quote ?? p.note.target.exact,
    prefix: p.placement.prefix ?? p.note.target.prefix,
    page: p.placement.page,
    hasBody: p.note.body.trim().length > 0,
  }));
}

export function SelectionToolbar({
  at,
  onHighlight,
  onNote,
  onAttach,
  onDismiss,
}: {
  at: DOMRect;
  onHighlight: (color: NoteColor) => void;
  onNote: () => void;
  /** Offered while an unplaced note waits for a new place. */
  onAttach?: () => void;
  onDismiss: () => void;
}) {
  const m = t().notes;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onDismiss();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const top = Math.min(window.innerHeight - 56, at.bottom + 8);
  const left = Math.max(8, Math.min(window.innerWidth - 320, at.left));
  return (
    <div
      class="selection-toolbar"
      role="toolbar"
      aria-label={m.toolbar}
      data-testid="selection-toolbar"
      style={{ top: `${top}px`, left: `${left}px` }}
      // Keep the selection while clicking the toolbar.
      onMouseDown={(e) => e.preventDefault()}
    >
      {NOTE_COLORS.map((c) => (
        <button
          key={c}
          type="button"
          class={`swatch note-${c}`}
          data-testid={`highlight-${c}`}
          aria-label={m.highlightIn(m.colors[c])}
          title={m.highlightIn(m.colors[c])}
          onClick={() => onHighlight(c)}
        />
      ))}
      <button type="button" class="button-secondary" data-testid="add-note" onClick={onNote}>
        {m.addNote}
      </button>
      {onAttach && (
        <button type="button" class="button-secondary" data-testid="attach-here" onClick={onAttach}>
          {m.attachHere}
        </button>
      )}
    </div>
  );
}

/** What became of a note on the version shown; null when nothing to say. */
export function outcomeLabel(p: PlacedNote): string | null {
  const m = t().notes.outcome;
  switch (p.placement.outcome) {
    case "moved":
      return m.moved;
    case "changed":
      return m.changed;
    case "needs_review":
      return m.needsReview;
    case "orphaned":
      return m.orphaned;
    case "attached":
      return m.attached;
    default:
      return null;
  }
}

function NoteEditor({
  placed,
  autoFocus,
  onSaved,
  onCancel,
}: {
  placed: PlacedNote;
  autoFocus: boolean;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const m = t().notes;
  const [body, setBody] = useState(placed.note.body);
  const [tags, setTags] = useState(placed.note.tags.join(", "));
  const [color, setColor] = useState<NoteColor>(placed.note.color);
  const [error, setError] = useState<CommandError | null>(null);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (autoFocus) area.current?.focus();
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api.updateNote(placed.note.id, {
        body,
        color,
        tags: tags.split(",").map((s) => s.trim()).filter(Boolean),
      });
      onSaved();
    } catch (err) {
      setError(toCommandError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="note-editor" onSubmit={save} data-testid="note-editor">
      <label class="visually-hidden" for={`note-body-${placed.note.id}`}>
        {m.noteText}
      </label>
      <textarea
        id={`note-body-${placed.note.id}`}
        ref={area}
        data-testid="note-body-input"
        rows={4}
        value={body}
        placeholder={m.notePlaceholder}
        onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void save(e);
          if (e.key === "Escape") onCancel();
        }}
      />
      <label class="field">
        <span class="field-label">{m.tags}</span>
        <input
          type="text"
          data-testid="note-tags-input"
          value={tags}
          placeholder={m.tagsPlaceholder}
          onInput={(e) => setTags((e.target as HTMLInputElement).value)}
        />
      </label>
      <div class="note-colors" role="radiogroup" aria-label={m.color}>
        {NOTE_COLORS.map((c) => (
          <button
            key={c}
            type="button"
            role="radio"
            aria-checked={c === color}
            class={`swatch note-${c}`}
            aria-label={m.colors[c]}
            title={m.colors[c]}
            onClick={() => setColor(c)}
          />
        ))}
      </div>
      {error && <ErrorBox error={error} />}
      <div class="note-editor-actions">
        <button type="submit" class="button-primary" data-testid="note-save" disabled={busy}>
          {t().common.save}
        </button>
        <button type="button" class="button-secondary" onClick={onCancel}>
          {t().common.cancel}
        </button>
      </div>
    </form>
  );
}

function NoteCard({
  placed,
  active,
  editing,
  versions,
  onSelect,
  onEdit,
  onDone,
  onDelete,
  onAttachStart,
  attaching,
  sharing,
  onChanged,
}: {
  placed: PlacedNote;
  sharing: SharingView;
  onChanged: () => void;
  active: boolean;
  editing: boolean;
  versions: VersionInfo[];
  onSelect: () => void;
  onEdit: () => void;
  onDone: () => void;
  onDelete: () => void;
  onAttachStart?: () => void;
  attaching?: boolean;
}) {
  const m = t().notes;
  const { note, placement } = placed;
  const label = outcomeLabel(placed);
  const origin = versions.find((v) => v.id === note.origin_version_id);
  const quote = placement.quote ?? note.target.exact;
  const mine = isMine(note, sharing);
  const teammate = mine ? null : authorColor(note.author_id);
  const group = sharing.groups.find((g) => g.id === note.shared_with)?.name ?? note.shared_with;
  return (
    <li
      class={`note-card note-${note.color}${active ? " active" : ""}${teammate ? " teammate" : ""}`}
      style={teammate ? { borderInlineStartColor: teammate } : undefined}
      data-testid="note-card"
      data-note-id={note.id}
      data-outcome={placement.outcome}
      data-author={note.author}
      data-mine={mine ? "true" : "false"}
      data-shared-with={note.shared_with ?? ""}
    >
      <button type="button" class="note-quote" onClick={onSelect} aria-label={m.showInDocument}>
        <span class="note-swatch" aria-hidden="true" />
        <q>{quote.length > 240 ? `${quote.slice(0, 240)}…` : quote}</q>
        {placement.page && <span class="muted small"> · {m.page(placement.page)}</span>}
      </button>
      {label && (
        <p class={`note-outcome outcome-${placement.outcome}`} data-testid="note-outcome">
          <strong>{label}</strong>
          {placement.outcome === "changed" && note.target.exact && (
            <span>
              {" "}
              {m.wasWording} <q>{note.target.exact}</q>
            </span>
          )}
          {placement.reason && <span class="muted"> {placement.reason}</span>}
        </p>
      )}
      {editing ? (
        <NoteEditor placed={placed} autoFocus onSaved={onDone} onCancel={onDone} />
      ) : (
        <>
          {note.body && (
            <p class="note-body" data-testid="note-body">
              {note.body}
            </p>
          )}
          {note.tags.length > 0 && (
            <p class="note-tags">
              {note.tags.map((tag) => (
                <span key={tag} class="tag-chip">
                  #{tag}
                </span>
              ))}
            </p>
          )}
          <p class="note-meta muted small">
            {teammate && <span class="author-dot" style={{ background: teammate }} aria-hidden="true" />}
            <span data-testid="note-author">
              {!mine && note.shared_with ? m.sharedBy(note.author, group ?? "") : note.author}
            </span>
            {" · "}
            {formatTimestamp(note.updated_at)}
            {note.editor && note.editor !== note.author && <> · {m.lastEditedBy(note.editor)}</>}
            {note.share_pending && (
              <span class="share-pending" data-testid="note-share-pending" title={m.sharePending}>
                {" · "}⟳ {m.sharePending}
              </span>
            )}
            {origin && note.origin_version_id !== placed.version_id && (
              <>
                {" · "}
                <a
                  href={`#/documents/${encodeURIComponent(note.document_id)}?lang=${origin.language}&rev=${origin.revision}&note=${note.id}`}
                  data-testid="note-open-origin"
                >
                  {m.openOn(origin.label)}
                </a>
              </>
            )}
          </p>
          <div class="note-actions">
            <button type="button" class="link-button" data-testid="note-edit" onClick={onEdit}>
              {m.edit}
            </button>
            <button type="button" class="link-button" data-testid="note-delete" onClick={onDelete}>
              {m.delete}
            </button>
            {mine && <ShareControl note={note} sharing={sharing} onChanged={onChanged} />}
            {onAttachStart && (
              <button
                type="button"
                class="link-button"
                data-testid="note-attach"
                aria-pressed={attaching}
                onClick={onAttachStart}
              >
                {attaching ? m.attachWaiting : m.attach}
              </button>
            )}
          </div>
        </>
      )}
    </li>
  );
}

export function NotesPanel({
  notes,
  error,
  active,
  editing,
  versions,
  attaching,
  onSelect,
  onEdit,
  onChanged,
  onAttachStart,
}: {
  notes: VersionNotes;
  error: CommandError | null;
  active: string | null;
  editing: string | null;
  versions: VersionInfo[];
  attaching: string | null;
  onSelect: (p: PlacedNote) => void;
  onEdit: (id: string | null) => void;
  onChanged: () => void;
  onAttachStart: (id: string | null) => void;
}) {
  const m = t().notes;
  const sharing = useSharing();
  const [undo, setUndo] = useState<{ id: string; timer: number } | null>(null);
  const [tag, setTag] = useState<string | null>(null);
  const tags = useMemo(
    () => [...new Set(notes.placed.concat(notes.unplaced).flatMap((p) => p.note.tags))].sort(),
    [notes],
  );
  useEffect(() => () => undo && clearTimeout(undo.timer), [undo]);
  const remove = async (id: string) => {
    await api.deleteNote(id);
    if (undo) clearTimeout(undo.timer);
    setUndo({ id, timer: window.setTimeout(() => setUndo(null), UNDO_MS) });
    onChanged();
  };
  const restore = async () => {
    if (!undo) return;
    clearTimeout(undo.timer);
    await api.restoreNote(undo.id);
    setUndo(null);
    onChanged();
  };
  const shown = (list: PlacedNote[]) => (tag ? list.filter((p) => p.note.tags.includes(tag)) : list);
  const card = (p: PlacedNote, unplaced: boolean) => (
    <NoteCard
      key={p.note.id}
      placed={p}
      sharing={sharing}
      onChanged={onChanged}
      active={active === p.note.id}
      editing={editing === p.note.id}
      versions={versions}
      onSelect={() => onSelect(p)}
      onEdit={() => onEdit(p.note.id)}
      onDone={() => {
        onEdit(null);
        onChanged();
      }}
      onDelete={() => void remove(p.note.id)}
      onAttachStart={unplaced ? () => onAttachStart(attaching === p.note.id ? null : p.note.id) : undefined}
      attaching={attaching === p.note.id}
    />
  );
  const total = notes.placed.length + notes.unplaced.length;
  return (
    <aside class="notes-panel" aria-label={m.panel} data-testid="notes-panel" data-count={total}>
      <div class="notes-head">
        <h2>{m.title(total)}</h2>
        {tags.length > 0 && (
          <select
            aria-label={m.filterByTag}
            value={tag ?? ""}
            onChange={(e) => setTag((e.target as HTMLSelectElement).value || null)}
          >
            <option value="">{m.allTags}</option>
            {tags.map((x) => (
              <option key={x} value={x}>
                #{x}
              </option>
            ))}
          </select>
        )}
      </div>
      {error && <ErrorBox error={error} />}
      {undo && (
        <div class="undo-toast" role="status" data-testid="undo-toast">
          {m.deleted}{" "}
          <button type="button" class="link-button" data-testid="undo-delete" onClick={() => void restore()}>
            {m.undo}
          </button>
        </div>
      )}
      {total === 0 && <p class="muted small">{m.empty}</p>}
      <ul class="note-list" data-testid="placed-notes">
        {shown(notes.placed).map((p) => card(p, false))}
      </ul>
      {notes.unplaced.length > 0 && (
        <section class="unplaced" data-testid="unplaced-notes" data-count={notes.unplaced.length}>
          <h3>{m.unplacedTitle(notes.unplaced.length)}</h3>
          <p class="muted small">{m.unplacedHelp}</p>
          <ul class="note-list">{shown(notes.unplaced).map((p) => card(p, true))}</ul>
        </section>
      )}
    </aside>
  );
}
