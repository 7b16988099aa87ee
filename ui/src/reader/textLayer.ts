// Selectable, transparent text over a drawn PDF page, built from pdf.js's
// text content.
//
// Why not pdf.js's own TextLayer: it sizes and stretches every span through
// CSS custom properties (`--font-height`, `--scale-x`, `--rotate`) that its
// stylesheet resolves with `var()`, and WebKitGTK (the app's engine on
// Linux) keeps memory for every element it styled that way after the
// element is gone. Scrolling through a 300-page report grew the web process
// by ~1.6 MB a page (PSS 300 → 790 MB), and closing the document gave none
// of it back. This layer computes the same geometry with pdf.js's formulas
// (`TextLayer#appendText` and `#layout` in pdfjs-dist 5.5) and writes it as
// plain pixel and percent values: the same scroll peaks at ~385 MB and
// stays there (pdf-bench; see ARCHITECTURE.md, "ui/").
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
export class PageText {
  private elements: (HTMLElement | null)[] | null = null;

  constructor(
    private readonly container: HTMLElement,
    /** Each text item's text, in the content's order. */
    readonly items: string[],
  ) {}

  /**
   * The element of each item, index for index with `items` (null for an
   * item with no text, which has none). Looked up on first use: the layer
   * is built from HTML, so no span has a JavaScript wrapper until then.
   */
  get divs(): (HTMLElement | null)[] {
    if (!this.elements) {
      const spans = this.container.querySelectorAll<HTMLElement>("span:not(.markedContent)");
      let next = 0;
      this.elements = this.items.map((str) => (str === "" ? null : (spans[next++] ?? null)));
    }
    return this.elements;
  }
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
 * Reads `page`'s text and builds its layer in `container` (replacing what
 * is there), for a page drawn at `viewport`. Returns null when `isCurrent()`
 * turns false while the text is read (the page was released meanwhile):
 * then the container is left alone.
 */
export async function buildTextLayer(
  page: PDFPageProxy,
  viewport: PageViewport,
  container: HTMLElement,
  isCurrent: () => boolean,
  onContent?: () => void,
): Promise<PageText | null> {
  const content = await page.getTextContent({ includeMarkedContent: true });
  onContent?.();
  if (!isCurrent()) return null;
  const { html, items } = layOut(content, viewport);
  // One parse of one string, rather than an element made from script per
  // item: spans made from script each get a JavaScript wrapper, and WebKit
  // frees a released page's spans only when its garbage collector gets to
  // those wrappers, which while scrolling was sometimes much later. Spans
  // parsed from HTML are freed as soon as the page lets go of them.
  // Every piece of the string is escaped (`escape`): the PDF's text and
  // names are untrusted.
  container.innerHTML = html;
  return new PageText(container, items);
}

/** The layer's HTML for `content` at `viewport`, and the items' texts. */
function layOut(content: TextContent, viewport: PageViewport): { html: string; items: string[] } {
  const out: string[] = [];
  const items: string[] = [];
  const { pageWidth, pageHeight, pageX, pageY } = viewport.rawDims as {
    pageWidth: number;
    pageHeight: number;
    pageX: number;
    pageY: number;
  };
  // From PDF space to the page's unscaled CSS space (y down).
  const base = [1, 0, 0, -1, -pageX, pageY + pageHeight];
  const scale = viewport.scale;
  let open = 0;

  for (const raw of content.items) {
    if (!("str" in raw)) {
      const mark = raw as { type: string; id?: string; tag?: string };
      if (mark.type === "beginMarkedContent" || mark.type === "beginMarkedContentProps") {
        out.push(
          `<span class="markedContent"${mark.id ? ` id="${escape(mark.id)}"` : ""}` +
            `${mark.tag === "Artifact" ? ' aria-hidden="true"' : ""}>`,
        );
        open++;
      } else if (mark.type === "endMarkedContent" && open > 0) {
        out.push("</span>");
        open--;
      }
      continue;
    }
    if (items.length >= MAX_TEXT_DIVS) break;
    const item = raw as TextItem;
    const style: TextStyle = content.styles[item.fontName] ?? {
      ascent: 0,
      descent: 0,
      vertical: false,
      fontFamily: DEFAULT_FAMILY,
    };
    items.push(item.str);
    if (item.str !== "") {
      const dir = item.dir === "ltr" || item.dir === "rtl" ? ` dir="${item.dir}"` : "";
      const css = placement(item, style, base, pageWidth, pageHeight, scale);
      out.push(`<span role="presentation"${dir} style="${escape(css)}">${escape(item.str)}</span>`);
    }
    if (item.hasEOL) out.push('<br role="presentation">');
  }
  for (; open > 0; open--) out.push("</span>");
  return { html: out.join(""), items };
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** `text` safe inside an element or a double-quoted attribute. */
function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
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
  // pdf.js names one of a few generic families here; anything else (the
  // name comes from the PDF) must not be able to add CSS to the span.
  const family = /^[\w -]+$/.test(style.fontFamily ?? "") ? style.fontFamily : DEFAULT_FAMILY;
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
  if (stretch && wanted) {
    const measured = metrics.width(item.str, size, family);
    if (measured > 0) transforms.push(`scaleX(${(wanted * scale) / measured})`);
  }
  if (transforms.length) css += `transform:${transforms.join(" ")};`;
  return css;
}
