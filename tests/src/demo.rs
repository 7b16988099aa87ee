//! Demo data for scenarios and the benchmark.

use std::path::Path;

use plenary_core::Cache;

use crate::error::{Error, Result};

/// Seeds the demo meeting into the cache at `dir` (created if needed).
pub fn seed_cache(dir: &Path) -> Result<()> {
    let mut cache = Cache::open(dir)
        .map_err(|e| Error::Setup(format!("opening a cache in {}: {e}", dir.display())))?;
    plenary_demo::seed(&mut cache)
        .map_err(|e| Error::Setup(format!("seeding the demo into {}: {e}", dir.display())))?;
    Ok(())
}
