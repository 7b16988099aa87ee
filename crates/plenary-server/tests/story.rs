//! One story, run against every storage backend: publish a meeting, change
//! and delete things, and check that a client applying the feed page by page
//! (into a real client cache, foreign keys and all) ends up with exactly the
//! published state.

use std::sync::Arc;

use plenary_core::Cache;
use plenary_core::model::*;
use plenary_server::store::{FileMeta, SqliteStore, Store, StoreError, Viewer};
use time::macros::{date, datetime};

/// Every backend the server can run on. Add new ones here.
fn backends(dir: &std::path::Path) -> Vec<(&'static str, Arc<dyn Store>)> {
    vec![(
        "sqlite",
        Arc::new(SqliteStore::open(&dir.join("server.sqlite3")).unwrap()),
    )]
}

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn meeting(title: &str) -> Record {
    Record::Meeting(Meeting {
        id: id("m1"),
        title: title.into(),
        body: "Convention on Cluster Munitions".into(),
        venue: "Palais des Nations".into(),
        city: "Geneva".into(),
        starts_on: date!(2024 - 09 - 10),
        ends_on: date!(2024 - 09 - 13),
        symbol_prefix: None,
    })
}

fn item(n: u32) -> Record {
    Record::AgendaItem(AgendaItem {
        id: id(&format!("m1-item-{n}")),
        meeting_id: id("m1"),
        number: n.to_string(),
        title: format!("Item {n}"),
        position: n,
    })
}

fn document(d: &str, item: Option<u32>) -> Record {
    Record::Document(Document {
        id: id(d),
        meeting_id: id("m1"),
        symbol: None,
        title: format!("Document {d}"),
        kind: DocumentKind::WorkingPaper,
        agenda_item_id: item.map(|n| id(&format!("m1-item-{n}"))),
    })
}

fn version(d: &str, lang: Language, bytes: &[u8]) -> Record {
    Record::Version(Version {
        id: id(&format!("{d}-{lang}")),
        document_id: id(d),
        language: lang,
        revision: 0,
        label: "Original".into(),
        published_at: datetime!(2024-09-10 10:00 UTC),
        sha256: Sha256::of(bytes),
        size: bytes.len() as u64,
        media_type: MediaType::Text,
        file_name: format!("{d}.txt"),
    })
}

fn statement(doc: Option<&str>) -> Record {
    Record::Statement(Statement {
        id: id("st1"),
        meeting_id: id("m1"),
        agenda_item_id: Some(id("m1-item-2")),
        delegation: "Chile".into(),
        speaker: None,
        on_behalf_of: None,
        delivered_on: date!(2024 - 09 - 11),
        document_id: doc.map(id),
    })
}

async fn add_file(store: &dyn Store, bytes: &[u8]) {
    store
        .add_file(FileMeta {
            sha256: Sha256::of(bytes),
            size: bytes.len() as u64,
            media_type: MediaType::Text,
        })
        .await
        .unwrap();
}

/// Pulls the feed from `cursor` in pages of `limit`, applying each page to
/// `cache` in one transaction as the sync engine will.
async fn pull(store: &dyn Store, cache: &mut Cache, cursor: &mut u64, limit: usize) -> usize {
    let mut pages = 0;
    loop {
        let page = store
            .feed(*cursor, limit, &Viewer::Anonymous)
            .await
            .unwrap();
        cache.apply(&page.records).unwrap_or_else(|e| {
            panic!(
                "page after cursor {cursor} (limit {limit}) must apply to a client cache: {e}\n{:#?}",
                page.records
            )
        });
        *cursor = page.cursor;
        pages += 1;
        if !page.more {
            return pages;
        }
    }
}

#[tokio::test]
async fn story_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    for (name, store) in backends(dir.path()) {
        println!("backend: {name}");
        story(&*store).await;
    }
}

async fn story(store: &dyn Store) {
    assert_eq!(
        store.head().await.unwrap(),
        0,
        "a new store has an empty feed"
    );
    for bytes in [b"wp1 en".as_slice(), b"wp1 fr", b"wp2 en"] {
        add_file(store, bytes).await;
    }

    // A batch in any order: children before parents.
    let head = store
        .publish(vec![
            version("wp1", Language::En, b"wp1 en"),
            statement(Some("wp2")),
            document("wp1", Some(1)),
            document("wp2", Some(2)),
            version("wp2", Language::En, b"wp2 en"),
            item(2),
            item(1),
            meeting("MSP"),
        ])
        .await
        .unwrap();
    assert_eq!(head, 8);

    // Nothing new: an empty page at the same cursor.
    let page = store.feed(head, 100, &Viewer::Anonymous).await.unwrap();
    assert_eq!(
        (page.cursor, page.more, page.records.len()),
        (head, false, 0)
    );

    // Republishing identical records does not move the feed.
    assert_eq!(
        store.publish(vec![meeting("MSP"), item(1)]).await.unwrap(),
        head
    );

    // A parent changed after its children: a fresh client pulling one record
    // per page must still get every page applied (the feed adds ancestors).
    store.publish(vec![meeting("MSP (renamed)")]).await.unwrap();
    store.publish(vec![document("wp1", Some(2))]).await.unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let mut fresh = Cache::open(client_dir.path()).unwrap();
    let mut cursor = 0;
    let pages = pull(store, &mut fresh, &mut cursor, 1).await;
    assert!(pages >= 8, "one record per page: {pages} pages");
    assert_eq!(cursor, store.head().await.unwrap());
    let m1 = fresh.meeting_overview(&id("m1")).unwrap();
    assert_eq!(m1.meeting.title, "MSP (renamed)");
    assert_eq!(m1.documents.len(), 2);

    // An incremental client, in bigger pages, follows every later change.
    let mut incremental_cursor = cursor;
    add_file(store, b"wp1 fr").await;
    store
        .publish(vec![version("wp1", Language::Fr, b"wp1 fr")])
        .await
        .unwrap();
    pull(store, &mut fresh, &mut incremental_cursor, 100).await;
    assert_eq!(fresh.document(&id("wp1")).unwrap().versions.len(), 2);

    // Deleting an agenda item detaches its documents and statements;
    // deleting a document takes its versions and detaches statements.
    store
        .publish(vec![
            Record::Tombstone(Tombstone::AgendaItem(id("m1-item-2"))),
            Record::Tombstone(Tombstone::Document(id("wp2"))),
        ])
        .await
        .unwrap();
    pull(store, &mut fresh, &mut incremental_cursor, 2).await;
    let o = fresh.meeting_overview(&id("m1")).unwrap();
    assert_eq!(o.agenda.len(), 1);
    assert_eq!(o.documents.len(), 1);
    assert_eq!(o.documents[0].document.agenda_item_id, None);
    assert_eq!(o.statements[0].agenda_item_id, None);
    assert_eq!(o.statements[0].document_id, None);
    assert!(store.record("version", "wp2-en").await.unwrap().is_none());

    // A client that starts now sees exactly the same state.
    let other_dir = tempfile::tempdir().unwrap();
    let mut late = Cache::open(other_dir.path()).unwrap();
    let mut late_cursor = 0;
    pull(store, &mut late, &mut late_cursor, 3).await;
    assert_eq!(
        published_state(late.meeting_overview(&id("m1")).unwrap()),
        published_state(fresh.meeting_overview(&id("m1")).unwrap()),
        "a late client and an incremental client must agree on everything published"
    );

    // Bad batches are refused whole.
    let before = store.head().await.unwrap();
    let err = store
        .publish(vec![
            document("wp9", None),
            version("wp-missing", Language::En, b"wp1 en"),
        ])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let err = store
        .publish(vec![version("wp1", Language::Ru, b"never uploaded")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("upload it first"), "{err}");
    assert_eq!(store.head().await.unwrap(), before);
    assert!(store.record("document", "wp9").await.unwrap().is_none());

    let err = store
        .feed(before + 10, 10, &Viewer::Anonymous)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::CursorFromTheFuture { .. }));

    // Deleting the meeting leaves nothing live, and clients follow.
    store
        .publish(vec![Record::Tombstone(Tombstone::Meeting(id("m1")))])
        .await
        .unwrap();
    pull(store, &mut fresh, &mut incremental_cursor, 100).await;
    assert!(fresh.meetings().unwrap().is_empty());
    assert_eq!(fresh.stats().unwrap().versions, 0);
}

/// The part of an overview that comes from the server. Arrival numbers and
/// new/updated marks are each cache's own history (a late client receives
/// everything in one batch), so they are left out of the comparison.
fn published_state(
    mut overview: plenary_core::cache::MeetingOverview,
) -> plenary_core::cache::MeetingOverview {
    for summary in &mut overview.documents {
        summary.arrived = 0;
        summary.freshness = None;
    }
    overview
}
