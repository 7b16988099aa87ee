//! Recently published or requested files, kept in memory.
//!
//! When a new revision appears, every laptop in the room fetches it within
//! seconds. Serving those thousands of downloads from disk through tokio's
//! file API costs a blocking-pool round trip per 64 KiB chunk per client and
//! reached about half of what the loopback carries (`fanout-bench`); from one
//! shared `Bytes` each response is a reference-counted slice handed straight
//! to the socket. Files are immutable and addressed by hash, so an entry
//! never goes stale; the least recently used are dropped past a byte budget.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use plenary_core::model::Sha256;

#[derive(Debug)]
pub struct HotFiles {
    budget: u64,
    largest: u64,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<Sha256, (Bytes, u64)>,
    bytes: u64,
    clock: u64,
}

impl HotFiles {
    /// Keeps at most `budget` bytes, of files no larger than `largest`.
    pub fn new(budget: u64, largest: u64) -> Self {
        HotFiles {
            budget,
            largest: largest.min(budget),
            inner: Mutex::default(),
        }
    }

    /// Whether a file of this size is worth keeping.
    pub fn fits(&self, size: u64) -> bool {
        size <= self.largest
    }

    pub fn get(&self, sha: &Sha256) -> Option<Bytes> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.clock += 1;
        let now = inner.clock;
        inner.entries.get_mut(sha).map(|(bytes, used)| {
            *used = now;
            bytes.clone()
        })
    }

    /// Keeps `bytes` (which must hash to `sha`), dropping the least recently
    /// used files to stay within the budget.
    pub fn put(&self, sha: Sha256, bytes: Bytes) {
        let size = bytes.len() as u64;
        if !self.fits(size) {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.clock += 1;
        let now = inner.clock;
        if let Some((_, used)) = inner.entries.get_mut(&sha) {
            *used = now;
            return;
        }
        while inner.bytes + size > self.budget {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some((b, _)) = inner.entries.remove(&oldest) {
                inner.bytes -= b.len() as u64;
            }
        }
        inner.bytes += size;
        inner.entries.insert(sha, (bytes, now));
    }
}

/// A single byte range of a file of `len` bytes from a `Range` header, as
/// `start..end`. `Ok(None)`: no range (or several: the caller serves those
/// another way). `Err(())`: unsatisfiable.
#[allow(clippy::result_unit_err)]
pub fn single_range(header: &str, len: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (first, last) = spec.split_once('-').ok_or(())?;
    let (first, last) = (first.trim(), last.trim());
    let range = if first.is_empty() {
        let n: u64 = last.parse().map_err(|_| ())?;
        if n == 0 {
            return Err(());
        }
        len.saturating_sub(n)..len
    } else {
        let start: u64 = first.parse().map_err(|_| ())?;
        let end = if last.is_empty() {
            len
        } else {
            let l: u64 = last.parse().map_err(|_| ())?;
            if l < start {
                return Err(());
            }
            (l + 1).min(len)
        };
        start..end
    };
    if range.start >= len {
        return Err(());
    }
    Ok(Some(range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(single_range("bytes=10-19", 100), Ok(Some(10..20)));
        assert_eq!(single_range("bytes=90-", 100), Ok(Some(90..100)));
        assert_eq!(single_range("bytes=-5", 100), Ok(Some(95..100)));
        assert_eq!(single_range("bytes=90-200", 100), Ok(Some(90..100)));
        assert_eq!(single_range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(single_range("items=0-1", 100), Ok(None));
        assert_eq!(single_range("bytes=100-", 100), Err(()));
        assert_eq!(single_range("bytes=5-4", 100), Err(()));
        assert_eq!(single_range("bytes=x-", 100), Err(()));
    }

    #[test]
    fn the_least_recently_used_go_first() {
        let hot = HotFiles::new(10, 6);
        let (a, b, c) = (Sha256::of(b"a"), Sha256::of(b"b"), Sha256::of(b"c"));
        hot.put(a, Bytes::from_static(b"aaaa"));
        hot.put(b, Bytes::from_static(b"bbbb"));
        assert!(hot.get(&a).is_some()); // a is now the most recent
        hot.put(c, Bytes::from_static(b"cccc"));
        assert!(hot.get(&b).is_none());
        assert!(hot.get(&a).is_some() && hot.get(&c).is_some());
        hot.put(Sha256::of(b"big"), Bytes::from_static(b"0123456"));
        assert!(hot.get(&Sha256::of(b"big")).is_none(), "too large to keep");
    }
}
