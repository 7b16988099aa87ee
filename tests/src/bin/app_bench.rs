//! app-bench: how Plenary's desktop app compares with a bare Tauri 2 window.
//!
//! ```text
//! cargo run -p plenary-e2e --bin app-bench --release -- --runs 5
//! ```
//!
//! Starts one Xvfb, builds (unless `--no-build`) and then, for each run,
//! spawns directly (no WebDriver, which would add its own processes):
//! 1. the bare window (tests/bare-window) until `PLENARY_MARK page-loaded`,
//!    then its memory once settled;
//! 2. plenary-app on a seeded demo cache until `PLENARY_MARK meetings-visible`:
//!    the cold start (wall time from spawn, and the app's own figure);
//! 3. plenary-app with `--route /meetings/<demo meeting>` until
//!    `meeting-visible`, then its memory once settled.
//!
//! 4. on a machine with no GPU render node (where plenary-app turns WebKit's
//!    compositing off, see src-tauri/src/rendering.rs), the bare window again
//!    with the same setting, for a like-for-like ratio beside the issue's
//!    (the bare window as Tauri makes it).
//!
//! Memory is the PSS of the whole process tree (the app and its WebKit
//! processes), from /proc/<pid>/smaps_rollup. Prints a table against the
//! targets and writes target/bench/app.json. A benchmark, not a test: it
//! reports misses but does not fail on them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use plenary_demo::facts;
use plenary_e2e::memory::tree_pss_kib;
use plenary_e2e::process::GroupChild;
use plenary_e2e::{Display, paths, tail};
use serde::Serialize;

/// Targets from the issue.
const COLD_START_TARGET_MS: f64 = 1000.0;
const MEMORY_RATIO_TARGET: f64 = 1.3;

/// How long a window may take to show its mark (a loaded CI machine is slow).
const MARK_TIMEOUT: Duration = Duration::from_secs(60);
/// PSS sampling: every `SAMPLE_EVERY`, settled once `SETTLE_SAMPLES` in a row
/// lie within `SETTLE_TOLERANCE` of each other, at most `SETTLE_TIMEOUT`.
const SAMPLE_EVERY: Duration = Duration::from_millis(250);
const SETTLE_SAMPLES: usize = 6;
const SETTLE_TOLERANCE: f64 = 0.01;
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

struct Options {
    runs: usize,
    build: bool,
    json: Option<PathBuf>,
}

fn parse_args() -> Result<Options> {
    let mut options = Options {
        runs: 5,
        build: true,
        json: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                let value = args.next().context("--runs needs a number")?;
                options.runs = value
                    .parse()
                    .with_context(|| format!("--runs {value}: not a number"))?;
                if options.runs == 0 {
                    bail!("--runs must be at least 1");
                }
            }
            "--no-build" => options.build = false,
            "--json" => options.json = Some(args.next().context("--json needs a path")?.into()),
            "-h" | "--help" => {
                println!(
                    "usage: app-bench [--runs N] [--no-build] [--json PATH]\n\
                     Compares plenary-app with a bare Tauri window (cold start, memory)."
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    Ok(options)
}

fn main() -> Result<()> {
    let options = parse_args()?;
    let profile_dir = paths::profile_dir()?;
    let profile = profile_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "debug".into());
    if options.build {
        build(&profile)?;
    }
    let app = paths::app_binary()?;
    let bare = paths::bare_window_binary()?;

    let out_dir = paths::target_dir()?.join("bench");
    let log_dir = out_dir.join("logs");
    std::fs::create_dir_all(&log_dir).with_context(|| format!("creating {}", log_dir.display()))?;

    let cache = tempfile::Builder::new()
        .prefix("plenary-bench-")
        .tempdir()?;
    plenary_e2e::demo::seed_cache(cache.path())?;
    let cache_arg = cache.path().display().to_string();
    let meeting_route = format!("/meetings/{}", facts::MEETING_ID);

    let display = Display::start(&log_dir.join("xvfb.log"))?;
    // As plenary-app decides (src-tauri/src/rendering.rs): no render node in
    // /dev/dri, no GPU.
    let no_gpu = !std::fs::read_dir("/dev/dri").is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    println!(
        "app-bench: {} run(s), {profile} build, Xvfb on {}, logs in {}",
        options.runs,
        display.name(),
        log_dir.display()
    );

    let mut runs = Vec::new();
    for run in 1..=options.runs {
        let bare_m = measure(
            &display,
            &bare,
            &[],
            &[],
            "page-loaded",
            true,
            &log_dir.join(format!("run{run}-bare.log")),
        )?;
        let cold = measure(
            &display,
            &app,
            &["--cache-dir", &cache_arg],
            &[],
            "meetings-visible",
            false,
            &log_dir.join(format!("run{run}-app-cold.log")),
        )?;
        let meeting = measure(
            &display,
            &app,
            &["--cache-dir", &cache_arg, "--route", &meeting_route],
            &[],
            "meeting-visible",
            true,
            &log_dir.join(format!("run{run}-app-meeting.log")),
        )?;
        let bare_same_policy = if no_gpu {
            Some(measure(
                &display,
                &bare,
                &[],
                &[("WEBKIT_DISABLE_COMPOSITING_MODE", "1")],
                "page-loaded",
                true,
                &log_dir.join(format!("run{run}-bare-no-compositing.log")),
            )?)
        } else {
            None
        };
        println!(
            "run {run}: bare window {} ms, {:.1} MB | plenary cold start {} ms (in-app {} ms) | plenary meeting page {:.1} MB",
            bare_m.wall_ms,
            bare_m.pss_mb(),
            cold.wall_ms,
            cold.mark_ms,
            meeting.pss_mb()
        );
        if let Some(m) = &bare_same_policy {
            println!(
                "       bare window without compositing (plenary's no-GPU setting) {:.1} MB",
                m.pss_mb()
            );
        }
        runs.push(Run {
            bare: bare_m,
            cold,
            meeting,
            bare_same_policy,
        });
    }

    let report = Report::new(&profile, runs);
    report.print();
    let json_path = options.json.unwrap_or_else(|| out_dir.join("app.json"));
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", json_path.display()))?;
    println!("\nwrote {}", json_path.display());
    Ok(())
}

/// Builds both binaries with the profile this benchmark was built with, so a
/// single `cargo run --release` measures release builds of both.
fn build(profile: &str) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", "plenary-app", "-p", "plenary-bare-window"]);
    if profile == "release" {
        cmd.arg("--release");
    }
    println!("app-bench: building plenary-app and plenary-bare-window ({profile})");
    let status = cmd.status().context("running cargo build")?;
    if !status.success() {
        bail!("cargo build failed ({status})");
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct Measurement {
    /// Spawn to the mark line on stdout, as seen by this process.
    wall_ms: u64,
    /// The figure inside the mark line (ms since the app's own start).
    mark_ms: u64,
    /// Settled PSS of the process tree, in KiB (absent when not measured).
    pss_kib: Option<u64>,
    /// Processes in the tree when PSS was read.
    processes: Option<usize>,
    /// Whether PSS settled before the sampling deadline.
    pss_settled: Option<bool>,
}

impl Measurement {
    fn pss_mb(&self) -> f64 {
        self.pss_kib.map_or(f64::NAN, |k| k as f64 / 1024.0)
    }
}

/// Spawns `binary args` on `display` with marks on, waits for `mark`,
/// optionally samples memory until it settles, then kills the process tree.
fn measure(
    display: &Display,
    binary: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    mark: &str,
    memory: bool,
    log: &Path,
) -> Result<Measurement> {
    let log_file =
        std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let mut cmd = Command::new(binary);
    cmd.args(args)
        .env("PLENARY_MARKS", "1")
        .env_remove("PLENARY_CACHE_DIR")
        .env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file);
    display.apply_env(&mut cmd);
    let started = Instant::now();
    let mut child = GroupChild::spawn(binary.display().to_string(), cmd)?;
    let stdout = child
        .child_mut()
        .stdout
        .take()
        .context("stdout was not captured")?;
    let lines = read_lines(stdout);

    let (seen_at, mark_ms) = wait_for_mark(&lines, &mut child, mark, log)?;
    let wall_ms = seen_at.duration_since(started).as_millis() as u64;

    let mut measurement = Measurement {
        wall_ms,
        mark_ms,
        pss_kib: None,
        processes: None,
        pss_settled: None,
    };
    if memory {
        let (pss, processes, settled) = settled_pss(child.id());
        measurement.pss_kib = Some(pss);
        measurement.processes = Some(processes);
        measurement.pss_settled = Some(settled);
    }
    child.kill();
    Ok(measurement)
}

/// Lines of a child's stdout with the moment each arrived (read on a thread
/// so that waiting for one can have a deadline).
fn read_lines(stdout: std::process::ChildStdout) -> Receiver<(Instant, String)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_for_mark(
    lines: &Receiver<(Instant, String)>,
    child: &mut GroupChild,
    mark: &str,
    log: &Path,
) -> Result<(Instant, u64)> {
    let deadline = Instant::now() + MARK_TIMEOUT;
    let prefix = format!("PLENARY_MARK {mark} ");
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left.min(Duration::from_millis(500))) {
            Ok((at, line)) => {
                if let Some(ms) = line.strip_prefix(&prefix) {
                    let ms = ms
                        .trim()
                        .parse()
                        .with_context(|| format!("malformed mark line {line:?}"))?;
                    return Ok((at, ms));
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.exited();
                bail!(
                    "{} closed its stdout (exit status {status:?}) without printing {prefix}…; \
                     end of its log {}:\n{}",
                    child.name(),
                    log.display(),
                    tail(&std::fs::read_to_string(log).unwrap_or_default(), 20)
                );
            }
        }
        if Instant::now() >= deadline {
            bail!(
                "{} did not print {prefix}… within {}s (is PLENARY_MARKS=1 honoured?); \
                 end of its log {}:\n{}",
                child.name(),
                MARK_TIMEOUT.as_secs(),
                log.display(),
                tail(&std::fs::read_to_string(log).unwrap_or_default(), 20)
            );
        }
    }
}

/// Samples the tree's PSS until it stops moving; returns (KiB, processes,
/// settled before the deadline).
fn settled_pss(root: u32) -> (u64, usize, bool) {
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    let mut samples: Vec<u64> = Vec::new();
    loop {
        let (pss, processes) = tree_pss_kib(root);
        samples.push(pss);
        if samples.len() >= SETTLE_SAMPLES {
            let window = &samples[samples.len() - SETTLE_SAMPLES..];
            let (lo, hi) = (
                *window.iter().min().unwrap_or(&0),
                *window.iter().max().unwrap_or(&0),
            );
            if hi > 0 && (hi - lo) as f64 <= hi as f64 * SETTLE_TOLERANCE {
                return (pss, processes, true);
            }
        }
        if Instant::now() >= deadline {
            return (pss, processes, false);
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
}

#[derive(Debug, Serialize)]
struct Run {
    bare: Measurement,
    cold: Measurement,
    meeting: Measurement,
    /// The bare window with compositing off, as plenary-app runs on a
    /// machine without a GPU (absent where there is a GPU).
    bare_same_policy: Option<Measurement>,
}

#[derive(Debug, Serialize)]
struct Stat {
    median: f64,
    max: f64,
}

impl Stat {
    fn of(values: impl IntoIterator<Item = f64>) -> Stat {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let median = match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        };
        Stat {
            median,
            max: v.last().copied().unwrap_or(f64::NAN),
        }
    }
}

#[derive(Debug, Serialize)]
struct Target {
    metric: &'static str,
    target: String,
    measured: f64,
    met: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    profile: String,
    cpus: usize,
    kernel: String,
    runs: Vec<Run>,
    bare_page_loaded_wall_ms: Stat,
    bare_page_loaded_in_app_ms: Stat,
    bare_pss_mb: Stat,
    plenary_cold_start_wall_ms: Stat,
    plenary_cold_start_in_app_ms: Stat,
    plenary_meeting_pss_mb: Stat,
    /// Median plenary PSS / median bare PSS.
    memory_ratio: f64,
    /// The bare window with plenary's no-GPU setting (compositing off).
    bare_same_policy_pss_mb: Option<Stat>,
    /// Median plenary PSS / median PSS of the bare window with the same setting.
    memory_ratio_same_policy: Option<f64>,
    targets: Vec<Target>,
}

impl Report {
    fn new(profile: &str, runs: Vec<Run>) -> Report {
        let stat = |f: &dyn Fn(&Run) -> f64| Stat::of(runs.iter().map(f));
        let bare_pss_mb = stat(&|r| r.bare.pss_mb());
        let plenary_meeting_pss_mb = stat(&|r| r.meeting.pss_mb());
        let plenary_cold_start_wall_ms = stat(&|r| r.cold.wall_ms as f64);
        let memory_ratio = plenary_meeting_pss_mb.median / bare_pss_mb.median;
        let bare_same_policy_pss_mb = runs
            .iter()
            .all(|r| r.bare_same_policy.is_some())
            .then(|| stat(&|r| r.bare_same_policy.as_ref().map_or(f64::NAN, |m| m.pss_mb())));
        let memory_ratio_same_policy = bare_same_policy_pss_mb
            .as_ref()
            .map(|b| plenary_meeting_pss_mb.median / b.median);
        let mut targets = vec![
            Target {
                metric: "cold start (median, spawn to meetings-visible)",
                target: format!("< {COLD_START_TARGET_MS} ms"),
                measured: plenary_cold_start_wall_ms.median,
                met: plenary_cold_start_wall_ms.median < COLD_START_TARGET_MS,
            },
            Target {
                metric: "memory ratio plenary/bare (median PSS)",
                target: format!("<= {MEMORY_RATIO_TARGET}"),
                measured: memory_ratio,
                met: memory_ratio <= MEMORY_RATIO_TARGET,
            },
        ];
        if let Some(ratio) = memory_ratio_same_policy {
            targets.push(Target {
                metric: "memory ratio, bare with the same no-GPU setting",
                target: format!("<= {MEMORY_RATIO_TARGET}"),
                measured: ratio,
                met: ratio <= MEMORY_RATIO_TARGET,
            });
        }
        Report {
            profile: profile.to_string(),
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_string(),
            bare_page_loaded_wall_ms: stat(&|r| r.bare.wall_ms as f64),
            bare_page_loaded_in_app_ms: stat(&|r| r.bare.mark_ms as f64),
            bare_pss_mb,
            plenary_cold_start_wall_ms,
            plenary_cold_start_in_app_ms: stat(&|r| r.cold.mark_ms as f64),
            plenary_meeting_pss_mb,
            memory_ratio,
            bare_same_policy_pss_mb,
            memory_ratio_same_policy,
            targets,
            runs,
        }
    }

    fn print(&self) {
        println!(
            "\n{:<52} {:>10} {:>10}",
            format!(
                "metric ({} runs, {} build, {} CPUs)",
                self.runs.len(),
                self.profile,
                self.cpus
            ),
            "median",
            "max"
        );
        let rows: [(&str, &Stat); 6] = [
            (
                "bare window: spawn to page-loaded (ms)",
                &self.bare_page_loaded_wall_ms,
            ),
            (
                "bare window: page-loaded, in-app (ms)",
                &self.bare_page_loaded_in_app_ms,
            ),
            ("bare window: PSS of process tree (MB)", &self.bare_pss_mb),
            (
                "plenary: cold start, spawn to meetings-visible (ms)",
                &self.plenary_cold_start_wall_ms,
            ),
            (
                "plenary: meetings-visible, in-app (ms)",
                &self.plenary_cold_start_in_app_ms,
            ),
            (
                "plenary: PSS on a meeting page (MB)",
                &self.plenary_meeting_pss_mb,
            ),
        ];
        for (name, stat) in rows {
            println!("{name:<52} {:>10.1} {:>10.1}", stat.median, stat.max);
        }
        if let Some(stat) = &self.bare_same_policy_pss_mb {
            println!(
                "{:<52} {:>10.1} {:>10.1}",
                "bare window, compositing off: PSS (MB)", stat.median, stat.max
            );
        }
        println!(
            "{:<52} {:>10.2}",
            "memory ratio plenary/bare (medians)", self.memory_ratio
        );
        if let Some(ratio) = self.memory_ratio_same_policy {
            println!(
                "{:<52} {:>10.2}",
                "memory ratio plenary/bare with the same setting", ratio
            );
        }
        println!();
        for t in &self.targets {
            println!(
                "target {:<48} {:>8} measured {:>8.2}  {}",
                t.metric,
                t.target,
                t.measured,
                if t.met { "MET" } else { "MISSED" }
            );
        }
    }
}
