// Page layout numbers shared by the PDF viewer (pdfViewer.ts, which loads
// pdf.js) and the page-1 preview (pdfPreview.ts, which must not): the
// preview stands exactly where the viewer will put page 1.

/** On opening, fit the width but no larger than this (a wide window would otherwise blow A4 up to 200%). */
export const MAX_INITIAL_SCALE = 1.5;
/** Horizontal room around pages inside the scroll area, in CSS pixels. */
export const GUTTER = 48;

/** The scale at which a page `pageWidth` points wide fills the scroll area's width. */
export function fitWidthScale(scrollerWidth: number, pageWidth: number): number {
  return Math.max(200, scrollerWidth - GUTTER) / pageWidth;
}

/** The scale a document opens at: fit width, capped. */
export function initialScale(scrollerWidth: number, pageWidth: number): number {
  return Math.min(MAX_INITIAL_SCALE, fitWidthScale(scrollerWidth, pageWidth));
}

/** A page's box at a scale, in whole CSS pixels (as the viewer sizes its page divs). */
export function pageBox(width: number, height: number, scale: number): { width: number; height: number } {
  return { width: Math.floor(width * scale), height: Math.floor(height * scale) };
}
