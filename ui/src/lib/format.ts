import type { DocumentKind } from "../api";

// Calendar dates ("YYYY-MM-DD") are days, not instants: format them in UTC so
// no time zone shifts them by one.
const day = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});

function parseDay(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`);
}

export function formatDay(iso: string): string {
  return day.format(parseDay(iso));
}

export function formatDayRange(start: string, end: string): string {
  if (start === end) return formatDay(start);
  return day.formatRange(parseDay(start), parseDay(end));
}

const stamp = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
});

/** An RFC 3339 timestamp as a local date. */
export function formatTimestamp(rfc3339: string | null): string {
  if (!rfc3339) return "";
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime()) ? rfc3339 : stamp.format(d);
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

export const KIND_PLURAL: Record<DocumentKind, string> = {
  agenda: "Agenda",
  draft: "Drafts",
  working_paper: "Working papers",
  report: "Reports",
  statement: "Statements",
  information: "Information",
  press: "Press",
};

export const KIND_SINGULAR: Record<DocumentKind, string> = {
  agenda: "Agenda",
  draft: "Draft",
  working_paper: "Working paper",
  report: "Report",
  statement: "Statement",
  information: "Information document",
  press: "Press release",
};

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
