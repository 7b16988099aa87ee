//! `plenary annotations reanchor` (the real binary) on hand-made revisions:
//! one annotation per outcome, in the shapes W3C Web Annotations come in.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

const PLENARY: &str = env!("CARGO_BIN_EXE_plenary");

const OLD: &str = "Article 1\n1. The Parties shall cooperate in good faith to protect the marine environment of the region.\n2. Each Party shall designate a national focal point within six months.\n\u{c}Article 2\n1. The secretariat shall convene a meeting of experts every two years.\n2. Reports shall be published in all official languages of the Organization.\n";

fn new_text() -> String {
    // A new paragraph 1 in Article 2: the secretariat's is now paragraph 2.
    OLD.replace(
        "Article 2\n1. The secretariat",
        "Article 2\n1. The experts are nominated by the Parties.\n2. The secretariat",
    )
    .replace("within six months", "within twelve months")
    .replace(
        "2. Reports shall be published in all official languages of the Organization.\n",
        "",
    )
}

fn reanchor(dir: &Path, notes: &Value) -> Output {
    std::fs::write(dir.join("old.txt"), OLD).unwrap();
    std::fs::write(dir.join("new.txt"), new_text()).unwrap();
    std::fs::write(dir.join("notes.json"), notes.to_string()).unwrap();
    Command::new(PLENARY)
        .args(["annotations", "reanchor", "--old"])
        .arg(dir.join("old.txt"))
        .arg("--new")
        .arg(dir.join("new.txt"))
        .arg("--in")
        .arg(dir.join("notes.json"))
        .output()
        .unwrap()
}

fn chars_before(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].chars().count()
}

fn quote_note(id: &str, exact: &str) -> Value {
    let start = chars_before(OLD, exact);
    json!({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": id,
        "type": "Annotation",
        "bodyValue": "a note",
        "target": {
            "source": "https://example.org/doc/en/1",
            "selector": [
                {"type": "TextQuoteSelector", "exact": exact},
                {"type": "TextPositionSelector", "start": start, "end": start + exact.chars().count()}
            ]
        }
    })
}

#[test]
fn reanchor_prints_one_row_per_annotation_with_its_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let position_only_start = chars_before(OLD, "good faith");
    let notes = json!([
        quote_note("urn:x:unchanged", "The Parties shall cooperate in good faith"),
        quote_note("urn:x:moved", "convene a meeting of experts"),
        quote_note(
            "urn:x:changed",
            "designate a national focal point within six months"
        ),
        quote_note(
            "urn:x:deleted",
            "Reports shall be published in all official languages"
        ),
        {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "id": "urn:x:position-only",
            "type": "Annotation",
            "target": {
                "source": "https://example.org/doc/en/1",
                "selector": {"type": "TextPositionSelector", "start": position_only_start, "end": position_only_start + 10}
            }
        },
        {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "id": "urn:x:image",
            "type": "Annotation",
            "target": {
                "source": "https://example.org/map.png",
                "selector": {"type": "SvgSelector", "value": "<svg/>"}
            }
        }
    ]);
    let out = reanchor(dir.path(), &notes);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    let new = new_text();

    let r = row("urn:x:unchanged");
    assert_eq!(r["outcome"], "unchanged", "{r}");
    assert_eq!(r["start"], chars_before(&new, "The Parties shall"));
    assert_eq!(r["score"], 1.0);

    let r = row("urn:x:moved");
    assert_eq!(r["outcome"], "moved", "{r}");
    assert_eq!(r["start"], chars_before(&new, "convene a meeting"));
    assert_eq!(r["matched"], "convene a meeting of experts");

    let r = row("urn:x:changed");
    assert_eq!(r["outcome"], "changed", "{r}");
    assert_eq!(
        r["matched"],
        "designate a national focal point within twelve months"
    );
    assert_eq!(
        r["old_quote"],
        "designate a national focal point within six months"
    );

    let r = row("urn:x:deleted");
    assert!(
        r["outcome"] == "orphaned" || r["outcome"] == "needs_review",
        "{r}"
    );
    assert!(r["reason"].as_str().is_some_and(|s| !s.is_empty()), "{r}");

    // Before the insertion: same place, same context.
    let r = row("urn:x:position-only");
    assert_eq!(r["outcome"], "unchanged", "{r}");
    assert_eq!(r["matched"], "good faith");

    let r = row("urn:x:image");
    assert_eq!(r["outcome"], "orphaned", "{r}");
    assert_eq!(r["start"], Value::Null);
    assert_eq!(r["end"], Value::Null);
    assert!(r["reason"].as_str().unwrap().contains("no quote"), "{r}");
}

#[test]
fn reanchor_reads_a_collection() {
    let dir = tempfile::tempdir().unwrap();
    let mut item = quote_note("urn:x:in-collection", "convene a meeting of experts");
    item.as_object_mut().unwrap().remove("@context");
    let notes = json!({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "urn:x:collection",
        "type": "AnnotationCollection",
        "first": {"type": "AnnotationPage", "items": [item]}
    });
    let out = reanchor(dir.path(), &notes);
    assert!(out.status.success());
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["outcome"], "moved");
}

#[test]
fn reanchor_rejects_invalid_annotations_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let notes = json!({
        "id": "urn:x:1",
        "type": "Annotation",
        "target": {"type": "SpecificResource", "selector": {"type": "TextQuoteSelector", "exact": "x"}}
    });
    let out = reanchor(dir.path(), &notes);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("@context"), "{err}");
    assert!(err.contains("without a source"), "{err}");
    assert!(out.stdout.is_empty());
}
