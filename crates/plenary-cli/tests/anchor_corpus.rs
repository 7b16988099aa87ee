//! Re-anchoring accuracy on a real revision chain, through the real binary
//! (`plenary annotations reanchor`): the five published stages of the W3C
//! Web Annotation Data Model (`revision-chains/w3c-annotation-model/`, HTML,
//! turned into text by the server's own `html_text`).
//!
//! For each stage N and the next: quotes are chosen deterministically in
//! stage N (every `EVERY`-th sentence, its first 3 to 20 words); their
//! expected place in stage N+1 is derived independently of the anchoring
//! code, from a word diff (`similar`, patience): a quote whose characters
//! all lie in one unchanged run has a known exact new position; a quote
//! touching changed text expects the new text that replaced it, or a flag.
//! Asserted: every unchanged quote placed exactly, no quote placed on wrong
//! text. The counts are printed for the record.
//!
//! Also: the W3C test suite's sample annotations (`annotation/
//! w3c-web-annotation-tests/tools/samples`: correct ones import, incorrect
//! ones are rejected with a reason) and the 42 examples of the
//! specification (`annotation/w3c-annotation-model-examples`) import.
//!
//! Needs the corpus (`$PLENARY_CORPUS`, default `../shared/corpus`): without
//! it the test prints one line and passes, except under `CI=true`.

use std::path::Path;
use std::process::Command;

use plenary_core::anchor::{DocText, Structure, describe, w3c};
use similar::{Algorithm, ChangeTag, TextDiff};

const PLENARY: &str = env!("CARGO_BIN_EXE_plenary");
const STAGES: &[&str] = &[
    "01_V1-CR_annotation-model.html",
    "02_V1.1-CR_annotation-model.html",
    "03_V1.2-CR_annotation-model.html",
    "04_V1-PR_annotation-model.html",
    "05_V1-REC_annotation-model.html",
];
/// One sentence in this many becomes a quote.
const EVERY: usize = 2;

/// For each character of `old`, its index in `new` if it is in an unchanged
/// run of the word diff. A diff cannot say "moved": a block it deletes here
/// and inserts there (at least `MOVE_MIN` characters, mostly the same
/// words) is matched by a second word diff between the two, so that text a
/// revision moved has its expected place too.
///
/// The second word diff runs on each deleted block against its most
/// similar inserted block; both are small, so this stays fast.
fn char_map(old: &str, new: &str) -> Vec<Option<usize>> {
    let mut map = Vec::with_capacity(old.chars().count());
    let mut deleted: Vec<(usize, usize, String)> = Vec::new(); // (old start, new there, text)
    let mut inserted: Vec<(usize, String)> = Vec::new(); // (new start, text)
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_words(old, new);
    let mut n = 0usize;
    let mut last = ChangeTag::Equal;
    for change in diff.iter_all_changes() {
        let value = change.value();
        let len = value.chars().count();
        match change.tag() {
            ChangeTag::Equal => {
                map.extend((0..len).map(|i| Some(n + i)));
                n += len;
            }
            ChangeTag::Delete => {
                if last != ChangeTag::Delete {
                    deleted.push((map.len(), n, String::new()));
                }
                deleted.last_mut().unwrap().2.push_str(value);
                map.extend(std::iter::repeat_n(None, len));
            }
            ChangeTag::Insert => {
                if last != ChangeTag::Insert {
                    inserted.push((n, String::new()));
                }
                inserted.last_mut().unwrap().1.push_str(value);
                n += len;
            }
        }
        last = change.tag();
    }
    for (old_start, there, d) in &deleted {
        // A long block may have gone anywhere; a few words, only nearby.
        let best = inserted
            .iter()
            .filter(|i| d.len() >= MOVE_MIN || i.0.abs_diff(*there) <= NEARBY)
            .filter(|i| i.1.trim().len() >= MOVE_MIN_WORDS)
            .map(|i| (TextDiff::from_words(d.as_str(), i.1.as_str()).ratio(), i))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let Some((ratio, (new_start, ins))) = best else {
            continue;
        };
        if ratio < 0.6 {
            continue;
        }
        let inner = TextDiff::configure()
            .algorithm(Algorithm::Patience)
            .diff_words(d.as_str(), ins.as_str());
        let (mut o, mut n) = (*old_start, *new_start);
        for change in inner.iter_all_changes() {
            let len = change.value().chars().count();
            match change.tag() {
                ChangeTag::Equal => {
                    for i in 0..len {
                        map[o + i] = Some(n + i);
                    }
                    o += len;
                    n += len;
                }
                ChangeTag::Delete => o += len,
                ChangeTag::Insert => n += len,
            }
        }
    }
    map
}

/// Deleted blocks of at least this many bytes are looked for as moves
/// anywhere; shorter ones (down to `MOVE_MIN_WORDS`) within `NEARBY`
/// characters (a reference whose title moved before its authors).
const MOVE_MIN: usize = 200;
const MOVE_MIN_WORDS: usize = 8;
const NEARBY: usize = 1_000;

/// Quotes of stage N: (start, end) in characters.
fn choose_quotes(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut sentences = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let end_of_sentence = (chars[i] == '.'
            && chars.get(i + 1).is_some_and(|c| c.is_whitespace()))
            || chars[i] == '\n';
        if end_of_sentence {
            sentences.push((start, i));
            start = i + 1;
        }
    }
    let mut out = Vec::new();
    for (k, &(s, e)) in sentences.iter().enumerate().filter(|(k, _)| k % EVERY == 0) {
        // Words of the sentence, by character offsets.
        let mut words = Vec::new();
        let mut i = s;
        while i < e {
            while i < e && chars[i].is_whitespace() {
                i += 1;
            }
            let ws = i;
            while i < e && !chars[i].is_whitespace() {
                i += 1;
            }
            if ws < i {
                words.push((ws, i));
            }
        }
        if words.len() < 3 {
            continue;
        }
        let want = 3 + (k / EVERY) % 18;
        let n = want.min(words.len());
        out.push((words[0].0, words[n - 1].1));
    }
    out
}

#[derive(Debug, Default)]
struct Counts {
    unchanged: usize,
    unchanged_exact: usize,
    unchanged_flagged: usize,
    changed: usize,
    changed_correct: usize,
    changed_flagged: usize,
    wrong: usize,
    outcomes: std::collections::BTreeMap<String, usize>,
}

/// A changed quote is placed correctly when the placement lies on the new
/// text that replaced the old span (at least 90% of it inside) and covers
/// at least a third of it (the diff's span may take in a neighbouring
/// insertion; it cannot say which part of a rewritten block the words
/// became).
fn within(placed: (usize, usize), expected: (usize, usize)) -> bool {
    let inter = placed
        .1
        .min(expected.1)
        .saturating_sub(placed.0.max(expected.0));
    let placed_len = placed.1 - placed.0;
    let expected_len = expected.1 - expected.0;
    placed_len > 0
        && inter as f64 >= 0.9 * placed_len as f64
        && inter as f64 >= expected_len as f64 / 3.0
}

fn reanchor_pair(dir: &Path, old: &str, new: &str, name: &str, counts: &mut Counts) {
    let old_doc = DocText::new(old);
    let structure = Structure::detect(&old_doc);
    let quotes = choose_quotes(old);
    let map = char_map(old, new);
    let annotations: Vec<w3c::Annotation> = quotes
        .iter()
        .enumerate()
        .map(|(i, &(s, e))| w3c::Annotation {
            id: format!("urn:x-test:{name}:{i}"),
            target: describe(&old_doc, Some(&structure), s, e).unwrap(),
            body: None,
        })
        .collect();
    let tmp = dir.join(name);
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("old.txt"), old).unwrap();
    std::fs::write(tmp.join("new.txt"), new).unwrap();
    std::fs::write(
        tmp.join("notes.json"),
        serde_json::to_string(&w3c::to_collection("urn:x-test:c", &annotations)).unwrap(),
    )
    .unwrap();
    let out = Command::new(PLENARY)
        .args(["annotations", "reanchor", "--old"])
        .arg(tmp.join("old.txt"))
        .arg("--new")
        .arg(tmp.join("new.txt"))
        .arg("--in")
        .arg(tmp.join("notes.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), quotes.len(), "one row per annotation");
    let new_len = new.chars().count();
    for (row, &(s, e)) in rows.iter().zip(&quotes) {
        let outcome = row["outcome"].as_str().unwrap().to_string();
        *counts.outcomes.entry(outcome.clone()).or_default() += 1;
        let placed = matches!(outcome.as_str(), "unchanged" | "moved" | "changed");
        let got = (
            row["start"].as_u64().map(|v| v as usize),
            row["end"].as_u64().map(|v| v as usize),
        );
        let mapped: Vec<Option<usize>> = map[s..e].to_vec();
        let unchanged = mapped.iter().all(Option::is_some)
            && mapped.last().unwrap().unwrap() - mapped[0].unwrap() == e - s - 1;
        // The new text that corresponds to the old span.
        let a = mapped[0]
            .or_else(|| map[..s].iter().rev().find_map(|m| m.map(|v| v + 1)))
            .unwrap_or(0);
        let b = mapped
            .last()
            .unwrap()
            .map(|v| v + 1)
            .or_else(|| map[e..].iter().find_map(|m| *m))
            .unwrap_or(new_len);
        let quote: String = old.chars().skip(s).take(e - s).collect();
        if unchanged {
            counts.unchanged += 1;
            if placed && got == (Some(a), Some(b)) {
                counts.unchanged_exact += 1;
            } else if placed {
                counts.wrong += 1;
                eprintln!("WRONG (unchanged) {name} {quote:?} expected {a}..{b}: {row}");
            } else {
                counts.unchanged_flagged += 1;
                eprintln!("FLAGGED (unchanged) {name} {quote:?} expected {a}..{b}: {row}");
            }
        } else {
            counts.changed += 1;
            if !placed {
                counts.changed_flagged += 1;
            } else if let (Some(gs), Some(ge)) = got
                && b > a
                && within((gs, ge), (a, b))
            {
                counts.changed_correct += 1;
            } else {
                counts.wrong += 1;
                let expected: String = new.chars().skip(a).take(b.saturating_sub(a)).collect();
                eprintln!("WRONG (changed) {name} {quote:?} expected {a}..{b} {expected:?}: {row}");
            }
        }
    }
}

#[test]
fn reanchoring_on_the_w3c_annotation_model_revision_chain() {
    let Some(corpus) = plenary_server::corpus::require("re-anchoring accuracy") else {
        return;
    };
    let chain = corpus.join("revision-chains/w3c-annotation-model");
    let texts: Vec<String> = STAGES
        .iter()
        .map(|f| {
            let html = std::fs::read_to_string(chain.join(f)).unwrap();
            plenary_server::extract::html_text(&html)
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let mut total = Counts::default();
    for (i, pair) in texts.windows(2).enumerate() {
        let mut c = Counts::default();
        reanchor_pair(
            tmp.path(),
            &pair[0],
            &pair[1],
            &format!("stage{}", i + 1),
            &mut c,
        );
        println!(
            "stage {} -> {}: {} quotes; unchanged {} (placed exactly {}, flagged {}); \
             changed {} (placed correctly {}, flagged {}); wrong {}; outcomes {:?}",
            i + 1,
            i + 2,
            c.unchanged + c.changed,
            c.unchanged,
            c.unchanged_exact,
            c.unchanged_flagged,
            c.changed,
            c.changed_correct,
            c.changed_flagged,
            c.wrong,
            c.outcomes
        );
        total.unchanged += c.unchanged;
        total.unchanged_exact += c.unchanged_exact;
        total.unchanged_flagged += c.unchanged_flagged;
        total.changed += c.changed;
        total.changed_correct += c.changed_correct;
        total.changed_flagged += c.changed_flagged;
        total.wrong += c.wrong;
    }
    println!(
        "total: {} quotes; unchanged {} placed exactly {}/{}; changed {}: placed correctly {}, \
         flagged {}; wrong {}",
        total.unchanged + total.changed,
        total.unchanged,
        total.unchanged_exact,
        total.unchanged,
        total.changed,
        total.changed_correct,
        total.changed_flagged,
        total.wrong
    );
    assert!(
        total.unchanged > 100,
        "too few unchanged quotes to say anything"
    );
    assert_eq!(
        total.unchanged_exact, total.unchanged,
        "every unchanged quote must be placed exactly"
    );
    assert_eq!(total.wrong, 0, "no annotation may be placed on wrong text");
}

#[test]
fn w3c_test_suite_samples_and_spec_examples() {
    let Some(corpus) = plenary_server::corpus::require("W3C annotation samples") else {
        return;
    };
    let files = |dir: &Path| -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        v.sort();
        v
    };
    let samples = corpus.join("annotation/w3c-web-annotation-tests/tools/samples");
    let mut correct = 0;
    for f in files(&samples.join("correct")) {
        let text = std::fs::read_to_string(&f).unwrap();
        if let Err(e) = w3c::parse_str(&text) {
            panic!("{} should import: {e}", f.display());
        }
        correct += 1;
    }
    let mut incorrect = 0;
    for f in files(&samples.join("incorrect")) {
        let text = std::fs::read_to_string(&f).unwrap();
        match w3c::parse_str(&text) {
            Ok(a) => panic!("{} should be rejected, imported {a:?}", f.display()),
            Err(e) => {
                assert_eq!(e.code(), plenary_core::ErrorCode::InvalidAnnotation);
                println!("{}: {e}", f.file_name().unwrap().to_string_lossy());
            }
        }
        incorrect += 1;
    }
    let mut examples = 0;
    let mut with_text_selectors = 0;
    for f in files(&corpus.join("annotation/w3c-annotation-model-examples")) {
        let text = std::fs::read_to_string(&f).unwrap();
        let anns =
            w3c::parse_str(&text).unwrap_or_else(|e| panic!("{} should import: {e}", f.display()));
        with_text_selectors += anns.iter().filter(|a| a.target.has_text_selector()).count();
        examples += 1;
        // What we export from it imports again, the same.
        for a in &anns {
            let again = w3c::parse(&w3c::to_json(a)).unwrap();
            if a.target.has_text_selector() || a.target.page.is_some() {
                assert_eq!(again[0].target.quote, a.target.quote);
                assert_eq!(again[0].target.position, a.target.position);
            }
        }
    }
    println!(
        "W3C samples: {correct} correct imported, {incorrect} incorrect rejected; \
         {examples} spec examples imported ({with_text_selectors} annotations with text selectors)"
    );
    assert_eq!(correct, 45);
    assert_eq!(incorrect, 39);
    assert_eq!(examples, 42);
}
