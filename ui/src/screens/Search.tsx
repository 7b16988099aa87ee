// Search across everything cached (plenary-core's FTS5 index), offline.
// The query and filters live in the route (#/search?q=...&lang=fr&kind=draft),
// so Back returns to the same results. A result opens the document at the
// page of its best hit with the words highlighted.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type DocumentKind, type SearchHit, type SearchQuery } from "../api";
import { Breadcrumbs, ErrorBox, Loading, TopBar } from "../components";
import { KIND_ORDER, formatTimestamp, kindPlural, kindSingular } from "../lib/format";
import { t } from "../lib/i18n";
import { LANG_ORDER, NATIVE_NAME, SHORT, dirOf, isLang } from "../lib/langs";
import { documentHref, navigate, searchHref } from "../lib/router";
import { useAsync } from "../lib/useAsync";
import { useCacheGeneration } from "../lib/sync";

const PAGE = 20;
const KINDS = new Set<string>(KIND_ORDER);

function queryFrom(params: URLSearchParams, limit: number): SearchQuery {
  const langs = (params.get("lang") ?? "").split(",").filter(isLang);
  const kinds = (params.get("kind") ?? "").split(",").filter((k): k is DocumentKind => KINDS.has(k));
  return {
    text: params.get("q") ?? "",
    meeting: params.get("meeting") || null,
    languages: langs,
    kinds,
    agenda_item: params.get("item") || null,
    from: params.get("from") || null,
    to: params.get("to") || null,
    all_revisions: params.get("rev") === "all",
    limit,
    offset: 0,
  };
}

export function SearchScreen({ params }: { params: URLSearchParams }) {
  const generation = useCacheGeneration();
  const [limit, setLimit] = useState(PAGE);
  const query = useMemo(() => queryFrom(params, limit), [params.toString(), limit]);
  const results = useAsync(
    () => (query.text.trim() ? api.search(query) : Promise.resolve(null)),
    [JSON.stringify(query), generation],
    { keepStale: true },
  );
  const meetings = useAsync(() => api.listMeetings(), [generation], { keepStale: true });
  useEffect(() => {
    document.title = `Plenary — ${query.text || t().search.title}`;
  }, [query.text]);

  const set = (changes: Record<string, string | undefined>) => {
    const next: Record<string, string | undefined> = {};
    for (const [k, v] of params) next[k] = v;
    Object.assign(next, changes);
    setLimit(PAGE);
    navigate(searchHref(next), true);
  };
  const m = t().search;

  return (
    <div class="screen">
      <TopBar />
      <main class="content search-screen" data-testid="search-screen">
        <Breadcrumbs items={[{ label: t().common.meetings, href: "#/" }, { label: m.title }]} />
        <h1 class="page-title">
          {m.title}
          {query.text && <span class="page-title-query"> — {query.text}</span>}
        </h1>
        <div class="search-filters" role="group" aria-label={m.title}>
          <select
            data-testid="search-language"
            aria-label={t().reader.language}
            value={query.languages.length === 1 ? query.languages[0] : ""}
            onChange={(e) => set({ lang: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">{m.allLanguages}</option>
            {LANG_ORDER.map((l) => (
              <option key={l} value={l} lang={l}>
                {NATIVE_NAME[l]}
              </option>
            ))}
          </select>
          <select
            data-testid="search-kind"
            aria-label={t().meeting.kind}
            value={query.kinds.length === 1 ? query.kinds[0] : ""}
            onChange={(e) => set({ kind: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">{m.allKinds}</option>
            {KIND_ORDER.map((k) => (
              <option key={k} value={k}>
                {kindPlural(k)}
              </option>
            ))}
          </select>
          {meetings.state === "ok" && meetings.value.length > 1 && (
            <select
              data-testid="search-meeting"
              aria-label={t().common.meeting}
              value={query.meeting ?? ""}
              onChange={(e) => set({ meeting: (e.target as HTMLSelectElement).value || undefined, item: undefined })}
            >
              <option value="">{m.allMeetings}</option>
              {meetings.value.map((mt) => (
                <option key={mt.id} value={mt.id}>
                  {mt.title}
                </option>
              ))}
            </select>
          )}
          <DateField label={m.from} testid="search-from" value={query.from} onChange={(from) => set({ from })} />
          <DateField label={m.to} testid="search-to" value={query.to} onChange={(to) => set({ to })} />
          <label class="choice">
            <input
              type="checkbox"
              data-testid="search-all-revisions"
              checked={query.all_revisions}
              onChange={(e) => set({ rev: (e.target as HTMLInputElement).checked ? "all" : undefined })}
            />{" "}
            {m.allRevisions}
          </label>
        </div>

        {!query.text.trim() && (
          <div class="search-empty">
            <p>{m.empty}</p>
            <p class="muted small">{m.tips}</p>
          </div>
        )}
        {results.state === "loading" && <Loading />}
        {results.state === "error" && <ErrorBox error={results.error} />}
        {results.state === "ok" && results.value && (
          <Results
            hits={results.value.hits}
            total={results.value.total}
            fallback={results.value.fallback}
            more={results.value.hits.length < results.value.total ? () => setLimit((n) => n + PAGE) : undefined}
          />
        )}
      </main>
    </div>
  );
}

function DateField({
  label,
  testid,
  value,
  onChange,
}: {
  label: string;
  testid: string;
  value: string | null;
  onChange: (day: string | undefined) => void;
}) {
  return (
    <label class="inline-field">
      <span>{label}</span>
      {/* An empty date field shows "any date": WebKit draws an empty one
          with today's date in grey, which reads as a filter set to today. */}
      <span class="date-field" data-empty={value ? "false" : "true"} data-placeholder={t().search.anyDate}>
        <input
          type="date"
          data-testid={testid}
          value={value ?? ""}
          onChange={(e) => onChange((e.target as HTMLInputElement).value || undefined)}
        />
      </span>
    </label>
  );
}

function Results({
  hits,
  total,
  fallback,
  more,
}: {
  hits: SearchHit[];
  total: number;
  fallback: boolean;
  more?: () => void;
}) {
  const m = t().search;
  const list = useRef<HTMLOListElement>(null);
  // Arrow keys move between results; Enter opens (links do that natively).
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const links = [...(list.current?.querySelectorAll<HTMLAnchorElement>("a.search-hit") ?? [])];
    const i = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = e.key === "ArrowDown" ? Math.min(links.length - 1, i + 1) : Math.max(0, i - 1);
    links[next]?.focus();
    e.preventDefault();
  };
  return (
    <section aria-live="polite">
      <p class="search-count" data-testid="search-count" data-total={total}>
        {m.results(total)}
      </p>
      {fallback && (
        <p class="notice" data-testid="search-fallback">
          {m.fallback}
        </p>
      )}
      {total === 0 && <p class="muted">{m.noHits}</p>}
      <ol class="search-results" ref={list} onKeyDown={onKeyDown} data-testid="search-results">
        {hits.map((h) => (
          <li key={h.version_id}>
            <a
              class="search-hit"
              data-testid="search-hit"
              data-document-id={h.document_id}
              data-lang={h.language}
              data-page={h.page}
              href={documentHref(h.document_id, {
                lang: h.language,
                rev: String(h.revision),
                page: String(h.page),
                hl: h.terms.join("\n"),
              })}
            >
              <span class="search-hit-head">
                <span class="lang-badge" title={NATIVE_NAME[h.language]}>
                  {SHORT[h.language]}
                </span>
                {h.symbol && <span class="symbol">{h.symbol}</span>}
                <span class="search-hit-title">{h.title}</span>
              </span>
              <span class="search-hit-snippet" lang={h.language} dir={dirOf(h.language)} data-testid="search-snippet">
                {h.snippet.map((part, i) => (part.hit ? <mark key={i}>{part.text}</mark> : part.text))}
              </span>
              <span class="search-hit-meta muted small">
                {kindSingular(h.kind)} · {h.revision_label} · {formatTimestamp(h.published_at)} · {m.page(h.page)}
                {h.also_pages.length > 0 && ` · ${m.alsoPages(h.also_pages.join(", "))}`}
              </span>
            </a>
          </li>
        ))}
      </ol>
      {more && (
        <button type="button" class="button-secondary" data-testid="search-more" onClick={more}>
          {m.more}
        </button>
      )}
    </section>
  );
}
