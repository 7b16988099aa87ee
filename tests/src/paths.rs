//! Where the binaries under test and the artifacts live.
//!
//! Everything is found relative to the running executable
//! (`<target>/<profile>/deps/<test>` or `<target>/<profile>/<bin>`), which
//! honours `CARGO_TARGET_DIR` and the build profile without re-implementing
//! cargo's rules.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// `<target>/<profile>`: where cargo put the binaries of this build.
pub fn profile_dir() -> Result<PathBuf> {
    let exe =
        std::env::current_exe().map_err(|e| Error::io("finding the running executable", e))?;
    let mut dir = exe
        .parent()
        .ok_or_else(|| Error::Setup(format!("{} has no parent folder", exe.display())))?
        .to_path_buf();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    Ok(dir)
}

/// The cargo target folder (`target/` unless `CARGO_TARGET_DIR` moved it).
pub fn target_dir() -> Result<PathBuf> {
    let profile = profile_dir()?;
    Ok(profile.parent().map(Path::to_path_buf).unwrap_or(profile))
}

fn profile_flag(profile_dir: &Path) -> &'static str {
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        " --release"
    } else {
        ""
    }
}

/// A binary of this workspace, built with the same profile as the running
/// executable. `env` names a variable that overrides the location.
pub fn workspace_binary(name: &str, package: &str, env: &str) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(env).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        return Err(Error::Setup(format!(
            "{env} points at {}, which does not exist",
            path.display()
        )));
    }
    let dir = profile_dir()?;
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::Setup(format!(
            "{} not found: build it first: cargo build{} -p {package} (scripts/test does)",
            path.display(),
            profile_flag(&dir)
        )))
    }
}

/// The desktop app (`PLENARY_APP_BIN` overrides).
pub fn app_binary() -> Result<PathBuf> {
    workspace_binary("plenary-app", "plenary-app", "PLENARY_APP_BIN")
}

/// The bare Tauri window (`PLENARY_BARE_WINDOW_BIN` overrides).
pub fn bare_window_binary() -> Result<PathBuf> {
    workspace_binary(
        "plenary-bare-window",
        "plenary-bare-window",
        "PLENARY_BARE_WINDOW_BIN",
    )
}

/// `<target>/e2e-artifacts/<scenario>`, emptied: one folder per run of a scenario.
pub fn fresh_artifacts_dir(scenario: &str) -> Result<PathBuf> {
    let dir = target_dir()?.join("e2e-artifacts").join(scenario);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| Error::io(format!("emptying {}", dir.display()), e))?;
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    Ok(dir)
}

/// Looks `name` up in `PATH`, then in cargo's bin folder (where
/// `cargo install` puts things, and which is not always on `PATH`).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path_dirs = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|d| d.join("bin"));
    path_dirs
        .into_iter()
        .chain(cargo_bin)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
