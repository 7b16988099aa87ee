//! The sync planner: given what the cache holds and what the user keeps
//! offline, which files must be fetched. Pure: no I/O, tested without a network.

use std::collections::BTreeMap;

use crate::model::{Language, MediaType, Sha256, Version};

/// Which languages' files to keep offline. Metadata is always kept for all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Languages {
    #[default]
    All,
    Only(Vec<Language>),
}

impl Languages {
    pub fn includes(&self, language: Language) -> bool {
        match self {
            Languages::All => true,
            Languages::Only(list) => list.contains(&language),
        }
    }
}

/// One file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    pub sha256: Sha256,
    pub size: u64,
    pub media_type: MediaType,
}

/// The files to fetch: those of kept languages that are not present, each
/// once (the same file can serve several versions), smallest first so that
/// the most documents become readable soonest.
pub fn files_to_fetch(
    versions: &[Version],
    languages: &Languages,
    present: impl Fn(&Sha256) -> bool,
) -> Vec<Fetch> {
    let mut wanted: BTreeMap<Sha256, Fetch> = BTreeMap::new();
    for v in versions {
        if languages.includes(v.language) && !present(&v.sha256) {
            wanted.entry(v.sha256).or_insert(Fetch {
                sha256: v.sha256,
                size: v.size,
                media_type: v.media_type,
            });
        }
    }
    let mut out: Vec<Fetch> = wanted.into_values().collect();
    out.sort_by_key(|f| (f.size, f.sha256));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn version(n: u8, language: Language, size: u64, bytes: &[u8]) -> Version {
        Version {
            id: format!("v{n}").parse().unwrap(),
            document_id: "d".parse().unwrap(),
            language,
            revision: n.into(),
            label: "Original".into(),
            published_at: datetime!(2024-09-10 10:00 UTC),
            sha256: Sha256::of(bytes),
            size,
            media_type: MediaType::Pdf,
            file_name: "d.pdf".into(),
        }
    }

    #[test]
    fn fetches_missing_files_of_kept_languages_once_smallest_first() {
        let versions = [
            version(1, Language::En, 300, b"en"),
            version(2, Language::Fr, 100, b"fr"),
            version(3, Language::Ar, 50, b"ar"),
            version(4, Language::Fr, 100, b"fr"), // same file again
            version(5, Language::En, 10, b"have"),
        ];
        let have = Sha256::of(b"have");
        let plan = files_to_fetch(
            &versions,
            &Languages::Only(vec![Language::En, Language::Fr]),
            |s| *s == have,
        );
        let got: Vec<_> = plan.iter().map(|f| (f.sha256, f.size)).collect();
        assert_eq!(
            got,
            [(Sha256::of(b"fr"), 100), (Sha256::of(b"en"), 300)],
            "Arabic is not kept, the present file is skipped, the shared file comes once"
        );
        assert_eq!(
            files_to_fetch(&versions, &Languages::All, |_| false).len(),
            4
        );
        assert!(files_to_fetch(&versions, &Languages::All, |_| true).is_empty());
    }
}
