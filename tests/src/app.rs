//! One WebDriver session on the desktop app, with the handful of helpers the
//! scenarios need. Every wait polls a condition until a deadline: WebKit under
//! Xvfb on a busy two-core machine is slow, and fixed sleeps would be either
//! flaky or wasteful.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::xshot::{Rect, capture_png};

/// Default deadline for something to appear or become true.
pub const WAIT: Duration = Duration::from_secs(45);
/// Deadline for a single WebDriver command (a hung WebKit must not hang CI).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(150);

/// Calls back after two animation frames, i.e. once the current DOM has
/// been painted.
const AFTER_TWO_FRAMES: &str = "const done = arguments[arguments.length - 1]; \
     requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";

/// The CSS selector of a `data-testid`.
pub fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// The CSS selector of a `data-testid` whose `attr` is `value`, e.g.
/// `testid_where("meeting-card", "data-meeting-id", id)`.
pub fn testid_where(id: &str, attr: &str, value: &str) -> String {
    format!("[data-testid=\"{id}\"][{attr}=\"{value}\"]")
}

/// Numbered screenshots in one scenario's artifact folder.
#[derive(Debug, Clone)]
pub struct Artifacts {
    dir: PathBuf,
    counter: Arc<AtomicU32>,
}

impl Artifacts {
    pub fn new(dir: PathBuf) -> Self {
        Artifacts {
            dir,
            counter: Arc::new(AtomicU32::new(0)),
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// `<dir>/<nn>-<name>.png`, numbered in the order they are taken.
    pub fn next_png(&self, name: &str) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{n:02}-{safe}.png"))
    }
}

/// A running app under WebDriver. Made by [`crate::Scenario::launch`].
#[derive(Debug)]
pub struct App {
    client: Client,
    artifacts: Artifacts,
    /// The X display the app is on (`:N`), for screenshots.
    display: String,
}

/// Runs one WebDriver command with a deadline and a description for errors.
async fn command<T>(
    what: impl Into<String>,
    fut: impl Future<Output = Result<T, CmdError>>,
) -> Result<T> {
    let what = what.into();
    match tokio::time::timeout(COMMAND_TIMEOUT, fut).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(source)) => Err(Error::WebDriver { what, source }),
        Err(_) => Err(Error::Timeout {
            what: format!("the WebDriver command {what}"),
            waited: COMMAND_TIMEOUT,
            last_seen: None,
        }),
    }
}

/// Errors worth retrying while waiting for the page to settle.
fn transient(e: &CmdError) -> bool {
    use fantoccini::error::ErrorStatus::*;
    matches!(e, CmdError::Standard(w) if matches!(
        w.error,
        NoSuchElement | StaleElementReference | ElementNotInteractable | ElementClickIntercepted
    ))
}

impl App {
    pub(crate) fn new(client: Client, artifacts: Artifacts, display: String) -> Self {
        App {
            client,
            artifacts,
            display,
        }
    }

    /// The underlying fantoccini client, for anything the helpers don't cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Waits until an element matching `css` exists.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element> {
        let started = Instant::now();
        loop {
            match tokio::time::timeout(COMMAND_TIMEOUT, self.client.find(Locator::Css(css))).await {
                Ok(Ok(element)) => return Ok(element),
                Ok(Err(e)) if transient(&e) => {}
                Ok(Err(source)) => {
                    return Err(Error::WebDriver {
                        what: format!("looking for {css}"),
                        source,
                    });
                }
                Err(_) => {}
            }
            if started.elapsed() > timeout {
                return Err(Error::Timeout {
                    what: format!("an element matching {css}"),
                    waited: timeout,
                    last_seen: None,
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Waits (up to [`WAIT`]) for the element with `data-testid="<id>"`.
    pub async fn wait_for_testid(&self, id: &str) -> Result<Element> {
        self.wait_for(&testid(id), WAIT).await
    }

    /// Waits for `css`, then clicks it; retries while the element is being
    /// re-rendered or covered (e.g. during a route transition).
    pub async fn click(&self, css: &str) -> Result<()> {
        let started = Instant::now();
        loop {
            let element = self.wait_for(css, WAIT).await?;
            match tokio::time::timeout(COMMAND_TIMEOUT, element.click()).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) if transient(&e) && started.elapsed() < WAIT => {}
                Ok(Err(source)) => {
                    return Err(Error::WebDriver {
                        what: format!("clicking {css}"),
                        source,
                    });
                }
                Err(_) => {
                    return Err(Error::Timeout {
                        what: format!("a click on {css} to complete"),
                        waited: COMMAND_TIMEOUT,
                        last_seen: None,
                    });
                }
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Types `text` into the element (for `<input type=file>`, a path: the
    /// file is chosen as if picked in the file dialog).
    pub async fn send_keys(&self, css: &str, text: &str) -> Result<()> {
        let element = self.wait_for(css, WAIT).await?;
        match tokio::time::timeout(COMMAND_TIMEOUT, element.send_keys(text)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(Error::WebDriver {
                what: format!("typing into {css}"),
                source,
            }),
            Err(_) => Err(Error::Timeout {
                what: format!("typing into {css}"),
                waited: COMMAND_TIMEOUT,
                last_seen: None,
            }),
        }
    }

    pub async fn click_testid(&self, id: &str) -> Result<()> {
        self.click(&testid(id)).await
    }

    /// The rendered text of the first element matching `css` (waits for it).
    pub async fn text(&self, css: &str) -> Result<String> {
        let element = self.wait_for(css, WAIT).await?;
        command(format!("reading the text of {css}"), element.text()).await
    }

    pub async fn text_of_testid(&self, id: &str) -> Result<String> {
        self.text(&testid(id)).await
    }

    /// An attribute of the first element matching `css` (waits for it).
    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>> {
        let element = self.wait_for(css, WAIT).await?;
        command(format!("reading {name} of {css}"), element.attr(name)).await
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) in the page.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        command(
            "running a script in the page",
            self.client.execute(script, args),
        )
        .await
    }

    /// Evaluates `script` repeatedly until `done` accepts its value, and
    /// returns that value. On timeout the error shows the last value seen.
    pub async fn poll(
        &self,
        what: &str,
        timeout: Duration,
        script: &str,
        args: Vec<Value>,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        let started = Instant::now();
        loop {
            let last = match tokio::time::timeout(
                COMMAND_TIMEOUT,
                self.client.execute(script, args.clone()),
            )
            .await
            {
                Ok(Ok(value)) if done(&value) => return Ok(value),
                Ok(Ok(value)) => value.to_string(),
                // A script can fail while the page navigates; keep polling.
                Ok(Err(e)) => format!("script error: {e}"),
                Err(_) => "script did not return".to_string(),
            };
            if started.elapsed() > timeout {
                return Err(Error::Timeout {
                    what: what.to_string(),
                    waited: timeout,
                    last_seen: Some(excerpt(&last, 600)),
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Saves a screenshot as `<artifacts>/<nn>-<name>.png`, prints and
    /// returns its path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        self.after_paint().await?;
        let png = window_png(&self.client, &self.display).await?;
        let path = self.artifacts.next_png(name);
        std::fs::write(&path, png)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        println!("screenshot: {}", path.display());
        Ok(path)
    }

    /// Waits until the page has painted its current state: WebKit's
    /// screenshots show the last painted frame, which can lag the DOM (a
    /// screenshot taken right after an update can still show "Loading…").
    pub async fn after_paint(&self) -> Result<()> {
        command(
            "waiting for the page to paint",
            self.client.execute_async(AFTER_TWO_FRAMES, vec![]),
        )
        .await?;
        Ok(())
    }

    /// Ends the session (the app quits). Dropping the scenario does that too,
    /// less politely.
    pub async fn close(self) -> Result<()> {
        command("closing the session", self.client.close()).await
    }
}

/// The app window as the X server shows it, as a PNG (see [`crate::xshot`]
/// for why not WebDriver's screenshot). The window's rectangle comes from
/// WebDriver; without it, the whole screen.
async fn window_png(client: &Client, display: &str) -> Result<Vec<u8>> {
    let rect = command("reading the window rectangle", client.get_window_rect())
        .await
        .ok()
        .map(|(x, y, width, height)| Rect {
            x: x as i64,
            y: y as i64,
            width,
            height,
        });
    let display = display.to_string();
    tokio::task::spawn_blocking(move || capture_png(&display, rect))
        .await
        .map_err(|e| Error::Setup(format!("the screenshot thread failed: {e}")))?
}

/// What the page looked like, for a failure report: screenshot, URL and an
/// excerpt of the page source. Best effort: each part says why it is missing.
pub(crate) async fn diagnostics(client: &Client, artifacts: &Artifacts, display: &str) -> String {
    let mut out = String::new();
    match window_png(client, display).await {
        Ok(png) => {
            let path = artifacts.next_png("failure");
            match std::fs::write(&path, png) {
                Ok(()) => out.push_str(&format!("  screenshot: {}\n", path.display())),
                Err(e) => out.push_str(&format!(
                    "  screenshot: could not write {}: {e}\n",
                    path.display()
                )),
            }
        }
        Err(e) => out.push_str(&format!("  screenshot: unavailable ({e})\n")),
    }
    match command("reading the URL", client.current_url()).await {
        Ok(url) => out.push_str(&format!("  url: {url}\n")),
        Err(e) => out.push_str(&format!("  url: unavailable ({e})\n")),
    }
    match command("reading the page source", client.source()).await {
        Ok(source) => out.push_str(&format!(
            "  page source (excerpt):\n{}\n",
            indent(&source_excerpt(&source, 4000))
        )),
        Err(e) => out.push_str(&format!("  page source: unavailable ({e})\n")),
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `<body>` of `source` without `<style>`/`<script>` contents, whitespace
/// collapsed and one tag per line where tags abut, cut at `max` characters.
pub fn source_excerpt(source: &str, max: usize) -> String {
    let body = source.find("<body").map_or(source, |i| &source[i..]);
    let mut cleaned = String::with_capacity(body.len());
    let mut rest = body;
    // Drop the contents of <style> and <script>: noise for a person reading.
    while let Some(start) = ["<style", "<script"]
        .iter()
        .filter_map(|tag| rest.find(tag).map(|i| (i, *tag)))
        .min()
    {
        let (i, tag) = start;
        cleaned.push_str(&rest[..i]);
        let close = format!("</{}>", &tag[1..]);
        match rest[i..].find(&close) {
            Some(end) => {
                cleaned.push_str(&format!("{tag}>…{close}"));
                rest = &rest[i + end + close.len()..];
            }
            None => {
                rest = "";
            }
        }
    }
    cleaned.push_str(rest);
    let collapsed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    excerpt(&collapsed.replace("> <", "><").replace("><", ">\n<"), max)
}

/// `text` cut to at most `max` characters (on a char boundary), marked if cut.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}… [{} more bytes]", &text[..i], text.len() - i),
        None => text.to_string(),
    }
}
