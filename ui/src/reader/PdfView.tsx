import { useEffect, useRef, useState } from "preact/hooks";
import type { Lang } from "../api";
import { dirOf } from "../lib/langs";
import type { PdfViewer } from "./pdfViewer";

export function PdfView({
  data,
  lang,
  onFirstPage,
}: {
  data: ArrayBuffer;
  lang: Lang;
  onFirstPage: () => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const pages = useRef<HTMLDivElement>(null);
  const viewer = useRef<PdfViewer | undefined>(undefined);
  const [status, setStatus] = useState<"loading" | "ready" | { error: string }>("loading");
  const [zoom, setZoom] = useState({ scale: 1, fit: true });
  const [pageCount, setPageCount] = useState(0);

  useEffect(() => {
    let cancelled = false;
    let v: PdfViewer | undefined;
    import("./pdfViewer")
      .then(({ PdfViewer }) => {
        if (cancelled) return;
        v = new PdfViewer(scroller.current!, pages.current!, {
          onFirstPage,
          onScaleChange: (scale, fit) => setZoom({ scale, fit }),
          onError: (error) => setStatus({ error }),
        });
        viewer.current = v;
        return v.open(data).then((n) => {
          if (!cancelled) {
            setPageCount(n);
            setStatus("ready");
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

  return (
    <div class="pdf-view">
      <div class="pdf-toolbar" role="toolbar" aria-label="Zoom">
        <button type="button" onClick={() => viewer.current?.zoomOut()} aria-label="Zoom out" title="Zoom out">
          −
        </button>
        <span class="zoom-level" aria-live="polite">
          {Math.round(zoom.scale * 100)}%
        </span>
        <button type="button" onClick={() => viewer.current?.zoomIn()} aria-label="Zoom in" title="Zoom in">
          +
        </button>
        <button
          type="button"
          aria-pressed={zoom.fit}
          onClick={() => viewer.current?.applyFitWidth()}
          title="Fit the page width to the window"
        >
          Fit width
        </button>
        {pageCount > 0 && <span class="muted small">{pageCount === 1 ? "1 page" : `${pageCount} pages`}</span>}
      </div>
      <div class="pdf-scroll" ref={scroller} tabIndex={0} aria-label="Document pages">
        {status === "loading" && <div class="loading">Opening the PDF…</div>}
        {typeof status === "object" && (
          <div class="error-box" role="alert" data-testid="app-error" data-error-code="pdf">
            <strong class="error-title">This PDF could not be shown.</strong>
            <p class="error-message">{status.error}</p>
          </div>
        )}
        <div class="pdf-pages" ref={pages} lang={lang} dir={dirOf(lang)} />
      </div>
    </div>
  );
}
