import { useEffect } from "preact/hooks";
import { api, markAfterPaint, type MeetingSummary } from "../api";
import { ErrorBox, LangBadges, Loading, TopBar } from "../components";
import { formatDayRange, plural } from "../lib/format";
import { meetingHref } from "../lib/router";
import { rememberMeeting } from "../lib/store";
import { useAsync } from "../lib/useAsync";
import { useCacheGeneration, useSyncStatus } from "../lib/sync";

export function MeetingList() {
  const generation = useCacheGeneration();
  const meetings = useAsync(() => api.listMeetings(), [generation], { keepStale: true });

  useEffect(() => {
    if (meetings.state === "ok") markAfterPaint("meetings-visible");
  }, [meetings.state]);

  useEffect(() => {
    document.title = "Plenary — Meetings";
  }, []);

  return (
    <div class="screen">
      <TopBar />
      <main class="content content-narrow">
        <h1 class="page-title">Meetings</h1>
        {meetings.state === "loading" && <Loading />}
        {meetings.state === "error" && <ErrorBox error={meetings.error} />}
        {meetings.state === "ok" &&
          (meetings.value.length === 0 ? <EmptyState /> : <Cards meetings={meetings.value} />)}
      </main>
    </div>
  );
}

function Cards({ meetings }: { meetings: MeetingSummary[] }) {
  return (
    <ul class="meeting-list" data-testid="meeting-list">
      {meetings.map((m) => {
        rememberMeeting(m.id, m.title);
        return (
          <li key={m.id}>
            <a class="meeting-card" href={meetingHref(m.id)} data-testid="meeting-card" data-meeting-id={m.id}>
              <span class="meeting-body">{m.body}</span>
              <span class="meeting-card-title">{m.title}</span>
              <span class="meeting-meta">
                <span>{formatDayRange(m.starts_on, m.ends_on)}</span>
                <span aria-hidden="true">·</span>
                <span>{[m.venue, m.city].filter(Boolean).join(", ")}</span>
              </span>
              <span class="meeting-foot">
                <span class="counts">
                  {plural(m.document_count, "document", "documents")} ·{" "}
                  {plural(m.statement_count, "statement", "statements")}
                </span>
                <LangBadges langs={m.languages} />
              </span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}

function EmptyState() {
  const info = useAsync(() => api.appInfo(), []);
  const sync = useSyncStatus();
  const configured = sync !== null && sync.connection !== "not_configured";
  return (
    <div class="empty-state" data-testid="empty-state">
      <h2>No meetings on this computer yet</h2>
      {configured ? (
        <p>
          Plenary keeps the meetings published on <code>{sync.server}</code> on this computer so that you
          can read them offline.{" "}
          {sync.syncing
            ? "It is fetching them now."
            : sync.last_error
              ? `It could not fetch them: ${sync.last_error}`
              : "None is published yet."}
        </p>
      ) : (
        <p>
          Plenary shows the meetings stored in its cache, so that you can read them offline. This cache is
          empty and no server is set up: start Plenary with <code>--server URL</code> (the address your
          secretariat gives you).
        </p>
      )}
      {info.state === "ok" && (
        <p class="muted">
          Cache folder: <code>{info.value.cache_path}</code>
        </p>
      )}
      <p class="muted">
        To try Plenary with a demonstration meeting, run <code>scripts/run</code> from its source folder, or{" "}
        <code>plenary demo seed</code> and restart.
      </p>
    </div>
  );
}
