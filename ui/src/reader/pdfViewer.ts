// The PDF viewer: pdf.js canvases with a text layer on top (textLayer.ts)
// so text can be selected and copied. This module (and pdf.js with it) is loaded by a
// dynamic import only when a PDF is opened.
//
// pdf.js ships a full viewer (pdf_viewer.mjs); it is not used because it
// brings its own toolbar/find/annotation machinery and CSS (~200 KB) where
// the reader needs pages, zoom and lazy rendering.
import {
  GlobalWorkerOptions,
  PDFWorker,
  getDocument,
  type PDFDocumentProxy,
  type PDFPageProxy,
  type RenderTask,
} from "pdfjs-dist";
import workerUrl from "pdfjs-dist/build/pdf.worker.min.mjs?url";
import { clearMarks, findMatches, foldQuery, markMatches } from "./highlight";
import { paintNotes, type PaintNote } from "../notes/dom";
import { adoptPreview, pdfJsIsLoaded, PREVIEW_CLASS } from "./pdfPreview";
import { fitWidthScale, MAX_INITIAL_SCALE, pageBox } from "./pdfLayout";
import { installStreamIteration } from "./streamIteration";
import { buildTextLayer, type PageText } from "./textLayer";

GlobalWorkerOptions.workerSrc = workerUrl;
installStreamIteration();
pdfJsIsLoaded();

// One pdf.js worker for every document the window opens. Each document
// would otherwise start its own, loading and compiling pdf.js's 1 MB worker
// script again before it can parse a byte (~100 ms of every open); the
// worker stays for the next document (pdf.js's own viewer keeps one too).
// Destroying a document leaves a worker it was given alone.
let sharedWorker: PDFWorker | null = null;

/** The window's pdf.js worker, started on first use. */
function worker(): PDFWorker {
  if (!sharedWorker || sharedWorker.destroyed) {
    sharedWorker = new PDFWorker();
    // For pdf-bench: when the worker can take a document (its script loaded and run).
    sharedWorker.promise.then(
      () => performance.mark("pdf-worker-ready"),
      () => {},
    );
  }
  return sharedWorker;
}

/**
 * Starts the worker now, so that it is ready when the document's bytes
 * are (the reader calls this as it starts reading a PDF file).
 */
export function warmUp(): void {
  worker();
}

/** Canvases kept alive at once; pages farther away are released. */
const MAX_LIVE_PAGES = 8;
/**
 * After this many pages drawn, once nothing is being drawn, the document's
 * caches are emptied (`PDFDocumentProxy.cleanup`): pdf.js's worker keeps
 * every visited page's dictionary, and the fonts and images it parsed, for
 * as long as the document is open, so reading through a long document
 * would keep growing. A page drawn afterwards parses its fonts again
 * (a few ms).
 */
const CLEANUP_EVERY_PAGES = 24;
/** How long nothing must be drawn before that cleanup runs. */
const CLEANUP_IDLE_MS = 400;
const MIN_SCALE = 0.25;
const MAX_SCALE = 4;
const ZOOM_STEP = 1.2;

interface PageSlot {
  number: number;
  div: HTMLDivElement;
  textDiv: HTMLDivElement;
  /** The notes' highlight boxes, between the canvas and the text layer. */
  noteLayer: HTMLDivElement;
  /** Size at scale 1, in CSS pixels (PDF points); page 1's until the page loads. */
  width: number;
  height: number;
  live?: {
    canvas: HTMLCanvasElement;
    /** pdf.js's page object, whose parsed drawing commands it caches until `cleanup()`. */
    page?: PDFPageProxy;
    renderTask?: RenderTask;
    /** The page's text layer, once built. */
    text?: PageText;
    scale: number;
  };
}

export interface PdfViewerOptions {
  /** Called once, when page 1's canvas and text layer are drawn. */
  onFirstPage?: () => void;
  onScaleChange?: (scale: number, fitWidth: boolean) => void;
  onError?: (message: string) => void;
  /** The page at the top of the view changed (1-based). */
  onPageChange?: (page: number) => void;
}

/** One occurrence of a find query: its page and its rank on that page. */
export interface FindMatch {
  page: number;
  index: number;
}

export class PdfViewer {
  private doc?: PDFDocumentProxy;
  private slots: PageSlot[] = [];
  private visible = new Set<number>();
  private observer: IntersectionObserver;
  private scale = 1;
  private fitWidth = true;
  private firstPageReported = false;
  private destroyed = false;
  /** Renders started and not yet settled (drawn, failed or cancelled). */
  private rendering = 0;
  private drawnSinceCleanup = 0;
  /** Cleanups done (shown as the scroller's `data-cleanups`). */
  private cleanups = 0;
  private cleanupTimer?: ReturnType<typeof setTimeout>;
  /** A running `doc.cleanup()`: renders wait for it (pdf.js forbids both at once). */
  private cleaning?: Promise<void>;
  private resizeObserver: ResizeObserver;
  private lastWidth = 0;
  /** Folded words marked on every rendered page (search hits, find). */
  private needles: string[] = [];
  private currentMatch: FindMatch | null = null;
  /** Each page's text items, read on demand for find. */
  private pageTexts = new Map<number, string[]>();
  private topPage = 1;
  /** A page whose first mark should be scrolled into view once drawn. */
  private revealOn: number | null = null;
  private onScroll = () => this.updateTopPage();
  /** The notes to draw, and the one to bring into view once drawn. */
  private notes: PaintNote[] = [];
  private activeNote: string | null = null;
  private revealNoteId: string | null = null;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly pagesHost: HTMLElement,
    private readonly options: PdfViewerOptions = {},
  ) {
    this.observer = new IntersectionObserver((entries) => this.onIntersect(entries), {
      root: scroller,
      // Render a screenful ahead in both directions.
      rootMargin: "100% 0px",
    });
    this.resizeObserver = new ResizeObserver(() => {
      const w = this.scroller.clientWidth;
      if (this.fitWidth && this.doc && Math.abs(w - this.lastWidth) > 1) this.applyFitWidth();
    });
  }

  async open(data: ArrayBuffer): Promise<number> {
    const task = getDocument({
      data: new Uint8Array(data),
      worker: worker(),
      // The CSP has no 'unsafe-eval'; pdf.js then interprets fonts instead.
      isEvalSupported: false,
      enableXfa: false,
      // Glyphs drawn as paths from the PDF's own fonts, not through
      // FontFace: WebKitGTK took ~100-300 ms to load each document's
      // converted fonts, holding up page 1's canvas and, behind it, the
      // worker's text for the text layer (pdf-bench, 300-page report: first
      // page 224-287 ms warm and 494-581 cold, against 380-415 and 762-883;
      // peak memory while scrolling lower too). Fonts the PDF does not
      // embed are still drawn with the system's (pdf.js's fillText path).
      disableFontFace: true,
      // Everything the reader shows is local; never let pdf.js fetch.
      useWorkerFetch: false,
      disableAutoFetch: true,
      disableStream: true,
    });
    const doc = await task.promise;
    performance.mark("pdf-parsed");
    if (this.destroyed) {
      void doc.destroy();
      return 0;
    }
    this.doc = doc;
    const first = await doc.getPage(1);
    const base = first.getViewport({ scale: 1 });
    for (let n = 1; n <= doc.numPages; n++) {
      const div = document.createElement("div");
      div.className = "pdf-page";
      div.dataset.testid = "pdf-page";
      div.dataset.pageNumber = String(n);
      div.setAttribute("role", "region");
      div.setAttribute("aria-label", `Page ${n} of ${doc.numPages}`);
      const noteLayer = document.createElement("div");
      noteLayer.className = "note-layer";
      noteLayer.setAttribute("aria-hidden", "true");
      const textDiv = document.createElement("div");
      textDiv.className = "textLayer";
      textDiv.dataset.testid = "text-layer";
      div.append(noteLayer, textDiv);
      this.slots.push({ number: n, div, textDiv, noteLayer, width: base.width, height: base.height });
    }
    // Page 1's picture from the server (pdfPreview.ts), if it is showing,
    // moves into page 1's box until the page is drawn; in the same task as
    // the pages appear, so the screen never shows an empty page 1.
    const preview = adoptPreview(this.pagesHost);
    if (preview) this.slots[0].div.prepend(preview);
    this.pagesHost.append(...this.slots.map((s) => s.div));
    const fit = this.fitWidthScale();
    if (fit > MAX_INITIAL_SCALE) this.setScale(MAX_INITIAL_SCALE, false);
    else this.applyFitWidth();
    for (const slot of this.slots) this.observer.observe(slot.div);
    this.resizeObserver.observe(this.scroller);
    this.scroller.addEventListener("scroll", this.onScroll, { passive: true });
    return doc.numPages;
  }

  zoomIn(): void {
    this.setScale(this.scale * ZOOM_STEP, false);
  }

  zoomOut(): void {
    this.setScale(this.scale / ZOOM_STEP, false);
  }

  applyFitWidth(): void {
    if (!this.slots[0]) return;
    this.lastWidth = this.scroller.clientWidth;
    this.setScale(this.fitWidthScale(), true);
  }

  private fitWidthScale(): number {
    return fitWidthScale(this.scroller.clientWidth, this.slots[0]?.width ?? 612);
  }

  get pageCount(): number {
    return this.slots.length;
  }

  /** Scrolls so that page `n` (1-based, clamped) is at the top. */
  scrollToPage(n: number): void {
    const slot = this.slots[Math.min(this.slots.length, Math.max(1, Math.round(n))) - 1];
    if (!slot) return;
    this.scroller.scrollTop = slot.div.offsetTop - 8;
    this.updateTopPage();
  }

  /** Opens at page `n` and, once it is drawn, brings its first mark into view. */
  revealPage(n: number): void {
    this.revealOn = n;
    this.scrollToPage(n);
    const slot = this.slots[n - 1];
    if (slot?.div.dataset.rendered) this.reveal(slot);
  }

  private reveal(slot: PageSlot): void {
    if (this.revealOn !== slot.number) return;
    this.revealOn = null;
    const mark = slot.div.querySelector<HTMLElement>("mark.hl");
    if (!mark) return;
    const top = slot.div.offsetTop + mark.offsetTop;
    if (top > this.scroller.scrollTop + this.scroller.clientHeight - 80) {
      this.scroller.scrollTop = top - this.scroller.clientHeight / 3;
    }
  }

  /** Marks these words (as typed; folded here) on every page. */
  setHighlights(words: string[], current: FindMatch | null = null): void {
    this.needles = words.map(foldQuery).filter(Boolean);
    this.currentMatch = current;
    for (const slot of this.slots) if (slot.div.dataset.rendered) this.applyMarks(slot);
  }

  /** Draws these notes' highlights on their pages; `active` is outlined. */
  setNotes(notes: PaintNote[], active: string | null = null): void {
    this.notes = notes;
    this.activeNote = active;
    for (const slot of this.slots) if (slot.div.dataset.rendered) this.paintNotesOn(slot);
  }

  /** Scrolls to a note's page and, once drawn, to its highlight. */
  revealNote(id: string, page: number | null): void {
    this.revealNoteId = id;
    this.activeNote = id;
    const slot = page ? this.slots[page - 1] : undefined;
    if (slot && !slot.div.dataset.rendered) this.scrollToPage(page!);
    for (const s of this.slots) if (s.div.dataset.rendered) this.paintNotesOn(s);
  }

  private paintNotesOn(slot: PageSlot): void {
    if (!slot.live?.text) {
      slot.noteLayer.replaceChildren();
      return;
    }
    const mine = this.notes.filter((n) => n.page === null || n.page === slot.number);
    const drawn = paintNotes(slot.textDiv, slot.noteLayer, mine, this.activeNote);
    if (this.revealNoteId && drawn.includes(this.revealNoteId)) {
      const box = slot.noteLayer.querySelector<HTMLElement>(`[data-note-id="${CSS.escape(this.revealNoteId)}"]`);
      this.revealNoteId = null;
      if (box) {
        const top = slot.div.offsetTop + box.offsetTop;
        this.scroller.scrollTop = top - this.scroller.clientHeight / 3;
        this.updateTopPage();
      }
    }
  }

  /** Every occurrence of `query` in the document, page by page, in order. */
  async find(query: string, onProgress?: (matches: FindMatch[]) => void): Promise<FindMatch[]> {
    const needle = foldQuery(query);
    const out: FindMatch[] = [];
    if (!needle || !this.doc) return out;
    for (let n = 1; n <= this.slots.length && !this.destroyed; n++) {
      const items = await this.textOf(n);
      const count = findMatches(items, [needle]).length;
      for (let i = 0; i < count; i++) out.push({ page: n, index: i });
      if (n % 20 === 0) onProgress?.([...out]);
    }
    return out;
  }

  /** Shows one match of the current highlights: scrolls to it and marks it. */
  showMatch(match: FindMatch): void {
    this.currentMatch = match;
    const slot = this.slots[match.page - 1];
    if (!slot) return;
    if (slot.div.dataset.rendered) {
      this.applyMarks(slot);
      const mark = slot.div.querySelector<HTMLElement>("mark.hl.current");
      if (mark) {
        const top = slot.div.offsetTop + mark.offsetTop;
        const visibleTop = this.scroller.scrollTop;
        if (top < visibleTop + 40 || top > visibleTop + this.scroller.clientHeight - 80) {
          this.scroller.scrollTop = top - this.scroller.clientHeight / 3;
        }
        this.updateTopPage();
        return;
      }
    }
    this.scrollToPage(match.page);
  }

  private async textOf(n: number): Promise<string[]> {
    const known = this.pageTexts.get(n);
    if (known) return known;
    const page = await this.doc!.getPage(n);
    const content = await page.getTextContent();
    const items = content.items.map((i) => ("str" in i ? i.str : ""));
    this.pageTexts.set(n, items);
    return items;
  }

  private applyMarks(slot: PageSlot): void {
    const layer = slot.live?.text;
    if (!layer) return;
    clearMarks(slot.textDiv);
    if (!this.needles.length) return;
    const { divs, items } = layer;
    const nodes = divs.map((d) => d?.firstChild).map((n) => (n instanceof Text ? n : document.createTextNode("")));
    const matches = findMatches(items, this.needles);
    const current = this.currentMatch && this.currentMatch.page === slot.number ? this.currentMatch.index : -1;
    markMatches(nodes, matches, current);
  }

  private updateTopPage(): void {
    // Binary search: the first page whose bottom is below a third of the view.
    const line = this.scroller.scrollTop + this.scroller.clientHeight / 3;
    let lo = 0;
    let hi = this.slots.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const d = this.slots[mid].div;
      if (d.offsetTop + d.offsetHeight < line) lo = mid + 1;
      else hi = mid;
    }
    const page = lo + 1;
    if (page !== this.topPage) {
      this.topPage = page;
      this.options.onPageChange?.(page);
    }
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.cleanupTimer);
    this.scroller.removeEventListener("scroll", this.onScroll);
    this.observer.disconnect();
    this.resizeObserver.disconnect();
    for (const slot of this.slots) this.release(slot);
    this.slots = [];
    void this.doc?.destroy();
  }

  private setScale(scale: number, fitWidth: boolean): void {
    scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
    this.fitWidth = fitWidth;
    if (Math.abs(scale - this.scale) < 0.001 && this.slots[0]?.div.style.width) {
      this.options.onScaleChange?.(this.scale, fitWidth);
      return;
    }
    // Keep the same part of the document in view across the change.
    const max = this.scroller.scrollHeight - this.scroller.clientHeight;
    const fraction = max > 0 ? this.scroller.scrollTop / max : 0;
    this.scale = scale;
    // Highlight boxes are drawn at a scale; they are redrawn with the page.
    for (const slot of this.slots) {
      this.size(slot);
      slot.noteLayer.replaceChildren();
    }
    const newMax = this.scroller.scrollHeight - this.scroller.clientHeight;
    this.scroller.scrollTop = fraction * newMax;
    for (const n of this.visible) void this.render(this.slots[n - 1]);
    this.options.onScaleChange?.(scale, fitWidth);
  }

  private size(slot: PageSlot): void {
    const box = pageBox(slot.width, slot.height, this.scale);
    slot.div.style.width = `${box.width}px`;
    slot.div.style.height = `${box.height}px`;
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    for (const e of entries) {
      const n = Number((e.target as HTMLElement).dataset.pageNumber);
      if (e.isIntersecting) this.visible.add(n);
      else this.visible.delete(n);
    }
    for (const n of [...this.visible].sort((a, b) => a - b)) void this.render(this.slots[n - 1]);
    this.evict();
  }

  /** Releases the live pages farthest from what is on screen, beyond the bound. */
  private evict(): void {
    const live = this.slots.filter((s) => s.live && !this.visible.has(s.number));
    const liveCount = this.slots.filter((s) => s.live).length;
    if (liveCount <= MAX_LIVE_PAGES) return;
    const centre = this.visible.size
      ? [...this.visible].reduce((a, b) => a + b, 0) / this.visible.size
      : 1;
    live.sort((a, b) => Math.abs(b.number - centre) - Math.abs(a.number - centre));
    for (const slot of live.slice(0, liveCount - MAX_LIVE_PAGES)) this.release(slot);
  }

  private release(slot: PageSlot): void {
    if (!slot.live) return;
    const { page, renderTask } = slot.live;
    renderTask?.cancel();
    // pdf.js keeps every page's operator list (and decoded images) once it
    // has drawn it, for as long as the document is open: scrolling through
    // a long document would keep all of it. Free it with the canvas; a
    // cancelled render must settle first (cleanup refuses pending pages).
    // (`page` is set just before `renderTask`, with no await between.)
    if (page && renderTask) {
      const free = () => {
        if (!this.destroyed && !this.slots[page.pageNumber - 1]?.live) page.cleanup();
      };
      renderTask.promise.then(free, free);
    }
    // Zero-sized canvases give their backing memory back at once in WebKit.
    slot.live.canvas.width = 0;
    slot.live.canvas.height = 0;
    slot.live.canvas.remove();
    slot.textDiv.replaceChildren();
    slot.noteLayer.replaceChildren();
    delete slot.div.dataset.rendered;
    slot.live = undefined;
  }

  /**
   * Empties pdf.js's caches once enough pages were drawn and nothing has
   * been drawn for a moment (see CLEANUP_EVERY_PAGES). The canvases and
   * text layers on screen stay as they are.
   */
  private cleanupWhenIdle(): void {
    clearTimeout(this.cleanupTimer);
    if (this.drawnSinceCleanup < CLEANUP_EVERY_PAGES) return;
    this.cleanupTimer = setTimeout(() => {
      const doc = this.doc;
      if (!doc || this.destroyed || this.rendering > 0 || this.cleaning) return;
      this.drawnSinceCleanup = 0;
      this.cleaning = doc
        .cleanup()
        .then(() => {
          // Counted on the page for the end-to-end test that reads a long
          // document through and back.
          this.cleanups++;
          this.scroller.dataset.cleanups = String(this.cleanups);
        })
        .catch(() => {
          // A page was still busy after all: its caches go at the next cleanup.
        })
        .finally(() => {
          this.cleaning = undefined;
        });
    }, CLEANUP_IDLE_MS);
  }

  private async render(slot: PageSlot | undefined): Promise<void> {
    if (!slot || !this.doc || this.destroyed) return;
    if (slot.live && slot.live.scale === this.scale) return;
    this.release(slot);
    this.rendering++;
    clearTimeout(this.cleanupTimer);
    try {
      await this.draw(slot);
    } finally {
      this.rendering--;
      if (this.rendering === 0) this.cleanupWhenIdle();
    }
  }

  private async draw(slot: PageSlot): Promise<void> {
    const scale = this.scale;
    const canvas = document.createElement("canvas");
    canvas.className = "pdf-canvas";
    canvas.setAttribute("aria-hidden", "true");
    slot.live = { canvas, scale };
    const live = slot.live;
    try {
      if (this.cleaning) await this.cleaning;
      if (slot.live !== live || !this.doc) return;
      const page: PDFPageProxy = await this.doc.getPage(slot.number);
      if (slot.live !== live) return;
      live.page = page;
      const unscaled = page.getViewport({ scale: 1 });
      if (unscaled.width !== slot.width || unscaled.height !== slot.height) {
        slot.width = unscaled.width;
        slot.height = unscaled.height;
        this.size(slot);
      }
      const viewport = page.getViewport({ scale });
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.floor(viewport.width * ratio);
      canvas.height = Math.floor(viewport.height * ratio);
      canvas.style.width = `${Math.floor(viewport.width)}px`;
      canvas.style.height = `${Math.floor(viewport.height)}px`;
      slot.div.prepend(canvas);
      live.renderTask = page.render({
        canvas,
        viewport,
        transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0],
      });
      // Page 1's two halves are marked for pdf-bench (where the time to first
      // page goes): its drawing commands and its text arriving from the
      // worker, then its canvas drawn and its text placed.
      const first = slot.number === 1 && !this.firstPageReported;
      const timed = <T>(p: Promise<T>, mark: string) => (first ? p.then((v) => (performance.mark(mark), v)) : p);
      if (first) {
        let marked = false;
        live.renderTask.onContinue = (go: () => void) => {
          if (!marked) performance.mark("pdf-page1-ops");
          marked = true;
          go();
        };
      }
      const [, text] = await Promise.all([
        timed(live.renderTask.promise, "pdf-page1-canvas"),
        timed(
          buildTextLayer(
            page,
            viewport,
            slot.textDiv,
            () => slot.live === live,
            first ? () => performance.mark("pdf-page1-textcontent") : undefined,
          ),
          "pdf-page1-text",
        ),
      ]);
      if (slot.live !== live || !text) return;
      this.drawnSinceCleanup++;
      live.text = text;
      slot.div.dataset.rendered = "true";
      this.applyMarks(slot);
      this.paintNotesOn(slot);
      this.reveal(slot);
      if (slot.number === 1 && !this.firstPageReported) {
        this.firstPageReported = true;
        // The real page is drawn: the server's picture of it goes.
        slot.div.querySelector(`.${PREVIEW_CLASS}`)?.remove();
        performance.mark("pdf-page1-drawn");
        this.options.onFirstPage?.();
      }
    } catch (e) {
      // Cancelled renders (zoom, scrolling away) are expected.
      if (e instanceof Error && e.name === "RenderingCancelledException") return;
      if (slot.live === live) this.options.onError?.(e instanceof Error ? e.message : String(e));
    }
  }
}
