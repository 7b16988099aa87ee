//! Tests of the generated demo: determinism, counts, hashes, text that
//! survives extraction from every PDF (poppler's `pdftotext`), and seeding a
//! real cache.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use plenary_core::model::{DocumentKind, Language, MediaType, Record, Sha256, Version};

use crate::{Demo, content, facts, generate, seed, seed_demo, source_of, version_id};

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| generate().expect("the demo generates"))
}

fn versions(demo: &Demo) -> Vec<&Version> {
    demo.records
        .iter()
        .filter_map(|r| match r {
            Record::Version(v) => Some(v),
            _ => None,
        })
        .collect()
}

fn file<'a>(demo: &'a Demo, sha: &Sha256) -> &'a [u8] {
    &demo
        .files
        .iter()
        .find(|f| f.sha256 == *sha)
        .unwrap_or_else(|| panic!("no file for {sha}"))
        .bytes
}

/// Extracts a PDF's text with poppler's `pdftotext` (reading order, not
/// `-layout`). Pages are separated by form feeds.
fn pdftotext(pdf: &[u8], pages: Option<(u32, u32)>) -> String {
    let mut cmd = Command::new("pdftotext");
    if let Some((first, last)) = pages {
        cmd.args(["-f", &first.to_string(), "-l", &last.to_string()]);
    }
    let mut child = cmd
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run pdftotext ({e}); it comes with poppler-utils: run scripts/setup")
        });
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = pdf.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("pdftotext runs");
    writer
        .join()
        .expect("writer thread")
        .expect("pdf written to pdftotext");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

/// What a reader's search would compare: no bidi control marks (pdftotext
/// wraps right-to-left runs in U+202B..U+202C) and single spaces.
fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Without any whitespace: pdftotext moves spaces around numbers embedded in
/// Arabic and line breaks split titles, but the letters and their order must
/// survive.
fn squeeze(text: &str) -> String {
    normalize(text).split(' ').collect()
}

fn arabic_letters(text: &str) -> String {
    normalize(text)
        .chars()
        .filter(|c| matches!(c, '\u{0621}'..='\u{064a}'))
        .collect()
}

fn page_count(text: &str) -> usize {
    text.matches('\u{c}').count()
}

#[test]
fn generation_is_deterministic() {
    let again = generate().expect("the demo generates twice");
    let first = demo();
    assert_eq!(first.records, again.records, "records differ between runs");
    assert_eq!(first.files.len(), again.files.len());
    for (a, b) in first.files.iter().zip(&again.files) {
        assert_eq!(a.sha256, b.sha256, "a file changed between runs");
        assert!(a.bytes == b.bytes);
    }
    // No wall-clock time leaks into the PDFs: cairo stamps the current time
    // as CreationDate unless it is set, as the generator does.
    let today = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{}{:02}{:02}",
        today.year(),
        today.month() as u8,
        today.day()
    );
    for f in first
        .files
        .iter()
        .filter(|f| f.media_type == MediaType::Pdf)
    {
        let text = String::from_utf8_lossy(&f.bytes);
        let date = text
            .split("/CreationDate (")
            .nth(1)
            .expect("PDFs carry a CreationDate");
        let date = date.trim_start_matches("D:");
        assert!(
            date.starts_with("2024"),
            "CreationDate is fixed in 2024: {}",
            &date[..16]
        );
        assert!(!text.contains(&stamp), "today's date appears in a PDF");
    }
}

#[test]
fn the_meeting_has_its_agenda_documents_versions_and_statements() {
    let demo = demo();
    let count = |f: fn(&Record) -> bool| demo.records.iter().filter(|r| f(r)).count();
    assert_eq!(count(|r| matches!(r, Record::Meeting(_))), 1);
    assert_eq!(
        count(|r| matches!(r, Record::AgendaItem(_))),
        facts::AGENDA_ITEMS
    );
    let top_level = demo
        .records
        .iter()
        .filter(|r| matches!(r, Record::AgendaItem(a) if !a.number.contains('(')))
        .count();
    assert_eq!(top_level, facts::AGENDA_TOP_LEVEL_ITEMS);
    let documents: Vec<_> = demo
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Document(d) => Some(d),
            _ => None,
        })
        .collect();
    assert!(documents.len() >= 15, "{} documents", documents.len());
    let kinds: BTreeSet<_> = documents.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds.len(),
        DocumentKind::ALL.len(),
        "every kind is represented: {kinds:?}"
    );

    let versions = versions(demo);
    let languages: BTreeSet<_> = versions.iter().map(|v| v.language).collect();
    assert_eq!(languages.len(), 6, "all six languages");
    let draft: BTreeSet<_> = versions
        .iter()
        .filter(|v| v.document_id.as_str() == facts::DRAFT_DOCUMENT_ID)
        .map(|v| (v.revision, v.language, v.label.clone()))
        .collect();
    for revision in 0..=facts::DRAFT_LATEST_REVISION {
        let label = if revision == 0 {
            "Original".to_owned()
        } else {
            format!("Rev.{revision}")
        };
        for lang in Language::ALL {
            assert!(
                draft.contains(&(revision, lang, label.clone())),
                "draft {label} in {lang}"
            );
        }
    }
    assert_eq!(draft.len(), 24);
    for official in ["ccm-msp-2024-1", facts::DOCUMENT_ID, "ccm-msp-2024-wp1"] {
        let langs: BTreeSet<_> = versions
            .iter()
            .filter(|v| v.document_id.as_str() == official)
            .map(|v| v.language)
            .collect();
        assert_eq!(langs.len(), 6, "{official} in six languages");
    }
    assert!(versions.iter().any(|v| v.media_type == MediaType::Html));
    assert!(versions.iter().any(|v| v.media_type == MediaType::Text));

    let statements: Vec<_> = demo
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Statement(s) => Some(s),
            _ => None,
        })
        .collect();
    let delegations: BTreeSet<_> = statements.iter().map(|s| s.delegation.as_str()).collect();
    assert!(delegations.len() >= 6, "{delegations:?}");
    assert!(statements.iter().any(|s| s.on_behalf_of.is_some()));
    let days: BTreeSet<_> = statements.iter().map(|s| s.delivered_on).collect();
    assert!(days.len() >= 3, "statements across the meeting days");
    assert!(
        statements
            .iter()
            .any(|s| s.delegation == facts::STATEMENT_DELEGATION
                && s.on_behalf_of.as_deref() == Some(facts::STATEMENT_ON_BEHALF_OF))
    );
}

#[test]
fn every_version_matches_its_file() {
    let demo = demo();
    let mut ids = BTreeSet::new();
    for v in versions(demo) {
        assert!(ids.insert(v.id.clone()), "duplicate version id {}", v.id);
        let bytes = file(demo, &v.sha256);
        assert_eq!(Sha256::of(bytes), v.sha256, "{}", v.id);
        assert_eq!(bytes.len() as u64, v.size, "{}", v.id);
        let f = demo
            .files
            .iter()
            .find(|f| f.sha256 == v.sha256)
            .expect("file");
        assert_eq!(f.media_type, v.media_type, "{}", v.id);
        match v.media_type {
            MediaType::Pdf => assert!(bytes.starts_with(b"%PDF-"), "{}", v.id),
            MediaType::Html => {
                let html = std::str::from_utf8(bytes).expect("HTML is UTF-8");
                assert!(html.starts_with("<!DOCTYPE html>"));
                assert!(html.contains(&format!("lang=\"{}\"", v.language)));
                assert!(!html.to_ascii_lowercase().contains("<script"), "no scripts");
                assert_eq!(html.matches("<p").count(), html.matches("</p>").count());
            }
            MediaType::Text => {
                std::str::from_utf8(bytes).expect("text is UTF-8");
            }
            MediaType::Docx => panic!("{}: the demo publishes no Word files", v.id),
        }
    }
    let referenced: BTreeSet<_> = versions(demo).iter().map(|v| v.sha256).collect();
    assert_eq!(referenced.len(), demo.files.len(), "no unreferenced files");
}

#[test]
fn every_pdf_yields_its_title_and_furniture_as_text() {
    let demo = demo();
    let by_id: HashMap<_, _> = versions(demo)
        .into_iter()
        .map(|v| (v.id.as_str().to_owned(), v))
        .collect();
    let mut checked = 0;
    for spec in content::catalogue() {
        for lv in &spec.versions {
            let title = match source_of(lv).expect("source parses") {
                Some(s) => s.title,
                None => content::tr(lv.lang, &content::AGENDA_TITLE).to_owned(),
            };
            for revision in 0..=crate::revisions_of(lv).expect("revisions") {
                let v = by_id[&version_id(spec.id, lv.lang, revision)];
                let bytes = file(demo, &v.sha256);
                let text = match v.media_type {
                    MediaType::Pdf => pdftotext(bytes, None),
                    _ => String::from_utf8(bytes.to_vec()).expect("UTF-8"),
                };
                // pdftotext re-orders numbers and punctuation inside Arabic
                // lines by its own rules ("2024-2025" comes out reversed), so
                // for Arabic compare the letters, in order.
                let key = |t: &str| {
                    if lv.lang == Language::Ar {
                        arabic_letters(t)
                    } else {
                        squeeze(t)
                    }
                };
                assert!(
                    key(&text).contains(&key(&title)),
                    "{}: title {title:?} not in extracted text:\n{}",
                    v.id,
                    normalize(&text)
                );
                if v.media_type == MediaType::Pdf {
                    let pages = page_count(&text);
                    assert!((1..=4).contains(&pages), "{}: {pages} pages", v.id);
                    if let content::Publisher::Official { .. } = spec.publisher {
                        assert!(text.contains("Distr."), "{}: no distribution block", v.id);
                    }
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, versions(demo).len());
}

#[test]
fn phrases_survive_extraction_in_english_arabic_and_chinese() {
    let demo = demo();
    let pdf = |lang, rev| {
        let id = version_id(facts::DOCUMENT_ID, lang, rev);
        let v = versions(demo)
            .into_iter()
            .find(|v| v.id.as_str() == id)
            .expect("version");
        assert_eq!(v.media_type, MediaType::Pdf);
        file(demo, &v.sha256).to_vec()
    };
    let en_page1 = normalize(&pdftotext(&pdf(Language::En, 0), Some((1, 1))));
    assert!(en_page1.contains(facts::DOCUMENT_PHRASE_EN), "{en_page1}");
    assert!(en_page1.contains(facts::DOCUMENT_TITLE_EN));
    assert!(en_page1.contains(facts::DOCUMENT_SYMBOL));
    let fr = normalize(&pdftotext(&pdf(Language::Fr, 0), None));
    assert!(fr.contains(facts::DOCUMENT_TITLE_FR), "{fr}");
    // Arabic: exact, after removing only the bidi marks pdftotext adds.
    let ar = normalize(&pdftotext(&pdf(Language::Ar, 0), Some((1, 1))));
    assert!(ar.contains(facts::ARABIC_PHRASE), "{ar}");
    let zh = normalize(&pdftotext(&pdf(Language::Zh, 0), Some((1, 1))));
    assert!(zh.contains(facts::CHINESE_PHRASE), "{zh}");
    assert!(zh.contains(facts::CHINESE_SEARCH_PHRASE), "{zh}");
}

#[test]
fn the_french_search_word_is_in_the_latest_draft_past_page_one() {
    let demo = demo();
    let text = |rev| {
        let id = version_id(facts::DRAFT_DOCUMENT_ID, Language::Fr, rev);
        let v = versions(demo)
            .into_iter()
            .find(|v| v.id.as_str() == id)
            .expect("version");
        pdftotext(file(demo, &v.sha256), None)
    };
    let latest = text(facts::DRAFT_LATEST_REVISION);
    let page = latest
        .split('\u{c}')
        .position(|p| normalize(p).contains(facts::DRAFT_FRENCH_WORD))
        .expect("the word is in the latest French revision");
    assert!(
        page >= 1,
        "the word should be past page 1 (it is on page {})",
        page + 1
    );
    assert!(
        !normalize(&text(0)).contains(facts::DRAFT_FRENCH_WORD),
        "the original must not have it (search finds the latest revision)"
    );
}

#[test]
fn draft_revisions_carry_the_edits_and_page_furniture() {
    let demo = demo();
    let text = |rev| {
        let id = version_id(facts::DRAFT_DOCUMENT_ID, Language::En, rev);
        let v = versions(demo)
            .into_iter()
            .find(|v| v.id.as_str() == id)
            .expect("version");
        pdftotext(file(demo, &v.sha256), None)
    };
    // Every language of every revision runs to 2-4 pages.
    for v in versions(demo)
        .into_iter()
        .filter(|v| v.document_id.as_str() == facts::DRAFT_DOCUMENT_ID)
    {
        let pages = page_count(&pdftotext(file(demo, &v.sha256), None));
        assert!((2..=4).contains(&pages), "{}: {pages} pages", v.id);
    }
    let t: Vec<String> = (0..=3).map(text).collect();
    let n: Vec<String> = t.iter().map(|x| normalize(x)).collect();
    for (rev, page_text) in t.iter().enumerate() {
        let pages = page_count(page_text);
        assert!((2..=4).contains(&pages), "Rev {rev}: {pages} pages");
        assert!(n[rev].contains(facts::DRAFT_PHRASE_EN));
        // Running header on page 2 repeats the symbol.
        let page2 = page_text.split('\u{c}').nth(1).expect("page 2");
        assert!(
            page2.contains(facts::DRAFT_SYMBOL),
            "Rev {rev} page 2 header"
        );
    }
    assert!(!n[0].contains(facts::DRAFT_INSERTED_IN_REV1_EN));
    assert!(n[1].contains(facts::DRAFT_INSERTED_IN_REV1_EN));
    assert!(!n[0].contains(facts::DRAFT_REWORDED_IN_REV1_EN));
    assert!(n[1].contains(facts::DRAFT_REWORDED_IN_REV1_EN));
    assert!(n[1].contains(facts::DRAFT_DELETED_IN_REV2_EN));
    assert!(!n[2].contains(facts::DRAFT_DELETED_IN_REV2_EN));
    let moved = |s: &str| {
        s.find(facts::DRAFT_MOVED_IN_REV2_EN)
            .expect("moved paragraph present")
            > s.find("V. Cooperation").expect("section V")
    };
    assert!(
        !moved(&n[1]) && moved(&n[2]),
        "paragraph moved into section V in Rev.2"
    );
    assert!(n[1].contains("CCM/MSP/2024/CRP.1/Rev.1") && n[3].contains("CCM/MSP/2024/CRP.1/Rev.3"));
    // Renumbering: Rev.1 has one paragraph more than the original.
    let count = |s: &str| {
        (1..40)
            .take_while(|i| s.contains(&format!(" {i}. We ")))
            .count()
    };
    assert_eq!(count(&n[1]), count(&n[0]) + 1, "Rev.1 inserts a paragraph");
    assert_eq!(count(&n[2]), count(&n[1]) - 1, "Rev.2 deletes one");
}

#[test]
fn seeding_fills_a_cache_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cache = plenary_core::Cache::open(dir.path()).expect("cache opens");
    let report = seed_demo(&mut cache, demo()).expect("seeds");
    assert_eq!(report.files, demo().files.len());
    let meeting_id = facts::MEETING_ID.parse().expect("id");
    let overview = cache.meeting_overview(&meeting_id).expect("overview");
    assert_eq!(overview.meeting.title, facts::MEETING_TITLE);
    assert_eq!(overview.agenda.len(), facts::AGENDA_ITEMS);
    let item = overview
        .agenda
        .iter()
        .find(|a| a.id.as_str() == facts::AGENDA_ITEM_ID)
        .expect("agenda item");
    assert_eq!(item.title, facts::AGENDA_ITEM_TITLE);
    assert_eq!(item.number, facts::AGENDA_ITEM_NUMBER);
    let draft = overview
        .documents
        .iter()
        .find(|d| d.document.id.as_str() == facts::DRAFT_DOCUMENT_ID)
        .expect("draft listed");
    assert_eq!(draft.latest_revision, 3);
    assert_eq!(draft.latest_label, "Rev.3");
    assert_eq!(draft.languages.len(), 6);
    assert!(overview.statements.len() >= 8);

    let detail = cache
        .document(&facts::DOCUMENT_ID.parse().expect("id"))
        .expect("document");
    assert_eq!(detail.document.title, facts::DOCUMENT_TITLE_EN);
    assert_eq!(detail.versions.len(), 6);
    assert!(detail.versions.iter().all(|v| v.downloaded));
    let ar = &detail
        .versions
        .iter()
        .find(|v| v.version.language == Language::Ar)
        .expect("ar")
        .version;
    let (_, bytes) = cache.version_file(&ar.id).expect("file readable");
    assert_eq!(Sha256::of(&bytes), ar.sha256);

    // The database file's size depends on the WAL checkpoint, not on content.
    let counts = |mut s: plenary_core::cache::CacheStats| {
        s.database_bytes = 0;
        s
    };
    let stats = counts(cache.stats().expect("stats"));
    let again = seed(&mut cache).expect("seeds again");
    assert_eq!(again.applied.deleted, 0);
    assert_eq!(
        counts(cache.stats().expect("stats")),
        stats,
        "seeding twice changes nothing"
    );
    assert_eq!(
        cache.meeting_overview(&meeting_id).expect("overview"),
        overview
    );
    let (integrity, verify) = cache.verify().expect("verify");
    assert_eq!(integrity, "ok");
    assert!(verify.quarantined.is_empty());
}

#[test]
fn bundle_has_records_and_every_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::write_bundle(demo(), dir.path()).expect("bundle written");
    let json = std::fs::read(dir.path().join("records.json")).expect("records.json");
    let records: Vec<Record> = serde_json::from_slice(&json).expect("records parse back");
    assert_eq!(&records, &demo().records);
    for f in &demo().files {
        let path =
            dir.path()
                .join("files")
                .join(format!("{}.{}", f.sha256, f.media_type.extension()));
        assert_eq!(std::fs::read(&path).expect("file present"), f.bytes);
    }
}
