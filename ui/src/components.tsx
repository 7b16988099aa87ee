import type { ComponentChildren } from "preact";
import { api, type CommandError, type Lang, type SyncStatus } from "./api";
import { useSyncStatus } from "./lib/sync";
import { LANG_ORDER, NATIVE_NAME, SHORT } from "./lib/langs";

const HINTS: Record<string, string> = {
  cache_too_new: "This cache was written by a newer Plenary.",
  cache_locked: "Another Plenary window is using the cache.",
  not_a_cache: "The cache folder holds something that is not a Plenary cache.",
  not_found: "Not found on this computer.",
  blob_missing: "Not downloaded yet.",
  blob_corrupt: "A stored file was damaged.",
  disk_full: "The disk is full.",
};

/** A failure the user should read (data-testid app-error). */
export function ErrorBox({ error, title }: { error: CommandError; title?: string }) {
  return (
    <div class="error-box" role="alert" data-testid="app-error" data-error-code={error.code}>
      <strong class="error-title">{title ?? HINTS[error.code] ?? "Something went wrong."}</strong>
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
    <span class="lang-badges" aria-label={`Languages: ${sorted.map((l) => NATIVE_NAME[l]).join(", ")}`}>
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
    <nav class="breadcrumbs" aria-label="Breadcrumb">
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

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      {label}
    </div>
  );
}

export function TopBar({ children }: { children?: ComponentChildren }) {
  return (
    <header class="topbar">
      <a class="brand" href="#/" aria-label="Plenary: all meetings">
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
      <SyncIndicator />
    </header>
  );
}

const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
const dayClock = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

/** "14:05" today, "12 Sep, 14:05" on another day. */
function when(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  return d.toDateString() === new Date().toDateString() ? clock.format(d) : dayClock.format(d);
}

function describe(s: SyncStatus): { label: string; detail: string; tone: "ok" | "busy" | "warn" | "muted" } {
  const last = s.last_success ? `Last synced ${when(s.last_success)}.` : "Not synced yet.";
  if (s.connection === "not_configured") {
    return {
      label: "Offline copy",
      detail: "No server is set up: Plenary shows the documents stored on this computer.",
      tone: "muted",
    };
  }
  if (s.syncing) {
    const p = s.progress;
    const what =
      p && p.phase === "files" && p.documents_total > 0
        ? ` ${p.documents_done} of ${p.documents_total} files`
        : p && p.phase === "texts" && p.documents_total > 0
          ? ` texts ${p.documents_done} of ${p.documents_total}`
          : "";
    const eta = p && p.eta_secs !== null && p.eta_secs > 2 ? `, about ${p.eta_secs} s left` : "";
    return {
      label: `Syncing…${what}`,
      detail: `Fetching what is new from ${s.server}${eta}. ${last}`,
      tone: "busy",
    };
  }
  switch (s.connection) {
    case "online":
      return {
        label: s.last_success ? `Up to date · ${when(s.last_success)}` : "Online",
        detail: s.last_error ?? `Connected to ${s.server}. ${last}`,
        tone: s.last_error ? "warn" : "ok",
      };
    case "offline":
      return {
        label: "Offline",
        detail: `No connection to ${s.server}. ${last} Documents on this computer stay readable; Plenary syncs again when the connection is back.`,
        tone: "warn",
      };
    case "unreachable":
      return {
        label: "Server unreachable",
        detail: `${s.last_error ?? ""} ${last} Documents on this computer stay readable.`.trim(),
        tone: "warn",
      };
    case "refused":
      return { label: "Sync refused", detail: `${s.last_error ?? ""} ${last}`.trim(), tone: "warn" };
    default:
      return { label: "Connecting…", detail: `Contacting ${s.server}.`, tone: "busy" };
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
          Sync now
        </button>
      )}
    </div>
  );
}
