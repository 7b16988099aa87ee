import { useEffect, useState } from "preact/hooks";
import { type CommandError, toCommandError } from "../api";

export type Async<T> =
  | { state: "loading" }
  | { state: "ok"; value: T }
  | { state: "error"; error: CommandError };

/**
 * Runs `load` whenever `deps` change; ignores results of superseded runs.
 * With `keepStale`, a reload keeps showing the previous value until the new
 * one arrives (a sync refreshing a page must not blank it).
 */
export function useAsync<T>(
  load: () => Promise<T>,
  deps: unknown[],
  { keepStale = false }: { keepStale?: boolean } = {},
): Async<T> {
  const [result, setResult] = useState<Async<T>>({ state: "loading" });
  useEffect(() => {
    let current = true;
    setResult((previous) => (keepStale && previous.state === "ok" ? previous : { state: "loading" }));
    load().then(
      (value) => current && setResult({ state: "ok", value }),
      (e) => current && setResult({ state: "error", error: toCommandError(e) }),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return result;
}
