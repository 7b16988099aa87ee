import { useEffect } from "preact/hooks";
import { useRoute } from "./lib/router";
import { useUiLang, t } from "./lib/i18n";
import { MeetingList } from "./screens/MeetingList";
import { MeetingPage } from "./screens/MeetingPage";
import { Reader } from "./screens/Reader";
import { Settings } from "./screens/Settings";
import { SearchScreen } from "./screens/Search";
import { ErrorBox, TopBar } from "./components";

export function App() {
  const route = useRoute();
  // A change of interface language redraws every screen.
  const lang = useUiLang();
  const key = `${lang}:${route.name === "meeting" || route.name === "document" ? `${route.name}:${route.id}` : route.name}`;

  // A new screen starts at the top.
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [key]);

  switch (route.name) {
    case "meetings":
      return <MeetingList key={key} />;
    case "meeting":
      return <MeetingPage key={key} id={route.id} params={route.params} />;
    case "document":
      return <Reader key={key} id={route.id} params={route.params} />;
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
