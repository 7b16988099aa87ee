//! Annotations in the cache, on real SQLite files: saved before the call
//! returns, carried onto new revisions with an outcome for each, never
//! deleted by what sync applies, undo after delete, filters.

use plenary_core::Cache;
use plenary_core::cache::{
    NewNote, NoteColor, NoteEdit, NoteFilter, Outcome, Rendition, Selection,
};
use plenary_core::model::*;
use time::macros::{date, datetime};

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

const REV0: &[&str] = &[
    "Draft Protocol VI\nArticle 1\nGeneral obligations\n1. Each High Contracting Party shall take all feasible \
     measures to protect civilians from the effects of explosive weapons.",
    "Article 2\nClearance\n1. Each High Contracting Party shall clear remnants within ten years.\n\
     2. Assistance shall be provided to affected communities.",
];

const REV1: &[&str] = &[
    "Revised Draft Protocol VI\nArticle 1\nScope\nThis Protocol applies in armed conflict.\nArticle 2\n\
     General obligations\n1. Each High Contracting Party shall take all feasible measures to protect \
     civilians from the effects of explosive weapons.",
    "Article 3\nClearance\n1. Each High Contracting Party shall clear remnants within ten years.",
];

fn setup() -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(dir.path().join("cache")).unwrap();
    publish(&mut cache, 0, REV0);
    (dir, cache)
}

fn records(revision: u32, pages: &[&str]) -> (Vec<Record>, Sha256, Rendition) {
    let bytes = format!("rev{revision}|{}", pages.join("\u{c}")).into_bytes();
    let sha = Sha256::of(&bytes);
    let records = vec![
        Record::Meeting(Meeting {
            id: id("m1"),
            title: "Review Conference".into(),
            body: "CCW".into(),
            venue: "Palais des Nations".into(),
            city: "Geneva".into(),
            starts_on: date!(2024 - 11 - 11),
            ends_on: date!(2024 - 11 - 15),
            symbol_prefix: None,
        }),
        Record::AgendaItem(AgendaItem {
            id: id("m1-i5"),
            meeting_id: id("m1"),
            number: "5".into(),
            title: "Protocol VI".into(),
            position: 5,
        }),
        Record::Document(Document {
            id: id("p6"),
            meeting_id: id("m1"),
            symbol: Some(Symbol::new("CCW/CONF.VII/WP.6").unwrap()),
            title: "Draft Protocol VI".into(),
            kind: DocumentKind::Draft,
            agenda_item_id: Some(id("m1-i5")),
        }),
        Record::Version(Version {
            id: id(&format!("p6-en-{revision}")),
            document_id: id("p6"),
            language: Language::En,
            revision,
            label: if revision == 0 {
                "Original".into()
            } else {
                format!("Rev.{revision}")
            },
            published_at: datetime!(2024-11-11 09:00 UTC) + time::Duration::hours(revision as i64),
            sha256: sha,
            size: bytes.len() as u64,
            media_type: MediaType::Pdf,
            file_name: "p6.pdf".into(),
        }),
    ];
    let rendition = Rendition::Ok {
        extractor: "pdftotext".into(),
        pages: pages.iter().map(|p| p.to_string()).collect(),
    };
    (records, sha, rendition)
}

fn publish(cache: &mut Cache, revision: u32, pages: &[&str]) {
    let (records, sha, rendition) = records(revision, pages);
    cache.apply(&records).unwrap();
    cache.put_rendition(&sha, &rendition).unwrap();
}

fn note_on(cache: &mut Cache, page: u32, exact: &str, body: &str) -> String {
    cache
        .create_note(NewNote {
            version_id: id("p6-en-0"),
            selection: Selection {
                page: Some(page),
                // As pdf.js's text layer gives it: other spacing than the rendition.
                exact: exact.split_whitespace().collect::<Vec<_>>().join("  "),
                prefix: String::new(),
                suffix: String::new(),
            },
            color: NoteColor::Green,
            body: body.into(),
            tags: vec!["#protection".into(), "priority".into(), "priority".into()],
        })
        .unwrap()
        .note
        .id
}

#[test]
fn a_note_is_stored_with_its_selectors_and_survives_reopening() {
    let (dir, mut cache) = setup();
    let placed = cache
        .create_note(NewNote {
            version_id: id("p6-en-0"),
            selection: Selection {
                page: Some(2),
                exact: "clear remnants within ten years".into(),
                prefix: "Party shall ".into(),
                suffix: ".".into(),
            },
            color: NoteColor::Yellow,
            body: "Ten years is too short for heavily contaminated States.".into(),
            tags: vec![" clearance ".into(), "".into()],
        })
        .unwrap();
    let note = &placed.note;
    assert_eq!(placed.placement.outcome, Outcome::Origin);
    assert_eq!(note.target.page, Some(2));
    assert_eq!(
        note.target.location.as_deref(),
        Some("Article 2, paragraph 1"),
        "a note on numbered text records its article and paragraph"
    );
    let start = note
        .target
        .start
        .expect("the quote was found in the rendition");
    let whole: String = REV0.join("\u{c}");
    let quote: String = whole
        .chars()
        .skip(start)
        .take(note.target.end.unwrap() - start)
        .collect();
    assert_eq!(quote, "clear remnants within ten years");
    assert!(
        note.target.prefix.ends_with("Party shall "),
        "{:?}",
        note.target.prefix
    );
    assert_eq!(note.tags, vec!["clearance"]);
    drop(cache);

    let mut cache = Cache::open(dir.path().join("cache")).unwrap();
    let notes = cache.notes_for_version(&id("p6-en-0")).unwrap();
    assert_eq!(
        notes.placed.len(),
        1,
        "a saved note must be there after reopening"
    );
    assert_eq!(notes.placed[0].note.body, note.body);
}

#[test]
fn notes_follow_the_text_into_the_next_revision_or_are_listed_as_unplaced() {
    let (_dir, mut cache) = setup();
    let moved = note_on(
        &mut cache,
        1,
        "take all feasible measures to protect civilians",
        "Keep 'all feasible'.",
    );
    let gone = note_on(
        &mut cache,
        2,
        "Assistance shall be provided to affected communities",
        "Where did this go?",
    );
    let same = note_on(&mut cache, 2, "clear remnants within ten years", "");
    publish(&mut cache, 1, REV1);

    let notes = cache.notes_for_version(&id("p6-en-1")).unwrap();
    let outcome = |nid: &str| {
        notes
            .placed
            .iter()
            .chain(&notes.unplaced)
            .find(|p| p.note.id == nid)
            .map(|p| p.placement.clone())
            .expect("every note of the document is listed on the new revision")
    };
    let m = outcome(&moved);
    assert_eq!(m.outcome, Outcome::Moved);
    assert_eq!(
        m.quote.as_deref(),
        Some("take all feasible measures to protect civilians")
    );
    assert_eq!(m.page, Some(1));
    let s = outcome(&same);
    assert!(s.outcome.is_placed(), "{s:?}");
    assert_eq!(s.page, Some(2));
    let g = outcome(&gone);
    assert_eq!(
        g.outcome,
        Outcome::Orphaned,
        "deleted text: the note is unplaced, not misplaced"
    );
    assert!(
        !g.reason.as_deref().unwrap_or("").is_empty(),
        "an unplaced note says why: {g:?}"
    );
    assert_eq!(notes.unplaced.len(), 1);
    assert_eq!(notes.placed.len(), 2);

    // The old revision still shows every note where it was made.
    let old = cache.notes_for_version(&id("p6-en-0")).unwrap();
    assert_eq!(old.placed.len(), 3);
    assert!(
        old.placed
            .iter()
            .all(|p| p.placement.outcome == Outcome::Origin)
    );

    // The user attaches the unplaced note to new text; it stays there.
    let attached = cache
        .attach_note(
            &gone,
            &id("p6-en-1"),
            &Selection {
                page: Some(1),
                exact: "This Protocol applies in armed conflict.".into(),
                prefix: String::new(),
                suffix: String::new(),
            },
        )
        .unwrap();
    assert_eq!(attached.placement.outcome, Outcome::Attached);
    let again = cache.notes_for_version(&id("p6-en-1")).unwrap();
    assert!(again.unplaced.is_empty());
    assert_eq!(again.placed.len(), 3);
}

#[test]
fn publishing_or_withdrawing_never_deletes_a_note() {
    let (_dir, mut cache) = setup();
    let n = note_on(&mut cache, 1, "General obligations", "mine");
    cache
        .apply(&[
            Record::Tombstone(Tombstone::Version(id("p6-en-0"))),
            Record::Tombstone(Tombstone::Document(id("p6"))),
        ])
        .unwrap();
    let note = cache.note(&n).unwrap();
    assert_eq!(
        note.body, "mine",
        "a withdrawn document must not take the user's notes with it"
    );
    assert!(!note.deleted);
}

#[test]
fn delete_can_be_undone_and_edits_are_counted() {
    let (_dir, mut cache) = setup();
    let n = note_on(&mut cache, 1, "General obligations", "first");
    let edited = cache
        .update_note(
            &n,
            NoteEdit {
                body: Some("second".into()),
                color: Some(NoteColor::Pink),
                tags: Some(vec!["a".into(), "b".into()]),
            },
        )
        .unwrap();
    assert_eq!(
        (edited.body.as_str(), edited.color),
        ("second", NoteColor::Pink)
    );
    assert_eq!(edited.edits, 2);
    cache.delete_note(&n).unwrap();
    assert!(
        cache
            .notes_for_version(&id("p6-en-0"))
            .unwrap()
            .placed
            .is_empty()
    );
    let restored = cache.restore_note(&n).unwrap();
    assert!(!restored.deleted);
    assert_eq!(restored.body, "second");
    assert_eq!(
        cache
            .notes_for_version(&id("p6-en-0"))
            .unwrap()
            .placed
            .len(),
        1
    );
}

#[test]
fn a_meetings_notes_are_listed_on_the_newest_revision_and_filtered() {
    let (_dir, mut cache) = setup();
    let a = note_on(&mut cache, 1, "General obligations", "a");
    let b = note_on(&mut cache, 2, "Assistance shall be provided", "b");
    cache
        .update_note(
            &b,
            NoteEdit {
                tags: Some(vec!["assistance".into()]),
                color: Some(NoteColor::Blue),
                ..Default::default()
            },
        )
        .unwrap();
    publish(&mut cache, 1, REV1);
    let all = cache
        .notes_for_meeting(&id("m1"), &NoteFilter::default())
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|n| n.revision == 1 && n.revision_label == "Rev.1")
    );
    let by_id = |nid: &str| all.iter().find(|n| n.placed.note.id == nid).unwrap();
    assert_eq!(by_id(&a).placed.placement.outcome, Outcome::Moved);
    assert_eq!(by_id(&b).placed.placement.outcome, Outcome::Orphaned);
    assert_eq!(
        by_id(&a).document_symbol.as_deref(),
        Some("CCW/CONF.VII/WP.6")
    );

    let mut only = |f: NoteFilter| {
        cache
            .notes_for_meeting(&id("m1"), &f)
            .unwrap()
            .into_iter()
            .map(|n| n.placed.note.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        only(NoteFilter {
            tag: Some("assistance".into()),
            ..Default::default()
        }),
        vec![b.clone()]
    );
    assert_eq!(
        only(NoteFilter {
            color: Some(NoteColor::Green),
            ..Default::default()
        }),
        vec![a.clone()]
    );
    assert_eq!(
        only(NoteFilter {
            agenda_item: Some(id("m1-i5")),
            ..Default::default()
        })
        .len(),
        2
    );
    assert!(
        only(NoteFilter {
            agenda_item: Some(id("m1-i9")),
            ..Default::default()
        })
        .is_empty()
    );
    assert!(
        only(NoteFilter {
            author: Some("nobody".into()),
            ..Default::default()
        })
        .is_empty()
    );
    let (tags, authors) = cache.note_facets(&id("m1")).unwrap();
    assert!(tags.contains(&"assistance".to_string()) && tags.contains(&"priority".to_string()));
    assert_eq!(authors.len(), 1);
}

#[test]
fn bad_notes_are_refused_with_a_reason_and_change_nothing() {
    let (_dir, mut cache) = setup();
    let base = NewNote {
        version_id: id("p6-en-0"),
        selection: Selection {
            page: Some(1),
            exact: "   ".into(),
            prefix: String::new(),
            suffix: String::new(),
        },
        color: NoteColor::Yellow,
        body: String::new(),
        tags: vec![],
    };
    let err = cache.create_note(base.clone()).unwrap_err();
    assert_eq!(err.code(), plenary_core::ErrorCode::InvalidInput, "{err}");
    let mut missing = base.clone();
    missing.version_id = id("nope");
    missing.selection.exact = "x".into();
    assert_eq!(
        cache.create_note(missing).unwrap_err().code(),
        plenary_core::ErrorCode::NotFound
    );
    let mut huge = base;
    huge.selection.exact = "General".into();
    huge.body = "x".repeat(200_000);
    assert!(cache.create_note(huge).is_err());
    assert!(
        cache
            .notes_for_version(&id("p6-en-0"))
            .unwrap()
            .placed
            .is_empty()
    );
}

#[test]
fn a_version_without_text_keeps_the_readers_quote() {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(dir.path().join("cache")).unwrap();
    let (records, _, _) = records(0, REV0);
    cache.apply(&records).unwrap();
    let placed = note_on(&mut cache, 1, "General obligations", "no text yet");
    let note = cache.note(&placed).unwrap();
    assert_eq!(note.target.start, None);
    assert_eq!(note.target.page, Some(1));
    assert!(note.target.exact.contains("General"));
}

#[test]
fn a_note_on_reworded_text_is_placed_on_the_new_wording_or_flagged() {
    let (_dir, mut cache) = setup();
    let n = note_on(
        &mut cache,
        2,
        "Each High Contracting Party shall clear remnants within ten years",
        "Too short?",
    );
    publish(&mut cache, 1, REV1);
    const REV2: &[&str] = &[
        REV1[0],
        "Article 3\nClearance\n1. Each High Contracting Party shall clear all remnants within eight years.",
    ];
    publish(&mut cache, 2, REV2);
    let notes = cache.notes_for_version(&id("p6-en-2")).unwrap();
    let p = notes
        .placed
        .iter()
        .chain(&notes.unplaced)
        .find(|p| p.note.id == n)
        .expect("the note is listed on Rev.2");
    match p.placement.outcome {
        Outcome::Changed => {
            let quote = p.placement.quote.as_deref().unwrap_or_default();
            assert!(
                quote.contains("eight years"),
                "placed on the new wording, not on other text: {quote:?}"
            );
            assert_eq!(p.placement.page, Some(2));
        }
        Outcome::NeedsReview => {}
        other => panic!("reworded text must be placed as changed or flagged, got {other:?}: {p:?}"),
    }
}

#[test]
fn the_compare_view_knows_which_changes_touch_a_note() {
    let (_dir, mut cache) = setup();
    let options = plenary_core::compare::CompareOptions::default();
    // Without notes, no change touches one.
    publish(&mut cache, 1, REV1);
    let plain = cache
        .compare_with_notes(&id("p6-en-0"), &id("p6-en-1"), &options)
        .unwrap();
    assert_eq!(plain.notes, 0);
    assert!(plain.noted_changes.is_empty());
    assert!(
        plain.comparison.changes.len() > 2,
        "{:#?}",
        plain.comparison.changes
    );

    // A note on the paragraph Rev.1 deletes, one on text Rev.1 keeps as is.
    let deleted = note_on(
        &mut cache,
        2,
        "Assistance shall be provided to affected communities.",
        "",
    );
    let kept = note_on(&mut cache, 2, "shall clear remnants within ten years", "");
    let c = cache
        .compare_with_notes(&id("p6-en-0"), &id("p6-en-1"), &options)
        .unwrap();
    assert_eq!(c.old_version.as_str(), "p6-en-0");
    assert_eq!(c.new_version.as_str(), "p6-en-1");
    // Both notes are placed (on Rev.1 the kept one; the deleted one only on the original).
    assert_eq!(c.notes, 2);
    assert_eq!(c.noted_changes.len(), 1, "{:#?}", c.noted_changes);
    let touched = &c.comparison.changes[c.noted_changes[0].change as usize];
    assert!(
        touched.old.text.contains("Assistance shall be provided"),
        "{touched:#?}"
    );
    assert_eq!(c.noted_changes[0].notes, vec![deleted.clone()]);
    assert!(!c.noted_changes.iter().any(|n| n.notes.contains(&kept)));
    // The same as the comparison alone gives.
    let alone = cache
        .compare_versions(&id("p6-en-0"), &id("p6-en-1"), &options)
        .unwrap();
    assert_eq!(alone.summary, c.comparison.summary);
}
