//! plenary-bare-window: one Tauri 2 window showing a static page with a
//! heading, nothing else. It is the baseline of the app benchmark
//! (`cargo run -p plenary-e2e --bin app-bench --release`): whatever Plenary
//! costs above this is Plenary's own doing.
//!
//! When the page has finished loading it prints
//! `PLENARY_MARK page-loaded <ms since process start>` on stdout (one line,
//! flushed), the same format plenary-app uses for its marks.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tauri::webview::PageLoadEvent;

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let marked = AtomicBool::new(false);
    tauri::Builder::default()
        .on_page_load(move |_webview, payload| {
            if payload.event() == PageLoadEvent::Finished && !marked.swap(true, Ordering::SeqCst) {
                let mut out = std::io::stdout().lock();
                // Ignore write errors: a closed stdout must not take the window down.
                let _ = writeln!(
                    out,
                    "PLENARY_MARK page-loaded {}",
                    started.elapsed().as_millis()
                );
                let _ = out.flush();
            }
        })
        .run(tauri::generate_context!())?;
    Ok(())
}
