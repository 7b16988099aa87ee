//! Fan-out at a meeting's scale: live events to every laptop in the room and
//! a new document downloaded by all of them at once. Numbers, not pass/fail.
//!
//! ```sh
//! cargo run --release -p plenary-server --bin fanout-bench [-- --clients 2000 --rounds 5 --file-mb 2 --runs 3 --hot-mb 256]
//! ```
//!
//! The server runs as a child process (this binary with `--server-child`,
//! which opens and serves a data folder exactly as `plenary-server serve`
//! does), so its memory is measured alone from `/proc/PID/status`.
//!
//! (a) `--clients` connections to `/v1/events`. Memory per idle connection is
//!     (server RSS with all of them connected − RSS before) / clients. Then
//!     `--rounds` staff uploads (a file PUT, then the version record POSTed);
//!     latency is from the moment the POST's response has been read to the
//!     moment each client has read the event (0 if the event came first).
//! (b) The same number of clients download one new `--file-mb` file at once,
//!     from the server and from a minimal static server (another child) that
//!     writes the same bytes from memory with a fixed header: the loopback
//!     limit on this machine, measured in the same run with the same clients.
//!     Connections are opened first, then every request goes out together;
//!     throughput is clients × size / time until the last body is read.
//!     `--hot-mb 0` turns off the server's in-memory file cache (`hot`), to
//!     compare with files served from disk.
//! (c) "Nothing new": `--feed-connections` keep-alive connections each ask
//!     `/v1/feed?since=<head>` again as soon as the answer is read, for
//!     `--feed-secs` seconds; requests per second, anonymous (a public
//!     meeting) and with a reader's token (checked on every request), against
//!     the minimal static server answering the same bytes over the same
//!     connections (the same client, on the same two cores), `--runs` times.
//!
//! The clients speak HTTP/1.1 over raw sockets so that the bench measures the
//! server, not a client library.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use plenary_server::store::{Role, SqliteStore, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Barrier, Semaphore, mpsc};

#[derive(Debug, Clone, Copy)]
struct Options {
    clients: usize,
    rounds: usize,
    file_mb: usize,
    runs: usize,
    hot_mb: u64,
    feed_connections: usize,
    feed_secs: f64,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--server-child") => return server_child(&args[1], args[2].parse()?),
        Some("--baseline-child") => return baseline_child(&args[1]),
        _ => {}
    }
    let mut o = Options {
        clients: 2000,
        rounds: 5,
        file_mb: 2,
        runs: 3,
        hot_mb: 256,
        feed_connections: 64,
        feed_secs: 3.0,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || -> Result<usize> { Ok(it.next().context("a number")?.parse()?) };
        match a.as_str() {
            "--clients" => o.clients = value()?,
            "--rounds" => o.rounds = value()?,
            "--file-mb" => o.file_mb = value()?,
            "--runs" => o.runs = value()?,
            "--hot-mb" => o.hot_mb = value()? as u64,
            "--feed-connections" => o.feed_connections = value()?,
            "--feed-secs" => o.feed_secs = value()? as f64,
            other => bail!(
                "unknown argument {other:?} (--clients, --rounds, --file-mb, --runs, --hot-mb, --feed-connections, --feed-secs)"
            ),
        }
    }
    // Each client is a socket here and one in the server: raise the limit
    // (the children inherit it).
    let limit = rlimit::increase_nofile_limit(u64::MAX)?;
    if (limit as usize) < o.clients + 100 {
        bail!(
            "the open file limit is {limit}; {} clients need more",
            o.clients
        );
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(bench(o))
}

// -------------------------------------------------------------- children ---

/// Serves a data folder as `plenary-server serve` does, until killed.
/// `hot_mb` 0 serves every file from disk (how it was before `hot`).
fn server_child(data: &str, hot_mb: u64) -> Result<()> {
    rlimit::increase_nofile_limit(u64::MAX)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let mut config = plenary_server::Config::new(data);
            config.hot_files_bytes = hot_mb * 1024 * 1024;
            let state = plenary_server::AppState::open(config).await?;
            let running = plenary_server::serve(state, "127.0.0.1:0".parse()?).await?;
            println!("listening on {}", running.addr);
            std::future::pending::<()>().await;
            Ok(())
        })
}

/// The loopback limit: the same bytes from memory, nothing else.
fn baseline_child(file: &str) -> Result<()> {
    rlimit::increase_nofile_limit(u64::MAX)?;
    let body: Arc<[u8]> = std::fs::read(file)?.into();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            println!("listening on {}", listener.local_addr()?);
            // Head and body in one buffer: one write per response.
            let mut response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            response.extend_from_slice(&body);
            let response: Arc<[u8]> = response.into();
            loop {
                let (mut conn, _) = listener.accept().await?;
                let _ = conn.set_nodelay(true);
                let response = response.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let mut seen = Vec::new();
                    loop {
                        let Ok(n) = conn.read(&mut buf).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        seen.extend_from_slice(&buf[..n]);
                        while let Some(end) = find(&seen, b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            if conn.write_all(&response).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        })
}

/// Requests per second over `connections` keep-alive connections, each
/// sending the next request as soon as the previous answer (a 200 with a
/// `content-length` body) is read, for `secs` seconds.
async fn hammer(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    connections: usize,
    secs: f64,
) -> Result<f64> {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    let request: Arc<[u8]> = request.into_bytes().into();
    let barrier = Arc::new(Barrier::new(connections + 1));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (request, barrier, stop) = (request.clone(), barrier.clone(), stop.clone());
        tasks.spawn(async move {
            let mut conn = TcpStream::connect(addr).await?;
            conn.set_nodelay(true)?;
            barrier.wait().await;
            let mut buf = vec![0u8; 16 * 1024];
            let mut done = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                conn.write_all(&request).await?;
                let mut have = 0usize;
                loop {
                    let n = conn.read(&mut buf[have..]).await?;
                    if n == 0 {
                        bail!("connection closed after {done} answers");
                    }
                    have += n;
                    let Some(end) = find(&buf[..have], b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    if !head.starts_with("http/1.1 200") {
                        bail!("{}", head.lines().next().unwrap_or_default());
                    }
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .context("no content-length")?;
                    if have >= end + 4 + len {
                        break;
                    }
                }
                done += 1;
            }
            anyhow::Ok(done)
        });
    }
    barrier.wait().await;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0u64;
    while let Some(r) = tasks.join_next().await {
        total += r??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// A child process of this binary that prints `listening on ADDR` first.
struct Spawned {
    child: Child,
    addr: SocketAddr,
}

impl Spawned {
    fn start(mode: &str, arg: &std::path::Path, extra: &str) -> Result<Spawned> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg(mode)
            .arg(arg)
            .arg(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("{mode} printed {line:?}"))?
            .parse()?;
        Ok(Spawned { child, addr })
    }

    /// Resident memory, in bytes.
    fn rss(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .context("no VmRSS")?
            .parse()?;
        Ok(kb * 1024)
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------------ http ---

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One request on its own connection; the status and body (read to EOF).
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, Vec<u8>)> {
    let mut conn = TcpStream::connect(addr).await?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).await?;
    conn.write_all(body).await?;
    let mut response = Vec::new();
    conn.read_to_end(&mut response).await?;
    let end = find(&response, b"\r\n\r\n").context("no response head")?;
    let status = std::str::from_utf8(&response[9..12])?.parse()?;
    let mut body = response.split_off(end + 4);
    if response
        .to_ascii_lowercase()
        .windows(26)
        .any(|w| w == b"transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = find(data, b"\r\n") {
        let size = std::str::from_utf8(&data[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || data.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
    out
}

async fn expect_ok(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<serde_json::Value> {
    let (status, body) = request(addr, method, path, headers, body).await?;
    if !(200..300).contains(&status) {
        bail!(
            "{method} {path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(serde_json::from_slice(&body).unwrap_or_default())
}

/// Publishes `bytes` as a new English version of `doc`: the file, then its
/// record, as `plenary publish` does. Returns when the POST's response was
/// read and the cursor it reports.
async fn publish(
    addr: SocketAddr,
    token: &str,
    doc: &str,
    revision: u32,
    bytes: &[u8],
) -> Result<(Instant, u64)> {
    let sha = plenary_core::model::Sha256::of(bytes);
    let auth = format!("Bearer {token}");
    expect_ok(
        addr,
        "PUT",
        &format!("/v1/files/{sha}"),
        &[("Authorization", &auth), ("Content-Type", "text/plain")],
        bytes,
    )
    .await?;
    let record = serde_json::json!([{
        "type": "version", "id": format!("{doc}-en-r{revision}"), "document_id": doc,
        "language": "en", "revision": revision, "label": format!("Rev.{revision}"),
        "published_at": "2026-11-20T10:00:00Z", "sha256": sha.to_hex(), "size": bytes.len(),
        "media_type": "text/plain", "file_name": format!("{doc}-r{revision}.txt")
    }]);
    let body = serde_json::to_vec(&record)?;
    let v = expect_ok(
        addr,
        "POST",
        "/v1/records",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &body,
    )
    .await?;
    let done = Instant::now();
    Ok((done, v["cursor"].as_u64().context("no cursor")?))
}

// ------------------------------------------------------------------- sse ---

/// An event a client read: which client, the cursor, when.
type Receipt = (usize, u64, Instant);

/// Connects, reads the first event (the head), reports ready, then reports
/// every later event until the connection closes.
async fn sse_client(
    id: usize,
    addr: SocketAddr,
    gate: Arc<Semaphore>,
    ready: mpsc::UnboundedSender<Result<()>>,
    receipts: mpsc::UnboundedSender<Receipt>,
) {
    let permit = gate.acquire_owned().await;
    let conn = async {
        let mut conn = TcpStream::connect(addr).await?;
        conn.write_all(format!("GET /v1/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
            .await?;
        anyhow::Ok(conn)
    }
    .await;
    let mut conn = match conn {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let mut buf = vec![0u8; 1024];
    let mut pending = String::new();
    let mut first = true;
    let mut permit = Some(permit);
    loop {
        let n = match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let at = Instant::now();
        pending.push_str(&String::from_utf8_lossy(&buf[..n]));
        while let Some(start) = pending.find("data: ") {
            let rest = &pending[start + 6..];
            let Some(end) = rest.find('\n') else { break };
            let cursor = rest[..end].trim().parse().unwrap_or(0);
            pending.drain(..start + 6 + end);
            if first {
                first = false;
                permit.take(); // the next client may connect
                let _ = ready.send(Ok(()));
            } else {
                let _ = receipts.send((id, cursor, at));
            }
        }
        if pending.len() > 4096 {
            pending.clear();
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

// -------------------------------------------------------------- download ---

/// Opens `n` connections, then sends every request at once; returns the
/// seconds until the last full body was read, and the bytes read.
async fn download_all(addr: SocketAddr, path: &str, n: usize, size: usize) -> Result<(f64, u64)> {
    let gate = Arc::new(Semaphore::new(256));
    let mut conns = Vec::with_capacity(n);
    let mut connecting = tokio::task::JoinSet::new();
    for _ in 0..n {
        let gate = gate.clone();
        connecting.spawn(async move {
            let _p = gate.acquire_owned().await;
            let c = TcpStream::connect(addr).await?;
            c.set_nodelay(true)?;
            anyhow::Ok(c)
        });
    }
    while let Some(c) = connecting.join_next().await {
        conns.push(c??);
    }
    let barrier = Arc::new(Barrier::new(n + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for mut conn in conns {
        let barrier = barrier.clone();
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        tasks.spawn(async move {
            barrier.wait().await;
            conn.write_all(request.as_bytes()).await?;
            let mut buf = vec![0u8; 64 * 1024];
            let mut head = Vec::new();
            let mut body = 0usize;
            let mut want = None;
            loop {
                let n = conn.read(&mut buf).await?;
                if n == 0 {
                    bail!("connection closed after {body} bytes");
                }
                match want {
                    None => {
                        head.extend_from_slice(&buf[..n]);
                        if let Some(end) = find(&head, b"\r\n\r\n") {
                            let text = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
                            if !text.starts_with("http/1.1 200") {
                                bail!("{}", text.lines().next().unwrap_or_default());
                            }
                            let len = text
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .context("no content-length")?;
                            want = Some(len);
                            body = head.len() - end - 4;
                        }
                    }
                    Some(_) => body += n,
                }
                if want.is_some_and(|w| body >= w) {
                    return anyhow::Ok((Instant::now(), body as u64));
                }
            }
        });
    }
    barrier.wait().await;
    let started = Instant::now();
    let (mut last, mut bytes) = (started, 0u64);
    while let Some(r) = tasks.join_next().await {
        let (done, n) = r??;
        last = last.max(done);
        bytes += n;
    }
    if bytes != (n * size) as u64 {
        bail!("read {bytes} bytes, expected {}", n * size);
    }
    Ok(((last - started).as_secs_f64(), bytes))
}

// ----------------------------------------------------------------- bench ---

async fn bench(o: Options) -> Result<()> {
    let data = tempfile::tempdir()?;
    let token = {
        let store = SqliteStore::open(&data.path().join("server.sqlite3"))?;
        store.create_token(Role::Staff, "bench", None).await?.1
    };
    let server = Spawned::start("--server-child", data.path(), &o.hot_mb.to_string())?;
    let addr = server.addr;
    let auth = format!("Bearer {token}");
    let setup = serde_json::json!([
        {"type": "meeting", "id": "m", "title": "Bench meeting", "body": "B", "venue": "V",
         "city": "Geneva", "starts_on": "2026-11-20", "ends_on": "2026-11-21", "symbol_prefix": null},
        {"type": "document", "id": "d", "meeting_id": "m", "symbol": null, "title": "Bench",
         "kind": "report", "agenda_item_id": null}
    ]);
    expect_ok(
        addr,
        "POST",
        "/v1/records",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &serde_json::to_vec(&setup)?,
    )
    .await?;
    for _ in 0..20 {
        expect_ok(addr, "GET", "/v1/feed?since=0", &[], b"").await?;
    }
    println!(
        "fanout-bench: {} clients, {} upload rounds, a {} MB file, {} download runs; {} cores",
        o.clients,
        o.rounds,
        o.file_mb,
        o.runs,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    // (a) Live events.
    let rss_before = server.rss()?;
    let gate = Arc::new(Semaphore::new(256));
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let (receipt_tx, mut receipts) = mpsc::unbounded_channel::<Receipt>();
    let mut clients = tokio::task::JoinSet::new();
    let connect_started = Instant::now();
    for id in 0..o.clients {
        clients.spawn(sse_client(
            id,
            addr,
            gate.clone(),
            ready_tx.clone(),
            receipt_tx.clone(),
        ));
    }
    for _ in 0..o.clients {
        ready_rx
            .recv()
            .await
            .context("a client stopped before its first event")??;
    }
    let connect_secs = connect_started.elapsed().as_secs_f64();
    let rss_connected = server.rss()?;
    let per_conn = (rss_connected.saturating_sub(rss_before)) as f64 / o.clients as f64;

    let mut after_response = Vec::new();
    let mut after_request = Vec::new();
    let mut early = 0usize;
    for round in 0..o.rounds {
        let text = format!("Round {round}: the Chair's summary, revised.\n").repeat(20);
        let sent = Instant::now();
        let (done, cursor) = publish(addr, &token, "d", round as u32, text.as_bytes()).await?;
        let mut got = vec![false; o.clients];
        let mut count = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while count < o.clients {
            let (id, c, at) = tokio::time::timeout_at(deadline, receipts.recv())
                .await
                .with_context(|| {
                    format!(
                        "round {round}: only {count} of {} clients got the event within 30 s",
                        o.clients
                    )
                })?
                .context("clients gone")?;
            if c >= cursor && !got[id] {
                got[id] = true;
                count += 1;
                if at < done {
                    early += 1;
                }
                after_response.push(at.saturating_duration_since(done).as_secs_f64() * 1000.0);
                after_request.push((at - sent).as_secs_f64() * 1000.0);
            }
        }
    }
    let rss_after_rounds = server.rss()?;
    clients.abort_all();
    while clients.join_next().await.is_some() {}
    after_response.sort_by(f64::total_cmp);
    after_request.sort_by(f64::total_cmp);

    println!("\n(a) live events, {} clients on /v1/events", o.clients);
    println!("| measure | value | target |");
    println!("|---|---:|---:|");
    println!("| all clients connected and got the head | {connect_secs:.2} s | |");
    println!(
        "| server RSS before / with {} idle connections | {:.1} MB / {:.1} MB | |",
        o.clients,
        rss_before as f64 / 1e6,
        rss_connected as f64 / 1e6
    );
    println!(
        "| memory per idle event connection | {:.1} KB | < 10 KB |",
        per_conn / 1024.0
    );
    println!(
        "| RSS after {} rounds | {:.1} MB | |",
        o.rounds,
        rss_after_rounds as f64 / 1e6
    );
    for (name, v) in [
        ("after the upload's response", &after_response),
        ("after the upload's request was sent", &after_request),
    ] {
        println!(
            "| event latency {name}: p50 / p99 / max ({} events) | {:.1} / {:.1} / {:.1} ms | p99 < 100 ms |",
            v.len(),
            percentile(v, 0.5),
            percentile(v, 0.99),
            v.last().copied().unwrap_or(f64::NAN)
        );
    }
    println!(
        "| events read before the response was | {early} of {} | |",
        after_response.len()
    );

    // (b) Everyone downloads one new file.
    let size = o.file_mb * 1024 * 1024;
    let file: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    let (_, _) = publish(addr, &token, "d", o.rounds as u32, &file).await?;
    let sha = plenary_core::model::Sha256::of(&file);
    let file_path = data.path().join("baseline.bin");
    std::fs::write(&file_path, &file)?;
    let baseline = Spawned::start("--baseline-child", &file_path, "")?;
    let mut server_rates = Vec::new();
    let mut baseline_rates = Vec::new();
    for _ in 0..o.runs {
        let (secs, bytes) =
            download_all(addr, &format!("/v1/files/{sha}"), o.clients, size).await?;
        server_rates.push(bytes as f64 / secs / 1e9);
        let (secs, bytes) = download_all(baseline.addr, "/", o.clients, size).await?;
        baseline_rates.push(bytes as f64 / secs / 1e9);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (s, b) = (median(&mut server_rates), median(&mut baseline_rates));
    println!(
        "\n(b) {} clients download one new {} MB file at once ({:.1} GB per run; median of {} runs)",
        o.clients,
        o.file_mb,
        (o.clients * size) as f64 / 1e9,
        o.runs
    );
    println!("| server | throughput | ratio | target |");
    println!("|---|---:|---:|---:|");
    println!(
        "| minimal static server, bytes from memory (loopback limit) | {b:.2} GB/s | 100% | |"
    );
    println!(
        "| plenary-server /v1/files/{{sha256}} | {s:.2} GB/s | {:.0}% | >= 90% |",
        s / b * 100.0
    );
    println!(
        "runs (GB/s): server {:?}, baseline {:?}",
        server_rates
            .iter()
            .map(|r| (r * 100.0).round() / 100.0)
            .collect::<Vec<_>>(),
        baseline_rates
            .iter()
            .map(|r| (r * 100.0).round() / 100.0)
            .collect::<Vec<_>>()
    );
    drop(baseline);

    // (c) Nothing new: the change feed asked again at its head.
    let reader = {
        let store = SqliteStore::open(&data.path().join("server.sqlite3"))?;
        store
            .create_token(Role::Reader, "bench reader", None)
            .await?
            .1
    };
    let head = expect_ok(addr, "GET", "/v1/feed?since=0&limit=5000", &[], b"").await?["cursor"]
        .as_u64()
        .context("no cursor")?;
    let path = format!("/v1/feed?since={head}");
    let (status, answer) = request(addr, "GET", &path, &[], b"").await?;
    if status != 200 {
        bail!("{path}: {status}");
    }
    let answer_path = data.path().join("nothing-new.json");
    std::fs::write(&answer_path, &answer)?;
    let baseline = Spawned::start("--baseline-child", &answer_path, "")?;
    let reader_auth = format!("Bearer {reader}");
    let (mut anonymous, mut with_token, mut minimal) = (Vec::new(), Vec::new(), Vec::new());
    let (c, secs) = (o.feed_connections, o.feed_secs);
    hammer(addr, &path, &[], c, 0.5).await?; // warm up
    for _ in 0..o.runs {
        anonymous.push(hammer(addr, &path, &[], c, secs).await?);
        with_token.push(hammer(addr, &path, &[("Authorization", &reader_auth)], c, secs).await?);
        minimal.push(hammer(baseline.addr, "/", &[], c, secs).await?);
    }
    let (a, t, m) = (
        median(&mut anonymous),
        median(&mut with_token),
        median(&mut minimal),
    );
    println!(
        "\n(c) nothing new: GET {path} ({} byte answer) over {c} keep-alive connections, {secs} s, median of {} runs",
        answer.len(),
        o.runs
    );
    println!("| server | requests per second | ratio | target |");
    println!("|---|---:|---:|---:|");
    println!("| minimal static server, same bytes from memory | {m:.0} | 100% | |");
    println!(
        "| plenary-server, anonymous (public meeting) | {a:.0} | {:.0}% | > 20,000 |",
        a / m * 100.0
    );
    println!(
        "| plenary-server, reader token | {t:.0} | {:.0}% | > 20,000 |",
        t / m * 100.0
    );
    println!(
        "runs (req/s): anonymous {:?}, token {:?}, minimal {:?}",
        anonymous.iter().map(|r| r.round()).collect::<Vec<_>>(),
        with_token.iter().map(|r| r.round()).collect::<Vec<_>>(),
        minimal.iter().map(|r| r.round()).collect::<Vec<_>>()
    );
    Ok(())
}
