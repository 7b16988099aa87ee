import { t } from "../lib/i18n";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Lang, MediaType } from "../api";
import { dirOf } from "../lib/langs";
import { findMatches, foldQuery, markMatches, textNodes } from "./highlight";
import { noteAt, paintNotes, type PaintNote } from "../notes/dom";

/** Marks the words in the shown text and scrolls to the first. */
function highlight(el: HTMLElement, words: string[]): void {
  const needles = words.map(foldQuery).filter(Boolean);
  if (!needles.length) return;
  const nodes = textNodes(el);
  const matches = findMatches(
    nodes.map((n) => n.data),
    needles,
  );
  const marks = markMatches(nodes, matches, 0);
  marks[0]?.[0]?.scrollIntoView({ block: "center" });
}

/**
 * An HTML or plain-text version. HTML comes from outside and is untrusted:
 * DOMPurify removes scripts, event handlers, forms, embedded content and
 * inline styles before it is placed in the page, and links cannot navigate
 * the app away (only in-document anchors scroll).
 */
export function TextView({
  data,
  mediaType,
  lang,
  onShown,
  highlights = [],
  notes = [],
  activeNote = null,
  reveal = null,
  onNoteClick,
}: {
  data: ArrayBuffer;
  mediaType: MediaType;
  lang: Lang;
  onShown: () => void;
  /** Words to mark (the search's terms); the view scrolls to the first. */
  highlights?: string[];
  notes?: PaintNote[];
  activeNote?: string | null;
  reveal?: { id: string; page: number | null } | null;
  onNoteClick?: (id: string) => void;
}) {
  const host = useRef<HTMLElement>(null);
  const layer = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string>();
  const [shown, setShown] = useState(0);

  // Highlights are boxes over the text: drawn again when the notes, the
  // text or the width change.
  useEffect(() => {
    const el = host.current;
    const l = layer.current;
    if (!el || !l || !shown) return;
    const paint = () => paintNotes(el, l, notes, activeNote);
    paint();
    const ro = new ResizeObserver(paint);
    ro.observe(el);
    return () => ro.disconnect();
  }, [shown, notes, activeNote]);
  useEffect(() => {
    if (!shown || !reveal) return;
    const box = layer.current?.querySelector<HTMLElement>(`[data-note-id="${CSS.escape(reveal.id)}"]`);
    box?.scrollIntoView({ block: "center" });
  }, [shown, reveal]);

  useEffect(() => {
    const el = host.current!;
    const text = new TextDecoder("utf-8").decode(data);
    let cancelled = false;
    if (mediaType === "text/plain") {
      const pre = document.createElement("pre");
      pre.className = "plain-text";
      pre.textContent = text;
      el.replaceChildren(pre);
      highlight(el, highlights);
      onShown();
      setShown((n) => n + 1);
      return;
    }
    import("./sanitize")
      .then(({ sanitizeHtml }) => {
        if (cancelled) return;
        el.replaceChildren(sanitizeHtml(text));
        highlight(el, highlights);
        onShown();
        setShown((n) => n + 1);
      })
      .catch((e) => setError(String(e)));
    return () => {
      cancelled = true;
    };
  }, [data, mediaType]);

  const onClick = (e: MouseEvent) => {
    if (onNoteClick && window.getSelection()?.isCollapsed && layer.current) {
      const id = noteAt(layer.current, e.clientX, e.clientY);
      if (id) onNoteClick(id);
    }
    const a = (e.target as Element | null)?.closest("a");
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute("href") ?? "";
    if (href.startsWith("#") && href.length > 1) {
      const target = host.current?.querySelector(`[id="${CSS.escape(decodeURIComponent(href.slice(1)))}"]`);
      target?.scrollIntoView({ block: "start" });
    }
  };

  return (
    <div class="text-scroll">
      {error && (
        <div class="error-box" role="alert" data-testid="app-error">
          <strong class="error-title">{t().reader.cannotShow}</strong>
          <p class="error-message">{error}</p>
        </div>
      )}
      <div class="doc-text-wrap">
        <div class="note-layer" ref={layer} aria-hidden="true" />
        <article class="doc-text" data-testid="doc-text" lang={lang} dir={dirOf(lang)} ref={host} onClick={onClick} />
      </div>
    </div>
  );
}
