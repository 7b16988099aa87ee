//! Running the real `plenary` binary on a cache folder, with everything it
//! printed when it fails.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub const PLENARY: &str = env!("CARGO_BIN_EXE_plenary");

/// `plenary --cache-dir <cache> <args>`, whatever its exit status.
pub fn run(cache: &Path, args: &[&str]) -> Output {
    Command::new(PLENARY)
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .output()
        .unwrap()
}

/// Its stdout; fails the test, showing both streams, if it failed.
pub fn plenary(cache: &Path, args: &[&str]) -> String {
    let out = run(cache, args);
    assert!(
        out.status.success(),
        "plenary {args:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
