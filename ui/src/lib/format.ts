import type { DocumentKind } from "../api";
import { locale, t } from "./i18n";

// Formatters follow the interface language; they are built once per locale.
const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${locale()}|${key}`;
  let f = cache.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat(locale(), options);
    cache.set(id, f);
  }
  return f;
}

// Calendar dates ("YYYY-MM-DD") are days, not instants: format them in UTC so
// no time zone shifts them by one.
const DAY: Intl.DateTimeFormatOptions = { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" };

function parseDay(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`);
}

export function formatDay(iso: string): string {
  return formatter("day", DAY).format(parseDay(iso));
}

export function formatDayRange(start: string, end: string): string {
  if (start === end) return formatDay(start);
  return formatter("day", DAY).formatRange(parseDay(start), parseDay(end));
}

/** An RFC 3339 timestamp as a local date. */
export function formatTimestamp(rfc3339: string | null): string {
  if (!rfc3339) return "";
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime())
    ? rfc3339
    : formatter("stamp", { day: "numeric", month: "short", year: "numeric" }).format(d);
}

/** "14:05" today, "12 Sep, 14:05" on another day. */
export function formatWhen(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  return d.toDateString() === new Date().toDateString()
    ? formatter("clock", { hour: "2-digit", minute: "2-digit" }).format(d)
    : formatter("dayClock", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(d);
}

/** Bytes for people: "1.2 MB" (locale's decimal separator). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${v.toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${units[i]}`;
}

export const KIND_ORDER: DocumentKind[] = [
  "agenda",
  "draft",
  "working_paper",
  "report",
  "statement",
  "information",
  "press",
];

export function kindPlural(kind: DocumentKind): string {
  return t().kinds.plural[kind];
}

export function kindSingular(kind: DocumentKind): string {
  return t().kinds.singular[kind];
}
