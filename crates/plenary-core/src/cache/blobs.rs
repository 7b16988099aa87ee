//! Content-addressed file store: every published file lives at a path derived
//! from its SHA-256.
//!
//! Architecture invariant: a file at its final path was fully written, fsynced
//! and hash-checked before it was renamed there, so a crash can only ever leave
//! debris in `tmp/`, which [`BlobStore::open`] sweeps, and interrupted
//! downloads in `partial/`, which are resumed, never read as blobs. Reads check the hash
//! again, because disks and users damage files after the fact: a damaged blob
//! is moved to `quarantine/` and reported, never served.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::Digest;

use crate::error::{Error, Result};
use crate::model::Sha256;

/// A handle on the store's folder; cloning it is cheap (sync uses a clone to
/// write downloads without holding the cache's lock).
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// What [`BlobStore::verify_all`] found.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub checked: usize,
    pub bytes: u64,
    /// Blobs whose content did not match their name; now in quarantine.
    pub quarantined: Vec<Sha256>,
}

impl BlobStore {
    /// Opens (creating if needed) the store under `root` and removes temporary
    /// files left by an interrupted write.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let store = BlobStore { root: root.into() };
        for dir in [
            store.objects_dir(),
            store.tmp_dir(),
            store.partial_dir(),
            store.quarantine_dir(),
        ] {
            fs::create_dir_all(&dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        let tmp = store.tmp_dir();
        let entries =
            fs::read_dir(&tmp).map_err(|e| Error::io(format!("listing {}", tmp.display()), e))?;
        for entry in entries.flatten() {
            // Best effort: a leftover we cannot delete is harmless, it is never read.
            let _ = fs::remove_file(entry.path());
        }
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn objects_dir(&self) -> PathBuf {
        self.root.join("objects")
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    fn quarantine_dir(&self) -> PathBuf {
        self.root.join("quarantine")
    }

    /// Interrupted downloads, kept for resuming (`<sha256>.part`). Never read
    /// as a blob: a partial enters `objects/` only through
    /// [`place_partial`](Self::place_partial), which checks its hash.
    pub fn partial_dir(&self) -> PathBuf {
        self.root.join("partial")
    }

    /// Where an interrupted download of this blob is kept.
    pub fn partial_path(&self, sha256: &Sha256) -> PathBuf {
        self.partial_dir().join(format!("{}.part", sha256.to_hex()))
    }

    /// The interrupted downloads present, with their sizes.
    pub fn partials(&self) -> Result<Vec<(Sha256, u64)>> {
        let dir = self.partial_dir();
        let entries =
            fs::read_dir(&dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(sha) = name.strip_suffix(".part").and_then(|h| h.parse().ok()) {
                out.push((sha, entry.metadata().map(|m| m.len()).unwrap_or(0)));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes an interrupted download (a no-op if there is none).
    pub fn remove_partial(&self, sha256: &Sha256) -> Result<()> {
        match fs::remove_file(self.partial_path(sha256)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io(
                format!("deleting the partial download of {sha256}"),
                e,
            )),
            _ => Ok(()),
        }
    }

    /// Commits completed downloads together (a group commit): places each
    /// ([`place_partial`](Self::place_partial): hash checked, bytes fsynced,
    /// renamed into `objects/`), all at once (the disk then flushes its
    /// cache once for many files, not once per file), then fsyncs every
    /// folder that received one, again at once. When this returns, the
    /// renames are durable. One result per partial, in order.
    pub fn commit_partials(&self, partials: Vec<VerifiedPartial>) -> Committed {
        let shas: Vec<Sha256> = partials.iter().map(|p| p.expected).collect();
        let placed = at_once(partials, |partial| self.place_partial(partial));
        let folders: Vec<PathBuf> = placed.iter().flatten().flatten().cloned().collect();
        let synced = self.sync_folders(&folders);
        shas.into_iter()
            .zip(placed)
            .map(|(sha, placed)| {
                let result = match placed {
                    Ok(Some(folder)) => match synced.iter().find(|(f, _)| *f == folder) {
                        Some((_, Err(e))) => Err(Error::io(
                            format!("syncing the folder of blob {sha}"),
                            copy_io_error(e),
                        )),
                        _ => Ok(()),
                    },
                    Ok(None) => Ok(()),
                    Err(e) => Err(e),
                };
                (sha, result)
            })
            .collect()
    }

    /// Moves one completed download into place: checks its hash, fsyncs its
    /// bytes and renames it into `objects/`. Returns the folder that
    /// received it, whose fsync ([`sync_folders`](Self::sync_folders)) makes
    /// the rename durable; the caller may gather folders and sync each once
    /// for many files. `None`: nothing moved (the blob was already stored;
    /// the partial is deleted). A mismatched partial is deleted. A crash
    /// before the folder's fsync leaves the blob either absent (fetched
    /// again next time) or whole at its final path, never partly written:
    /// its bytes were on disk before its rename.
    pub fn place_partial(&self, partial: VerifiedPartial) -> Result<Option<PathBuf>> {
        let VerifiedPartial {
            expected: sha,
            actual,
            file,
        } = partial;
        let context = |what: &str| format!("{what} blob {sha}");
        if actual != sha || self.contains(&sha) {
            drop(file); // closed first: some systems delete no open file
            self.remove_partial(&sha)?;
            return if actual == sha {
                Ok(None) // already stored
            } else {
                Err(Error::HashMismatch {
                    expected: sha,
                    actual,
                })
            };
        }
        let dest = self.path_of(&sha);
        let shard = dest.parent().expect("blob paths have a shard directory");
        // The bytes on disk before the rename (architecture invariant).
        let moved = file
            .sync_all()
            .map_err(|e| Error::io(context("syncing the download of"), e))
            .and_then(|()| {
                fs::create_dir_all(shard)
                    .map_err(|e| Error::io(context("creating the folder of"), e))
            })
            .and_then(|()| {
                fs::rename(self.partial_path(&sha), &dest)
                    .map_err(|e| Error::io(context("moving into place"), e))
            });
        match moved {
            Ok(()) => Ok(Some(shard.to_owned())),
            Err(e) => {
                if e.code() == crate::ErrorCode::DiskFull {
                    // Give the space back; the download starts afresh.
                    let _ = self.remove_partial(&sha);
                }
                Err(e)
            }
        }
    }

    /// Fsyncs each folder once (duplicates are synced once), all at once,
    /// making the renames into them durable. One result per distinct folder.
    pub fn sync_folders(&self, folders: &[PathBuf]) -> Vec<(PathBuf, io::Result<()>)> {
        let mut folders = folders.to_vec();
        folders.sort();
        folders.dedup();
        let synced = at_once(folders.iter().collect(), |dir| sync_dir(dir));
        folders.into_iter().zip(synced).collect()
    }

    /// Deletes a blob (to free space). Returns whether it was there.
    pub fn remove(&self, sha256: &Sha256) -> Result<bool> {
        match fs::remove_file(self.path_of(sha256)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(format!("deleting blob {sha256}"), e)),
        }
    }

    /// Where the blob with this hash lives (whether or not it is there).
    pub fn path_of(&self, sha256: &Sha256) -> PathBuf {
        let hex = sha256.to_hex();
        self.objects_dir().join(&hex[..2]).join(&hex[2..])
    }

    /// Whether the blob is present. Does not re-check its content.
    pub fn contains(&self, sha256: &Sha256) -> bool {
        self.path_of(sha256).is_file()
    }

    /// Stores `bytes`, returning their hash. Storing the same bytes twice is a no-op.
    pub fn put(&self, bytes: &[u8]) -> Result<Sha256> {
        let sha = Sha256::of(bytes);
        self.put_expected(&sha, bytes)?;
        Ok(sha)
    }

    /// Stores `bytes` under `expected`, refusing them if they hash to anything else.
    pub fn put_expected(&self, expected: &Sha256, bytes: &[u8]) -> Result<()> {
        let mut writer = self.writer(*expected)?;
        writer
            .write_all(bytes)
            .map_err(|e| Error::io(format!("writing blob {expected}"), e))?;
        writer.commit()
    }

    /// Starts a streaming write of the blob `expected`; nothing is visible
    /// until [`BlobWriter::commit`] has checked the hash.
    pub fn writer(&self, expected: Sha256) -> Result<BlobWriter<'_>> {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{}.", &expected.to_hex()[..16]))
            .tempfile_in(self.tmp_dir())
            .map_err(|e| Error::io("creating a temporary file in the blob store", e))?;
        Ok(BlobWriter {
            store: self,
            expected,
            hasher: sha2::Sha256::new(),
            tmp,
            written: 0,
        })
    }

    /// Reads a blob, checking its hash. A damaged blob is quarantined and
    /// reported as [`Error::BlobCorrupt`]; a missing one as [`Error::BlobMissing`].
    pub fn read(&self, sha256: &Sha256) -> Result<Vec<u8>> {
        let bytes = self.read_unchecked(sha256)?;
        if Sha256::of(&bytes) != *sha256 {
            return Err(self.quarantine(sha256));
        }
        Ok(bytes)
    }

    /// Reads a blob without checking its hash, for a caller that checked
    /// these bytes before (blobs are immutable); a missing one is
    /// [`Error::BlobMissing`].
    pub fn read_unchecked(&self, sha256: &Sha256) -> Result<Vec<u8>> {
        let path = self.path_of(sha256);
        match fs::read(&path) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(Error::BlobMissing { sha256: *sha256 })
            }
            Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
        }
    }

    /// Moves a damaged blob out of the way and returns the error that says so.
    fn quarantine(&self, sha256: &Sha256) -> Error {
        let from = self.path_of(sha256);
        let to = self.quarantine_dir().join(format!(
            "{}.{}",
            sha256.to_hex(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        if let Err(e) = fs::rename(&from, &to) {
            tracing::error!(%sha256, error = %e, "could not quarantine a damaged blob; deleting it");
            let _ = fs::remove_file(&from);
        } else {
            tracing::warn!(%sha256, to = %to.display(), "quarantined a damaged blob");
        }
        Error::BlobCorrupt {
            sha256: *sha256,
            quarantined: to,
        }
    }

    /// Re-hashes every blob, quarantining the damaged ones.
    pub fn verify_all(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        for sha in self.list()? {
            match self.read(&sha) {
                Ok(bytes) => {
                    report.checked += 1;
                    report.bytes += bytes.len() as u64;
                }
                Err(Error::BlobCorrupt { sha256, .. }) => {
                    report.checked += 1;
                    report.quarantined.push(sha256);
                }
                Err(Error::BlobMissing { .. }) => {} // deleted while we looked
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Every blob present, by hash. Files whose names are not hashes are ignored.
    pub fn list(&self) -> Result<Vec<Sha256>> {
        let mut out = Vec::new();
        let objects = self.objects_dir();
        let shards = fs::read_dir(&objects)
            .map_err(|e| Error::io(format!("listing {}", objects.display()), e))?;
        for shard in shards.flatten() {
            let prefix = shard.file_name().to_string_lossy().into_owned();
            let Ok(files) = fs::read_dir(shard.path()) else {
                continue;
            };
            for file in files.flatten() {
                let name = format!("{prefix}{}", file.file_name().to_string_lossy());
                if let Ok(sha) = name.parse() {
                    out.push(sha);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Total size of the stored blobs, in bytes.
    pub fn size_on_disk(&self) -> Result<u64> {
        let mut total = 0;
        for sha in self.list()? {
            if let Ok(meta) = fs::metadata(self.path_of(&sha)) {
                total += meta.len();
            }
        }
        Ok(total)
    }
}

/// What [`BlobStore::commit_partials`] did with each partial, in order.
pub type Committed = Vec<(Sha256, Result<()>)>;

/// A completed download, ready for [`BlobStore::place_partial`]: the
/// partial, still open (and locked by its writer), with the hash of every
/// byte written to it.
#[derive(Debug)]
pub struct VerifiedPartial {
    expected: Sha256,
    actual: Sha256,
    file: File,
}

impl VerifiedPartial {
    pub fn new(expected: Sha256, actual: Sha256, file: File) -> Self {
        VerifiedPartial {
            expected,
            actual,
            file,
        }
    }

    pub fn sha256(&self) -> Sha256 {
        self.expected
    }
}

/// Runs `f` on every item, all at once (a few threads), for system calls
/// that the kernel serves better together, such as fsyncs that share one
/// disk cache flush. Results in order.
fn at_once<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    const THREADS: usize = 32;
    if items.len() <= 1 {
        return items.into_iter().map(&f).collect();
    }
    let per_thread = items.len().div_ceil(THREADS);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(per_thread).collect());
    }
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("an fsync thread panicked"))
            .collect()
    })
}

/// A blob being written. Dropped without [`commit`](Self::commit), it leaves nothing behind.
#[derive(Debug)]
pub struct BlobWriter<'a> {
    store: &'a BlobStore,
    expected: Sha256,
    hasher: sha2::Sha256,
    tmp: tempfile::NamedTempFile,
    written: u64,
}

impl BlobWriter<'_> {
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Checks the hash, makes the bytes durable and moves them into place.
    pub fn commit(self) -> Result<()> {
        let actual = Sha256::from_bytes(self.hasher.finalize().into());
        if actual != self.expected {
            return Err(Error::HashMismatch {
                expected: self.expected,
                actual,
            });
        }
        let dest = self.store.path_of(&self.expected);
        if dest.is_file() {
            // Already stored by an earlier write: content addressing makes this a no-op.
            return Ok(());
        }
        let context = |what: &str| format!("{what} blob {}", self.expected);
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| Error::io(context("syncing"), e))?;
        let shard = dest.parent().expect("blob paths have a shard directory");
        fs::create_dir_all(shard).map_err(|e| Error::io(context("creating the folder of"), e))?;
        self.tmp
            .persist(&dest)
            .map_err(|e| Error::io(context("moving into place"), e.error))?;
        sync_dir(shard).map_err(|e| Error::io(context("syncing the folder of"), e))?;
        Ok(())
    }
}

impl Write for BlobWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.tmp.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

/// The same error again (io::Error is not Clone), for each file it concerns.
fn copy_io_error(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

/// Makes a rename durable: on Linux the directory entry needs its own fsync.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Reads a whole reader into a blob, for imports from files.
pub fn copy_into(store: &BlobStore, expected: Sha256, mut reader: impl Read) -> Result<u64> {
    let mut writer = store.writer(expected)?;
    let n = io::copy(&mut reader, &mut writer)
        .map_err(|e| Error::io(format!("copying blob {expected}"), e))?;
    writer.commit()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, BlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().join("blobs")).unwrap();
        (dir, store)
    }

    #[test]
    fn round_trips_and_is_idempotent() {
        let (_dir, store) = store();
        let sha = store.put(b"Draft Protocol VI").unwrap();
        assert_eq!(sha, Sha256::of(b"Draft Protocol VI"));
        assert_eq!(store.put(b"Draft Protocol VI").unwrap(), sha);
        assert_eq!(store.read(&sha).unwrap(), b"Draft Protocol VI");
        assert_eq!(store.list().unwrap(), vec![sha]);
    }

    #[test]
    fn refuses_bytes_that_do_not_match_the_expected_hash() {
        let (_dir, store) = store();
        let expected = Sha256::of(b"the real text");
        let err = store
            .put_expected(&expected, b"something else")
            .unwrap_err();
        assert!(matches!(err, Error::HashMismatch { .. }), "{err}");
        assert!(
            !store.contains(&expected),
            "a rejected write must leave nothing"
        );
        assert_eq!(
            fs::read_dir(store.tmp_dir()).unwrap().count(),
            0,
            "a rejected write must not leave a temporary file"
        );
    }

    #[test]
    fn a_corrupted_blob_is_detected_quarantined_and_never_served() {
        let (_dir, store) = store();
        let sha = store.put(b"Article 5, paragraph 2").unwrap();
        let path = store.path_of(&sha);
        let mut bytes = fs::read(&path).unwrap();
        bytes[3] ^= 0x20; // one flipped bit, as a failing disk would
        fs::write(&path, &bytes).unwrap();

        let err = store.read(&sha).unwrap_err();
        assert!(matches!(err, Error::BlobCorrupt { .. }), "{err}");
        assert!(!store.contains(&sha), "a damaged blob must leave its place");
        assert!(matches!(
            store.read(&sha).unwrap_err(),
            Error::BlobMissing { .. }
        ));
        assert_eq!(fs::read_dir(store.quarantine_dir()).unwrap().count(), 1);
    }

    #[test]
    fn a_truncated_blob_is_detected() {
        let (_dir, store) = store();
        let sha = store.put(&[7u8; 10_000]).unwrap();
        let file = fs::OpenOptions::new()
            .write(true)
            .open(store.path_of(&sha))
            .unwrap();
        file.set_len(4_096).unwrap();
        assert!(matches!(
            store.read(&sha).unwrap_err(),
            Error::BlobCorrupt { .. }
        ));
        let report = store.verify_all().unwrap();
        assert_eq!(
            report.checked, 0,
            "the quarantined blob is gone from the store"
        );
    }

    #[test]
    fn verify_all_finds_every_damaged_blob() {
        let (_dir, store) = store();
        let good = store.put(b"good").unwrap();
        let bad = store.put(b"bad").unwrap();
        fs::write(store.path_of(&bad), b"bax").unwrap();
        let report = store.verify_all().unwrap();
        assert_eq!(report.checked, 2);
        assert_eq!(report.quarantined, vec![bad]);
        assert!(store.contains(&good));
    }

    /// Writes `bytes` as a download would, and hands the partial over as
    /// verified with the hash of what was written.
    fn downloaded(store: &BlobStore, expected: Sha256, bytes: &[u8]) -> VerifiedPartial {
        let path = store.partial_path(&expected);
        fs::write(&path, bytes).unwrap();
        VerifiedPartial::new(expected, Sha256::of(bytes), File::open(&path).unwrap())
    }

    #[test]
    fn a_group_commit_stores_the_right_bytes_and_deletes_the_wrong() {
        let (_dir, store) = store();
        let (a, b) = (b"Article 1".as_slice(), b"Article 2".as_slice());
        let stored_before = store.put(b"Article 3").unwrap();
        let wrong = Sha256::of(b"Article 4");
        let group = vec![
            downloaded(&store, Sha256::of(a), a),
            downloaded(&store, wrong, b"Article 4, damaged"),
            downloaded(&store, Sha256::of(b), b),
            downloaded(&store, stored_before, b"Article 3"),
        ];
        let results = store.commit_partials(group);
        let shas: Vec<Sha256> = results.iter().map(|(s, _)| *s).collect();
        assert_eq!(shas, [Sha256::of(a), wrong, Sha256::of(b), stored_before]);
        assert!(results[0].1.is_ok() && results[2].1.is_ok() && results[3].1.is_ok());
        assert!(
            matches!(results[1].1, Err(Error::HashMismatch { .. })),
            "{:?}",
            results[1].1
        );
        assert_eq!(store.read(&Sha256::of(a)).unwrap(), a);
        assert_eq!(store.read(&Sha256::of(b)).unwrap(), b);
        assert!(
            !store.contains(&wrong),
            "damaged bytes never reach a final path"
        );
        assert!(
            store.partials().unwrap().is_empty(),
            "no partial is left behind"
        );
    }

    #[test]
    fn a_group_interrupted_before_its_folders_are_synced_leaves_whole_files_or_none() {
        // The process dies after the renames, before the folder fsyncs: each
        // blob at a final path was fsynced before its rename, so whichever
        // renames survive, each names a whole, verified file; the others are
        // absent and their downloads start again.
        let (dir, store) = store();
        let files: Vec<Vec<u8>> = (0..20u8).map(|i| vec![i; 50_000 + i as usize]).collect();
        let group: Vec<VerifiedPartial> = files
            .iter()
            .map(|f| downloaded(&store, Sha256::of(f), f))
            .collect();
        let placed: Vec<_> = group
            .into_iter()
            .map(|p| store.place_partial(p))
            .collect::<Result<_>>()
            .unwrap();
        assert!(
            placed.iter().all(Option::is_some),
            "every new blob was moved into a folder"
        );
        drop(store); // the crash, before the folders are synced

        let reopened = BlobStore::open(dir.path().join("blobs")).unwrap();
        let report = reopened.verify_all().unwrap();
        assert!(report.quarantined.is_empty(), "{report:?}");
        for f in &files {
            let sha = Sha256::of(f);
            assert!(reopened.contains(&sha));
            assert_eq!(reopened.read(&sha).unwrap(), *f);
        }
        assert!(reopened.partials().unwrap().is_empty());
        // A download of the same file again (the renames lost) commits cleanly.
        let again = downloaded(&reopened, Sha256::of(&files[0]), &files[0]);
        assert!(reopened.commit_partials(vec![again])[0].1.is_ok());
        assert!(reopened.partials().unwrap().is_empty());
    }

    #[test]
    fn interrupted_writes_leave_only_temporary_debris_that_open_sweeps() {
        let (dir, store) = store();
        let sha = Sha256::of(b"complete text");
        let mut writer = store.writer(sha).unwrap();
        writer.write_all(b"comp").unwrap();
        std::mem::forget(writer); // as if the process died mid-write
        assert!(!store.contains(&sha));
        assert_eq!(fs::read_dir(store.tmp_dir()).unwrap().count(), 1);
        let reopened = BlobStore::open(dir.path().join("blobs")).unwrap();
        assert_eq!(fs::read_dir(reopened.tmp_dir()).unwrap().count(), 0);
        assert!(reopened.list().unwrap().is_empty());
    }
}
