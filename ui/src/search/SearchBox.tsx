// The search field in the top bar: Enter opens the results; "/" or Ctrl+K
// (Cmd+K) focuses it from anywhere.
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../lib/i18n";
import { navigate, parseRoute, searchHref } from "../lib/router";

export function SearchBox() {
  const input = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState(() => currentQuery());

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing =
        !!target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
      if ((e.key === "k" && (e.ctrlKey || e.metaKey)) || (e.key === "/" && !typing)) {
        e.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <form
      class="topbar-search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        const q = value.trim();
        if (q) navigate(searchHref({ ...filtersFromLocation(), q }));
      }}
    >
      <input
        ref={input}
        type="search"
        data-testid="search-input"
        aria-label={t().search.label}
        placeholder={t().search.placeholder}
        value={value}
        spellcheck={false}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />
    </form>
  );
}

/** The search screen's parameters, when it is the current screen. */
function searchParams(): URLSearchParams | null {
  const route = parseRoute(location.hash);
  return route.name === "search" ? route.params : null;
}

/** The query shown on the search screen (so the box keeps it there). */
function currentQuery(): string {
  return searchParams()?.get("q") ?? "";
}

/** Filters chosen on the search screen carry over to a new query typed there. */
function filtersFromLocation(): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of searchParams() ?? []) if (k !== "q") out[k] = v;
  return out;
}
