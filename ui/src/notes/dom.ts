// Notes in the page: turning the user's text selection into a Selection the
// core can anchor (quote, prefix, suffix, page), and finding a note's quote
// again in what is displayed (the pdf.js text layer, an HTML or text page)
// to draw its highlight.
//
// The displayed text and the core's text rendition differ in spacing and
// line breaks, so both directions compare folded text (highlight.ts's fold:
// case, accents, whitespace ignored).
import type { NoteColor, Selection } from "../api";
import { findMatches, foldQuery, textNodes } from "../reader/highlight";

/** Characters of context sent on each side of the selection. */
const CONTEXT = 48;

export interface CapturedSelection {
  selection: Selection;
  /** Where to show the toolbar, in viewport coordinates. */
  rect: DOMRect;
}

/**
 * The user's current selection inside `root`, or null when there is none
 * (or it lies outside). In a PDF, the selection's page is the page div it
 * starts in, and the context comes from that page's text layer.
 */
export function captureSelection(root: HTMLElement): CapturedSelection | null {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  if (!root.contains(range.commonAncestorContainer)) return null;
  const exact = range.toString();
  if (!exact.trim()) return null;
  const startEl =
    range.startContainer instanceof Element ? range.startContainer : range.startContainer.parentElement;
  const pageDiv = startEl?.closest<HTMLElement>(".pdf-page");
  const scope = pageDiv?.querySelector<HTMLElement>(".textLayer") ?? root;
  const before = document.createRange();
  before.setStart(scope, 0);
  before.setEnd(range.startContainer, range.startOffset);
  const after = document.createRange();
  after.setStart(range.endContainer, range.endOffset);
  after.setEnd(scope, scope.childNodes.length);
  const prefix = before.toString().slice(-CONTEXT);
  const suffix = after.toString().slice(0, CONTEXT);
  const rects = range.getClientRects();
  const rect = rects.length ? rects[rects.length - 1] : range.getBoundingClientRect();
  return {
    selection: {
      page: pageDiv ? Number(pageDiv.dataset.pageNumber) || null : null,
      exact,
      prefix,
      suffix,
    },
    rect,
  };
}

export interface PaintNote {
  id: string;
  color: NoteColor;
  quote: string;
  prefix: string;
  page: number | null;
  hasBody: boolean;
}

/** A DOM Range over `[start, end)` of the concatenated text of `nodes`. */
function rangeOver(nodes: Text[], parts: { item: number; start: number; end: number }[]): Range | null {
  if (!parts.length) return null;
  const first = parts[0];
  const last = parts[parts.length - 1];
  const r = document.createRange();
  r.setStart(nodes[first.item], first.start);
  r.setEnd(nodes[last.item], last.end);
  return r;
}

/**
 * Finds `note`'s quote in the text under `container`; where it occurs more
 * than once, the occurrence whose preceding text agrees with the note's
 * prefix wins.
 */
export function findNoteRange(container: HTMLElement, note: PaintNote): Range | null {
  const nodes = textNodes(container);
  const items = nodes.map((n) => n.data);
  const quote = foldQuery(note.quote);
  if (!quote) return null;
  const matches = findMatches(items, [quote]);
  if (!matches.length) return null;
  if (matches.length === 1 || !note.prefix) return rangeOver(nodes, matches[0]);
  // Score each occurrence by how much of the prefix precedes it.
  const prefix = foldQuery(note.prefix);
  let best = matches[0];
  let bestScore = -1;
  for (const m of matches) {
    const r = rangeOver(nodes, m);
    if (!r) continue;
    const before = document.createRange();
    before.setStart(container, 0);
    before.setEnd(r.startContainer, r.startOffset);
    const text = foldQuery(before.toString().slice(-CONTEXT * 2));
    let score = 0;
    while (score < prefix.length && score < text.length && prefix[prefix.length - 1 - score] === text[text.length - 1 - score]) {
      score++;
    }
    if (score > bestScore) {
      bestScore = score;
      best = m;
    }
  }
  return rangeOver(nodes, best);
}

/**
 * Draws the notes' highlights as boxes in `layer` (positioned over
 * `container`'s text, which is left untouched so selection and search marks
 * keep working). Returns the ids drawn.
 */
export function paintNotes(container: HTMLElement, layer: HTMLElement, notes: PaintNote[], active: string | null): string[] {
  layer.replaceChildren();
  const origin = layer.getBoundingClientRect();
  const drawn: string[] = [];
  for (const note of notes) {
    const range = findNoteRange(container, note);
    if (!range) continue;
    drawn.push(note.id);
    let firstBox: HTMLElement | null = null;
    for (const r of range.getClientRects()) {
      if (r.width < 0.5 || r.height < 0.5) continue;
      const box = document.createElement("div");
      box.className = `note-box note-${note.color}${note.id === active ? " active" : ""}`;
      box.dataset.noteId = note.id;
      box.dataset.testid = "note-highlight";
      box.style.left = `${r.left - origin.left + layer.scrollLeft}px`;
      box.style.top = `${r.top - origin.top + layer.scrollTop}px`;
      box.style.width = `${r.width}px`;
      box.style.height = `${r.height}px`;
      layer.append(box);
      firstBox ??= box;
    }
    if (firstBox && note.hasBody) firstBox.classList.add("has-body");
  }
  return drawn;
}

/** The note whose highlight box contains the point, if any. */
export function noteAt(layer: HTMLElement, x: number, y: number): string | null {
  for (const box of layer.querySelectorAll<HTMLElement>(".note-box")) {
    const r = box.getBoundingClientRect();
    if (x >= r.left && x <= r.right && y >= r.top && y <= r.bottom) return box.dataset.noteId ?? null;
  }
  return null;
}
