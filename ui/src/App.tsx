import { useEffect, useRef } from "preact/hooks";
import { useRoute } from "./lib/router";
import { useUiLang, t } from "./lib/i18n";
import { MeetingList } from "./screens/MeetingList";
import { MeetingPage } from "./screens/MeetingPage";
import { Reader } from "./screens/Reader";
import { CompareScreen } from "./screens/Compare";
import { Settings } from "./screens/Settings";
import { SearchScreen } from "./screens/Search";
import { ErrorBox, TopBar } from "./components";

export function App() {
  const route = useRoute();
  // A change of interface language redraws every screen.
  const lang = useUiLang();
  const key = `${lang}:${route.name === "meeting" || route.name === "document" || route.name === "compare" ? `${route.name}:${route.id}` : route.name}`;

  // A new screen starts at the top, and keyboard and screen-reader users
  // land on its heading (not on the first load; the reader focuses its
  // pages instead, so arrow keys and Page Down scroll the document).
  const first = useRef(true);
  useEffect(() => {
    window.scrollTo(0, 0);
    if (first.current) {
      first.current = false;
      return;
    }
    if (route.name === "document" || route.name === "compare") return;
    requestAnimationFrame(() => {
      const h1 = document.querySelector<HTMLElement>("main h1");
      if (!h1 || document.activeElement?.closest("form[role=search]")) return;
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    });
  }, [key]);

  switch (route.name) {
    case "meetings":
      return <MeetingList key={key} />;
    case "meeting":
      return <MeetingPage key={key} id={route.id} params={route.params} />;
    case "document":
      return <Reader key={key} id={route.id} params={route.params} />;
    case "compare":
      return <CompareScreen key={key} id={route.id} params={route.params} />;
    case "settings":
      return <Settings key={key} />;
    case "search":
      return <SearchScreen key={key} params={route.params} />;
    default:
      return (
        <div class="screen" key={key}>
          <TopBar />
          <main class="content">
            <ErrorBox title={t().common.pageMissing} error={{ code: "not_found", message: t().common.noScreen(route.path) }} />
            <p>
              <a href="#/">{t().common.allMeetings}</a>
            </p>
          </main>
        </div>
      );
  }
}
