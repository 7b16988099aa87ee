import { render } from "preact";
import "./styles.css";
import { App } from "./App";

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

render(<App />, document.getElementById("app")!);
