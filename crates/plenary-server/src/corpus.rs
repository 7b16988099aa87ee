//! Where the third-party evaluation corpus is (`$PLENARY_CORPUS`, default
//! `../shared/corpus` beside the repository). Tests and benchmarks that read
//! it skip with one line when it is missing, except under `CI=true`, where a
//! missing corpus is a failure: CI must never pass by testing nothing.

use std::path::PathBuf;

/// The repository's root (two levels above this crate).
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The corpus folder, resolved against the repository root when relative.
pub fn dir() -> PathBuf {
    let configured = std::env::var_os("PLENARY_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpus"));
    if configured.is_absolute() {
        configured
    } else {
        repo_root().join(configured)
    }
}

/// The corpus if it is there. Otherwise prints one line and returns `None`,
/// or panics when `CI=true`, so that `what` is never silently untested in CI.
pub fn require(what: &str) -> Option<PathBuf> {
    let dir = dir();
    if dir.join("MANIFEST.tsv").is_file() {
        return Some(dir);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "{what}: the corpus is missing at {} and CI=true; set PLENARY_CORPUS",
        dir.display()
    );
    println!(
        "skipping {what}: no corpus at {} (set PLENARY_CORPUS)",
        dir.display()
    );
    None
}
