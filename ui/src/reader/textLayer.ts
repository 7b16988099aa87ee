// Selectable, transparent text over a drawn PDF page, built from pdf.js's
// text content.
//
// Why not pdf.js's own TextLayer: it sizes and stretches every span through
// CSS custom properties (`--font-height`, `--scale-x`, `--rotate`) that its
// stylesheet resolves with `var()`, and WebKitGTK (the app's engine on
// Linux) keeps memory for every element it styled that way after the
// element is gone. Scrolling through a 300-page report grew the web process
// by ~1.6 MB a page (PSS 300 → 790 MB), and closing the document gave none
// of it back; the same spans with plain values grew it by a fraction of that
// (pdf-bench; see ARCHITECTURE.md, "Reader"). This layer computes the same
// geometry with pdf.js's formulas (`TextLayer#appendText` and `#layout` in
// pdfjs-dist 5.5) and writes it as plain pixel and percent values.
//
// The DOM it builds is the one pdf.js builds, so selections, note anchoring
// (notes/dom.ts) and find marks (highlight.ts) read it the same way: one
// span per text item in the content's order, a `<br>` after an item that
// ends a line, marked-content groups as `span.markedContent`.
import { Util, type PageViewport, type PDFPageProxy } from "pdfjs-dist";
import type { TextContent, TextItem, TextStyle } from "pdfjs-dist/types/src/display/api";

/** pdf.js's own bound: a page with more text items is not worth a layer. */
const MAX_TEXT_DIVS = 100_000;
/** The size ascents are measured at (pdf.js's DEFAULT_FONT_SIZE). */
const MEASURE_SIZE = 30;
/** The family the layer's stylesheet sets; spans in it need no inline family. */
const DEFAULT_FAMILY = "sans-serif";

/** The text of one page, as placed in its container. */
export interface PageText {
  /** One element per text item (items with no text are not in the DOM). */
  divs: HTMLElement[];
  /** Each item's text, index for index with `divs`. */
  items: string[];
}

/** Font measurements shared by every page of every document. */
class Metrics {
  private ctx: CanvasRenderingContext2D | null = null;
  private font = "";
  private ascents = new Map<string, number>();

  private context(): CanvasRenderingContext2D {
    if (!this.ctx) {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 0;
      this.ctx = canvas.getContext("2d", { alpha: false })!;
    }
    return this.ctx;
  }

  private setFont(size: number, family: string): CanvasRenderingContext2D {
    const ctx = this.context();
    const font = `${size}px ${family}`;
    if (font !== this.font) {
      ctx.font = font;
      this.font = font;
    }
    return ctx;
  }

  /** Width of `text` in `family` at `size` CSS pixels. */
  width(text: string, size: number, family: string): number {
    return this.setFont(size, family).measureText(text).width;
  }

  /** The share of a line's height above the baseline, for this family. */
  ascent(family: string, style: TextStyle): number {
    const known = this.ascents.get(family);
    if (known !== undefined) return known;
    const metrics = this.setFont(MEASURE_SIZE, family).measureText("");
    const above = metrics.fontBoundingBoxAscent;
    const below = Math.abs(metrics.fontBoundingBoxDescent);
    let ratio = 0.8;
    if (above) ratio = above / (above + below);
    else if (style.ascent) ratio = style.ascent;
    else if (style.descent) ratio = 1 + style.descent;
    this.ascents.set(family, ratio);
    return ratio;
  }
}

const metrics = new Metrics();

/**
 * Reads `page`'s text and builds its layer in `container` (emptied first),
 * for a page drawn at `viewport`. Returns null when `isCurrent()` turns
 * false while the text is read (the page was released meanwhile): then the
 * container is left alone.
 */
export async function buildTextLayer(
  page: PDFPageProxy,
  viewport: PageViewport,
  container: HTMLElement,
  isCurrent: () => boolean,
): Promise<PageText | null> {
  const content = await page.getTextContent({ includeMarkedContent: true });
  if (!isCurrent()) return null;
  const { fragment, text } = layOut(content, viewport);
  container.replaceChildren(fragment);
  return text;
}

/** Builds the layer's DOM (not yet in the document) for `content` at `viewport`. */
export function layOut(content: TextContent, viewport: PageViewport): { fragment: DocumentFragment; text: PageText } {
  const fragment = document.createDocumentFragment();
  const text: PageText = { divs: [], items: [] };
  const { pageWidth, pageHeight, pageX, pageY } = viewport.rawDims as {
    pageWidth: number;
    pageHeight: number;
    pageX: number;
    pageY: number;
  };
  // From PDF space to the page's unscaled CSS space (y down).
  const base = [1, 0, 0, -1, -pageX, pageY + pageHeight];
  const scale = viewport.scale;
  let parent: HTMLElement | DocumentFragment = fragment;
  const parents: (HTMLElement | DocumentFragment)[] = [];

  for (const raw of content.items) {
    if (!("str" in raw)) {
      const mark = raw as { type: string; id?: string; tag?: string };
      if (mark.type === "beginMarkedContent" || mark.type === "beginMarkedContentProps") {
        const group = document.createElement("span");
        group.className = "markedContent";
        if (mark.id) group.id = mark.id;
        if (mark.tag === "Artifact") group.ariaHidden = "true";
        parent.append(group);
        parents.push(parent);
        parent = group;
      } else if (mark.type === "endMarkedContent") {
        parent = parents.pop() ?? fragment;
      }
      continue;
    }
    if (text.divs.length >= MAX_TEXT_DIVS) break;
    const item = raw as TextItem;
    const style: TextStyle = content.styles[item.fontName] ?? {
      ascent: 0,
      descent: 0,
      vertical: false,
      fontFamily: DEFAULT_FAMILY,
    };
    const span = document.createElement("span");
    span.setAttribute("role", "presentation");
    span.textContent = item.str;
    if (item.dir) span.dir = item.dir;
    span.style.cssText = placement(item, style, base, pageWidth, pageHeight, scale);
    text.divs.push(span);
    text.items.push(item.str);
    if (item.str !== "") parent.append(span);
    if (item.hasEOL) {
      const br = document.createElement("br");
      br.setAttribute("role", "presentation");
      parent.append(br);
    }
  }
  return { fragment, text };
}

/** The inline style that puts one item where the canvas drew it. */
function placement(
  item: TextItem,
  style: TextStyle,
  base: number[],
  pageWidth: number,
  pageHeight: number,
  scale: number,
): string {
  const tx = Util.transform(base, item.transform);
  let angle = Math.atan2(tx[1], tx[0]);
  if (style.vertical) angle += Math.PI / 2;
  const family = style.fontFamily || DEFAULT_FAMILY;
  const fontHeight = Math.hypot(tx[2], tx[3]);
  const ascent = fontHeight * metrics.ascent(family, style);
  let left: number;
  let top: number;
  if (angle === 0) {
    left = tx[4];
    top = tx[5] - ascent;
  } else {
    left = tx[4] + ascent * Math.sin(angle);
    top = tx[5] - ascent * Math.cos(angle);
  }
  const size = fontHeight * scale;
  let css =
    `left:${((100 * left) / pageWidth).toFixed(2)}%;` +
    `top:${((100 * top) / pageHeight).toFixed(2)}%;` +
    `font-size:${size.toFixed(2)}px;`;
  if (family !== DEFAULT_FAMILY) css += `font-family:${family};`;

  // Stretch the text to the width the PDF gives it (pdf.js's rule: items
  // of several characters, and single glyphs drawn much wider than tall or
  // the reverse).
  let stretch = false;
  if (item.str.length > 1) stretch = true;
  else if (item.str !== " " && item.transform[0] !== item.transform[3]) {
    const x = Math.abs(item.transform[0]);
    const y = Math.abs(item.transform[3]);
    stretch = x !== y && Math.max(x, y) / Math.min(x, y) > 1.5;
  }
  const transforms: string[] = [];
  if (angle !== 0) transforms.push(`rotate(${(angle * 180) / Math.PI}deg)`);
  const wanted = style.vertical ? item.height : item.width;
  if (stretch && wanted && item.str) {
    const measured = metrics.width(item.str, size, family);
    if (measured > 0) transforms.push(`scaleX(${(wanted * scale) / measured})`);
  }
  if (transforms.length) css += `transform:${transforms.join(" ")};`;
  return css;
}
