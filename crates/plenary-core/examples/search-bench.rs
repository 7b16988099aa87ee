//! Search benchmark: generates a realistic corpus, indexes it into a real
//! cache, times a query mix with snippets, and runs the same queries with
//! ripgrep over the same text as plain files.
//!
//! ```text
//! cargo run --release -p plenary-core --example search-bench -- --versions 10000
//! cargo run --release -p plenary-core --example search-bench -- --versions 300   # quick
//! ```
//!
//! The corpus: `--versions` document versions of ~100 KB of text each (50 to
//! 150 KB), in pages of ~3 KB with a symbol header and hard line breaks (as
//! `pdftotext` writes them, with some words hyphenated at line ends); six
//! languages in the proportions of a UN meeting's documents (en 35%, fr 20%,
//! es 15%, ru 10%, ar 10%, zh 10%); per language, a Zipf-distributed
//! vocabulary of 200,000 words whose top ranks are real function words and
//! UN-meeting words (accented French and Spanish, Cyrillic with ё, Arabic
//! with hamza forms and occasional harakat, Chinese without spaces). Half of
//! the documents have one revision, some up to three. Timings are printed,
//! never asserted. The baseline needs `rg` (ripgrep): `apt-get install -y
//! ripgrep`; without it the baseline columns are left empty.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use plenary_core::Cache;
use plenary_core::cache::{Rendition, TEXT_BATCH_BYTES, TEXT_BATCH_FILES};
use plenary_core::model::*;
use plenary_core::search::shards::{SHARDS, shard_path};
use plenary_core::search::{SearchQuery, normalize::normalize};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

struct Args {
    versions: usize,
    per_class: usize,
    seed: u64,
    dir: Option<PathBuf>,
    rg: bool,
    /// Bytes of text per `put_renditions` call (one transaction each): the
    /// batches sync stores ([`TEXT_BATCH_BYTES`], at most
    /// [`TEXT_BATCH_FILES`] files) unless `--batch-mb` says otherwise.
    batch_bytes: usize,
    /// Only these languages (to see what each costs).
    only: Vec<Language>,
}

fn args() -> Args {
    let mut a = Args {
        versions: 10_000,
        per_class: 20,
        seed: 7,
        dir: None,
        rg: true,
        batch_bytes: TEXT_BATCH_BYTES,
        only: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().expect("a value after the option");
        match arg.as_str() {
            "--versions" => a.versions = value().parse().expect("--versions N"),
            "--scale" => {
                a.versions = (10_000.0 * value().parse::<f64>().expect("--scale F")) as usize
            }
            "--queries-per-class" => a.per_class = value().parse().expect("a number"),
            "--seed" => a.seed = value().parse().expect("a number"),
            "--dir" => a.dir = Some(PathBuf::from(value())),
            "--no-rg" => a.rg = false,
            "--batch-mb" => {
                a.batch_bytes = (value().parse::<f64>().expect("--batch-mb MB") * 1e6) as usize
            }
            "--languages" => {
                a.only = value()
                    .split(',')
                    .map(|l| l.parse().expect("--languages en,fr,..."))
                    .collect()
            }
            "-h" | "--help" => {
                println!(
                    "search-bench [--versions N | --scale F] [--queries-per-class N] [--seed N] [--dir DIR] [--no-rg] [--batch-mb MB] [--languages en,fr,..]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown option {other}"),
        }
    }
    a.versions = a.versions.max(20);
    a
}

// ---------------------------------------------------------------- corpus

const VOCABULARY: usize = 200_000;

struct Lang {
    language: Language,
    share: f64,
    /// Words separated by spaces (all but Chinese).
    spaced: bool,
    vocab: Vec<String>,
    cdf: Vec<f64>,
}

impl Lang {
    fn sample(&self, rng: &mut SmallRng) -> &str {
        let x: f64 = rng.random::<f64>() * self.cdf[self.cdf.len() - 1];
        let i = self
            .cdf
            .partition_point(|&c| c < x)
            .min(self.vocab.len() - 1);
        &self.vocab[i]
    }
}

fn seeds(language: Language) -> (&'static str, &'static [&'static str]) {
    match language {
        Language::En => (
            "the of and to in a for on by that is be with as States Parties Convention United Nations \
             Committee Council resolution draft report Secretary-General development human rights security \
             international implementation Assembly General meeting session agenda item paragraph decision \
             Member Government support cooperation assistance including also its which under their has have \
             this from at were was an or are not been shall should further recalls requests welcomes notes \
             urges calls upon cluster munitions clearance victim stockpile destruction transparency measures \
             national reports Coordinator Presidency Geneva Conference Review compliance obligations Article \
             contamination survivors funding mechanism Working Group programme budget sustainable peace",
            &[
                "ar", "be", "con", "de", "en", "for", "gen", "in", "is", "la", "men", "na", "or",
                "pro", "re", "ri", "sa", "ta", "ti", "tion", "ul", "un", "ver", "vi", "al", "ment",
                "ing", "ed", "er", "es", "ly", "ous", "an", "co", "di", "ex", "im", "mo", "pa",
                "po",
            ],
        ),
        Language::Fr => (
            "de la les des et à en du le pour que dans sur par au une un est États parties Convention \
             Nations Unies Conseil sécurité résolution projet rapport Secrétaire général développement \
             droits l'homme coopération mise œuvre réunion séance ordre jour point paragraphe décision \
             Membres gouvernement assistance également prié encourage salue armes sous dépollution victimes \
             stocks destruction mesures transparence rapports nationaux Présidence Genève Conférence examen \
             respect obligations article contamination survivants financement mécanisme groupe travail \
             programme budget durable paix l'Assemblée générale qu'il été après très où",
            &[
                "ar", "de", "con", "en", "pour", "gé", "in", "la", "men", "na", "pro", "ré", "dé",
                "té", "tion", "ai", "eau", "ou", "è", "ê", "à", "ç", "ère", "ée", "on", "ment",
                "eur", "ie", "mi", "pa", "po", "sé", "vé", "lé", "chu", "que",
            ],
        ),
        Language::Es => (
            "de la los las y en el a para que del por con se Estados Partes Convención Naciones Unidas \
             Consejo Seguridad resolución proyecto informe Secretario General desarrollo derechos humanos \
             cooperación aplicación reunión período sesiones tema párrafo decisión Miembros Gobierno \
             asistencia también solicita acoge municiones racimo limpieza víctimas existencias destrucción \
             medidas transparencia informes nacionales Presidencia Ginebra Conferencia examen cumplimiento \
             obligaciones artículo contaminación supervivientes financiación mecanismo grupo trabajo \
             programa presupuesto sostenible paz niños año",
            &[
                "ar", "de", "con", "en", "ción", "ta", "la", "do", "na", "pro", "re", "mi", "ri",
                "ía", "ó", "á", "ue", "ie", "ñ", "es", "os", "as", "ti", "co", "pe", "ble", "mien",
                "to",
            ],
        ),
        Language::Ru => (
            "и в на по с о для что не Государств участников Конвенции Организации Объединённых Наций \
             Совета Безопасности резолюции проект доклад Генерального секретаря развития прав человека \
             сотрудничества осуществления Ассамблеи сессии пункта повестки дня решение членов правительства \
             помощи ещё её кассетных боеприпасов разминирования жертв запасов уничтожения мер транспарентности \
             национальных докладов Председательства Женеве Конференции обзора соблюдения обязательств статьи \
             загрязнения выживших финансирования механизма рабочей группы программы бюджета устойчивого мира",
            &[
                "ра", "ко", "ни", "ст", "во", "пре", "де", "го", "су", "ар", "ство", "ение", "ять",
                "ов", "ёт", "ый", "ий", "на", "по", "за", "ли", "ме", "ча", "ще", "ю", "ся", "ть",
            ],
        ),
        Language::Ar => (
            "في من على إلى أن التي الذي عن مع الدول الأطراف اتفاقية الأمم المتحدة مجلس الأمن قرار مشروع \
             تقرير الأمين العام التنمية حقوق الإنسان التعاون تنفيذ الجمعية العامة الدورة البند جدول الأعمال \
             الفقرة مقرر الحكومة المساعدة أيضا يطلب يرحب الذخائر العنقودية إزالة الضحايا المخزونات تدمير \
             تدابير الشفافية التقارير الوطنية الرئاسة جنيف المؤتمر استعراض الامتثال الالتزامات المادة \
             التلوث الناجين التمويل آلية الفريق العامل البرنامج الميزانية المستدامة السلام مسؤولية",
            &[
                "ال", "مت", "حد", "ة", "تن", "مي", "ق", "رار", "سل", "ام", "أ", "إ", "ى", "ؤ",
                "وا", "ين", "ات", "ية", "مس", "تش", "ك", "ب", "ن", "ر", "ع", "ف",
            ],
        ),
        Language::Zh => (
            "的 和 在 与 对 为 了 是 国 会议 联合国 大会 安全理事会 决议 草案 报告 秘书长 发展 人权 合作 \
             执行 缔约国 公约 议程 项目 段 决定 会员国 政府 援助 可持续 请 欢迎 注意到 敦促 吁请 国际 和平 \
             安全 集束弹药 清除 受害者 库存 销毁 透明度 措施 国家 主席 日内瓦 审议 遵守 义务 条 污染 \
             幸存者 资金 机制 工作组 方案 预算",
            &[],
        ),
    }
}

fn build_lang(language: Language, share: f64, rng: &mut SmallRng) -> Lang {
    let (top, syllables) = seeds(language);
    let mut seen = HashSet::new();
    let mut vocab: Vec<String> = Vec::with_capacity(VOCABULARY);
    for w in top.split_whitespace() {
        if seen.insert(w.to_owned()) {
            vocab.push(w.to_owned());
        }
    }
    // Chinese words are made of characters drawn with a Zipf distribution
    // over 5,000 characters (the seed words' first): in real text the 1,000
    // most frequent characters make up about 90% of the running text, which
    // is what keeps the number of distinct character pairs realistic.
    let mut han: Vec<char> = Vec::new();
    for c in top.chars().filter(|c| !c.is_whitespace()) {
        if !han.contains(&c) {
            han.push(c);
        }
    }
    while han.len() < 5_000 {
        let c = char::from_u32(rng.random_range(0x4E00..0x9FA5)).unwrap_or('中');
        if !han.contains(&c) {
            han.push(c);
        }
    }
    let mut han_total = 0.0;
    let han_cdf: Vec<f64> = (0..han.len())
        .map(|r| {
            han_total += 1.0 / (r as f64 + 1.0);
            han_total
        })
        .collect();
    while vocab.len() < VOCABULARY {
        let w: String = if language == Language::Zh {
            let n = [1, 2, 2, 2, 2, 3, 4][rng.random_range(0..7)];
            (0..n)
                .map(|_| {
                    let x = rng.random::<f64>() * han_total;
                    han[han_cdf.partition_point(|&c| c < x).min(han.len() - 1)]
                })
                .collect()
        } else {
            // Accented syllables are drawn as often as accents occur in the
            // language (in French about one word in four has one), not as
            // often as they are listed.
            let (accented, plain): (Vec<&str>, Vec<&str>) = syllables.iter().partition(|s| {
                !s.is_ascii() && language != Language::Ru && language != Language::Ar
            });
            let share = match language {
                Language::Fr => 0.08,
                Language::Es => 0.07,
                _ => 0.0,
            };
            let n = rng.random_range(2..=5);
            (0..n)
                .map(|_| {
                    if !accented.is_empty() && rng.random_bool(share) {
                        accented[rng.random_range(0..accented.len())]
                    } else {
                        plain[rng.random_range(0..plain.len())]
                    }
                })
                .collect()
        };
        if seen.insert(w.clone()) {
            vocab.push(w);
        }
    }
    // Zipf-Mandelbrot: weight of rank r is 1 / (r + 2.7)^1.05.
    let mut total = 0.0;
    let cdf = (0..vocab.len())
        .map(|r| {
            total += 1.0 / (r as f64 + 2.7).powf(1.05);
            total
        })
        .collect();
    Lang {
        language,
        share,
        spaced: language != Language::Zh,
        vocab,
        cdf,
    }
}

/// One version's pages (~`bytes` of text), and a phrase taken from it.
fn generate_pages(
    lang: &Lang,
    symbol: &str,
    bytes: usize,
    rng: &mut SmallRng,
) -> (Vec<String>, String) {
    let mut pages = Vec::new();
    let mut phrase = String::new();
    let mut written = 0;
    let mut paragraph = 1;
    while written < bytes {
        let mut page = format!("{symbol}\n\n");
        let mut column = 0;
        while page.len() < 3000 {
            if lang.spaced {
                page.push_str(&format!("{paragraph}. "));
            } else {
                page.push_str(&format!("{paragraph}．"));
            }
            column += 4;
            paragraph += 1;
            for _ in 0..rng.random_range(2..6) {
                let words = rng.random_range(8..30);
                for k in 0..words {
                    let mut word = lang.sample(rng).to_owned();
                    if phrase.is_empty() && rng.random_bool(0.002) {
                        phrase = (0..rng.random_range(1..3)).fold(word.clone(), |mut p, _| {
                            // The following words are sampled now and written next.
                            let w = lang.sample(rng);
                            if lang.spaced {
                                p.push(' ');
                            }
                            p.push_str(w);
                            p
                        });
                        word = phrase.clone();
                    }
                    if lang.spaced {
                        if k == 0 {
                            let mut cs = word.chars();
                            if let Some(first) = cs.next() {
                                word = first.to_uppercase().chain(cs).collect();
                            }
                        }
                        if lang.language == Language::Ar && rng.random_bool(0.03) {
                            // A fatha after the first letter, as some texts vocalise.
                            let mut cs = word.chars();
                            if let Some(first) = cs.next() {
                                word = std::iter::once(first)
                                    .chain(std::iter::once('\u{64E}'))
                                    .chain(cs)
                                    .collect();
                            }
                        }
                        let len = word.chars().count();
                        if column + len > 78 {
                            if len > 8 && rng.random_bool(0.15) && !word.contains(' ') {
                                let cut = word.char_indices().nth(len / 2).map_or(0, |(i, _)| i);
                                page.push_str(&word[..cut]);
                                page.push_str("-\n");
                                page.push_str(&word[cut..]);
                                column = len - len / 2;
                            } else {
                                page.push('\n');
                                page.push_str(&word);
                                column = len;
                            }
                        } else {
                            page.push_str(&word);
                            column += len;
                        }
                        if k + 1 < words {
                            if rng.random_bool(0.06) {
                                page.push(',');
                            }
                            page.push(' ');
                            column += 1;
                        }
                    } else {
                        let len = word.chars().count();
                        if column + len > 38 {
                            page.push('\n');
                            column = 0;
                        }
                        page.push_str(&word);
                        column += len;
                        if k + 1 < words && rng.random_bool(0.08) {
                            page.push('，');
                            column += 1;
                        }
                    }
                }
                page.push_str(if lang.spaced { ". " } else { "。" });
                column += 2;
            }
            page.push('\n');
            column = 0;
        }
        page.push_str(&format!("\n{}\n", pages.len() + 1));
        written += page.len();
        pages.push(page);
    }
    (pages, phrase)
}

struct Planned {
    version: Version,
    meeting: usize,
    symbol: String,
    bytes: usize,
    lang: usize,
}

// ---------------------------------------------------------------- queries

#[derive(Clone)]
struct Query {
    class: &'static str,
    search: SearchQuery,
    /// ripgrep: literal patterns that must all match (-F -i), or a regex.
    rg_all: Vec<String>,
    /// ripgrep runs over these files only (a filtered query), else all.
    rg_files: Option<Vec<PathBuf>>,
}

/// This thread's CPU time (Linux), to tell the design's cost from a busy
/// machine's: wall time includes waiting for a core.
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// The CPU time of every thread of this process (Linux): indexing runs on
/// several (src/search/shards.rs).
fn process_cpu_time() -> Duration {
    // utime and stime, fields 14 and 15 of /proc/self/stat, in clock ticks
    // (100 per second on Linux).
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(") ")?.1;
            let fields: Vec<&str> = after.split_whitespace().collect();
            let ticks =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some(Duration::from_millis(ticks * 10))
        })
        .unwrap_or(Duration::ZERO)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// One line of the table: a class of queries and what they took.
#[derive(Debug, Default)]
struct Row {
    class: &'static str,
    ours: Vec<Duration>,
    cpu: Vec<Duration>,
    rg: Vec<Duration>,
    /// Matching versions, summed over the class.
    hits: u64,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn strip_accents(s: &str) -> String {
    // For an accent-free French query: what a delegate types without accents.
    s.chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' => 'e',
            'à' => 'a',
            'ç' => 'c',
            'É' => 'E',
            c => c,
        })
        .collect()
}

fn rg(pattern_sets: &[String], files: &[PathBuf], dir: &Path) -> (Duration, usize) {
    let started = Instant::now();
    let mut current: Option<Vec<PathBuf>> = if files.is_empty() {
        None
    } else {
        Some(files.to_vec())
    };
    for pattern in pattern_sets {
        let mut cmd = Command::new("rg");
        cmd.args(["-l", "-i", "-F", "--no-messages", "-e", pattern]);
        match &current {
            None => {
                cmd.arg(dir);
            }
            Some(list) if list.is_empty() => break,
            Some(list) => {
                cmd.args(list);
            }
        }
        let out = cmd.output().expect("running rg");
        current = Some(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(PathBuf::from)
                .collect(),
        );
    }
    (started.elapsed(), current.map_or(0, |c| c.len()))
}

fn main() {
    let args = args();
    let mut rng = SmallRng::seed_from_u64(args.seed);
    let shares = [
        (Language::En, 0.35),
        (Language::Fr, 0.20),
        (Language::Es, 0.15),
        (Language::Ru, 0.10),
        (Language::Ar, 0.10),
        (Language::Zh, 0.10),
    ];
    let started = Instant::now();
    let langs: Vec<Lang> = shares
        .iter()
        .map(|&(l, s)| {
            let share = if args.only.is_empty() || args.only.contains(&l) {
                s
            } else {
                0.0
            };
            build_lang(l, share, &mut rng)
        })
        .collect();
    let total_share: f64 = langs.iter().map(|l| l.share).sum();
    eprintln!(
        "vocabularies built in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let tmp = tempfile::tempdir().expect("a temporary folder");
    let root = args.dir.clone().unwrap_or_else(|| tmp.path().to_owned());
    let cache_dir = root.join("cache");
    let text_dir = root.join("text");
    std::fs::create_dir_all(&text_dir).unwrap();
    let mut cache = Cache::open(&cache_dir).expect("opening the cache");
    // For experiments: FTS5 options (`k=v,k=v`, e.g. `automerge=8,pgsz=8000`)
    // set before indexing in every shard, through second connections.
    if let Ok(options) = std::env::var("SEARCH_BENCH_FTS5") {
        for k in 0..SHARDS {
            let shard = rusqlite::Connection::open(shard_path(&cache_dir, k)).unwrap();
            for kv in options.split(',').filter(|s| !s.is_empty()) {
                let (option, v) = kv.split_once('=').expect("k=v");
                shard
                    .execute(
                        "INSERT INTO search_index (search_index, rank) VALUES (?1, ?2)",
                        rusqlite::params![option, v.parse::<i64>().expect("a number")],
                    )
                    .unwrap();
            }
        }
    }

    // Meetings, agenda items, documents and versions.
    const MEETINGS: usize = 50;
    let mut records = Vec::new();
    for m in 0..MEETINGS {
        let starts_on = time::macros::date!(2024 - 01 - 15) + time::Duration::days(m as i64 * 14);
        records.push(Record::Meeting(Meeting {
            id: format!("m{m:02}").parse().unwrap(),
            title: format!("Meeting {m}"),
            body: "Convention on Cluster Munitions".into(),
            venue: "Palais des Nations".into(),
            city: "Geneva".into(),
            starts_on,
            ends_on: starts_on + time::Duration::days(4),
            symbol_prefix: None,
        }));
        for i in 1..=8 {
            records.push(Record::AgendaItem(AgendaItem {
                id: format!("m{m:02}-i{i}").parse().unwrap(),
                meeting_id: format!("m{m:02}").parse().unwrap(),
                number: i.to_string(),
                title: format!("Item {i}"),
                position: i,
            }));
        }
    }
    let mut planned: Vec<Planned> = Vec::new();
    let mut doc_no = 0;
    while planned.len() < args.versions {
        doc_no += 1;
        let meeting = rng.random_range(0..MEETINGS);
        let kind = DocumentKind::ALL[rng.random_range(0..DocumentKind::ALL.len())];
        let symbol = format!("CCM/MSP/{}/{}", 2024 + meeting / 25, doc_no);
        let doc_id: DocumentId = format!("d{doc_no}").parse().unwrap();
        records.push(Record::Document(Document {
            id: doc_id.clone(),
            meeting_id: format!("m{meeting:02}").parse().unwrap(),
            symbol: Some(Symbol::new(&symbol).unwrap()),
            title: format!("Document {doc_no}"),
            kind,
            agenda_item_id: Some(
                format!("m{meeting:02}-i{}", rng.random_range(1..=8))
                    .parse()
                    .unwrap(),
            ),
        }));
        let available = langs.iter().filter(|l| l.share > 0.0).count();
        let n_langs = [1, 1, 2, 3, 4, 6][rng.random_range(0..6)].min(available);
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < n_langs {
            let x: f64 = rng.random::<f64>() * total_share;
            let mut acc = 0.0;
            let l = langs
                .iter()
                .position(|l| {
                    acc += l.share;
                    x < acc
                })
                .unwrap_or(0);
            if !chosen.contains(&l) {
                chosen.push(l);
            }
        }
        let revisions = match rng.random_range(0..20) {
            0 => 3,
            1..=3 => 2,
            _ => 1,
        };
        for r in 0..revisions {
            for &l in &chosen {
                if planned.len() >= args.versions {
                    break;
                }
                let language = langs[l].language;
                let vid = format!("d{doc_no}-{language}-{r}");
                let published_at = time::macros::datetime!(2024-01-15 09:00 UTC)
                    + time::Duration::days(meeting as i64 * 14)
                    + time::Duration::hours(r as i64 * 30 + rng.random_range(0..48));
                let version = Version {
                    id: vid.parse().unwrap(),
                    document_id: doc_id.clone(),
                    language,
                    revision: r,
                    label: if r == 0 {
                        "Original".into()
                    } else {
                        format!("Rev.{r}")
                    },
                    published_at,
                    sha256: Sha256::of(vid.as_bytes()),
                    size: 1,
                    media_type: MediaType::Pdf,
                    file_name: format!("{vid}.pdf"),
                };
                planned.push(Planned {
                    version: version.clone(),
                    meeting,
                    symbol: symbol.clone(),
                    bytes: rng.random_range(50_000..150_000),
                    lang: l,
                });
                records.push(Record::Version(version));
            }
        }
    }
    cache.apply(&records).expect("applying the metadata");

    // Generate and index, in batches as sync stores them (or of `--batch-mb`).
    let mut phrases: Vec<(usize, String)> = Vec::new();
    let mut text_bytes = 0usize;
    let mut index_time = Duration::ZERO;
    let mut index_cpu = Duration::ZERO;
    let mut normalize_time = Duration::ZERO;
    let mut files_of_meeting_lang: std::collections::HashMap<(usize, Language), Vec<PathBuf>> =
        Default::default();
    let mut batch = Vec::new();
    let mut batch_bytes = 0;
    let mut reported = 0;
    let mut lang_bytes = [0usize; 6];
    let gen_started = Instant::now();
    for (n, p) in planned.iter().enumerate() {
        let (pages, phrase) = generate_pages(&langs[p.lang], &p.symbol, p.bytes, &mut rng);
        if !phrase.is_empty() {
            phrases.push((p.lang, phrase));
        }
        let bytes: usize = pages.iter().map(|s| s.len()).sum();
        text_bytes += bytes;
        lang_bytes[p.lang] += bytes;
        let path = text_dir.join(format!("{}.txt", p.version.id));
        std::fs::write(&path, pages.join("\u{c}")).unwrap();
        files_of_meeting_lang
            .entry((p.meeting, p.version.language))
            .or_default()
            .push(path);
        if n % 10 == 0 {
            // Normalisation alone, on a sample (CPU time).
            let c = cpu_time();
            for page in &pages {
                std::hint::black_box(normalize(page));
            }
            normalize_time += (cpu_time() - c) * 10;
        }
        batch_bytes += bytes;
        batch.push((
            p.version.sha256,
            Rendition::Ok {
                extractor: "pdftotext".into(),
                pages,
            },
        ));
        if batch_bytes >= args.batch_bytes
            || batch.len() >= TEXT_BATCH_FILES
            || n + 1 == planned.len()
        {
            let t = Instant::now();
            let c = process_cpu_time();
            cache.put_renditions(&batch).expect("indexing");
            index_time += t.elapsed();
            index_cpu += process_cpu_time() - c;
            batch.clear();
            batch_bytes = 0;
            if (n + 1) / 1000 > reported {
                reported = (n + 1) / 1000;
                eprintln!(
                    "{} versions, {:.0} MB indexed, {:.1} MB/s",
                    n + 1,
                    text_bytes as f64 / 1e6,
                    text_bytes as f64 / 1e6 / index_time.as_secs_f64()
                );
            }
        }
    }
    let generation = gen_started.elapsed() - index_time;

    // One new version into the full index (a new document arriving by sync).
    let mut one_version = Vec::new();
    let load_during_indexing = load_average();
    for k in 0..5 {
        let vid = format!("new{k}-en-0");
        let version = Version {
            id: vid.parse().unwrap(),
            document_id: "d1".parse().unwrap(),
            language: Language::En,
            revision: 100 + k,
            label: format!("Rev.{}", 100 + k),
            published_at: time::OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap(),
            sha256: Sha256::of(vid.as_bytes()),
            size: 1,
            media_type: MediaType::Pdf,
            file_name: format!("{vid}.pdf"),
        };
        cache.apply(&[Record::Version(version.clone())]).unwrap();
        let (pages, _) = generate_pages(&langs[0], "CCM/MSP/2025/NEW", 100_000, &mut rng);
        let t = Instant::now();
        cache
            .put_rendition(
                &version.sha256,
                &Rendition::Ok {
                    extractor: "pdftotext".into(),
                    pages,
                },
            )
            .unwrap();
        one_version.push(t.elapsed());
    }
    one_version.sort();

    // The query mix.
    let per = args.per_class;
    let mut queries: Vec<Query> = Vec::new();
    let word_at = |l: usize, lo: usize, hi: usize, rng: &mut SmallRng| -> String {
        loop {
            let w = &langs[l].vocab[rng.random_range(lo..hi.min(VOCABULARY))];
            if !w.contains(['\'', '-']) {
                return w.clone();
            }
        }
    };
    let plain = |class, text: String, rg_all: Vec<String>| Query {
        class,
        search: SearchQuery::new(text),
        rg_all,
        rg_files: None,
    };
    let latin = [0usize, 1, 2, 3]; // en fr es ru
    for i in 0..per {
        let l = latin[i % 4];
        let w = word_at(l, 20_000, VOCABULARY, &mut rng);
        queries.push(plain("rare word", w.clone(), vec![w]));
    }
    for i in 0..per {
        let l = latin[i % 4];
        let w = word_at(l, 300, 3_000, &mut rng);
        queries.push(plain("mid word", w.clone(), vec![w]));
    }
    for i in 0..per {
        let l = latin[i % 4];
        let n = 2 + i % 2;
        let words: Vec<String> = (0..n)
            .map(|k| {
                if k == 0 {
                    word_at(l, 2_000, 30_000, &mut rng)
                } else {
                    word_at(l, 100, 5_000, &mut rng)
                }
            })
            .collect();
        queries.push(plain("2-3 words (AND)", words.join(" "), words));
    }
    let mut phrase_iter = phrases
        .iter()
        .filter(|(l, p)| *l != 5 && p.contains(' '))
        .cycle();
    for _ in 0..per {
        let Some((_, p)) = phrase_iter.next() else {
            break;
        };
        queries.push(plain("phrase", format!("\"{p}\""), vec![p.clone()]));
    }
    for i in 0..per {
        let l = latin[i % 4];
        // What a delegate types: a stem of four to six letters.
        let w = loop {
            let w = word_at(l, 1_000, 20_000, &mut rng);
            if w.chars().count() >= 6 {
                break w;
            }
        };
        let prefix: String = w.chars().take(4 + i % 3).collect();
        queries.push(plain(
            "prefix (4-6 letters)",
            format!("{prefix}*"),
            vec![prefix],
        ));
    }
    for i in 0..per {
        let l = latin[i % 4];
        let w = word_at(l, 300, 3_000, &mut rng);
        let meeting = rng.random_range(0..MEETINGS);
        let language = langs[l].language;
        let mut search = SearchQuery::new(w.clone());
        search.meeting = Some(format!("m{meeting:02}").parse().unwrap());
        search.languages = vec![language];
        queries.push(Query {
            class: "filtered (meeting+lang)",
            search,
            rg_all: vec![w],
            rg_files: Some(
                files_of_meeting_lang
                    .get(&(meeting, language))
                    .cloned()
                    .unwrap_or_default(),
            ),
        });
    }
    let accented: Vec<&String> = langs[1].vocab[..50_000]
        .iter()
        .filter(|w| w.contains(['é', 'è', 'à', 'ç']))
        .collect();
    for _ in 0..per {
        let w = accented[rng.random_range(0..accented.len())];
        queries.push(plain("fr accent-free", strip_accents(w), vec![w.clone()]));
    }
    for i in 0..per {
        let (l, w) = match i % 3 {
            0 => (4, word_at(4, 500, 50_000, &mut rng)),
            1 => (3, word_at(3, 500, 50_000, &mut rng)),
            _ => {
                let p = phrases
                    .iter()
                    .filter(|(l, _)| *l == 5)
                    .nth(i / 3)
                    .map(|(_, p)| p.clone())
                    .unwrap_or_else(|| word_at(5, 500, 50_000, &mut rng));
                (5, p)
            }
        };
        let _ = l;
        queries.push(plain("ar / ru / zh", w.clone(), vec![w]));
    }
    let worst = vec![
        plain(
            "worst: 3-letter prefix 'con*'",
            "con*".into(),
            vec!["con".into()],
        ),
        plain("worst: 'the'", "the".into(), vec!["the".into()]),
        plain("worst: 'de'", "de".into(), vec!["de".into()]),
        plain(
            "worst: \"of the\"",
            "\"of the\"".into(),
            vec!["of the".into()],
        ),
    ];

    // Warm up (the OS page cache and SQLite's), then measure.
    for q in queries.iter().chain(&worst) {
        cache.search(&q.search).unwrap();
    }
    let mut rows: Vec<Row> = Vec::new();
    let rg_ok = args.rg && Command::new("rg").arg("--version").output().is_ok();
    if args.rg && !rg_ok {
        eprintln!("rg not found: install ripgrep (apt-get install -y ripgrep) for the baseline");
    }
    let mut all_ours = Vec::new();
    let mut all_rg = Vec::new();
    let mut all_cpu = Vec::new();
    for q in queries.iter().chain(&worst) {
        let t = Instant::now();
        let c = cpu_time();
        let r = cache.search(&q.search).unwrap();
        let ours = t.elapsed();
        let ours_cpu = cpu_time() - c;
        assert!(!r.fallback, "{}", q.search.text);
        let theirs = if rg_ok {
            Some(rg(&q.rg_all, q.rg_files.as_deref().unwrap_or(&[]), &text_dir).0)
        } else {
            None
        };
        let row = match rows.iter_mut().find(|r| r.class == q.class) {
            Some(row) => row,
            None => {
                rows.push(Row {
                    class: q.class,
                    ..Row::default()
                });
                rows.last_mut().unwrap()
            }
        };
        row.ours.push(ours);
        row.cpu.push(ours_cpu);
        row.hits += r.total;
        if let Some(t) = theirs {
            row.rg.push(t);
        }
        if !q.class.starts_with("worst") {
            all_cpu.push(ours_cpu);
            all_ours.push(ours);
            all_rg.extend(theirs);
        }
    }

    // Sizes.
    let size = |conn: &rusqlite::Connection, like: &str| -> f64 {
        conn.query_row(
            "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE ?1",
            [like],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as f64
            / 1e6
    };
    let conn =
        rusqlite::Connection::open(cache_dir.join(plenary_core::cache::DATABASE_FILE)).unwrap();
    // The FTS5 index is in the shard files (src/search/shards.rs).
    let index_mb = (0..SHARDS)
        .map(|k| {
            let shard = rusqlite::Connection::open(shard_path(&cache_dir, k)).unwrap();
            size(&shard, "search_index%")
        })
        .sum::<f64>();
    let sketch_mb = size(&conn, "search_files%") + size(&conn, "sqlite_autoindex_search_files%");
    let pages_mb = size(&conn, "rendition_pages%");
    let db_mb = std::fs::metadata(cache_dir.join(plenary_core::cache::DATABASE_FILE))
        .map(|m| m.len())
        .unwrap_or(0) as f64
        / 1e6;

    // Report.
    let out = &mut std::io::stdout().lock();
    let mb = text_bytes as f64 / 1e6;
    writeln!(
        out,
        "\nsearch-bench: {} versions, {:.0} MB of text (seed {})",
        planned.len(),
        mb,
        args.seed
    )
    .unwrap();
    let shares: Vec<String> = langs
        .iter()
        .zip(lang_bytes)
        .map(|(l, b)| {
            format!(
                "{} {:.0}%",
                l.language,
                100.0 * b as f64 / text_bytes as f64
            )
        })
        .collect();
    writeln!(
        out,
        "languages (bytes): {}; text generated in {:.1} s (not timed)",
        shares.join(", "),
        generation.as_secs_f64()
    )
    .unwrap();
    writeln!(out, "\n| query class | n | plenary p50 ms | p95 ms | CPU mean ms | rg p50 ms | rg p95 ms | rg/plenary p50 | mean hits (total) |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|---|---|").unwrap();
    let line = |out: &mut std::io::StdoutLock,
                name: &str,
                ours: &mut Vec<Duration>,
                cpu: &mut Vec<Duration>,
                theirs: &mut Vec<Duration>,
                hits: Option<u64>| {
        ours.sort();
        cpu.sort();
        theirs.sort();
        let (p50, p95) = (percentile(ours, 0.5), percentile(ours, 0.95));
        let (r50, r95) = (percentile(theirs, 0.5), percentile(theirs, 0.95));
        let ratio = if theirs.is_empty() {
            "-".to_owned()
        } else {
            format!("{:.0}x", r50.as_secs_f64() / p50.as_secs_f64().max(1e-9))
        };
        writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} | {ratio} | {} |",
            ours.len(),
            ms(p50),
            ms(p95),
            // Summed over the class: the kernel updates a thread's CPU
            // time at ticks, so one short query's reading is coarse.
            ms(cpu.iter().sum::<Duration>() / cpu.len().max(1) as u32),
            if theirs.is_empty() {
                "-".into()
            } else {
                ms(r50)
            },
            if theirs.is_empty() {
                "-".into()
            } else {
                ms(r95)
            },
            hits.map_or("".into(), |h| format!(
                "{:.0}",
                h as f64 / ours.len().max(1) as f64
            )),
        )
        .unwrap();
    };
    for r in rows.iter_mut().filter(|r| !r.class.starts_with("worst")) {
        line(
            out,
            r.class,
            &mut r.ours,
            &mut r.cpu,
            &mut r.rg,
            Some(r.hits),
        );
    }
    line(
        out,
        "**all of the mix**",
        &mut all_ours,
        &mut all_cpu,
        &mut all_rg,
        None,
    );
    for r in rows.iter_mut().filter(|r| r.class.starts_with("worst")) {
        line(
            out,
            r.class,
            &mut r.ours,
            &mut r.cpu,
            &mut r.rg,
            Some(r.hits),
        );
    }
    writeln!(out, "\nindexing: {mb:.0} MB in {:.1} s = {:.1} MB/s wall, {:.1} MB per CPU-second of all threads (put_renditions end to end: pages stored + normalised + indexed, batches of {:.0} MB, one commit each; load average {load_during_indexing})", index_time.as_secs_f64(), mb / index_time.as_secs_f64(), mb / index_cpu.as_secs_f64(), args.batch_bytes as f64 / 1e6).unwrap();
    writeln!(
        out,
        "normalisation alone (every 10th version, CPU time): {:.0} MB/s",
        mb / normalize_time.as_secs_f64()
    )
    .unwrap();
    writeln!(out, "one new version (~100 KB) into the full index: median {} ms, max {} ms (5 runs, commit included)", ms(one_version[2]), ms(one_version[4])).unwrap();
    writeln!(out, "sizes: FTS5 index {index_mb:.0} MB ({:.0}% of the text), page sketches {sketch_mb:.0} MB ({:.0}%), rendition_pages {pages_mb:.0} MB, database file {db_mb:.0} MB", 100.0 * index_mb / mb, 100.0 * sketch_mb / mb).unwrap();
    writeln!(out, "load average after the queries: {}", load_average()).unwrap();
    writeln!(out, "queries: limit {} with snippets; rg: `rg -l -i -F` per word (AND: each word over the previous matches), over {} plain files", plenary_core::search::DEFAULT_LIMIT, planned.len()).unwrap();
    drop(cache);
}
