//! Crash safety: SIGKILL the real `plenary` process while it writes to the
//! cache, again and again, and check that the cache still opens and holds
//! everything that was acknowledged before each kill.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use plenary_core::Cache;
use plenary_core::model::{MeetingId, VersionId};

const PLENARY: &str = env!("CARGO_BIN_EXE_plenary");

/// Runs a write burst and SIGKILLs it right after the `after`-th
/// acknowledgement, while it is busy writing the next file and batch.
/// Returns the last acknowledged batch number.
fn kill_during_burst(cache: &Path, after: usize) -> u64 {
    let mut child = Command::new(PLENARY)
        .arg("--cache-dir")
        .arg(cache)
        .arg("write-burst")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start plenary write-burst");
    let stdout = child.stdout.take().unwrap();
    let mut last = None;
    for (seen, line) in BufReader::new(stdout).lines().enumerate() {
        let line = line.expect("read plenary's output");
        let n: u64 = line
            .strip_prefix("committed ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected output from write-burst: {line:?}"));
        last = Some(n);
        if seen + 1 == after {
            child.kill().expect("SIGKILL plenary"); // std sends SIGKILL on Unix
            break;
        }
    }
    let status = child.wait().unwrap();
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    assert!(
        last.is_some(),
        "write-burst acknowledged nothing before exiting ({status}); stderr:\n{stderr}"
    );
    assert!(
        !status.success(),
        "the burst should have been killed, but it exited by itself: {status}; stderr:\n{stderr}"
    );
    last.unwrap()
}

#[test]
fn sigkill_mid_write_loses_nothing_that_was_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("cache");
    let meeting = MeetingId::new("burst-meeting").unwrap();

    let mut acknowledged = 0;
    for (round, after) in [3usize, 7, 1, 12, 5, 9].into_iter().enumerate() {
        let last = kill_during_burst(&cache_dir, after);
        assert!(
            last + 1 >= acknowledged,
            "round {round}: numbering went backwards ({last} after {acknowledged} acknowledged)"
        );
        acknowledged = last + 1;

        // The cache opens (sweeping write debris) and is intact.
        let cache = Cache::open(&cache_dir).unwrap_or_else(|e| {
            panic!("round {round}: the cache must open after SIGKILL, got: {e}")
        });
        let (integrity, files) = cache.verify().unwrap();
        assert_eq!(integrity, "ok", "round {round}: SQLite integrity check");
        assert!(
            files.quarantined.is_empty(),
            "round {round}: no stored file may be damaged: {:?}",
            files.quarantined
        );
        assert_eq!(
            std::fs::read_dir(cache_dir.join("blobs/tmp"))
                .unwrap()
                .count(),
            0,
            "round {round}: opening sweeps half-written files"
        );

        let documents = cache.meeting_overview(&meeting).unwrap().documents;
        let held = documents.len() as u64;
        assert!(
            held >= acknowledged,
            "round {round}: {acknowledged} batches were acknowledged but only {held} survived"
        );
        assert!(
            held <= acknowledged + 1,
            "round {round}: at most the one batch in flight may have committed unannounced \
             ({held} held, {acknowledged} acknowledged)"
        );
        for n in 0..held {
            let id = VersionId::new(format!("burst-{n:08}-en")).unwrap();
            let (version, bytes) = cache.version_file(&id).unwrap_or_else(|e| {
                panic!(
                    "round {round}: batch {n} is in the database but its file is not readable: {e}"
                )
            });
            assert_eq!(bytes.len() as u64, version.size);
        }
        acknowledged = held;
    }
    assert!(
        acknowledged >= 37,
        "six rounds acknowledged {acknowledged} batches"
    );
}
