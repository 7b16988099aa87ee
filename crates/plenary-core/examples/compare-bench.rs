//! Comparison benchmark: generates a realistic pair of long revisions (a
//! treaty-like text of articles and numbered paragraphs, paginated with a
//! running header carrying the symbol, page numbers and a job number, lines
//! wrapped as `pdftotext` writes them, some words hyphenated at line ends),
//! the second with word edits, inserted, deleted and moved paragraphs, and
//! a new symbol on every page. Times `plenary_core::compare::compare` (to
//! the full result, and with the JSON the reader is sent) against
//! `git diff --no-index --word-diff=plain` on the same two files, in the
//! same run. Timings are printed, never asserted.
//!
//! ```text
//! cargo run --release -p plenary-core --example compare-bench -- --pages 300
//! cargo run --release -p plenary-core --example compare-bench -- --pages 300 --lang zh
//! ```
//!
//! Options: `--pages N` (300), `--runs N` (7), `--seed N`, `--lang en|zh`
//! (Chinese: no spaces, compared by characters), `--keep DIR` (leave the
//! two text files there).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use plenary_core::compare::{CompareOptions, compare};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

struct Args {
    pages: usize,
    runs: usize,
    seed: u64,
    zh: bool,
    keep: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        pages: 300,
        runs: 7,
        seed: 7,
        zh: false,
        keep: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--pages" => a.pages = value().parse().expect("--pages N"),
            "--runs" => a.runs = value().parse().expect("--runs N"),
            "--seed" => a.seed = value().parse().expect("--seed N"),
            "--lang" => a.zh = value() == "zh",
            "--keep" => a.keep = Some(PathBuf::from(value())),
            other => panic!("unknown option {other}"),
        }
    }
    a
}

const EN: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "for",
    "on",
    "by",
    "with",
    "shall",
    "States",
    "Parties",
    "Convention",
    "Protocol",
    "Party",
    "measures",
    "implementation",
    "international",
    "national",
    "assistance",
    "cooperation",
    "information",
    "report",
    "Conference",
    "review",
    "victims",
    "clearance",
    "destruction",
    "stockpiles",
    "humanitarian",
    "civilians",
    "protection",
    "obligations",
    "provisions",
    "accordance",
    "paragraph",
    "article",
    "meeting",
    "Secretariat",
    "transparency",
    "verification",
    "compliance",
    "procedures",
    "territory",
    "jurisdiction",
    "control",
    "remnants",
    "explosive",
    "munitions",
    "contaminated",
    "areas",
    "survey",
    "marking",
    "fencing",
    "education",
    "risk",
    "resources",
    "technical",
    "financial",
    "capacity",
    "support",
    "organizations",
    "non-governmental",
    "relevant",
    "appropriate",
    "effective",
    "necessary",
    "including",
    "particular",
    "consideration",
    "decision",
    "recommendations",
    "experts",
    "consultations",
    "participation",
    "development",
    "environmental",
    "obligation",
    "request",
    "extension",
    "deadline",
    "completion",
    "progress",
    "challenges",
    "priorities",
    "strategy",
    "framework",
    "coordination",
    "mechanisms",
    "follow-up",
    "reporting",
    "annual",
    "submitted",
];

const ZH: &str = "缔约国会议公约议定书执行国际合作援助受害者清除销毁库存人道主义平民保护义务条款根据段落第条秘书处透明度核查遵约程序领土管辖控制遗留爆炸性弹药污染地区调查标记围栏教育风险资源技术财政能力支持组织相关适当有效必要包括特别审议决定建议专家磋商参与发展环境请求延期期限完成进展挑战优先战略框架协调机制后续报告年度提交";

struct Gen {
    rng: SmallRng,
    zh: Vec<char>,
    zh_mode: bool,
}

impl Gen {
    fn word(&mut self) -> String {
        if self.zh_mode {
            let n = self.rng.random_range(1..=3);
            (0..n)
                .map(|_| self.zh[self.rng.random_range(0..self.zh.len())])
                .collect()
        } else {
            // Roughly Zipf: small indices far more often.
            let r: f64 = self.rng.random();
            EN[((r * r) * EN.len() as f64) as usize % EN.len()].to_string()
        }
    }

    fn sentence(&mut self) -> String {
        let n = self.rng.random_range(12..30);
        let words: Vec<String> = (0..n).map(|_| self.word()).collect();
        if self.zh_mode {
            format!("{}。", words.concat())
        } else {
            let mut s = words.join(" ");
            s[..1].make_ascii_uppercase();
            format!("{s}.")
        }
    }

    fn paragraph(&mut self, n: usize) -> String {
        let k = self.rng.random_range(2..6);
        let body: Vec<String> = (0..k).map(|_| self.sentence()).collect();
        if self.zh_mode {
            format!("{n}. {}", body.concat())
        } else {
            format!("{n}. {}", body.join(" "))
        }
    }
}

/// Paragraphs of `pages` pages' worth: articles of numbered paragraphs.
fn document(g: &mut Gen, pages: usize) -> Vec<String> {
    // ~3,000 bytes of English a page; ~1,500 characters (4,500 bytes) of Chinese.
    let target = pages * if g.zh_mode { 4_500 } else { 3_000 };
    let mut out = Vec::new();
    let (mut size, mut article) = (0, 0);
    while size < target {
        article += 1;
        out.push(if g.zh_mode {
            format!("第{article}条")
        } else {
            format!("Article {article}")
        });
        for n in 1..=g.rng.random_range(2..7) {
            let p = g.paragraph(n);
            size += p.len();
            out.push(p);
        }
    }
    out
}

/// The revision: words replaced in some paragraphs, paragraphs inserted,
/// deleted and moved (one moved and edited).
fn revise(g: &mut Gen, old: &[String]) -> (Vec<String>, usize) {
    let mut new: Vec<String> = old.to_vec();
    let mut edits = 0;
    let n = new.len();
    for _ in 0..n / 50 {
        let i = g.rng.random_range(0..new.len());
        if new[i].len() < 40 {
            continue;
        }
        let sep = if g.zh_mode { "" } else { " " };
        let mut words: Vec<String> = if g.zh_mode {
            new[i].chars().map(String::from).collect()
        } else {
            new[i].split(' ').map(String::from).collect()
        };
        for _ in 0..g.rng.random_range(1..4) {
            let w = g.rng.random_range(2..words.len());
            words[w] = g.word();
        }
        new[i] = words.join(sep);
        edits += 1;
    }
    for _ in 0..n / 200 {
        let i = g.rng.random_range(1..new.len());
        let p = g.paragraph(99);
        new.insert(i, p);
        edits += 1;
    }
    for _ in 0..n / 200 {
        let i = g.rng.random_range(1..new.len());
        new.remove(i);
        edits += 1;
    }
    for k in 0..6 {
        let from = g.rng.random_range(1..new.len());
        let mut p = new.remove(from);
        if k == 0 && !g.zh_mode {
            p.push_str(" This sentence was added to a moved paragraph.");
        }
        let to = g.rng.random_range(1..new.len());
        new.insert(to, p);
        edits += 1;
    }
    (new, edits)
}

/// Pages as `pdftotext` writes them: header, wrapped lines (some long words
/// hyphenated), page number; a job number on the first page.
fn paginate(g: &mut Gen, paragraphs: &[String], symbol: &str) -> String {
    let width = if g.zh_mode { 38 } else { 80 };
    let mut lines: Vec<String> = Vec::new();
    for p in paragraphs {
        if g.zh_mode {
            let chars: Vec<char> = p.chars().collect();
            for chunk in chars.chunks(width) {
                lines.push(chunk.iter().collect());
            }
        } else {
            let mut line = String::new();
            for w in p.split(' ') {
                if line.len() + w.len() + 1 > width {
                    if w.len() >= 9
                        && !w.contains('-')
                        && line.len() + 5 < width
                        && g.rng.random_bool(0.5)
                    {
                        let cut = (width - line.len() - 2).min(w.len() - 3);
                        if cut >= 3 && w.is_char_boundary(cut) {
                            line.push(' ');
                            line.push_str(&w[..cut]);
                            line.push('-');
                            lines.push(std::mem::take(&mut line));
                            line.push_str(&w[cut..]);
                            continue;
                        }
                    }
                    lines.push(std::mem::take(&mut line));
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(w);
            }
            lines.push(line);
        }
        lines.push(String::new());
    }
    let mut pages = Vec::new();
    for (i, chunk) in lines.chunks(46).enumerate() {
        let mut page = format!("{symbol}\n\n{}\n\n- {} -", chunk.join("\n"), i + 1);
        if i == 0 {
            page.push_str("\nGE.24-12345 (E)");
        }
        pages.push(page);
    }
    pages.join("\u{c}")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let a = args();
    let mut g = Gen {
        rng: SmallRng::seed_from_u64(a.seed),
        zh: ZH.chars().collect(),
        zh_mode: a.zh,
    };
    let old_paras = document(&mut g, a.pages);
    let (new_paras, edits) = revise(&mut g, &old_paras);
    let old_text = paginate(&mut g, &old_paras, "CCW/CONF.VI/WP.3");
    let new_text = paginate(&mut g, &new_paras, "CCW/CONF.VI/WP.3/Rev.1");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let folder = a.keep.clone().unwrap_or_else(|| dir.path().to_path_buf());
    std::fs::create_dir_all(&folder).unwrap();
    let (old_path, new_path) = (folder.join("old.txt"), folder.join("new.txt"));
    std::fs::write(&old_path, &old_text).unwrap();
    std::fs::write(&new_path, &new_text).unwrap();
    let old_pages: Vec<String> = old_text.split('\u{c}').map(String::from).collect();
    let new_pages: Vec<String> = new_text.split('\u{c}').map(String::from).collect();

    let options = CompareOptions::default();
    let mut to_result = Vec::new();
    let mut to_json = Vec::new();
    let mut json_bytes = 0;
    let mut result = None;
    for _ in 0..a.runs {
        let t = Instant::now();
        let c = compare(&old_pages, &new_pages, &options);
        to_result.push(t.elapsed());
        let json = serde_json::to_vec(&c).unwrap();
        to_json.push(t.elapsed());
        json_bytes = json.len();
        result = Some(c);
    }
    let c = result.expect("at least one run");

    let mut git = Vec::new();
    let mut git_lines = 0;
    let mut git_ok = true;
    for _ in 0..a.runs {
        let t = Instant::now();
        let out = Command::new("git")
            .args(["diff", "--no-index", "--no-color", "--word-diff=plain"])
            .arg(&old_path)
            .arg(&new_path)
            .output();
        match out {
            Ok(out) if out.status.code() == Some(1) => {
                git.push(t.elapsed());
                git_lines = out.stdout.split(|b| *b == b'\n').count();
            }
            _ => {
                git_ok = false;
                break;
            }
        }
    }

    let s = &c.summary;
    println!(
        "compare-bench: {} pages ({}), old {} / new {} pages, {} / {} characters after cleaning, {} furniture lines dropped",
        a.pages,
        if a.zh { "zh" } else { "en" },
        c.old.pages,
        c.new.pages,
        c.old.chars,
        c.new.chars,
        c.old.furniture_lines + c.new.furniture_lines
    );
    println!(
        "edits made: {edits}; changes found: {} ({} replaced, {} inserted, {} deleted, {} moved); {} runs, median (min)",
        s.changes, s.replacements, s.insertions, s.deletions, s.moves, a.runs
    );
    println!();
    println!("{:<48} {:>12} {:>12}", "", "median", "min");
    let row = |name: &str, v: &[Duration]| {
        println!(
            "{name:<48} {:>12} {:>12}",
            ms(median(v.to_vec())),
            ms(*v.iter().min().unwrap())
        );
    };
    row("plenary compare: full result (first screen)", &to_result);
    row(
        &format!(
            "plenary compare + JSON for the reader ({} KB)",
            json_bytes / 1024
        ),
        &to_json,
    );
    if git_ok && !git.is_empty() {
        row(
            &format!("git diff --no-index --word-diff ({git_lines} lines)"),
            &git,
        );
        println!();
        println!(
            "ratio git / plenary (full result): {:.2}x; with JSON: {:.2}x",
            median(git.clone()).as_secs_f64() / median(to_result.clone()).as_secs_f64(),
            median(git).as_secs_f64() / median(to_json).as_secs_f64()
        );
    } else {
        println!("git not found or failed: no baseline");
    }
}
