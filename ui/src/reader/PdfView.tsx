import { useEffect, useRef, useState } from "preact/hooks";
import type { Lang, PreviewInfo } from "../api";
import { t } from "../lib/i18n";
import { dirOf } from "../lib/langs";
import type { FindMatch, PdfViewer } from "./pdfViewer";
import { PREVIEW_PAGE_CLASS, showPreview, whenPdfJsMayLoad } from "./pdfPreview";
import { noteAt, type PaintNote } from "../notes/dom";

export function PdfView({
  data,
  preview = null,
  lang,
  onFirstPage,
  initialPage,
  highlights = [],
  notes = [],
  activeNote = null,
  reveal = null,
  onNoteClick,
}: {
  /** The PDF's bytes; null while they are read (the preview shows meanwhile). */
  data: ArrayBuffer | null;
  /** Page 1 as the server drew it, shown in its place until pdf.js draws it. */
  preview?: PreviewInfo | null;
  lang: Lang;
  onFirstPage: () => void;
  /** Open at this page (a search hit). */
  initialPage?: number;
  /** Words to mark on every page (the search's terms). */
  highlights?: string[];
  /** The notes' highlights. */
  notes?: PaintNote[];
  activeNote?: string | null;
  /** A note to scroll to (changes identity to scroll again). */
  reveal?: { id: string; page: number | null } | null;
  onNoteClick?: (id: string) => void;
}) {
  const [ready, setReady] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const pages = useRef<HTMLDivElement>(null);
  const findInput = useRef<HTMLInputElement>(null);
  const viewer = useRef<PdfViewer | undefined>(undefined);
  const [status, setStatus] = useState<"loading" | "ready" | { error: string }>("loading");
  const [zoom, setZoom] = useState({ scale: 1, fit: true });
  const [pageCount, setPageCount] = useState(0);
  const [page, setPage] = useState(1);
  const [pageField, setPageField] = useState("1");
  const [find, setFind] = useState<{ query: string; matches: FindMatch[]; at: number; busy: boolean }>({
    query: "",
    matches: [],
    at: -1,
    busy: false,
  });
  const findRun = useRef(0);
  const m = t().pdf;

  // The server's picture of page 1 first: it needs neither the bytes nor pdf.js.
  useEffect(() => {
    if (preview && scroller.current && pages.current) showPreview(scroller.current, pages.current, preview);
  }, [preview]);

  useEffect(() => {
    if (!data) return;
    let cancelled = false;
    let v: PdfViewer | undefined;
    whenPdfJsMayLoad()
      .then(() => import("./pdfViewer"))
      .then(({ PdfViewer }) => {
        if (cancelled) return;
        performance.mark("pdf-viewer-loaded");
        v = new PdfViewer(scroller.current!, pages.current!, {
          onFirstPage,
          onScaleChange: (scale, fit) => setZoom({ scale, fit }),
          onError: (error) => setStatus({ error }),
          onPageChange: (p) => {
            setPage(p);
            setPageField(String(p));
          },
        });
        viewer.current = v;
        return v.open(data).then((n) => {
          if (cancelled) return;
          setPageCount(n);
          setStatus("ready");
          setReady(true);
          if (highlights.length) v!.setHighlights(highlights);
          if (initialPage && (initialPage > 1 || highlights.length)) v!.revealPage(initialPage);
          // Arrow keys and Page Down scroll the pages unless the user is
          // typing somewhere.
          const active = document.activeElement;
          if (!active || active === document.body || active.tagName === "A") {
            scroller.current?.focus({ preventScroll: true });
          }
        });
      })
      .catch((e) => !cancelled && setStatus({ error: e instanceof Error ? e.message : String(e) }));
    return () => {
      cancelled = true;
      v?.destroy();
      viewer.current = undefined;
    };
  }, [data]);

  // A PDF pdf.js cannot draw: its error replaces the picture of page 1.
  useEffect(() => {
    if (typeof status === "object") pages.current?.querySelector(`.${PREVIEW_PAGE_CLASS}`)?.remove();
  }, [status]);

  useEffect(() => {
    if (ready) viewer.current?.setNotes(notes, activeNote);
  }, [ready, notes, activeNote]);
  useEffect(() => {
    if (ready && reveal) viewer.current?.revealNote(reveal.id, reveal.page);
  }, [ready, reveal]);

  // A click on a highlight (not the end of a selection) opens its note.
  const onPagesClick = (e: MouseEvent) => {
    if (!onNoteClick || !window.getSelection()?.isCollapsed) return;
    const page = (e.target as Element | null)?.closest(".pdf-page");
    const layer = page?.querySelector<HTMLElement>(".note-layer");
    const id = layer && noteAt(layer, e.clientX, e.clientY);
    if (id) onNoteClick(id);
  };

  // Ctrl+F (Cmd+F) opens find in this document.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "f" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        findInput.current?.focus();
        findInput.current?.select();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const runFind = async (query: string) => {
    const v = viewer.current;
    if (!v) return;
    const run = ++findRun.current;
    if (!query.trim()) {
      setFind({ query, matches: [], at: -1, busy: false });
      v.setHighlights(highlights);
      return;
    }
    setFind({ query, matches: [], at: -1, busy: true });
    v.setHighlights([query]);
    const matches = await v.find(query, (partial) => {
      if (run === findRun.current) setFind({ query, matches: partial, at: -1, busy: true });
    });
    if (run !== findRun.current) return;
    // Start at the first match at or after the page in view.
    const first = Math.max(
      0,
      matches.findIndex((x) => x.page >= page),
    );
    setFind({ query, matches, at: matches.length ? first : -1, busy: false });
    if (matches.length) v.showMatch(matches[first]);
  };

  const step = (by: number) => {
    const v = viewer.current;
    if (!v || find.matches.length === 0) return;
    const at = (find.at + by + find.matches.length) % find.matches.length;
    setFind({ ...find, at });
    v.showMatch(find.matches[at]);
  };

  const jump = (e: Event) => {
    e.preventDefault();
    const n = Number(pageField);
    if (Number.isFinite(n) && n >= 1) viewer.current?.scrollToPage(Math.min(pageCount, Math.floor(n)));
    else setPageField(String(page));
  };

  return (
    <div class="pdf-view">
      <div class="pdf-toolbar" role="toolbar" aria-label={m.toolbar}>
        <button type="button" onClick={() => viewer.current?.zoomOut()} aria-label={m.zoomOut} title={m.zoomOut}>
          −
        </button>
        <span class="zoom-level" aria-live="polite">
          {Math.round(zoom.scale * 100)}%
        </span>
        <button type="button" onClick={() => viewer.current?.zoomIn()} aria-label={m.zoomIn} title={m.zoomIn}>
          +
        </button>
        <button
          type="button"
          aria-pressed={zoom.fit}
          onClick={() => viewer.current?.applyFitWidth()}
          title={m.fitWidthTitle}
        >
          {m.fitWidth}
        </button>
        {pageCount > 0 && (
          <form class="page-jump" onSubmit={jump}>
            <label>
              <span class="visually-hidden">{m.goToPage}</span>
              <span aria-hidden="true">{m.page} </span>
              <input
                type="text"
                inputMode="numeric"
                class="page-input"
                data-testid="page-input"
                aria-label={m.goToPage}
                value={pageField}
                onInput={(e) => setPageField((e.target as HTMLInputElement).value)}
                onBlur={() => setPageField(String(page))}
              />
            </label>
            <span class="muted small" data-testid="page-count" data-page={page}>
              / {pageCount}
            </span>
          </form>
        )}
        <form
          class="find-bar"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (find.query === findInput.current?.value && find.matches.length) step(1);
            else void runFind(findInput.current?.value ?? "");
          }}
        >
          <input
            ref={findInput}
            type="search"
            data-testid="find-input"
            aria-label={m.find}
            placeholder={m.findPlaceholder}
            onKeyDown={(e) => {
              if (e.key === "Enter" && e.shiftKey) {
                e.preventDefault();
                step(-1);
              } else if (e.key === "Escape") {
                (e.target as HTMLInputElement).value = "";
                void runFind("");
              }
            }}
          />
          <button type="button" onClick={() => step(-1)} aria-label={m.findPrevious} title={m.findPrevious}>
            ↑
          </button>
          <button type="button" onClick={() => step(1)} aria-label={m.findNext} title={m.findNext}>
            ↓
          </button>
          {find.query && (
            <span class="muted small" data-testid="find-count" data-count={find.matches.length} aria-live="polite">
              {find.busy && find.matches.length === 0 ? "…" : m.matches(find.at + 1, find.matches.length)}
            </span>
          )}
        </form>
      </div>
      <div class="pdf-scroll" ref={scroller} tabIndex={0} aria-label={m.documentPages}>
        {status === "loading" && !preview && <div class="loading">{m.opening}</div>}
        {typeof status === "object" && (
          <div class="error-box" role="alert" data-testid="app-error" data-error-code="pdf">
            <strong class="error-title">{m.cannotShow}</strong>
            <p class="error-message">{status.error}</p>
          </div>
        )}
        <div class="pdf-pages" ref={pages} lang={lang} dir={dirOf(lang)} onClick={onPagesClick} />
      </div>
    </div>
  );
}
