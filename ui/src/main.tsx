import { render } from "preact";
import "./styles.css";
import { App } from "./App";
import { api } from "./api";
import { applyPreferences } from "./lib/prefs";

declare global {
  interface Window {
    /** Set by the shell's initialization script from `--route`. */
    __PLENARY_INITIAL_ROUTE__?: string;
  }
}

const initial = window.__PLENARY_INITIAL_ROUTE__;
if (initial && (location.hash === "" || location.hash === "#")) {
  history.replaceState(null, "", `#${initial}`);
}

// The first screen is drawn in the user's language: wait for the stored
// preferences (a local call of a few milliseconds), never for long.
const ready = Promise.race([
  api
    .appInfo()
    .then((info) => applyPreferences(info.preferences))
    .catch(() => {}),
  new Promise((resolve) => setTimeout(resolve, 500)),
]);
void ready.then(() => render(<App />, document.getElementById("app")!));
