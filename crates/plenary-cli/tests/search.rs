//! `plenary search` (the real binary) over the demo meeting, its files' text
//! extracted by the server's own extractor (`pdftotext` for the Pango/Cairo
//! PDFs, including Arabic and Chinese), as a sync would store it.

use std::path::Path;
use std::time::Duration;

use plenary_core::Cache;
use plenary_core::cache::Rendition;

mod cli;
use cli::{plenary, run};

fn json(cache: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&plenary(cache, &all)).unwrap()
}

/// The demo meeting with every file's text, as the server extracts it.
fn demo_cache(dir: &Path) {
    let demo = plenary_demo::generate().unwrap();
    let mut cache = Cache::open(dir).unwrap();
    plenary_demo::seed_demo(&mut cache, &demo).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let renditions: Vec<_> = demo
        .files
        .iter()
        .map(|f| {
            let extracted = runtime.block_on(plenary_server::extract::extract(
                &f.bytes,
                f.media_type,
                Duration::from_secs(60),
            ));
            // The server's rendition is the same JSON as the client's.
            let rendition: Rendition =
                serde_json::from_value(serde_json::to_value(extracted).unwrap()).unwrap();
            (f.sha256, rendition)
        })
        .collect();
    cache.put_renditions(&renditions).unwrap();
}

fn hits(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["hits"].as_array().unwrap()
}

#[test]
fn searches_the_demo_in_six_languages_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    demo_cache(&cache);

    // Human output: symbol, language, revision, page, snippet with [hits]
    // (stdout is not a terminal here).
    let out = plenary(
        &cache,
        &[
            "search",
            "armes a sous-munitions",
            "--lang",
            "fr",
            "--limit",
            "3",
        ],
    );
    assert!(out.contains(" results, 1-"), "{out}");
    assert!(out.contains("  fr  "), "{out}");
    assert!(out.contains("p. "), "{out}");
    assert!(
        out.contains("[armes à sous-munitions]"),
        "accents kept in the snippet: {out}"
    );

    // French without accents, JSON.
    let fr = json(&cache, &["search", "\"etats parties\"", "--lang", "fr"]);
    assert!(!hits(&fr).is_empty());
    for h in hits(&fr) {
        assert_eq!(h["language"], "fr");
        assert!(
            h["terms"].as_array().unwrap().iter().any(|t| t
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("états"))
        );
        assert!(h["page"].as_u64().unwrap() >= 1);
    }

    // Chinese, found inside sentences written without spaces.
    let zh = json(&cache, &["search", "集束弹药", "--lang", "zh"]);
    assert!(!hits(&zh).is_empty(), "{zh}");
    let snippet: Vec<String> = hits(&zh)[0]["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["hit"] == true)
        .map(|s| s["text"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        snippet.iter().any(|s| s.contains("集束弹药")),
        "{snippet:?}"
    );

    // Arabic, with a taa marbuta written as haa (as typed) finding ة.
    let ar = json(&cache, &["search", "الذخائر العنقوديه", "--lang", "ar"]);
    assert!(!hits(&ar).is_empty(), "{ar}");
    // Russian and Spanish.
    assert!(
        !hits(&json(
            &cache,
            &["search", "кассетных боеприпасов", "--lang", "ru"]
        ))
        .is_empty()
    );
    assert!(
        !hits(&json(
            &cache,
            &["search", "municiones racimo", "--lang", "es"]
        ))
        .is_empty()
    );

    // The draft declaration has four revisions: only the latest is searched
    // unless all revisions are asked for.
    let latest = json(
        &cache,
        &["search", "déclaration", "--kind", "draft", "--lang", "fr"],
    );
    let all = json(
        &cache,
        &[
            "search",
            "déclaration",
            "--kind",
            "draft",
            "--lang",
            "fr",
            "--all-revisions",
        ],
    );
    assert!(
        all["total"].as_u64() > latest["total"].as_u64(),
        "{latest}\n{all}"
    );
    let labels: Vec<&str> = hits(&all)
        .iter()
        .map(|h| h["revision_label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"Original") && labels.iter().any(|l| l.starts_with("Rev.")),
        "{labels:?}"
    );

    // Filters reach the core: a meeting that does not exist, dates outside it.
    let none = json(
        &cache,
        &["search", "munitions", "--meeting", "no-such-meeting"],
    );
    assert_eq!(none["total"], 0);
    let before = json(&cache, &["search", "munitions", "--to", "2020-01-01"]);
    assert_eq!(before["total"], 0);
    let during = json(
        &cache,
        &[
            "search",
            "munitions",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
        ],
    );
    assert!(during["total"].as_u64().unwrap() > 0);

    // Exclusions after `--`, and broken syntax: results, never an error.
    let excluded = json(
        &cache,
        &["search", "--lang", "en", "--", "munitions", "-declaration"],
    );
    let with = json(&cache, &["search", "--lang", "en", "munitions"]);
    assert!(excluded["total"].as_u64() < with["total"].as_u64());
    let broken = plenary(&cache, &["search", "\"cluster munitions", "--lang", "en"]);
    assert!(broken.contains("searched for its words"), "{broken}");
    assert!(broken.contains("results"), "{broken}");

    // Nothing found, and bad arguments.
    let nothing = plenary(&cache, &["search", "zzzxqj"]);
    assert!(
        nothing.contains("No results") && !nothing.contains("no document texts"),
        "{nothing}"
    );
    let empty = dir.path().join("empty");
    plenary(&empty, &["demo", "seed"]);
    let nothing = plenary(&empty, &["search", "munitions"]);
    assert!(
        nothing.contains("no document texts yet"),
        "the demo seeds no texts: {nothing}"
    );
    let bad = run(&cache, &["search", "x", "--from", "10/09/2024"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"));
    let bad = run(&cache, &["search", "x", "--limit", "0"]);
    assert!(!bad.status.success());
}
