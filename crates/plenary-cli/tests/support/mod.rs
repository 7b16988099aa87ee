//! Test support for sync: the real server (in-process, on a real port, in
//! its own runtime so that it can be killed and restarted), a fault-injecting
//! HTTP proxy between client and server, and published test data.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plenary_core::Cache;
use plenary_core::model::*;
use plenary_server::{AppState, Config};
use rand::{Rng, SeedableRng};
use time::macros::{date, datetime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Polls `check` until it holds or `within` passes; panics with `what`.
pub async fn eventually(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The real server, in a thread with its own runtime: `kill` drops the
/// runtime, which drops every connection at once, as a crash would.
pub struct Server {
    pub addr: SocketAddr,
    pub data: PathBuf,
    pub state: AppState,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(data: &Path, addr: SocketAddr) -> Server {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match Self::try_start(data, addr) {
                Ok(s) => return s,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("server start on {addr} failed ({e}); trying again");
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("the server did not start on {addr}: {e}"),
            }
        }
    }

    fn try_start(data: &Path, addr: SocketAddr) -> Result<Server, String> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let dir = data.to_owned();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let started = runtime.block_on(async {
                let state = AppState::open(Config::new(&dir))
                    .await
                    .map_err(|e| e.to_string())?;
                let running = plenary_server::serve(state.clone(), addr)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>((running, state))
            });
            match started {
                Ok((running, state)) => {
                    let _ = ready_tx.send(Ok((running.addr, state)));
                    let _ = stop_rx.recv();
                    std::mem::forget(running); // no graceful shutdown: a crash
                    runtime.shutdown_background();
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            }
        });
        let (addr, state) = ready_rx.recv().map_err(|e| e.to_string())??;
        Ok(Server {
            addr,
            data: data.to_owned(),
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills the server (every connection drops).
    pub fn kill(mut self) -> (PathBuf, SocketAddr) {
        self.stop_now();
        (self.data.clone(), self.addr)
    }

    fn stop_now(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Publishes files (checked and extracted as uploads are) and records.
    pub async fn publish(&self, files: &[(MediaType, Vec<u8>)], records: Vec<Record>) -> u64 {
        for (media_type, bytes) in files {
            plenary_server::routes::store_file(
                &self.state,
                Sha256::of(bytes),
                *media_type,
                bytes.clone().into(),
            )
            .await
            .unwrap_or_else(|e| panic!("publishing a file: {}", e.message));
        }
        let head = self.state.store.publish(records).await.unwrap();
        self.state.announce(head);
        head
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// A meeting with one document and `sizes.len()` versions of random text
/// files (the server extracts their text, so each gets a rendition).
pub fn meeting(
    seed: u64,
    meeting: &str,
    sizes: &[usize],
) -> (Vec<(MediaType, Vec<u8>)>, Vec<Record>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mid: MeetingId = meeting.parse().unwrap();
    let doc: DocumentId = format!("{meeting}-doc").parse().unwrap();
    let mut files = Vec::new();
    let mut records = vec![
        Record::Meeting(Meeting {
            id: mid.clone(),
            title: format!("Meeting {meeting}"),
            body: "Convention on Cluster Munitions".into(),
            venue: "Palais des Nations".into(),
            city: "Geneva".into(),
            starts_on: date!(2024 - 09 - 10),
            ends_on: date!(2024 - 09 - 13),
            symbol_prefix: None,
        }),
        Record::Document(Document {
            id: doc.clone(),
            meeting_id: mid,
            symbol: None,
            title: "Draft final report".into(),
            kind: DocumentKind::Draft,
            agenda_item_id: None,
        }),
    ];
    for (i, &size) in sizes.iter().enumerate() {
        let bytes: Vec<u8> = (0..size)
            .map(|_| b"abcdefghij klmnopqrstuvwxyz\n"[rng.random_range(0..28)])
            .collect();
        let language = Language::ALL[i % 6];
        records.push(Record::Version(Version {
            id: format!("{doc}-{language}-r{}", i / 6).parse().unwrap(),
            document_id: doc.clone(),
            language,
            revision: (i / 6) as u32,
            label: format!("Rev.{}", i / 6),
            published_at: datetime!(2024-09-10 10:00 UTC),
            sha256: Sha256::of(&bytes),
            size: bytes.len() as u64,
            media_type: MediaType::Text,
            file_name: format!("{meeting}-{i}.txt"),
        }));
        files.push((MediaType::Text, bytes));
    }
    (files, records)
}

/// Checks what must hold after any fault: the cache opens, its database is
/// intact, every stored file matches its hash, nothing sits in `tmp/`, and
/// no partial is anywhere but `partial/`. Returns the cache.
pub fn check_cache_sound(dir: &Path) -> Cache {
    let cache = Cache::open(dir).unwrap_or_else(|e| panic!("the cache must open: {e}"));
    let (integrity, report) = cache.verify().unwrap();
    assert_eq!(integrity, "ok", "database integrity");
    assert!(
        report.quarantined.is_empty(),
        "a damaged file sat at a final path: {:?}",
        report.quarantined
    );
    let blobs = cache.blobs().root().to_owned();
    for entry in walk(&blobs.join("objects")) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.ends_with(".part") && name.len() == 62,
            "unexpected file among the blobs: {}",
            entry.display()
        );
    }
    cache
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

/// Asserts that the cache holds exactly what the server published: every
/// version, every file (verified), every text.
pub async fn assert_equals_server(cache: &Cache, server: &AppState) {
    let page = server
        .store
        .feed(0, 100_000, &plenary_server::store::Viewer::Anonymous)
        .await
        .unwrap();
    let mut published: Vec<Version> = page
        .records
        .into_iter()
        .filter_map(|r| match r {
            Record::Version(v) => Some(v),
            _ => None,
        })
        .collect();
    published.sort_by(|a, b| a.id.cmp(&b.id));
    let mut cached = cache.all_versions().unwrap();
    cached.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(cached, published, "the cache's versions are the server's");
    for v in &published {
        let bytes = cache.blobs().read(&v.sha256).unwrap_or_else(|e| {
            panic!("{} ({}) must be downloaded and intact: {e}", v.id, v.sha256)
        });
        assert_eq!(bytes.len() as u64, v.size);
        let server_text = server.store.rendition(v.sha256).await.unwrap().unwrap();
        let text = cache
            .rendition(&v.sha256)
            .unwrap()
            .unwrap_or_else(|| panic!("no text for {}", v.id));
        assert_eq!(
            serde_json::to_value(&text).unwrap(),
            serde_json::to_value(&server_text).unwrap(),
            "the text of {}",
            v.id
        );
    }
    assert!(
        cache.blobs().partials().unwrap().is_empty(),
        "no partial download is left after a complete sync"
    );
}

/// What the proxy does to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Forward this many body bytes, then close the connection.
    Cut { after: usize },
    /// Flip a byte of the body at this offset.
    Corrupt { at: usize },
    /// Answer this status (with `Retry-After` if given) without asking the server.
    Status { code: u16, retry_after: Option<u64> },
    /// Forward this many body bytes, then send nothing more (keeping the
    /// connection open) until the client gives up.
    Stall { after: usize },
}

#[derive(Debug, Clone)]
struct Rule {
    path_contains: String,
    fault: Fault,
    times: usize,
}

/// A fault-injecting HTTP/1.1 proxy: every request gets `Connection: close`
/// so that each connection carries one request, which rules then target by path.
#[derive(Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    rules: Arc<Mutex<Vec<Rule>>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            upstream: Arc::new(Mutex::new(upstream)),
            rules: Arc::default(),
            log: Arc::default(),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let p = p.clone();
                tokio::spawn(async move { p.serve(client).await });
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Applies `fault` to the next `times` requests whose path contains `path`.
    pub fn fault(&self, path: &str, fault: Fault, times: usize) {
        self.rules.lock().unwrap().push(Rule {
            path_contains: path.to_owned(),
            fault,
            times,
        });
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// Every request seen ("GET /v1/files/.. range=bytes=N- fault=..").
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self, needle: &str) -> usize {
        self.log().iter().filter(|l| l.contains(needle)).count()
    }

    pub fn dump(&self) -> String {
        self.log().join("\n")
    }

    async fn serve(&self, mut client: TcpStream) {
        let Some(head) = read_head(&mut client).await else {
            return;
        };
        let text = String::from_utf8_lossy(&head).into_owned();
        let method = text.split_whitespace().next().unwrap_or("").to_owned();
        let path = text.split_whitespace().nth(1).unwrap_or("").to_owned();
        // A request body (PUT, POST) follows the head: read it whole.
        let length: usize = text
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        if client.read_exact(&mut body).await.is_err() {
            return;
        }
        let range = text
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("range").then(|| v.trim().to_owned())
            })
            .unwrap_or_default();
        let fault = {
            let mut rules = self.rules.lock().unwrap();
            rules
                .iter_mut()
                .find(|r| r.times > 0 && path.contains(&r.path_contains))
                .map(|r| {
                    r.times -= 1;
                    r.fault.clone()
                })
        };
        self.log
            .lock()
            .unwrap()
            .push(format!("{method} {path} range={range} fault={fault:?}"));
        if let Some(Fault::Status { code, retry_after }) = fault {
            let body =
                r#"{"error":{"code":"injected","message":"fault injected by the test proxy"}}"#;
            let extra = retry_after
                .map(|s| format!("Retry-After: {s}\r\n"))
                .unwrap_or_default();
            let resp = format!(
                "HTTP/1.1 {code} Injected\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = client.write_all(resp.as_bytes()).await;
            return;
        }
        let upstream_addr = *self.upstream.lock().unwrap();
        let Ok(mut upstream) = TcpStream::connect(upstream_addr).await else {
            return; // the client sees the connection close without an answer
        };
        // One request per connection.
        let mut request = String::new();
        for line in text.split("\r\n").filter(|l| !l.is_empty()) {
            if !line.to_ascii_lowercase().starts_with("connection:") {
                request.push_str(line);
                request.push_str("\r\n");
            }
        }
        request.push_str("Connection: close\r\n\r\n");
        if upstream.write_all(request.as_bytes()).await.is_err()
            || upstream.write_all(&body).await.is_err()
        {
            return;
        }
        // Response: head as is, then the body with the fault applied.
        let mut buf = vec![0u8; 64 * 1024];
        let mut pending = Vec::new();
        let mut body_at: Option<usize> = None; // body bytes forwarded so far
        loop {
            let n = match upstream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let mut chunk = buf[..n].to_vec();
            let mut body_start = 0;
            if body_at.is_none() {
                pending.extend_from_slice(&chunk);
                let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                chunk = std::mem::take(&mut pending);
                body_start = end + 4;
                body_at = Some(0);
            }
            let before = body_at.unwrap();
            let body_len = chunk.len() - body_start;
            match fault {
                Some(Fault::Corrupt { at }) if at >= before && at < before + body_len => {
                    chunk[body_start + at - before] ^= 0x55;
                }
                Some(Fault::Cut { after }) | Some(Fault::Stall { after })
                    if before + body_len >= after =>
                {
                    let keep = body_start + after.saturating_sub(before);
                    let _ = client.write_all(&chunk[..keep]).await;
                    let _ = client.flush().await;
                    if let Some(Fault::Stall { .. }) = fault {
                        self.log.lock().unwrap().push(format!("STALLED {path}"));
                        // Hold until the client gives up and closes.
                        let mut sink = [0u8; 1024];
                        while matches!(client.read(&mut sink).await, Ok(n) if n > 0) {}
                    }
                    return;
                }
                _ => {}
            }
            body_at = Some(before + body_len);
            if client.write_all(&chunk).await.is_err() {
                return;
            }
        }
    }
}

async fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    Some(head)
}
