//! Sync benchmarks, numbers compared in the same run (never pass/fail):
//!
//! ```sh
//! cargo bench -p plenary-cli --bench sync            # 1,000 files, ~500 MB
//! SYNC_BENCH_FILES=200 SYNC_BENCH_MB=100 cargo bench -p plenary-cli --bench sync
//! SYNC_BENCH_ROUNDS=5 SYNC_BENCH_PARALLEL=8 cargo bench -p plenary-cli --bench sync
//! SYNC_BENCH_HOLD=1 cargo bench -p plenary-cli --bench sync  # publish, then serve (to profile)
//! SYNC_BENCH_BASELINE=/tmp/plenary-old cargo bench -p plenary-cli --bench sync  # before/after
//! ```
//!
//! Needs `curl` and GNU `time` (`/usr/bin/time`; apt packages `curl` and `time`),
//! and room in the temporary folder: every round's files stay until the end
//! (about 1 GB per client per round).
//! Publishes random files through the real server's HTTP API on loopback, then,
//! `SYNC_BENCH_ROUNDS` times (default 3; medians are reported, and each round's ratio):
//! 1. first sync with the real `plenary sync --parallel N` binary vs `curl
//!    --parallel --parallel-max N` (N = `SYNC_BENCH_PARALLEL`, default 6)
//!    writing the same files from the same server to disk (`-o`); target ≥ 0.9
//!    of curl's throughput, with the sync's peak RSS (target < 100 MB);
//! 2. the same with ten times larger files, as an incremental sync of the same
//!    cache (peak RSS must not grow);
//!
//! and on the first sync a reference client (`reference`, this bench run as a
//! child process: the least a client that checks SHA-256 can do) with its
//! files never fsynced, each fsynced, or all synced at the end: what this
//! machine allows a verifying client, beside what plenary does;
//!
//! with the CPU time of each client and of the server (this process) meanwhile,
//! to tell a slow client from a busy machine, and the time until curl's files
//! are on disk too (curl, then `sync -f`), and how fast this disk writes the
//! same bytes durably at best (one file, one fsync): curl never waits for the
//! disk, so where the network outruns the disk no client that makes every
//! file durable, as plenary does, can match it. Then, once:
//! 3. a no-op sync (one request, target < 50 ms);
//! 4. a staff upload (2 MB) until it is in a connected LiveSync client's cache
//!    (target < 1 s).
//!
//! Each timed download run starts with an emptied page cache (as root; see
//! `drop_page_cache`).
//!
//! curl does not fsync; plenary makes every file durable before it counts it
//! as stored (and checks its hash), so the comparison is not flattering to
//! plenary. Each timed run starts after a `sync(1)`, so that neither pays
//! for writing back what the run before it left in the page cache, and once
//! the disk is quiet again (a 16 MB fsynced write at 70% of its speed at the
//! start; the waits are printed): a virtual disk goes on absorbing a flushed
//! 500 MB for seconds, which only a client that waits for the disk would
//! pay. curl runs first in even rounds, the clients first in odd ones.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plenary_core::Cache;
use plenary_core::model::*;
use plenary_core::sync::{LiveSync, Meetings, SyncClient, SyncOptions};
use plenary_server::store::Role;
use plenary_server::{AppState, Config};
use rand::{RngCore, SeedableRng};
use time::macros::date;

const PLENARY: &str = env!("CARGO_BIN_EXE_plenary");

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Published {
    shas: Vec<Sha256>,
    bytes: u64,
}

/// Publishes `count` random "PDF" files of `size` bytes in meeting `m`, over HTTP.
async fn publish(
    http: &reqwest::Client,
    url: &str,
    staff: &str,
    m: &str,
    count: usize,
    size: usize,
    seed: u64,
) -> Published {
    use futures_util::StreamExt;
    let mid: MeetingId = m.parse().unwrap();
    let mut records = vec![Record::Meeting(Meeting {
        id: mid.clone(),
        title: format!("Benchmark meeting {m}"),
        body: "Benchmark".into(),
        venue: "Loopback".into(),
        city: "Geneva".into(),
        starts_on: date!(2024 - 09 - 10),
        ends_on: date!(2024 - 09 - 13),
        symbol_prefix: None,
    })];
    let docs = count.div_ceil(6);
    for d in 0..docs {
        records.push(Record::Document(Document {
            id: format!("{m}-d{d}").parse().unwrap(),
            meeting_id: mid.clone(),
            symbol: None,
            title: format!("Document {d}"),
            kind: DocumentKind::WorkingPaper,
            agenda_item_id: None,
        }));
    }
    let uploads = futures_util::stream::iter(0..count)
        .map(|i| async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed * 1_000_003 + i as u64);
            let mut bytes = vec![0u8; size];
            rng.fill_bytes(&mut bytes);
            bytes[..5].copy_from_slice(b"%PDF-");
            let sha = Sha256::of(&bytes);
            let resp = http
                .put(format!("{url}/v1/files/{sha}"))
                .bearer_auth(staff)
                .header("content-type", "application/pdf")
                .body(bytes)
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success(), "upload: {}", resp.status());
            (i, sha)
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    let mut shas = vec![Sha256::of(b""); count];
    for (i, sha) in uploads {
        shas[i] = sha;
        let language = Language::ALL[i % 6];
        records.push(Record::Version(Version {
            id: format!("{m}-d{}-{language}", i / 6).parse().unwrap(),
            document_id: format!("{m}-d{}", i / 6).parse().unwrap(),
            language,
            revision: 0,
            label: "Original".into(),
            published_at: time::OffsetDateTime::now_utc(),
            sha256: sha,
            size: size as u64,
            media_type: MediaType::Pdf,
            file_name: format!("{m}-{i}.pdf"),
        }));
    }
    let resp = http
        .post(format!("{url}/v1/records"))
        .bearer_auth(staff)
        .json(&records)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "records: {}", resp.status());
    Published {
        shas,
        bytes: (count * size) as u64,
    }
}

/// What one client process cost.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// Wall-clock seconds.
    secs: f64,
    /// Peak resident set size, MB.
    rss_mb: f64,
    /// User + system CPU seconds of the client process.
    cpu: f64,
    /// CPU seconds of this process (the server) meanwhile.
    server_cpu: f64,
    /// Seconds waited, before the run, for the disk to settle.
    settled: f64,
}

/// User + system CPU seconds of this process so far (the server runs in it).
fn own_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 Hz.
    (ticks(11) + ticks(12)) / 100.0
}

/// How fast this disk makes a small write durable when it is quiet: the
/// bench waits, before each timed run, until it is that fast again.
///
/// A virtual disk keeps absorbing what the run before wrote (curl's 500 MB
/// are flushed by `sync` just before the next client starts) for seconds
/// after the guest sees it written: the next client that fsyncs would pay
/// for that backlog, and curl, which never waits for the disk, would not.
#[derive(Debug, Clone)]
struct Disk {
    probe: std::path::PathBuf,
    quiet_mb_s: f64,
}

const PROBE_BYTES: usize = 16 << 20;

impl Disk {
    fn measure(dir: &Path) -> Disk {
        let probe = dir.join("disk-probe");
        // The median of five: the fastest probe can be an outlier that a
        // quiet disk then rarely matches again (every run waited the full 30 s).
        let quiet_mb_s = median((0..5).map(|_| probe_rate(&probe)).collect());
        Disk { probe, quiet_mb_s }
    }

    /// Waits (at most 30 s) until a probe write is at least 70% as fast as
    /// when the disk was quiet; returns the seconds waited.
    fn settle(&self) -> f64 {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if probe_rate(&self.probe) >= 0.7 * self.quiet_mb_s {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        started.elapsed().as_secs_f64()
    }
}

/// MB/s of writing PROBE_BYTES over one file (the same inode every time:
/// nothing is deleted) and fsyncing it.
fn probe_rate(path: &Path) -> f64 {
    PROBE_BYTES as f64 / 1e6 / durable_write_secs(path, PROBE_BYTES as u64)
}

/// Empties the page cache of clean pages (root only; otherwise nothing).
///
/// Every round adds about 2 GB of downloaded files to the page cache (none
/// is deleted until the end), and on a virtual machine whose memory the
/// host reclaims, writing into new page-cache pages then gets several times
/// slower (seen here: `copy_folio_from_iter_atomic` from 4% to 56% of the
/// samples, curl's CPU from 0.35 s to 3.4 s): that favours the client that
/// recycles its pages (plenary drops each file's pages once written back),
/// and the later rounds measured another machine than the first.
fn drop_page_cache() -> bool {
    std::fs::write("/proc/sys/vm/drop_caches", "1").is_ok()
}

/// Runs a command under GNU time, once the disk is quiet.
fn timed(cmd: Command, disk: &Disk, empty_page_cache: bool) -> Run {
    let mut full = Command::new("/usr/bin/time");
    full.arg("-v").arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            full.env(k, v);
        }
    }
    // Neither client pays for writing back what an earlier run left dirty
    // (curl never fsyncs: its files reach the disk after it exits).
    let _ = Command::new("sync").status();
    // Each download run starts with the page cache as empty as the first
    // round's (as root; see `drop_page_cache`).
    if empty_page_cache {
        drop_page_cache();
    }
    let settled = disk.settle();
    let server_before = own_cpu();
    let started = Instant::now();
    let out = full.output().expect("/usr/bin/time (apt install time)");
    let secs = started.elapsed().as_secs_f64();
    let server_cpu = own_cpu() - server_before;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{:?} failed:\n{}\n{stderr}",
        cmd,
        String::from_utf8_lossy(&out.stdout)
    );
    let field = |name: &str| -> f64 {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(f64::NAN)
    };
    Run {
        secs,
        rss_mb: field("Maximum resident set size (kbytes): ") / 1024.0,
        cpu: field("User time (seconds): ") + field("System time (seconds): "),
        server_cpu,
        settled,
    }
}

/// One round of a comparison: curl, this plenary, and maybe a baseline one.
#[derive(Debug, Clone)]
struct Round {
    curl: Run,
    /// curl's time plus a syncfs of the file system it wrote to.
    curl_durable: f64,
    sync: Run,
    base: Option<Run>,
    /// The reference client, each of [`reference::Durable::ALL`] (first sync only).
    reference: Option<Vec<Run>>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn sync_cmd(bin: &str, cache: &Path, url: &str, parallel: usize) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--cache-dir")
        .arg(cache)
        .args(["--json", "sync", "--server", url, "--parallel"])
        .arg(parallel.to_string());
    cmd
}

fn curl_cmd(dir: &Path, url: &str, shas: &[Sha256], parallel: usize) -> Command {
    std::fs::create_dir_all(dir).unwrap();
    let config = dir.join("curl.conf");
    let mut text = String::new();
    for sha in shas {
        text.push_str(&format!(
            "url = \"{url}/v1/files/{sha}\"\noutput = \"{}\"\n",
            dir.join(sha.to_hex()).display()
        ));
    }
    std::fs::write(&config, text).unwrap();
    let mut cmd = Command::new("curl");
    cmd.args(["--parallel", "--parallel-max"])
        .arg(parallel.to_string())
        .args(["-s", "-f", "-K"])
        .arg(config);
    cmd
}

/// Seconds to write `bytes` to one new file in `dir` and fsync it: what
/// the disk allows a client that makes its files durable.
fn disk_floor(dir: &Path, bytes: u64) -> f64 {
    let _ = Command::new("sync").status();
    durable_write_secs(
        &dir.join(format!("disk-floor-{}", rand::random::<u32>())),
        bytes,
    )
}

/// Seconds to write `bytes` to `path` (created or truncated) and fsync it.
fn durable_write_secs(path: &Path, bytes: u64) -> f64 {
    use std::io::Write;
    // Random bytes (at most 64 MB, written over and over), not zeros a disk might compress.
    let mut data = vec![0u8; bytes.min(64 << 20) as usize];
    rand::rng().fill_bytes(&mut data);
    let started = Instant::now();
    let mut file = std::fs::File::create(path).unwrap();
    let mut left = bytes;
    for chunk in data.chunks(1 << 20).cycle() {
        if left == 0 {
            break;
        }
        let n = left.min(chunk.len() as u64) as usize;
        file.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
    file.sync_all().unwrap();
    started.elapsed().as_secs_f64()
}

/// Seconds of one core to SHA-256 `bytes` (the best of three, hashed 1 MB
/// at a time), as every client that verifies what it fetches must.
fn sha256_secs(bytes: u64) -> f64 {
    let mut data = vec![0u8; 1 << 20];
    rand::rng().fill_bytes(&mut data);
    (0..3)
        .map(|_| {
            let started = Instant::now();
            let mut left = bytes;
            while left > 0 {
                let n = left.min(data.len() as u64) as usize;
                std::hint::black_box(Sha256::of(&data[..n]));
                left -= n as u64;
            }
            started.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

fn du(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let meta = e.metadata().unwrap();
            total += if meta.is_dir() {
                du(&e.path())
            } else {
                meta.len()
            };
        }
    }
    total
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists; there is nothing to test here
    }
    if let Ok(spec) = std::env::var(REFERENCE_ENV) {
        return reference::main(&spec);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let files = env_num("SYNC_BENCH_FILES", 1000);
    let total_mb = env_num("SYNC_BENCH_MB", 500);
    let size = total_mb * 1_000_000 / files;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("server");
    std::fs::create_dir_all(&data).unwrap();
    // The server in this process (its own threads), the clients in child processes.
    let state = AppState::open(Config::new(&data)).await.unwrap();
    let (_, staff) = state
        .store
        .create_token(Role::Staff, "bench", None)
        .await
        .unwrap();
    let server = plenary_server::serve(state.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = format!("http://{}", server.addr);
    let http = reqwest::Client::new();

    let rounds = env_num("SYNC_BENCH_ROUNDS", 3).max(1);
    let parallel = env_num("SYNC_BENCH_PARALLEL", 6).max(1);
    let big_files = (files / 10).max(1);
    println!(
        "sync-bench: publishing {files} files of {size} bytes and {big_files} of {} bytes over HTTP to {url} ...",
        size * 10
    );
    let t = Instant::now();
    let small = publish(&http, &url, &staff, "bench-small", files, size, 1).await;
    let big = publish(&http, &url, &staff, "bench-big", big_files, size * 10, 2).await;
    println!("  published in {:.1} s", t.elapsed().as_secs_f64());
    if std::env::var_os("SYNC_BENCH_HOLD").is_some() {
        // For profiling: the server stays up with the files published.
        let curl = curl_cmd(&root.path().join("curl-hold"), &url, &small.shas, parallel);
        println!("holding the server at {url} until killed; for example:");
        println!("  {:?}", curl);
        println!(
            "  {PLENARY} --cache-dir /tmp/bench-cache settings meetings bench-small && {:?}",
            sync_cmd(PLENARY, Path::new("/tmp/bench-cache"), &url, parallel)
        );
        tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
    }

    // 1. First sync vs curl, same URLs, same server, same number of connections;
    // 2. larger files (peak RSS must not grow with file size), incremental.
    // Each round: curl, then a fresh cache that keeps only the small meeting's
    // files; then curl and the same cache with the big meeting kept too. With
    // SYNC_BENCH_BASELINE (another `plenary` binary), that one too, in its
    // own cache, before or after this one in turn.
    let baseline = std::env::var("SYNC_BENCH_BASELINE").ok();
    let disk_before = disk_floor(root.path(), small.bytes);
    println!(
        "  page cache emptied before each timed run: {}",
        if drop_page_cache() {
            "yes"
        } else {
            "no (not root)"
        }
    );
    let disk = Disk::measure(root.path());
    let run_blocking = |cmd: Command, empty_page_cache: bool| {
        let disk = disk.clone();
        tokio::task::spawn_blocking(move || timed(cmd, &disk, empty_page_cache))
    };
    let cache1 = root.path().join("cache1");
    let mut first: Vec<Round> = Vec::new();
    let mut incremental: Vec<Round> = Vec::new();
    for round in 0..rounds {
        let mut clients = vec![(
            PLENARY.to_owned(),
            root.path().join(format!("cache-{round}")),
        )];
        if let Some(bin) = &baseline {
            let base = (bin.clone(), root.path().join(format!("base-{round}")));
            if round % 2 == 0 {
                clients.insert(0, base);
            } else {
                clients.push(base);
            }
        }
        for (_, dir) in &clients {
            Cache::open(dir)
                .unwrap()
                .set_keep_meetings(&Meetings::Only(vec!["bench-small".parse().unwrap()]))
                .unwrap();
        }
        for (phase, (published, runs)) in [(&small, &mut first), (&big, &mut incremental)]
            .into_iter()
            .enumerate()
        {
            // Nothing is deleted until the end: on a file system without a
            // journal (ext4 here), creating files right after deleting
            // thousands costs more (inodes deleted in the last minute are
            // skipped one by one), which would tax whichever client came next.
            // curl first in even rounds, the clients first in odd ones, so
            // that neither always follows the other's writes.
            let curl_dir = root.path().join(format!("curl-{round}-{phase}"));
            let run_curl = || async {
                let curl = run_blocking(curl_cmd(&curl_dir, &url, &published.shas, parallel), true)
                    .await
                    .unwrap();
                // Until curl's files are on disk too (syncfs: the whole file system).
                let t = Instant::now();
                let _ = Command::new("sync").arg("-f").arg(&curl_dir).status();
                let curl_durable = curl.secs + t.elapsed().as_secs_f64();
                let conf = std::fs::metadata(curl_dir.join("curl.conf")).unwrap().len();
                assert_eq!(
                    du(&curl_dir) - conf,
                    published.bytes,
                    "curl fetched every file"
                );
                (curl, curl_durable)
            };
            let run_clients = || async {
                let (mut sync, mut base) = (None, None);
                for (bin, dir) in &clients {
                    let run = run_blocking(sync_cmd(bin, dir, &url, parallel), true)
                        .await
                        .unwrap();
                    if bin == PLENARY {
                        sync = Some(run);
                    } else {
                        base = Some(run);
                    }
                    Cache::open(dir)
                        .unwrap()
                        .set_keep_meetings(&Meetings::All)
                        .unwrap();
                }
                (sync, base)
            };
            // The reference client, on the first sync only: what this
            // machine allows a client that checks SHA-256.
            let run_reference = || async {
                if phase > 0 {
                    return None;
                }
                let mut runs = Vec::new();
                for durable in reference::Durable::ALL {
                    let dir = root.path().join(format!("reference-{round}-{durable:?}"));
                    let cmd = reference::command(&url, &published.shas, &dir, parallel, durable);
                    runs.push(run_blocking(cmd, true).await.unwrap());
                    assert_eq!(
                        du(&dir),
                        published.bytes,
                        "the reference client fetched every file"
                    );
                }
                Some(runs)
            };
            let ((curl, curl_durable), (sync, base), reference) = if round % 2 == 0 {
                let c = run_curl().await;
                let p = run_clients().await;
                (c, p, run_reference().await)
            } else {
                let r = run_reference().await;
                let p = run_clients().await;
                (run_curl().await, p, r)
            };
            runs.push(Round {
                curl,
                curl_durable,
                sync: sync.unwrap(),
                base,
                reference,
            });
        }
        if round + 1 == rounds {
            std::fs::rename(
                &clients.iter().find(|(b, _)| b == PLENARY).unwrap().1,
                &cache1,
            )
            .unwrap();
        }
    }
    let sha_s = sha256_secs(small.bytes);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let report = |what: String, mb: f64, runs: &[Round]| {
        let med = |f: &dyn Fn(&Round) -> f64| median(runs.iter().map(f).collect());
        let each = |f: &dyn Fn(&Round) -> f64| {
            runs.iter()
                .map(|r| format!("{:.2}", f(r)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let curl_s = med(&|r| r.curl.secs);
        let sync_s = med(&|r| r.sync.secs);
        println!(
            "{what}, {mb:.0} MB, median of {} rounds: curl --parallel-max {parallel} {curl_s:.2} s ({:.0} MB/s; {:.2} s until its files are on disk too)",
            runs.len(),
            mb / curl_s,
            med(&|r| r.curl_durable),
        );
        println!(
            "  plenary sync --parallel {parallel}: {sync_s:.2} s ({:.0} MB/s), throughput ratio to curl {:.2} (target >= 0.9; each round {})",
            mb / sync_s,
            curl_s / sync_s,
            each(&|r| r.curl.secs / r.sync.secs)
        );
        if runs.iter().all(|r| r.base.is_some()) {
            let base = |r: &Round| r.base.expect("checked above");
            let base_s = med(&|r| base(r).secs);
            println!(
                "  baseline {}: {base_s:.2} s ({:.0} MB/s), throughput ratio to curl {:.2} (each round {}); peak RSS {:.1} MB, CPU {:.2} s",
                baseline.as_deref().unwrap_or_default(),
                mb / base_s,
                curl_s / base_s,
                each(&|r| r.curl.secs / base(r).secs),
                med(&|r| base(r).rss_mb),
                med(&|r| base(r).cpu),
            );
        }
        if runs.iter().all(|r| r.reference.is_some()) {
            println!(
                "  reference client (this bench: a thread per connection, blocking sockets, SHA-256 checked, nothing else), what this machine allows a verifying client:"
            );
            for (i, durable) in reference::Durable::ALL.iter().enumerate() {
                let run = |r: &Round| r.reference.as_ref().expect("checked above")[i];
                let secs = med(&|r| run(r).secs);
                println!(
                    "    {}: {secs:.2} s, ratio to curl {:.2} (each round {}), CPU {:.2} s",
                    durable.describe(),
                    curl_s / secs,
                    each(&|r| r.curl.secs / run(r).secs),
                    med(&|r| run(r).cpu),
                );
            }
        }
        // The CPU time of curl's run (client and server) plus the hashing
        // every verifying client adds, spread over every core at best.
        let curl_run_cpu = med(&|r| r.curl.cpu + r.curl.server_cpu);
        let hashing = sha_s * mb * 1e6 / small.bytes as f64;
        let floor_s = (curl_run_cpu + hashing) / cores as f64;
        println!(
            "  CPU bound: curl's run used {curl_run_cpu:.2} s of CPU (client and server), SHA-256 of {mb:.0} MB takes {hashing:.2} s here; on {cores} cores a client that checks SHA-256 and does nothing else beyond curl's work needs at least {floor_s:.2} s: ratio at most {:.2} (plenary used {:.2} s of CPU, curl {:.2})",
            curl_s / floor_s.max(curl_s),
            med(&|r| r.sync.cpu),
            med(&|r| r.curl.cpu),
        );
        let waits: Vec<f64> = runs
            .iter()
            .flat_map(|r| [r.curl.settled, r.sync.settled])
            .collect();
        println!(
            "  waited for the disk to settle before each run: median {:.1} s, longest {:.1} s",
            median(waits.clone()),
            waits.iter().copied().fold(0.0, f64::max),
        );
        println!(
            "  peak RSS plenary {:.1} MB, curl {:.1} MB; CPU s plenary {:.2}, curl {:.2}; server CPU s during plenary {:.2}, during curl {:.2}",
            med(&|r| r.sync.rss_mb),
            med(&|r| r.curl.rss_mb),
            med(&|r| r.sync.cpu),
            med(&|r| r.curl.cpu),
            med(&|r| r.sync.server_cpu),
            med(&|r| r.curl.server_cpu),
        );
    };
    let disk_after = disk_floor(root.path(), small.bytes);
    println!(
        "a quiet disk makes {} MB durable at {:.0} MB/s; before each timed run the bench waits (up to 30 s) until it does so at 70% of that again",
        PROBE_BYTES >> 20,
        disk.quiet_mb_s,
    );
    println!(
        "this disk writes {:.0} MB durably (one file, one fsync) in {disk_before:.2} s before the rounds and {disk_after:.2} s after ({:.0} and {:.0} MB/s): no client that fsyncs what it stores can be faster",
        small.bytes as f64 / 1e6,
        small.bytes as f64 / 1e6 / disk_before,
        small.bytes as f64 / 1e6 / disk_after,
    );
    report(
        format!("first sync, {files} files of {:.1} MB", size as f64 / 1e6),
        small.bytes as f64 / 1e6,
        &first,
    );
    report(
        format!(
            "incremental sync, {big_files} files of {:.1} MB (peak RSS must not grow)",
            size as f64 * 10.0 / 1e6
        ),
        big.bytes as f64 / 1e6,
        &incremental,
    );

    // 3. A no-op sync: one feed request, nothing to fetch.
    let cache = Arc::new(Mutex::new(Cache::open(&cache1).unwrap()));
    let client = SyncClient::new(&url, None).unwrap();
    let options = SyncOptions::default();
    let mut best = f64::MAX;
    for _ in 0..10 {
        let t = Instant::now();
        let report = client.sync(&cache, &options).await.unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        assert_eq!((report.pages, report.files_fetched), (1, 0), "{report:?}");
    }
    // With the page cache as it is: the app syncs while it runs.
    let noop_process_s = run_blocking(sync_cmd(PLENARY, &cache1, &url, parallel), false)
        .await
        .unwrap()
        .secs;
    println!(
        "no-op sync: {:.1} ms in process (best of 10; target < 50 ms), {:.1} ms as a `plenary sync` process",
        best * 1e3,
        noop_process_s * 1e3
    );

    // 4. Staff upload -> in a connected LiveSync client's cache.
    let live = LiveSync::start(client.clone(), cache.clone(), options.clone());
    let mut status = live.status();
    let head = state.store.head().await.unwrap();
    tokio::time::timeout(
        Duration::from_secs(60),
        status.wait_for(|s| s.cursor == head && !s.syncing),
    )
    .await
    .unwrap()
    .unwrap();
    let mut latencies = Vec::new();
    for n in 0..5u8 {
        let mut bytes = vec![0u8; 2_000_000];
        rand::rngs::StdRng::seed_from_u64(99 + n as u64).fill_bytes(&mut bytes);
        bytes[..5].copy_from_slice(b"%PDF-");
        let sha = Sha256::of(&bytes);
        let form = reqwest::multipart::Form::new()
            .text("language", "fr")
            .text("label", format!("Rev.{}", n + 1))
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name("rev.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        let t = Instant::now();
        let resp = http
            .post(format!("{url}/v1/documents/bench-small-d0/versions"))
            .bearer_auth(&staff)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "upload: {}", resp.status());
        let path = cache.lock().unwrap().blobs().path_of(&sha);
        while !path.is_file() {
            assert!(t.elapsed() < Duration::from_secs(30), "never arrived");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        latencies.push(t.elapsed().as_secs_f64());
    }
    live.stop().await;
    latencies.sort_by(f64::total_cmp);
    println!(
        "staff upload (2 MB) to a LiveSync client's cache: median {:.0} ms, worst {:.0} ms of 5 (target < 1 s)",
        latencies[2] * 1e3,
        latencies[4] * 1e3
    );
    server.shutdown().await.ok();
}

/// Set (to the reference client's arguments) when this bench runs as the reference client.
const REFERENCE_ENV: &str = "SYNC_BENCH_REFERENCE";

/// The reference client: about the least a client that checks every file's
/// SHA-256 can do (a thread per connection, blocking sockets, HTTP/1.1 by
/// hand, one reused buffer per connection, nothing else), run as a child
/// process of this bench beside curl and plenary. It tells what this
/// machine allows such a client from what plenary's own work costs: the
/// first sync's target is 0.9 of curl, which never checks nor fsyncs.
/// Written by hand because it is a measuring stick, not a client: it
/// speaks only to this bench's server (Content-Length bodies, no TLS).
mod reference {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex, mpsc};

    use plenary_core::model::Sha256;

    /// Threads that fsync and rename verified files, off the connections' threads.
    const PLACERS: usize = 4;

    /// When the reference client's files are made durable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Durable {
        /// Never (as curl): written, not fsynced.
        Never,
        /// Each file fsynced (by [`PLACERS`]) and renamed into place before it
        /// counts, as plenary does.
        EachFile,
        /// Each file's writeback started as soon as it is written
        /// (`fadvise`), then one `syncfs` at the end: the cheapest
        /// durability there is (a crash loses the whole run's files).
        AtTheEnd,
    }

    impl Durable {
        pub const ALL: [Durable; 3] = [Durable::Never, Durable::EachFile, Durable::AtTheEnd];

        pub fn describe(self) -> &'static str {
            match self {
                Durable::Never => "files not fsynced (as curl)",
                Durable::EachFile => "each file fsynced before it counts (as plenary)",
                Durable::AtTheEnd => "writeback started per file, one syncfs at the end",
            }
        }
    }

    /// The command that runs the reference client: this bench again, with
    /// its arguments in the environment (the shas in a file).
    pub fn command(
        url: &str,
        shas: &[Sha256],
        dir: &Path,
        parallel: usize,
        durable: Durable,
    ) -> Command {
        std::fs::create_dir_all(dir).unwrap();
        let list = dir.with_extension("list");
        let hex: Vec<String> = shas.iter().map(|s| s.to_hex()).collect();
        std::fs::write(&list, hex.join("\n")).unwrap();
        let addr = url.trim_start_matches("http://");
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.env(
            super::REFERENCE_ENV,
            format!(
                "{addr}|{}|{}|{parallel}|{durable:?}",
                list.display(),
                dir.display()
            ),
        );
        cmd
    }

    pub fn main(spec: &str) {
        let parts: Vec<&str> = spec.split('|').collect();
        let [addr, list, dir, parallel, durable] = parts[..] else {
            panic!(
                "{} should be addr|list|dir|parallel|durable, not {spec:?}",
                super::REFERENCE_ENV
            );
        };
        let shas: Arc<Vec<Sha256>> = Arc::new(
            std::fs::read_to_string(list)
                .unwrap()
                .lines()
                .map(|l| l.parse().unwrap())
                .collect(),
        );
        let dir = PathBuf::from(dir);
        let durable = *Durable::ALL
            .iter()
            .find(|d| format!("{d:?}") == durable)
            .expect("a Durable");
        let next = Arc::new(AtomicUsize::new(0));
        let (placing, placed) = mpsc::channel::<(std::fs::File, PathBuf)>();
        let placed = Arc::new(Mutex::new(placed));
        let placers: Vec<_> = (0..if durable == Durable::EachFile {
            PLACERS
        } else {
            0
        })
            .map(|_| {
                let placed = placed.clone();
                std::thread::spawn(move || {
                    loop {
                        let next = placed.lock().unwrap().recv();
                        let Ok((file, part)) = next else { return };
                        file.sync_all().unwrap();
                        std::fs::rename(&part, part.with_extension("")).unwrap();
                    }
                })
            })
            .collect();
        let connections: Vec<_> = (0..parallel.parse::<usize>().unwrap())
            .map(|_| {
                let (shas, next, dir, addr, placing) = (
                    shas.clone(),
                    next.clone(),
                    dir.clone(),
                    addr.to_owned(),
                    placing.clone(),
                );
                std::thread::spawn(move || {
                    let stream = TcpStream::connect(&addr).unwrap();
                    stream.set_nodelay(true).unwrap();
                    let mut requests = stream.try_clone().unwrap();
                    let mut answers = BufReader::with_capacity(256 * 1024, stream);
                    let mut body = Vec::new();
                    let mut line = String::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(sha) = shas.get(i) else { return };
                        write!(
                            requests,
                            "GET /v1/files/{sha} HTTP/1.1\r\nHost: {addr}\r\n\r\n"
                        )
                        .unwrap();
                        let mut length = None;
                        line.clear();
                        answers.read_line(&mut line).unwrap();
                        assert!(line.starts_with("HTTP/1.1 200"), "GET {sha}: {line}");
                        loop {
                            line.clear();
                            answers.read_line(&mut line).unwrap();
                            if line == "\r\n" {
                                break;
                            }
                            if let Some((k, v)) = line.split_once(':')
                                && k.eq_ignore_ascii_case("content-length")
                            {
                                length = v.trim().parse::<usize>().ok();
                            }
                        }
                        body.resize(length.expect("a Content-Length"), 0);
                        answers.read_exact(&mut body).unwrap();
                        assert_eq!(Sha256::of(&body), *sha, "the bytes of {sha}");
                        let path = dir.join(sha.to_hex());
                        match durable {
                            Durable::Never => std::fs::write(&path, &body).unwrap(),
                            Durable::EachFile => {
                                let part = path.with_extension("part");
                                let mut file = std::fs::File::create(&part).unwrap();
                                file.write_all(&body).unwrap();
                                placing.send((file, part)).unwrap();
                            }
                            Durable::AtTheEnd => {
                                let mut file = std::fs::File::create(&path).unwrap();
                                file.write_all(&body).unwrap();
                                start_writeback(&file);
                            }
                        }
                    }
                })
            })
            .collect();
        drop(placing);
        for c in connections {
            c.join().unwrap();
        }
        for p in placers {
            p.join().unwrap();
        }
        if durable == Durable::AtTheEnd {
            sync_file_system(&dir);
        }
    }

    #[cfg(target_os = "linux")]
    fn start_writeback(file: &std::fs::File) {
        let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
    }

    #[cfg(target_os = "linux")]
    fn sync_file_system(dir: &Path) {
        rustix::fs::syncfs(std::fs::File::open(dir).unwrap()).unwrap();
    }

    #[cfg(not(target_os = "linux"))]
    fn start_writeback(_file: &std::fs::File) {}

    /// Elsewhere: each file, at the end.
    #[cfg(not(target_os = "linux"))]
    fn sync_file_system(dir: &Path) {
        for entry in std::fs::read_dir(dir).unwrap() {
            std::fs::File::open(entry.unwrap().path())
                .unwrap()
                .sync_all()
                .unwrap();
        }
    }
}
