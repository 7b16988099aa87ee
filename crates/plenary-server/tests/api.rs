//! The HTTP API against the real `plenary-server` process on a free port.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use plenary_core::model::Sha256;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SERVER: &str = env!("CARGO_BIN_EXE_plenary-server");

struct Server {
    child: Child,
    url: String,
    data: tempfile::TempDir,
    http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(data: &Path, role: &str) -> String {
    let out = Command::new(SERVER)
        .arg("--data-dir")
        .arg(data)
        .args(["token", "create", "--role", role, "--name", role])
        .output()
        .unwrap();
    assert!(out.status.success(), "token create: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let data = tempfile::tempdir().unwrap();
        let mut child = Command::new(SERVER)
            .arg("--data-dir")
            .arg(data.path())
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server must print its address first, printed {line:?}"))
            .to_owned();
        Server {
            child,
            url,
            data,
            http: reqwest::Client::new(),
        }
    }

    fn token(&self, role: &str) -> String {
        token(self.data.path(), role)
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    async fn json(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("every answer must be JSON; got {status}: {text:?}"));
        (status, value)
    }

    /// Rows in a table of the server's real database (read-only, beside the server).
    fn rows(&self, table: &str) -> i64 {
        let conn = rusqlite::Connection::open_with_flags(
            self.data.path().join("server.sqlite3"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    /// Files in a folder of the file store (0 if it does not exist).
    fn stored(&self, dir: &str) -> usize {
        std::fs::read_dir(self.data.path().join("files").join(dir))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    async fn head(&self) -> u64 {
        let (_, v) = self.json(self.http.get(self.at("/v1/health"))).await;
        v["cursor"].as_u64().unwrap()
    }
}

/// Asserts a JSON error with this status and code.
#[track_caller]
fn assert_error(got: (StatusCode, Value), status: u16, code: &str) {
    assert_eq!(
        (got.0.as_u16(), got.1["error"]["code"].as_str()),
        (status, Some(code)),
        "expected {status} {code}, got {} {}",
        got.0,
        got.1
    );
    assert!(
        got.1["error"]["message"]
            .as_str()
            .is_some_and(|m| m.len() > 10),
        "errors carry a message for people: {}",
        got.1
    );
}

/// A GET written byte for byte: (status, body).
async fn raw_get(url: &str, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

fn meeting_records() -> Value {
    json!([
        {"type": "meeting", "id": "msp12", "title": "Twelfth Meeting of States Parties",
         "body": "Convention on Cluster Munitions", "venue": "Palais des Nations", "city": "Geneva",
         "starts_on": "2024-09-10", "ends_on": "2024-09-13", "symbol_prefix": "CCM/MSP/2024"},
        {"type": "agenda_item", "id": "msp12-5", "meeting_id": "msp12", "number": "5",
         "title": "General exchange of views", "position": 5},
        {"type": "document", "id": "wp3", "meeting_id": "msp12", "symbol": "CCM/MSP/2024/WP.3",
         "title": "Working paper on clearance", "kind": "working_paper", "agenda_item_id": "msp12-5"}
    ])
}

/// A multipart version upload.
fn version_form(bytes: Vec<u8>, media_type: &str, language: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("language", language.to_owned())
        .text("label", "Original")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("upload")
                .mime_str(media_type)
                .unwrap(),
        )
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A minimal but complete Word package (content types, relationships, body),
/// the parts Word itself requires, around `body` (children of `w:body`).
fn docx(body: &str) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "word/document.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
            ),
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

const TEXT: &[u8] =
    "Article 5\nEach State Party shall clear cluster munition remnants.\n".as_bytes();

#[tokio::test]
async fn publish_then_read_as_a_client_would() {
    let s = Server::start(&[]);
    let staff = s.token("staff");
    let (status, v) = s
        .json(
            s.http
                .post(s.at("/v1/records"))
                .bearer_auth(&staff)
                .json(&meeting_records()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let cursor = v["cursor"].as_u64().unwrap();

    // A new version through multipart, twice: the second is a no-op.
    let upload = || {
        reqwest::multipart::Form::new()
            .text("language", "en")
            .text("label", "Original")
            .part(
                "file",
                reqwest::multipart::Part::bytes(TEXT.to_vec())
                    .file_name("../../etc/wp3.txt")
                    .mime_str("text/plain")
                    .unwrap(),
            )
    };
    let (status, version) = s
        .json(
            s.http
                .post(s.at("/v1/documents/wp3/versions"))
                .bearer_auth(&staff)
                .multipart(upload()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    assert_eq!(version["revision"], 0);
    assert_eq!(
        version["file_name"], "wp3.txt",
        "client file names never carry paths"
    );
    let (status, again) = s
        .json(
            s.http
                .post(s.at("/v1/documents/wp3/versions"))
                .bearer_auth(&staff)
                .multipart(upload()),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "uploading the same file twice is idempotent"
    );
    assert_eq!(again["id"], version["id"]);

    // Anyone reads the public feed.
    let (_, page) = s.json(s.http.get(s.at("/v1/feed?since=0"))).await;
    let types: Vec<_> = page["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["meeting", "agenda_item", "document", "version"]);
    assert!(page["cursor"].as_u64().unwrap() > cursor);

    // Nothing new: one small response.
    let head = page["cursor"].as_u64().unwrap();
    let resp = s
        .http
        .get(s.at(&format!("/v1/feed?since={head}")))
        .send()
        .await
        .unwrap();
    let body = resp.bytes().await.unwrap();
    assert!(body.len() < 64, "a nothing-new answer is tiny: {body:?}");

    // Files: immutable, ETag, Range.
    let sha = Sha256::of(TEXT).to_hex();
    let url = s.at(&format!("/v1/files/{sha}"));
    let resp = s.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["etag"], format!("\"{sha}\"").as_str());
    assert!(
        resp.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(resp.headers()["content-type"], "text/plain");
    assert_eq!(resp.bytes().await.unwrap(), TEXT);
    let resp = s
        .http
        .get(&url)
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(resp.bytes().await.unwrap(), &TEXT[10..20]);
    let resp = s
        .http
        .get(&url)
        .header("If-None-Match", format!("\"{sha}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);

    // The text rendition.
    let (status, text) = s.json(s.http.get(format!("{url}/text"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text["status"], "ok");
    assert!(text["pages"][0].as_str().unwrap().contains("Article 5"));
    assert!(
        text.get("preview").is_none(),
        "only PDFs have a page-1 preview: {text}"
    );

    // Many texts in one request: the same bodies with their sha256; files
    // without a text (or unknown, or not visible) listed as missing.
    let unknown = Sha256::of(b"never published").to_hex();
    let (status, texts) = s
        .json(
            s.http
                .post(s.at("/v1/texts"))
                .json(&json!({"sha256": [sha, unknown]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{texts}");
    assert_eq!(texts["texts"].as_array().unwrap().len(), 1, "{texts}");
    assert_eq!(texts["texts"][0]["sha256"], sha.as_str());
    assert_eq!(
        texts["texts"][0]["pages"], text["pages"],
        "a text in a batch is the text asked for alone"
    );
    assert_eq!(texts["missing"], json!([unknown]));
    let too_many: Vec<String> = (0..101u32)
        .map(|i| Sha256::of(&i.to_le_bytes()).to_hex())
        .collect();
    assert_error(
        s.json(
            s.http
                .post(s.at("/v1/texts"))
                .json(&json!({ "sha256": too_many })),
        )
        .await,
        400,
        "too_many",
    );
    assert_error(
        s.json(
            s.http
                .post(s.at("/v1/texts"))
                .json(&json!({"sha256": ["abc"]})),
        )
        .await,
        400,
        "invalid_sha256",
    );

    // Withdrawing a version sends a tombstone.
    let (status, _) = s
        .json(
            s.http
                .delete(s.at(&format!("/v1/versions/{}", version["id"].as_str().unwrap())))
                .bearer_auth(&staff),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = s
        .json(s.http.get(s.at(&format!("/v1/feed?since={head}"))))
        .await;
    assert_eq!(page["records"][0]["type"], "tombstone");
    assert_eq!(page["records"][0]["entity"], "version");
    let (status, _) = s.json(s.http.get(&url)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a withdrawn file is no longer served to readers"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_json_error_and_changes_nothing() {
    let s = Server::start(&["--max-upload-mb", "1"]);
    let staff = s.token("staff");
    let reader = s.token("reader");
    s.json(
        s.http
            .post(s.at("/v1/records"))
            .bearer_auth(&staff)
            .json(&meeting_records()),
    )
    .await;
    let head = s.head().await;
    let sha = Sha256::of(TEXT).to_hex();
    let put = |body: Vec<u8>, sha: &str, ct: &str| {
        s.http
            .put(s.at(&format!("/v1/files/{sha}")))
            .bearer_auth(&staff)
            .header("Content-Type", ct)
            .body(body)
    };

    // Too large.
    let big = vec![b'a'; 2 * 1024 * 1024];
    let big_sha = Sha256::of(&big).to_hex();
    assert_error(
        s.json(put(big, &big_sha, "text/plain")).await,
        413,
        "too_large",
    );
    // Type does not match content.
    assert_error(
        s.json(put(TEXT.to_vec(), &sha, "application/pdf")).await,
        415,
        "type_mismatch",
    );
    assert_error(
        s.json(put(TEXT.to_vec(), &sha, "image/png")).await,
        415,
        "unsupported_type",
    );
    // Invalid UTF-8 as text.
    let latin1 = b"D\xe9claration".to_vec();
    let latin1_sha = Sha256::of(&latin1).to_hex();
    assert_error(
        s.json(put(latin1, &latin1_sha, "text/plain")).await,
        422,
        "invalid_utf8",
    );
    // Bytes that do not hash to the address.
    assert_error(
        s.json(put(b"other".to_vec(), &sha, "text/plain")).await,
        422,
        "hash_mismatch",
    );
    // Paths that try to escape.
    assert_error(
        s.json(s.http.get(s.at("/v1/files/..%2F..%2Fetc%2Fpasswd")))
            .await,
        400,
        "invalid_sha256",
    );
    assert_error(
        s.json(s.http.get(s.at("/v1/files/AAAA"))).await,
        400,
        "invalid_sha256",
    );
    // Sent as raw bytes, so that no client library normalises the dot segments.
    for path in [
        "/v1/files/../../../../etc/passwd",
        "/v1/files/%2e%2e/%2e%2e/etc/passwd",
    ] {
        let (status, body) = raw_get(&s.url, path).await;
        assert!(
            (400..500).contains(&status) && body.contains("\"error\"") && !body.contains("root:"),
            "{path}: {status} {body}"
        );
    }
    let form = || {
        reqwest::multipart::Form::new()
            .text("language", "de")
            .text("label", "Original")
            .part(
                "file",
                reqwest::multipart::Part::bytes(TEXT.to_vec())
                    .mime_str("text/plain")
                    .unwrap(),
            )
    };
    assert_error(
        s.json(
            s.http
                .post(s.at("/v1/documents/..%2Fsecret/versions"))
                .bearer_auth(&staff)
                .multipart(form()),
        )
        .await,
        400,
        "invalid_id",
    );
    // Unknown language; missing metadata.
    assert_error(
        s.json(
            s.http
                .post(s.at("/v1/documents/wp3/versions"))
                .bearer_auth(&staff)
                .multipart(form()),
        )
        .await,
        422,
        "invalid_language",
    );
    let no_label = reqwest::multipart::Form::new().text("language", "fr").part(
        "file",
        reqwest::multipart::Part::bytes(TEXT.to_vec())
            .mime_str("text/plain")
            .unwrap(),
    );
    assert_error(
        s.json(
            s.http
                .post(s.at("/v1/documents/wp3/versions"))
                .bearer_auth(&staff)
                .multipart(no_label),
        )
        .await,
        422,
        "missing_field",
    );
    // Invalid metadata: malformed JSON, a bad date, a dangling reference.
    assert_error(
        s.json(
            s.http
                .post(s.at("/v1/records"))
                .bearer_auth(&staff)
                .header("Content-Type", "application/json")
                .body(b"[{\"type\": \"meeting\", \xff}]".to_vec()),
        )
        .await,
        400,
        "invalid_json",
    );
    let mut bad_date = meeting_records();
    bad_date[0]["starts_on"] = json!("10 September");
    let got = s
        .json(
            s.http
                .post(s.at("/v1/records"))
                .bearer_auth(&staff)
                .json(&bad_date),
        )
        .await;
    assert_eq!(got.1["error"]["code"], "invalid_json", "{}", got.1);
    let dangling = json!([{"type": "document", "id": "wp9", "meeting_id": "no-such-meeting",
        "symbol": null, "title": "x", "kind": "report", "agenda_item_id": null}]);
    assert_error(
        s.json(
            s.http
                .post(s.at("/v1/records"))
                .bearer_auth(&staff)
                .json(&dangling),
        )
        .await,
        422,
        "invalid",
    );
    // A cursor from the future.
    assert_error(
        s.json(s.http.get(s.at(&format!("/v1/feed?since={}", head + 100))))
            .await,
        400,
        "cursor_from_the_future",
    );
    // Who may publish.
    assert_error(
        s.json(s.http.post(s.at("/v1/records")).json(&meeting_records()))
            .await,
        401,
        "unauthenticated",
    );
    assert_error(
        s.json(
            s.http
                .post(s.at("/v1/records"))
                .bearer_auth(&reader)
                .json(&meeting_records()),
        )
        .await,
        403,
        "forbidden",
    );
    assert_error(
        s.json(s.http.get(s.at("/v1/feed")).bearer_auth("plen_not-a-token"))
            .await,
        401,
        "invalid_token",
    );
    let revoked = s.token("staff");
    let tokens = Command::new(SERVER)
        .arg("--data-dir")
        .arg(s.data.path())
        .args(["token", "list"])
        .output()
        .unwrap();
    let listing = String::from_utf8(tokens.stdout).unwrap();
    assert!(
        !listing.contains(&revoked) && !listing.contains(&staff),
        "secrets are never shown again"
    );
    let last_id = listing
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let out = Command::new(SERVER)
        .arg("--data-dir")
        .arg(s.data.path())
        .args(["token", "revoke", last_id])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_error(
        s.json(
            s.http
                .post(s.at("/v1/records"))
                .bearer_auth(&revoked)
                .json(&meeting_records()),
        )
        .await,
        401,
        "token_revoked",
    );

    // The same through the multipart upload of a version.
    let upload = |token: &str, form: reqwest::multipart::Form| {
        s.http
            .post(s.at("/v1/documents/wp3/versions"))
            .bearer_auth(token)
            .multipart(form)
    };
    assert_error(
        s.json(upload(
            &reader,
            version_form(TEXT.to_vec(), "text/plain", "en"),
        ))
        .await,
        403,
        "forbidden",
    );
    assert_error(
        s.json(
            s.http
                .put(s.at(&format!("/v1/files/{sha}")))
                .bearer_auth(&reader)
                .header("Content-Type", "text/plain")
                .body(TEXT.to_vec()),
        )
        .await,
        403,
        "forbidden",
    );
    assert_error(
        s.json(
            s.http
                .delete(s.at("/v1/versions/wp3-en-r0"))
                .bearer_auth(&reader),
        )
        .await,
        403,
        "forbidden",
    );
    assert_error(
        s.json(upload(
            &staff,
            version_form(vec![b'a'; 2 * 1024 * 1024], "text/plain", "en"),
        ))
        .await,
        413,
        "too_large",
    );
    assert_error(
        s.json(upload(
            &staff,
            version_form(TEXT.to_vec(), "application/pdf", "en"),
        ))
        .await,
        415,
        "type_mismatch",
    );
    assert_error(
        s.json(upload(&staff, version_form(TEXT.to_vec(), DOCX, "en")))
            .await,
        415,
        "type_mismatch",
    );
    let pdf_as_text = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    assert_error(
        s.json(upload(
            &staff,
            version_form(pdf_as_text, "text/plain", "en"),
        ))
        .await,
        415,
        "type_mismatch",
    );
    let docx_as_text = docx("<w:p><w:r><w:t>x</w:t></w:r></w:p>");
    assert_error(
        s.json(upload(
            &staff,
            version_form(docx_as_text, "text/plain", "en"),
        ))
        .await,
        415,
        "type_mismatch",
    );
    assert_error(
        s.json(upload(
            &staff,
            version_form(b"D\xe9claration".to_vec(), "text/html", "en"),
        ))
        .await,
        422,
        "invalid_utf8",
    );
    assert_error(
        s.json(upload(
            &staff,
            version_form(TEXT.to_vec(), "text/plain", "en").text("revision", "first"),
        ))
        .await,
        422,
        "invalid_revision",
    );
    assert_error(
        s.json(upload(
            &staff,
            reqwest::multipart::Form::new()
                .text("language", "en")
                .text("label", "Original"),
        ))
        .await,
        422,
        "missing_field",
    );
    assert_error(
        s.json(upload(
            &staff,
            version_form(TEXT.to_vec(), "text/plain", "en").text("author", "x"),
        ))
        .await,
        400,
        "invalid_multipart",
    );
    assert_error(
        s.json(upload(&staff, version_form(Vec::new(), "text/plain", "en")))
            .await,
        400,
        "empty_file",
    );

    // An expired token: created to live one second, refused once that is over.
    let out = Command::new(SERVER)
        .arg("--data-dir")
        .arg(s.data.path())
        .args(["token", "create", "--role", "staff", "--expires-in", "1s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let expiring = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = s
            .json(s.http.get(s.at("/v1/feed")).bearer_auth(&expiring))
            .await;
        if got.0 == StatusCode::UNAUTHORIZED {
            assert_error(got, 401, "token_expired");
            break;
        }
        assert_eq!(got.0, StatusCode::OK, "{}", got.1);
        assert!(Instant::now() < deadline, "the token never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_error(
        s.json(
            s.http
                .post(s.at("/v1/records"))
                .bearer_auth(&expiring)
                .json(&meeting_records()),
        )
        .await,
        401,
        "token_expired",
    );
    let listing = Command::new(SERVER)
        .arg("--data-dir")
        .arg(s.data.path())
        .args(["token", "list"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(listing.stdout)
            .unwrap()
            .contains("expired")
    );
    for bad in ["0d", "30", "3x", "-1d"] {
        let out = Command::new(SERVER)
            .arg("--data-dir")
            .arg(s.data.path())
            .args(["token", "create", "--role", "staff", "--expires-in", bad])
            .output()
            .unwrap();
        assert!(!out.status.success(), "--expires-in {bad} must be refused");
    }

    // Nothing above was half-written: no feed entry, no file row, no text, no bytes.
    assert_eq!(s.head().await, head, "no refused request may move the feed");
    let (_, page) = s.json(s.http.get(s.at("/v1/feed?since=0"))).await;
    assert_eq!(page["records"].as_array().unwrap().len(), 3);
    for hash in [sha, big_sha, latin1_sha] {
        let (status, _) = s.json(s.http.get(s.at(&format!("/v1/files/{hash}")))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert_eq!(s.rows("entities"), 3);
    assert_eq!(s.rows("files"), 0, "no refused upload may leave a file row");
    assert_eq!(s.rows("renditions"), 0);
    assert_eq!(s.stored("objects"), 0, "no refused upload may leave a file");
    assert_eq!(s.stored("tmp"), 0, "nor a partly written one");
}

#[tokio::test]
async fn live_events_announce_each_publication() {
    let s = Server::start(&[]);
    let staff = s.token("staff");
    let resp = s.http.get(s.at("/v1/events")).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut stream = resp.bytes_stream();
    let mut seen = String::new();
    // The next event named `name` (others, and heartbeats, are skipped).
    let mut next_event = async |seen: &mut String, name: &str| -> u64 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(end) = seen.find("\n\n") {
                let event: String = seen.drain(..end + 2).collect();
                let named = event.lines().any(|l| l == format!("event: {name}"));
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: "))
                    && named
                {
                    return data.parse().unwrap();
                }
                continue; // a heartbeat comment, or another event
            }
            let chunk = tokio::time::timeout_at(deadline.into(), stream.next())
                .await
                .expect("an event within 20 s")
                .unwrap()
                .unwrap();
            seen.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    };
    assert_eq!(
        next_event(&mut seen, "cursor").await,
        0,
        "the head is sent at once"
    );
    assert_eq!(
        next_event(&mut seen, "notes").await,
        0,
        "and the shared notes' head"
    );
    let (_, v) = s
        .json(
            s.http
                .post(s.at("/v1/records"))
                .bearer_auth(&staff)
                .json(&meeting_records()),
        )
        .await;
    let published = v["cursor"].as_u64().unwrap();
    assert_eq!(next_event(&mut seen, "cursor").await, published);
}

#[tokio::test]
async fn restricted_meetings_are_seen_only_by_members_and_staff() {
    let s = Server::start(&[]);
    let staff = s.token("staff");
    let admin = s.token("admin");
    let member = s.token("reader");
    let outsider = s.token("reader");
    s.json(
        s.http
            .post(s.at("/v1/records"))
            .bearer_auth(&staff)
            .json(&meeting_records()),
    )
    .await;
    let listing = Command::new(SERVER)
        .arg("--data-dir")
        .arg(s.data.path())
        .args(["token", "list"])
        .output()
        .unwrap();
    let listing = String::from_utf8(listing.stdout).unwrap();
    let member_id = listing
        .lines()
        .nth(2)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_error(
        s.json(
            s.http
                .put(s.at("/v1/meetings/msp12/access"))
                .bearer_auth(&staff)
                .json(&json!({"restricted": true, "members": [member_id]})),
        )
        .await,
        403,
        "forbidden",
    );
    let (status, v) = s
        .json(
            s.http
                .put(s.at("/v1/meetings/msp12/access"))
                .bearer_auth(&admin)
                .json(&json!({"restricted": true, "members": [member_id]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let count = |v: &Value| v["records"].as_array().unwrap().len();
    let (_, anon) = s.json(s.http.get(s.at("/v1/feed"))).await;
    assert_eq!(
        count(&anon),
        0,
        "anonymous readers do not see a restricted meeting"
    );
    let (_, out) = s
        .json(s.http.get(s.at("/v1/feed")).bearer_auth(&outsider))
        .await;
    assert_eq!(count(&out), 0);
    let (_, mem) = s
        .json(s.http.get(s.at("/v1/feed")).bearer_auth(&member))
        .await;
    assert_eq!(count(&mem), 3);
    assert_eq!(
        anon["cursor"], mem["cursor"],
        "everyone's cursor reaches the head"
    );
}

#[tokio::test]
async fn the_openapi_document_matches_the_real_routes() {
    let s = Server::start(&[]);
    let (status, doc) = s.json(s.http.get(s.at("/v1/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 9);
    for (path, ops) in paths {
        let concrete = path
            .replace("{sha256}", &"0".repeat(64))
            .replace("{id}", "some-id")
            .replace("{group}", "some-group");
        for method in ops.as_object().unwrap().keys() {
            let req = s
                .http
                .request(method.to_uppercase().parse().unwrap(), s.at(&concrete));
            let resp = req.send().await.unwrap();
            assert_ne!(
                resp.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "documented {method} {path} is not routed"
            );
            let text = if resp.headers()["content-type"] == "text/event-stream" {
                String::new()
            } else {
                resp.text().await.unwrap()
            };
            assert!(
                !text.contains("no_such_route"),
                "documented {method} {path} is not routed"
            );
        }
    }
    let (status, v) = s.json(s.http.get(s.at("/v1/undocumented"))).await;
    assert_eq!(
        (status.as_u16(), v["error"]["code"].as_str()),
        (404, Some("no_such_route"))
    );
}

/// The client library staff tools use (`plenary_core::publish`, behind the
/// app's drop-to-publish) against the real server: who am I, publish a new
/// revision and a translation of it, idempotence, and refusals with the
/// server's own codes.
#[tokio::test]
async fn the_publishing_client_speaks_the_servers_api() {
    use plenary_core::publish::{NewVersion, Publisher};
    let s = Server::start(&[]);
    let staff = s.token("staff");
    let reader = s.token("reader");
    let (status, v) = s
        .json(
            s.http
                .post(s.at("/v1/records"))
                .bearer_auth(&staff)
                .json(&meeting_records()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    let as_staff = Publisher::new(&s.url, Some(staff)).unwrap();
    let as_reader = Publisher::new(&s.url, Some(reader)).unwrap();
    let anonymous = Publisher::new(&s.url, None).unwrap();
    let me = as_staff.identity().await.unwrap();
    assert_eq!((me.role.as_str(), me.name.as_str()), ("staff", "staff"));
    assert!(me.can_publish());
    assert!(!as_reader.identity().await.unwrap().can_publish());
    assert_eq!(anonymous.identity().await.unwrap().role, "anonymous");

    let new = |language: &str, label: &str, bytes: &[u8]| NewVersion {
        document_id: "wp3".parse().unwrap(),
        language: language.parse().unwrap(),
        label: label.into(),
        revision: None,
        file_name: "wp3.txt".into(),
        media_type: "text/plain".parse().unwrap(),
        bytes: bytes.to_vec(),
    };
    let original = as_staff
        .publish_version(new("en", "Original", TEXT))
        .await
        .unwrap();
    assert!(original.created);
    assert_eq!(original.version.revision, 0);
    let revised = as_staff
        .publish_version(new("en", "Rev.1", b"Article 5 (revised)\n"))
        .await
        .unwrap();
    assert_eq!(
        (revised.created, revised.version.revision),
        (true, 1),
        "a new label is the next revision"
    );
    let french = as_staff
        .publish_version(new("fr", "Rev.1", "Article 5 (révisé)\n".as_bytes()))
        .await
        .unwrap();
    assert_eq!(
        french.version.revision, 1,
        "a label other languages use joins that revision"
    );
    let again = as_staff
        .publish_version(new("fr", "Rev.1", "Article 5 (révisé)\n".as_bytes()))
        .await
        .unwrap();
    assert!(!again.created, "the same file twice is idempotent");
    assert_eq!(again.version.id, french.version.id);

    let refused = as_reader
        .publish_version(new("es", "Rev.1", b"Articulo 5\n"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "forbidden", "{refused}");
    let next = as_staff
        .publish_version(new("en", "Rev.2", b"other bytes\n"))
        .await
        .map(|p| p.version.revision);
    assert_eq!(next.unwrap(), 2, "a third label is the third revision");
    let down = Publisher::new("http://127.0.0.1:9", None).unwrap();
    assert_eq!(down.identity().await.unwrap_err().code(), "unreachable");
}

/// Publishes `bytes` as a version of `document` (created on the fly in the
/// test meeting) and returns the version and its text rendition.
async fn publish_version(
    s: &Server,
    staff: &str,
    document: &str,
    language: &str,
    media_type: &str,
    bytes: Vec<u8>,
) -> (Value, Value) {
    let doc = json!([{"type": "document", "id": document, "meeting_id": "msp12",
        "symbol": null, "title": document, "kind": "report", "agenda_item_id": null}]);
    let (status, v) = s
        .json(
            s.http
                .post(s.at("/v1/records"))
                .bearer_auth(staff)
                .json(&doc),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let sha = Sha256::of(&bytes).to_hex();
    let (status, version) = s
        .json(
            s.http
                .post(s.at(&format!("/v1/documents/{document}/versions")))
                .bearer_auth(staff)
                .multipart(version_form(bytes, media_type, language)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{document}: {version}");
    assert_eq!(version["sha256"], sha.as_str());
    let (status, text) = s
        .json(s.http.get(s.at(&format!("/v1/files/{sha}/text"))))
        .await;
    assert_eq!(status, StatusCode::OK, "{document}: {text}");
    (version, text)
}

fn pages(rendition: &Value) -> Vec<&str> {
    rendition["pages"]
        .as_array()
        .unwrap_or_else(|| panic!("no pages: {rendition}"))
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect()
}

/// Letters only, lower-cased: the aligned paragraphs drop footnote numbers
/// and join hyphenated line ends, which the PDF's text keeps.
fn letters(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Real PDFs from the corpus: UN documents come out page by page with their
/// known paragraphs; Arabic comes out as Arabic; an encrypted and a damaged
/// PDF are still published, with the text marked unavailable and why.
#[tokio::test]
async fn corpus_pdfs_are_published_page_by_page_or_say_why_there_is_no_text() {
    let Some(corpus) = plenary_server::corpus::require("corpus PDF renditions") else {
        return;
    };
    let s = Server::start(&[]);
    let staff = s.token("staff");
    s.json(
        s.http
            .post(s.at("/v1/records"))
            .bearer_auth(&staff)
            .json(&meeting_records()),
    )
    .await;
    let read = |rel: &str| std::fs::read(corpus.join(rel)).unwrap();
    let labels = |rel: &str| -> Vec<String> {
        let v: Value = serde_json::from_slice(&read(rel)).unwrap();
        v["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| letters(p["main_language"].as_str().unwrap()))
            .collect()
    };

    for (doc, lang, file, label_file, page_count, min_found) in [
        (
            "ohchr1en",
            "en",
            "un-documents/huridocs-ohchr/ohchr_1_en.pdf",
            "un-documents/huridocs-ohchr/labels/ohchr_1_en_ru.json",
            16,
            0.8,
        ),
        (
            "ohchr1ru",
            "ru",
            "un-documents/huridocs-ohchr/ohchr_1_ru.pdf",
            "un-documents/huridocs-ohchr/labels/ohchr_1_ru_en.json",
            18,
            0.5,
        ),
    ] {
        let (_, text) = publish_version(&s, &staff, doc, lang, "application/pdf", read(file)).await;
        assert_eq!(text["status"], "ok", "{file}: {text}");
        // Page 1's picture comes with the text: a PNG of an A4 page.
        let preview: plenary_core::sync::text::WirePreview =
            serde_json::from_value(text["preview"].clone())
                .unwrap_or_else(|e| panic!("{file}: a PDF's text brings a preview ({e})"));
        let preview = preview.decode().unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            (preview.width_pt - 595.0).abs() < 2.0 && (preview.height_pt - 842.0).abs() < 2.0,
            "{file}: page 1 is A4, not {} x {} pt",
            preview.width_pt,
            preview.height_pt
        );
        let (w, h) = plenary_server::extract::png_size(&preview.png).expect("a PNG");
        assert!(
            (900..=1100).contains(&w) && h > w,
            "{file}: drawn at ~120 dpi, upright: {w} x {h} px"
        );
        assert_eq!(text["extractor"], "pdftotext");
        let pages = pages(&text);
        assert_eq!(
            pages.len(),
            page_count,
            "{file}: one rendition page per PDF page"
        );
        let flat = letters(&pages.join("\n"));
        let known = labels(label_file);
        let found = known.iter().filter(|p| flat.contains(p.as_str())).count();
        assert!(
            found as f64 >= min_found * known.len() as f64,
            "{file}: only {found} of {} aligned paragraphs found",
            known.len()
        );
        if lang == "ru" {
            assert!(
                flat.contains("советпоправамчеловека"),
                "{file}: Cyrillic text"
            );
        }
    }

    let (_, text) = publish_version(
        &s,
        &staff,
        "habibi",
        "ar",
        "application/pdf",
        read("pdf/py-pdf-sample-files/015-arabic/habibi.pdf"),
    )
    .await;
    assert_eq!(text["status"], "ok", "{text}");
    let arabic = pages(&text)
        .concat()
        .chars()
        .filter(|c| ('\u{600}'..='\u{6ff}').contains(c))
        .count();
    assert!(arabic >= 5, "Arabic letters come out as Arabic: {text}");

    // Encrypted with a user password: published, no text, and the reason says so.
    let (version, text) = publish_version(
        &s,
        &staff,
        "locked",
        "en",
        "application/pdf",
        read("pdf/py-pdf-sample-files/005-libreoffice-writer-password/libreoffice-writer-password.pdf"),
    )
    .await;
    assert_eq!(text["status"], "unavailable", "{text}");
    assert!(
        text["reason"].as_str().unwrap().contains("password"),
        "the reason names the password: {text}"
    );
    assert!(
        text.get("preview").is_none(),
        "no picture of a page poppler cannot open: {text}"
    );
    let resp = s
        .http
        .get(s.at(&format!(
            "/v1/files/{}",
            version["sha256"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "the file itself is served");

    // Damaged (a broken cross-reference table): published either way; text
    // if poppler can rebuild the file, else a reason.
    let (_, text) = publish_version(
        &s,
        &staff,
        "damaged",
        "en",
        "application/pdf",
        read("pdf/py-pdf-sample-files/017-unreadable-meta-data/unreadablemetadata.pdf"),
    )
    .await;
    match text["status"].as_str() {
        Some("ok") => assert!(!pages(&text).is_empty()),
        Some("unavailable") => assert!(text["reason"].as_str().unwrap().len() > 10),
        other => panic!("unexpected rendition status {other:?}: {text}"),
    }

    // Every one of them reached the feed.
    let (_, page) = s.json(s.http.get(s.at("/v1/feed?since=0"))).await;
    let versions = page["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "version")
        .count();
    assert_eq!(versions, 5);
}

#[tokio::test]
async fn docx_versions_are_published_with_their_text_page_by_page() {
    let s = Server::start(&[]);
    let staff = s.token("staff");
    s.json(
        s.http
            .post(s.at("/v1/records"))
            .bearer_auth(&staff)
            .json(&meeting_records()),
    )
    .await;
    let bytes = docx(concat!(
        r#"<w:p><w:r><w:t>Article 5</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:t xml:space="preserve">Each State Party shall clear </w:t></w:r>"#,
        r#"<w:r><w:t>remnants &amp; destroy them.</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#,
        r#"<w:p><w:pPr><w:bidi/></w:pPr><w:r><w:rPr><w:rtl/></w:rPr><w:t>المادة ٥</w:t></w:r></w:p>"#,
    ));
    let sha = Sha256::of(&bytes).to_hex();
    let (version, text) = publish_version(&s, &staff, "wp3docx", "en", DOCX, bytes.clone()).await;
    assert_eq!(version["media_type"], DOCX);
    assert_eq!(text["status"], "ok", "{text}");
    assert_eq!(text["extractor"], "docx");
    assert_eq!(
        pages(&text),
        [
            "Article 5\nEach State Party shall clear remnants & destroy them.",
            "المادة ٥"
        ]
    );
    let resp = s
        .http
        .get(s.at(&format!("/v1/files/{sha}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], DOCX);
    assert_eq!(resp.bytes().await.unwrap(), bytes);

    // The same bytes through PUT, and a zip that is not a Word document.
    let (status, _) = s
        .json(
            s.http
                .put(s.at(&format!("/v1/files/{sha}")))
                .bearer_auth(&staff)
                .header("Content-Type", DOCX)
                .body(bytes),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "already stored");
    let not_word = {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file("content.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"<office:document/>").unwrap();
        zip.finish().unwrap();
        out.into_inner()
    };
    let not_word_sha = Sha256::of(&not_word).to_hex();
    assert_error(
        s.json(
            s.http
                .put(s.at(&format!("/v1/files/{not_word_sha}")))
                .bearer_auth(&staff)
                .header("Content-Type", DOCX)
                .body(not_word),
        )
        .await,
        415,
        "type_mismatch",
    );
}
