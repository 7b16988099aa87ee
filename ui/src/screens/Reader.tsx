import type { JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, markAfterPaint, type DocumentDetail, type Lang, type VersionInfo } from "../api";
import { Breadcrumbs, ErrorBox, LanguageTabs, Loading, TopBar } from "../components";
import { formatTimestamp, kindSingular } from "../lib/format";
import { t } from "../lib/i18n";
import { LANG_ORDER, NATIVE_NAME, isLang, pickLang } from "../lib/langs";
import { compareHref, documentHref, meetingHref, navigate } from "../lib/router";
import { meetingTitle, rememberMeeting } from "../lib/store";
import { useAsync } from "../lib/useAsync";
import { useCacheGeneration } from "../lib/sync";
import { PdfView } from "../reader/PdfView";
import { holdPdfJs, isPdfJsLoaded, letPdfJsGo, whenPdfJsMayLoad } from "../reader/pdfPreview";

/** The longest pdf.js waits for page 1's picture to be painted. */
const PREVIEW_HOLD_MS = 250;
import { TextView } from "../reader/TextView";
import { PublishDropZone } from "../reader/Publish";
import { captureSelection, type CapturedSelection, type PaintNote } from "../notes/dom";
import { NotesPanel, SelectionToolbar, paintable, useVersionNotes } from "../notes/NotesPanel";
import { toCommandError, type NoteColor, type PlacedNote } from "../api";

/** What the document views need to draw and open notes. */
interface NoteProps {
  notes: PaintNote[];
  activeNote: string | null;
  reveal: { id: string; page: number | null } | null;
  onNoteClick: (id: string) => void;
}

/** A screen about one document: loads it (again after each sync) and shows
 *  `render(doc)`, or loading and error states. The reader and the compare
 *  view are both this. */
export function DocumentScreen({ id, render }: { id: string; render: (doc: DocumentDetail) => JSX.Element }) {
  const generation = useCacheGeneration();
  const detail = useAsync(() => api.document(id), [id, generation], { keepStale: true });
  return (
    <div class="screen reader-screen">
      <TopBar />
      {detail.state === "loading" && (
        <main class="content">
          <Loading />
        </main>
      )}
      {detail.state === "error" && (
        <main class="content">
          <Breadcrumbs items={[{ label: t().common.meetings, href: "#/" }, { label: id }]} />
          <ErrorBox error={detail.error} />
        </main>
      )}
      {detail.state === "ok" && render(detail.value)}
    </div>
  );
}

export function Reader({ id, params }: { id: string; params: URLSearchParams }) {
  return <DocumentScreen id={id} render={(doc) => <DocumentReader doc={doc} params={params} />} />;
}

function DocumentReader({ doc, params }: { doc: DocumentDetail; params: URLSearchParams }) {
  const languages = useMemo(
    () => LANG_ORDER.filter((l) => doc.versions.some((v) => v.language === l)),
    [doc],
  );
  const requested = params.get("lang");
  const lang: Lang | undefined =
    isLang(requested) && languages.includes(requested) ? requested : pickLang(languages);
  // Newest first (the core's order).
  const revisions = doc.versions.filter((v) => v.language === lang).sort((a, b) => b.revision - a.revision);
  const requestedRev = Number(params.get("rev"));
  const version =
    (params.has("rev") && revisions.find((v) => v.revision === requestedRev)) || revisions[0];

  // Opened from a search result: its page and the words to mark.
  const hit: Hit = {
    page: Number(params.get("page")) || undefined,
    terms: (params.get("hl") ?? "").split("\n").filter(Boolean),
  };

  const title = useMeetingTitle(doc.meeting_id);
  useEffect(() => {
    document.title = `Plenary — ${doc.symbol ?? doc.title}`;
  }, [doc]);
  // Opening a document clears its "new"/"updated" mark (again when a
  // version arrives while it is open: the user is looking at it).
  useEffect(() => {
    api.markDocumentRead(doc.id).catch(() => {});
  }, [doc]);

  // Notes on this version.
  const notes = useVersionNotes(version?.id);
  const [active, setActive] = useState<string | null>(params.get("note"));
  const [editing, setEditing] = useState<string | null>(null);
  const [reveal, setReveal] = useState<{ id: string; page: number | null } | null>(null);
  const [captured, setCaptured] = useState<CapturedSelection | null>(null);
  const [attaching, setAttaching] = useState<string | null>(null);
  const body = useRef<HTMLDivElement>(null);
  const paint = useMemo(() => paintable(notes.notes), [notes.notes]);
  // Opened on a note (from the meeting's notes): bring it into view.
  const wanted = params.get("note");
  useEffect(() => {
    if (!wanted) return;
    const p = notes.notes.placed.find((x) => x.note.id === wanted);
    if (p) setReveal({ id: p.note.id, page: p.placement.page });
  }, [wanted, notes.notes]);
  useEffect(() => {
    const onChange = () => {
      const sel = window.getSelection();
      if (!sel || sel.isCollapsed) setCaptured(null);
    };
    document.addEventListener("selectionchange", onChange);
    return () => document.removeEventListener("selectionchange", onChange);
  }, []);
  const capture = () => {
    if (body.current) setCaptured(captureSelection(body.current));
  };
  const afterSave = (p: PlacedNote) => {
    window.getSelection()?.removeAllRanges();
    setCaptured(null);
    setActive(p.note.id);
    notes.reload();
  };
  const highlight = async (color: NoteColor, edit: boolean) => {
    if (!captured || !version) return;
    try {
      const p = await api.createNote({ version_id: version.id, selection: captured.selection, color, body: "", tags: [] });
      afterSave(p);
      if (edit) setEditing(p.note.id);
    } catch (e) {
      notes.setError(toCommandError(e));
    }
  };
  const attach = async () => {
    if (!captured || !version || !attaching) return;
    try {
      const p = await api.attachNote(attaching, version.id, captured.selection);
      setAttaching(null);
      afterSave(p);
    } catch (e) {
      notes.setError(toCommandError(e));
    }
  };
  const noteProps: NoteProps = {
    notes: paint,
    activeNote: active,
    reveal,
    onNoteClick: (id) => {
      setActive(id);
      document
        .querySelector(`.notes-panel [data-note-id="${CSS.escape(id)}"]`)
        ?.scrollIntoView({ block: "nearest" });
    },
  };

  const select = (next: { lang?: Lang; rev?: number }) => {
    const l = next.lang ?? lang;
    // A revision that does not exist in the new language falls back to that language's newest.
    const rev =
      next.rev ??
      (next.lang && version && doc.versions.some((v) => v.language === l && v.revision === version.revision)
        ? version.revision
        : undefined);
    navigate(documentHref(doc.id, { lang: l, rev: rev === undefined ? undefined : String(rev) }), true);
  };

  return (
    <div class="reader">
      <div class="reader-head">
        <Breadcrumbs
          items={[
            { label: t().common.meetings, href: "#/" },
            { label: title ?? t().common.meeting, href: meetingHref(doc.meeting_id) },
            { label: doc.symbol ?? doc.title },
          ]}
        />
        <h1 class="doc-title" data-testid="doc-title">
          {doc.title}
        </h1>
        <p class="doc-meta">
          {doc.symbol && <span class="symbol">{doc.symbol}</span>}
          <span class="kind-chip">{kindSingular(doc.kind)}</span>
          {doc.agenda_item && (
            <span>
              {t().reader.agendaItem} <span class="agenda-number">{doc.agenda_item.number}</span> {doc.agenda_item.title}
            </span>
          )}
        </p>
        <div class="reader-controls">
          <LanguageTabs languages={languages} selected={lang} onSelect={(l) => select({ lang: l })} />
          <div class="reader-actions">
          {version && (
            <a
              class="button-secondary compare-open"
              data-testid="compare-open"
              title={t().compare.openTitle}
              href={compareHref(doc.id, compareParams(lang, version, revisions))}
            >
              {t().compare.open}
            </a>
          )}
          {version && (
            <label class="revision">
              <span>{t().reader.revision}</span>
              <select
                data-testid="revision-picker"
                value={String(version.revision)}
                onChange={(e) => select({ rev: Number((e.target as HTMLSelectElement).value) })}
              >
                {revisions.map((v) => (
                  <option key={v.id} value={String(v.revision)}>
                    {v.label || (v.revision === 0 ? t().reader.original : `Rev.${v.revision}`)} —{" "}
                    {formatTimestamp(v.published_at)}
                  </option>
                ))}
              </select>
            </label>
          )}
          </div>
        </div>
      </div>
      <PublishDropZone doc={doc} lang={lang}>
        {version ? (
          <div class="reader-body">
            <div
              class="reader-main"
              ref={body}
              onMouseUp={capture}
              onKeyUp={(e) => e.shiftKey && capture()}
            >
              <VersionBody key={version.id} version={version} hit={hit} noteProps={noteProps} />
            </div>
            <NotesPanel
              notes={notes.notes}
              error={notes.error}
              active={active}
              editing={editing}
              versions={revisions}
              attaching={attaching}
              onSelect={(p) => {
                setActive(p.note.id);
                setReveal({ id: p.note.id, page: p.placement.page });
              }}
              onEdit={setEditing}
              onChanged={notes.reload}
              onAttachStart={setAttaching}
            />
          </div>
        ) : (
          <main class="content">
            <p class="muted">{t().reader.noVersions}</p>
          </main>
        )}
      </PublishDropZone>
      {captured && (
        <SelectionToolbar
          at={captured.rect}
          onHighlight={(c) => void highlight(c, false)}
          onNote={() => void highlight("yellow", true)}
          onAttach={attaching ? () => void attach() : undefined}
          onDismiss={() => setCaptured(null)}
        />
      )}
    </div>
  );
}

/**
 * What "Compare" opens: the revision being read against the one before it,
 * or, on the newest (or the only) revision, the core's default pair.
 */
function compareParams(lang: Lang | undefined, version: VersionInfo, revisions: VersionInfo[]) {
  const i = revisions.findIndex((v) => v.id === version.id);
  if (i <= 0 || i === revisions.length - 1) return { lang };
  return { lang, old: String(revisions[i + 1].revision), new: String(version.revision) };
}

function useMeetingTitle(meetingId: string): string | undefined {
  const [title, setTitle] = useState(() => meetingTitle(meetingId));
  useEffect(() => {
    if (title) return;
    // Opened directly (--route, a link): ask for the meeting, off the critical path.
    api
      .meetingOverview(meetingId)
      .then((o) => {
        rememberMeeting(meetingId, o.meeting.title);
        setTitle(o.meeting.title);
      })
      .catch(() => {
        /* the breadcrumb says "Meeting" */
      });
  }, [meetingId]);
  return title;
}

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

interface Hit {
  page?: number;
  terms: string[];
}

function VersionBody({ version, hit, noteProps }: { version: VersionInfo; hit: Hit; noteProps: NoteProps }) {
  if (version.media_type === DOCX) return <WordBody version={version} hit={hit} noteProps={noteProps} />;
  return <FileBody version={version} hit={hit} noteProps={noteProps} />;
}

/**
 * A Word document is read through the text the server extracted from it
 * (the web view cannot lay out .docx), page by page.
 */
function WordBody({ version, hit, noteProps }: { version: VersionInfo; hit: Hit; noteProps: NoteProps }) {
  const generation = useCacheGeneration();
  const text = useAsync(() => api.versionText(version.id), [version.id, generation], { keepStale: true });
  const shown = () => markAfterPaint("document-visible");
  if (text.state === "loading") return <Loading label={t().common.opening} />;
  if (text.state === "error") {
    return (
      <main class="content">
        <ErrorBox error={text.error} />
      </main>
    );
  }
  const r = text.value;
  if (!r || r.status !== "ok") {
    return (
      <main class="content">
        <div class="notice" role="status" data-testid="not-downloaded">
          <strong>
            {r ? t().reader.wordUnreadable : t().reader.wordNotYet}
          </strong>
          <p>{r && r.status === "unavailable" ? r.reason : t().reader.wordLater}</p>
        </div>
      </main>
    );
  }
  const data = new TextEncoder().encode(r.pages.join("\n\n")).buffer as ArrayBuffer;
  return (
    <TextView
      data={data}
      mediaType="text/plain"
      lang={version.language}
      onShown={shown}
      highlights={hit.terms}
      {...noteProps}
    />
  );
}

function FileBody({ version, hit, noteProps }: { version: VersionInfo; hit: Hit; noteProps: NoteProps }) {
  // When the user asked for this version: the start of "time to first page".
  useState(() => performance.mark("document-open"));
  // Page 1 as the server drew it (~100-300 KB): asked for before the file,
  // as the app answers one command on the cache at a time.
  const isPdf = version.media_type === "application/pdf";
  const preview = useAsync(() => {
    // Once pdf.js is loaded (a window's second PDF), it draws page 1 in
    // ~200-250 ms itself, and painting the preview first only delays it
    // (pdf-bench: pdf.js's page ~200 ms later, the picture ~50 ms sooner).
    if (!isPdf || !version.downloaded || isPdfJsLoaded()) return Promise.resolve(null);
    // pdf.js loads once the picture is painted (pdfPreview.ts), then starts
    // its worker while the file is read.
    holdPdfJs(PREVIEW_HOLD_MS);
    void whenPdfJsMayLoad()
      .then(() => import("../reader/pdfViewer"))
      .then((m) => m.warmUp());
    return api.versionPreview(version.id).then(
      (p) => {
        if (p) performance.mark("pdf-preview-read");
        else letPdfJsGo();
        return p;
      },
      () => (letPdfJsGo(), null), // only a placeholder: never an error
    );
  }, [version.id, version.downloaded]);
  const file = useAsync(
    () =>
      version.downloaded
        ? // The first phase of "time to first page" for pdf-bench; the
          // viewer marks the others (reader/pdfViewer.ts).
          api.versionFile(version.id).then((bytes) => {
            performance.mark("pdf-file-read");
            return bytes;
          })
        : Promise.resolve(null),
    // A sync that downloads the file flips `downloaded`: load it then.
    [version.id, version.downloaded],
  );
  const shown = () => markAfterPaint("document-visible");

  useEffect(() => {
    if (file.state === "ok" && file.value === null) shown();
  }, [file.state]);

  if (!version.downloaded || (file.state === "ok" && file.value === null)) {
    return (
      <main class="content">
        <div class="notice" role="status" data-testid="not-downloaded">
          <strong>{t().reader.notDownloaded}</strong>
          <p>
            {t().reader.notDownloadedDetail(
              NATIVE_NAME[version.language],
              version.label,
              formatTimestamp(version.published_at),
            )}
          </p>
        </div>
      </main>
    );
  }
  const previewInfo = preview.state === "ok" ? preview.value : null;
  if (file.state === "loading" && !(isPdf && previewInfo)) return <Loading label={t().common.opening} />;
  if (file.state === "error") {
    return (
      <main class="content">
        <ErrorBox error={file.error} />
      </main>
    );
  }
  if (isPdf) {
    return (
      <PdfView
        key={version.id}
        data={file.state === "ok" ? file.value : null}
        preview={previewInfo}
        lang={version.language}
        onFirstPage={shown}
        initialPage={hit.page}
        highlights={hit.terms}
        {...noteProps}
      />
    );
  }
  // Other files show once read (the early return above covers the loading).
  if (file.state !== "ok" || !file.value) return <Loading label={t().common.opening} />;
  return (
    <TextView
      data={file.value}
      mediaType={version.media_type}
      lang={version.language}
      onShown={shown}
      highlights={hit.terms}
      {...noteProps}
    />
  );
}
