//! The comparison against an independent line diff, on a real revision
//! chain: the five HTML stages of the W3C Web Annotation Data Model
//! (`revision-chains/w3c-annotation-model/`), turned into text by the
//! server's own extractor (`plenary_server::extract::html_text`), each
//! compared with the next.
//!
//! The check is a line diff (`similar::TextDiff::from_lines`, Myers, on
//! whitespace-normalised lines, blank lines dropped), independent of the
//! comparison's paragraph alignment, word tokens and moves:
//! - complete: every line the line diff deletes or inserts, in a hunk whose
//!   two sides differ in more than whitespace, is touched by a reported
//!   change (in that version);
//! - sound: every reported change touches, in each version where it has
//!   text, a line the line diff deletes or inserts: no change is reported
//!   inside a passage that is the same in both.
//!
//! Needs the corpus (`$PLENARY_CORPUS`, default `../shared/corpus`): without
//! it the test prints one line and passes, except under `CI=true`.

use std::ops::Range;

use plenary_core::compare::{ChangeKind, CompareOptions, Comparison, RowKind, WordOp, compare};
use similar::{ChangeTag, TextDiff};

const CHAIN: &str = "revision-chains/w3c-annotation-model";

/// The text's lines: whitespace-normalised, blank ones dropped, each with
/// its character range in the text.
fn lines(text: &str) -> Vec<(String, Range<u32>)> {
    let mut out = Vec::new();
    let mut at = 0u32;
    for line in text.split('\n') {
        let n = line.chars().count() as u32;
        let norm = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !norm.is_empty() {
            out.push((norm, at..at + n));
        }
        at += n + 1;
    }
    out
}

fn overlaps(a: &Range<u32>, b: &Range<u32>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Does a reported change touch this range of the old (or new) text? An
/// insertion's empty side touches the line it is in or at the end of.
fn touched(c: &Comparison, old: bool, r: &Range<u32>) -> bool {
    c.changes.iter().any(|ch| {
        let side = if old { &ch.old } else { &ch.new };
        let s = side.rendition_start..side.rendition_end;
        if s.is_empty() {
            r.start <= s.start && s.start <= r.end
        } else {
            overlaps(&s, r)
        }
    })
}

/// Two texts are the same; else where they part.
fn same_text(name: &str, side: &str, got: &str, want: &str) {
    if got == want {
        return;
    }
    let at = got
        .chars()
        .zip(want.chars())
        .take_while(|(a, b)| a == b)
        .count();
    let from = at.saturating_sub(80);
    let excerpt = |s: &str| s.chars().skip(from).take(240).collect::<String>();
    panic!(
        "{name}: the rows' {side} side is not the version's text; they part at {at}:\n rows: {}\n text: {}",
        excerpt(got),
        excerpt(want)
    );
}

#[derive(Debug, Default)]
struct Hunk {
    old: Vec<usize>,
    new: Vec<usize>,
}

struct Checked {
    /// Changed lines matched through another copy of the same line.
    twins: usize,
    changed_lines: usize,
    hunks: usize,
    layout_only_hunks: usize,
}

fn check(name: &str, old_text: &str, new_text: &str, c: &Comparison) -> Checked {
    let old = lines(old_text);
    let new = lines(new_text);
    let old_norm: String = old.iter().map(|(l, _)| format!("{l}\n")).collect();
    let new_norm: String = new.iter().map(|(l, _)| format!("{l}\n")).collect();
    let diff = TextDiff::from_lines(&old_norm, &new_norm);

    // Hunks of consecutive deleted/inserted lines.
    let mut hunks: Vec<Hunk> = Vec::new();
    let mut open = false;
    for change in diff.iter_all_changes() {
        match change.tag() {
            ChangeTag::Equal => open = false,
            tag => {
                if !open {
                    hunks.push(Hunk::default());
                    open = true;
                }
                let h = hunks.last_mut().unwrap();
                match tag {
                    ChangeTag::Delete => h.old.push(change.old_index().unwrap()),
                    _ => h.new.push(change.new_index().unwrap()),
                }
            }
        }
    }
    let mut deleted = vec![false; old.len()];
    let mut inserted = vec![false; new.len()];
    let mut layout_only = 0;
    let mut twins = 0;
    let mut missed = Vec::new();
    let squash = |ls: &[(String, Range<u32>)], ids: &[usize]| -> String {
        ids.iter()
            .flat_map(|&i| ls[i].0.chars().filter(|c| !c.is_whitespace()))
            .collect()
    };
    for h in &hunks {
        for &i in &h.old {
            deleted[i] = true;
        }
        for &i in &h.new {
            inserted[i] = true;
        }
    }
    for h in &hunks {
        // Lines split or joined differently, the same text: not a change.
        if squash(&old, &h.old) == squash(&new, &h.new) {
            layout_only += 1;
            continue;
        }
        for (side, ids, ls, marked) in [
            ("old", &h.old, &old, &deleted),
            ("new", &h.new, &new, &inserted),
        ] {
            for &i in ids {
                if touched(c, side == "old", &ls[i].1) {
                    continue;
                }
                // A repeated line: the comparison may have taken another
                // copy of it as the changed one, an equally right diff.
                let twin = ls.iter().enumerate().any(|(j, (text, r))| {
                    j != i && *text == ls[i].0 && !marked[j] && touched(c, side == "old", r)
                });
                if twin {
                    twins += 1;
                    continue;
                }
                missed.push(format!(
                    "{side} line {i} changed but no change touches it: {:?}",
                    ls[i].0
                ));
            }
        }
    }
    let mut spurious = Vec::new();
    for ch in &c.changes {
        let o = ch.old.rendition_start..ch.old.rendition_end;
        let n = ch.new.rendition_start..ch.new.rendition_end;
        let old_ok = o.is_empty()
            || old
                .iter()
                .zip(&deleted)
                .any(|((_, r), d)| *d && overlaps(r, &o));
        let new_ok = n.is_empty()
            || new
                .iter()
                .zip(&inserted)
                .any(|((_, r), d)| *d && overlaps(r, &n));
        if !old_ok || !new_ok {
            spurious.push(format!(
                "change {} ({:?}) lies in text the line diff finds equal: {:?} -> {:?}",
                ch.id, ch.kind, ch.old.text, ch.new.text
            ));
        }
    }
    assert!(
        missed.is_empty() && spurious.is_empty(),
        "{name}: {} line(s) missed, {} spurious change(s):\n{}\n{}",
        missed.len(),
        spurious.len(),
        missed.join("\n"),
        spurious.join("\n")
    );
    Checked {
        twins,
        changed_lines: deleted.iter().chain(&inserted).filter(|d| **d).count(),
        hunks: hunks.len(),
        layout_only_hunks: layout_only,
    }
}

#[test]
fn neighbouring_stages_of_the_w3c_annotation_model_against_a_line_diff() {
    let Some(corpus) = plenary_server::corpus::require("the comparison corpus test") else {
        return;
    };
    let dir = corpus.join(CHAIN);
    let mut stages: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    stages.sort();
    assert_eq!(stages.len(), 5, "five stages in {}", dir.display());
    let texts: Vec<String> = stages
        .iter()
        .map(|p| plenary_server::extract::html_text(&std::fs::read_to_string(p).unwrap()))
        .collect();
    // To look at the texts: COMPARE_CORPUS_DUMP=/some/dir.
    if let Some(dump) = std::env::var_os("COMPARE_CORPUS_DUMP") {
        for (p, t) in stages.iter().zip(&texts) {
            let name = p.with_extension("txt");
            std::fs::write(
                std::path::Path::new(&dump).join(name.file_name().unwrap()),
                t,
            )
            .unwrap();
        }
    }
    println!(
        "{:<36} {:>8} {:>7} {:>7} {:>7} {:>7} {:>6} {:>9} {:>5} {:>7}",
        "pair",
        "changes",
        "replace",
        "insert",
        "delete",
        "move",
        "hunks",
        "+/- lines",
        "twins",
        "ms"
    );
    for (k, pair) in texts.windows(2).enumerate() {
        let name = format!(
            "{} -> {}",
            stages[k]
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .split('_')
                .nth(1)
                .unwrap_or("?"),
            stages[k + 1]
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .split('_')
                .nth(1)
                .unwrap_or("?")
        );
        let t = std::time::Instant::now();
        let c = compare(
            &[pair[0].clone()],
            &[pair[1].clone()],
            &CompareOptions::default(),
        );
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let checked = check(&name, &pair[0], &pair[1], &c);
        let s = &c.summary;
        println!(
            "{name:<36} {:>8} {:>7} {:>7} {:>7} {:>7} {:>6} {:>9} {:>5} {:>7.1}",
            s.changes,
            s.replacements,
            s.insertions,
            s.deletions,
            s.moves,
            checked.hunks - checked.layout_only_hunks,
            checked.changed_lines,
            checked.twins,
            ms
        );
        assert!(s.changes > 0, "{name}: the stages differ");
        // The rows hold both versions whole: the left side (equal and
        // deleted words) is the old text, the right side the new one.
        let squash = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let (mut left, mut right) = (String::new(), String::new());
        for row in &c.rows {
            for w in &row.words {
                if row.kind != RowKind::MovedTo && w.op != WordOp::Insert {
                    left.push_str(&w.text);
                }
                if row.kind != RowKind::MovedFrom && w.op != WordOp::Delete {
                    right.push_str(&w.text);
                }
            }
        }
        same_text(&name, "left", &squash(&left), &squash(&pair[0]));
        same_text(&name, "right", &squash(&right), &squash(&pair[1]));
        assert!(
            c.changes
                .iter()
                .all(|ch| ch.kind != ChangeKind::Move || ch.similarity.is_some())
        );
    }
}
