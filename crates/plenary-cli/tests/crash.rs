//! Crash safety: SIGKILL the real `plenary` process while it writes to the
//! cache, again and again, and check that the cache still opens and holds
//! everything that was acknowledged before each kill.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use plenary_core::Cache;
use plenary_core::model::{MeetingId, VersionId};

const PLENARY: &str = env!("CARGO_BIN_EXE_plenary");

/// Runs `plenary --cache-dir <cache> <args>`, hands each line it prints to
/// `on_line`, and SIGKILLs it right after the `after`-th line, while it is
/// busy with the next write. Checks that it printed something and was
/// killed rather than finishing.
fn kill_after(cache: &Path, args: &[&str], after: usize, mut on_line: impl FnMut(&str)) {
    let mut child = Command::new(PLENARY)
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start plenary {args:?}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let mut seen = 0;
    for line in BufReader::new(stdout).lines() {
        on_line(&line.expect("read plenary's output"));
        seen += 1;
        if seen == after {
            child.kill().expect("SIGKILL plenary"); // std sends SIGKILL on Unix
            break;
        }
    }
    let status = child.wait().unwrap();
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    assert!(
        seen > 0,
        "plenary {args:?} acknowledged nothing before exiting ({status}); stderr:\n{stderr}"
    );
    assert!(
        !status.success(),
        "plenary {args:?} should have been killed, but it exited by itself: {status}; stderr:\n{stderr}"
    );
}

/// Runs a write burst and SIGKILLs it right after the `after`-th
/// acknowledgement. Returns the last acknowledged batch number.
fn kill_during_burst(cache: &Path, after: usize) -> u64 {
    let mut last = 0;
    kill_after(cache, &["write-burst"], after, |line| {
        last = line
            .strip_prefix("committed ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected output from write-burst: {line:?}"));
    });
    last
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

/// Runs a notes burst and SIGKILLs it after `after` acknowledgements.
/// Returns every acknowledged (`saved`) note and the notes whose edit was
/// acknowledged (`edited`).
fn kill_during_notes_burst(cache: &Path, after: usize) -> (Vec<String>, Vec<String>) {
    let (mut saved, mut edited) = (Vec::new(), Vec::new());
    kill_after(
        cache,
        &["write-burst", "--notes"],
        after,
        |line| match line.split_once(' ') {
            Some(("saved", id)) => saved.push(id.to_owned()),
            Some(("edited", id)) => edited.push(id.to_owned()),
            _ => panic!("unexpected output from write-burst --notes: {line:?}"),
        },
    );
    (saved, edited)
}

#[test]
fn sigkill_during_a_burst_of_notes_loses_no_acknowledged_note() {
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("cache");
    let (mut saved, mut edited) = (Vec::new(), Vec::new());
    for after in [2usize, 9, 1, 17, 4, 30, 6] {
        let (s, e) = kill_during_notes_burst(&cache_dir, after);
        saved.extend(s);
        edited.extend(e);
        let cache = Cache::open(&cache_dir).expect("the cache opens after a SIGKILL");
        let (integrity, report) = cache.verify().unwrap();
        assert_eq!(
            integrity, "ok",
            "the database is consistent after a SIGKILL"
        );
        assert!(
            report.quarantined.is_empty(),
            "no damaged file after a SIGKILL: {report:?}"
        );
        for id in &saved {
            let note = cache.note(id).unwrap_or_else(|e| {
                panic!("note {id} was acknowledged before the kill but is gone: {e}")
            });
            assert!(!note.deleted);
            if edited.contains(id) {
                assert!(
                    note.body.starts_with("edited note"),
                    "the acknowledged edit of {id} is lost: {:?}",
                    note.body
                );
            }
        }
    }
    assert!(
        saved.len() >= 7,
        "every round acknowledged at least one note"
    );
}
