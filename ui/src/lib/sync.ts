// The sync status, shared by every screen: read once from the shell, then
// followed through the `sync-status` event (src-tauri/src/sync.rs).
import { listen } from "@tauri-apps/api/event";
import { useEffect, useState } from "preact/hooks";
import { api, type SyncStatus } from "../api";

let current: SyncStatus | null = null;
const subscribers = new Set<(s: SyncStatus) => void>();
let started = false;

function publish(status: SyncStatus): void {
  current = status;
  for (const fn of subscribers) fn(status);
}

function start(): void {
  if (started) return;
  started = true;
  // Subscribe first so no event falls between the read and the subscription.
  listen<SyncStatus>("sync-status", (e) => publish(e.payload)).catch(() => {
    /* no event channel (e.g. a plain browser): the status stays as read */
  });
  api.syncStatus().then(
    (s) => current === null && publish(s),
    () => {},
  );
}

/** The latest sync status, or null before the first answer. */
export function useSyncStatus(): SyncStatus | null {
  start();
  const [status, setStatus] = useState<SyncStatus | null>(current);
  useEffect(() => {
    subscribers.add(setStatus);
    if (current !== status) setStatus(current);
    return () => {
      subscribers.delete(setStatus);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return status;
}

/**
 * A number that changes whenever a sync changed the cache: screens put it in
 * their data dependencies to reload what they show.
 */
export function useCacheGeneration(): number {
  return useSyncStatus()?.generation ?? 0;
}
