//! pdf-bench: the reader on a long PDF, in the real app window.
//!
//! ```text
//! cargo run -p plenary-e2e --bin pdf-bench --release -- --pages 300 --runs 3
//! cargo run -p plenary-e2e --bin pdf-bench -- --pdf ../shared/corpus/un-documents/huridocs-ohchr/ohchr_2_en.pdf --runs 1
//! ```
//!
//! Generates a long report (the demo's renderer, `--pages` pages; or reads
//! `--pdf FILE`, a real document), adds it
//! to a cache seeded with the demo meeting, builds the app (unless
//! `--no-build`), and for each run opens the document through WebDriver:
//! - time to first page: from the reader asking for the file
//!   (`performance.mark("document-open")`) to page 1 on screen, read from
//!   the page's own timeline: the server's picture of it painted
//!   (`document-preview`) or pdf.js's drawing with its text layer
//!   (`document-visible`), whichever comes first; and to pdf.js's drawing
//!   (the page selectable). Cold (pdf.js loaded for the first time in the
//!   window) and warm (reopened). The cache holds the document as a sync
//!   leaves it: its file, its text and its page-1 preview, both made by the
//!   server's own functions (`plenary_server::extract`). The baseline, in
//!   the same run: the same document without its preview, in a new window
//!   (first page only, cold and warm);
//! - memory: PSS of the app's whole process tree (the app and its WebKit
//!   processes) once page 1 is shown, then every 25 pages while scrolling
//!   through every page (each page drawn before moving on), and at the end;
//! - live canvases: the most seen at once (the viewer keeps a bounded number).
//!
//! Targets from the issue: first page under 300 ms, PSS under 450 MB and
//! flat while scrolling. "Flat" is judged on growth with the pages scrolled:
//! the peak over the second half of the document against the peak over the
//! first half, which already holds the viewer's working set (its live
//! canvases and text layers); a rise of more than 5% of the PSS with the
//! document open is growth. The rise from open to the working set is
//! printed beside it. For scale, the same run measures the bare Tauri
//! window's PSS (tests/bare-window). Writes target/bench/pdf.json. A
//! benchmark, not a test: it reports misses and does not fail on them.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};
use plenary_demo::facts;
use plenary_e2e::demo::LONG_DOCUMENT_ID as DOCUMENT_ID;
use plenary_e2e::memory::{find_processes, tree_pss_kib};
use plenary_e2e::{WAIT, paths, scenario, testid};
use serde::Serialize;
use serde_json::{Value, json};

const FIRST_PAGE_TARGET_MS: f64 = 300.0;
const PSS_TARGET_MB: f64 = 450.0;

struct Options {
    pages: usize,
    runs: usize,
    build: bool,
    /// A PDF of one's own (a real document from the corpus, say) instead
    /// of the generated report.
    pdf: Option<PathBuf>,
}

fn parse_args() -> Result<Options> {
    let mut o = Options {
        pages: 300,
        runs: 3,
        build: true,
        pdf: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize> {
            let v = args
                .next()
                .with_context(|| format!("{name} needs a number"))?;
            let n: usize = v
                .parse()
                .with_context(|| format!("{name} {v}: not a number"))?;
            if n == 0 {
                bail!("{name} must be at least 1");
            }
            Ok(n)
        };
        match arg.as_str() {
            "--pages" => o.pages = number("--pages")?,
            "--runs" => o.runs = number("--runs")?,
            "--no-build" => o.build = false,
            "--pdf" => o.pdf = Some(args.next().context("--pdf needs a file")?.into()),
            "-h" | "--help" => {
                println!("usage: pdf-bench [--pages N | --pdf FILE] [--runs N] [--no-build]");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    Ok(o)
}

/// Once page 1 is drawn by pdf.js after the last "document-open": ms from
/// it to the preview painted (null without one) and to pdf.js's page.
const FIRST_PAGE_MS: &str = r#"
const open = performance.getEntriesByName('document-open');
if (!open.length) return null;
const o = open[open.length - 1].startTime;
const at = (name) => {
  const e = performance.getEntriesByName(name).filter((e) => e.startTime >= o);
  return e.length ? e[0].startTime - o : null;
};
const visible = at('document-visible');
return visible === null ? null : { preview: at('document-preview'), visible };
"#;

/// Page 1 on screen: the preview or pdf.js's drawing, whichever came first.
fn on_screen(v: &Value) -> f64 {
    let visible = v["visible"].as_f64().unwrap_or(f64::NAN);
    v["preview"].as_f64().map_or(visible, |p| p.min(visible))
}

/// Where the time to first page went: each phase's mark after the last
/// "document-open", in ms from it (null when a mark is missing).
const PHASES: &str = r#"
const open = performance.getEntriesByName('document-open');
if (!open.length) return null;
const o = open[open.length - 1].startTime;
const at = (name) => {
  const e = performance.getEntriesByName(name).filter((e) => e.startTime >= o);
  return e.length ? e[0].startTime - o : null;
};
return {
  file_read: at('pdf-file-read'),
  viewer_loaded: at('pdf-viewer-loaded'),
  worker_ready: at('pdf-worker-ready'),
  parsed: at('pdf-parsed'),
  page1_ops: at('pdf-page1-ops'),
  page1_textcontent: at('pdf-page1-textcontent'),
  page1_canvas: at('pdf-page1-canvas'),
  page1_text: at('pdf-page1-text'),
  page1_drawn: at('pdf-page1-drawn'),
  preview_read: at('pdf-preview-read'),
  preview_drawn: at('pdf-preview-drawn'),
  preview: at('document-preview'),
  visible: at('document-visible'),
};
"#;

/// Scrolls page `n` to the top; returns whether it is drawn and the number
/// of live canvases.
const SHOW_PAGE: &str = r#"
const n = arguments[0];
const scroller = document.querySelector('.pdf-scroll');
const page = document.querySelector(`[data-testid="pdf-page"][data-page-number="${n}"]`);
if (!scroller || !page) return { drawn: false, canvases: 0 };
if (Math.abs(scroller.scrollTop - (page.offsetTop - 8)) > 2) scroller.scrollTop = page.offsetTop - 8;
return {
  drawn: page.dataset.rendered === 'true',
  canvases: document.querySelectorAll('.pdf-page canvas').length,
};
"#;

#[derive(Debug, Serialize)]
struct RunResult {
    /// Page 1 on screen (preview or pdf.js), cold.
    first_page_cold_ms: f64,
    /// Page 1 drawn by pdf.js with its text layer, cold.
    page1_drawn_cold_ms: f64,
    page1_drawn_warm_ms: f64,
    /// The baseline: the same without a preview (pdf.js's page), cold and warm.
    baseline_cold_ms: f64,
    baseline_warm_ms: f64,
    baseline_phases_cold: Value,
    baseline_phases_warm: Value,
    /// Cumulative ms from "document-open" to each phase, cold.
    phases_cold: Value,
    phases_warm: Value,
    first_page_warm_ms: f64,
    pss_open_mb: f64,
    /// (page, PSS MB) while scrolling.
    pss_scroll_mb: Vec<(usize, f64)>,
    pss_end_mb: f64,
    /// Back on the meeting page, the document closed.
    pss_closed_mb: f64,
    max_canvases: u64,
    processes: usize,
}

fn main() -> Result<()> {
    let options = parse_args()?;
    let profile = paths::profile_dir()?
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "debug".into());
    if options.build {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-p", "plenary-app", "-p", "plenary-bare-window"]);
        if profile == "release" {
            cmd.arg("--release");
        }
        println!("pdf-bench: building plenary-app ({profile})");
        if !cmd.status().context("running cargo build")?.success() {
            bail!("cargo build failed");
        }
    }

    let pdf = match &options.pdf {
        Some(path) => {
            println!("pdf-bench: {}", path.display());
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => {
            println!("pdf-bench: rendering a {}-page report", options.pages);
            plenary_demo::long_report_pdf(options.pages)?
        }
    };
    let pages = count_pages(&pdf);
    println!(
        "pdf-bench: {} pages, {:.1} MB",
        pages,
        pdf.len() as f64 / 1e6
    );

    let (text, preview) = plenary_e2e::demo::server_renditions(&pdf)?;
    println!(
        "pdf-bench: page-1 preview {} KB, page 1 {:.0} x {:.0} pt",
        preview.png.len() / 1024,
        preview.width_pt,
        preview.height_pt
    );

    let mut results = Vec::new();
    for run in 1..=options.runs {
        let pdf = pdf.clone();
        let mut result = None;
        scenario(&format!("pdf-bench-{run}"), async |s| {
            let cache = s.seeded_cache()?;
            plenary_e2e::demo::add_long_document(&cache, &pdf, &text, Some(&preview))?;
            let cache_arg = cache.display().to_string();
            let route = format!("/documents/{DOCUMENT_ID}");
            let app = s.launch(&cache, &["--route", &route]).await?;
            app.wait_for(&testid("pdf-page"), WAIT).await?;
            let (cold, phases_cold) = first_page(&app, "page 1 to be drawn").await?;
            // What the first page looked like (artifacts folder of the run).
            app.screenshot("first-page").await?;
            let pid = *find_processes(&["plenary-app", &cache_arg])
                .first()
                .ok_or_else(|| {
                    plenary_e2e::Error::Setup("the app's process was not found".into())
                })?;
            let (open_kib, processes) = tree_pss_kib(pid);

            let mut scroll = Vec::new();
            let mut max_canvases = 0;
            for n in 1..=pages {
                let v: Value = app
                    .poll(
                        &format!("page {n} to be drawn"),
                        WAIT,
                        SHOW_PAGE,
                        vec![json!(n)],
                        |v| v["drawn"] == true,
                    )
                    .await?;
                max_canvases = max_canvases.max(v["canvases"].as_u64().unwrap_or(0));
                if n % 25 == 0 || n == pages {
                    scroll.push((n, tree_pss_kib(pid).0 as f64 / 1024.0));
                }
            }
            let (end_kib, _) = tree_pss_kib(pid);

            // Warm: back to the meeting, then the document again.
            close_document(&app).await?;
            // What stays behind once the document is closed.
            let (closed_kib, _) = tree_pss_kib(pid);
            let (warm, phases_warm) = reopen(&app, &route).await?;
            result = Some(RunResult {
                first_page_cold_ms: on_screen(&cold),
                page1_drawn_cold_ms: cold["visible"].as_f64().unwrap_or(f64::NAN),
                page1_drawn_warm_ms: warm["visible"].as_f64().unwrap_or(f64::NAN),
                baseline_cold_ms: f64::NAN,
                baseline_warm_ms: f64::NAN,
                baseline_phases_cold: Value::Null,
                baseline_phases_warm: Value::Null,
                phases_cold,
                phases_warm,
                first_page_warm_ms: on_screen(&warm),
                pss_open_mb: open_kib as f64 / 1024.0,
                pss_scroll_mb: scroll,
                pss_end_mb: end_kib as f64 / 1024.0,
                pss_closed_mb: closed_kib as f64 / 1024.0,
                max_canvases,
                processes,
            });
            Ok(())
        })?;
        let mut r = result.context("the run produced no result")?;
        // The baseline in the same run: no preview, a new window.
        let mut baseline = None;
        scenario(&format!("pdf-bench-{run}-baseline"), async |s| {
            let cache = s.seeded_cache()?;
            plenary_e2e::demo::add_long_document(&cache, &pdf, &text, None)?;
            let route = format!("/documents/{DOCUMENT_ID}");
            let app = s.launch(&cache, &["--route", &route]).await?;
            let (cold, phases_cold) = first_page(&app, "page 1 to be drawn").await?;
            close_document(&app).await?;
            let (warm, phases_warm) = reopen(&app, &route).await?;
            baseline = Some((on_screen(&cold), on_screen(&warm), phases_cold, phases_warm));
            Ok(())
        })?;
        (
            r.baseline_cold_ms,
            r.baseline_warm_ms,
            r.baseline_phases_cold,
            r.baseline_phases_warm,
        ) = baseline.context("the baseline produced no result")?;
        println!(
            "run {run}: pdf.js's page 1 {:.0} ms cold, {:.0} ms warm; without a preview (baseline) {:.0} ms cold, {:.0} ms warm",
            r.page1_drawn_cold_ms, r.page1_drawn_warm_ms, r.baseline_cold_ms, r.baseline_warm_ms
        );
        println!(
            "run {run}: first page on screen {:.0} ms cold, {:.0} ms warm; PSS {:.1} MB open, max {:.1} MB scrolling, {:.1} MB at the end, {:.1} MB closed; at most {} canvases",
            r.first_page_cold_ms,
            r.first_page_warm_ms,
            r.pss_open_mb,
            r.pss_scroll_mb.iter().map(|x| x.1).fold(0.0, f64::max),
            r.pss_end_mb,
            r.pss_closed_mb,
            r.max_canvases
        );
        println!(
            "  phases (ms after the reader asked for the file: file read, pdf.js loaded, its worker ready (a dash when started by an earlier open), parsed, page 1's drawing commands and its text received from the worker, its canvas drawn, its text placed, page 1 done, painted): cold {}; warm {}",
            phases_line(&r.phases_cold),
            phases_line(&r.phases_warm)
        );
        results.push(r);
    }

    let median = |f: &dyn Fn(&RunResult) -> f64| -> f64 {
        let mut v: Vec<f64> = results.iter().map(f).filter(|x| x.is_finite()).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let cold = median(&|r| r.first_page_cold_ms);
    let warm = median(&|r| r.first_page_warm_ms);
    let drawn_cold = median(&|r| r.page1_drawn_cold_ms);
    let drawn_warm = median(&|r| r.page1_drawn_warm_ms);
    let base_cold = median(&|r| r.baseline_cold_ms);
    let base_warm = median(&|r| r.baseline_warm_ms);
    let open = median(&|r| r.pss_open_mb);
    let peak = median(&|r| {
        r.pss_scroll_mb
            .iter()
            .map(|x| x.1)
            .fold(r.pss_open_mb, f64::max)
    });
    let end = median(&|r| r.pss_end_mb);
    let halves = |r: &RunResult| {
        let half = r.pss_scroll_mb.len() / 2;
        let peak = |v: &[(usize, f64)]| v.iter().map(|x| x.1).fold(f64::NAN, f64::max);
        (
            peak(&r.pss_scroll_mb[..half]),
            peak(&r.pss_scroll_mb[half..]),
        )
    };
    let first_half = median(&|r| halves(r).0);
    let growth = median(&|r| {
        let (first, second) = halves(r);
        second - first
    });
    let closed = median(&|r| r.pss_closed_mb);
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "\npdf-bench ({profile}, {pages} pages, {} runs, medians)",
        results.len()
    );
    println!(
        "  first page on screen, cold (pdf.js first load): {cold:>7.0} ms   target < {FIRST_PAGE_TARGET_MS:.0} ms: {}   (baseline without preview {base_cold:.0} ms: {})",
        verdict(cold < FIRST_PAGE_TARGET_MS),
        speedup(base_cold, cold)
    );
    println!(
        "  first page on screen, warm (reopened):          {warm:>7.0} ms   target < {FIRST_PAGE_TARGET_MS:.0} ms: {}   (baseline without preview {base_warm:.0} ms: {})",
        verdict(warm < FIRST_PAGE_TARGET_MS),
        speedup(base_warm, warm)
    );
    println!(
        "  page 1 drawn by pdf.js, selectable:              {drawn_cold:>7.0} ms cold, {drawn_warm:.0} ms warm"
    );
    println!(
        "  PSS with the document open:                 {open:>7.1} MB   target < {PSS_TARGET_MB:.0} MB: {}",
        verdict(open < PSS_TARGET_MB)
    );
    println!(
        "  PSS peak while scrolling all pages:         {peak:>7.1} MB   ({:+.1} MB over open)   target < {PSS_TARGET_MB:.0} MB: {}",
        peak - open,
        verdict(peak < PSS_TARGET_MB)
    );
    if growth.is_nan() {
        // One PSS sample per 25 pages: a shorter document has no halves to compare.
        println!("  growth with pages scrolled: not judged (fewer than 50 pages)");
    } else {
        println!(
            "  growth with pages scrolled (peak of the second half - peak of the first, {first_half:.1} MB): {growth:+.1} MB   flat (< {:.1}): {}",
            0.05 * open,
            verdict(growth < 0.05 * open)
        );
    }
    println!("  PSS after the last page:                    {end:>7.1} MB");
    println!("  PSS back on the meeting page (closed):      {closed:>7.1} MB");
    let out = paths::target_dir()?.join("bench").join("pdf.json");
    std::fs::create_dir_all(out.parent().expect("has a parent"))?;
    std::fs::write(
        &out,
        serde_json::to_vec_pretty(&json!({
            "pages": pages, "profile": profile, "runs": results,
            "median": {"first_page_cold_ms": cold, "first_page_warm_ms": warm, "page1_drawn_cold_ms": drawn_cold, "page1_drawn_warm_ms": drawn_warm, "baseline_cold_ms": base_cold, "baseline_warm_ms": base_warm, "pss_open_mb": open, "pss_peak_mb": peak, "pss_growth_mb": growth, "pss_end_mb": end, "pss_closed_mb": closed},
        }))?,
    )?;
    println!("  written to {}", out.display());
    Ok(())
}

/// How the run compares with its baseline, in words that hold either way.
fn speedup(baseline_ms: f64, ms: f64) -> String {
    let ratio = baseline_ms / ms;
    if ratio >= 1.05 {
        format!("{ratio:.1}x faster")
    } else if ratio <= 0.95 {
        format!("{:.1}x slower", 1.0 / ratio)
    } else {
        "about the same".into()
    }
}

fn phases_line(v: &Value) -> String {
    [
        "file_read",
        "viewer_loaded",
        "worker_ready",
        "parsed",
        "page1_ops",
        "page1_textcontent",
        "page1_canvas",
        "page1_text",
        "page1_drawn",
        "visible",
    ]
    .iter()
    .map(|k| match v[*k].as_f64() {
        Some(ms) => format!("{ms:.0}"),
        None => "-".into(),
    })
    .collect::<Vec<_>>()
    .join(" / ")
}

/// Pages in a PDF, counted by `pdfinfo` (poppler-utils, installed by setup).
fn count_pages(pdf: &[u8]) -> usize {
    let dir = std::env::temp_dir().join(format!("pdf-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path: PathBuf = dir.join("long.pdf");
    if std::fs::write(&path, pdf).is_err() {
        return 0;
    }
    let out = Command::new("pdfinfo").arg(&path).output();
    let _ = std::fs::remove_dir_all(&dir);
    out.ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Pages:"))
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Waits for page 1 after an open: its times (`FIRST_PAGE_MS`) and phases (`PHASES`).
async fn first_page(app: &plenary_e2e::App, what: &str) -> plenary_e2e::Result<(Value, Value)> {
    let times = app
        .poll(what, WAIT, FIRST_PAGE_MS, vec![], |v| v.is_object())
        .await?;
    Ok((times, app.eval(PHASES, vec![]).await?))
}

/// Leaves the document for the meeting page, painted.
async fn close_document(app: &plenary_e2e::App) -> plenary_e2e::Result<()> {
    app.eval(
        "location.hash = arguments[0]; return true;",
        vec![json!(format!("#/meetings/{}", facts::MEETING_ID))],
    )
    .await?;
    app.wait_for_testid("meeting-title").await?;
    app.after_paint().await
}

/// Opens the document again (warm): page 1's times and phases.
async fn reopen(app: &plenary_e2e::App, route: &str) -> plenary_e2e::Result<(Value, Value)> {
    app.eval(
        "location.hash = arguments[0]; return true;",
        vec![json!(format!("#{route}"))],
    )
    .await?;
    first_page(app, "page 1 to be drawn again").await
}
