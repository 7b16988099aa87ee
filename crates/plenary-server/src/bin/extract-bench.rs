//! Which PDF text extractor the server should use, by measurement.
//!
//! ```sh
//! cargo run --release -p plenary-server --bin extract-bench [-- --runs 3 --timeout 30]
//! ```
//!
//! Runs every PDF of the corpus (`$PLENARY_CORPUS`, default `../shared/corpus`:
//! `un-documents/` and the `pdf/` stress files) through poppler's `pdftotext`
//! (what the server uses) and two pure-Rust crates, `lopdf` and `pdf-extract`.
//! Each extraction runs in a child process (this binary with `--worker`), so a
//! panic, an abort or a hang in a crate costs that one measurement, not the
//! bench. Prints a table per file and a summary; numbers, never pass/fail.
//!
//! "Usable text" for a file means: the extractor returned text with at least
//! 10 letters, and where the corpus has a reference text, at least 80% of the
//! reference's word 4-grams are in it (for the Arabic sample, two words long,
//! its words), else at least 80% of its letters are Latin (the stress files
//! are English). The reference is the human-aligned paragraphs for the OHCHR
//! documents, the UNBench authors' text for the Security Council drafts, and
//! `habibi.html` for the Arabic sample. The table also gives, per file, the
//! share of letters in the document's script and, for the OHCHR documents, the
//! share of aligned paragraphs found (a) verbatim after whitespace
//! normalisation and (b) comparing letters only: the aligned paragraphs have
//! their footnote numbers removed and hyphenated line ends joined, which (a)
//! counts as misses although the extraction is right.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

const EXTRACTORS: [&str; 3] = ["pdftotext", "lopdf", "pdf-extract"];

#[derive(Debug, Serialize, Deserialize)]
struct WorkerResult {
    /// Pages of text, or why there are none.
    outcome: Result<Vec<String>, String>,
    /// Seconds for each run.
    secs: Vec<f64>,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--worker") {
        return worker(&args[1..]);
    }
    let mut runs = 3usize;
    let mut timeout = Duration::from_secs(30);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().context("--runs N")?.parse()?,
            "--timeout" => {
                timeout = Duration::from_secs(it.next().context("--timeout S")?.parse()?)
            }
            other => bail!("unknown argument {other:?} (--runs N, --timeout SECONDS)"),
        }
    }
    let Some(corpus) = plenary_server::corpus::require("extract-bench") else {
        return Ok(());
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(bench(&corpus, runs, timeout))
}

// ---------------------------------------------------------------- worker ---

/// `--worker EXTRACTOR FILE RUNS TIMEOUT_SECS`: extract `RUNS` times, print JSON.
fn worker(args: &[String]) -> Result<()> {
    let [name, path, runs, timeout] = args else {
        bail!("--worker EXTRACTOR FILE RUNS TIMEOUT_SECS");
    };
    let bytes = std::fs::read(path)?;
    let runs: usize = runs.parse()?;
    let timeout = Duration::from_secs(timeout.parse()?);
    // Panics are reported as the outcome, not printed.
    std::panic::set_hook(Box::new(|_| {}));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut secs = Vec::new();
    let mut outcome = Err("not run".to_owned());
    for _ in 0..runs {
        let started = Instant::now();
        outcome = match name.as_str() {
            "pdftotext" => rt.block_on(plenary_server::extract::pdftotext(&bytes, timeout)),
            "lopdf" => guarded(|| lopdf_pages(&bytes)),
            "pdf-extract" => guarded(|| {
                pdf_extract::extract_text_from_mem_by_pages(&bytes).map_err(|e| e.to_string())
            }),
            other => bail!("no extractor {other}"),
        };
        secs.push(started.elapsed().as_secs_f64());
        if outcome.is_err() {
            break; // failures are not timed again
        }
    }
    println!(
        "{}",
        serde_json::to_string(&WorkerResult { outcome, secs })?
    );
    Ok(())
}

fn guarded(
    f: impl FnOnce() -> Result<Vec<String>, String> + std::panic::UnwindSafe,
) -> Result<Vec<String>, String> {
    std::panic::catch_unwind(f).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!("panicked: {msg}"))
    })
}

fn lopdf_pages(bytes: &[u8]) -> Result<Vec<String>, String> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    if doc.is_encrypted() {
        return Err("encrypted".into());
    }
    let mut pages = Vec::new();
    for number in doc.get_pages().keys() {
        pages.push(doc.extract_text(&[*number]).map_err(|e| e.to_string())?);
    }
    Ok(pages)
}

// ----------------------------------------------------------------- bench ---

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Arabic,
}

impl Script {
    fn of(c: char) -> Option<Script> {
        match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Some(Script::Latin),
            0x400..=0x52F => Some(Script::Cyrillic),
            0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                Some(Script::Arabic)
            }
            _ => None,
        }
    }
}

/// What the corpus tells about one PDF.
#[derive(Debug)]
struct Case {
    path: PathBuf,
    name: String,
    class: &'static str,
    script: Script,
    pages: Option<u64>,
    /// Whether the file can be read at all without a password.
    readable: bool,
    /// Aligned paragraphs (OHCHR) that should appear verbatim.
    paragraphs: Vec<String>,
    /// A reference text whose word n-grams should appear.
    reference: Option<(String, usize)>,
}

fn cases(corpus: &Path) -> Result<Vec<Case>> {
    let mut files = Vec::new();
    for top in ["un-documents", "pdf"] {
        walk(&corpus.join(top), &mut files)?;
    }
    files.retain(|p| p.extension().is_some_and(|e| e == "pdf"));
    files.sort();
    let pypdf = corpus.join("pdf/py-pdf-sample-files");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pypdf.join("files.json")).unwrap_or_default())
            .unwrap_or_default();
    let mut out = Vec::new();
    for path in files {
        let rel = path.strip_prefix(corpus)?.to_string_lossy().into_owned();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".pdf").to_owned();
        let sample = path
            .strip_prefix(&pypdf)
            .ok()
            .map(|p| p.to_string_lossy().into_owned());
        let entry = sample.as_ref().and_then(|s| {
            meta["data"]
                .as_array()?
                .iter()
                .find(|e| e["path"].as_str() == Some(s))
        });
        let encrypted = entry.is_some_and(|e| e["encrypted"] == true);
        let mut case = Case {
            name: rel.clone(),
            class: "pdf stress",
            script: Script::Latin,
            pages: entry.and_then(|e| e["pages"].as_u64()),
            readable: !encrypted,
            paragraphs: Vec::new(),
            reference: None,
            path: path.clone(),
        };
        if rel.contains("huridocs-ohchr") {
            case.class = "UN (OHCHR)";
            let lang = stem.rsplit('_').next().unwrap_or_default().to_owned();
            if lang == "ru" {
                case.script = Script::Cyrillic;
            }
            let labels = path.parent().unwrap().join("labels");
            for entry in std::fs::read_dir(&labels)? {
                let p = entry?.path();
                let fname = p.file_name().unwrap().to_string_lossy().into_owned();
                if fname.starts_with(&format!("{stem}_")) {
                    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p)?)?;
                    for para in v["paragraphs"].as_array().into_iter().flatten() {
                        if let Some(t) = para["main_language"].as_str() {
                            case.paragraphs.push(normalise(t));
                        }
                    }
                }
            }
            let all = case.paragraphs.join(" ");
            case.reference = Some((all, 4));
        } else if rel.contains("unbench") {
            case.class = "UN (UNSC drafts)";
            let json = path.with_extension("json");
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(json)?)?;
            case.reference = v["Content"].as_str().map(|c| (c.to_owned(), 4));
        } else if rel.contains("015-arabic") {
            case.class = "Arabic";
            case.script = Script::Arabic;
            let html = std::fs::read_to_string(path.parent().unwrap().join("habibi.html"))?;
            case.reference = Some((plenary_server::extract::html_text(&html), 1));
        } else if encrypted {
            case.class = "encrypted";
        } else if rel.contains("017-unreadable") {
            case.class = "malformed";
        }
        if case.pages.is_none() {
            case.pages = pdfinfo_pages(&path);
        }
        out.push(case);
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = entry?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// The page count from poppler's `pdfinfo` (the page tree, not the text).
fn pdfinfo_pages(path: &Path) -> Option<u64> {
    let out = std::process::Command::new("pdfinfo")
        .arg(path)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
}

fn letters_only(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect()
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower-cased words of letters and digits.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The share of the reference's word n-grams found in the text.
fn ngram_recall(reference: &str, n: usize, text: &str) -> f64 {
    let grams = |ws: &[String]| -> HashSet<String> { ws.windows(n).map(|w| w.join(" ")).collect() };
    let want = grams(&words(reference));
    if want.is_empty() {
        return 0.0;
    }
    let have = grams(&words(text));
    want.iter().filter(|g| have.contains(*g)).count() as f64 / want.len() as f64
}

#[derive(Debug)]
struct Measured {
    status: String,
    pages_out: usize,
    secs: Option<f64>,
    usable: bool,
    script_share: f64,
    recall: Option<f64>,
    paragraphs: Option<f64>,
    paragraph_letters: Option<f64>,
}

fn assess(case: &Case, result: Result<WorkerResult, String>) -> Measured {
    let mut m = Measured {
        status: String::new(),
        pages_out: 0,
        secs: None,
        usable: false,
        script_share: 0.0,
        recall: None,
        paragraphs: None,
        paragraph_letters: None,
    };
    let r = match result {
        Err(e) => {
            m.status = e;
            return m;
        }
        Ok(r) => r,
    };
    let pages = match r.outcome {
        Err(e) => {
            m.status = format!("error: {}", shorten(&e, 60));
            return m;
        }
        Ok(p) => p,
    };
    let mut secs = r.secs.clone();
    secs.sort_by(f64::total_cmp);
    m.secs = secs.get(secs.len() / 2).copied();
    m.pages_out = pages.len();
    let text = pages.join("\n");
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let in_script = letters
        .iter()
        .filter(|c| Script::of(**c) == Some(case.script))
        .count();
    m.script_share = if letters.is_empty() {
        0.0
    } else {
        in_script as f64 / letters.len() as f64
    };
    m.recall = case
        .reference
        .as_ref()
        .map(|(reference, n)| ngram_recall(reference, *n, &text));
    if !case.paragraphs.is_empty() {
        let flat = normalise(&text);
        let found = case
            .paragraphs
            .iter()
            .filter(|p| flat.contains(p.as_str()))
            .count();
        m.paragraphs = Some(found as f64 / case.paragraphs.len() as f64);
        let flat = letters_only(&text);
        let found = case
            .paragraphs
            .iter()
            .filter(|p| flat.contains(letters_only(p).as_str()))
            .count();
        m.paragraph_letters = Some(found as f64 / case.paragraphs.len() as f64);
    }
    m.usable = letters.len() >= 10
        && match m.recall {
            Some(r) => r >= 0.8,
            None => m.script_share >= 0.8,
        };
    m.status = if m.usable { "usable" } else { "poor" }.to_owned();
    m
}

fn shorten(s: &str, n: usize) -> String {
    let s = s.lines().next().unwrap_or_default();
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s.to_owned()
    }
}

async fn run_worker(
    extractor: &str,
    case: &Case,
    runs: usize,
    timeout: Duration,
) -> Result<WorkerResult, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let child = tokio::process::Command::new(exe)
        .arg("--worker")
        .arg(extractor)
        .arg(&case.path)
        .arg(runs.to_string())
        .arg(timeout.as_secs().to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let limit = timeout * runs as u32 + Duration::from_secs(5);
    match tokio::time::timeout(limit, child.wait_with_output()).await {
        Err(_) => Err(format!("HUNG (killed after {} s)", limit.as_secs())),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(out)) if !out.status.success() => Err(format!("CRASHED ({})", out.status)),
        Ok(Ok(out)) => serde_json::from_slice(&out.stdout).map_err(|e| format!("bad output: {e}")),
    }
}

async fn bench(corpus: &Path, runs: usize, timeout: Duration) -> Result<()> {
    let cases = cases(corpus)?;
    println!(
        "extract-bench: {} PDFs from {}, {runs} run(s) each, median time; each extraction in a child process\n",
        cases.len(),
        corpus.display()
    );
    let mut results: BTreeMap<(usize, &str), Measured> = BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        for ex in EXTRACTORS {
            let m = assess(case, run_worker(ex, case, runs, timeout).await);
            results.insert((i, ex), m);
        }
    }

    println!(
        "| file | class | pages | extractor | outcome | pages out | ms | script | n-gram recall | paragraphs verbatim | paragraphs, letters |"
    );
    println!("|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|");
    for (i, case) in cases.iter().enumerate() {
        for ex in EXTRACTORS {
            let m = &results[&(i, ex)];
            let pct = |v: Option<f64>| v.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_default();
            println!(
                "| {} | {} | {} | {ex} | {} | {} | {} | {} | {} | {} | {} |",
                case.name.rsplit('/').next().unwrap_or_default(),
                case.class,
                case.pages.map(|p| p.to_string()).unwrap_or_default(),
                m.status,
                m.pages_out,
                m.secs
                    .map(|s| format!("{:.1}", s * 1000.0))
                    .unwrap_or_default(),
                if m.secs.is_some() {
                    format!("{:.0}%", m.script_share * 100.0)
                } else {
                    String::new()
                },
                pct(m.recall),
                pct(m.paragraphs),
                pct(m.paragraph_letters),
            );
        }
    }

    println!(
        "\n| extractor | usable / readable files | UN docs usable | OHCHR paragraphs found, verbatim / letters | pages/s (all readable) | pages/s (UN docs) | page count right | encrypted refused | crashed or hung |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for ex in EXTRACTORS {
        let (mut usable, mut readable, mut un_usable, mut un) = (0, 0, 0, 0);
        let (mut pages, mut secs, mut un_pages, mut un_secs) = (0u64, 0.0, 0u64, 0.0);
        let (mut right_count, mut refused, mut broken) = (0, 0, 0);
        let mut paras = Vec::new();
        let mut paras_letters = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let m = &results[&(i, ex)];
            if m.status.starts_with("CRASHED") || m.status.starts_with("HUNG") {
                broken += 1;
            }
            if !case.readable {
                if m.secs.is_none() || m.pages_out == 0 {
                    refused += 1;
                }
                continue;
            }
            readable += 1;
            usable += m.usable as usize;
            if case.pages.is_some_and(|p| p == m.pages_out as u64) {
                right_count += 1;
            }
            let is_un = case.class.starts_with("UN");
            if is_un {
                un += 1;
                un_usable += m.usable as usize;
            }
            if let (Some(s), Some(p)) = (m.secs, case.pages) {
                pages += p;
                secs += s;
                if is_un {
                    un_pages += p;
                    un_secs += s;
                }
            }
            if let Some(p) = m.paragraphs {
                paras.push(p);
            }
            if let Some(p) = m.paragraph_letters {
                paras_letters.push(p);
            }
        }
        let rate = |p: u64, s: f64| {
            if s > 0.0 {
                format!("{:.0}", p as f64 / s)
            } else {
                "-".into()
            }
        };
        println!(
            "| {ex} | {usable} / {readable} | {un_usable} / {un} | {} | {} | {} | {right_count} / {readable} | {refused} | {broken} |",
            if paras.is_empty() {
                "-".into()
            } else {
                format!(
                    "{:.0}% / {:.0}%",
                    paras.iter().sum::<f64>() / paras.len() as f64 * 100.0,
                    paras_letters.iter().sum::<f64>() / paras_letters.len() as f64 * 100.0
                )
            },
            rate(pages, secs),
            rate(un_pages, un_secs),
        );
    }
    Ok(())
}
