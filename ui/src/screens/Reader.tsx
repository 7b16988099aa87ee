import { useEffect, useMemo, useState } from "preact/hooks";
import { api, markAfterPaint, type DocumentDetail, type Lang, type VersionInfo } from "../api";
import { Breadcrumbs, ErrorBox, Loading, TopBar } from "../components";
import { formatTimestamp, kindSingular } from "../lib/format";
import { t } from "../lib/i18n";
import { LANG_ORDER, NATIVE_NAME, dirOf, isLang, pickLang } from "../lib/langs";
import { documentHref, meetingHref, navigate } from "../lib/router";
import { meetingTitle, rememberMeeting } from "../lib/store";
import { useAsync } from "../lib/useAsync";
import { useCacheGeneration } from "../lib/sync";
import { PdfView } from "../reader/PdfView";
import { TextView } from "../reader/TextView";
import { PublishDropZone } from "../reader/Publish";

export function Reader({ id, params }: { id: string; params: URLSearchParams }) {
  const generation = useCacheGeneration();
  const detail = useAsync(() => api.document(id), [id, generation], { keepStale: true });
  return (
    <div class="screen reader-screen">
      <TopBar />
      {detail.state === "loading" && (
        <main class="content">
          <Loading />
        </main>
      )}
      {detail.state === "error" && (
        <main class="content">
          <Breadcrumbs items={[{ label: t().common.meetings, href: "#/" }, { label: id }]} />
          <ErrorBox error={detail.error} />
        </main>
      )}
      {detail.state === "ok" && <DocumentReader doc={detail.value} params={params} />}
    </div>
  );
}

function DocumentReader({ doc, params }: { doc: DocumentDetail; params: URLSearchParams }) {
  const languages = useMemo(
    () => LANG_ORDER.filter((l) => doc.versions.some((v) => v.language === l)),
    [doc],
  );
  const requested = params.get("lang");
  const lang: Lang | undefined =
    isLang(requested) && languages.includes(requested) ? requested : pickLang(languages);
  // Newest first (the core's order).
  const revisions = doc.versions.filter((v) => v.language === lang).sort((a, b) => b.revision - a.revision);
  const requestedRev = Number(params.get("rev"));
  const version =
    (params.has("rev") && revisions.find((v) => v.revision === requestedRev)) || revisions[0];

  // Opened from a search result: its page and the words to mark.
  const hit: Hit = {
    page: Number(params.get("page")) || undefined,
    terms: (params.get("hl") ?? "").split("\n").filter(Boolean),
  };

  const title = useMeetingTitle(doc.meeting_id);
  useEffect(() => {
    document.title = `Plenary — ${doc.symbol ?? doc.title}`;
  }, [doc]);
  // Opening a document clears its "new"/"updated" mark (again when a
  // version arrives while it is open: the user is looking at it).
  useEffect(() => {
    api.markDocumentRead(doc.id).catch(() => {});
  }, [doc]);

  const select = (next: { lang?: Lang; rev?: number }) => {
    const l = next.lang ?? lang;
    // A revision that does not exist in the new language falls back to that language's newest.
    const rev =
      next.rev ??
      (next.lang && version && doc.versions.some((v) => v.language === l && v.revision === version.revision)
        ? version.revision
        : undefined);
    navigate(documentHref(doc.id, { lang: l, rev: rev === undefined ? undefined : String(rev) }), true);
  };

  return (
    <div class="reader">
      <div class="reader-head">
        <Breadcrumbs
          items={[
            { label: t().common.meetings, href: "#/" },
            { label: title ?? t().common.meeting, href: meetingHref(doc.meeting_id) },
            { label: doc.symbol ?? doc.title },
          ]}
        />
        <h1 class="doc-title" data-testid="doc-title">
          {doc.title}
        </h1>
        <p class="doc-meta">
          {doc.symbol && <span class="symbol">{doc.symbol}</span>}
          <span class="kind-chip">{kindSingular(doc.kind)}</span>
          {doc.agenda_item && (
            <span>
              {t().reader.agendaItem} <span class="agenda-number">{doc.agenda_item.number}</span> {doc.agenda_item.title}
            </span>
          )}
        </p>
        <div class="reader-controls">
          <div class="lang-tabs" role="tablist" aria-label={t().reader.language}>
            {languages.map((l) => (
              <button
                key={l}
                type="button"
                role="tab"
                lang={l}
                dir={dirOf(l)}
                class="lang-tab"
                data-testid="language-tab"
                data-lang={l}
                aria-selected={l === lang}
                onClick={() => select({ lang: l })}
              >
                {NATIVE_NAME[l]}
              </button>
            ))}
          </div>
          {version && (
            <label class="revision">
              <span>{t().reader.revision}</span>
              <select
                data-testid="revision-picker"
                value={String(version.revision)}
                onChange={(e) => select({ rev: Number((e.target as HTMLSelectElement).value) })}
              >
                {revisions.map((v) => (
                  <option key={v.id} value={String(v.revision)}>
                    {v.label || (v.revision === 0 ? t().reader.original : `Rev.${v.revision}`)} —{" "}
                    {formatTimestamp(v.published_at)}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      </div>
      <PublishDropZone doc={doc} lang={lang}>
        {version ? (
          <VersionBody key={version.id} version={version} hit={hit} />
        ) : (
          <main class="content">
            <p class="muted">{t().reader.noVersions}</p>
          </main>
        )}
      </PublishDropZone>
    </div>
  );
}

function useMeetingTitle(meetingId: string): string | undefined {
  const [title, setTitle] = useState(() => meetingTitle(meetingId));
  useEffect(() => {
    if (title) return;
    // Opened directly (--route, a link): ask for the meeting, off the critical path.
    api
      .meetingOverview(meetingId)
      .then((o) => {
        rememberMeeting(meetingId, o.meeting.title);
        setTitle(o.meeting.title);
      })
      .catch(() => {
        /* the breadcrumb says "Meeting" */
      });
  }, [meetingId]);
  return title;
}

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

interface Hit {
  page?: number;
  terms: string[];
}

function VersionBody({ version, hit }: { version: VersionInfo; hit: Hit }) {
  if (version.media_type === DOCX) return <WordBody version={version} hit={hit} />;
  return <FileBody version={version} hit={hit} />;
}

/**
 * A Word document is read through the text the server extracted from it
 * (the web view cannot lay out .docx), page by page.
 */
function WordBody({ version, hit }: { version: VersionInfo; hit: Hit }) {
  const generation = useCacheGeneration();
  const text = useAsync(() => api.versionText(version.id), [version.id, generation], { keepStale: true });
  const shown = () => markAfterPaint("document-visible");
  if (text.state === "loading") return <Loading label={t().common.opening} />;
  if (text.state === "error") {
    return (
      <main class="content">
        <ErrorBox error={text.error} />
      </main>
    );
  }
  const r = text.value;
  if (!r || r.status !== "ok") {
    return (
      <main class="content">
        <div class="notice" role="status" data-testid="not-downloaded">
          <strong>
            {r ? t().reader.wordUnreadable : t().reader.wordNotYet}
          </strong>
          <p>{r && r.status === "unavailable" ? r.reason : t().reader.wordLater}</p>
        </div>
      </main>
    );
  }
  const data = new TextEncoder().encode(r.pages.join("\n\n")).buffer as ArrayBuffer;
  return (
    <TextView data={data} mediaType="text/plain" lang={version.language} onShown={shown} highlights={hit.terms} />
  );
}

function FileBody({ version, hit }: { version: VersionInfo; hit: Hit }) {
  // When the user asked for this version: the start of "time to first page".
  useState(() => performance.mark("document-open"));
  const file = useAsync(
    () => (version.downloaded ? api.versionFile(version.id) : Promise.resolve(null)),
    // A sync that downloads the file flips `downloaded`: load it then.
    [version.id, version.downloaded],
  );
  const shown = () => markAfterPaint("document-visible");

  useEffect(() => {
    if (file.state === "ok" && file.value === null) shown();
  }, [file.state]);

  if (!version.downloaded || (file.state === "ok" && file.value === null)) {
    return (
      <main class="content">
        <div class="notice" role="status" data-testid="not-downloaded">
          <strong>{t().reader.notDownloaded}</strong>
          <p>
            {t().reader.notDownloadedDetail(
              NATIVE_NAME[version.language],
              version.label,
              formatTimestamp(version.published_at),
            )}
          </p>
        </div>
      </main>
    );
  }
  if (file.state === "loading") return <Loading label={t().common.opening} />;
  if (file.state === "error") {
    return (
      <main class="content">
        <ErrorBox error={file.error} />
      </main>
    );
  }
  const data = file.value!;
  if (version.media_type === "application/pdf") {
    return (
      <PdfView
        data={data}
        lang={version.language}
        onFirstPage={shown}
        initialPage={hit.page}
        highlights={hit.terms}
      />
    );
  }
  return (
    <TextView
      data={data}
      mediaType={version.media_type}
      lang={version.language}
      onShown={shown}
      highlights={hit.terms}
    />
  );
}
