//! The sync planner: given what the cache holds and what the user keeps
//! offline, which files must be fetched. Pure: no I/O, tested without a network.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Language, MediaType, MeetingId, Sha256, Version};

/// Which languages' files to keep offline. Metadata is always kept for all.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// Which meetings' files to keep offline. Metadata is always kept for all.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meetings {
    #[default]
    All,
    Only(Vec<MeetingId>),
}

impl Meetings {
    pub fn includes(&self, meeting: &MeetingId) -> bool {
        match self {
            Meetings::All => true,
            Meetings::Only(list) => list.contains(meeting),
        }
    }
}

/// What the user keeps offline: the files of versions in these meetings
/// *and* these languages. Persisted in the cache ([`crate::Cache::keep`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Keep {
    pub meetings: Meetings,
    pub languages: Languages,
}

impl Keep {
    pub fn includes(&self, meeting: &MeetingId, language: Language) -> bool {
        self.meetings.includes(meeting) && self.languages.includes(language)
    }
}

/// One file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    pub sha256: Sha256,
    pub size: u64,
    pub media_type: MediaType,
    /// A name to show while it downloads (`CCM_MSP_2024_10-fr.pdf`).
    pub file_name: String,
}

/// The files to fetch: those of kept versions that are not present, each
/// once (the same file can serve several versions), smallest first so that
/// the most documents become readable soonest.
pub fn files_to_fetch(
    versions: &[(MeetingId, Version)],
    keep: &Keep,
    present: impl Fn(&Sha256) -> bool,
) -> Vec<Fetch> {
    let mut wanted: BTreeMap<Sha256, Fetch> = BTreeMap::new();
    for (meeting, v) in versions {
        if keep.includes(meeting, v.language) && !present(&v.sha256) {
            wanted.entry(v.sha256).or_insert_with(|| Fetch {
                sha256: v.sha256,
                size: v.size,
                media_type: v.media_type,
                file_name: v.file_name.clone(),
            });
        }
    }
    let mut out: Vec<Fetch> = wanted.into_values().collect();
    out.sort_by_key(|f| (f.size, f.sha256));
    out
}

/// The files whose text rendition to fetch: kept, present, and without one.
pub fn renditions_to_fetch(
    versions: &[(MeetingId, Version)],
    keep: &Keep,
    present: impl Fn(&Sha256) -> bool,
    has_rendition: impl Fn(&Sha256) -> bool,
) -> Vec<Sha256> {
    let mut out: Vec<Sha256> = versions
        .iter()
        .filter(|(m, v)| keep.includes(m, v.language))
        .map(|(_, v)| v.sha256)
        .filter(|s| present(s) && !has_rendition(s))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn version(n: u8, language: Language, size: u64, bytes: &[u8]) -> (MeetingId, Version) {
        let meeting = if n.is_multiple_of(2) {
            "m-even"
        } else {
            "m-odd"
        };
        (
            meeting.parse().unwrap(),
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
            },
        )
    }

    fn langs(list: &[Language]) -> Keep {
        Keep {
            meetings: Meetings::All,
            languages: Languages::Only(list.to_vec()),
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
        let plan = files_to_fetch(&versions, &langs(&[Language::En, Language::Fr]), |s| {
            *s == have
        });
        let got: Vec<_> = plan.iter().map(|f| (f.sha256, f.size)).collect();
        assert_eq!(
            got,
            [(Sha256::of(b"fr"), 100), (Sha256::of(b"en"), 300)],
            "Arabic is not kept, the present file is skipped, the shared file comes once"
        );
        assert_eq!(
            files_to_fetch(&versions, &Keep::default(), |_| false).len(),
            4
        );
        assert!(files_to_fetch(&versions, &Keep::default(), |_| true).is_empty());
    }

    #[test]
    fn keeps_only_the_chosen_meetings_in_the_chosen_languages() {
        let versions = [
            version(1, Language::En, 1, b"odd-en"),
            version(2, Language::En, 2, b"even-en"),
            version(4, Language::Fr, 3, b"even-fr"),
        ];
        let keep = Keep {
            meetings: Meetings::Only(vec!["m-even".parse().unwrap()]),
            languages: Languages::Only(vec![Language::En]),
        };
        let plan = files_to_fetch(&versions, &keep, |_| false);
        assert_eq!(
            plan.iter().map(|f| f.sha256).collect::<Vec<_>>(),
            [Sha256::of(b"even-en")]
        );
        let texts = renditions_to_fetch(
            &versions,
            &Keep::default(),
            |s| *s != Sha256::of(b"odd-en"),
            |s| *s == Sha256::of(b"even-fr"),
        );
        assert_eq!(
            texts,
            [Sha256::of(b"even-en")],
            "only present files without a rendition"
        );
    }
}
