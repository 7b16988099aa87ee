// A meeting's notes, as a delegation reviews them before reporting: every
// note on the newest revision of its document, grouped by document, filtered
// by tag, colour, author and (from the agenda sidebar) agenda item; each
// opens the document at its place.
import { useState } from "preact/hooks";
import { NOTE_COLORS, api, type MeetingNote, type NoteColor } from "../api";
import { ErrorBox, Loading } from "../components";
import { formatTimestamp } from "../lib/format";
import { t } from "../lib/i18n";
import { documentHref } from "../lib/router";
import { useAsync } from "../lib/useAsync";
import { useCacheGeneration } from "../lib/sync";
import { authorColor, isMine, outcomeLabel, useSharing } from "./NotesPanel";
import { NotesExport } from "./NotesExport";

export function MeetingNotes({ meetingId, agendaItem }: { meetingId: string; agendaItem: string | null }) {
  const m = t().notes;
  const generation = useCacheGeneration();
  const [tag, setTag] = useState<string | null>(null);
  const [color, setColor] = useState<NoteColor | null>(null);
  const [author, setAuthor] = useState<string | null>(null);
  const sharing = useSharing();
  const [imports, setImports] = useState(0);
  const view = useAsync(
    () => api.meetingNotes(meetingId, { tag, color, author, agenda_item: agendaItem }),
    [meetingId, agendaItem, tag, color, author, generation, imports],
    { keepStale: true },
  );
  if (view.state === "loading") return <Loading />;
  if (view.state === "error") return <ErrorBox error={view.error} />;
  const { notes, tags, authors } = view.value;
  const byDoc = new Map<string, MeetingNote[]>();
  for (const n of notes) {
    const list = byDoc.get(n.note.document_id) ?? [];
    list.push(n);
    byDoc.set(n.note.document_id, list);
  }
  return (
    <div class="meeting-notes" data-testid="meeting-notes" data-count={notes.length}>
      <div class="notes-filters" role="group" aria-label={m.filters}>
        <label>
          <span>{m.tags}</span>
          <select value={tag ?? ""} onChange={(e) => setTag((e.target as HTMLSelectElement).value || null)}>
            <option value="">{m.allTags}</option>
            {tags.map((x) => (
              <option key={x} value={x}>
                #{x}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{m.color}</span>
          <select
            value={color ?? ""}
            onChange={(e) => setColor(((e.target as HTMLSelectElement).value || null) as NoteColor | null)}
          >
            <option value="">{m.allColors}</option>
            {NOTE_COLORS.map((c) => (
              <option key={c} value={c}>
                {m.colors[c]}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{m.author}</span>
          <select value={author ?? ""} onChange={(e) => setAuthor((e.target as HTMLSelectElement).value || null)}>
            <option value="">{m.allAuthors}</option>
            {authors.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
      </div>
      <NotesExport
        meetingId={meetingId}
        filter={{ tag, color, author, agenda_item: agendaItem }}
        onImported={() => setImports((i) => i + 1)}
      />
      {notes.length === 0 && <p class="muted">{m.noneInMeeting}</p>}
      {[...byDoc.values()].map((list) => (
        <section key={list[0].note.document_id} class="notes-document">
          <h3>
            {list[0].document_symbol && <span class="symbol">{list[0].document_symbol}</span>}{" "}
            {list[0].document_title} <span class="muted small">· {list[0].revision_label}</span>
          </h3>
          <ul class="note-list">
            {list.map((n) => (
              <li
                key={n.note.id}
                class={`note-card note-${n.note.color}`}
                data-testid="meeting-note"
                data-outcome={n.placement.outcome}
              >
                <a
                  class="note-quote"
                  href={documentHref(n.note.document_id, {
                    lang: n.note.language,
                    rev: String(n.revision),
                    note: n.note.id,
                  })}
                >
                  <q>{n.placement.quote ?? n.note.target.exact}</q>
                  {n.placement.page && <span class="muted small"> · {m.page(n.placement.page)}</span>}
                </a>
                {n.placement.outcome !== "attached" && outcomeLabel(n) && (
                  <p class={`note-outcome outcome-${n.placement.outcome}`}>
                    {outcomeLabel(n)}
                    {!n.placement.outcome.match(/^(moved|changed)$/) && ` ${n.placement.reason ?? ""}`}
                  </p>
                )}
                {n.note.body && <p class="note-body">{n.note.body}</p>}
                {n.note.tags.length > 0 && (
                  <p class="note-tags">
                    {n.note.tags.map((x) => (
                      <span key={x} class="tag-chip">
                        #{x}
                      </span>
                    ))}
                  </p>
                )}
                <p class="note-meta muted small">
                  {!isMine(n.note, sharing) && (
                    <span
                      class="author-dot"
                      style={{ background: authorColor(n.note.author_id) ?? undefined }}
                      aria-hidden="true"
                    />
                  )}
                  {n.note.author} · {formatTimestamp(n.note.updated_at)}
                  {n.note.shared_with && (
                    <>
                      {" · "}
                      {m.shareLabel} {sharing.groups.find((g) => g.id === n.note.shared_with)?.name ?? n.note.shared_with}
                    </>
                  )}
                </p>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
