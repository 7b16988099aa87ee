import { useEffect, useRef, useState } from "preact/hooks";
import type { Lang, MediaType } from "../api";
import { dirOf } from "../lib/langs";

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
}: {
  data: ArrayBuffer;
  mediaType: MediaType;
  lang: Lang;
  onShown: () => void;
}) {
  const host = useRef<HTMLElement>(null);
  const [error, setError] = useState<string>();

  useEffect(() => {
    const el = host.current!;
    const text = new TextDecoder("utf-8").decode(data);
    let cancelled = false;
    if (mediaType === "text/plain") {
      const pre = document.createElement("pre");
      pre.className = "plain-text";
      pre.textContent = text;
      el.replaceChildren(pre);
      onShown();
      return;
    }
    import("./sanitize")
      .then(({ sanitizeHtml }) => {
        if (cancelled) return;
        el.replaceChildren(sanitizeHtml(text));
        onShown();
      })
      .catch((e) => setError(String(e)));
    return () => {
      cancelled = true;
    };
  }, [data, mediaType]);

  const onClick = (e: MouseEvent) => {
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
          <strong class="error-title">This document could not be shown.</strong>
          <p class="error-message">{error}</p>
        </div>
      )}
      <article class="doc-text" data-testid="doc-text" lang={lang} dir={dirOf(lang)} ref={host} onClick={onClick} />
    </div>
  );
}
