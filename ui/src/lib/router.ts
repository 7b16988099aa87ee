// Hash routing: #/ (meetings), #/meetings/<id>, #/documents/<id>?lang=fr&rev=2&page=3&hl=word,
// #/documents/<id>/compare?lang=fr&old=1&new=2&mode=inline&notes=1,
// #/search?q=..., #/settings.
// Hash routes need no server and survive the tauri:// protocol unchanged.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { name: "meetings" }
  | { name: "meeting"; id: string; params: URLSearchParams }
  | { name: "document"; id: string; params: URLSearchParams }
  | { name: "compare"; id: string; params: URLSearchParams }
  | { name: "settings" }
  | { name: "search"; params: URLSearchParams }
  | { name: "unknown"; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?", 2);
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean).map(safeDecode);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "meetings")) {
    return { name: "meetings" };
  }
  if (parts.length === 1 && parts[0] === "settings") return { name: "settings" };
  if (parts.length === 1 && parts[0] === "search") return { name: "search", params };
  if (parts.length === 2 && parts[0] === "meetings") return { name: "meeting", id: parts[1], params };
  if (parts.length === 2 && parts[0] === "documents") return { name: "document", id: parts[1], params };
  if (parts.length === 3 && parts[0] === "documents" && parts[2] === "compare") {
    return { name: "compare", id: parts[1], params };
  }
  return { name: "unknown", path };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function meetingHref(id: string, params?: Record<string, string | undefined>): string {
  return `#/meetings/${encodeURIComponent(id)}${query(params)}`;
}

export function documentHref(id: string, params?: Record<string, string | undefined>): string {
  return `#/documents/${encodeURIComponent(id)}${query(params)}`;
}

/** The compare view: `lang`, `old` and `new` (revision numbers), `mode` (side, inline), `notes` (1: only changes on notes). */
export function compareHref(id: string, params?: Record<string, string | undefined>): string {
  return `#/documents/${encodeURIComponent(id)}/compare${query(params)}`;
}

export function searchHref(params?: Record<string, string | undefined>): string {
  return `#/search${query(params)}`;
}

function query(params?: Record<string, string | undefined>): string {
  if (!params) return "";
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Changes the route; `replace` keeps the history entry (for pickers). */
export function navigate(href: string, replace = false): void {
  if (replace) {
    history.replaceState(history.state, "", href);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    location.hash = href.replace(/^#/, "");
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
