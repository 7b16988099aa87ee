// Staff publishing from the reader: drop a file on a document (or choose one)
// to publish it as a new revision or as another language of an existing
// revision. Asked, summarised and confirmed before anything is sent; then the
// new version is followed until the sync brings it back from the feed.
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  api,
  type CommandError,
  type DocumentDetail,
  type Lang,
  type PublishedVersion,
  toCommandError,
} from "../api";
import { ErrorBox } from "../components";
import { LANG_ORDER, NATIVE_NAME } from "../lib/langs";
import { documentHref } from "../lib/router";
import { formatBytes } from "../lib/format";
import { t } from "../lib/i18n";
import { useSyncStatus } from "../lib/sync";

const TYPES: Record<string, string> = {
  pdf: "application/pdf",
  html: "text/html",
  htm: "text/html",
  txt: "text/plain",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};

/** The media type Plenary publishes a file as, from its name; null if not publishable. */
export function mediaTypeOf(name: string): string | null {
  const ext = name.toLowerCase().split(".").pop() ?? "";
  return TYPES[ext] ?? null;
}

/** Whether this user may publish (a staff or admin token on a reachable server). */
export function useCanPublish(): boolean {
  const status = useSyncStatus();
  return !!status && (status.role === "staff" || status.role === "admin");
}

type Step =
  | { step: "ask" }
  | { step: "sending" }
  | { step: "sent"; version: PublishedVersion; created: boolean }
  | { step: "failed"; error: CommandError };

/**
 * The publish button, the drop target over the whole reader, and the dialog.
 * `children` is the reader, which becomes the drop target.
 */
export function PublishDropZone({
  doc,
  lang,
  children,
}: {
  doc: DocumentDetail;
  lang: Lang | undefined;
  children: JSX.Element | JSX.Element[];
}) {
  const canPublish = useCanPublish();
  const [file, setFile] = useState<File | null>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);

  if (!canPublish) return <>{children}</>;

  const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes("Files");
  const open = (f: File | null) => {
    setFile(f);
    setDialogOpen(true);
  };

  return (
    <div
      class="publish-drop"
      data-testid="publish-drop"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        depth.current += 1;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer!.dropEffect = "copy";
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDrop={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current = 0;
        setDragging(false);
        const dropped = e.dataTransfer?.files?.[0];
        if (dropped) open(dropped);
      }}
    >
      <div class="publish-bar">
        <button type="button" class="button-secondary" data-testid="publish-open" onClick={() => open(null)}>
          {t().publish.open}
        </button>
        <span class="muted">{t().publish.orDrop}</span>
      </div>
      {children}
      {dragging && (
        <div class="publish-overlay" aria-hidden="true">
          <div>{t().publish.dropHere(<strong>{doc.symbol ?? doc.title}</strong>)}</div>
        </div>
      )}
      {dialogOpen && (
        <PublishDialog
          doc={doc}
          lang={lang}
          initialFile={file}
          onClose={() => {
            setDialogOpen(false);
            setFile(null);
          }}
        />
      )}
    </div>
  );
}

function PublishDialog({
  doc,
  lang,
  initialFile,
  onClose,
}: {
  doc: DocumentDetail;
  lang: Lang | undefined;
  initialFile: File | null;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [file, setFile] = useState<File | null>(initialFile);
  const [language, setLanguage] = useState<Lang>(lang ?? "en");
  const latest = doc.versions.reduce((m, v) => Math.max(m, v.revision), -1);
  // Labels of existing revisions, newest first, that this language lacks.
  const revisions = [...new Map(doc.versions.map((v) => [v.revision, v.label])).entries()].sort(
    (a, b) => b[0] - a[0],
  );
  const missingIn = (l: Lang) =>
    revisions.filter(([rev]) => !doc.versions.some((v) => v.language === l && v.revision === rev));
  const [mode, setMode] = useState<"revision" | "translation">("revision");
  const [label, setLabel] = useState(`Rev.${latest + 1}`);
  const [existing, setExisting] = useState<string>("");
  const [state, setState] = useState<Step>({ step: "ask" });

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  // A translation needs a revision that this language lacks.
  const translatable = missingIn(language);
  useEffect(() => {
    if (!translatable.some(([, l]) => l === existing)) setExisting(translatable[0]?.[1] ?? "");
  }, [language]);

  const mediaType = file ? mediaTypeOf(file.name) : null;
  const chosenLabel = mode === "revision" ? label.trim() : existing;
  const m = t().publish;
  const problem = !file
    ? m.chooseFile
    : !mediaType
      ? m.wrongType
      : !chosenLabel
        ? mode === "revision"
          ? m.giveLabel
          : m.allExist
        : null;

  // Follow the new version until the sync brings it into the cache.
  const arrived = state.step === "sent" && doc.versions.some((v) => v.id === state.version.id);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (problem || !file || !mediaType) return;
    setState({ step: "sending" });
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const result = await api.publishVersion(
        { document_id: doc.id, language, label: chosenLabel, file_name: file.name, media_type: mediaType },
        bytes,
      );
      setState({ step: "sent", version: result.version, created: result.created });
      api.syncNow().catch(() => {});
    } catch (err) {
      setState({ step: "failed", error: toCommandError(err) });
    }
  };

  const languageName = NATIVE_NAME[language];
  return (
    <dialog
      ref={dialog}
      class="publish-dialog"
      data-testid="publish-dialog"
      aria-labelledby="publish-title"
      onClose={onClose}
      onCancel={(e) => {
        if (state.step === "sending") e.preventDefault();
      }}
    >
      <form method="dialog" onSubmit={submit}>
        <h2 id="publish-title">{m.title(doc.symbol ?? doc.title)}</h2>
        {state.step === "ask" || state.step === "failed" ? (
          <>
            <div class="field">
              <span class="field-label">{m.file}</span>
              {file ? (
                <span class="chosen-file" data-testid="publish-file-name">
                  {file.name} <span class="muted">({formatBytes(file.size)})</span>{" "}
                  <button type="button" class="link-button" onClick={() => setFile(null)}>
                    {t().common.change}
                  </button>
                </span>
              ) : (
                <input
                  type="file"
                  data-testid="publish-file"
                  accept=".pdf,.docx,.html,.htm,.txt"
                  onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
                />
              )}
            </div>
            <label class="field">
              <span class="field-label">{m.language}</span>
              <select
                data-testid="publish-language"
                value={language}
                onChange={(e) => setLanguage((e.target as HTMLSelectElement).value as Lang)}
              >
                {LANG_ORDER.map((l) => (
                  <option key={l} value={l}>
                    {NATIVE_NAME[l]}
                  </option>
                ))}
              </select>
            </label>
            <fieldset class="field">
              <legend class="field-label">{m.thisFileIs}</legend>
              <label class="choice">
                <input
                  type="radio"
                  name="mode"
                  checked={mode === "revision"}
                  onChange={() => setMode("revision")}
                  data-testid="publish-mode-revision"
                />
                {m.newRevision}{" "}
                <input
                  type="text"
                  class="label-input"
                  data-testid="publish-label"
                  value={label}
                  maxLength={80}
                  onFocus={() => setMode("revision")}
                  onInput={(e) => setLabel((e.target as HTMLInputElement).value)}
                />
              </label>
              <label class={`choice ${translatable.length === 0 ? "disabled" : ""}`}>
                <input
                  type="radio"
                  name="mode"
                  checked={mode === "translation"}
                  disabled={translatable.length === 0}
                  onChange={() => setMode("translation")}
                  data-testid="publish-mode-translation"
                />
                {translatable.length === 0 ? (
                  <span>{m.noTranslation(languageName)}</span>
                ) : (
                  <>
                    {m.translationOf(languageName)}{" "}
                    <select
                      value={existing}
                      onFocus={() => setMode("translation")}
                      onChange={(e) => setExisting((e.target as HTMLSelectElement).value)}
                    >
                      {translatable.map(([rev, l]) => (
                        <option key={rev} value={l}>
                          {l}
                        </option>
                      ))}
                    </select>
                  </>
                )}
              </label>
            </fieldset>
            {file && mediaType && chosenLabel && (
              <p class="publish-summary" data-testid="publish-summary">
                {m.summary(file.name, languageName, doc.symbol ?? doc.title, chosenLabel)}
              </p>
            )}
            {problem && <p class="muted">{problem}</p>}
            {state.step === "failed" && <ErrorBox title={m.failed} error={state.error} />}
            <div class="dialog-buttons">
              <button type="button" class="button-secondary" onClick={() => dialog.current?.close()}>
                {t().common.cancel}
              </button>
              <button type="submit" class="button-primary" data-testid="publish-confirm" disabled={!!problem}>
                {m.publish}
              </button>
            </div>
          </>
        ) : state.step === "sending" ? (
          <p role="status" data-testid="publish-sending">
            {m.uploading(file?.name ?? "")}
          </p>
        ) : (
          <>
            <p role="status" data-testid="publish-result" data-arrived={String(arrived)}>
              {state.created ? m.published : m.alreadyPublished}:{" "}
              <strong>
                {NATIVE_NAME[state.version.language]}, {state.version.label}
              </strong>
              .{" "}
              {arrived ? m.arrived : m.waiting}
            </p>
            <div class="dialog-buttons">
              <button type="button" class="button-secondary" onClick={() => dialog.current?.close()}>
                {t().common.close}
              </button>
              {arrived && (
                <a
                  class="button-primary"
                  data-testid="publish-open-new"
                  href={documentHref(doc.id, { lang: state.version.language, rev: String(state.version.revision) })}
                  onClick={() => dialog.current?.close()}
                >
                  {m.openIt}
                </a>
              )}
            </div>
          </>
        )}
      </form>
    </dialog>
  );
}
