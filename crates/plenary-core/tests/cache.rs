//! The cache as the app and the sync engine use it: batches of records in,
//! views out, on real SQLite files.

use plenary_core::model::*;
use plenary_core::{Cache, Error, ErrorCode};
use time::macros::{date, datetime};

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn meeting() -> Meeting {
    Meeting {
        id: id("msp12"),
        title: "Twelfth Meeting of States Parties".into(),
        body: "Convention on Cluster Munitions".into(),
        venue: "Palais des Nations".into(),
        city: "Geneva".into(),
        starts_on: date!(2024 - 09 - 10),
        ends_on: date!(2024 - 09 - 13),
        symbol_prefix: Some("CCM/MSP/2024".into()),
    }
}

fn item(n: u32) -> AgendaItem {
    AgendaItem {
        id: id(&format!("msp12-item-{n}")),
        meeting_id: id("msp12"),
        number: n.to_string(),
        title: format!("Item {n}"),
        position: n,
    }
}

fn document(doc: &str, kind: DocumentKind, item: Option<u32>) -> Document {
    Document {
        id: id(doc),
        meeting_id: id("msp12"),
        symbol: Some(Symbol::new(format!("CCM/MSP/2024/{doc}")).unwrap()),
        title: format!("Document {doc}"),
        kind,
        agenda_item_id: item.map(|n| id(&format!("msp12-item-{n}"))),
    }
}

fn version(doc: &str, lang: Language, revision: u32, bytes: &[u8]) -> Version {
    Version {
        id: id(&format!("{doc}-{lang}-{revision}")),
        document_id: id(doc),
        language: lang,
        revision,
        label: if revision == 0 {
            "Original".into()
        } else {
            format!("Rev.{revision}")
        },
        published_at: datetime!(2024-09-10 09:00 UTC) + time::Duration::hours(revision.into()),
        sha256: Sha256::of(bytes),
        size: bytes.len() as u64,
        media_type: MediaType::Pdf,
        file_name: format!("{doc}-{lang}.pdf"),
    }
}

fn open() -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path().join("cache")).unwrap();
    (dir, cache)
}

/// A small meeting: two agenda items, a draft with two revisions in two
/// languages, a report without an agenda item, one statement.
fn seed(cache: &mut Cache) {
    let records = vec![
        // Deliberately children before parents: order within a batch is free.
        Record::Version(version("draft", Language::Fr, 1, b"fr1")),
        Record::Version(version("draft", Language::En, 0, b"en0")),
        Record::Version(version("draft", Language::En, 1, b"en1")),
        Record::Document(document("draft", DocumentKind::Draft, Some(2))),
        Record::Document(document("report", DocumentKind::Report, None)),
        Record::Version(version("report", Language::Ar, 0, b"ar0")),
        Record::AgendaItem(item(2)),
        Record::AgendaItem(item(1)),
        Record::Statement(Statement {
            id: id("st-mexico"),
            meeting_id: id("msp12"),
            agenda_item_id: Some(id("msp12-item-1")),
            delegation: "Mexico".into(),
            speaker: None,
            on_behalf_of: Some("a group of States".into()),
            delivered_on: date!(2024 - 09 - 10),
            document_id: None,
        }),
        Record::Meeting(meeting()),
    ];
    let report = cache.apply(&records).unwrap();
    assert_eq!(report.upserted, records.len());
    cache.put_blob(&Sha256::of(b"en1"), b"en1").unwrap();
}

#[test]
fn a_batch_in_any_order_builds_the_meeting_views() {
    let (_dir, mut cache) = open();
    seed(&mut cache);

    let meetings = cache.meetings().unwrap();
    assert_eq!(meetings.len(), 1);
    assert_eq!(meetings[0].document_count, 2);
    assert_eq!(meetings[0].statement_count, 1);
    assert_eq!(
        meetings[0].languages,
        vec![Language::Ar, Language::En, Language::Fr],
        "languages come in UN order"
    );

    let overview = cache.meeting_overview(&id("msp12")).unwrap();
    let numbers: Vec<_> = overview.agenda.iter().map(|a| a.number.as_str()).collect();
    assert_eq!(numbers, ["1", "2"], "agenda in position order");
    let docs: Vec<_> = overview
        .documents
        .iter()
        .map(|d| d.document.id.as_str())
        .collect();
    assert_eq!(
        docs,
        ["draft", "report"],
        "documents on an agenda item come before those without"
    );
    let draft = &overview.documents[0];
    assert_eq!(draft.latest_revision, 1);
    assert_eq!(draft.latest_label, "Rev.1");
    assert_eq!(draft.languages, vec![Language::En, Language::Fr]);
    assert_eq!(overview.statements[0].delegation, "Mexico");

    let detail = cache.document(&id("draft")).unwrap();
    assert_eq!(detail.agenda_item.as_ref().unwrap().number, "2");
    let order: Vec<_> = detail
        .versions
        .iter()
        .map(|v| (v.version.revision, v.version.language, v.downloaded))
        .collect();
    assert_eq!(
        order,
        [
            (1, Language::En, true),
            (1, Language::Fr, false),
            (0, Language::En, false)
        ],
        "newest revision first, languages in UN order, download state from the blob store"
    );
}

#[test]
fn reapplying_the_same_batch_changes_nothing_and_updates_replace() {
    let (_dir, mut cache) = open();
    seed(&mut cache);
    let before = cache.meeting_overview(&id("msp12")).unwrap();
    seed(&mut cache);
    assert_eq!(cache.meeting_overview(&id("msp12")).unwrap(), before);

    let mut renamed = meeting();
    renamed.title = "Twelfth Meeting of States Parties (resumed)".into();
    cache.apply(&[Record::Meeting(renamed)]).unwrap();
    assert_eq!(
        cache.meeting(&id("msp12")).unwrap().title,
        "Twelfth Meeting of States Parties (resumed)"
    );
    assert_eq!(
        cache
            .meeting_overview(&id("msp12"))
            .unwrap()
            .documents
            .len(),
        2,
        "updating a meeting must not cascade-delete its documents"
    );
}

#[test]
fn tombstones_remove_and_cascade() {
    let (_dir, mut cache) = open();
    seed(&mut cache);
    let report = cache
        .apply(&[
            Record::Tombstone(Tombstone::Version(id("draft-fr-1"))),
            Record::Tombstone(Tombstone::Version(id("never-existed"))),
        ])
        .unwrap();
    assert_eq!(report.deleted, 1);
    assert_eq!(cache.document(&id("draft")).unwrap().versions.len(), 2);

    cache
        .apply(&[Record::Tombstone(Tombstone::AgendaItem(id("msp12-item-2")))])
        .unwrap();
    let draft = cache.document(&id("draft")).unwrap();
    assert_eq!(
        draft.document.agenda_item_id, None,
        "a document outlives its agenda item"
    );

    cache
        .apply(&[Record::Tombstone(Tombstone::Meeting(id("msp12")))])
        .unwrap();
    assert!(cache.meetings().unwrap().is_empty());
    let err = cache.document(&id("draft")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert_eq!(cache.stats().unwrap().versions, 0);
}

#[test]
fn a_batch_with_a_dangling_reference_is_rolled_back_whole() {
    let (_dir, mut cache) = open();
    seed(&mut cache);
    let before = cache.stats().unwrap();
    let err = cache
        .apply(&[
            Record::Document(document("orphan", DocumentKind::Report, None)),
            // Refers to a document neither the batch nor the cache holds.
            Record::Version(version("missing-doc", Language::En, 0, b"x")),
        ])
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert_eq!(
        cache.stats().unwrap(),
        before,
        "nothing of a failed batch may stay"
    );
    assert!(cache.document(&id("orphan")).is_err());
}

#[test]
fn version_files_are_served_only_when_intact() {
    let (_dir, mut cache) = open();
    seed(&mut cache);
    let (version, bytes) = cache.version_file(&id("draft-en-1")).unwrap();
    assert_eq!(version.label, "Rev.1");
    assert_eq!(bytes, b"en1");

    let missing = cache.version_file(&id("draft-fr-1")).unwrap_err();
    assert_eq!(missing.code(), ErrorCode::BlobMissing);

    std::fs::write(cache.blobs().path_of(&Sha256::of(b"en1")), b"en!").unwrap();
    let corrupt = cache.version_file(&id("draft-en-1")).unwrap_err();
    assert!(matches!(corrupt, Error::BlobCorrupt { .. }), "{corrupt}");
    assert!(
        !cache.document(&id("draft")).unwrap().versions[0].downloaded,
        "a quarantined file no longer counts as downloaded"
    );
}

#[test]
fn data_survives_closing_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut cache = Cache::open(dir.path()).unwrap();
        seed(&mut cache);
    }
    let cache = Cache::open(dir.path()).unwrap();
    let stats = cache.stats().unwrap();
    assert_eq!((stats.meetings, stats.documents, stats.versions), (1, 2, 4));
    assert_eq!(stats.versions_downloaded, 1);
    let (integrity, blobs) = cache.verify().unwrap();
    assert_eq!(integrity, "ok");
    assert_eq!(blobs.checked, 1);
}

#[test]
fn settings_space_and_free_space_keep_exactly_what_is_chosen() {
    use plenary_core::cache::Rendition;
    use plenary_core::sync::{Languages, Meetings};
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(dir.path()).unwrap();
    let (en, fr, shared) = (
        b"english".as_slice(),
        b"french!!".as_slice(),
        b"both".as_slice(),
    );
    cache
        .apply(&[
            Record::Meeting(meeting()),
            Record::Document(document("10", DocumentKind::Draft, None)),
            Record::Version(version("10", Language::En, 0, en)),
            Record::Version(version("10", Language::Fr, 0, fr)),
            Record::Version(version("10", Language::En, 1, shared)),
            Record::Version(version("10", Language::Fr, 1, shared)),
        ])
        .unwrap();
    for bytes in [en, fr, shared, b"withdrawn".as_slice()] {
        cache.blobs().put(bytes).unwrap();
    }
    let text = Rendition::Ok {
        extractor: "text".into(),
        pages: vec!["page one".into(), "page two".into()],
    };
    cache.put_rendition(&Sha256::of(fr), &text).unwrap();
    assert_eq!(cache.rendition(&Sha256::of(fr)).unwrap(), Some(text));
    assert_eq!(cache.rendition(&Sha256::of(en)).unwrap(), None);

    assert_eq!(
        cache.keep().unwrap(),
        Default::default(),
        "everything by default"
    );
    let used = cache.space_used().unwrap();
    assert_eq!(used.total_bytes, 7 + 8 + 4 + 9);
    assert_eq!(used.by_language[&Language::En], 7 + 4);
    assert_eq!(used.by_language[&Language::Fr], 8 + 4);
    assert_eq!(used.by_meeting[&id::<MeetingId>("msp12")], 7 + 8 + 4);
    assert_eq!(used.unreferenced_bytes, 9);

    cache
        .set_keep_languages(&Languages::Only(vec![Language::En]))
        .unwrap();
    drop(cache);
    let mut cache = Cache::open(dir.path()).unwrap();
    assert_eq!(
        cache.keep().unwrap().languages,
        Languages::Only(vec![Language::En]),
        "settings persist"
    );
    let freed = cache.free_space().unwrap();
    assert_eq!(
        (freed.files, freed.bytes),
        (2, 8 + 9),
        "French and withdrawn"
    );
    assert!(cache.blobs().contains(&Sha256::of(en)));
    assert!(
        cache.blobs().contains(&Sha256::of(shared)),
        "a file an English version still needs stays"
    );
    assert!(!cache.blobs().contains(&Sha256::of(fr)));
    assert_eq!(
        cache.rendition(&Sha256::of(fr)).unwrap(),
        None,
        "its text went with it"
    );
    assert_eq!(cache.all_versions().unwrap().len(), 4, "metadata stays");

    cache.set_keep_meetings(&Meetings::Only(vec![])).unwrap();
    cache.free_space().unwrap();
    assert!(cache.blobs().list().unwrap().is_empty());
}

#[test]
fn clearing_files_removes_every_download_and_keeps_metadata_and_settings() {
    use plenary_core::cache::{Preferences, Rendition, ServerSettings, UiLanguage};
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(dir.path()).unwrap();
    let (en, fr) = (b"english".as_slice(), b"french!!".as_slice());
    cache
        .apply(&[
            Record::Meeting(meeting()),
            Record::Document(document("10", DocumentKind::Draft, None)),
            Record::Version(version("10", Language::En, 0, en)),
            Record::Version(version("10", Language::Fr, 0, fr)),
        ])
        .unwrap();
    for bytes in [en, fr] {
        cache.blobs().put(bytes).unwrap();
    }
    let text = Rendition::Ok {
        extractor: "text".into(),
        pages: vec!["une page".into()],
    };
    cache.put_rendition(&Sha256::of(fr), &text).unwrap();
    let prefs = Preferences {
        ui_language: Some(UiLanguage::Fr),
        document_languages: vec![Language::Fr],
    };
    cache.set_preferences(&prefs).unwrap();
    let server = cache
        .set_server_settings(ServerSettings {
            url: Some("http://127.0.0.1:8787".into()),
            token: None,
        })
        .unwrap();

    let freed = cache.clear_files().unwrap();
    assert_eq!((freed.files, freed.bytes), (2, 7 + 8));
    assert!(
        cache.blobs().list().unwrap().is_empty(),
        "no downloaded file may remain after clearing"
    );
    assert_eq!(cache.rendition(&Sha256::of(fr)).unwrap(), None);
    assert_eq!(cache.all_versions().unwrap().len(), 2, "metadata stays");
    assert_eq!(cache.preferences().unwrap(), prefs, "preferences stay");
    assert_eq!(cache.server_settings().unwrap(), server, "the server stays");
    assert_eq!(cache.space_used().unwrap().total_bytes, 0);
}

#[test]
fn new_and_updated_marks_follow_what_arrived_since_the_user_looked() {
    use plenary_core::cache::{Freshness, NewsCount};
    let (_dir, mut cache) = open();
    let meeting_id: MeetingId = id("msp12");
    let marks = |cache: &Cache| -> Vec<(String, Option<Freshness>)> {
        cache
            .meeting_overview(&id("msp12"))
            .unwrap()
            .documents
            .into_iter()
            .map(|d| (d.document.id.to_string(), d.freshness))
            .collect()
    };
    cache
        .apply(&[
            Record::Meeting(meeting()),
            Record::Document(document("1", DocumentKind::Report, None)),
            Record::Version(version("1", Language::En, 0, b"one")),
        ])
        .unwrap();
    assert_eq!(
        marks(&cache),
        vec![("1".into(), None)],
        "nothing is news before the user first opens the meeting"
    );
    cache.mark_meeting_seen(&meeting_id).unwrap();

    // A new document, and a new revision of the one that was there.
    cache
        .apply(&[
            Record::Document(document("2", DocumentKind::Draft, None)),
            Record::Version(version("2", Language::En, 0, b"two")),
        ])
        .unwrap();
    cache
        .apply(&[Record::Version(version(
            "1",
            Language::En,
            1,
            b"one, revised",
        ))])
        .unwrap();
    assert_eq!(
        marks(&cache),
        vec![
            ("1".into(), Some(Freshness::Updated)),
            ("2".into(), Some(Freshness::New))
        ]
    );
    assert_eq!(
        cache.meetings().unwrap()[0].news,
        NewsCount { new: 1, updated: 1 }
    );

    // Reading clears a mark; the same records synced again are not news.
    cache.mark_document_read(&id("2")).unwrap();
    cache
        .apply(&[Record::Version(version("2", Language::En, 0, b"two"))])
        .unwrap();
    assert_eq!(
        marks(&cache),
        vec![("1".into(), Some(Freshness::Updated)), ("2".into(), None)],
        "a version re-applied with the same file must not come back as news"
    );
    // A version whose file changed is news again.
    cache
        .apply(&[Record::Version(version(
            "2",
            Language::En,
            0,
            b"two, corrected",
        ))])
        .unwrap();
    assert_eq!(marks(&cache)[1].1, Some(Freshness::Updated));

    // Clearing files keeps the reading state; "mark all read" clears all.
    cache.clear_files().unwrap();
    assert_eq!(marks(&cache)[1].1, Some(Freshness::Updated));
    assert_eq!(cache.mark_meeting_read(&meeting_id).unwrap(), 2);
    assert_eq!(marks(&cache), vec![("1".into(), None), ("2".into(), None)]);
    assert_eq!(cache.meetings().unwrap()[0].news, NewsCount::default());

    let err = cache.mark_document_read(&id("nope")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}
