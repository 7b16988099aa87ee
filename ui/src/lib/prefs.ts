// The user's preferences as the shell stored them (plenary-core's
// cache::Preferences): read once at start, updated by the Settings screen.
import { api, type Lang, type Preferences } from "../api";
import { setUiLang } from "./i18n";

let current: Preferences = { ui_language: null, document_languages: [] };

export function preferences(): Preferences {
  return current;
}

/** Applies preferences (interface language at once). */
export function applyPreferences(p: Preferences): void {
  current = p;
  setUiLang(p.ui_language);
}

/** Stores and applies new preferences; rejects with the shell's error. */
export async function savePreferences(p: Preferences): Promise<Preferences> {
  const saved = await api.setPreferences(p);
  applyPreferences(saved);
  return saved;
}

/** The document languages the user prefers, most preferred first. */
export function preferredDocumentLangs(): Lang[] {
  return current.document_languages;
}
