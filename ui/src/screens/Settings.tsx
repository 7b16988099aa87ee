// Settings: interface language, preferred document languages, the server
// and token, what to keep offline, space used, freeing and clearing files.
// Every change is stored by the shell (plenary-core's cache settings) and
// takes effect at once; errors are shown next to what caused them.
import { useEffect, useRef, useState } from "preact/hooks";
import {
  api,
  toCommandError,
  type CommandError,
  type KeepLanguages,
  type Lang,
  type SettingsView,
} from "../api";
import { Breadcrumbs, ErrorBox, Loading, TopBar } from "../components";
import { formatBytes } from "../lib/format";
import { t, type UiLang } from "../lib/i18n";
import { LANG_ORDER, NATIVE_NAME, dirOf } from "../lib/langs";
import { preferences, savePreferences } from "../lib/prefs";
import { useAsync } from "../lib/useAsync";
import { useCacheGeneration, useSyncStatus } from "../lib/sync";

export function Settings() {
  const generation = useCacheGeneration();
  const [reload, setReload] = useState(0);
  const view = useAsync(() => api.settings(), [generation, reload], { keepStale: true });
  useEffect(() => {
    document.title = `Plenary — ${t().settings.title}`;
  }, []);
  return (
    <div class="screen">
      <TopBar />
      <main class="content content-narrow settings" data-testid="settings">
        <Breadcrumbs items={[{ label: t().common.meetings, href: "#/" }, { label: t().settings.title }]} />
        <h1 class="page-title">{t().settings.title}</h1>
        {view.state === "loading" && <Loading />}
        {view.state === "error" && <ErrorBox error={view.error} />}
        {view.state === "ok" && <SettingsForm view={view.value} changed={() => setReload((n) => n + 1)} />}
      </main>
    </div>
  );
}

function SettingsForm({ view, changed }: { view: SettingsView; changed: () => void }) {
  return (
    <>
      <InterfaceSection />
      <DocumentLanguagesSection />
      <ServerSection view={view} changed={changed} />
      <OfflineSection view={view} changed={changed} />
      <SpaceSection view={view} changed={changed} />
      <section class="settings-section">
        <h2>{t().settings.cacheFolder}</h2>
        <p>
          <code data-testid="cache-path">{view.cache_path}</code>
        </p>
      </section>
    </>
  );
}

/** Runs an action, keeping its error (or a "saved" flag) for display. */
function useAction() {
  const [error, setError] = useState<CommandError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await f());
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setBusy(false);
    }
  };
  return { error, done, busy, run };
}

function Feedback({ error, done }: { error: CommandError | null; done: string | null }) {
  if (error) return <ErrorBox error={error} />;
  if (done)
    return (
      <p class="saved" role="status" data-testid="settings-saved">
        {done}
      </p>
    );
  return null;
}

function InterfaceSection() {
  const m = t().settings;
  const action = useAction();
  const value = preferences().ui_language ?? "";
  return (
    <section class="settings-section">
      <h2>{m.interface}</h2>
      <label class="field">
        <span class="field-label">{m.interfaceLanguage}</span>
        <select
          data-testid="ui-language"
          value={value}
          disabled={action.busy}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            const ui_language = v === "" ? null : (v as UiLang);
            void action.run(async () => {
              await savePreferences({ ...preferences(), ui_language });
              return null;
            });
          }}
        >
          <option value="">{m.followSystem}</option>
          <option value="en" lang="en">
            English
          </option>
          <option value="fr" lang="fr">
            Français
          </option>
        </select>
      </label>
      <Feedback error={action.error} done={action.done} />
    </section>
  );
}

function DocumentLanguagesSection() {
  const m = t().settings;
  const action = useAction();
  const [list, setList] = useState<Lang[]>(preferences().document_languages);
  const save = (next: Lang[]) => {
    const before = list;
    setList(next);
    void action.run(async () => {
      try {
        const saved = await savePreferences({ ...preferences(), document_languages: next });
        setList(saved.document_languages);
      } catch (e) {
        setList(before);
        throw e;
      }
      return m.saved;
    });
  };
  const move = (i: number, by: number) => {
    const next = [...list];
    const [l] = next.splice(i, 1);
    next.splice(i + by, 0, l);
    save(next);
  };
  const addable = LANG_ORDER.filter((l) => !list.includes(l));
  return (
    <section class="settings-section">
      <h2>{m.documentLanguages}</h2>
      <p class="muted">{m.documentLanguagesHelp}</p>
      {list.length === 0 ? (
        <p class="muted">{m.noPreference}</p>
      ) : (
        <ol class="pref-langs" data-testid="document-languages">
          {list.map((l, i) => (
            <li key={l} data-lang={l}>
              <span lang={l} dir={dirOf(l)} class="pref-lang-name">
                {NATIVE_NAME[l]}
              </span>
              <span class="pref-lang-buttons">
                <button
                  type="button"
                  class="icon-button"
                  disabled={i === 0 || action.busy}
                  aria-label={m.moveUp(NATIVE_NAME[l])}
                  title={m.moveUp(NATIVE_NAME[l])}
                  onClick={() => move(i, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  class="icon-button"
                  disabled={i === list.length - 1 || action.busy}
                  aria-label={m.moveDown(NATIVE_NAME[l])}
                  title={m.moveDown(NATIVE_NAME[l])}
                  onClick={() => move(i, 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  class="icon-button"
                  disabled={action.busy}
                  aria-label={m.remove(NATIVE_NAME[l])}
                  title={m.remove(NATIVE_NAME[l])}
                  onClick={() => save(list.filter((x) => x !== l))}
                >
                  ×
                </button>
              </span>
            </li>
          ))}
        </ol>
      )}
      {addable.length > 0 && (
        <label class="field inline">
          <span class="field-label">{m.add}</span>
          <select
            data-testid="add-document-language"
            value=""
            disabled={action.busy}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value as Lang;
              if (v) save([...list, v]);
            }}
          >
            <option value="">—</option>
            {addable.map((l) => (
              <option key={l} value={l} lang={l}>
                {NATIVE_NAME[l]}
              </option>
            ))}
          </select>
        </label>
      )}
      <Feedback error={action.error} done={action.done} />
    </section>
  );
}

function ServerSection({ view, changed }: { view: SettingsView; changed: () => void }) {
  const m = t().settings;
  const status = useSyncStatus();
  const action = useAction();
  const [url, setUrl] = useState(view.server_url ?? "");
  const [token, setToken] = useState("");
  const [removeToken, setRemoveToken] = useState(false);
  if (view.server_source === "command_line") {
    return (
      <section class="settings-section">
        <h2>{m.server}</h2>
        <p data-testid="server-from-command-line">{m.serverFromCommandLine(view.server_url ?? "")}</p>
      </section>
    );
  }
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api.setServer(url.trim() === "" ? null : url, removeToken ? "" : token === "" ? undefined : token);
      setToken("");
      setRemoveToken(false);
      changed();
      return m.saved;
    });
  };
  return (
    <section class="settings-section">
      <h2>{m.server}</h2>
      <p class="muted">{m.serverHelp}</p>
      <form onSubmit={submit} class="server-form">
        <label class="field">
          <span class="field-label">{m.serverAddress}</span>
          <input
            type="url"
            data-testid="server-url"
            value={url}
            placeholder="https://plenary.example.org"
            spellcheck={false}
            autocomplete="off"
            onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span class="field-label">{m.token}</span>
          <input
            type="password"
            data-testid="server-token"
            value={token}
            autocomplete="off"
            disabled={removeToken}
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          />
          <span class="muted small">{view.has_token ? m.tokenKept : m.tokenNone}</span>
        </label>
        {view.has_token && (
          <label class="choice">
            <input
              type="checkbox"
              checked={removeToken}
              onChange={(e) => setRemoveToken((e.target as HTMLInputElement).checked)}
            />{" "}
            {m.removeToken}
          </label>
        )}
        <div class="form-buttons">
          <button type="submit" class="button-primary" data-testid="server-save" disabled={action.busy}>
            {m.connectTo}
          </button>
          {status && status.connection !== "not_configured" && (
            <span class="muted small" data-testid="server-connection" data-connection={status.connection}>
              {status.server}
            </span>
          )}
        </div>
        <Feedback error={action.error} done={action.done} />
      </form>
    </section>
  );
}

function OfflineSection({ view, changed }: { view: SettingsView; changed: () => void }) {
  const m = t().settings;
  const action = useAction();
  const initial: Lang[] = view.keep_languages === "all" ? [...LANG_ORDER] : view.keep_languages.only;
  const [all, setAll] = useState(view.keep_languages === "all");
  const [chosen, setChosen] = useState<Lang[]>(initial);
  const save = (nextAll: boolean, nextChosen: Lang[]) => {
    setAll(nextAll);
    setChosen(nextChosen);
    const keep: KeepLanguages = nextAll ? "all" : { only: LANG_ORDER.filter((l) => nextChosen.includes(l)) };
    void action.run(async () => {
      await api.setKeepLanguages(keep);
      changed();
      return m.saved;
    });
  };
  return (
    <section class="settings-section">
      <h2>{m.offline}</h2>
      <p class="muted">{m.offlineHelp}</p>
      <fieldset class="field" data-testid="keep-languages">
        <label class="choice">
          <input
            type="radio"
            name="keep"
            checked={all}
            data-testid="keep-all"
            onChange={() => save(true, chosen)}
          />{" "}
          {m.allLanguages}
        </label>
        <label class="choice">
          <input
            type="radio"
            name="keep"
            checked={!all}
            data-testid="keep-only"
            onChange={() => save(false, chosen.length ? chosen : ["en"])}
          />{" "}
          {m.onlyThese}
        </label>
        <div class="keep-langs">
          {LANG_ORDER.map((l) => (
            <label key={l} class="choice">
              <input
                type="checkbox"
                data-testid="keep-language"
                data-lang={l}
                disabled={all || action.busy}
                checked={all || chosen.includes(l)}
                onChange={(e) => {
                  const on = (e.target as HTMLInputElement).checked;
                  const next = on ? [...chosen, l] : chosen.filter((x) => x !== l);
                  if (next.length) save(false, next);
                }}
              />{" "}
              <span lang={l} dir={dirOf(l)}>
                {NATIVE_NAME[l]}
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <Feedback error={action.error} done={action.done} />
    </section>
  );
}

function SpaceSection({ view, changed }: { view: SettingsView; changed: () => void }) {
  const m = t().settings;
  const action = useAction();
  const dialog = useRef<HTMLDialogElement>(null);
  const space = view.space;
  const max = Math.max(1, ...Object.values(space.by_language).map((v) => v ?? 0));
  const free = (f: () => Promise<{ files: number; bytes: number }>) =>
    void action.run(async () => {
      const freed = await f();
      changed();
      return m.freed(freed.files, formatBytes(freed.bytes));
    });
  return (
    <section class="settings-section">
      <h2>{m.space}</h2>
      <p data-testid="space-total" data-bytes={space.total_bytes}>
        {m.spaceTotal(formatBytes(space.total_bytes))}
      </p>
      {Object.keys(space.by_language).length > 0 && (
        <table class="space-table" aria-label={m.spaceByLanguage}>
          <tbody>
            {LANG_ORDER.filter((l) => space.by_language[l] !== undefined).map((l) => (
              <tr key={l}>
                <th scope="row" lang={l} dir={dirOf(l)}>
                  {NATIVE_NAME[l]}
                </th>
                <td class="space-bar-cell">
                  <span class="space-bar" style={{ width: `${((space.by_language[l] ?? 0) / max) * 100}%` }} />
                </td>
                <td class="nowrap">{formatBytes(space.by_language[l] ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {space.unreferenced_bytes > 0 && <p class="muted">{m.spaceUnreferenced(formatBytes(space.unreferenced_bytes))}</p>}
      <div class="form-buttons">
        <button
          type="button"
          class="button-secondary"
          data-testid="free-space"
          disabled={action.busy}
          title={m.freeSpaceHelp}
          onClick={() => free(api.freeSpace)}
        >
          {m.freeSpace}
        </button>
        <button
          type="button"
          class="button-danger"
          data-testid="clear-files"
          disabled={action.busy}
          onClick={() => dialog.current?.showModal()}
        >
          {m.clear}
        </button>
      </div>
      <p class="muted small">{m.freeSpaceHelp}</p>
      <Feedback error={action.error} done={action.done} />
      <dialog ref={dialog} class="confirm-dialog" data-testid="clear-confirm-dialog">
        <form method="dialog">
          <h2>{m.clearConfirm}</h2>
          <p>{m.clearHelp}</p>
          <div class="dialog-buttons">
            <button type="submit" class="button-secondary" value="cancel">
              {t().common.cancel}
            </button>
            <button
              type="button"
              class="button-danger"
              data-testid="clear-confirm"
              onClick={() => {
                dialog.current?.close();
                free(api.clearFiles);
              }}
            >
              {m.clearYes}
            </button>
          </div>
        </form>
      </dialog>
    </section>
  );
}
