import { useEffect } from "preact/hooks";
import { useRoute } from "./lib/router";
import { MeetingList } from "./screens/MeetingList";
import { MeetingPage } from "./screens/MeetingPage";
import { Reader } from "./screens/Reader";
import { ErrorBox, TopBar } from "./components";

export function App() {
  const route = useRoute();
  const key = route.name === "meeting" || route.name === "document" ? `${route.name}:${route.id}` : route.name;

  // A new screen starts at the top; focus moves to its heading for keyboard
  // and screen-reader users (not on the first load).
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [key]);

  switch (route.name) {
    case "meetings":
      return <MeetingList />;
    case "meeting":
      return <MeetingPage key={key} id={route.id} params={route.params} />;
    case "document":
      return <Reader key={key} id={route.id} params={route.params} />;
    default:
      return (
        <div class="screen">
          <TopBar />
          <main class="content">
            <ErrorBox
              title="This page does not exist."
              error={{ code: "not_found", message: `No screen at ${route.path}.` }}
            />
            <p>
              <a href="#/">All meetings</a>
            </p>
          </main>
        </div>
      );
  }
}
