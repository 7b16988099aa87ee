import type { ComponentChildren } from "preact";
import { api, type CommandError, type Lang, type SyncStatus } from "./api";
import { useSyncStatus } from "./lib/sync";
import { LANG_ORDER, NATIVE_NAME, SHORT, dirOf } from "./lib/langs";
import { formatWhen } from "./lib/format";
import { t } from "./lib/i18n";
import { SearchBox } from "./search/SearchBox";

/** A failure the user should read (data-testid app-error). */
export function ErrorBox({ error, title }: { error: CommandError; title?: string }) {
  return (
    <div class="error-box" role="alert" data-testid="app-error" data-error-code={error.code}>
      <strong class="error-title">{title ?? t().errors[error.code] ?? t().common.somethingWrong}</strong>
      <p class="error-message">{sentence(error.message)}</p>
    </div>
  );
}

/** Core messages start in lower case (they also end up in logs); a UI shows sentences. */
function sentence(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function LangBadges({ langs }: { langs: Lang[] }) {
  const sorted = LANG_ORDER.filter((l) => langs.includes(l));
  return (
    <span class="lang-badges" aria-label={t().common.languages(sorted.map((l) => NATIVE_NAME[l]).join(", "))}>
      {sorted.map((l) => (
        <span key={l} class="lang-badge" title={NATIVE_NAME[l]} aria-hidden="true">
          {SHORT[l]}
        </span>
      ))}
    </span>
  );
}

export interface Crumb {
  label: string;
  href?: string;
}

export function Breadcrumbs({ items }: { items: Crumb[] }) {
  return (
    <nav class="breadcrumbs" aria-label={t().common.breadcrumb}>
      <ol>
        {items.map((c, i) => (
          <li key={i}>
            {c.href && i < items.length - 1 ? (
              <a href={c.href}>{c.label}</a>
            ) : (
              <span aria-current={i === items.length - 1 ? "page" : undefined}>{c.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

export function Loading({ label }: { label?: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      {label ?? t().common.loading}
    </div>
  );
}

export function TopBar({ children }: { children?: ComponentChildren }) {
  return (
    <header class="topbar">
      <a class="brand" href="#/" aria-label={t().topbar.home}>
        <svg class="brand-mark" viewBox="0 0 512 512" aria-hidden="true">
          <g fill="none" stroke="currentColor" stroke-width="44">
            <path d="M 76 330 A 180 180 0 0 1 436 330" stroke-opacity="0.5" />
            <path d="M 156 330 A 100 100 0 0 1 356 330" />
          </g>
          <rect x="206" y="372" width="100" height="70" rx="14" fill="currentColor" />
        </svg>
        <span>Plenary</span>
      </a>
      {children}
      <SearchBox />
      <SyncIndicator />
      <a class="topbar-settings" href="#/settings" data-testid="open-settings" title={t().common.settings}>
        <svg viewBox="0 0 24 24" aria-hidden="true" width="18" height="18">
          <path
            fill="currentColor"
            d="M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.6 7.6 0 0 0-1.7-1L15 3.2h-4l-.4 2.7a7.6 7.6 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.6 7.6 0 0 0 1.7 1l.4 2.7h4l.4-2.7a7.6 7.6 0 0 0 1.7-1l2.5 1 2-3.5zM12 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z"
          />
        </svg>
        <span class="visually-hidden">{t().common.settings}</span>
      </a>
    </header>
  );
}

function describe(s: SyncStatus): { label: string; detail: string; tone: "ok" | "busy" | "warn" | "muted" } {
  const m = t().sync;
  const last = s.last_success ? m.lastSynced(formatWhen(s.last_success)) : m.notSynced;
  const server = s.server ?? "";
  if (s.connection === "not_configured") {
    return { label: m.offlineCopy, detail: m.offlineCopyDetail, tone: "muted" };
  }
  if (s.syncing) {
    const p = s.progress;
    const what =
      p && p.phase === "files" && p.documents_total > 0
        ? m.files(p.documents_done, p.documents_total)
        : p && p.phase === "texts" && p.documents_total > 0
          ? m.texts(p.documents_done, p.documents_total)
          : "";
    const eta = p && p.eta_secs !== null && p.eta_secs > 2 ? m.secondsLeft(p.eta_secs) : "";
    return { label: `${m.syncing}${what}`, detail: m.fetching(server, eta, last), tone: "busy" };
  }
  switch (s.connection) {
    case "online":
      return {
        label: s.last_success ? m.upToDate(formatWhen(s.last_success)) : m.online,
        detail: s.last_error ?? m.connected(server, last),
        tone: s.last_error ? "warn" : "ok",
      };
    case "offline":
      return { label: m.offline, detail: m.offlineDetail(server, last), tone: "warn" };
    case "unreachable":
      return { label: m.unreachable, detail: m.unreachableDetail(s.last_error ?? "", last), tone: "warn" };
    case "refused":
      return { label: m.refused, detail: `${s.last_error ?? ""} ${last}`.trim(), tone: "warn" };
    default:
      return { label: m.connecting, detail: m.contacting(server), tone: "busy" };
  }
}

/** Where sync stands, in the top bar (data-testid sync-status). */
export function SyncIndicator() {
  const status = useSyncStatus();
  if (!status) return null;
  const { label, detail, tone } = describe(status);
  const canSync = status.connection !== "not_configured" && !status.syncing;
  return (
    <div
      class={`sync-status sync-${tone}`}
      data-testid="sync-status"
      data-connection={status.connection}
      data-syncing={String(status.syncing)}
      title={detail}
    >
      <span class="sync-dot" aria-hidden="true" />
      <span class="sync-label" role="status" aria-live="polite">
        {label}
      </span>
      <span class="visually-hidden">{detail}</span>
      {canSync && (
        <button
          type="button"
          class="sync-now"
          data-testid="sync-now"
          onClick={() => {
            api.syncNow().catch(() => {});
          }}
        >
          {t().sync.syncNow}
        </button>
      )}
    </div>
  );
}

/**
 * Keyboard for a tablist (WAI-ARIA's tabs pattern, automatic activation):
 * Left and Right arrows move to the previous and next tab (wrapping), Home
 * and End to the first and last, and the tab reached is selected. Put it on
 * the element with `role="tablist"`; give the selected tab `tabIndex={0}`
 * and the others `-1`, so that Tab enters the list once, at its selection.
 */
export function onTablistKeyDown(e: KeyboardEvent): void {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const list = e.currentTarget as HTMLElement;
  const tabs = [...list.querySelectorAll<HTMLElement>('[role="tab"]:not([disabled])')];
  const at = tabs.indexOf(document.activeElement as HTMLElement);
  if (at < 0) return;
  let to: number;
  switch (e.key) {
    case "ArrowRight":
      to = (at + 1) % tabs.length;
      break;
    case "ArrowLeft":
      to = (at - 1 + tabs.length) % tabs.length;
      break;
    case "Home":
      to = 0;
      break;
    case "End":
      to = tabs.length - 1;
      break;
    default:
      return;
  }
  e.preventDefault();
  tabs[to].focus();
  tabs[to].click();
}

/**
 * The languages a document exists in, as tabs named in their own language
 * (and written in its direction); choosing one calls `onSelect`.
 */
export function LanguageTabs({
  languages,
  selected,
  onSelect,
}: {
  languages: Lang[];
  selected: Lang | undefined;
  onSelect: (lang: Lang) => void;
}) {
  // The tab that Tab stops at: the selected one, else the first.
  const stop = selected && languages.includes(selected) ? selected : languages[0];
  return (
    <div class="lang-tabs" role="tablist" aria-label={t().reader.language} onKeyDown={onTablistKeyDown}>
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
          aria-selected={l === selected}
          tabIndex={l === stop ? 0 : -1}
          onClick={() => onSelect(l)}
        >
          {NATIVE_NAME[l]}
        </button>
      ))}
    </div>
  );
}
