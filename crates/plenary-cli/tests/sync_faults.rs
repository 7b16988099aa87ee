//! Sync against the real server through a fault-injecting proxy: cut
//! connections, corrupted bytes, 5xx and 503 with Retry-After, stalls, a
//! server killed and restarted mid-sync, a full disk, a cancelled sync, and
//! the live service following events across a restart. After each: the
//! cache opens, holds no damaged or partial file at a final path, keeps its
//! local rows, and the next sync (often the same one) equals the server.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plenary_core::model::{Language, MediaType, Record, Sha256, Version};
use plenary_core::sync::{
    Connection, Languages, LiveSync, RetryPolicy, SyncClient, SyncControl, SyncError, SyncOptions,
};
use plenary_core::{Cache, ErrorCode};
use support::{Fault, Proxy, Server, assert_equals_server, check_cache_sound, eventually, meeting};

fn options() -> SyncOptions {
    SyncOptions {
        retry: RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(300),
            max_retry_after: Duration::from_secs(2),
        },
        read_timeout: Duration::from_secs(1),
        parallel: 3,
        ..SyncOptions::default()
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    server: Option<Server>,
    proxy: Proxy,
    client: SyncClient,
    cache: Arc<Mutex<Cache>>,
    big: Sha256,
}

impl Setup {
    async fn new(sizes: &[usize]) -> Setup {
        Self::with_cache_dir(sizes, None).await
    }

    async fn with_cache_dir(sizes: &[usize], cache_dir: Option<std::path::PathBuf>) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("server");
        let server = Server::start(&data, "127.0.0.1:0".parse().unwrap());
        let (files, records) = meeting(7, "m1", sizes);
        let big = files
            .iter()
            .max_by_key(|(_, b)| b.len())
            .map(|(_, b)| Sha256::of(b))
            .unwrap();
        server.publish(&files, records).await;
        let proxy = Proxy::start(server.addr).await;
        let client = SyncClient::new(&proxy.url(), None).unwrap();
        let cache_dir = cache_dir.unwrap_or_else(|| dir.path().join("cache"));
        let cache = Arc::new(Mutex::new(Cache::open(&cache_dir).unwrap()));
        Setup {
            _dir: dir,
            server: Some(server),
            proxy,
            client,
            cache,
            big,
        }
    }

    fn server(&self) -> &Server {
        self.server.as_ref().unwrap()
    }

    fn cache_dir(&self) -> std::path::PathBuf {
        self.cache.lock().unwrap().dir().to_owned()
    }

    async fn sync(&self) -> Result<plenary_core::sync::SyncReport, SyncError> {
        self.client.sync(&self.cache, &options()).await
    }

    /// Reopens the cache from disk, checks it, and compares it with the server.
    async fn check_equal(&self) {
        let cache = check_cache_sound(&self.cache_dir());
        assert_equals_server(&cache, &self.server().state).await;
    }

    fn file_requests(&self, sha: &Sha256) -> Vec<String> {
        let path = format!("/v1/files/{sha} ");
        self.proxy
            .log()
            .into_iter()
            .filter(|l| l.contains(&path))
            .collect()
    }
}

/// Prints the proxy's log when a test fails.
struct DumpOnFailure<'a>(&'a Proxy);

impl Drop for DumpOnFailure<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- proxy log ---\n{}\n---", self.0.dump());
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_cut_mid_file_is_resumed_with_a_range_request() {
    let s = Setup::new(&[600_000, 40_000, 30_000]).await;
    let _dump = DumpOnFailure(&s.proxy);
    s.proxy.fault(
        &format!("/v1/files/{}", s.big),
        Fault::Cut { after: 200_000 },
        1,
    );
    let report = s.sync().await.expect("the sync completes despite the cut");
    assert!(report.files_failed.is_empty(), "{report:?}");
    assert_eq!(report.files_fetched, 3);
    assert_eq!(report.texts_fetched, 3);
    let requests = s.file_requests(&s.big);
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(
        requests[1].contains("range=bytes=200000-"),
        "the second request resumes after the 200,000 bytes received: {requests:?}"
    );
    assert_eq!(
        report.bytes_fetched,
        600_000 + 40_000 + 30_000,
        "no byte is fetched twice"
    );
    s.check_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_download_is_rejected_and_fetched_again() {
    let s = Setup::new(&[300_000, 20_000]).await;
    let _dump = DumpOnFailure(&s.proxy);
    s.proxy.fault(
        &format!("/v1/files/{}", s.big),
        Fault::Corrupt { at: 123_456 },
        1,
    );
    let report = s.sync().await.unwrap();
    assert!(report.files_failed.is_empty(), "{report:?}");
    let requests = s.file_requests(&s.big);
    assert_eq!(
        requests.len(),
        2,
        "fetched again after the bad hash: {requests:?}"
    );
    assert!(
        requests[1].contains("range= "),
        "a rejected download starts afresh, it is not resumed: {requests:?}"
    );
    s.check_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_that_always_arrives_damaged_is_reported_and_never_stored() {
    let s = Setup::new(&[200_000, 20_000]).await;
    let _dump = DumpOnFailure(&s.proxy);
    s.proxy.fault(
        &format!("/v1/files/{}", s.big),
        Fault::Corrupt { at: 10 },
        1000,
    );
    let report = s.sync().await.unwrap();
    assert_eq!(report.files_failed.len(), 1, "{report:?}");
    assert_eq!(report.files_failed[0].0, s.big);
    assert!(
        report.files_failed[0].1.contains("damaged copy"),
        "{report:?}"
    );
    assert_eq!(
        s.file_requests(&s.big).len(),
        options().retry.attempts as usize
    );
    {
        let cache = check_cache_sound(&s.cache_dir());
        assert!(!cache.blobs().contains(&s.big), "never stored");
        assert!(
            cache.blobs().partials().unwrap().is_empty(),
            "no partial kept"
        );
        assert!(
            cache.last_synced(&s.proxy.url()).unwrap().is_none(),
            "an incomplete sync is not recorded as a success"
        );
    }
    s.proxy.clear();
    let report = s.sync().await.unwrap();
    assert_eq!(report.files_fetched, 1, "{report:?}");
    s.check_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_retried_honouring_retry_after() {
    let s = Setup::new(&[50_000, 20_000]).await;
    let _dump = DumpOnFailure(&s.proxy);
    s.proxy.fault(
        "/v1/feed",
        Fault::Status {
            code: 500,
            retry_after: None,
        },
        2,
    );
    s.proxy.fault(
        &format!("/v1/files/{}", s.big),
        Fault::Status {
            code: 503,
            retry_after: Some(1),
        },
        1,
    );
    s.proxy.fault(
        "/text",
        Fault::Status {
            code: 502,
            retry_after: None,
        },
        1,
    );
    let started = Instant::now();
    let report = s.sync().await.unwrap();
    assert!(report.files_failed.is_empty(), "{report:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured (the base backoff is 20 ms)"
    );
    assert_eq!(s.proxy.count("/v1/feed"), 3, "two 500s, then the page");
    s.check_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn texts_come_many_per_request_and_one_per_file_from_a_server_without_batches() {
    let sizes = [5_000; 12];
    let s = Setup::new(&sizes).await;
    let _dump = DumpOnFailure(&s.proxy);
    let report = s.sync().await.unwrap();
    assert_eq!(report.texts_fetched, sizes.len(), "{report:?}");
    let batches = s.proxy.count("POST /v1/texts");
    assert!(
        (1..sizes.len()).contains(&batches),
        "the texts of {} files are asked for in fewer requests, not one each: {batches}",
        sizes.len()
    );
    assert_eq!(s.proxy.count("/text "), 0, "no text is asked for alone");
    s.check_equal().await;

    // A server from before POST /v1/texts answers 404 to it: one request per file, as before.
    let s = Setup::new(&sizes).await;
    let _dump = DumpOnFailure(&s.proxy);
    s.proxy.fault(
        "/v1/texts",
        Fault::Status {
            code: 404,
            retry_after: None,
        },
        usize::MAX,
    );
    let report = s.sync().await.unwrap();
    assert_eq!(report.texts_fetched, sizes.len(), "{report:?}");
    assert_eq!(
        s.proxy.count("/text "),
        sizes.len(),
        "each text asked for alone once batches are refused"
    );
    s.check_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_is_not_retried_and_says_what_to_do() {
    let s = Setup::new(&[1_000]).await;
    let _dump = DumpOnFailure(&s.proxy);
    s.proxy.fault(
        "/v1/feed",
        Fault::Status {
            code: 401,
            retry_after: None,
        },
        10,
    );
    let err = s.sync().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AccessRefused, "{err}");
    assert_eq!(
        err.connection(),
        Some(Connection::Refused("injected".into()))
    );
    assert!(
        err.for_people().contains("Ask the secretariat"),
        "{}",
        err.for_people()
    );
    assert_eq!(s.proxy.count("/v1/feed"), 1, "a 401 is not retried");
    s.proxy.clear();
    s.sync().await.unwrap();
    s.check_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_response_times_out_and_the_download_resumes() {
    let s = Setup::new(&[400_000, 10_000]).await;
    let _dump = DumpOnFailure(&s.proxy);
    s.proxy.fault(
        &format!("/v1/files/{}", s.big),
        Fault::Stall { after: 100_000 },
        1,
    );
    let report = s.sync().await.unwrap();
    assert!(report.files_failed.is_empty(), "{report:?}");
    let requests = s.file_requests(&s.big);
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests[1].contains("range=bytes=100000-"), "{requests:?}");
    s.check_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_killed_and_restarted_mid_sync() {
    let mut s = Setup::new(&[500_000, 300_000, 200_000, 10_000]).await;
    let _dump = DumpOnFailure(&s.proxy);
    s.proxy.fault(
        &format!("/v1/files/{}", s.big),
        Fault::Stall { after: 250_000 },
        1,
    );
    let (client, cache) = (s.client.clone(), s.cache.clone());
    let sync = tokio::spawn(async move { client.sync(&cache, &options()).await });
    let proxy = s.proxy.clone();
    eventually(
        "the big download is under way",
        Duration::from_secs(20),
        || proxy.count("STALLED") == 1,
    )
    .await;
    let server = s.server.take().unwrap();
    let (data, addr) = tokio::task::spawn_blocking(move || server.kill())
        .await
        .unwrap();
    let restarted = tokio::task::spawn_blocking(move || Server::start(&data, addr))
        .await
        .unwrap();
    s.server = Some(restarted);
    let report = sync.await.unwrap().expect("the sync survives the restart");
    assert!(report.files_failed.is_empty(), "{report:?}");
    assert!(
        s.file_requests(&s.big)
            .iter()
            .any(|r| r.contains("range=bytes=250000-")),
        "resumed from the partial"
    );
    s.check_equal().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_sync_keeps_its_partials_and_the_next_one_resumes() {
    let s = Setup::new(&[300_000, 10_000]).await;
    let _dump = DumpOnFailure(&s.proxy);
    s.proxy.fault(
        &format!("/v1/files/{}", s.big),
        Fault::Stall { after: 150_000 },
        1,
    );
    let control = SyncControl::default();
    let mut opts = options();
    opts.read_timeout = Duration::from_secs(60); // only the cancel can end this stall
    let (client, cache, c2) = (s.client.clone(), s.cache.clone(), control.clone());
    let sync = tokio::spawn(async move { client.sync_with(&cache, &opts, &c2).await });
    let proxy = s.proxy.clone();
    let partial = s.cache.lock().unwrap().blobs().partial_path(&s.big);
    eventually(
        "the download stalls with 150,000 bytes written",
        Duration::from_secs(20),
        || {
            proxy.count("STALLED") == 1
                && std::fs::metadata(&partial).is_ok_and(|m| m.len() == 150_000)
        },
    )
    .await;
    control.cancel.cancel();
    let err = sync.await.unwrap().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled, "{err}");
    {
        let cache = check_cache_sound(&s.cache_dir());
        assert_eq!(
            cache.blobs().partials().unwrap(),
            [(s.big, 150_000)],
            "the partial stays for the next sync"
        );
    }
    s.sync().await.unwrap();
    assert!(
        s.file_requests(&s.big)
            .last()
            .unwrap()
            .contains("range=bytes=150000-")
    );
    s.check_equal().await;
}

/// A small tmpfs for the cache, so that the disk really fills. Needs root
/// (CI runs as root); elsewhere the test says it cannot run and fails under CI.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(path: &std::path::Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(path).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(path.to_owned()))
    }

    fn resize(&self, size: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success(), "remounting the tmpfs");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_stops_the_sync_cleanly_and_the_next_one_completes() {
    let mount_at = tempfile::tempdir().unwrap();
    let Some(tmpfs) = Tmpfs::mount(mount_at.path(), "3m") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root and must be able to mount a tmpfs for this test"
        );
        eprintln!("SKIPPED: cannot mount a tmpfs (not root); this test runs in CI");
        return;
    };
    let cache_dir = mount_at.path().join("cache");
    let s = Setup::with_cache_dir(&[1_500_000, 1_400_000, 1_300_000, 1_000], Some(cache_dir)).await;
    let _dump = DumpOnFailure(&s.proxy);
    s.cache
        .lock()
        .unwrap()
        .set_keep_languages(&Languages::All)
        .unwrap();
    let err = s.sync().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::DiskFull, "{err}");
    assert!(err.to_string().contains("free some space"), "{err}");
    {
        let cache = check_cache_sound(&s.cache_dir());
        assert_eq!(
            cache.all_versions().unwrap().len(),
            4,
            "the metadata synced before the disk filled is still there"
        );
        assert_eq!(
            cache.keep().unwrap().languages,
            Languages::All,
            "local rows survive"
        );
    }
    tmpfs.resize("64m");
    let report = s.sync().await.unwrap();
    assert!(report.files_failed.is_empty(), "{report:?}");
    s.check_equal().await;
    // Dropped in reverse order: the cache and server, then the tmpfs.
}

#[tokio::test(flavor = "multi_thread")]
async fn live_sync_follows_the_events_across_a_server_restart() {
    let mut s = Setup::new(&[20_000]).await;
    let _dump = DumpOnFailure(&s.proxy);
    let mut opts = options();
    opts.poll_interval = Duration::from_secs(3600); // only events may trigger a sync
    opts.events_idle_timeout = Duration::from_secs(20);
    opts.max_reconnect_delay = Duration::from_millis(500);
    let live = LiveSync::start(s.client.clone(), s.cache.clone(), opts);
    let status = live.status();
    let head = s.server().state.store.head().await.unwrap();
    let st = status.clone();
    eventually("the first sync", Duration::from_secs(20), || {
        let s = st.borrow();
        s.cursor == head && !s.syncing && s.connection == Connection::Online
    })
    .await;
    assert!(status.borrow().last_success.is_some());

    // Staff publish a new version: it arrives without anyone asking.
    let publish = |server: &Server, n: u8| {
        let bytes = vec![b'a' + n; 2_000_000];
        let version = Version {
            id: format!("m1-doc-fr-r{n}").parse().unwrap(),
            document_id: "m1-doc".parse().unwrap(),
            language: Language::Fr,
            revision: n as u32,
            label: format!("Rev.{n}"),
            published_at: time::OffsetDateTime::now_utc(),
            sha256: Sha256::of(&bytes),
            size: bytes.len() as u64,
            media_type: MediaType::Text,
            file_name: format!("new-{n}.txt"),
        };
        let sha = version.sha256;
        let state = server.state.clone();
        (sha, async move {
            plenary_server::routes::store_file(&state, sha, MediaType::Text, bytes.into())
                .await
                .unwrap();
            let head = state
                .store
                .publish(vec![Record::Version(version)])
                .await
                .unwrap();
            state.announce(head);
        })
    };
    let (sha, job) = publish(s.server(), 5);
    job.await;
    let cache = s.cache.clone();
    eventually(
        "the new version in the cache",
        Duration::from_secs(20),
        || cache.lock().unwrap().blobs().contains(&sha),
    )
    .await;

    // The server dies: the status says so; it comes back: the service reconnects.
    let server = s.server.take().unwrap();
    let (data, addr) = tokio::task::spawn_blocking(move || server.kill())
        .await
        .unwrap();
    let st = status.clone();
    eventually(
        "the status shows the server gone",
        Duration::from_secs(20),
        || st.borrow().connection != Connection::Online,
    )
    .await;
    s.server = Some(
        tokio::task::spawn_blocking(move || Server::start(&data, addr))
            .await
            .unwrap(),
    );
    let st = status.clone();
    eventually("reconnected", Duration::from_secs(20), || {
        st.borrow().connection == Connection::Online
    })
    .await;
    let (sha, job) = publish(s.server(), 6);
    job.await;
    eventually(
        "the version published after the restart",
        Duration::from_secs(20),
        || cache.lock().unwrap().blobs().contains(&sha),
    )
    .await;
    let head = s.server().state.store.head().await.unwrap();
    let st = status.clone();
    eventually("idle at the head", Duration::from_secs(20), || {
        let s = st.borrow();
        s.cursor == head && !s.syncing
    })
    .await;
    live.stop().await;
    s.check_equal().await;
}

/// SIGKILLs a real `plenary sync` process `delay` after its files phase
/// began; returns whether it had to be killed (it may finish first).
fn kill_sync_after(cache_dir: &std::path::Path, url: &str, delay: Duration) -> bool {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_plenary"))
        .arg("--cache-dir")
        .arg(cache_dir)
        .args(["sync", "--server", url, "--parallel", "4"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start plenary sync");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    // Progress goes to stderr, a line per phase and per tenth of the bytes.
    let files_begun = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.starts_with("sync: files:"));
    std::thread::sleep(delay);
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        files_begun || status.success(),
        "plenary sync ended before downloading ({status}): {rest:?}"
    );
    killed
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_process_killed_at_any_moment_leaves_a_sound_cache() {
    // 120 files: a kill lands while some are being written, some hashed,
    // some fsynced or renamed in a group, some texts stored.
    let sizes: Vec<usize> = (0..120).map(|i| 40_000 + (i * 7_919) % 160_000).collect();
    let s = Setup::new(&sizes).await;
    let _dump = DumpOnFailure(&s.proxy);
    let published: std::collections::HashMap<Sha256, Vec<u8>> = meeting(7, "m1", &sizes)
        .0
        .into_iter()
        .map(|(_, bytes)| (Sha256::of(&bytes), bytes))
        .collect();
    let url = s.server().url();
    let cache_dir = s.cache_dir();
    let mut killed_midway = 0;
    for delay_ms in [0u64, 15, 40, 5, 80, 25, 120, 10, 60, 200] {
        let (dir, u) = (cache_dir.clone(), url.clone());
        let killed = tokio::task::spawn_blocking(move || {
            kill_sync_after(&dir, &u, Duration::from_millis(delay_ms))
        })
        .await
        .unwrap();
        // After any kill: the cache opens, nothing damaged or partial sits at
        // a final path, and each partial holds the first bytes of its file.
        let cache = check_cache_sound(&cache_dir);
        let present = cache.blobs().list().unwrap().len();
        for (sha, len) in cache.blobs().partials().unwrap() {
            let bytes = &published[&sha];
            let on_disk = std::fs::read(cache.blobs().partial_path(&sha)).unwrap();
            assert!(on_disk.len() == len as usize && on_disk.len() <= bytes.len());
            assert!(
                bytes.starts_with(&on_disk),
                "a partial holds exactly the first bytes of its file"
            );
        }
        eprintln!(
            "killed {delay_ms} ms into the files: {killed}; {present} files stored, partials {:?}",
            cache.blobs().partials().unwrap()
        );
        drop(cache);
        if killed && present > 0 && present < sizes.len() {
            killed_midway += 1;
        }
        if !killed {
            break;
        }
    }
    assert!(
        killed_midway > 0,
        "no kill landed while the files were being fetched"
    );
    let report = s.sync().await.expect("the next sync completes");
    assert!(report.files_failed.is_empty(), "{report:?}");
    s.check_equal().await;
}
