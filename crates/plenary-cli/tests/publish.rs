//! `plenary demo export` then `plenary publish` (the real binary) to a real
//! server on a free port: a client that pulls the feed must end up with the
//! same meeting as one seeded directly from the demo.

use std::process::Command;
use std::sync::Arc;

use plenary_core::Cache;
use plenary_core::model::{MeetingId, Record};
use plenary_server::store::{FileStore, LocalFiles, SqliteStore, Store, Viewer};
use plenary_server::{AppState, Config};

const PLENARY: &str = env!("CARGO_BIN_EXE_plenary");

fn plenary(args: &[&str]) -> String {
    let out = Command::new(PLENARY).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "plenary {args:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_demo_syncs_to_the_same_meeting_as_a_seeded_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    std::fs::create_dir_all(&data).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&data.join("server.sqlite3")).unwrap());
    let files: Arc<dyn FileStore> = Arc::new(LocalFiles::open(data.join("files")).unwrap());
    let (_, staff) = store
        .create_token(plenary_server::store::Role::Staff, "secretariat", None)
        .await
        .unwrap();
    let state = AppState::with_backends(store.clone(), files, Config::new(&data))
        .await
        .unwrap();
    let server = plenary_server::serve(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = format!("http://{}", server.addr);

    let bundle = dir.path().join("bundle");
    let bundle_arg = bundle.to_str().unwrap().to_owned();
    let (url2, staff2) = (url.clone(), staff.clone());
    let first = tokio::task::spawn_blocking(move || {
        plenary(&["demo", "export", &bundle_arg]);
        let first = plenary(&[
            "publish",
            &bundle_arg,
            "--server",
            &url2,
            "--token",
            &staff2,
        ]);
        let again = plenary(&[
            "publish",
            &bundle_arg,
            "--server",
            &url2,
            "--token",
            &staff2,
        ]);
        assert!(
            again.contains("(0 new, 78 already there)"),
            "publishing again uploads nothing: {again}"
        );
        first
    })
    .await
    .unwrap();
    assert!(
        first.contains("Published 123 records and 78 files"),
        "{first}"
    );
    assert!(
        first.contains("[ 78/78] 100.0%"),
        "progress is shown: {first}"
    );

    // Pull the feed into a fresh client cache, page by page, files included.
    let pulled_dir = dir.path().join("pulled");
    let mut pulled = Cache::open(&pulled_dir).unwrap();
    let http = reqwest::Client::new();
    let mut cursor = 0u64;
    loop {
        let page: serde_json::Value = http
            .get(format!("{url}/v1/feed?since={cursor}&limit=25"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let records: Vec<Record> = serde_json::from_value(page["records"].clone()).unwrap();
        for r in &records {
            if let Record::Version(v) = r {
                let bytes = http
                    .get(format!("{url}/v1/files/{}", v.sha256))
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                pulled.put_blob(&v.sha256, &bytes).unwrap();
            }
        }
        pulled.apply(&records).unwrap();
        cursor = page["cursor"].as_u64().unwrap();
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(cursor, store.head().await.unwrap());

    let mut seeded = Cache::open(dir.path().join("seeded")).unwrap();
    plenary_demo::seed(&mut seeded).unwrap();
    let meeting = MeetingId::new(plenary_demo::facts::MEETING_ID).unwrap();
    assert_eq!(
        pulled.meeting_overview(&meeting).unwrap(),
        seeded.meeting_overview(&meeting).unwrap(),
        "publishing through the API must deliver exactly the demo meeting"
    );
    let (a, b) = (pulled.stats().unwrap(), seeded.stats().unwrap());
    assert_eq!(
        (a.documents, a.versions, a.versions_downloaded, a.blob_bytes),
        (b.documents, b.versions, b.versions_downloaded, b.blob_bytes)
    );

    // Every PDF got a text rendition at publication.
    let page = store.feed(0, 5000, &Viewer::Anonymous).await.unwrap();
    let mut with_text = 0;
    for r in page.records {
        if let Record::Version(v) = r
            && let Some(plenary_server::store::Rendition::Ok { pages, .. }) =
                store.rendition(v.sha256).await.unwrap()
            && pages.iter().any(|p| !p.trim().is_empty())
        {
            with_text += 1;
        }
    }
    assert_eq!(with_text, 78, "every demo version has extracted text");
}
