//! `plenary demo export` then `plenary publish` (the real binary) to a real
//! server on a free port: a client that pulls the feed must end up with the
//! same meeting as one seeded directly from the demo.

use std::process::Command;
use std::sync::Arc;

use plenary_core::Cache;
use plenary_core::model::{MeetingId, Record};
use plenary_server::store::{FileStore, LocalFiles, SqliteStore, Store, Viewer};
use plenary_server::{AppState, Config};
use serde_json::json;

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

    // `plenary sync` pulls it into a fresh cache, then finds nothing new.
    let pulled_dir = dir.path().join("pulled");
    let pulled_arg = pulled_dir.to_str().unwrap().to_owned();
    let url3 = url.clone();
    let human_dir = dir.path().join("human");
    let human_arg = human_dir.to_str().unwrap().to_owned();
    let url4 = url.clone();
    let human = tokio::task::spawn_blocking(move || {
        Command::new(PLENARY)
            .args(["--cache-dir", &human_arg, "sync", "--server", &url4])
            .output()
            .unwrap()
    });
    let (first_sync, second_sync) = tokio::task::spawn_blocking(move || {
        let sync = || {
            plenary(&[
                "--cache-dir",
                &pulled_arg,
                "--json",
                "sync",
                "--server",
                &url3,
            ])
        };
        (sync(), sync())
    })
    .await
    .unwrap();
    let human = human.await.unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&human.stdout),
        String::from_utf8_lossy(&human.stderr),
    );
    assert!(
        human.status.success() && stdout.contains("78 files"),
        "the summary says what was fetched:\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains("sync: files:") && !stderr.contains("sync: done:"),
        "progress lines have counts; the last one is not an empty 'done: 0/0': {stderr}"
    );
    let first_sync: serde_json::Value = serde_json::from_str(&first_sync).unwrap();
    let second_sync: serde_json::Value = serde_json::from_str(&second_sync).unwrap();
    assert_eq!(first_sync["files_fetched"], 78, "{first_sync}");
    assert_eq!(
        (
            &second_sync["pages"],
            &second_sync["records"],
            &second_sync["files_fetched"]
        ),
        (&json!(1), &json!(0), &json!(0)),
        "a sync with nothing new is one empty page: {second_sync}"
    );
    assert_eq!(first_sync["cursor"], store.head().await.unwrap());
    let pulled = Cache::open(&pulled_dir).unwrap();
    assert!(pulled.last_synced(&url).unwrap().is_some());

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

    // Every file's text came with the sync, and every PDF's page-1 picture with its text.
    assert_eq!(first_sync["texts_fetched"], 78, "{first_sync}");
    let pdfs: Vec<_> = pulled
        .versions_with_meeting()
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| v.media_type == plenary_core::model::MediaType::Pdf)
        .collect();
    assert!(pdfs.len() >= 40, "the demo is mostly PDFs: {}", pdfs.len());
    for v in &pdfs {
        let preview = pulled.preview(&v.sha256).unwrap();
        let preview = preview.unwrap_or_else(|| panic!("{} has no page-1 preview", v.id));
        assert!(preview.png.starts_with(b"\x89PNG"), "{}: a PNG", v.id);
        assert!(
            preview.width_pt > 500.0 && preview.height_pt > 700.0,
            "{}: A4-ish",
            v.id
        );
    }

    // Keep only French: `cache free` deletes the other languages' files, not the metadata.
    let pulled_arg = pulled_dir.to_str().unwrap().to_owned();
    let before = pulled.stats().unwrap();
    drop(pulled);
    let (settings, freed, space) = tokio::task::spawn_blocking(move || {
        let at = ["--cache-dir", pulled_arg.as_str()];
        let settings = plenary(&[&at[..], &["settings", "languages", "fr"]].concat());
        let freed = plenary(&[&at[..], &["--json", "cache", "free"]].concat());
        let space = plenary(&[&at[..], &["--json", "cache", "space"]].concat());
        (settings, freed, space)
    })
    .await
    .unwrap();
    assert!(settings.contains("languages fr."), "{settings}");
    let freed: serde_json::Value = serde_json::from_str(&freed).unwrap();
    let space: serde_json::Value = serde_json::from_str(&space).unwrap();
    let by_language = space["by_language"].as_object().unwrap();
    assert_eq!(
        by_language.keys().collect::<Vec<_>>(),
        ["fr"],
        "only French files remain: {space}"
    );
    assert_eq!(
        freed["bytes"].as_u64().unwrap() + space["total_bytes"].as_u64().unwrap(),
        before.blob_bytes,
        "{freed} {space}"
    );
    let pulled = Cache::open(&pulled_dir).unwrap();
    assert_eq!(
        pulled.stats().unwrap().versions,
        before.versions,
        "metadata stays"
    );
    for v in &pdfs {
        assert_eq!(
            pulled.preview(&v.sha256).unwrap().is_some(),
            v.language == plenary_core::model::Language::Fr,
            "{}: a preview goes with its file's text when the file is freed",
            v.id
        );
    }

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
