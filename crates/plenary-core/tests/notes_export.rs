//! Notes out and in as W3C Web Annotation JSON-LD, and the meeting's
//! report, on real SQLite files: every exported annotation passes the W3C
//! test suite's rules; an export imports into another cache as the same
//! notes, once however often it is imported, never over a newer local
//! edit; invalid documents are refused whole; the report groups by
//! document and article and says what became of each note.

use plenary_core::anchor::w3c;
use plenary_core::cache::notes::export::{self, VERSION_IRI_PREFIX};
use plenary_core::cache::notes::import::SkipReason;
use plenary_core::cache::notes::report::{self, ReportFormat};
use plenary_core::cache::{
    NewNote, NoteColor, NoteEdit, NoteFilter, Outcome, Rendition, Selection, UiLanguage,
};
use plenary_core::model::*;
use plenary_core::{Cache, ErrorCode};
use serde_json::{Value, json};
use time::macros::{date, datetime};

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

const REV0: &[&str] = &[
    "Draft Protocol VI\nArticle 1\nGeneral obligations\n1. Each High Contracting Party shall take all feasible \
     measures to protect civilians from the effects of explosive weapons.\n2. Each High Contracting Party \
     shall record the use of explosive weapons in populated areas.",
    "Article 2\nClearance\n1. Each High Contracting Party shall clear remnants within ten years of the end \
     of active hostilities.\n2. Assistance shall be provided to affected communities.",
];

const REV1: &[&str] = &[
    "Draft Protocol VI\nArticle 1\nGeneral obligations\n1. Each High Contracting Party shall take all feasible \
     measures to protect civilians from the effects of explosive weapons.\n2. Each High Contracting Party \
     shall record the use of explosive weapons in populated areas.",
    "Article 2\nClearance\n1. Each High Contracting Party shall clear remnants within twelve years of the end \
     of active hostilities.\n2. Assistance shall be provided to affected communities.",
];

const AR: &[&str] = &["المادة 1\n1. يتخذ كل طرف متعاقد سام جميع التدابير الممكنة لحماية المدنيين."];

fn version(
    doc: &str,
    lang: Language,
    revision: u32,
    pages: &[&str],
) -> (Record, Sha256, Rendition) {
    let bytes = format!("{doc}|{lang:?}|{revision}|{}", pages.join("\u{c}")).into_bytes();
    let sha = Sha256::of(&bytes);
    let record = Record::Version(Version {
        id: id(&format!("{doc}-{}-{revision}", lang.code())),
        document_id: id(doc),
        language: lang,
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
    });
    let rendition = Rendition::Ok {
        extractor: "pdftotext".into(),
        pages: pages.iter().map(|p| p.to_string()).collect(),
    };
    (record, sha, rendition)
}

fn publish(cache: &mut Cache, versions: &[(&str, Language, u32, &[&str])]) {
    let mut records = vec![
        Record::Meeting(Meeting {
            id: id("m1"),
            title: "Seventh Review Conference".into(),
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
    ];
    let mut renditions = Vec::new();
    for (doc, lang, rev, pages) in versions {
        let (r, sha, rendition) = version(doc, *lang, *rev, pages);
        records.push(r);
        renditions.push((sha, rendition));
    }
    cache.apply(&records).unwrap();
    cache.put_renditions(&renditions).unwrap();
}

fn cache_with_original() -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(dir.path().join("cache")).unwrap();
    cache.set_note_author("Delegation of Chile").unwrap();
    publish(
        &mut cache,
        &[("p6", Language::En, 0, REV0), ("p6", Language::Ar, 0, AR)],
    );
    (dir, cache)
}

fn note(
    cache: &mut Cache,
    version: &str,
    page: u32,
    exact: &str,
    body: &str,
    tags: &[&str],
    color: NoteColor,
) -> String {
    cache
        .create_note(NewNote {
            version_id: id(version),
            selection: Selection {
                page: Some(page),
                exact: exact.into(),
                prefix: String::new(),
                suffix: String::new(),
            },
            color,
            body: body.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        })
        .unwrap()
        .note
        .id
}

/// Three notes on the English original (one per kind: comment with tags,
/// bare highlight, note on a sentence reworded later) and one on the Arabic.
fn three_notes_and_an_arabic_one(cache: &mut Cache) -> [String; 4] {
    [
        note(
            cache,
            "p6-en-0",
            1,
            "take all feasible measures to protect civilians",
            "Keep 'all feasible' <b>at any cost</b> & say so.",
            &["protection", "red line"],
            NoteColor::Green,
        ),
        note(
            cache,
            "p6-en-0",
            1,
            "record the use of explosive weapons",
            "",
            &[],
            NoteColor::Yellow,
        ),
        note(
            cache,
            "p6-en-0",
            2,
            "clear remnants within ten years of the end of active hostilities",
            "Ten years is too short.",
            &["clearance"],
            NoteColor::Pink,
        ),
        note(
            cache,
            "p6-ar-0",
            1,
            "جميع التدابير الممكنة",
            "ملاحظة",
            &[],
            NoteColor::Blue,
        ),
    ]
}

fn items(collection: &Value) -> Vec<Value> {
    collection["first"]["items"].as_array().unwrap().clone()
}

#[test]
fn an_export_is_a_valid_w3c_collection_with_everything_a_note_holds() {
    let (_dir, mut cache) = cache_with_original();
    let ids = three_notes_and_an_arabic_one(&mut cache);
    let c = cache.export_notes(&id("m1"), None).unwrap();

    // The whole document, and each annotation, by the W3C suite's rules.
    let parsed = w3c::parse(&c).expect("the export is valid W3C Web Annotation JSON-LD");
    assert_eq!(parsed.len(), 4);
    assert_eq!(c["type"], "AnnotationCollection");
    assert_eq!(c["total"], 4);
    for item in items(&c) {
        let mut problems = Vec::new();
        w3c::check_annotation(item.as_object().unwrap(), &mut problems);
        assert!(problems.is_empty(), "{problems:?} in {item:#}");
        // And standing alone, with the collection's context.
        let mut alone = item.clone();
        alone["@context"] = c["@context"].clone();
        w3c::parse(&alone).unwrap();
    }

    let by_id = |n: &str| {
        items(&c)
            .into_iter()
            .find(|a| a["id"] == format!("urn:x-plenary:note:{n}"))
            .unwrap()
    };
    let a = by_id(&ids[0]);
    assert_eq!(a["motivation"], "commenting");
    assert_eq!(a["creator"]["name"], "Delegation of Chile");
    assert!(a["created"].as_str().unwrap().starts_with("20"));
    assert!(a["modified"].is_string());
    let bodies = a["body"].as_array().unwrap();
    assert_eq!(bodies[0]["purpose"], "commenting");
    assert_eq!(
        bodies[0]["value"],
        "Keep 'all feasible' <b>at any cost</b> & say so."
    );
    let tags: Vec<&str> = bodies[1..]
        .iter()
        .inspect(|b| assert_eq!(b["purpose"], "tagging"))
        .map(|b| b["value"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["protection", "red line"]);
    let t = &a["target"];
    assert_eq!(t["source"]["id"], format!("{VERSION_IRI_PREFIX}p6-en-0"));
    assert_eq!(t["source"]["language"], "en");
    assert_eq!(t["source"]["format"], "application/pdf");
    assert_eq!(t["styleClass"], "plenary-green");
    assert_eq!(a["plenary:color"], "green");
    assert_eq!(t["plenary:location"], "Article 1, paragraph 1");
    let selectors = t["selector"].as_array().unwrap();
    let quote = &selectors[0];
    assert_eq!(quote["type"], "TextQuoteSelector");
    assert_eq!(
        quote["exact"],
        "take all feasible measures to protect civilians"
    );
    assert!(quote["prefix"].as_str().unwrap().ends_with("shall "));
    let whole = REV0.join("\u{c}");
    let start = whole[..whole.find("take all feasible").unwrap()]
        .chars()
        .count();
    assert_eq!(
        selectors[1],
        json!({"type": "TextPositionSelector", "start": start, "end": start + 47})
    );
    assert_eq!(selectors[2]["value"], "page=1");

    let highlight = by_id(&ids[1]);
    assert_eq!(highlight["motivation"], "highlighting");
    assert!(highlight.get("body").is_none());
    assert_eq!(
        highlight["target"]["plenary:location"],
        "Article 1, paragraph 2"
    );
    let arabic = by_id(&ids[3]);
    assert_eq!(arabic["target"]["source"]["language"], "ar");
    assert_eq!(
        arabic["target"]["plenary:location"],
        "Article 1, paragraph 1"
    );

    // One document only; a deleted note is not exported.
    cache.delete_note(&ids[1]).unwrap();
    let c = cache.export_notes(&id("m1"), Some(&id("p6"))).unwrap();
    assert_eq!(items(&c).len(), 3);
    assert_eq!(
        cache
            .export_notes(&id("m1"), Some(&id("nope")))
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        cache.export_notes(&id("nope"), None).unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[test]
fn an_export_imports_into_another_cache_once_and_never_over_a_newer_local_edit() {
    let (_a_dir, mut a) = cache_with_original();
    let ids = three_notes_and_an_arabic_one(&mut a);
    let exported = a.export_notes(&id("m1"), None).unwrap().to_string();

    let (_b_dir, mut b) = cache_with_original();
    b.set_note_author("Someone else").unwrap();
    let r = b.import_notes(&exported).unwrap();
    assert_eq!(r.total, 4);
    assert_eq!(r.created.len(), 4, "{r:?}");
    assert!(r.created.iter().all(|n| n.located), "{r:?}");
    for nid in &ids {
        let (mine, theirs) = (a.note(nid).unwrap(), b.note(nid).unwrap());
        assert_eq!(theirs.body, mine.body);
        assert_eq!(theirs.tags, mine.tags);
        assert_eq!(theirs.color, mine.color);
        assert_eq!(theirs.author, "Delegation of Chile");
        assert_eq!(theirs.created_at, mine.created_at);
        assert_eq!(theirs.updated_at, mine.updated_at);
        assert_eq!(theirs.target.start, mine.target.start);
        assert_eq!(theirs.target.exact, mine.target.exact);
        assert_eq!(theirs.origin_version_id, mine.origin_version_id);
    }
    assert_eq!(b.notes_for_version(&id("p6-en-0")).unwrap().placed.len(), 3);

    // Again: the same notes, nothing new.
    let again = b.import_notes(&exported).unwrap();
    assert!(
        again.created.is_empty() && again.updated.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.unchanged.len(), 4);
    assert_eq!(b.notes_for_version(&id("p6-en-0")).unwrap().placed.len(), 3);

    // An edit made in A after the export B has: B takes it.
    a.update_note(
        &ids[0],
        NoteEdit {
            body: Some("Edited in A".into()),
            ..NoteEdit::default()
        },
    )
    .unwrap();
    let newer = a.export_notes(&id("m1"), None).unwrap().to_string();
    let r = b.import_notes(&newer).unwrap();
    assert_eq!(r.updated.len(), 1, "{r:?}");
    assert_eq!(b.note(&ids[0]).unwrap().body, "Edited in A");

    // An edit made in B after that: importing A's file does not undo it.
    b.update_note(
        &ids[0],
        NoteEdit {
            body: Some("Edited in B".into()),
            tags: Some(vec!["mine".into()]),
            ..NoteEdit::default()
        },
    )
    .unwrap();
    let r = b.import_notes(&newer).unwrap();
    assert_eq!(r.kept_local, vec![ids[0].clone()], "{r:?}");
    assert!(r.updated.is_empty());
    let kept = b.note(&ids[0]).unwrap();
    assert_eq!(kept.body, "Edited in B");
    assert_eq!(kept.tags, vec!["mine"]);

    // A note deleted in B stays deleted.
    b.delete_note(&ids[1]).unwrap();
    b.import_notes(&newer).unwrap();
    assert!(b.note(&ids[1]).unwrap().deleted);
}

#[test]
fn imported_notes_are_carried_onto_later_revisions_like_any_note() {
    let (_a_dir, mut a) = cache_with_original();
    let ids = three_notes_and_an_arabic_one(&mut a);
    let exported = a.export_notes(&id("m1"), None).unwrap().to_string();
    let (_b_dir, mut b) = cache_with_original();
    b.import_notes(&exported).unwrap();
    publish(&mut b, &[("p6", Language::En, 1, REV1)]);
    let notes = b.notes_for_version(&id("p6-en-1")).unwrap();
    let outcome = |n: &str| {
        notes
            .placed
            .iter()
            .chain(&notes.unplaced)
            .find(|p| p.note.id == n)
            .unwrap()
            .placement
            .outcome
    };
    assert_eq!(outcome(&ids[0]), Outcome::Unchanged);
    assert_eq!(outcome(&ids[1]), Outcome::Unchanged);
    assert!(
        matches!(outcome(&ids[2]), Outcome::Changed | Outcome::NeedsReview),
        "{:?}",
        outcome(&ids[2])
    );
}

#[test]
fn foreign_annotations_import_when_their_text_is_here_and_are_listed_when_not() {
    let (_dir, mut cache) = cache_with_original();
    let doc = json!({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "https://example.org/collections/1",
        "type": "AnnotationCollection",
        "first": {
            "type": "AnnotationPage",
            "items": [
                {
                    "id": "https://example.org/anno/1",
                    "type": "Annotation",
                    "motivation": "tagging",
                    "creator": "https://example.org/people/ana",
                    "created": "2024-11-12T10:00:00Z",
                    "body": [
                        {"type": "TextualBody", "value": "ten years?", "purpose": "commenting"},
                        {"type": "TextualBody", "value": "deadline"}
                    ],
                    "target": {
                        "source": format!("{VERSION_IRI_PREFIX}p6-en-0"),
                        "selector": [
                            {"type": "TextQuoteSelector", "exact": "within ten years", "prefix": "clear remnants "},
                            {"type": "FragmentSelector", "value": "page=2"}
                        ]
                    }
                },
                {
                    "id": "https://example.org/anno/2",
                    "type": "Annotation",
                    "bodyValue": "About a web page",
                    "target": "https://example.org/page.html"
                },
                {
                    "id": "https://example.org/anno/3",
                    "type": "Annotation",
                    "target": {
                        "source": format!("{VERSION_IRI_PREFIX}p6-en-0"),
                        "selector": {"type": "CssSelector", "value": "#p1"}
                    }
                },
                {
                    "id": "https://example.org/anno/4",
                    "type": "Annotation",
                    "target": {
                        "source": format!("{VERSION_IRI_PREFIX}p6-en-9"),
                        "selector": {"type": "TextQuoteSelector", "exact": "x"}
                    }
                }
            ]
        }
    });
    let r = cache.import_notes(&doc.to_string()).unwrap();
    assert_eq!(r.total, 4);
    assert_eq!(r.created.len(), 1, "{r:?}");
    let reasons: Vec<(&str, SkipReason)> = r
        .skipped
        .iter()
        .map(|s| (s.annotation.as_str(), s.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("https://example.org/anno/2", SkipReason::NotInCache),
            ("https://example.org/anno/3", SkipReason::NoTextSelector),
            ("https://example.org/anno/4", SkipReason::NotInCache),
        ]
    );
    let n = cache.note(&r.created[0].note_id).unwrap();
    assert_eq!(n.body, "ten years?");
    assert_eq!(n.tags, vec!["deadline"]);
    assert_eq!(n.author, "https://example.org/people/ana");
    assert_eq!(n.target.page, Some(2));
    assert_eq!(n.target.exact, "within ten years");
    assert!(n.target.start.is_some());
    assert_eq!(n.created_at, datetime!(2024-11-12 10:00 UTC));
    // Its id is derived from the annotation's: importing it again is a no-op.
    let again = cache.import_notes(&doc.to_string()).unwrap();
    assert_eq!(again.unchanged, vec![n.id.clone()]);
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
fn an_invalid_document_is_refused_whole_with_the_reason() {
    let (_dir, mut cache) = cache_with_original();
    let good = json!({
        "id": "https://example.org/anno/ok",
        "type": "Annotation",
        "target": {
            "source": format!("{VERSION_IRI_PREFIX}p6-en-0"),
            "selector": {"type": "TextQuoteSelector", "exact": "Clearance"}
        }
    });
    let bad = json!({"id": "https://example.org/anno/bad", "type": "Annotation"});
    let doc = json!({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "https://example.org/c",
        "type": "AnnotationCollection",
        "first": {"type": "AnnotationPage", "items": [good, bad]}
    });
    let err = cache.import_notes(&doc.to_string()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidAnnotation);
    assert!(err.to_string().contains("no target"), "{err}");
    assert!(
        cache
            .notes_for_version(&id("p6-en-0"))
            .unwrap()
            .placed
            .is_empty()
    );
    let err = cache.import_notes("{not json").unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidAnnotation);
    assert!(err.to_string().contains("not JSON"), "{err}");
}

#[test]
fn the_report_groups_by_document_and_article_and_says_what_became_of_each_note() {
    let (_dir, mut cache) = cache_with_original();
    let ids = three_notes_and_an_arabic_one(&mut cache);
    publish(&mut cache, &[("p6", Language::En, 1, REV1)]);
    let r = cache
        .notes_report(&id("m1"), &NoteFilter::default(), UiLanguage::En)
        .unwrap();
    assert_eq!(r.total, 4);
    assert_eq!(r.documents.len(), 1);
    let d = &r.documents[0];
    assert_eq!(d.symbol.as_deref(), Some("CCW/CONF.VII/WP.6"));
    assert_eq!(d.agenda_item, Some(("5".into(), "Protocol VI".into())));
    let groups: Vec<(String, Vec<&str>)> = d
        .groups
        .iter()
        .map(|g| {
            (
                g.location
                    .as_ref()
                    .map(|l| l.label.clone())
                    .unwrap_or_default(),
                g.notes.iter().map(|n| n.note_id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (
                "Article 1, paragraph 1".to_string(),
                vec![ids[3].as_str(), ids[0].as_str()]
            ),
            ("Article 1, paragraph 2".to_string(), vec![ids[1].as_str()]),
            ("Article 2, paragraph 1".to_string(), vec![ids[2].as_str()]),
        ]
    );
    let changed = &d.groups[2].notes[0];

    let md = report::render(&r, ReportFormat::Markdown);
    assert!(
        md.starts_with("# Notes: Seventh Review Conference\n"),
        "{md}"
    );
    assert!(
        md.contains("CCW · Palais des Nations, Geneva · 11–15 November 2024"),
        "{md}"
    );
    assert!(
        md.contains("## CCW/CONF.VII/WP.6 · Draft Protocol VI"),
        "{md}"
    );
    assert!(md.contains("Agenda item 5: Protocol VI"), "{md}");
    assert!(md.contains("### Article 2, paragraph 1"), "{md}");
    assert!(md.contains("\\<b\\>at any cost\\</b\\> \\& say so"), "{md}");
    assert!(
        md.contains("\\#protection #red line · Delegation of Chile"),
        "{md}"
    );
    assert!(md.contains("Delegation of Chile"), "{md}");
    assert!(md.contains("Unchanged in Rev.1."), "{md}");
    assert_eq!(changed.outcome, Outcome::Changed, "{changed:?}");
    assert!(
        md.contains(
            "Text changed in Rev.1: “clear remnants within ten years of the end of active hostilities” → “clear remnants within twelve years of the end of active hostilities”."
        ),
        "{md}"
    );
    // The Arabic note is on the Arabic original, still the newest in Arabic.
    assert!(md.contains("Made on this revision (Original)."), "{md}");

    let html = report::render(&r, ReportFormat::Html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>Notes: Seventh Review Conference</title>"));
    assert!(
        html.contains("&lt;b&gt;at any cost&lt;/b&gt; &amp; say so"),
        "{html}"
    );
    assert!(!html.contains("<b>at any cost"));
    assert!(
        html.contains("<blockquote lang=\"ar\" dir=\"rtl\">جميع التدابير الممكنة</blockquote>"),
        "{html}"
    );
    assert!(html.contains("<blockquote lang=\"en\" dir=\"ltr\">"));
    assert!(html.contains("@media print"));
    assert!(html.contains("section.document + section.document { break-before: page; }"));
    // Nothing external: no URL, no script.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("<img"));

    // In French, and filtered by tag.
    let fr = cache
        .notes_report(
            &id("m1"),
            &NoteFilter {
                tag: Some("clearance".into()),
                ..NoteFilter::default()
            },
            UiLanguage::Fr,
        )
        .unwrap();
    assert_eq!(fr.total, 1);
    let md = report::render(&fr, ReportFormat::Markdown);
    assert!(md.contains("11–15 novembre 2024"), "{md}");
    assert!(md.contains("Article 2, paragraphe 1"), "{md}");
    assert!(
        md.contains("Seulement les notes avec l’étiquette #clearance."),
        "{md}"
    );
}

#[test]
fn a_report_without_notes_says_so() {
    let (_dir, mut cache) = cache_with_original();
    let r = cache
        .notes_report(&id("m1"), &NoteFilter::default(), UiLanguage::En)
        .unwrap();
    assert_eq!(r.total, 0);
    assert!(report::to_markdown(&r).contains("No notes."));
    assert!(report::to_html(&r).contains("<p>No notes.</p>"));
}

#[test]
fn exports_are_saved_as_new_files_never_over_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let name = export::file_name(&["m1", "notes"], "jsonld");
    assert_eq!(name, "m1-notes.jsonld");
    let first = export::save_new_file(dir.path(), &name, b"1").unwrap();
    let second = export::save_new_file(dir.path(), &name, b"2").unwrap();
    assert_eq!(first.file_name().unwrap(), "m1-notes.jsonld");
    assert_eq!(second.file_name().unwrap(), "m1-notes (2).jsonld");
    assert_eq!(std::fs::read(&first).unwrap(), b"1");
    assert_eq!(std::fs::read(&second).unwrap(), b"2");
}
