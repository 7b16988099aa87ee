// The compare view: two revisions of a document in one language, as the
// core compared them (plenary-core's compare::VersionComparison). Side by
// side, both versions sit in one grid of rows (a row is a paragraph, or the
// paragraphs a change spans, on both sides), so the two columns scroll in
// step and stay aligned by construction; inline, one column shows deletions
// struck through and insertions underlined. Changes are numbered, stepped
// through with Next/Previous (N, P) and listed by place in the summary.
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  api,
  type Change,
  type CompareLocation,
  type CompareRow,
  type DocumentDetail,
  type Lang,
  type Rendition,
  type VersionComparison,
  type VersionInfo,
  type Word,
} from "../api";
import { Breadcrumbs, ErrorBox, LanguageTabs, Loading } from "../components";
import { formatTimestamp } from "../lib/format";
import { t } from "../lib/i18n";
import { LANG_ORDER, NATIVE_NAME, dirOf, isLang, pickLang } from "../lib/langs";
import { compareHref, documentHref, meetingHref, navigate } from "../lib/router";
import { meetingTitle } from "../lib/store";
import { useAsync } from "../lib/useAsync";
import { useCacheGeneration } from "../lib/sync";
import { DocumentScreen } from "./Reader";

type Mode = "side" | "inline";

export function CompareScreen({ id, params }: { id: string; params: URLSearchParams }) {
  return <DocumentScreen id={id} render={(doc) => <CompareDocument doc={doc} params={params} />} />;
}

function revisionLabel(v: VersionInfo): string {
  return v.label || (v.revision === 0 ? t().reader.original : `Rev.${v.revision}`);
}

function CompareDocument({ doc, params }: { doc: DocumentDetail; params: URLSearchParams }) {
  const languages = useMemo(
    () => LANG_ORDER.filter((l) => doc.versions.some((v) => v.language === l)),
    [doc],
  );
  const requested = params.get("lang");
  const lang: Lang | undefined =
    isLang(requested) && languages.includes(requested) ? requested : pickLang(languages);
  // Newest first.
  const revisions = doc.versions.filter((v) => v.language === lang).sort((a, b) => b.revision - a.revision);
  const mode: Mode = params.get("mode") === "inline" ? "inline" : "side";
  const onlyNotes = params.get("notes") === "1";
  const showRenumbering = params.get("renum") === "1";
  const byRev = (p: string | null) => (p === null ? undefined : revisions.find((v) => String(v.revision) === p));
  const oldV = byRev(params.get("old"));
  const newV = byRev(params.get("new"));

  useEffect(() => {
    document.title = `Plenary — ${t().compare.crumb} — ${doc.symbol ?? doc.title}`;
  }, [doc]);

  const go = (next: Record<string, string | undefined>) => {
    const current: Record<string, string | undefined> = {
      lang,
      old: oldV ? String(oldV.revision) : undefined,
      new: newV ? String(newV.revision) : undefined,
      mode: mode === "inline" ? "inline" : undefined,
      notes: onlyNotes ? "1" : undefined,
      renum: showRenumbering ? "1" : undefined,
    };
    navigate(compareHref(doc.id, { ...current, ...next }), true);
  };

  // Without a choice in the address, the core's default: the newest
  // revision against the one before.
  const [defaultError, setDefaultError] = useState<unknown>(null);
  useEffect(() => {
    if (!lang || (oldV && newV) || revisions.length < 2) return;
    api.defaultComparison(doc.id, lang).then(
      (pair) => {
        const find = (id: string) => revisions.find((v) => v.id === id);
        const o = pair && find(pair.old);
        const n = pair && find(pair.new);
        if (o && n) go({ old: String(o.revision), new: String(n.revision) });
        else go({ old: String(revisions[1].revision), new: String(revisions[0].revision) });
      },
      (e) => setDefaultError(e),
    );
  }, [doc.id, lang, oldV?.id, newV?.id, revisions.length]);

  const title = meetingTitle(doc.meeting_id);
  const readerHref = documentHref(doc.id, { lang, rev: newV ? String(newV.revision) : undefined });
  const picker = (which: "old" | "new", value: VersionInfo | undefined) => (
    <label class="revision">
      <span>{which === "old" ? t().compare.from : t().compare.to}</span>
      <select
        data-testid={which === "old" ? "compare-old-picker" : "compare-new-picker"}
        value={value ? String(value.revision) : ""}
        onChange={(e) => go({ [which]: (e.target as HTMLSelectElement).value })}
      >
        {revisions.map((v) => (
          <option key={v.id} value={String(v.revision)}>
            {revisionLabel(v)} — {formatTimestamp(v.published_at)}
          </option>
        ))}
      </select>
    </label>
  );

  let body: ComponentChildren;
  if (!lang || revisions.length < 2) {
    body = (
      <main class="content">
        <div class="notice" role="status" data-testid="compare-empty" data-reason="only-one">
          <strong>{t().compare.onlyOne(lang ? NATIVE_NAME[lang] : "")}</strong>
          <p>{t().compare.onlyOneDetail}</p>
        </div>
      </main>
    );
  } else if (defaultError) {
    body = (
      <main class="content">
        <ErrorBox error={defaultError as never} />
      </main>
    );
  } else if (!oldV || !newV) {
    body = <Loading label={t().compare.computing} />;
  } else if (oldV.id === newV.id) {
    body = (
      <main class="content">
        <div class="notice" role="status" data-testid="compare-empty" data-reason="same-version">
          <strong>{t().compare.sameVersion}</strong>
        </div>
      </main>
    );
  } else {
    body = (
      <Comparing
        key={`${oldV.id}:${newV.id}`}
        oldV={oldV}
        newV={newV}
        mode={mode}
        onlyNotes={onlyNotes}
        showRenumbering={showRenumbering}
        onMode={(m) => go({ mode: m === "inline" ? "inline" : undefined })}
        onOnlyNotes={(on) => go({ notes: on ? "1" : undefined })}
        onShowRenumbering={(on) => go({ renum: on ? "1" : undefined })}
      />
    );
  }

  return (
    <div class="reader compare" data-testid="compare-screen">
      <div class="reader-head">
        <Breadcrumbs
          items={[
            { label: t().common.meetings, href: "#/" },
            { label: title ?? t().common.meeting, href: meetingHref(doc.meeting_id) },
            { label: doc.symbol ?? doc.title, href: readerHref },
            { label: t().compare.crumb },
          ]}
        />
        <h1 class="doc-title" data-testid="doc-title">
          {t().compare.title}: {doc.title}
        </h1>
        <div class="reader-controls">
          <LanguageTabs languages={languages} selected={lang} onSelect={(l) => go({ lang: l, old: undefined, new: undefined })} />
          <div class="compare-pickers">
            {revisions.length >= 2 && (
              <>
                {picker("old", oldV)}
                <button
                  type="button"
                  class="icon-button compare-swap"
                  title={t().compare.swapTitle}
                  aria-label={t().compare.swapTitle}
                  data-testid="compare-swap"
                  disabled={!oldV || !newV}
                  onClick={() =>
                    oldV && newV && go({ old: String(newV.revision), new: String(oldV.revision) })
                  }
                >
                  ⇄
                </button>
                {picker("new", newV)}
              </>
            )}
            <a class="button-secondary compare-back" href={readerHref} data-testid="compare-back">
              {t().compare.backToReader}
            </a>
          </div>
        </div>
      </div>
      {body}
    </div>
  );
}

/** Loads the comparison of two versions and shows it, or why it cannot. */
function Comparing(props: {
  oldV: VersionInfo;
  newV: VersionInfo;
  mode: Mode;
  onlyNotes: boolean;
  showRenumbering: boolean;
  onMode: (m: Mode) => void;
  onOnlyNotes: (on: boolean) => void;
  onShowRenumbering: (on: boolean) => void;
}) {
  const { oldV, newV } = props;
  const generation = useCacheGeneration();
  const result = useAsync(() => api.compareVersions(oldV.id, newV.id), [oldV.id, newV.id, generation], {
    keepStale: true,
  });
  if (result.state === "loading") return <Loading label={t().compare.computing} />;
  if (result.state === "error") {
    if (result.error.code === "not_found" || result.error.code === "invalid_input") {
      return <TextMissing versions={[oldV, newV]} fallback={result.error.message} />;
    }
    return (
      <main class="content">
        <ErrorBox error={result.error} />
      </main>
    );
  }
  return <CompareView data={result.value} {...props} />;
}

/** Says which version has no text, and why (not synced yet, or not extractable). */
function TextMissing({ versions, fallback }: { versions: VersionInfo[]; fallback: string }) {
  const texts = useAsync(
    () => Promise.all(versions.map((v) => api.versionText(v.id).catch(() => null))),
    [versions.map((v) => v.id).join()],
  );
  if (texts.state === "loading") return <Loading />;
  const missing: { v: VersionInfo; r: Rendition | null }[] =
    texts.state === "ok"
      ? versions.map((v, i) => ({ v, r: texts.value[i] })).filter((x) => !x.r || x.r.status !== "ok")
      : [];
  return (
    <main class="content">
      <div class="notice" role="status" data-testid="compare-empty" data-reason="no-text">
        {missing.length === 0 ? (
          <strong>{fallback}</strong>
        ) : (
          missing.map(({ v, r }) => (
            <div key={v.id}>
              <strong>{t().compare.textMissing(revisionLabel(v))}</strong>
              <p>
                {r && r.status === "unavailable" ? t().compare.textUnavailable(r.reason) : t().compare.textNotYet}
              </p>
            </div>
          ))
        )}
      </div>
    </main>
  );
}

/** Where a change is, in the interface's language. */
function placeOf(loc: CompareLocation): string {
  if (loc.heading && loc.paragraph) return t().compare.headingParagraph(loc.heading, loc.paragraph);
  if (loc.heading) return loc.heading;
  if (loc.paragraph) return t().compare.paragraph(loc.paragraph);
  return t().compare.page(loc.page);
}

function sideOf(c: Change) {
  return c.kind === "delete" ? c.old : c.new;
}

/**
 * The same, for showing: the heading (in the document's language and
 * direction) isolated from the interface's words around it.
 */
function PlaceLabel({ loc, lang }: { loc: CompareLocation; lang: Lang }) {
  const heading = (
    <bdi lang={lang} dir={dirOf(lang)}>
      {loc.heading}
    </bdi>
  );
  if (loc.heading && loc.paragraph) {
    // The catalog's phrase with the heading put in its place.
    const [before, after] = t().compare.headingParagraph("\u0000", loc.paragraph).split("\u0000");
    return (
      <>
        {before}
        {heading}
        {after}
      </>
    );
  }
  if (loc.heading) return heading;
  return <>{placeOf(loc)}</>;
}

interface Group {
  loc: CompareLocation;
  place: string;
  page: number;
  first: number;
  ids: number[];
}

/** Consecutive changes at the same place, as the core's summary counts them. */
function groups(changes: Change[]): Group[] {
  const out: Group[] = [];
  for (const c of changes) {
    const place = placeOf(sideOf(c).location);
    const last = out[out.length - 1];
    if (last && last.place === place) last.ids.push(c.id);
    else out.push({ loc: sideOf(c).location, place, page: sideOf(c).page, first: c.id, ids: [c.id] });
  }
  return out;
}

/**
 * Scrolls `box` (and only it: scrollIntoView would also scroll the window
 * when the box is at its end) so that `el` is in its middle, or its top
 * near the top when it is taller than the box.
 */
function bringIntoView(box: HTMLElement, el: HTMLElement): void {
  const b = box.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const offset = r.height < box.clientHeight - 80 ? (box.clientHeight - r.height) / 2 : 48;
  box.scrollTop += r.top - b.top - offset;
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

function CompareView({
  data,
  oldV,
  newV,
  mode,
  onlyNotes,
  showRenumbering,
  onMode,
  onOnlyNotes,
  onShowRenumbering,
}: {
  data: VersionComparison;
  oldV: VersionInfo;
  newV: VersionInfo;
  mode: Mode;
  onlyNotes: boolean;
  showRenumbering: boolean;
  onMode: (m: Mode) => void;
  onOnlyNotes: (on: boolean) => void;
  onShowRenumbering: (on: boolean) => void;
}) {
  const c = data.comparison;
  const lang = newV.language;
  const noted = useMemo(() => new Map(data.noted_changes.map((n) => [n.change, n.notes])), [data]);
  // What Next/Previous and the summary go through: renumbering is
  // skipped unless asked for; with the filter, only changes on notes.
  const shown = useMemo(
    () =>
      new Set(
        c.changes
          .filter((ch) => (!onlyNotes || noted.has(ch.id)) && (showRenumbering || !ch.renumbering))
          .map((ch) => ch.id),
      ),
    [c, noted, onlyNotes, showRenumbering],
  );
  const visible = useMemo(() => c.changes.filter((ch) => shown.has(ch.id)), [c, shown]);
  const where = useMemo(() => groups(visible), [visible]);
  // Index in `visible`, or -1 before the first "Next".
  const [current, setCurrent] = useState(-1);
  useEffect(() => setCurrent(-1), [onlyNotes, showRenumbering]);
  const currentId = current >= 0 ? visible[current]?.id : undefined;
  const scroller = useRef<HTMLDivElement>(null);

  const step = (delta: number) => {
    if (!visible.length) return;
    setCurrent((i) => (i < 0 ? (delta > 0 ? 0 : visible.length - 1) : Math.min(visible.length - 1, Math.max(0, i + delta))));
  };
  const show = (id: number) => {
    const i = visible.findIndex((ch) => ch.id === id);
    if (i >= 0) setCurrent(i);
  };

  // N / P from anywhere on the screen (not while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (e.key === "n" || e.key === "N") {
        e.preventDefault();
        step(1);
      } else if (e.key === "p" || e.key === "P") {
        e.preventDefault();
        step(-1);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [visible]);

  // The current change: marked, and its row brought into view. Done on the
  // DOM so that stepping does not redraw every row of a long document
  // (before the frame is painted, so that mark and indicator agree).
  useLayoutEffect(() => {
    const root = scroller.current;
    if (!root) return;
    for (const el of root.querySelectorAll(".is-current")) el.classList.remove("is-current");
    if (currentId === undefined) return;
    const change = c.changes[currentId];
    for (const el of root.querySelectorAll(`[data-change="${currentId}"]`)) el.classList.add("is-current");
    const row = root.querySelector<HTMLElement>(`[data-row="${change.row}"]`);
    row?.classList.add("is-current");
    const target = root.querySelector<HTMLElement>(`[data-change="${currentId}"]`) ?? row;
    if (target) bringIntoView(root, target);
  }, [currentId, mode, onlyNotes, showRenumbering, c]);

  // Keyboard users land in the text (arrows and Page Down scroll it).
  useEffect(() => {
    scroller.current?.focus({ preventScroll: true });
  }, []);

  const jumpToRow = (row: number) => {
    const el = scroller.current?.querySelector<HTMLElement>(`[data-row="${row}"]`);
    if (!el || !scroller.current) return;
    bringIntoView(scroller.current, el);
    el.focus({ preventScroll: true });
  };

  const rows = useMemo(
    () => (
      <Rows comparison={c} mode={mode} lang={lang} noted={noted} shown={shown} onJump={jumpToRow} />
    ),
    [c, mode, lang, noted, shown],
  );

  const position =
    visible.length === c.changes.length
      ? t().compare.position(current + 1, visible.length)
      : t().compare.positionOfSome(current + 1, visible.length, c.changes.length);

  return (
    <div
      class="reader-body compare-body"
      data-testid="compare-view"
      data-mode={mode}
      data-only-notes={onlyNotes ? "true" : "false"}
      data-current-change={currentId === undefined ? "" : String(currentId)}
    >
      <div class="reader-main">
        <div class="compare-toolbar" role="toolbar" aria-label={t().compare.title}>
          <button
            type="button"
            data-testid="compare-prev"
            aria-keyshortcuts="p"
            title={`${t().compare.previous} (P)`}
            disabled={!visible.length || current === 0}
            onClick={() => step(-1)}
          >
            ↑ {t().compare.previous}
          </button>
          <button
            type="button"
            data-testid="compare-next"
            aria-keyshortcuts="n"
            title={`${t().compare.next} (N)`}
            disabled={!visible.length || current === visible.length - 1}
            onClick={() => step(1)}
          >
            ↓ {t().compare.next}
          </button>
          <span
            class="compare-position"
            data-testid="compare-position"
            data-index={String(current + 1)}
            data-total={String(visible.length)}
            role="status"
            aria-live="polite"
          >
            {position}
          </span>
          <span class="segmented compare-modes" role="group" aria-label={t().compare.view}>
            <button
              type="button"
              data-testid="compare-mode-side"
              aria-pressed={mode === "side"}
              onClick={() => onMode("side")}
            >
              {t().compare.sideBySide}
            </button>
            <button
              type="button"
              data-testid="compare-mode-inline"
              aria-pressed={mode === "inline"}
              onClick={() => onMode("inline")}
            >
              {t().compare.inline}
            </button>
          </span>
          <label class="compare-filter">
            <input
              type="checkbox"
              data-testid="compare-notes-filter"
              checked={onlyNotes}
              onChange={(e) => onOnlyNotes((e.target as HTMLInputElement).checked)}
            />
            {t().compare.onlyNotes(data.noted_changes.length)}
          </label>
          {c.summary.renumbered > 0 && (
            <label class="compare-filter compare-renumbering">
              <input
                type="checkbox"
                data-testid="compare-show-renumbering"
                checked={showRenumbering}
                onChange={(e) => onShowRenumbering((e.target as HTMLInputElement).checked)}
              />
              {t().compare.showRenumbering(c.summary.renumbered)}
            </label>
          )}
        </div>
        {onlyNotes && !visible.length && (
          <p class="filter-note compare-filter-note" data-testid="compare-no-noted">
            {t().compare.onlyNotesNone}
          </p>
        )}
        {c.changes.length === 0 && (
          <p class="filter-note compare-filter-note" data-testid="compare-empty" data-reason="no-differences">
            {t().compare.noDifferences}
          </p>
        )}
        <div
          class={`compare-scroll compare-${mode}`}
          ref={scroller}
          tabIndex={0}
          data-testid="compare-rows"
          aria-label={t().compare.title}
          onClick={(e) => {
            const el = (e.target as HTMLElement).closest<HTMLElement>("[data-change]");
            if (el) show(Number(el.dataset.change));
          }}
        >
          {mode === "side" && (
            <div class="cmp-head" aria-hidden="true">
              <div>{t().compare.oldColumn(revisionLabel(oldV))}</div>
              <div>{t().compare.newColumn(revisionLabel(newV))}</div>
            </div>
          )}
          {rows}
        </div>
      </div>
      <aside class="notes-panel compare-summary" aria-label={t().compare.summary} data-testid="compare-summary">
        <h2>{t().compare.summary}</h2>
        <p class="compare-count" data-testid="compare-count" data-count={String(c.summary.changes)}>
          {t().compare.count(c.summary.changes)}
        </p>
        {c.summary.changes > 0 && (
          <>
            <p class="muted small">
              {t().compare.kindCounts(
                c.summary.insertions,
                c.summary.deletions,
                c.summary.replacements,
                c.summary.moves,
              )}
            </p>
            <p class="muted small">{t().compare.words(c.summary.words_inserted, c.summary.words_deleted)}</p>
            {c.summary.renumbered > 0 && (
              <p class="muted small" data-testid="compare-renumbered">
                {t().compare.renumbered(c.summary.renumbered)}
              </p>
            )}
          </>
        )}
        {c.old.furniture_lines + c.new.furniture_lines > 0 && (
          <p class="muted small">{t().compare.furniture(c.old.furniture_lines + c.new.furniture_lines)}</p>
        )}
        {where.length > 0 && (
          <>
            <h3>{t().compare.where}</h3>
            <ol class="compare-where" data-testid="compare-where">
              {where.map((g) => (
                <li key={g.first}>
                  <button
                    type="button"
                    class="compare-where-entry"
                    data-testid="summary-entry"
                    data-first={String(g.first)}
                    aria-current={currentId !== undefined && g.ids.includes(currentId) ? "true" : undefined}
                    onClick={() => show(g.first)}
                  >
                    <span class="compare-where-place">
                      <PlaceLabel loc={g.loc} lang={lang} />
                    </span>
                    <span class="compare-where-count">
                      {g.ids.length > 1 ? t().compare.changesHere(g.ids.length) : t().compare.kinds[c.changes[g.first].kind]}
                    </span>
                  </button>
                </li>
              ))}
            </ol>
          </>
        )}
        <p class="muted small compare-keys">{t().compare.shortcutHint}</p>
      </aside>
    </div>
  );
}

/** Every row of the comparison, side by side or inline. */
function Rows({
  comparison,
  mode,
  lang,
  noted,
  shown,
  onJump,
}: {
  comparison: VersionComparison["comparison"];
  mode: Mode;
  lang: Lang;
  noted: Map<number, string[]>;
  /** The changes the filters keep; the others are drawn muted. */
  shown: Set<number>;
  onJump: (row: number) => void;
}) {
  const dir = dirOf(lang);
  const muted = (id: number | undefined) => id !== undefined && !shown.has(id);
  const cell = (row: CompareRow, side: "old" | "new" | "both") => (
    <Words words={row.words} side={side} changes={comparison.changes} noted={noted} muted={muted} />
  );
  return (
    <div class="cmp-rows" lang={lang}>
      {comparison.rows.map((row, i) => {
        const move = row.kind === "moved_from" || row.kind === "moved_to" ? comparison.changes[row.changes?.[0] ?? -1] : undefined;
        const moveNote =
          move &&
          (row.kind === "moved_from" ? (
            <MoveLink
              label={t().compare.movedFrom}
              link={t().compare.goToNewPlace}
              place={placeOf(move.new.location)}
              onClick={() => onJump(move.row)}
              testid="move-to-link"
            />
          ) : (
            <MoveLink
              label={t().compare.movedTo}
              link={t().compare.goToOldPlace}
              place={placeOf(move.old.location)}
              onClick={() => move.from_row !== undefined && onJump(move.from_row)}
              testid="move-from-link"
            />
          ));
        const rowClass = `cmp-row cmp-${row.kind}${row.changes?.some((id) => muted(id)) && !row.changes.some((id) => !muted(id)) ? " is-muted" : ""}`;
        if (mode === "inline") {
          return (
            <div key={i} class={rowClass} data-testid="compare-row" data-row={String(i)} data-kind={row.kind} tabIndex={-1}>
              <div class="cmp-cell" dir={dir}>
                {moveNote}
                {cell(row, "both")}
              </div>
            </div>
          );
        }
        return (
          <div key={i} class={rowClass} data-testid="compare-row" data-row={String(i)} data-kind={row.kind} tabIndex={-1}>
            <div class={`cmp-cell cmp-old${row.old ? "" : " cmp-blank"}`} dir={dir}>
              {row.kind === "moved_from" && moveNote}
              {row.old && cell(row, "old")}
            </div>
            <div class={`cmp-cell cmp-new${row.new ? "" : " cmp-blank"}`} dir={dir}>
              {row.kind === "moved_to" && moveNote}
              {row.new && cell(row, "new")}
            </div>
          </div>
        );
      })}
    </div>
  );
}

function MoveLink({
  label,
  link,
  place,
  onClick,
  testid,
}: {
  label: string;
  link: string;
  place: string;
  onClick: () => void;
  testid: string;
}) {
  return (
    <p class="cmp-move-note" dir="auto">
      <span class="cmp-move-icon" aria-hidden="true">
        ⇅
      </span>{" "}
      <strong>{label}</strong> ·{" "}
      <button type="button" class="link-button" data-testid={testid} onClick={onClick}>
        {link} ({place})
      </button>
    </p>
  );
}

/**
 * One side's words (or both, inline). Deletions are struck through and
 * insertions underlined, each announced ("deleted:", "inserted:") and
 * numbered with its change, so colour is never the only cue.
 */
function Words({
  words,
  side,
  changes,
  noted,
  muted,
}: {
  words: Word[];
  side: "old" | "new" | "both";
  changes: Change[];
  noted: Map<number, string[]>;
  muted: (id: number | undefined) => boolean;
}) {
  const seen = new Set<number>();
  const out: ComponentChildren[] = [];
  words.forEach((w, k) => {
    if ((side === "old" && w.op === "insert") || (side === "new" && w.op === "delete")) return;
    const id = w.change;
    if (w.op === "equal") {
      out.push(
        id === undefined ? (
          w.text
        ) : (
          <span key={k} data-change={String(id)}>
            {w.text}
          </span>
        ),
      );
      return;
    }
    if (id !== undefined && !seen.has(id)) {
      seen.add(id);
      const notes = noted.get(id)?.length ?? 0;
      out.push(
        <span
          key={`m${k}`}
          class={`cmp-marker${notes ? " has-notes" : ""}`}
          data-change={String(id)}
          data-testid="change-marker"
          title={notes ? `${t().compare.changeNumber(id + 1)} · ${t().compare.touchesNotes(notes)}` : t().compare.changeNumber(id + 1)}
        >
          <span class="visually-hidden">{t().compare.changeNumber(id + 1)}</span>
          <span aria-hidden="true">
            {id + 1}
            {notes ? " ✎" : ""}
          </span>
          {notes > 0 && <span class="visually-hidden">, {t().compare.touchesNotes(notes)}</span>}
        </span>,
      );
    }
    const kind = id !== undefined ? changes[id]?.kind : undefined;
    const cls = `cmp-change${kind === "move" ? " cmp-in-move" : ""}${muted(id) ? " is-muted" : ""}`;
    if (w.op === "delete") {
      out.push(
        <span key={k}>
          <span class="visually-hidden">[{t().compare.deleted} </span>
          <del class={`${cls} cmp-del`} data-change={id === undefined ? undefined : String(id)}>
            {w.text}
          </del>
          <span class="visually-hidden"> ({t().compare.endDeleted})]</span>
        </span>,
      );
    } else {
      out.push(
        <span key={k}>
          <span class="visually-hidden">[{t().compare.inserted} </span>
          <ins class={`${cls} cmp-ins`} data-change={id === undefined ? undefined : String(id)}>
            {w.text}
          </ins>
          <span class="visually-hidden"> ({t().compare.endInserted})]</span>
        </span>,
      );
    }
  });
  return <>{out}</>;
}
