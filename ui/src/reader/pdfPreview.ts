// Page 1 of a PDF as the server drew it (a PNG synced with the file's text),
// shown in page 1's place the moment a PDF is opened. Drawing the real page
// needs pdf.js's worker started, the document parsed and its fonts converted:
// 450-650 ms for the first PDF of a window (pdf-bench), where a picture
// takes a few tens of milliseconds. The viewer adopts the picture into page
// 1's box when it lays the pages out and removes it once page 1 is drawn
// with its text layer (pdfViewer.ts), so nothing moves or flashes.
//
// This module must not import pdf.js: it runs before pdf.js is loaded.
import { markAfterPaint, type PreviewInfo } from "../api";
import { initialScale, pageBox } from "./pdfLayout";

// pdf.js waits for the picture to be painted: loading it (compiling ~400 KB
// of script, starting its worker) holds the main thread for ~100-250 ms on
// a window's first PDF, and the picture would be painted only after that
// (pdf-bench: picture read at ~80 ms, painted at ~345 ms cold). The wait is
// bounded: with no picture, or one slow to come, pdf.js starts anyway.
let pdfJsGate: Promise<void> = Promise.resolve();
let releasePdfJs: (() => void) | null = null;

let pdfJsLoaded = false;

/** Called by pdfViewer.ts once loaded: from then on nothing is held back. */
export function pdfJsIsLoaded(): void {
  pdfJsLoaded = true;
}

/**
 * Holds pdf.js back until the picture is painted (`letPdfJsGo`), at most
 * `maxMs`; not once pdf.js is loaded (a reopened PDF), when starting it
 * costs the main thread little.
 */
export function holdPdfJs(maxMs: number): void {
  letPdfJsGo();
  if (pdfJsLoaded) return;
  pdfJsGate = new Promise((resolve) => {
    releasePdfJs = resolve;
    setTimeout(resolve, maxMs);
  });
}

/** Lets pdf.js load now (the picture is painted, or there is none). */
export function letPdfJsGo(): void {
  releasePdfJs?.();
  releasePdfJs = null;
}

/** Whether pdf.js is loaded in this window (then a PDF opens in ~200 ms without a preview). */
export function isPdfJsLoaded(): boolean {
  return pdfJsLoaded;
}

/** Resolves when pdf.js may load. */
export function whenPdfJsMayLoad(): Promise<void> {
  return pdfJsGate;
}

export const PREVIEW_PAGE_CLASS = "pdf-preview-page";
export const PREVIEW_CLASS = "pdf-preview";

/**
 * Puts the picture where page 1 is or will be: into page 1's box if the
 * viewer has laid the pages out and not drawn it yet (the picture came
 * late), else into a placeholder page of page 1's size that the viewer
 * adopts (`adoptPreview`). Nothing once page 1 is drawn.
 */
export function showPreview(scroller: HTMLElement, pagesHost: HTMLElement, preview: PreviewInfo): void {
  // A canvas filled with the pixels the app decoded (an <img> made WebKitGTK
  // decode the PNG on this thread: ~130 ms for an A4 page), scaled by CSS.
  const canvas = document.createElement("canvas");
  canvas.className = PREVIEW_CLASS;
  canvas.setAttribute("aria-hidden", "true");
  let box: HTMLElement;
  const page1 = pagesHost.querySelector<HTMLElement>('.pdf-page[data-page-number="1"]');
  if (page1) {
    if (page1.dataset.rendered === "true" || page1.querySelector(`.${PREVIEW_CLASS}`)) return;
    box = page1;
  } else {
    box = document.createElement("div");
    box.className = `pdf-page ${PREVIEW_PAGE_CLASS}`;
    box.dataset.testid = "pdf-preview";
    const size = pageBox(preview.width_pt, preview.height_pt, initialScale(scroller.clientWidth, preview.width_pt));
    box.style.width = `${size.width}px`;
    box.style.height = `${size.height}px`;
    pagesHost.prepend(box);
  }
  box.prepend(canvas);
  canvas.width = preview.pixels.width;
  canvas.height = preview.pixels.height;
  const ctx = canvas.getContext("2d");
  if (!ctx) {
    canvas.remove();
    letPdfJsGo();
    return;
  }
  ctx.putImageData(preview.pixels, 0, 0);
  performance.mark("pdf-preview-drawn");
  // For pdf-bench: the first page on screen (drawn, then painted).
  markAfterPaint("document-preview", letPdfJsGo);
}

/**
 * Takes the picture out of the placeholder (for the viewer to put in page
 * 1's box) and removes the placeholder; null when there was none.
 */
export function adoptPreview(pagesHost: HTMLElement): HTMLCanvasElement | null {
  const placeholder = pagesHost.querySelector<HTMLElement>(`.${PREVIEW_PAGE_CLASS}`);
  if (!placeholder) return null;
  const picture = placeholder.querySelector<HTMLCanvasElement>(`.${PREVIEW_CLASS}`);
  placeholder.remove();
  return picture;
}
