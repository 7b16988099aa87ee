//! Full-text search through `Cache::search`, on real SQLite files: the six
//! languages' normalisation end to end, the query syntax, filters, revisions,
//! pages and snippets, and the index kept equal to the renditions.

use plenary_core::cache::{DATABASE_FILE, Rendition};
use plenary_core::model::*;
use plenary_core::search::shards::{SHARDS, shard_path};
use plenary_core::search::{SearchHit, SearchQuery, SearchResults};
use plenary_core::sync::{Languages, Meetings};
use plenary_core::{Cache, ErrorCode};
use time::macros::{date, datetime};

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn meeting(m: &str, starts_on: time::Date) -> Record {
    Record::Meeting(Meeting {
        id: id(m),
        title: format!("Meeting {m}"),
        body: "Convention on Cluster Munitions".into(),
        venue: "Palais des Nations".into(),
        city: "Geneva".into(),
        starts_on,
        ends_on: starts_on + time::Duration::days(3),
        symbol_prefix: None,
    })
}

/// One document version with its text, as the fixture adds it.
struct Doc<'a> {
    meeting: &'a str,
    doc: &'a str,
    kind: DocumentKind,
    item: Option<&'a str>,
    lang: Language,
    revision: u32,
    published: time::OffsetDateTime,
    pages: &'a [&'a str],
}

impl Default for Doc<'_> {
    fn default() -> Self {
        Doc {
            meeting: "m1",
            doc: "d",
            kind: DocumentKind::Draft,
            item: None,
            lang: Language::En,
            revision: 0,
            published: datetime!(2024-09-10 09:00 UTC),
            pages: &[],
        }
    }
}

fn version_id(doc: &str, lang: Language, revision: u32) -> String {
    format!("{doc}-{lang}-{revision}")
}

/// The file's bytes: distinct per version unless the test shares them.
fn bytes_of(d: &Doc) -> Vec<u8> {
    format!(
        "{}|{}|{}|{}",
        d.doc,
        d.lang,
        d.revision,
        d.pages.join("\u{c}")
    )
    .into_bytes()
}

fn add(cache: &mut Cache, docs: &[Doc]) {
    let mut records = vec![
        meeting("m1", date!(2024 - 09 - 10)),
        meeting("m2", date!(2025 - 03 - 03)),
    ];
    for item in ["m1-i1", "m1-i2"] {
        records.push(Record::AgendaItem(AgendaItem {
            id: id(item),
            meeting_id: id("m1"),
            number: item[4..].into(),
            title: format!("Item {item}"),
            position: item[4..].parse().unwrap(),
        }));
    }
    let mut renditions = Vec::new();
    for d in docs {
        let bytes = bytes_of(d);
        records.push(Record::Document(Document {
            id: id(d.doc),
            meeting_id: id(d.meeting),
            symbol: Some(Symbol::new(format!("CCM/MSP/{}", d.doc.to_uppercase())).unwrap()),
            title: format!("Title of {}", d.doc),
            kind: d.kind,
            agenda_item_id: d.item.map(id),
        }));
        records.push(Record::Version(Version {
            id: id(&version_id(d.doc, d.lang, d.revision)),
            document_id: id(d.doc),
            language: d.lang,
            revision: d.revision,
            label: if d.revision == 0 {
                "Original".into()
            } else {
                format!("Rev.{}", d.revision)
            },
            published_at: d.published,
            sha256: Sha256::of(&bytes),
            size: bytes.len() as u64,
            media_type: MediaType::Pdf,
            file_name: format!("{}.pdf", d.doc),
        }));
        cache.put_blob(&Sha256::of(&bytes), &bytes).unwrap();
        renditions.push((
            Sha256::of(&bytes),
            Rendition::Ok {
                extractor: "pdftotext".into(),
                pages: d.pages.iter().map(|p| p.to_string()).collect(),
            },
        ));
    }
    cache.apply(&records).unwrap();
    cache.put_renditions(&renditions).unwrap();
}

fn open() -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path().join("cache")).unwrap();
    (dir, cache)
}

fn search(cache: &Cache, text: &str) -> SearchResults {
    cache.search(&SearchQuery::new(text)).unwrap()
}

fn found(results: &SearchResults) -> Vec<String> {
    results
        .hits
        .iter()
        .map(|h| h.version_id.to_string())
        .collect()
}

fn ids(cache: &Cache, text: &str) -> Vec<String> {
    let mut v = found(&search(cache, text));
    v.sort();
    v
}

fn marked(hit: &SearchHit) -> String {
    hit.snippet
        .iter()
        .map(|s| {
            if s.hit {
                format!("[{}]", s.text)
            } else {
                s.text.clone()
            }
        })
        .collect()
}

#[test]
fn accent_free_and_upper_case_queries_find_accented_french() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[
            Doc {
                doc: "fr",
                lang: Language::Fr,
                pages: &["Les États parties s'engagent en faveur du développement durable."],
                ..Doc::default()
            },
            Doc {
                doc: "en",
                pages: &["States parties commit to sustainable development."],
                ..Doc::default()
            },
        ],
    );
    for q in [
        "developpement etats",
        "DÉVELOPPEMENT",
        "Developpement Durable",
        "ÉTATS",
    ] {
        assert_eq!(ids(&cache, q), ["fr-fr-0"], "{q}");
    }
    let hit = &search(&cache, "etats developpement").hits[0];
    assert_eq!(
        marked(hit),
        "Les [États] parties s'engagent en faveur du [développement] durable."
    );
    assert_eq!(hit.terms, ["États", "développement"]);
    assert!(ids(&cache, "develop").is_empty(), "words match whole");
}

#[test]
fn cyrillic_yo_and_ye_are_the_same_letter() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[
            Doc {
                doc: "a",
                lang: Language::Ru,
                pages: &["Ещё одно заседание Совета."],
                ..Doc::default()
            },
            Doc {
                doc: "b",
                lang: Language::Ru,
                pages: &["Новогодняя елка в зале."],
                ..Doc::default()
            },
        ],
    );
    assert_eq!(ids(&cache, "еще"), ["a-ru-0"]);
    assert_eq!(ids(&cache, "ЕЩЁ"), ["a-ru-0"]);
    assert_eq!(ids(&cache, "ёлка"), ["b-ru-0"]);
    assert_eq!(
        marked(&search(&cache, "еще").hits[0]),
        "[Ещё] одно заседание Совета."
    );
}

#[test]
fn arabic_with_harakat_and_alef_forms_matches_plain_and_back() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[
            Doc {
                doc: "voc",
                lang: Language::Ar,
                // With harakat, hamza on alef, taa marbuta and a tatweel.
                pages: &["تقرير الْأُمَمُ الْمُتَّحِدَةُ عن إعـــلان السلام"],
                ..Doc::default()
            },
            Doc {
                doc: "plain",
                lang: Language::Ar,
                pages: &["اجتماع الدول الاطراف في الاتفاقيه الى جنيف"],
                ..Doc::default()
            },
        ],
    );
    assert_eq!(ids(&cache, "الامم المتحده"), ["voc-ar-0"]);
    assert_eq!(ids(&cache, "\"الامم المتحدة\""), ["voc-ar-0"]);
    assert_eq!(ids(&cache, "اعلان"), ["voc-ar-0"]);
    // A query with harakat, hamza forms, taa marbuta and alef maqsura finds
    // the plain spelling.
    assert_eq!(ids(&cache, "الأَطْرَاف الاتفاقية إلى"), ["plain-ar-0"]);
    let hit = &search(&cache, "المتحده").hits[0];
    assert_eq!(
        hit.terms,
        ["الْمُتَّحِدَةُ"],
        "the original spelling is highlighted"
    );
}

#[test]
fn chinese_phrases_are_found_inside_sentences_only_when_adjacent() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[Doc {
            doc: "zh",
            lang: Language::Zh,
            pages: &["大会通过了关于可持续发展的决议，并请秘书长提交报告。"],
            ..Doc::default()
        }],
    );
    for q in [
        "可持续发展",
        "秘书长",
        "发展的决议",
        "\"请秘书长提交\"",
        "长",
        "议",
    ] {
        assert_eq!(ids(&cache, q), ["zh-zh-0"], "{q}");
    }
    // Every character is in the text, but not next to each other.
    for q in ["大会发展", "可发展", "秘书报告", "决秘"] {
        assert!(ids(&cache, q).is_empty(), "{q} must not match");
    }
    let hit = &search(&cache, "可持续发展").hits[0];
    assert_eq!(
        marked(hit),
        "大会通过了关于[可持续发展]的决议，并请秘书长提交报告。"
    );
}

#[test]
fn phrases_words_prefixes_or_and_exclusions() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[
            Doc {
                doc: "a",
                pages: &["The Human Rights Council met in Geneva."],
                ..Doc::default()
            },
            Doc {
                doc: "b",
                pages: &["The council discussed human rights in developing countries."],
                ..Doc::default()
            },
            Doc {
                doc: "c",
                pages: &["A draft on development, prepared by the council."],
                ..Doc::default()
            },
        ],
    );
    assert_eq!(ids(&cache, "\"human rights council\""), ["a-en-0"]);
    assert_eq!(ids(&cache, "human rights council"), ["a-en-0", "b-en-0"]);
    assert_eq!(ids(&cache, "develop*"), ["b-en-0", "c-en-0"]);
    assert!(ids(&cache, "develop").is_empty());
    assert_eq!(ids(&cache, "council -draft"), ["a-en-0", "b-en-0"]);
    assert_eq!(ids(&cache, "council NOT \"human rights\""), ["c-en-0"]);
    assert_eq!(ids(&cache, "geneva OR draft"), ["a-en-0", "c-en-0"]);
    assert_eq!(
        ids(&cache, "council geneva OR countries"),
        ["a-en-0", "b-en-0"]
    );
    assert!(!search(&cache, "council -draft").fallback);
}

#[test]
fn broken_syntax_searches_the_plain_words_and_never_errs() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[
            Doc {
                doc: "a",
                pages: &["An unbalanced budget and or near term; col:x notation."],
                ..Doc::default()
            },
            Doc {
                doc: "b",
                pages: &["Nothing of the sort."],
                ..Doc::default()
            },
        ],
    );
    for (q, fallback) in [
        ("\"unbalanced", true),
        ("AND OR (", true),
        ("NEAR(", true),
        ("near OR", true),
        ("-budget", true),
        ("col:x", false), // punctuation inside a word: the phrase "col x"
    ] {
        let r = cache.search(&SearchQuery::new(q)).unwrap();
        assert_eq!(found(&r), ["a-en-0"], "{q}");
        assert_eq!(r.fallback, fallback, "{q}");
    }
    for q in ["*", "-", "\"", "NOT", "()", "\"\"", "   "] {
        let r = cache.search(&SearchQuery::new(q)).unwrap();
        assert!(r.hits.is_empty() && r.total == 0, "{q}");
    }
    assert!(search(&cache, "*").fallback);
    // Characters that are FTS5 syntax are only ever separators.
    for q in ["col:x^", "{col}: x", "\"col\" + \"x\"", "x\"\" OR \"\"y"] {
        cache.search(&SearchQuery::new(q)).unwrap();
    }
}

#[test]
fn filters_by_meeting_language_kind_agenda_item_and_dates() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[
            Doc {
                doc: "d1",
                item: Some("m1-i1"),
                pages: &["quorum"],
                ..Doc::default()
            },
            Doc {
                doc: "d1",
                item: Some("m1-i1"),
                lang: Language::Fr,
                pages: &["quorum"],
                published: datetime!(2024-09-11 23:30 UTC),
                ..Doc::default()
            },
            Doc {
                doc: "d2",
                kind: DocumentKind::Report,
                item: Some("m1-i2"),
                pages: &["quorum"],
                published: datetime!(2024-09-13 08:00 UTC),
                ..Doc::default()
            },
            Doc {
                doc: "d3",
                meeting: "m2",
                kind: DocumentKind::Statement,
                lang: Language::Es,
                pages: &["quorum"],
                published: datetime!(2025-03-03 10:00 UTC),
                ..Doc::default()
            },
        ],
    );
    let with = |f: &dyn Fn(&mut SearchQuery)| {
        let mut q = SearchQuery::new("quorum");
        f(&mut q);
        let mut v = found(&cache.search(&q).unwrap());
        v.sort();
        v
    };
    assert_eq!(with(&|_| {}).len(), 4);
    assert_eq!(with(&|q| q.meeting = Some(id("m2"))), ["d3-es-0"]);
    assert_eq!(
        with(&|q| q.languages = vec![Language::Fr, Language::Es]),
        ["d1-fr-0", "d3-es-0"]
    );
    assert_eq!(
        with(&|q| q.kinds = vec![DocumentKind::Report, DocumentKind::Statement]),
        ["d2-en-0", "d3-es-0"]
    );
    assert_eq!(
        with(&|q| q.agenda_item = Some(id("m1-i1"))),
        ["d1-en-0", "d1-fr-0"]
    );
    assert_eq!(
        with(&|q| {
            q.from = Some(date!(2024 - 09 - 11));
            q.to = Some(date!(2024 - 09 - 13));
        }),
        ["d1-fr-0", "d2-en-0"],
        "both ends are included, whole days in UTC"
    );
    assert_eq!(with(&|q| q.from = Some(date!(2025 - 01 - 01))), ["d3-es-0"]);
    assert_eq!(with(&|q| q.to = Some(date!(2024 - 09 - 10))), ["d1-en-0"]);
    assert_eq!(
        with(&|q| {
            q.meeting = Some(id("m1"));
            q.languages = vec![Language::En];
            q.kinds = vec![DocumentKind::Draft];
        }),
        ["d1-en-0"]
    );
    let mut bad = SearchQuery::new("quorum");
    bad.from = Some(date!(2025 - 01 - 02));
    bad.to = Some(date!(2025 - 01 - 01));
    assert_eq!(
        cache.search(&bad).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    bad = SearchQuery::new("quorum");
    bad.limit = 0;
    assert_eq!(
        cache.search(&bad).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
}

#[test]
fn only_the_latest_revision_unless_all_revisions_are_asked_for() {
    let (_dir, mut cache) = open();
    let rev = |revision: u32, lang: Language, pages: &'static [&'static str]| Doc {
        doc: "draft",
        lang,
        revision,
        published: datetime!(2024-09-10 09:00 UTC) + time::Duration::days(revision.into()),
        pages,
        ..Doc::default()
    };
    add(
        &mut cache,
        &[
            rev(0, Language::En, &["alpha proposal text"]),
            rev(1, Language::En, &["beta proposal text"]),
            rev(2, Language::En, &["gamma proposal text"]),
            // French has only the original: it is the latest in French.
            rev(0, Language::Fr, &["proposal alpha"]),
        ],
    );
    assert_eq!(ids(&cache, "proposal"), ["draft-en-2", "draft-fr-0"]);
    assert_eq!(ids(&cache, "alpha"), ["draft-fr-0"]);
    assert!(ids(&cache, "beta").is_empty());
    let mut all = SearchQuery::new("proposal");
    all.all_revisions = true;
    let r = cache.search(&all).unwrap();
    assert_eq!(r.total, 4);
    all.text = "beta".into();
    let r = cache.search(&all).unwrap();
    assert_eq!(found(&r), ["draft-en-1"]);
    assert_eq!(r.hits[0].revision_label, "Rev.1");
    assert_eq!(r.hits[0].revision, 1);
}

#[test]
fn the_page_of_the_hit_and_the_other_pages_are_right() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[Doc {
            doc: "long",
            pages: &[
                "Cover page of the report.",
                "Chapter one mentions clearance once.",
                "",
                "Chapter three: clearance of cluster munition remnants\nand clearance deadlines.",
                "Annex: deadlines only.",
            ],
            ..Doc::default()
        }],
    );
    let r = search(&cache, "clearance");
    assert_eq!(
        (r.hits[0].page, r.hits[0].also_pages.clone()),
        (2, vec![4]),
        "the first page with the word"
    );
    let r = search(&cache, "clearance deadlines");
    assert_eq!(r.hits[0].page, 4, "the page with both words");
    assert_eq!(r.hits[0].also_pages, [2, 5]);
    let r = search(&cache, "\"remnants and clearance\"");
    assert_eq!(r.hits[0].page, 4, "a phrase across a line end");
    assert_eq!(
        marked(&r.hits[0]),
        "Chapter three: clearance of cluster munition [remnants and clearance] deadlines."
    );
    let r = search(&cache, "cover");
    assert_eq!(r.hits[0].page, 1);
    let hit = &r.hits[0];
    assert_eq!(hit.document_id.as_str(), "long");
    assert_eq!(hit.meeting_id.as_str(), "m1");
    assert_eq!(hit.symbol.as_ref().unwrap().as_str(), "CCM/MSP/LONG");
    assert_eq!(hit.title, "Title of long");
    assert_eq!(
        (hit.kind, hit.language),
        (DocumentKind::Draft, Language::En)
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["hits"][0]["published_at"], "2024-09-10T09:00:00Z");
    assert_eq!(json["hits"][0]["snippet"][0]["text"], "Cover");
    assert_eq!(json["hits"][0]["snippet"][0]["hit"], true);
    assert_eq!(json["hits"][0]["snippet"][1]["hit"], false);
    assert_eq!(json["hits"][0]["kind"], "draft");
}

#[test]
fn words_hyphenated_at_line_ends_and_soft_hyphens_are_found() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[Doc {
            doc: "h",
            pages: &[
                "the right to self-\ndetermination and sustainable develop-\nment; peace\u{AD}keeping",
            ],
            ..Doc::default()
        }],
    );
    for q in [
        "development",
        "self-determination",
        "peacekeeping",
        "\"sustainable development\"",
    ] {
        assert_eq!(ids(&cache, q), ["h-en-0"], "{q}");
    }
    let hit = &search(&cache, "development").hits[0];
    assert_eq!(hit.terms, ["develop- ment"]);
}

#[test]
fn ranking_total_limit_and_offset() {
    let (_dir, mut cache) = open();
    let mut docs = Vec::new();
    let texts: Vec<String> = (0..30)
        .map(|i| {
            // Document i mentions "mine" i+1 times in a text of equal length.
            let mut words = vec!["mine"; i + 1];
            words.extend(vec!["filler"; 40 - i]);
            words.join(" ")
        })
        .collect();
    let names: Vec<String> = (0..30).map(|i| format!("d{i:02}")).collect();
    let pages: Vec<[&str; 1]> = texts.iter().map(|t| [t.as_str()]).collect();
    for i in 0..30 {
        docs.push(Doc {
            doc: &names[i],
            pages: &pages[i],
            ..Doc::default()
        });
    }
    add(&mut cache, &docs);
    let mut q = SearchQuery::new("mine");
    q.limit = 5;
    let first = cache.search(&q).unwrap();
    assert_eq!(first.total, 30);
    assert_eq!(
        found(&first),
        ["d29-en-0", "d28-en-0", "d27-en-0", "d26-en-0", "d25-en-0"],
        "more occurrences rank higher"
    );
    assert!(first.hits.windows(2).all(|w| w[0].score >= w[1].score));
    q.offset = 5;
    let second = cache.search(&q).unwrap();
    assert_eq!(found(&second)[0], "d24-en-0");
    q.offset = 28;
    assert_eq!(cache.search(&q).unwrap().hits.len(), 2);
    q.offset = 30;
    let past = cache.search(&q).unwrap();
    assert_eq!((past.hits.len(), past.total), (0, 30));
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn shard(cache: &Cache, k: usize) -> rusqlite::Connection {
    rusqlite::Connection::open(shard_path(cache.dir(), k)).unwrap()
}

fn index_rows(cache: &Cache) -> (i64, i64, i64) {
    let main = rusqlite::Connection::open(cache.dir().join("plenary.sqlite3")).unwrap();
    // One docsize row per FTS5 row (contentless tables keep them), in
    // whichever shard holds it.
    let entries = (0..SHARDS)
        .map(|k| {
            let shard = shard(cache, k);
            let docsize = count(&shard, "SELECT count(*) FROM search_index_docsize");
            let indexed = count(&shard, "SELECT count(*) FROM indexed");
            assert_eq!(
                docsize, indexed,
                "shard {k} lists exactly the entries it holds"
            );
            docsize
        })
        .sum();
    (
        count(&main, "SELECT count(*) FROM renditions WHERE status = 'ok'"),
        count(&main, "SELECT count(*) FROM search_files"),
        entries,
    )
}

#[test]
fn freeing_space_removes_index_entries_and_a_resync_restores_them() {
    let (_dir, mut cache) = open();
    let docs = [
        Doc {
            doc: "x",
            pages: &["landmine survivors assistance"],
            ..Doc::default()
        },
        Doc {
            doc: "x",
            lang: Language::Fr,
            pages: &["assistance aux victimes landmine"],
            ..Doc::default()
        },
    ];
    add(&mut cache, &docs);
    assert_eq!(ids(&cache, "landmine"), ["x-en-0", "x-fr-0"]);
    assert_eq!(index_rows(&cache), (2, 2, 2));

    cache
        .set_keep_languages(&Languages::Only(vec![Language::En]))
        .unwrap();
    let freed = cache.free_space().unwrap();
    assert_eq!(freed.files, 1);
    assert_eq!(
        ids(&cache, "landmine"),
        ["x-en-0"],
        "the French text is gone"
    );
    assert!(ids(&cache, "victimes").is_empty());
    assert_eq!(
        index_rows(&cache),
        (1, 1, 1),
        "no entry outlives its rendition"
    );

    // Keeping French again: the next sync downloads the file and its text.
    cache.set_keep_languages(&Languages::All).unwrap();
    add(&mut cache, &docs[1..]);
    assert_eq!(ids(&cache, "victimes"), ["x-fr-0"]);
    assert_eq!(index_rows(&cache), (2, 2, 2));

    // Replacing a rendition replaces its entry.
    add(
        &mut cache,
        &[Doc {
            pages: &["landmine survivors assistance"],
            ..docs[0]
        }],
    );
    assert_eq!(index_rows(&cache), (2, 2, 2));

    // A rendition that becomes unavailable leaves the index; so does every
    // file when nothing is kept.
    let sha = Sha256::of(&bytes_of(&docs[1]));
    cache
        .put_rendition(
            &sha,
            &Rendition::Unavailable {
                extractor: "pdftotext".into(),
                reason: "scanned".into(),
            },
        )
        .unwrap();
    assert!(ids(&cache, "victimes").is_empty());
    assert_eq!(index_rows(&cache), (1, 1, 1));
    cache.set_keep_meetings(&Meetings::Only(vec![])).unwrap();
    cache.free_space().unwrap();
    assert_eq!(index_rows(&cache), (0, 0, 0));
    assert!(ids(&cache, "landmine").is_empty());
}

#[test]
fn versions_sharing_a_file_are_each_a_hit() {
    let (_dir, mut cache) = open();
    let pages: &[&str] = &["identical text"];
    add(
        &mut cache,
        &[Doc {
            doc: "s",
            pages,
            ..Doc::default()
        }],
    );
    // A second document publishes the very same file.
    let bytes = bytes_of(&Doc {
        doc: "s",
        pages,
        ..Doc::default()
    });
    cache
        .apply(&[
            Record::Document(Document {
                id: id("t"),
                meeting_id: id("m2"),
                symbol: None,
                title: "Same file".into(),
                kind: DocumentKind::Information,
                agenda_item_id: None,
            }),
            Record::Version(Version {
                id: id("t-en-0"),
                document_id: id("t"),
                language: Language::En,
                revision: 0,
                label: "Original".into(),
                published_at: datetime!(2025-03-03 09:00 UTC),
                sha256: Sha256::of(&bytes),
                size: bytes.len() as u64,
                media_type: MediaType::Pdf,
                file_name: "t.pdf".into(),
            }),
        ])
        .unwrap();
    let r = search(&cache, "identical");
    assert_eq!(r.total, 2);
    assert_eq!(ids(&cache, "identical"), ["s-en-0", "t-en-0"]);
    // Withdrawing a version removes it from the results, not the other.
    cache
        .apply(&[Record::Tombstone(Tombstone::Version(id("s-en-0")))])
        .unwrap();
    assert_eq!(ids(&cache, "identical"), ["t-en-0"]);
}

/// The cache database in `dir` as an older app left it: only the first
/// `version` migrations applied.
fn open_at_version(dir: &std::path::Path, version: usize) -> rusqlite::Connection {
    use plenary_core::cache::schema::{APPLICATION_ID, MIGRATIONS};
    let schema = plenary_core::sqlite::Schema {
        application_id: APPLICATION_ID,
        migrations: &MIGRATIONS[..version],
    };
    plenary_core::sqlite::open(&dir.join("plenary.sqlite3"), &schema).unwrap()
}

#[test]
fn a_version_4_cache_with_texts_is_indexed_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let sha = Sha256::of(b"old file").to_hex();
    {
        let conn = open_at_version(dir.path(), 4);
        conn.execute_batch(&format!(
            "INSERT INTO meetings VALUES ('m','T','B','V','C','2024-09-10','2024-09-13',NULL);
             INSERT INTO documents (id, meeting_id, title, kind) VALUES ('d','m','Doc','report');
             INSERT INTO versions VALUES ('v','d','fr',0,'Original','2024-09-10T10:00:00Z','{sha}',8,'application/pdf','d.pdf');
             INSERT INTO renditions VALUES ('{sha}','ok','pdftotext',NULL,'2024-09-10T10:00:00Z');
             INSERT INTO rendition_pages VALUES ('{sha}',1,'Première page.');
             INSERT INTO rendition_pages VALUES ('{sha}',2,'Le développement des États.');
             INSERT INTO renditions VALUES ('{}','unavailable','pdftotext','scanned','2024-09-10T10:00:00Z');",
            "b".repeat(64)
        ))
        .unwrap();
    }
    let cache = Cache::open(dir.path()).unwrap();
    let r = search(&cache, "developpement etats");
    assert_eq!(found(&r), ["v"]);
    assert_eq!(r.hits[0].page, 2);
    assert_eq!(index_rows(&cache), (1, 1, 1));
    drop(cache);
    // Opening again indexes nothing twice.
    let cache = Cache::open(dir.path()).unwrap();
    assert_eq!(index_rows(&cache), (1, 1, 1));
}

#[test]
fn an_old_cache_with_more_texts_than_one_batch_has_every_one_indexed_when_opened() {
    use plenary_core::cache::{TEXT_BATCH_BYTES, TEXT_BATCH_FILES};
    let dir = tempfile::tempdir().unwrap();
    // More short texts than a batch may hold, and two long ones that do not
    // fit in one batch together: catching up takes several transactions.
    let short = 2 * TEXT_BATCH_FILES + 7;
    let long_page = "mine clearance and victim assistance ".repeat(2_000);
    let long_pages = (TEXT_BATCH_BYTES * 3 / 5).div_ceil(long_page.len());
    {
        let conn = open_at_version(dir.path(), 4);
        conn.execute_batch(
            "INSERT INTO meetings VALUES ('m','T','B','V','C','2024-09-10','2024-09-13',NULL);",
        )
        .unwrap();
        // One document each (a search shows a document's latest version).
        let add = |name: &str, pages: &[&str]| {
            let sha = Sha256::of(name.as_bytes()).to_hex();
            conn.execute(
                "INSERT INTO documents (id, meeting_id, title, kind) VALUES (?1,'m','Doc','report')",
                [name],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO versions VALUES (?1,?1,'en',0,'R','2024-09-10T10:00:00Z',?2,8,'application/pdf','d.pdf')",
                rusqlite::params![name, sha],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO renditions VALUES (?1,'ok','pdftotext',NULL,'2024-09-10T10:00:00Z')",
                [&sha],
            )
            .unwrap();
            for (p, text) in pages.iter().enumerate() {
                conn.execute(
                    "INSERT INTO rendition_pages VALUES (?1, ?2, ?3)",
                    rusqlite::params![sha, p as i64 + 1, text],
                )
                .unwrap();
            }
        };
        for i in 0..short {
            add(&format!("v{i}"), &[&format!("word{i} of a short text")]);
        }
        for last in ["firstlong", "secondlong"] {
            let mut pages = vec![long_page.as_str(); long_pages];
            pages.push(last);
            add(last, &pages);
        }
    }
    let cache = Cache::open(dir.path()).unwrap();
    let n = short as i64 + 2;
    assert_eq!(
        index_rows(&cache),
        (n, n, n),
        "every text of the old cache is indexed once, in whichever batch"
    );
    for i in [0, TEXT_BATCH_FILES - 1, TEXT_BATCH_FILES, short - 1] {
        assert_eq!(
            found(&search(&cache, &format!("word{i}"))),
            [format!("v{i}")]
        );
    }
    for last in ["firstlong", "secondlong"] {
        let r = search(&cache, last);
        assert_eq!(found(&r), [last]);
        assert_eq!(r.hits[0].page, long_pages as u32 + 1);
    }
}

#[test]
fn a_version_8_cache_has_its_han_texts_indexed_again_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let zh = Sha256::of(b"zh file").to_hex();
    let en = Sha256::of(b"en file").to_hex();
    {
        let conn = open_at_version(dir.path(), 8);
        // Indexed as version 8 did: a Han run as its pairs and its last
        // character.
        conn.execute_batch(&format!(
            "INSERT INTO meetings VALUES ('m','T','B','V','C','2024-09-10','2024-09-13',NULL);
             INSERT INTO documents (id, meeting_id, title, kind) VALUES ('d','m','Doc','report');
             INSERT INTO versions (id, document_id, language, revision, label, published_at, sha256, size, media_type, file_name)
                 VALUES ('vzh','d','zh',0,'Original','2024-09-10T10:00:00Z','{zh}',8,'application/pdf','zh.pdf'),
                        ('ven','d','en',0,'Original','2024-09-10T10:00:00Z','{en}',8,'application/pdf','en.pdf');
             INSERT INTO renditions VALUES ('{zh}','ok','pdftotext',NULL,'2024-09-10T10:00:00Z');
             INSERT INTO rendition_pages VALUES ('{zh}',1,'前言。');
             INSERT INTO rendition_pages VALUES ('{zh}',2,'大会通过了决议。');
             INSERT INTO renditions VALUES ('{en}','ok','pdftotext',NULL,'2024-09-10T10:00:00Z');
             INSERT INTO rendition_pages VALUES ('{en}',1,'The Assembly adopted the resolution.');
             INSERT INTO search_files (id, sha256, sketch) VALUES (1,'{zh}',X''), (2,'{en}',X'');
             INSERT INTO search_index (rowid, text) VALUES
                 (1,'前言 言 大会 会通 通过 过了 了决 决议 议 '),
                 (2,'the assembly adopted the resolution ');"
        ))
        .unwrap();
    }
    let cache = Cache::open(dir.path()).unwrap();
    let r = search(&cache, "通过了决议");
    assert_eq!(found(&r), ["vzh"]);
    assert_eq!(r.hits[0].page, 2);
    assert_eq!(marked(&r.hits[0]), "大会[通过了决议]。");
    assert_eq!(found(&search(&cache, "议")), ["vzh"]);
    assert_eq!(found(&search(&cache, "adopted resolution")), ["ven"]);
    // (Migration 9 dropped only the Han text's entry; since migration 12
    // moved the index into shards, every text is indexed again.)
    assert_eq!(index_rows(&cache), (2, 2, 2));
    drop(cache);
    // Opening again indexes nothing twice.
    let cache = Cache::open(dir.path()).unwrap();
    assert_eq!(index_rows(&cache), (2, 2, 2));
}

#[test]
fn a_phrase_running_from_one_page_onto_the_next_is_found_on_its_first_page() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[Doc {
            doc: "span",
            pages: &[
                "Introduction without the words.",
                "Other text.",
                "The survey found cluster munition",
                "remnants in three provinces.",
                "Nothing more.",
            ],
            ..Doc::default()
        }],
    );
    let r = search(&cache, "\"cluster munition remnants\"");
    assert_eq!(found(&r), ["span-en-0"]);
    assert_eq!(r.hits[0].page, 3);
    assert_eq!(marked(&r.hits[0]), "The survey found [cluster munition]");
    let r = search(&cache, "provinces");
    assert_eq!((r.hits[0].page, r.hits[0].also_pages.clone()), (4, vec![]));
}

#[test]
fn the_same_file_twice_in_one_batch_is_indexed_once_as_its_last_text() {
    let (_dir, mut cache) = open();
    add(
        &mut cache,
        &[Doc {
            doc: "twice",
            pages: &["first text"],
            ..Doc::default()
        }],
    );
    let sha = Sha256::of(&bytes_of(&Doc {
        doc: "twice",
        pages: &["first text"],
        ..Doc::default()
    }));
    let text = |t: &str| Rendition::Ok {
        extractor: "pdftotext".into(),
        pages: vec![t.into()],
    };
    cache
        .put_renditions(&[(sha, text("older words")), (sha, text("newer words"))])
        .unwrap();
    assert!(ids(&cache, "older").is_empty());
    assert!(ids(&cache, "first").is_empty());
    assert_eq!(ids(&cache, "newer"), ["twice-en-0"]);
    assert_eq!(index_rows(&cache), (1, 1, 1));
}

#[test]
fn a_search_sees_what_another_process_wrote_since_the_last_search() {
    let (dir, mut writer) = open();
    add(
        &mut writer,
        &[Doc {
            doc: "a",
            pages: &["ammunition stockpiles"],
            ..Doc::default()
        }],
    );
    let reader = Cache::open(dir.path().join("cache")).unwrap();
    assert_eq!(ids(&reader, "stockpiles"), ["a-en-0"]);
    // Another connection (the app's sync, say) publishes a revision and a
    // new document; the reader's next search sees both.
    add(
        &mut writer,
        &[
            Doc {
                doc: "a",
                revision: 1,
                pages: &["ammunition stockpiles destroyed"],
                ..Doc::default()
            },
            Doc {
                doc: "b",
                kind: DocumentKind::Report,
                pages: &["stockpiles"],
                ..Doc::default()
            },
        ],
    );
    assert_eq!(ids(&reader, "stockpiles"), ["a-en-1", "b-en-0"]);
    let mut q = SearchQuery::new("stockpiles");
    q.kinds = vec![DocumentKind::Report];
    assert_eq!(found(&reader.search(&q).unwrap()), ["b-en-0"]);
    writer
        .apply(&[Record::Tombstone(Tombstone::Document(id("b")))])
        .unwrap();
    assert_eq!(ids(&reader, "stockpiles"), ["a-en-1"]);
}

// ------------------------------------------------------------ the shards

/// Six documents, each with a word of its own and one they share.
const SHARED: &str = "sharedword";
fn six_docs() -> Vec<Doc<'static>> {
    const PAGES: [&[&str]; 6] = [
        &["alpha sharedword"],
        &["bravo sharedword"],
        &["charlie sharedword"],
        &["delta sharedword"],
        &["echo sharedword"],
        &["foxtrot sharedword"],
    ];
    const DOCS: [&str; 6] = ["s1", "s2", "s3", "s4", "s5", "s6"];
    (0..6)
        .map(|i| Doc {
            doc: DOCS[i],
            pages: PAGES[i],
            ..Doc::default()
        })
        .collect()
}

fn all_six_found(cache: &Cache) {
    assert_eq!(
        ids(cache, SHARED),
        [
            "s1-en-0", "s2-en-0", "s3-en-0", "s4-en-0", "s5-en-0", "s6-en-0"
        ]
    );
    for (word, doc) in [("alpha", "s1"), ("charlie", "s3"), ("foxtrot", "s6")] {
        assert_eq!(ids(cache, word), [format!("{doc}-en-0")], "{word}");
    }
}

fn shard_entries(cache: &Cache, k: usize) -> i64 {
    count(&shard(cache, k), "SELECT count(*) FROM indexed")
}

#[test]
fn the_index_is_split_over_the_shards_and_a_query_asks_them_all() {
    let (_dir, mut cache) = open();
    add(&mut cache, &six_docs());
    all_six_found(&cache);
    for k in 0..SHARDS {
        assert!(
            shard_entries(&cache, k) >= 1,
            "every shard takes a share of the files (shard {k} has none)"
        );
    }
    assert_eq!(index_rows(&cache), (6, 6, 6));
    // The search results are the same from a cache opened afresh.
    let dir = cache.dir().to_owned();
    drop(cache);
    let cache = Cache::open(&dir).unwrap();
    all_six_found(&cache);
    assert_eq!(index_rows(&cache), (6, 6, 6));
}

/// What `damage` does to the shards of a closed cache holding the six
/// documents is repaired by opening it:
/// every document is found again, the index exactly the renditions.
fn made_whole_after(damage: impl FnOnce(&std::path::Path)) -> (tempfile::TempDir, Cache) {
    let (tmp, mut cache) = open();
    add(&mut cache, &six_docs());
    let dir = cache.dir().to_owned();
    drop(cache);
    damage(&dir);
    let cache = Cache::open(&dir).unwrap();
    all_six_found(&cache);
    assert_eq!(index_rows(&cache), (6, 6, 6));
    (tmp, cache)
}

#[test]
fn a_shard_that_lost_its_last_writes_is_made_whole_when_the_cache_opens() {
    made_whole_after(|dir| {
        // Shard 0 loses everything it was given (a crash before its commit
        // reached the disk; shards do not fsync every commit).
        rusqlite::Connection::open(shard_path(dir, 0))
            .unwrap()
            .execute_batch(
                "DELETE FROM search_index WHERE rowid IN (SELECT id FROM indexed);
                 DELETE FROM indexed;",
            )
            .unwrap();
    });
}

#[test]
fn a_damaged_or_missing_shard_is_made_anew_when_the_cache_opens() {
    let (_tmp, cache) = made_whole_after(|dir| {
        std::fs::write(shard_path(dir, 0), vec![0x42u8; 8192]).unwrap();
        std::fs::remove_file(shard_path(dir, 1)).unwrap();
    });
    let (integrity, _) = cache.verify().unwrap();
    assert_eq!(integrity, "ok");
}

#[test]
fn entries_of_a_write_that_failed_are_never_shown_and_their_ids_never_reused() {
    let (_dir, mut cache) = open();
    add(&mut cache, &six_docs()[..2]);
    // A batch whose preview names a file with no rendition: the cache
    // database refuses it, after the shards committed their entries.
    let bytes = b"a file never stored";
    let sha = Sha256::of(bytes);
    cache
        .apply(&[Record::Version(Version {
            id: id("s1-fr-0"),
            document_id: id("s1"),
            language: Language::Fr,
            revision: 0,
            label: "Original".into(),
            published_at: datetime!(2024-09-10 09:00 UTC),
            sha256: sha,
            size: bytes.len() as u64,
            media_type: MediaType::Pdf,
            file_name: "s1.pdf".into(),
        })])
        .unwrap();
    let err = cache
        .put_texts(
            &[(
                sha,
                Rendition::Ok {
                    extractor: "pdftotext".into(),
                    pages: vec!["phantomword".into()],
                },
            )],
            &[(
                Sha256::of(b"no such file"),
                plenary_core::cache::Preview {
                    width_pt: 595.0,
                    height_pt: 842.0,
                    png: vec![1, 2, 3],
                },
            )],
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Database, "{err}");
    assert!(
        ids(&cache, "phantomword").is_empty(),
        "a failed write shows nothing"
    );
    let held: i64 = (0..SHARDS).map(|k| shard_entries(&cache, k)).sum();
    assert_eq!(
        held, 3,
        "the shard kept the failed write's entry (harmless)"
    );
    // The next file gets an id of its own, not the failed one's.
    add(&mut cache, &six_docs()[2..3]);
    assert_eq!(ids(&cache, "charlie"), ["s3-en-0"]);
    assert!(ids(&cache, "phantomword").is_empty());
    // Opening the cache drops the stray entry.
    let dir = cache.dir().to_owned();
    drop(cache);
    let cache = Cache::open(&dir).unwrap();
    assert_eq!(index_rows(&cache), (3, 3, 3));
    assert!(ids(&cache, "phantomword").is_empty());
}

#[test]
fn a_batch_of_texts_reaches_the_database_files_while_the_next_one_is_indexed() {
    let (_dir, mut cache) = open();
    // About 7 MB of text, 1,700 pages of 4 KiB: more than SQLite's default
    // checkpoint threshold (1,000 pages) and the 4 MB after which the next
    // batch writes it back, under the writers' own backstop (64 MB).
    let text: String = (0..600_000).map(|i| format!("term{i} ")).collect();
    let pages = [text.as_str()];
    let dir = cache.dir().to_owned();
    // (database file, shard files), in bytes (WALs aside).
    let sizes = || {
        let size = |path: &std::path::Path| std::fs::metadata(path).unwrap().len();
        let shards = (0..SHARDS).map(|k| size(&shard_path(&dir, k)));
        (size(&dir.join(DATABASE_FILE)), shards.sum::<u64>())
    };
    add(
        &mut cache,
        &[Doc {
            doc: "big",
            pages: &pages,
            ..Doc::default()
        }],
    );
    let (database, index) = sizes();
    assert!(
        database < 1 << 20 && index < 1 << 20,
        "a batch's commit leaves its pages in the WAL, to be written back \
         during the next batch (database {database} bytes, shards {index})"
    );
    add(
        &mut cache,
        &[Doc {
            doc: "small",
            pages: &["tiny"],
            ..Doc::default()
        }],
    );
    let (database, index) = sizes();
    assert!(
        database > text.len() as u64 && index > 1 << 20,
        "the next batch wrote the first one back into the database files \
         (database {database} bytes for {} bytes of text, shards {index})",
        text.len()
    );
    assert_eq!(ids(&cache, "term599999"), ["big-en-0"]);
    assert_eq!(ids(&cache, "tiny"), ["small-en-0"]);
    assert_eq!(index_rows(&cache), (2, 2, 2));
}
