//! `plenary notes export|import|report` (the real binary) on real cache
//! files seeded with the demo meeting, with the text of its versions as
//! the server extracts it, and notes made on them through the core; and
//! the W3C test suite's samples imported through the binary.
//!
//! The corpus part needs `$PLENARY_CORPUS` (default `../shared/corpus`):
//! without it, it prints one line and passes, except under `CI=true`.

mod cli;

use std::path::Path;
use std::time::Duration;

use cli::{plenary, run};
use plenary_core::Cache;
use plenary_core::anchor::w3c;
use plenary_core::cache::{NewNote, NoteColor, NoteEdit, Rendition, Selection};
use plenary_core::model::{Language, VersionId};
use plenary_demo::facts;
use serde_json::Value;

fn vid(document: &str, lang: Language, revision: u32) -> VersionId {
    VersionId::new(plenary_demo::version_id(document, lang, revision)).unwrap()
}

/// The demo (seeded by `plenary demo seed`), with the text of the draft's
/// four English revisions and of the report's Arabic version, as a sync
/// stores them.
fn demo_cache(dir: &Path) {
    plenary(dir, &["demo", "seed"]);
    let demo = plenary_demo::generate().unwrap();
    let mut cache = Cache::open(dir).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut versions: Vec<VersionId> = (0..=facts::DRAFT_LATEST_REVISION)
        .map(|r| vid(facts::DRAFT_DOCUMENT_ID, Language::En, r))
        .collect();
    versions.push(vid(facts::DOCUMENT_ID, Language::Ar, 0));
    let mut renditions = Vec::new();
    for id in versions {
        let version = cache.version(&id).unwrap();
        let file = demo
            .files
            .iter()
            .find(|f| f.sha256 == version.sha256)
            .unwrap();
        let extracted = runtime.block_on(plenary_server::extract::extract(
            &file.bytes,
            file.media_type,
            Duration::from_secs(60),
        ));
        let rendition: Rendition =
            serde_json::from_value(serde_json::to_value(extracted).unwrap()).unwrap();
        renditions.push((version.sha256, rendition));
    }
    cache.put_renditions(&renditions).unwrap();
}

fn note(cache: &mut Cache, version: VersionId, exact: &str, body: &str, tags: &[&str]) -> String {
    cache
        .create_note(NewNote {
            version_id: version,
            selection: Selection {
                page: None,
                exact: exact.into(),
                prefix: String::new(),
                suffix: String::new(),
            },
            color: NoteColor::Blue,
            body: body.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        })
        .unwrap()
        .note
        .id
}

/// Notes on the draft's original (one kept, one reworded in Rev.1, one
/// deleted in Rev.2, one moved in Rev.2), one on Rev.2 and one on the
/// Arabic report.
fn demo_notes(dir: &Path) -> Vec<String> {
    let mut cache = Cache::open(dir).unwrap();
    cache.set_note_author("Delegation of Chile").unwrap();
    let draft0 = || vid(facts::DRAFT_DOCUMENT_ID, Language::En, 0);
    vec![
        note(
            &mut cache,
            draft0(),
            facts::DRAFT_PHRASE_EN,
            "Support.",
            &["core"],
        ),
        note(
            &mut cache,
            draft0(),
            facts::DRAFT_REWORDED_IN_REV1_EN,
            "Watch the wording.",
            &["norm", "red line"],
        ),
        note(
            &mut cache,
            draft0(),
            facts::DRAFT_DELETED_IN_REV2_EN,
            "We want survey <evidence> kept & funded.",
            &[],
        ),
        note(&mut cache, draft0(), facts::DRAFT_MOVED_IN_REV2_EN, "", &[]),
        note(
            &mut cache,
            vid(facts::DRAFT_DOCUMENT_ID, Language::En, 2),
            facts::DRAFT_PHRASE_EN,
            "Still there in Rev.2.",
            &["core"],
        ),
        note(
            &mut cache,
            vid(facts::DOCUMENT_ID, Language::Ar, 0),
            facts::ARABIC_PHRASE,
            "العنوان",
            &[],
        ),
    ]
}

#[test]
fn export_import_and_report_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    demo_cache(&cache);
    let ids = demo_notes(&cache);

    // Export: a file, every annotation valid by the W3C suite's rules.
    let file = dir.path().join("notes.jsonld");
    let said = plenary(
        &cache,
        &[
            "notes",
            "export",
            "--meeting",
            facts::MEETING_ID,
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(said.contains("6 notes written to"), "{said}");
    let text = std::fs::read_to_string(&file).unwrap();
    let collection: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(w3c::parse(&collection).unwrap().len(), 6);
    let items = collection["first"]["items"].as_array().unwrap();
    let mut with_position = 0;
    for item in items {
        let mut problems = Vec::new();
        w3c::check_annotation(item.as_object().unwrap(), &mut problems);
        assert!(problems.is_empty(), "{problems:?}: {item:#}");
        let selectors = item["target"]["selector"].as_array().unwrap();
        assert_eq!(selectors[0]["type"], "TextQuoteSelector");
        if selectors
            .iter()
            .any(|s| s["type"] == "TextPositionSelector")
        {
            with_position += 1;
        }
        assert!(
            item["target"]["source"]["id"]
                .as_str()
                .unwrap()
                .starts_with("urn:x-plenary:version:ccm-msp-2024-")
        );
    }
    // The English notes were found in the extracted text.
    assert!(with_position >= 5, "{with_position} of 6 have a position");
    println!(
        "W3C export of the demo: {} annotations, all valid; {with_position} with a text position",
        items.len()
    );

    // Standard output, one document.
    let one: Value = serde_json::from_str(&plenary(
        &cache,
        &[
            "notes",
            "export",
            "--meeting",
            facts::MEETING_ID,
            "--document",
            facts::DOCUMENT_ID,
        ],
    ))
    .unwrap();
    assert_eq!(one["total"], 1);

    // Import into another cache with the same demo: the same notes, once.
    let other = dir.path().join("other");
    demo_cache(&other);
    let r: Value = serde_json::from_str(&plenary(
        &other,
        &["--json", "notes", "import", file.to_str().unwrap()],
    ))
    .unwrap();
    assert_eq!(r["created"].as_array().unwrap().len(), 6, "{r:#}");
    let said = plenary(&other, &["notes", "import", file.to_str().unwrap()]);
    assert!(
        said.contains("6 annotations read: 0 imported, 0 updated, 6 already here"),
        "{said}"
    );
    {
        let mut b = Cache::open(&other).unwrap();
        for id in &ids {
            assert_eq!(b.note(id).unwrap().author, "Delegation of Chile");
        }
        // A newer local edit survives importing the older file.
        b.update_note(
            &ids[0],
            NoteEdit {
                body: Some("Changed here".into()),
                ..NoteEdit::default()
            },
        )
        .unwrap();
    }
    let said = plenary(&other, &["notes", "import", file.to_str().unwrap()]);
    assert!(said.contains("1 kept (your copy is newer)"), "{said}");
    assert_eq!(
        Cache::open(&other).unwrap().note(&ids[0]).unwrap().body,
        "Changed here"
    );

    // Report: Markdown on standard output, HTML to a file.
    let md = plenary(
        &cache,
        &[
            "notes",
            "report",
            "--meeting",
            facts::MEETING_ID,
            "--format",
            "md",
        ],
    );
    assert!(
        md.starts_with(&format!("# Notes: {}\n", facts::MEETING_TITLE)),
        "{md}"
    );
    assert!(
        md.contains(&format!("## {} · ", facts::DRAFT_SYMBOL)),
        "{md}"
    );
    assert!(
        md.contains(&format!("## {} · ", facts::DOCUMENT_SYMBOL)),
        "{md}"
    );
    // Grouped by numbered paragraph (the draft) or page (the report).
    assert!(md.contains("### Paragraph 3\n"), "{md}");
    assert!(md.contains("### Page 1\n"), "{md}");
    assert!(md.contains("Unchanged in Rev.3."), "{md}");
    assert!(
        md.contains("Could not be placed in Rev.3") || md.contains("Needs review in Rev.3"),
        "{md}"
    );
    assert!(
        md.contains("We want survey \\<evidence\\> kept \\& funded."),
        "{md}"
    );
    assert!(md.contains("made on Rev.2"), "{md}");
    let html_file = dir.path().join("report.html");
    let said = plenary(
        &cache,
        &[
            "notes",
            "report",
            "--meeting",
            facts::MEETING_ID,
            "--format",
            "html",
            "-o",
            html_file.to_str().unwrap(),
        ],
    );
    assert!(said.contains("6 notes written to"), "{said}");
    let html = std::fs::read_to_string(&html_file).unwrap();
    assert!(
        html.contains("We want survey &lt;evidence&gt; kept &amp; funded."),
        "{html}"
    );
    assert!(
        html.contains("<blockquote lang=\"ar\" dir=\"rtl\">"),
        "{html}"
    );
    assert_eq!(html.matches("<section class=\"document\">").count(), 2);
    assert!(!html.contains("https://") && !html.contains("<script"));
    let fr = plenary(
        &cache,
        &[
            "notes",
            "report",
            "--meeting",
            facts::MEETING_ID,
            "--format",
            "md",
            "--lang",
            "fr",
        ],
    );
    assert!(fr.starts_with("# Notes\u{202f}: "), "{fr}");
    print!("{md}");

    // Unknown meeting: an error, exit 2.
    let out = run(&cache, &["notes", "export", "--meeting", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in the cache"));
}

#[test]
fn the_w3c_suites_samples_import_as_not_for_this_cache_or_are_refused() {
    let Some(corpus) = plenary_server::corpus::require("W3C samples through plenary notes import")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    plenary(&cache, &["demo", "seed"]);
    let samples = corpus.join("annotation/w3c-web-annotation-tests/tools/samples");
    let files = |sub: &str| {
        let mut v: Vec<_> = std::fs::read_dir(samples.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        v.sort();
        v
    };
    let (mut correct, mut annotations) = (0, 0);
    for f in files("correct") {
        let r: Value = serde_json::from_str(&plenary(
            &cache,
            &["--json", "notes", "import", f.to_str().unwrap()],
        ))
        .unwrap();
        // Their targets are example.org resources, not demo versions.
        assert_eq!(
            r["created"].as_array().unwrap().len(),
            0,
            "{}: {r:#}",
            f.display()
        );
        let total = r["total"].as_u64().unwrap();
        assert_eq!(r["skipped"].as_array().unwrap().len() as u64, total);
        for s in r["skipped"].as_array().unwrap() {
            assert_eq!(s["reason"], "not_in_cache", "{}: {s}", f.display());
        }
        annotations += total;
        correct += 1;
    }
    let mut incorrect = 0;
    for f in files("incorrect") {
        let out = run(&cache, &["notes", "import", f.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{} should be refused: {stderr}",
            f.display()
        );
        assert!(
            stderr.contains("not a valid W3C Web Annotation"),
            "{stderr}"
        );
        incorrect += 1;
    }
    println!(
        "W3C samples through `plenary notes import`: {correct} correct files ({annotations} annotations, \
         each listed as not for this cache), {incorrect} incorrect files refused"
    );
    assert_eq!(correct, 45);
    assert_eq!(incorrect, 39);
    // Nothing was written.
    let out = plenary(&cache, &["notes", "export", "--meeting", facts::MEETING_ID]);
    assert!(out.contains("\"total\": 0"), "{out}");
}
