//! Re-anchoring benchmark: 1,000 annotations onto a new 300-page revision.
//!
//! ```text
//! cargo run --release -p plenary-core --example anchor-bench
//! cargo run --release -p plenary-core --example anchor-bench -- --pages 300 --annotations 1000 --runs 5
//! ```
//!
//! The text: a treaty-like document of `--pages` pages of ~3,000 characters
//! (pages joined by form feeds, hard line breaks), numbered articles with
//! numbered paragraphs and lettered subparagraphs, sentences from a UN
//! drafting vocabulary with some boilerplate repeated across articles. The
//! revision: ~4% of paragraphs reworded (a few words substituted, inserted
//! or dropped), ~1% deleted, ~1% new ones inserted, a few paragraphs moved
//! to another article, and the whole text re-paginated. The annotations: selections of
//! 3 to 20 words at random places of the old text, described with every
//! selector (quote with context, position, page, article/paragraph).
//!
//! Timed, in the same run: `Reanchorer` (built once for the revision:
//! folded text and index; exact quote first, approximate search only in
//! candidate windows) against the baseline, a naive per-annotation Myers
//! search over the whole new text with the same scoring and decisions
//! (`Reanchorer::reanchor_naive`). The baseline runs on `--baseline`
//! annotations (default: all) and its time is scaled to all of them.
//! Timings are printed, never asserted.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use plenary_core::anchor::{DocText, Placement, Reanchorer, Structure, Target, describe};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

struct Args {
    pages: usize,
    annotations: usize,
    baseline: Option<usize>,
    runs: usize,
    seed: u64,
}

fn args() -> Args {
    let mut a = Args {
        pages: 300,
        annotations: 1_000,
        baseline: None,
        runs: 5,
        seed: 7,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().expect("a value after the option");
        match arg.as_str() {
            "--pages" => a.pages = value().parse().expect("--pages N"),
            "--annotations" => a.annotations = value().parse().expect("--annotations N"),
            "--baseline" => a.baseline = Some(value().parse().expect("--baseline N")),
            "--runs" => a.runs = value().parse().expect("--runs N"),
            "--seed" => a.seed = value().parse().expect("--seed N"),
            other => panic!("unknown option {other}"),
        }
    }
    a
}

const WORDS: &[&str] = &[
    "States",
    "Parties",
    "shall",
    "take",
    "all",
    "appropriate",
    "measures",
    "to",
    "ensure",
    "the",
    "protection",
    "of",
    "rights",
    "and",
    "obligations",
    "under",
    "this",
    "Convention",
    "in",
    "accordance",
    "with",
    "international",
    "law",
    "including",
    "cooperation",
    "through",
    "competent",
    "organizations",
    "Secretariat",
    "report",
    "Conference",
    "adopt",
    "decisions",
    "relevant",
    "provisions",
    "implementation",
    "national",
    "legislation",
    "access",
    "benefit",
    "sharing",
    "resources",
    "marine",
    "environment",
    "sustainable",
    "development",
    "technical",
    "assistance",
    "capacity-building",
    "developing",
    "countries",
    "particular",
    "least",
    "developed",
    "small",
    "island",
    "information",
    "exchange",
    "mechanism",
    "subsidiary",
    "body",
    "scientific",
    "advice",
    "financial",
    "procedures",
    "consensus",
    "majority",
    "two-thirds",
    "present",
    "voting",
    "notification",
    "depositary",
    "ratification",
    "acceptance",
    "approval",
    "accession",
    "entry",
    "into",
    "force",
    "amendment",
    "annex",
    "protocol",
    "reservation",
    "withdrawal",
    "dispute",
    "settlement",
    "arbitration",
    "court",
];

const BOILERPLATE: &[&str] = &[
    "The Conference of the Parties shall keep under review the implementation of this Article.",
    "Each Party shall, in accordance with its national legislation, take the measures necessary.",
    "Nothing in this Article shall prejudice the rights and obligations of States under international law.",
];

fn sentence(rng: &mut SmallRng) -> String {
    if rng.random_bool(0.08) {
        return BOILERPLATE.choose(rng).unwrap().to_string();
    }
    let n = rng.random_range(8..28);
    let mut s: Vec<String> = (0..n)
        .map(|_| WORDS.choose(rng).unwrap().to_string())
        .collect();
    let first = &mut s[0];
    *first = first[..1].to_uppercase() + &first[1..];
    s.join(" ") + "."
}

/// A paragraph: "n. sentences", sometimes with subparagraphs.
fn paragraph(rng: &mut SmallRng, number: usize) -> String {
    let mut p = format!("{number}. ");
    let sentences = rng.random_range(1..4);
    p.push_str(
        &(0..sentences)
            .map(|_| sentence(rng))
            .collect::<Vec<_>>()
            .join(" "),
    );
    if rng.random_bool(0.2) {
        for letter in ["a", "b", "c"].iter().take(rng.random_range(2..4)) {
            p.push_str(&format!("\n({letter}) {}", sentence(rng)));
        }
    }
    p
}

/// The document as (article, paragraphs), and its text paginated.
fn render(articles: &[(usize, Vec<String>)], page_chars: usize) -> String {
    let mut flat = String::new();
    for (n, paragraphs) in articles {
        flat.push_str(&format!("Article {n}\n"));
        for p in paragraphs {
            flat.push_str(p);
            flat.push('\n');
        }
    }
    // Hard line breaks at ~80 characters, a page break after the line that
    // reaches ~page_chars.
    let mut out = String::with_capacity(flat.len() + flat.len() / 40);
    let (mut line, mut page) = (0, 0);
    for word in flat.split_inclusive([' ', '\n']) {
        if line + word.len() > 80 && !word.ends_with('\n') {
            out.push('\n');
            line = 0;
            if page >= page_chars {
                out.push('\u{c}');
                page = 0;
            }
        }
        out.push_str(word);
        page += word.len();
        line = if word.ends_with('\n') {
            0
        } else {
            line + word.len()
        };
    }
    out
}

fn generate(rng: &mut SmallRng, pages: usize) -> Vec<(usize, Vec<String>)> {
    let target = pages * 3_000;
    let mut articles = Vec::new();
    let mut size = 0;
    let mut n = 1;
    while size < target {
        let count = rng.random_range(2..9);
        let paragraphs: Vec<String> = (1..=count).map(|i| paragraph(rng, i)).collect();
        size += paragraphs.iter().map(String::len).sum::<usize>() + 12;
        articles.push((n, paragraphs));
        n += 1;
    }
    articles
}

/// The next revision: rewordings, deletions, insertions, a few moves.
fn revise(rng: &mut SmallRng, old: &[(usize, Vec<String>)]) -> Vec<(usize, Vec<String>)> {
    let mut new: Vec<(usize, Vec<String>)> = old.to_vec();
    let mut moved = Vec::new();
    for (_, paragraphs) in new.iter_mut() {
        let mut i = 0;
        while i < paragraphs.len() {
            let r: f64 = rng.random();
            if r < 0.04 {
                let mut words: Vec<String> = paragraphs[i].split(' ').map(str::to_string).collect();
                for _ in 0..rng.random_range(1..4) {
                    let at = rng.random_range(1..words.len());
                    match rng.random_range(0..3) {
                        0 => words[at] = WORDS.choose(rng).unwrap().to_string(),
                        1 => words.insert(at, WORDS.choose(rng).unwrap().to_string()),
                        _ if words.len() > 3 => {
                            words.remove(at);
                        }
                        _ => {}
                    }
                }
                paragraphs[i] = words.join(" ");
            } else if r < 0.05 {
                paragraphs.remove(i);
                continue;
            } else if r < 0.06 {
                paragraphs.insert(i, paragraph(rng, i + 1));
                i += 1;
            } else if r < 0.063 {
                moved.push(paragraphs.remove(i));
                continue;
            }
            i += 1;
        }
    }
    for p in moved {
        let a = rng.random_range(0..new.len());
        new[a].1.push(p);
    }
    new
}

fn outcomes(placements: &[Placement]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for p in placements {
        *m.entry(p.outcome.name()).or_default() += 1;
    }
    m
}

/// This thread's CPU time (Linux): unlike the wall clock, it does not
/// count the time other processes had the cores.
fn cpu() -> Duration {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Duration::ZERO
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let a = args();
    let mut rng = SmallRng::seed_from_u64(a.seed);
    let old_doc = generate(&mut rng, a.pages);
    let new_doc = revise(&mut rng, &old_doc);
    let old = DocText::new(render(&old_doc, 3_000));
    let new = DocText::new(render(&new_doc, 2_900));
    let structure = Structure::detect(&old);

    // Selections of 3 to 20 words at random places.
    let word_starts: Vec<usize> = {
        let mut v = Vec::new();
        let mut prev_space = true;
        for (i, c) in old.as_str().chars().enumerate() {
            if prev_space && !c.is_whitespace() {
                v.push(i);
            }
            prev_space = c.is_whitespace();
        }
        v
    };
    let targets: Vec<Target> = (0..a.annotations)
        .map(|_| {
            let w = rng.random_range(0..word_starts.len() - 21);
            let n = rng.random_range(3..=20);
            let start = word_starts[w];
            let end = word_starts[w + n] - 1;
            describe(&old, Some(&structure), start, end).unwrap()
        })
        .collect();

    println!(
        "old: {} pages, {} characters; new: {} pages, {} characters; {} annotations",
        old.page_count(),
        old.len_chars(),
        new.page_count(),
        new.len_chars(),
        targets.len()
    );

    // Fast path, several runs: preparation (fold + index of both texts) and placement.
    let mut prepare = Vec::new();
    let mut place = Vec::new();
    let mut fast_cpu = Vec::new();
    let mut fast = Vec::new();
    for _ in 0..a.runs {
        let (c0, t0) = (cpu(), Instant::now());
        let r = Reanchorer::new(&new).with_old(&old);
        let t1 = Instant::now();
        fast = r.reanchor_all(&targets);
        let (c2, t2) = (cpu(), Instant::now());
        prepare.push(t1 - t0);
        place.push(t2 - t1);
        fast_cpu.push(c2 - c0);
    }
    let prepare = median(prepare);
    let place = median(place);
    let fast_total = prepare + place;
    let fast_cpu = median(fast_cpu);

    // Baseline: naive Myers over the whole text per annotation.
    let r = Reanchorer::new(&new).with_old(&old);
    let sample = a.baseline.unwrap_or(targets.len()).min(targets.len());
    let (c0, t0) = (cpu(), Instant::now());
    let naive: Vec<Placement> = targets[..sample]
        .iter()
        .map(|t| r.reanchor_naive(t))
        .collect();
    let naive_elapsed = t0.elapsed();
    let scale = targets.len() as f64 / sample as f64;
    let naive_total = naive_elapsed.mul_f64(scale);
    let naive_cpu = (cpu() - c0).mul_f64(scale);

    let agree = fast
        .iter()
        .zip(&naive)
        .filter(|(f, n)| {
            f.outcome.name() == n.outcome.name() && (f.start, f.end) == (n.start, n.end)
        })
        .count();

    println!();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / targets.len() as f64;
    println!("| method | wall | CPU | per annotation (CPU) | ratio (wall) | ratio (CPU) |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| Reanchorer (prepare {:.1} ms + place {:.1} ms wall, median of {}) | {:.1} ms | {:.1} ms | {:.1} µs | 1.0 | 1.0 |",
        ms(prepare),
        ms(place),
        a.runs,
        ms(fast_total),
        ms(fast_cpu),
        per(fast_cpu),
    );
    println!(
        "| naive Myers over the whole text{} | {:.1} ms | {:.1} ms | {:.1} µs | {:.0}x | {:.0}x |",
        if sample < targets.len() {
            format!(" ({sample} run, scaled)")
        } else {
            String::new()
        },
        ms(naive_total),
        ms(naive_cpu),
        per(naive_cpu),
        naive_total.as_secs_f64() / fast_total.as_secs_f64(),
        naive_cpu.as_secs_f64() / fast_cpu.as_secs_f64(),
    );
    println!();
    println!("Reanchorer outcomes: {:?}", outcomes(&fast));
    println!("naive outcomes ({sample}): {:?}", outcomes(&naive));
    println!("same outcome and place on the {sample} both ran: {agree}");

    // Where the time goes: the slowest annotations of one more pass.
    let r = Reanchorer::new(&new).with_old(&old);
    let mut each: Vec<(Duration, usize)> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let t0 = Instant::now();
            let _ = r.reanchor(t);
            (t0.elapsed(), i)
        })
        .collect();
    each.sort_by(|a, b| b.cmp(a));
    let sum: Duration = each.iter().map(|e| e.0).sum();
    let top: Duration = each.iter().take(targets.len() / 20).map(|e| e.0).sum();
    println!(
        "slowest 5% of annotations: {:.0}% of the time; slowest: {}",
        top.as_secs_f64() * 100.0 / sum.as_secs_f64(),
        each.iter()
            .take(3)
            .map(|(d, i)| format!(
                "{:.1} ms ({}, {:?})",
                d.as_secs_f64() * 1e3,
                fast[*i].outcome.name(),
                targets[*i]
                    .quote
                    .as_ref()
                    .map(|q| q.exact.chars().take(40).collect::<String>())
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
}
