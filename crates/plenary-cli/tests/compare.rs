//! `plenary compare` (the real binary): two text files, as a terminal diff
//! (markers without colour when stdout is not a terminal), JSON and HTML;
//! and two versions of the demo's draft declaration in the cache, their
//! text extracted from the PDFs by the server's own extractor (`pdftotext`),
//! page furniture and all.

use std::path::Path;
use std::time::Duration;

use plenary_core::Cache;
use plenary_core::cache::Rendition;
use plenary_core::model::{Language, VersionId};
use plenary_demo::facts;

mod cli;
use cli::{plenary, run};

/// A paginated treaty-like text: a running header (the symbol, which
/// changes between revisions), page numbers, lines wrapped at `width`.
fn paginated(symbol: &str, paragraphs: &[String], width: usize) -> String {
    let mut lines = Vec::new();
    for p in paragraphs {
        let mut line = String::new();
        for w in p.split_whitespace() {
            if line.len() + w.len() + 1 > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(w);
        }
        lines.push(line);
        lines.push(String::new());
    }
    lines
        .chunks(30)
        .enumerate()
        .map(|(i, chunk)| format!("{symbol}\n\n{}\n{}", chunk.join("\n"), i + 1))
        .collect::<Vec<_>>()
        .join("\u{c}")
}

/// Eight articles of three paragraphs, each paragraph its own words.
fn paragraphs() -> Vec<String> {
    const WORDS: &[&str] = &[
        "measures",
        "civilians",
        "protection",
        "weapons",
        "report",
        "conference",
        "review",
        "implementation",
        "assistance",
        "victims",
        "clearance",
        "stockpiles",
        "destruction",
        "cooperation",
        "transparency",
        "national",
        "legislation",
        "training",
        "armed",
        "forces",
        "humanitarian",
        "organizations",
        "experts",
        "meeting",
        "annual",
        "information",
        "technical",
        "remnants",
        "explosive",
        "marking",
        "fencing",
        "risk",
        "education",
        "survey",
        "contaminated",
        "areas",
        "resources",
        "capacity",
        "support",
        "secretariat",
    ];
    let mut seed: u64 = 7;
    let mut out = Vec::new();
    for article in 1..=8 {
        out.push(format!("Article {article}"));
        for n in 1..=3 {
            let mut p = format!("{n}. Each High Contracting Party shall");
            for _ in 0..30 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                p.push(' ');
                p.push_str(WORDS[(seed >> 33) as usize % WORDS.len()]);
            }
            p.push('.');
            out.push(p);
        }
    }
    out
}

#[test]
fn compares_text_files_as_a_terminal_diff_json_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let old = paragraphs();
    let mut new = old.clone();
    new[2] = new[2].replace("Each High Contracting Party", "Each State Party");
    let moved = new.remove(6); // Article 2, paragraph 2 ...
    new.insert(20, moved); // ... now in Article 6
    std::fs::write(
        dir.path().join("old.txt"),
        paginated("CCW/CONF.VI/WP.3", &old, 78),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("new.txt"),
        paginated("CCW/CONF.VI/WP.3/Rev.1", &new, 70),
    )
    .unwrap();
    let old_path = dir.path().join("old.txt");
    let new_path = dir.path().join("new.txt");
    let (o, n) = (old_path.to_str().unwrap(), new_path.to_str().unwrap());

    let text = plenary(&cache, &["compare", o, n]);
    assert!(
        text.contains("2 changes: 1 replaced, 0 inserted, 0 deleted, 1 moved"),
        "{text}"
    );
    assert!(
        text.contains("Each [-High Contracting-]{+State+} Party"),
        "{text}"
    );
    assert!(
        text.contains("replaced · Article 1, paragraph 2, page 1"),
        "{text}"
    );
    assert!(
        text.contains("moved from Article 2, paragraph 2, page 1 to Article 6"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colour when not on a terminal");
    assert!(
        !text.contains("CCW/CONF"),
        "the running header is furniture: {text}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&plenary(&cache, &["--json", "compare", o, n])).unwrap();
    assert_eq!(json["summary"]["changes"], 2);
    assert_eq!(json["summary"]["moves"], 1);
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes[0]["kind"], "replace");
    assert_eq!(changes[0]["old"]["text"], "High Contracting");
    assert_eq!(changes[0]["new"]["text"], "State");
    assert_eq!(changes[1]["kind"], "move");
    assert_eq!(changes[1]["similarity"], 1.0);
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(
        rows[changes[1]["row"].as_u64().unwrap() as usize]["kind"],
        "moved_to"
    );
    assert_eq!(
        rows[changes[1]["from_row"].as_u64().unwrap() as usize]["kind"],
        "moved_from"
    );

    let html_path = dir.path().join("cmp.html");
    plenary(
        &cache,
        &["compare", o, n, "--html", html_path.to_str().unwrap()],
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(
        r#"<del><span class="mark">[−</span>High Contracting<span class="mark">−]</span></del>"#
    ));
    assert!(html.contains("Moved here from Article 2, paragraph 2"));

    // Identical texts, whatever their layout: no changes.
    std::fs::write(
        dir.path().join("same.txt"),
        paginated("X/1/Rev.9", &old, 60),
    )
    .unwrap();
    let same = plenary(
        &cache,
        &["compare", o, dir.path().join("same.txt").to_str().unwrap()],
    );
    assert!(same.contains("No changes"), "{same}");

    // Wrong use: one file.
    let out = run(&cache, &["compare", o]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two files"));
}

/// The demo, with the text of the draft declaration's versions in the
/// given languages, as a sync stores it.
fn demo_cache(dir: &Path, languages: &[Language]) {
    let demo = plenary_demo::generate().unwrap();
    let mut cache = Cache::open(dir).unwrap();
    plenary_demo::seed_demo(&mut cache, &demo).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut renditions = Vec::new();
    for &lang in languages {
        for revision in 0..=facts::DRAFT_LATEST_REVISION {
            let id = VersionId::new(plenary_demo::version_id(
                facts::DRAFT_DOCUMENT_ID,
                lang,
                revision,
            ))
            .unwrap();
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
    }
    cache.put_renditions(&renditions).unwrap();
}

fn version(lang: Language, revision: u32) -> String {
    plenary_demo::version_id(facts::DRAFT_DOCUMENT_ID, lang, revision)
}

#[test]
fn compares_the_demo_drafts_revisions_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    demo_cache(
        &cache,
        &[Language::En, Language::Zh, Language::Ar, Language::Ru],
    );
    let compare = |old: &str, new: &str| -> serde_json::Value {
        serde_json::from_str(&plenary(
            &cache,
            &["--json", "compare", "--version", old, "--version", new],
        ))
        .unwrap()
    };
    let texts = |c: &serde_json::Value, kind: &str, side: &str| -> String {
        c["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|ch| ch["kind"] == kind)
            .map(|ch| ch[side]["text"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };

    // Rev.1: a paragraph inserted, paragraph 3 reworded.
    let c = compare(&version(Language::En, 0), &version(Language::En, 1));
    let inserted = format!(
        "{}\n{}",
        texts(&c, "insert", "new"),
        texts(&c, "replace", "new")
    );
    assert!(inserted.contains(facts::DRAFT_INSERTED_IN_REV1_EN), "{c:#}");
    // The symbol on every page changes (… /Rev.1): furniture, not a change.
    let all = c["changes"].to_string();
    assert!(!all.contains("CRP.1/Rev.1"), "{all}");

    // Rev.2: a paragraph deleted, another moved to section V.
    let c = compare(&version(Language::En, 1), &version(Language::En, 2));
    let deleted = format!(
        "{}\n{}",
        texts(&c, "delete", "old"),
        texts(&c, "replace", "old")
    );
    assert!(deleted.contains(facts::DRAFT_DELETED_IN_REV2_EN), "{c:#}");
    assert!(
        texts(&c, "move", "new").contains(facts::DRAFT_MOVED_IN_REV2_EN),
        "{c:#}"
    );
    println!("en Rev.1 -> Rev.2: {}", c["summary"]);
    // Rev.2 deletes a paragraph and inserts one elsewhere: the paragraphs in
    // between change number only, and are counted as renumbering.
    let renumbered: Vec<_> = c["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ch| ch["renumbering"] == true)
        .collect();
    assert!(renumbered.len() >= 10, "{:#}", c["summary"]);
    assert_eq!(c["summary"]["renumbered"], renumbered.len());
    for ch in renumbered {
        assert_eq!(ch["kind"], "replace", "{ch:#}");
        let (old, new) = (
            ch["old"]["text"].as_str().unwrap(),
            ch["new"]["text"].as_str().unwrap(),
        );
        assert!(
            old.trim().chars().all(|c| c.is_ascii_digit())
                && new.trim().chars().all(|c| c.is_ascii_digit()),
            "{ch:#}"
        );
    }

    // The same in Chinese (compared by characters), Arabic and Russian:
    // the moved paragraph is a move, located by section and paragraph.
    for lang in [Language::Zh, Language::Ar, Language::Ru] {
        let c = compare(&version(lang, 1), &version(lang, 2));
        let moves: Vec<_> = c["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|ch| ch["kind"] == "move")
            .collect();
        assert_eq!(moves.len(), 1, "{lang}: {:#}", c["summary"]);
        assert!(
            moves[0]["new"]["location"]["heading"].is_string(),
            "{lang}: {:#}",
            moves[0]
        );
        assert!(
            moves[0]["new"]["location"]["paragraph"].is_string(),
            "{lang}: {:#}",
            moves[0]
        );
        println!("{lang} Rev.1 -> Rev.2: {}", c["summary"]);
    }

    // The terminal diff.
    let text = plenary(
        &cache,
        &[
            "compare",
            "--version",
            &version(Language::En, 1),
            "--version",
            &version(Language::En, 2),
        ],
    );
    println!("{text}");
    assert!(text.contains("{moved}"), "{text}");
    assert!(text.contains("[-"), "{text}");

    // By default, a document's newest revision against the one before.
    let by_document: serde_json::Value = serde_json::from_str(&plenary(
        &cache,
        &[
            "--json",
            "compare",
            "--document",
            facts::DRAFT_DOCUMENT_ID,
            "--lang",
            "en",
        ],
    ))
    .unwrap();
    let latest = facts::DRAFT_LATEST_REVISION;
    let explicit = compare(
        &version(Language::En, latest - 1),
        &version(Language::En, latest),
    );
    assert_eq!(by_document["summary"], explicit["summary"]);
    assert!(by_document["summary"]["changes"].as_u64().unwrap() > 0);

    // Two languages, or a version without text: refused.
    let out = run(
        &cache,
        &[
            "compare",
            "--version",
            &version(Language::En, 1),
            "--version",
            &version(Language::Zh, 2),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("same language"));
    let out = run(
        &cache,
        &[
            "compare",
            "--version",
            &version(Language::Fr, 1),
            "--version",
            &version(Language::Fr, 2),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not in the cache"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
