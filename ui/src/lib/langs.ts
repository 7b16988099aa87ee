import type { Lang } from "../api";
import { preferredDocumentLangs } from "./prefs";

/** The UN order: Arabic, Chinese, English, French, Russian, Spanish. */
export const LANG_ORDER: Lang[] = ["ar", "zh", "en", "fr", "ru", "es"];

export const NATIVE_NAME: Record<Lang, string> = {
  ar: "العربية",
  zh: "中文",
  en: "English",
  fr: "Français",
  ru: "Русский",
  es: "Español",
};

export const SHORT: Record<Lang, string> = {
  ar: "AR",
  zh: "ZH",
  en: "EN",
  fr: "FR",
  ru: "RU",
  es: "ES",
};

export function dirOf(lang: Lang): "rtl" | "ltr" {
  return lang === "ar" ? "rtl" : "ltr";
}

export function isLang(s: string | null | undefined): s is Lang {
  return !!s && (LANG_ORDER as string[]).includes(s);
}

/** The user's preferred UN languages, from navigator.languages ("fr-CH" -> "fr"). */
export function preferredLangs(): Lang[] {
  const out: Lang[] = [];
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLang(base) && !out.includes(base)) out.push(base);
  }
  return out;
}

/**
 * Default language for a document: the first of the user's chosen languages
 * (Settings) that exists, else of the system's, else English, else the first.
 */
export function pickLang(available: Lang[]): Lang | undefined {
  for (const l of preferredDocumentLangs()) if (available.includes(l)) return l;
  for (const l of preferredLangs()) if (available.includes(l)) return l;
  if (available.includes("en")) return "en";
  return available[0];
}
