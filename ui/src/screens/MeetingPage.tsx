import { useEffect, useMemo, useState } from "preact/hooks";
import {
  api,
  markAfterPaint,
  type AgendaItem,
  type DocumentSummary,
  type MeetingOverview,
  type Statement,
} from "../api";
import { Breadcrumbs, ErrorBox, LangBadges, Loading, TopBar, onTablistKeyDown } from "../components";
import { KIND_ORDER, formatDay, formatDayRange, formatTimestamp, kindPlural } from "../lib/format";
import { t } from "../lib/i18n";
import { documentHref, meetingHref, navigate } from "../lib/router";
import { MeetingNotes } from "../notes/MeetingNotes";
import { rememberMeeting } from "../lib/store";
import { useAsync } from "../lib/useAsync";
import { useCacheGeneration } from "../lib/sync";

type Tab = "documents" | "statements" | "notes";
type Grouping = "kind" | "agenda";

export function MeetingPage({ id, params }: { id: string; params: URLSearchParams }) {
  const generation = useCacheGeneration();
  const [bump, setBump] = useState(0);
  const overview = useAsync(() => api.meetingOverview(id), [id, generation, bump], { keepStale: true });

  // Opening the meeting sets what counts as news from now on (first visit).
  useEffect(() => {
    api.markMeetingSeen(id).catch(() => {});
  }, [id]);

  useEffect(() => {
    if (overview.state === "ok") {
      rememberMeeting(id, overview.value.meeting.title);
      document.title = `Plenary — ${overview.value.meeting.title}`;
      markAfterPaint("meeting-visible");
    }
  }, [overview.state]);

  return (
    <div class="screen">
      <TopBar />
      {overview.state === "loading" && (
        <main class="content">
          <Loading />
        </main>
      )}
      {overview.state === "error" && (
        <main class="content">
          <Breadcrumbs items={[{ label: t().common.meetings, href: "#/" }, { label: id }]} />
          <ErrorBox error={overview.error} />
        </main>
      )}
      {overview.state === "ok" && (
        <Meeting overview={overview.value} params={params} reload={() => setBump((b) => b + 1)} />
      )}
    </div>
  );
}

function Meeting({
  overview,
  params,
  reload,
}: {
  overview: MeetingOverview;
  params: URLSearchParams;
  reload: () => void;
}) {
  const { meeting, agenda, documents, statements } = overview;
  const tabParam = params.get("tab");
  const tab: Tab = tabParam === "statements" || tabParam === "notes" ? tabParam : "documents";
  const grouping: Grouping = params.get("group") === "agenda" ? "agenda" : "kind";
  const itemId = params.get("item") ?? undefined;
  const selectedItem = agenda.find((a) => a.id === itemId);

  const go = (next: { tab?: Tab; group?: Grouping; item?: string | null }) => {
    const t = next.tab ?? tab;
    const g = next.group ?? grouping;
    const i = next.item === null ? undefined : (next.item ?? itemId);
    navigate(
      meetingHref(meeting.id, {
        tab: t === "documents" ? undefined : t,
        group: g === "kind" ? undefined : g,
        item: i,
      }),
      true,
    );
  };

  const docs = selectedItem ? documents.filter((d) => d.agenda_item_id === selectedItem.id) : documents;
  const stmts = selectedItem ? statements.filter((s) => s.agenda_item_id === selectedItem.id) : statements;
  const agendaById = useMemo(() => new Map(agenda.map((a) => [a.id, a])), [agenda]);
  const m = t().meeting;

  return (
    <div class="meeting-layout">
      <aside class="sidebar" aria-label={m.agenda}>
        <h2 class="sidebar-title">{m.agenda}</h2>
        <ul class="agenda">
          <li>
            <button
              type="button"
              class="agenda-all"
              aria-pressed={!selectedItem}
              onClick={() => go({ item: null })}
            >
              {m.allItems}
            </button>
          </li>
          {agenda.map((a) => (
            <li key={a.id}>
              <button
                type="button"
                class="agenda-item"
                data-testid="agenda-item"
                data-agenda-item-id={a.id}
                aria-pressed={selectedItem?.id === a.id}
                onClick={() => go({ item: selectedItem?.id === a.id ? null : a.id })}
              >
                <span class="agenda-number">{a.number}</span>
                <span class="agenda-title">{a.title}</span>
              </button>
            </li>
          ))}
          {agenda.length === 0 && <li class="muted small">{m.noAgenda}</li>}
        </ul>
      </aside>

      <main class="content meeting-main">
        <Breadcrumbs items={[{ label: t().common.meetings, href: "#/" }, { label: meeting.title }]} />
        <header class="meeting-header">
          <p class="meeting-body">{meeting.body}</p>
          <h1 class="page-title" data-testid="meeting-title" tabIndex={-1}>
            {meeting.title}
          </h1>
          <p class="meeting-meta">
            {formatDayRange(meeting.starts_on, meeting.ends_on)} ·{" "}
            {[meeting.venue, meeting.city].filter(Boolean).join(", ")}
            {meeting.symbol_prefix && (
              <>
                {" "}
                · <span class="symbol">{meeting.symbol_prefix}</span>
              </>
            )}
          </p>
        </header>

        <WhatsNew meetingId={meeting.id} documents={documents} reload={reload} />

        <div class="tabs-row">
          <div class="tabs" role="tablist" aria-label={m.content} onKeyDown={onTablistKeyDown}>
            {(
              [
                ["documents", m.documents, docs.length],
                ["statements", m.statements, stmts.length],
                ["notes", t().notes.tab, null],
              ] as const
            ).map(([id, label, count]) => (
              <button
                key={id}
                type="button"
                role="tab"
                id={`tab-${id}`}
                aria-controls={`panel-${id}`}
                aria-selected={tab === id}
                tabIndex={tab === id ? 0 : -1}
                data-testid="meeting-tab"
                data-tab={id}
                onClick={() => go({ tab: id })}
              >
                {label} {count !== null && <span class="count">{count}</span>}
              </button>
            ))}
          </div>
          {tab === "documents" && (
            <div class="segmented" role="group" aria-label={m.groupDocumentsBy}>
              <span class="segmented-label">{m.groupBy}</span>
              <button type="button" aria-pressed={grouping === "kind"} onClick={() => go({ group: "kind" })}>
                {m.kind}
              </button>
              <button
                type="button"
                aria-pressed={grouping === "agenda"}
                onClick={() => go({ group: "agenda" })}
              >
                {m.agendaItem}
              </button>
            </div>
          )}
        </div>

        {selectedItem && (
          <p class="filter-note">
            {m.showing(<strong>{selectedItem.number}</strong>, selectedItem.title)}
            <button type="button" class="link-button" onClick={() => go({ item: null })}>
              {m.showAll}
            </button>
          </p>
        )}

        {/* Both panels stay in the document (the inactive one hidden) so
            links and test selectors find every row. */}
        <section id="panel-documents" role="tabpanel" aria-labelledby="tab-documents" hidden={tab !== "documents"}>
          <DocumentGroups docs={docs} agenda={agenda} grouping={grouping} />
        </section>
        <section id="panel-statements" role="tabpanel" aria-labelledby="tab-statements" hidden={tab !== "statements"}>
          <Statements statements={stmts} agendaById={agendaById} />
        </section>
        {tab === "notes" && (
          <section id="panel-notes" role="tabpanel" aria-labelledby="tab-notes">
            <MeetingNotes meetingId={meeting.id} agendaItem={selectedItem?.id ?? null} />
          </section>
        )}
      </main>
    </div>
  );
}

function DocumentGroups({
  docs,
  agenda,
  grouping,
}: {
  docs: DocumentSummary[];
  agenda: AgendaItem[];
  grouping: Grouping;
}) {
  if (docs.length === 0) return <p class="muted">{t().meeting.noDocuments}</p>;
  const groups: { key: string; title: string; number?: string; docs: DocumentSummary[] }[] = [];
  if (grouping === "kind") {
    for (const kind of KIND_ORDER) {
      const inKind = docs.filter((d) => d.kind === kind);
      if (inKind.length) groups.push({ key: kind, title: kindPlural(kind), docs: inKind });
    }
  } else {
    for (const a of agenda) {
      const inItem = docs.filter((d) => d.agenda_item_id === a.id);
      if (inItem.length) groups.push({ key: a.id, title: a.title, number: a.number, docs: inItem });
    }
    const known = new Set(agenda.map((a) => a.id));
    const rest = docs.filter((d) => !d.agenda_item_id || !known.has(d.agenda_item_id));
    if (rest.length) groups.push({ key: "none", title: t().meeting.notUnderItem, docs: rest });
  }
  return (
    <div class="doc-groups">
      {groups.map((g) => (
        <section key={g.key} class="doc-group" aria-label={g.title}>
          <h3 class="group-title">
            {g.number && <span class="agenda-number">{g.number}</span>}
            {g.title} <span class="count">{g.docs.length}</span>
          </h3>
          <ul class="doc-list">
            {g.docs.map((d) => (
              <DocumentRow key={d.id} doc={d} />
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function FreshMark({ doc }: { doc: DocumentSummary }) {
  if (!doc.freshness) return null;
  return (
    <span class={`fresh-mark fresh-${doc.freshness}`} data-testid="fresh-mark" data-freshness={doc.freshness}>
      {t().meeting.fresh[doc.freshness]}
    </span>
  );
}

/** Documents that arrived or changed since the user last opened them, newest first. */
function WhatsNew({
  meetingId,
  documents,
  reload,
}: {
  meetingId: string;
  documents: DocumentSummary[];
  reload: () => void;
}) {
  const fresh = documents.filter((d) => d.freshness).sort((a, b) => b.arrived - a.arrived);
  if (fresh.length === 0) return null;
  const m = t().meeting;
  return (
    <section class="whats-new" data-testid="whats-new" aria-labelledby="whats-new-title">
      <div class="whats-new-head">
        <h2 id="whats-new-title">
          {m.whatsNew} <span class="count">{fresh.length}</span>
        </h2>
        <button
          type="button"
          class="link-button"
          data-testid="mark-all-read"
          onClick={() => {
            api
              .markMeetingRead(meetingId)
              .then(reload)
              .catch(() => {});
          }}
        >
          {m.markAllRead}
        </button>
      </div>
      <p class="muted small">{m.whatsNewHelp}</p>
      <ul class="doc-list">
        {fresh.slice(0, 8).map((d) => (
          <DocumentRow key={d.id} doc={d} />
        ))}
      </ul>
    </section>
  );
}

function DocumentRow({ doc }: { doc: DocumentSummary }) {
  return (
    <li>
      <a class="doc-row" href={documentHref(doc.id)} data-testid="document-row" data-document-id={doc.id}>
        <span class="symbol">{doc.symbol ?? "—"}</span>
        <span class="doc-row-title">
          <FreshMark doc={doc} />
          {doc.title}
        </span>
        <span class="doc-row-rev">
          {doc.latest_label && <span class="rev-label">{doc.latest_label}</span>}
          <span class="muted">{formatTimestamp(doc.latest_published_at)}</span>
        </span>
        <LangBadges langs={doc.languages} />
      </a>
    </li>
  );
}

function Statements({
  statements,
  agendaById,
}: {
  statements: Statement[];
  agendaById: Map<string, AgendaItem>;
}) {
  const m = t().meeting;
  const [delegation, setDelegation] = useState<string>("");
  const [day, setDay] = useState<string>("");
  const [order, setOrder] = useState<"date" | "delegation">("date");
  const delegations = useMemo(
    () => [...new Set(statements.map((s) => s.delegation))].sort((a, b) => a.localeCompare(b)),
    [statements],
  );
  const days = useMemo(() => [...new Set(statements.map((s) => s.delivered_on))].sort(), [statements]);
  const shown = useMemo(() => {
    const list = statements.filter(
      (s) => (!delegation || s.delegation === delegation) && (!day || s.delivered_on === day),
    );
    return order === "delegation"
      ? [...list].sort((a, b) => a.delegation.localeCompare(b.delegation) || a.delivered_on.localeCompare(b.delivered_on))
      : list;
  }, [statements, delegation, day, order]);
  if (statements.length === 0) return <p class="muted">{m.noStatements}</p>;
  return (
    <>
      <div class="statement-filters filters" role="group">
        <select
          aria-label={m.delegation}
          data-testid="statement-delegation"
          value={delegation}
          onChange={(e) => setDelegation((e.target as HTMLSelectElement).value)}
        >
          <option value="">{m.allDelegations}</option>
          {delegations.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
        <select
          aria-label={m.date}
          data-testid="statement-day"
          value={day}
          onChange={(e) => setDay((e.target as HTMLSelectElement).value)}
        >
          <option value="">{m.allDays}</option>
          {days.map((d) => (
            <option key={d} value={d}>
              {formatDay(d)}
            </option>
          ))}
        </select>
        <label>
          {m.sortBy}{" "}
          <select
            data-testid="statement-order"
            value={order}
            onChange={(e) => setOrder((e.target as HTMLSelectElement).value as "date" | "delegation")}
          >
            <option value="date">{m.byDate}</option>
            <option value="delegation">{m.byDelegation}</option>
          </select>
        </label>
        <span class="muted small" data-testid="statements-shown" aria-live="polite">
          {m.statementsShown(shown.length, statements.length)}
        </span>
      </div>
    <table class="statements">
      <thead>
        <tr>
          <th scope="col">{m.date}</th>
          <th scope="col">{m.delegation}</th>
          <th scope="col">{m.speaker}</th>
          <th scope="col">{m.agendaItem}</th>
          <th scope="col">
            <span class="visually-hidden">{m.text}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {shown.map((s) => {
          const item = s.agenda_item_id ? agendaById.get(s.agenda_item_id) : undefined;
          return (
            <tr key={s.id} data-testid="statement-row" data-statement-id={s.id}>
              <td class="nowrap">{formatDay(s.delivered_on)}</td>
              <td>
                <span class="delegation">{s.delegation}</span>
                {s.on_behalf_of && <span class="on-behalf">{m.onBehalfOf(s.on_behalf_of)}</span>}
              </td>
              <td>{s.speaker ?? <span class="muted">—</span>}</td>
              <td>
                {item ? (
                  <>
                    <span class="agenda-number">{item.number}</span> {item.title}
                  </>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              <td class="nowrap">
                {s.document_id ? (
                  <a href={documentHref(s.document_id)}>{m.readText}</a>
                ) : (
                  <span class="muted small">{m.noText}</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
    </>
  );
}
