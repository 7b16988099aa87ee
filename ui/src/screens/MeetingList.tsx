import { useEffect } from "preact/hooks";
import { api, markAfterPaint, type MeetingSummary } from "../api";
import { ErrorBox, LangBadges, Loading, TopBar } from "../components";
import { formatDayRange } from "../lib/format";
import { t } from "../lib/i18n";
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
    document.title = `Plenary — ${t().meetings.title}`;
  }, []);

  return (
    <div class="screen">
      <TopBar />
      <main class="content content-narrow">
        <h1 class="page-title">{t().meetings.title}</h1>
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
                  {t().meetings.documents(m.document_count)} · {t().meetings.statements(m.statement_count)}
                </span>
                {m.news.new + m.news.updated > 0 && (
                  <span class="news-badge" data-testid="meeting-news">
                    {t().meetings.news(m.news.new, m.news.updated)}
                  </span>
                )}
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
  const m = t().meetings;
  return (
    <div class="empty-state" data-testid="empty-state">
      <h2>{m.emptyTitle}</h2>
      {configured ? (
        <p>
          {m.emptyConfigured(<code>{sync.server}</code>)}
          {sync.syncing ? m.emptyFetching : sync.last_error ? m.emptyFailed(sync.last_error) : m.emptyNone}
        </p>
      ) : (
        <>
          <p>{m.emptyNoServer}</p>
          <p>
            <a class="button-primary" href="#/settings">
              {m.openSettings}
            </a>
          </p>
        </>
      )}
      {info.state === "ok" && (
        <p class="muted">
          {m.cacheFolder} <code>{info.value.cache_path}</code>
        </p>
      )}
      <p class="muted">{m.tryDemo(<code>scripts/run</code>, <code>plenary demo seed</code>)}</p>
    </div>
  );
}
