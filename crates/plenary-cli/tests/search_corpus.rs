//! Search over real UN documents, as the server would extract them: the
//! corpus PDFs (`un-documents/huridocs-ohchr`, English, Russian and French;
//! `un-documents/unbench-unsc-drafts`, English) go through the server's own
//! extractor (`pdftotext`, `plenary_server::extract`) into a real cache, then
//! phrases taken from the human-aligned paragraphs (`labels/*.json`) and the
//! drafts' published text (`*.json`, `Content`) are searched in their
//! language, as written and (French, Russian) typed without accents, and the
//! right document must come first.
//!
//! The phrase of a paragraph is its first 5-word run (from the third word,
//! after the paragraph number) that occurs in no other document's reference
//! text: a phrase several documents share (Security Council boilerplate)
//! cannot say which one should rank first.
//!
//! Needs the corpus (`$PLENARY_CORPUS`, default `../shared/corpus`): without
//! it the test prints one line and passes, except under `CI=true`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use plenary_core::Cache;
use plenary_core::cache::Rendition;
use plenary_core::model::*;
use plenary_core::search::SearchQuery;
use plenary_core::search::normalize::normalize;
use time::macros::{date, datetime};

/// A document version of the corpus: which file, which document, which language.
struct Source {
    pdf: &'static str,
    document: &'static str,
    language: Language,
}

const OHCHR: &[Source] = &[
    Source {
        pdf: "huridocs-ohchr/ohchr_1_en.pdf",
        document: "ohchr-1",
        language: Language::En,
    },
    Source {
        pdf: "huridocs-ohchr/ohchr_1_ru.pdf",
        document: "ohchr-1",
        language: Language::Ru,
    },
    Source {
        pdf: "huridocs-ohchr/ohchr_2_en.pdf",
        document: "ohchr-2",
        language: Language::En,
    },
    Source {
        pdf: "huridocs-ohchr/ohchr_2_fr.pdf",
        document: "ohchr-2",
        language: Language::Fr,
    },
];

const DRAFTS: &[&str] = &[
    "S_2016_1061",
    "S_2017_77",
    "S_2018_221",
    "S_2018_693",
    "S_2019_90",
    "S_2020_445",
];

/// At most this many phrases per Security Council draft (they are long).
const PER_DRAFT: usize = 40;
const PHRASE_WORDS: usize = 5;
const REQUIRED_HIT_RATE: f64 = 0.95;

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Pages as the server's extractor makes them.
fn extract(runtime: &tokio::runtime::Runtime, pdf: &[u8]) -> Vec<String> {
    runtime
        .block_on(plenary_server::extract::pdftotext(
            pdf,
            Duration::from_secs(60),
        ))
        .unwrap_or_else(|e| {
            panic!("pdftotext (from poppler-utils; scripts/setup installs it): {e}")
        })
}

/// What a delegate types without accents: French and Spanish letters
/// without diacritics, Russian ё as е.
fn without_accents(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'É' | 'È' => 'E',
            'À' => 'A',
            'ё' => 'е',
            'Ё' => 'Е',
            c => c,
        })
        .collect()
}

struct Phrase {
    text: String,
    document: String,
    language: Language,
}

#[test]
fn phrases_from_aligned_paragraphs_find_their_document_first() {
    let Some(corpus) = plenary_server::corpus::require("search corpus test") else {
        return;
    };
    let un = corpus.join("un-documents");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(dir.path()).unwrap();

    // The documents, one meeting, and their texts as the server extracts them.
    let mut records = vec![Record::Meeting(Meeting {
        id: "corpus".parse().unwrap(),
        title: "Corpus".into(),
        body: "United Nations".into(),
        venue: "-".into(),
        city: "Geneva".into(),
        starts_on: date!(2024 - 01 - 01),
        ends_on: date!(2024 - 01 - 02),
        symbol_prefix: None,
    })];
    let mut sources: Vec<(String, String, Language)> = OHCHR
        .iter()
        .map(|s| (s.pdf.to_owned(), s.document.to_owned(), s.language))
        .collect();
    for d in DRAFTS {
        sources.push((
            format!("unbench-unsc-drafts/{d}-EN.pdf"),
            d.to_lowercase().replace('_', "-"),
            Language::En,
        ));
    }
    let mut renditions = Vec::new();
    for (pdf, document, language) in &sources {
        let bytes = read(&un.join(pdf));
        let sha = Sha256::of(&bytes);
        if !records
            .iter()
            .any(|r| matches!(r, Record::Document(d) if d.id.as_str() == document))
        {
            records.push(Record::Document(Document {
                id: document.parse().unwrap(),
                meeting_id: "corpus".parse().unwrap(),
                symbol: None,
                title: document.clone(),
                kind: DocumentKind::Report,
                agenda_item_id: None,
            }));
        }
        records.push(Record::Version(Version {
            id: format!("{document}-{language}").parse().unwrap(),
            document_id: document.parse().unwrap(),
            language: *language,
            revision: 0,
            label: "Original".into(),
            published_at: datetime!(2024-01-01 09:00 UTC),
            sha256: sha,
            size: bytes.len() as u64,
            media_type: MediaType::Pdf,
            file_name: pdf.rsplit('/').next().unwrap().to_owned(),
        }));
        let pages = extract(&runtime, &bytes);
        renditions.push((
            sha,
            Rendition::Ok {
                extractor: "pdftotext".into(),
                pages,
            },
        ));
    }
    cache.apply(&records).unwrap();
    cache.put_renditions(&renditions).unwrap();

    // Reference paragraphs per (document, language): the human-aligned
    // labels for the OHCHR documents, the published text for the drafts.
    let mut reference: BTreeMap<(String, Language), Vec<String>> = BTreeMap::new();
    for (file, document) in [
        ("ohchr_1_en_ru", "ohchr-1"),
        ("ohchr_1_ru_en", "ohchr-1"),
        ("ohchr_2_en_fr", "ohchr-2"),
        ("ohchr_2_fr_en", "ohchr-2"),
    ] {
        let labels = json(&un.join(format!("huridocs-ohchr/labels/{file}.json")));
        let main: Language = labels["main_language"].as_str().unwrap().parse().unwrap();
        let paragraphs = reference.entry((document.to_owned(), main)).or_default();
        for p in labels["paragraphs"].as_array().unwrap() {
            let text = p["main_language"].as_str().unwrap().to_owned();
            if !paragraphs.contains(&text) {
                paragraphs.push(text);
            }
        }
    }
    for d in DRAFTS {
        let draft = json(&un.join(format!("unbench-unsc-drafts/{d}-EN.json")));
        let paragraphs: Vec<String> = draft["Content"]
            .as_str()
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        reference.insert(
            (d.to_lowercase().replace('_', "-"), Language::En),
            paragraphs,
        );
    }
    let normalised: BTreeMap<&(String, Language), String> = reference
        .iter()
        .map(|(k, paragraphs)| (k, format!(" {} ", normalize(&paragraphs.join("\n")))))
        .collect();

    // One distinctive phrase per paragraph.
    let mut phrases: Vec<Phrase> = Vec::new();
    let mut not_distinctive = 0;
    for ((document, language), paragraphs) in &reference {
        let mut mine: Vec<Phrase> = Vec::new();
        for paragraph in paragraphs {
            // Quotation marks would be query syntax; a delegate leaves them out.
            let words: Vec<&str> = paragraph
                .split_whitespace()
                .map(|w| w.trim_matches(|c| c == '"' || c == '“' || c == '”'))
                .filter(|w| !w.is_empty() && !w.contains('"'))
                .collect();
            if words.len() < PHRASE_WORDS + 3 {
                continue;
            }
            let distinctive = (2..=words.len() - PHRASE_WORDS).find_map(|start| {
                let text = words[start..start + PHRASE_WORDS].join(" ");
                let needle = format!(" {}", normalize(&text));
                let elsewhere = normalised
                    .iter()
                    .any(|(k, t)| (&k.0, k.1) != (document, *language) && t.contains(&needle));
                (!elsewhere).then_some(text)
            });
            match distinctive {
                Some(text) => mine.push(Phrase {
                    text,
                    document: document.clone(),
                    language: *language,
                }),
                None => not_distinctive += 1,
            }
        }
        if document.starts_with("s-") && mine.len() > PER_DRAFT {
            // Evenly spread over the draft.
            let step = mine.len() as f64 / PER_DRAFT as f64;
            let keep: Vec<usize> = (0..PER_DRAFT).map(|i| (i as f64 * step) as usize).collect();
            mine = mine
                .into_iter()
                .enumerate()
                .filter(|(i, _)| keep.contains(i))
                .map(|(_, p)| p)
                .collect();
        }
        phrases.extend(mine);
    }
    assert!(
        phrases.len() >= 150,
        "only {} phrases from the corpus",
        phrases.len()
    );

    // French and Russian phrases are also searched as typed on a keyboard
    // without accents or ё.
    let typed: Vec<Phrase> = phrases
        .iter()
        .filter_map(|p| {
            let text = without_accents(&p.text);
            (text != p.text).then(|| Phrase {
                text,
                document: p.document.clone(),
                language: p.language,
            })
        })
        .collect();
    let accent_free = typed.len();
    phrases.extend(typed);

    // Search each in its language; the right document must come first.
    let mut by_language: BTreeMap<Language, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for p in &phrases {
        let mut query = SearchQuery::new(format!("\"{}\"", p.text));
        query.languages = vec![p.language];
        query.limit = 3;
        let results = cache.search(&query).unwrap();
        assert!(!results.fallback, "{:?} fell back", p.text);
        let first = results.hits.first();
        let ok =
            first.is_some_and(|h| h.document_id.as_str() == p.document && h.language == p.language);
        let counts = by_language.entry(p.language).or_default();
        counts.1 += 1;
        if ok {
            counts.0 += 1;
            let hit = first.unwrap();
            assert!(
                hit.snippet.iter().any(|s| s.hit),
                "a hit's snippet marks it: {:?}",
                p.text
            );
        } else {
            let rendition = renditions
                .iter()
                .zip(&sources)
                .find(|(_, s)| s.1 == p.document && s.2 == p.language)
                .map(|((_, r), _)| r);
            let extracted = match rendition {
                Some(Rendition::Ok { pages, .. }) => normalize(&pages.join("\u{c}")),
                _ => String::new(),
            };
            let why = if format!(" {extracted}").contains(&format!(" {}", normalize(&p.text))) {
                format!(
                    "in the extracted text, but ranked {:?} first",
                    first.map(|h| h.document_id.to_string())
                )
            } else {
                "not in the extracted text as written (extraction differs)".to_owned()
            };
            misses.push(format!(
                "{} {}: {:?}: {why}",
                p.document, p.language, p.text
            ));
        }
    }
    let found: usize = by_language.values().map(|c| c.0).sum();
    let rate = found as f64 / phrases.len() as f64;
    let per_language: Vec<String> = by_language
        .iter()
        .map(|(l, (f, n))| format!("{l} {f}/{n}"))
        .collect();
    println!(
        "search corpus: {found}/{} phrases found with the right document first ({:.1}%; {}); \
         {accent_free} of them typed without accents; \
         {not_distinctive} paragraphs without a distinctive phrase skipped",
        phrases.len(),
        rate * 100.0,
        per_language.join(", ")
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(
        rate >= REQUIRED_HIT_RATE,
        "hit rate {:.1}% is below {:.0}%",
        rate * 100.0,
        REQUIRED_HIT_RATE * 100.0
    );
}
