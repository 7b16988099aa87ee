//! Notes shared with a group, against the real server: members see each
//! other's notes with their author, non-members never do, offline edits on
//! two computers to the same note both survive, a note made private again
//! leaves the teammates' caches, a live client hears of a share at once, and
//! a sync with nothing new is still one request.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use plenary_core::Cache;
use plenary_core::cache::notes::{NewNote, NoteColor, NoteEdit, Selection};
use plenary_core::model::VersionId;
use plenary_core::sync::notes::CONFLICT_LINE;
use plenary_core::sync::{LiveSync, RetryPolicy, SyncClient, SyncOptions, SyncReport};
use plenary_server::store::Role;
use support::{Proxy, Server, eventually, meeting};

fn options() -> SyncOptions {
    SyncOptions {
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(1),
        },
        read_timeout: Duration::from_secs(5),
        ..SyncOptions::default()
    }
}

/// One laptop: its cache and its client (through a proxy that logs requests).
struct Laptop {
    name: &'static str,
    token_id: String,
    cache: Arc<Mutex<Cache>>,
    client: SyncClient,
    proxy: Proxy,
}

impl Laptop {
    async fn sync(&self) -> SyncReport {
        self.client
            .sync(&self.cache, &options())
            .await
            .unwrap_or_else(|e| panic!("{}'s sync failed: {e}", self.name))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap()
    }
}

struct Team {
    _dir: tempfile::TempDir,
    server: Server,
    version: VersionId,
    text: String,
    alice: Laptop,
    bob: Laptop,
    carol: Laptop,
}

async fn team() -> Team {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("server"), "127.0.0.1:0".parse().unwrap());
    let (files, records) = meeting(11, "m1", &[4000]);
    let text = String::from_utf8(files[0].1.clone()).unwrap();
    let version = records
        .iter()
        .find_map(|r| match r {
            plenary_core::model::Record::Version(v) => Some(v.id.clone()),
            _ => None,
        })
        .unwrap();
    server.publish(&files, records).await;
    let store = &server.state.store;
    let mut laptops = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let (info, secret) = store
            .create_token(Role::Annotator, &format!("{name} (NGO)"), None)
            .await
            .unwrap();
        let proxy = Proxy::start(server.addr).await;
        let client = SyncClient::new(&proxy.url(), Some(secret)).unwrap();
        let cache = Cache::open(dir.path().join(name)).unwrap();
        laptops.push(Laptop {
            name,
            token_id: info.id,
            cache: Arc::new(Mutex::new(cache)),
            client,
            proxy,
        });
    }
    let [alice, bob, carol]: [Laptop; 3] = laptops.try_into().ok().unwrap();
    // Alice and Bob are in the coalition; Carol is not.
    store
        .set_group(
            "coalition",
            "Cluster Munition Coalition",
            vec![alice.token_id.clone(), bob.token_id.clone()],
        )
        .await
        .unwrap();
    for l in [&alice, &bob, &carol] {
        l.sync().await;
    }
    Team {
        _dir: dir,
        server,
        version,
        text,
        alice,
        bob,
        carol,
    }
}

impl Team {
    /// A note by `who` on 30 characters of the text at `at`.
    fn note(&self, who: &Laptop, at: usize, body: &str) -> String {
        let exact: String = self.text.chars().skip(at).take(30).collect();
        who.cache()
            .create_note(NewNote {
                version_id: self.version.clone(),
                selection: Selection {
                    page: None,
                    exact,
                    prefix: String::new(),
                    suffix: String::new(),
                },
                color: NoteColor::Green,
                body: body.into(),
                tags: vec!["art5".into()],
            })
            .unwrap()
            .note
            .id
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn members_see_each_others_notes_and_non_members_never_do() {
    let t = team().await;
    let groups = t.alice.cache().note_groups().unwrap();
    assert_eq!(
        groups
            .groups
            .iter()
            .map(|g| g.id.as_str())
            .collect::<Vec<_>>(),
        ["coalition"],
        "Alice's computer learnt her groups at sync"
    );
    assert!(
        t.carol.cache().note_groups().unwrap().groups.is_empty(),
        "Carol is in no group"
    );

    let id = t.note(&t.alice, 100, "Support, but paragraph 2 must go");
    let private = t.note(&t.alice, 1000, "My own reminder");
    t.alice.cache().share_note(&id, Some("coalition")).unwrap();
    let report = t.alice.sync().await;
    assert_eq!(
        report.notes.as_ref().map(|n| n.pushed),
        Some(1),
        "{report:?}"
    );

    t.bob.sync().await;
    t.carol.sync().await;
    let bob_notes = t.bob.cache().notes_for_version(&t.version).unwrap();
    assert_eq!(
        bob_notes.placed.len(),
        1,
        "Bob sees the shared note, placed: {bob_notes:?}"
    );
    let seen = &bob_notes.placed[0].note;
    assert_eq!(seen.id, id);
    assert_eq!(seen.body, "Support, but paragraph 2 must go");
    assert_eq!(
        seen.author, "alice (NGO)",
        "the author is the server's name for the token"
    );
    assert_eq!(seen.author_id.as_deref(), Some(t.alice.token_id.as_str()));
    assert_eq!(seen.shared_with.as_deref(), Some("coalition"));
    assert!(!t.bob.cache().note_is_mine(seen).unwrap());
    assert!(
        bob_notes.placed.iter().all(|p| p.note.id != private),
        "a private note never leaves Alice's computer"
    );
    assert!(
        t.carol
            .cache()
            .notes_for_version(&t.version)
            .unwrap()
            .placed
            .is_empty(),
        "Carol, not a member, sees nothing"
    );

    // The server checks membership, whatever a client sends.
    let carols = private_of(&t.carol, &t);
    let (write, _) = t.carol.cache().note_write(&carols, "coalition").unwrap();
    let resp = reqwest::Client::new()
        .put(format!("{}/v1/notes/carols-note", t.server.url()))
        .bearer_auth(carol_secret(&t).await)
        .json(&write)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        403,
        "a non-member cannot write into the group"
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden", "{body}");

    // Nothing new: one request (the feed), shared notes included.
    let before = t.bob.proxy.log().len();
    t.bob.sync().await;
    let requests: Vec<String> = t.bob.proxy.log().split_off(before);
    assert_eq!(
        requests.len(),
        1,
        "a sync with nothing new is one request: {requests:?}"
    );
}

/// Carol's own note, to build a write body from.
fn private_of(carol: &Laptop, t: &Team) -> String {
    t.note(carol, 200, "Carol's")
}

async fn carol_secret(t: &Team) -> String {
    // A fresh token with Carol's rights (not a member), since secrets are shown once.
    let (_, secret) = t
        .server
        .state
        .store
        .create_token(Role::Annotator, "carol again", None)
        .await
        .unwrap();
    secret
}

#[tokio::test(flavor = "multi_thread")]
async fn two_offline_edits_of_one_note_are_both_kept() {
    let t = team().await;
    let id = t.note(&t.alice, 300, "Original wording");
    t.alice.cache().share_note(&id, Some("coalition")).unwrap();
    t.alice.sync().await;
    t.bob.sync().await;

    // Both edit the same note while offline.
    t.alice
        .cache()
        .update_note(
            &id,
            NoteEdit {
                body: Some("Alice: oppose, per instructions from capital".into()),
                ..NoteEdit::default()
            },
        )
        .unwrap();
    t.bob
        .cache()
        .update_note(
            &id,
            NoteEdit {
                body: Some("Bob: accept if the deadline is 10 years".into()),
                tags: Some(vec!["art5".into(), "deadline".into()]),
                color: Some(NoteColor::Pink),
            },
        )
        .unwrap();
    assert!(t.bob.cache().note(&id).unwrap().share_pending);

    // Alice reconnects first; Bob's write then meets her newer revision.
    t.alice.sync().await;
    let report = t.bob.sync().await;
    let notes = report.notes.clone().unwrap();
    assert!(notes.merged >= 1, "Bob's client merged: {report:?}");
    t.alice.sync().await;

    for laptop in [&t.alice, &t.bob] {
        let note = laptop.cache().note(&id).unwrap();
        assert!(
            note.body
                .contains("Alice: oppose, per instructions from capital")
                && note
                    .body
                    .contains("Bob: accept if the deadline is 10 years")
                && note.body.contains(CONFLICT_LINE),
            "{}: neither edit may be lost, got {:?}",
            laptop.name,
            note.body
        );
        assert_eq!(
            note.tags,
            ["art5", "deadline"],
            "{}: Bob's tag kept",
            laptop.name
        );
        assert_eq!(
            note.color,
            NoteColor::Pink,
            "{}: Bob's colour kept",
            laptop.name
        );
        assert!(!note.share_pending, "{}: all pushed", laptop.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_made_private_again_leaves_the_teammates_caches_only() {
    let t = team().await;
    let id = t.note(&t.alice, 500, "Draft position");
    t.alice.cache().share_note(&id, Some("coalition")).unwrap();
    t.alice.sync().await;
    t.bob.sync().await;
    assert!(!t.bob.cache().note(&id).unwrap().deleted);

    t.alice.cache().share_note(&id, None).unwrap();
    let report = t.alice.sync().await;
    assert_eq!(
        report.notes.as_ref().map(|n| n.withdrawn),
        Some(1),
        "{report:?}"
    );
    t.bob.sync().await;
    assert!(
        t.bob.cache().note(&id).unwrap().deleted,
        "gone from Bob's notes"
    );
    let mine = t.alice.cache().note(&id).unwrap();
    assert!(!mine.deleted, "Alice keeps her note");
    assert_eq!(mine.shared_with, None);
    assert_eq!(mine.body, "Draft position");
    assert!(!mine.share_pending);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connected_teammate_receives_a_share_within_seconds() {
    let t = team().await;
    let live = LiveSync::start(t.bob.client.clone(), t.bob.cache.clone(), options());
    // Wait until Bob's service has synced once and listens.
    let status = live.status();
    eventually("Bob's live sync is up", Duration::from_secs(20), || {
        status.borrow().last_success.is_some() && !status.borrow().syncing
    })
    .await;
    let id = t.note(&t.alice, 700, "Live share");
    t.alice.cache().share_note(&id, Some("coalition")).unwrap();
    t.alice.sync().await;
    let cache = t.bob.cache.clone();
    eventually(
        "Bob's computer has Alice's note, without asking",
        Duration::from_secs(10),
        || cache.lock().unwrap().note(&id).is_ok(),
    )
    .await;
    live.stop().await;
}
