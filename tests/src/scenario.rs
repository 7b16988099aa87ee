//! Running one end-to-end scenario: its own X server, tauri-driver, temporary
//! caches and artifact folder, torn down at the end; a readable report with a
//! screenshot, the URL and the page source when it fails.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use fantoccini::error::NewSessionError;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::app::{App, Artifacts, diagnostics};
use crate::display::Display;
use crate::driver::Driver;
use crate::error::{Error, Result};
use crate::paths;
use crate::server::Server;

/// Upper bound for a whole scenario, so a wedged WebKit cannot hang CI.
pub const SCENARIO_TIMEOUT: Duration = Duration::from_secs(300);
/// Upper bound for the app to start and its WebDriver session to open.
pub const LAUNCH_TIMEOUT: Duration = Duration::from_secs(90);

/// Set to `1` to keep a scenario's temporary folders (caches) after it ends.
pub const KEEP_ENV: &str = "PLENARY_E2E_KEEP";

/// Scenarios run one at a time even though libtest runs tests in parallel:
/// two WebKit instances on a two-core machine make both slow enough to flake.
static SERIAL: Mutex<()> = Mutex::new(());

/// The state of one scenario run; handed to the scenario's body.
#[derive(Debug)]
pub struct Scenario {
    name: String,
    artifacts: Artifacts,
    // Field order is drop order: the session handle, then tauri-driver (and the
    // app with it), then the X server, then the temporary folders.
    client: Option<Client>,
    driver: Option<Driver>,
    display: Option<Display>,
    servers: Vec<Server>,
    temp_dirs: Vec<TempDir>,
}

/// Runs `body` as the scenario `name` (also its artifact folder name:
/// `target/e2e-artifacts/<name>/`). Returns the body's result, with
/// diagnostics attached on failure. A scenario is one test function:
///
/// ```no_run
/// # fn main() -> plenary_e2e::Result<()> {
/// plenary_e2e::scenario("meeting-list", async |s| {
///     let cache = s.seeded_cache()?;
///     let app = s.launch(&cache, &[]).await?;
///     app.wait_for_testid("meeting-list").await?;
///     app.screenshot("meeting-list").await?;
///     Ok(())
/// })
/// # }
/// ```
pub fn scenario<F>(name: &str, body: F) -> Result<()>
where
    F: AsyncFnOnce(&mut Scenario) -> Result<()>,
{
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the tokio runtime", e))?;
    let mut scenario = Scenario::new(name)?;
    println!(
        "scenario {name}: artifacts in {}",
        scenario.artifacts.dir().display()
    );
    let outcome = runtime.block_on(async {
        let result = match tokio::time::timeout(SCENARIO_TIMEOUT, body(&mut scenario)).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                what: format!("scenario {name} to finish"),
                waited: SCENARIO_TIMEOUT,
                last_seen: None,
            }),
        };
        match result {
            Ok(()) => {
                scenario.end_session().await;
                Ok(())
            }
            Err(error) => {
                let error = scenario.attach_diagnostics(error).await;
                scenario.end_session().await;
                Err(error)
            }
        }
    });
    scenario.keep_temp_dirs_if_asked();
    drop(scenario);
    if let Err(error) = &outcome {
        eprintln!("scenario {name} FAILED: {error}");
    }
    outcome
}

impl Scenario {
    fn new(name: &str) -> Result<Self> {
        Ok(Scenario {
            name: name.to_string(),
            artifacts: Artifacts::new(paths::fresh_artifacts_dir(name)?),
            client: None,
            driver: None,
            display: None,
            servers: Vec::new(),
            temp_dirs: Vec::new(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `target/e2e-artifacts/<scenario>/`: screenshots and logs of this run.
    pub fn artifacts_dir(&self) -> &Path {
        self.artifacts.dir()
    }

    /// An empty temporary folder, deleted when the scenario ends.
    pub fn temp_dir(&mut self) -> Result<PathBuf> {
        let dir = tempfile::Builder::new()
            .prefix("plenary-e2e-")
            .tempdir()
            .map_err(|e| Error::io("creating a temporary folder", e))?;
        let path = dir.path().to_path_buf();
        self.temp_dirs.push(dir);
        Ok(path)
    }

    /// A fresh temporary cache holding the demo meeting, seeded in-process
    /// through plenary-core (real SQLite database and blob files).
    pub fn seeded_cache(&mut self) -> Result<PathBuf> {
        let dir = self.temp_dir()?.join("cache");
        crate::demo::seed_cache(&dir)?;
        Ok(dir)
    }

    /// Starts a real `plenary-server` on a free port with a fresh data folder
    /// and the demo meeting published; returns its index for
    /// [`Scenario::server`]. It is killed when the scenario ends.
    pub fn start_demo_server(&mut self) -> Result<usize> {
        let data = self.temp_dir()?.join("server");
        let n = self.servers.len();
        let log = self.artifacts.dir().join(format!("server-{n}.log"));
        self.servers.push(Server::start(&data, true, &log)?);
        Ok(n)
    }

    pub fn server(&mut self, index: usize) -> &mut Server {
        &mut self.servers[index]
    }

    /// Starts the app (`plenary-app --cache-dir <cache_dir> <extra_args>`)
    /// under WebDriver. The X server and tauri-driver start on first use.
    /// One app at a time: [`App::close`] the previous one first.
    pub async fn launch(&mut self, cache_dir: &Path, extra_args: &[&str]) -> Result<App> {
        let application = paths::app_binary()?;
        let mut args = vec!["--cache-dir".to_string(), cache_dir.display().to_string()];
        args.extend(extra_args.iter().map(|a| a.to_string()));
        self.launch_binary(&application, &args).await
    }

    /// Like [`Scenario::launch`] for any Tauri binary and arguments (the
    /// harness's own tests drive the bare window this way).
    pub async fn launch_binary(&mut self, application: &Path, args: &[String]) -> Result<App> {
        self.end_session().await;
        // tauri-driver turns `tauri:options` into WebKitWebDriver's
        // `webkitgtk:browserOptions` {binary, args}.
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "tauri:options".into(),
            json!({ "application": application, "args": args }),
        );
        // WebKitWebDriver reports itself as this browser; asking for it keeps
        // fantoccini's defaults from requesting anything else.
        capabilities.insert("browserName".into(), Value::from("wry"));
        println!("launching {} {}", application.display(), args.join(" "));
        let mut retried = false;
        let client = loop {
            let url = self.driver()?.url();
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(capabilities.clone());
            match tokio::time::timeout(LAUNCH_TIMEOUT, builder.connect(&url)).await {
                Ok(Ok(client)) => break client,
                // On a loaded machine WebKitWebDriver has dropped the
                // new-session connection without an answer (seen once in
                // CI: "client error (SendRequest) … connection error"). That
                // says nothing about the app: start the drivers afresh
                // (dropping them kills their process group) and ask once more.
                Ok(Err(
                    source @ (NewSessionError::Failed(_)
                    | NewSessionError::FailedC(_)
                    | NewSessionError::Lost(_)),
                )) if !retried => {
                    println!(
                        "launch: the WebDriver server dropped the new-session request ({source}); \
                         restarting tauri-driver and asking once more"
                    );
                    retried = true;
                    self.driver = None;
                }
                Ok(Err(source)) => {
                    return Err(Error::NewSession {
                        app: application.display().to_string(),
                        source,
                    });
                }
                Err(_) => {
                    return Err(Error::Timeout {
                        what: format!("a WebDriver session on {}", application.display()),
                        waited: LAUNCH_TIMEOUT,
                        last_seen: None,
                    });
                }
            }
        };
        self.client = Some(client.clone());
        Ok(App::new(
            client,
            self.artifacts.clone(),
            self.display_name(),
        ))
    }

    /// The scenario's X display (`:N`), empty before it starts.
    fn display_name(&self) -> String {
        self.display.as_ref().map(|d| d.name()).unwrap_or_default()
    }

    fn driver(&mut self) -> Result<&Driver> {
        if self.display.is_none() {
            self.display = Some(Display::start(&self.artifacts.dir().join("xvfb.log"))?);
        }
        if self.driver.is_none() {
            let display = self.display.as_ref().expect("started above");
            self.driver = Some(Driver::start(
                display,
                &self.artifacts.dir().join("driver-and-app.log"),
            )?);
        }
        Ok(self.driver.as_ref().expect("started above"))
    }

    /// With `PLENARY_E2E_KEEP=1`, leaves the temporary caches on disk (and
    /// says where) so they can be inspected after the run.
    fn keep_temp_dirs_if_asked(&mut self) {
        if std::env::var_os(KEEP_ENV).is_some_and(|v| v == "1") {
            for dir in self.temp_dirs.drain(..) {
                println!("kept {}", dir.keep().display());
            }
        }
    }

    /// Closes the current WebDriver session, if any (best effort, bounded).
    async fn end_session(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
    }

    async fn attach_diagnostics(&self, error: Error) -> Error {
        if error.has_diagnostics() {
            return error;
        }
        let mut report = String::from("what the app looked like:\n");
        match &self.client {
            Some(client) => {
                report.push_str(&diagnostics(client, &self.artifacts, &self.display_name()).await)
            }
            None => report.push_str("  (no app session was open)\n"),
        }
        if let Some(driver) = &self.driver {
            report.push_str(&format!(
                "  end of {} (tauri-driver, WebKitWebDriver and the app's stderr):\n{}\n",
                driver.log_path().display(),
                driver
                    .log_tail(30)
                    .lines()
                    .map(|l| format!("    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
        report.push_str(&format!(
            "  all artifacts: {}\n",
            self.artifacts.dir().display()
        ));
        Error::WithDiagnostics {
            error: Box::new(error),
            diagnostics: report,
        }
    }
}
