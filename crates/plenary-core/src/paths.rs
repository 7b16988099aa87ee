//! Where the cache lives.

use std::path::PathBuf;

/// Environment variable that moves the cache (the `--cache-dir` flag wins over it).
pub const CACHE_DIR_ENV: &str = "PLENARY_CACHE_DIR";

/// The cache folder to use: the explicit choice, else `PLENARY_CACHE_DIR`, else
/// the platform's data directory (`~/.local/share/plenary` on Linux,
/// `~/Library/Application Support/org.plenary.Plenary` on macOS,
/// `%APPDATA%\plenary\Plenary\data` on Windows).
pub fn cache_dir(explicit: Option<PathBuf>) -> PathBuf {
    explicit
        .or_else(|| {
            std::env::var_os(CACHE_DIR_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(default_cache_dir)
}

pub fn default_cache_dir() -> PathBuf {
    directories::ProjectDirs::from("org", "plenary", "Plenary")
        .map(|dirs| dirs.data_dir().to_path_buf())
        // No home directory at all (a bare service account): stay usable.
        .unwrap_or_else(|| std::env::temp_dir().join("plenary"))
}
