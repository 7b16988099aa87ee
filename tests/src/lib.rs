//! plenary-e2e: drives the real desktop app (the `plenary-app` binary, built
//! beforehand) through WebDriver: tauri-driver in front of WebKitWebDriver, on
//! a private Xvfb display. Scenarios live in `tests/tests/e2e.rs`; see
//! `tests/README.md`.
//!
//! Also home of the app benchmark (`src/bin/app_bench.rs`), which shares the
//! process and display plumbing but not WebDriver.

mod app;
pub mod demo;
mod display;
mod driver;
mod error;
pub mod memory;
pub mod paths;
pub mod process;
mod scenario;
pub mod server;
pub mod xshot;

pub use app::{
    App, Artifacts, COMMAND_TIMEOUT, WAIT, excerpt, source_excerpt, testid, testid_where,
};
pub use display::{Display, tail};
pub use driver::{Driver, free_port};
pub use error::{Error, Result};
pub use scenario::{LAUNCH_TIMEOUT, SCENARIO_TIMEOUT, Scenario, scenario};
pub use server::Server;
