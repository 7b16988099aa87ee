// The interface language. Every string a user reads comes from a catalog in
// src/i18n/ (English is the reference; French is typed against it, so a
// missing or misspelt key is a compile error). Messages are strings or
// functions (numbers, names, markup).
//
// Hand-written rather than a library (i18next, lingui): two catalogs typed
// by TypeScript need nothing more, and the app stays small and offline.
import { useEffect, useState } from "preact/hooks";
import { en, type Messages } from "../i18n/en";
import { fr } from "../i18n/fr";

export type UiLang = "en" | "fr";
export const UI_LANGS: UiLang[] = ["en", "fr"];
const CATALOGS: Record<UiLang, Messages> = { en, fr };
/** The locale dates and numbers are formatted in. */
export const LOCALE: Record<UiLang, string> = { en: "en-GB", fr: "fr-FR" };

function systemUiLang(): UiLang {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "fr" || base === "en") return base;
  }
  return "en";
}

let current: UiLang = systemUiLang();
const listeners = new Set<(l: UiLang) => void>();

/** The current catalog: `t().meetings.title`. */
export function t(): Messages {
  return CATALOGS[current];
}

export function uiLang(): UiLang {
  return current;
}

export function locale(): string {
  return LOCALE[current];
}

/** Sets the interface language (`null`: follow the system) and redraws. */
export function setUiLang(lang: UiLang | null): void {
  const next = lang ?? systemUiLang();
  document.documentElement.lang = next;
  if (next === current) return;
  current = next;
  for (const l of listeners) l(next);
}

/** Re-renders the caller when the interface language changes. */
export function useUiLang(): UiLang {
  const [lang, setLang] = useState(current);
  useEffect(() => {
    listeners.add(setLang);
    return () => {
      listeners.delete(setLang);
    };
  }, []);
  return lang;
}
