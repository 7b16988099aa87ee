//! Temporary probe (not committed): FTS5 insertion settings.
use std::time::Instant;
fn cpu() -> f64 { std::fs::read_to_string("/proc/thread-self/schedstat").unwrap().split_whitespace().next().unwrap().parse::<f64>().unwrap() / 1e9 }
use plenary_core::search::normalize::normalize;
use rand::{Rng, SeedableRng, rngs::SmallRng};

fn main() {
    let n: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1000);
    let cfg = std::env::args().nth(2).unwrap_or_default();
    let mut rng = SmallRng::seed_from_u64(1);
    // Zipf vocab of 200k synthetic words.
    let syl = ["ar","be","con","de","en","for","gen","in","is","la","men","na","or","pro","re","ri","sa","ta","ti","tion","ul","un","ver","vi"];
    let vocab: Vec<String> = (0..200_000).map(|i| { let mut w = String::new(); let mut x = i+1; while x > 0 { w.push_str(syl[x % syl.len()]); x /= syl.len(); } w }).collect();
    let mut total = 0.0; let cdf: Vec<f64> = (0..vocab.len()).map(|r| { total += 1.0/(r as f64 + 2.7).powf(1.05); total }).collect();
    let docs: Vec<String> = (0..n).map(|_| { let mut s = String::with_capacity(100_000); while s.len() < 100_000 { let x = rng.random::<f64>()*total; let i = cdf.partition_point(|&c| c < x).min(vocab.len()-1); s.push_str(&vocab[i]); s.push(if rng.random_bool(0.1) {'\n'} else {' '}); } s }).collect();
    let bytes: usize = docs.iter().map(|d| d.len()).sum();
    let t = Instant::now();
    let normed: Vec<String> = docs.iter().map(|d| normalize(d)).collect();
    let tn = t.elapsed().as_secs_f64();
    println!("normalize: {:.0} MB/s", bytes as f64 / 1e6 / tn);
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    if let Ok(cs) = std::env::var("CACHE_SIZE") { conn.pragma_update(None, "cache_size", cs).unwrap(); }
    conn.execute_batch(&format!("CREATE VIRTUAL TABLE f USING fts5(text, content='', contentless_delete=1, tokenize='ascii', detail=full {cfg}); CREATE TABLE plain(id INTEGER PRIMARY KEY, text TEXT);")).unwrap();
    for kv in std::env::var("FTSCFG").unwrap_or_default().split(',').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap();
        conn.execute("INSERT INTO f(f, rank) VALUES (?1, ?2)", rusqlite::params![k, v.parse::<i64>().unwrap()]).unwrap();
    }
    let t = Instant::now();
    for chunk in docs.chunks(100) {
        let tx = conn.unchecked_transaction().unwrap();
        for d in chunk { tx.execute("INSERT INTO plain(text) VALUES (?1)", [d]).unwrap(); }
        tx.commit().unwrap();
    }
    let tp = t.elapsed().as_secs_f64();
    println!("plain table: {:.0} MB/s", bytes as f64 / 1e6 / tp);
    let t = Instant::now(); let c0 = cpu();
    let chunk_n: usize = std::env::var("CHUNK").ok().map(|s| s.parse().unwrap()).unwrap_or(100);
    for (c, chunk) in normed.chunks(chunk_n).enumerate() {
        let tx = conn.unchecked_transaction().unwrap();
        for (i, d) in chunk.iter().enumerate() { tx.execute("INSERT INTO f(rowid, text) VALUES (?1, ?2)", rusqlite::params![(c*chunk_n+i) as i64 + 1, d]).unwrap(); }
        tx.commit().unwrap();
    }
    let tf = t.elapsed().as_secs_f64();
    println!("fts5 insert: {:.0} MB/s ({:.1} s), cpu {:.1} s = {:.0} MB/s", bytes as f64 / 1e6 / tf, tf, cpu()-c0, bytes as f64/1e6/(cpu()-c0));
    let size: i64 = conn.query_row("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'f%'", [], |r| r.get(0)).unwrap();
    println!("fts5 size {:.0} MB for {:.0} MB", size as f64/1e6, bytes as f64/1e6);
    for q in ["\"tion\"", "\"arbe\"", "\"conde\" AND \"arar\""] {
        let t = Instant::now();
        let n: i64 = conn.query_row("SELECT count(*) FROM (SELECT rowid, bm25(f) FROM f WHERE f MATCH ?1)", [q], |r| r.get(0)).unwrap();
        println!("{q}: {n} rows {:.2} ms", t.elapsed().as_secs_f64()*1000.0);
    }
}
