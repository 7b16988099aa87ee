//! Notes shared with a group, pushed and pulled by the sync engine.
//!
//! The server keeps one copy of each shared note with a revision number
//! (`rev`). A client's write carries the revision it was based on
//! (`base_rev`); the server accepts it only if that is still the newest, and
//! otherwise answers with its copy so that the client merges and tries again.
//! The merge ([`merge`]) is three-way, against the content both sides last
//! agreed on (the note's `base`): whatever only one side changed is taken
//! from that side, and where both changed the text, both texts are kept. So
//! a conflict never discards either side's edit.
//!
//! This module holds the wire types, the pure parts (what to push, how to
//! take in a remote copy, the merge) and the executor ([`SyncClient::sync_notes`]).
//!
//! Architecture invariant: a local edit is never overwritten by a pull. A
//! remote copy replaces a local note only when the note has no edits that
//! the server has not acknowledged; otherwise the two are merged and the
//! result stays pending until the server accepts it.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::http::Failed;
use super::{SyncClient, SyncError, blocking};
use crate::Cache;
use crate::cache::notes::{NoteColor, NoteTarget};
use crate::model::{DocumentId, Language, MeetingId, VersionId};

/// What both sides of a shared note can change: the rest (where the note
/// is) is fixed when it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteContent {
    pub color: NoteColor,
    pub body: String,
    pub tags: Vec<String>,
    #[serde(default)]
    pub deleted: bool,
}

/// A client's write of a shared note (`PUT /v1/notes/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteWrite {
    /// The group it is shared with.
    pub group: String,
    /// The server's revision this write was based on; `None` for a note the
    /// server has not seen.
    pub base_rev: Option<u64>,
    pub meeting_id: MeetingId,
    pub document_id: DocumentId,
    pub language: Language,
    pub origin_version_id: VersionId,
    pub origin_revision: u32,
    pub target: NoteTarget,
    #[serde(flatten)]
    pub content: NoteContent,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The server's copy of a shared note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedNote {
    pub id: String,
    pub group: String,
    pub meeting_id: MeetingId,
    pub document_id: DocumentId,
    pub language: Language,
    pub origin_version_id: VersionId,
    pub origin_revision: u32,
    pub target: NoteTarget,
    #[serde(flatten)]
    pub content: NoteContent,
    /// Who shared it first (the name of their token) and that token's id.
    pub author: String,
    pub author_id: String,
    /// Who wrote the newest revision.
    pub editor: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The server's revision of this note (1 for the first write).
    pub rev: u64,
    /// Where it sits in the notes feed.
    pub seq: u64,
}

/// One page of `GET /v1/notes?since=N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotesPage {
    pub cursor: u64,
    pub more: bool,
    pub notes: Vec<SharedNote>,
}

/// A group notes can be shared with, as the server says (`GET /v1/groups`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's token id (not a secret).
    pub id: String,
    pub name: String,
}

/// `GET /v1/groups`: who the caller is and the groups they belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Groups {
    pub me: Member,
    pub groups: Vec<Group>,
}

/// A local note as sync sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalShare {
    pub id: String,
    /// The group the user wants it shared with (`None`: private).
    pub shared_with: Option<String>,
    /// The group the server holds it in, if any.
    pub pushed_group: Option<String>,
    /// Unacknowledged local changes.
    pub pending: bool,
    pub server_rev: Option<u64>,
    pub content: NoteContent,
    /// What both sides last agreed on.
    pub base: Option<NoteContent>,
}

/// What to send for a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Push {
    /// Send its content to `group`.
    Write { id: String, group: String },
    /// The user made it private again (or moved it): withdraw it from the
    /// group the server holds it in.
    Withdraw { id: String, group: String },
}

/// The planner: what to push, given the local notes.
pub fn plan_pushes(notes: &[LocalShare]) -> Vec<Push> {
    let mut out = Vec::new();
    for n in notes {
        match (&n.shared_with, &n.pushed_group) {
            (Some(want), Some(have)) if want != have => {
                out.push(Push::Withdraw {
                    id: n.id.clone(),
                    group: have.clone(),
                });
            }
            (Some(want), _) if n.pending || n.pushed_group.is_none() => out.push(Push::Write {
                id: n.id.clone(),
                group: want.clone(),
            }),
            (None, Some(have)) => out.push(Push::Withdraw {
                id: n.id.clone(),
                group: have.clone(),
            }),
            _ => {}
        }
    }
    out
}

/// What to do with a remote copy of a note.
#[derive(Debug, Clone, PartialEq)]
pub enum TakeIn {
    /// A note this cache does not have (and that is not deleted): add it.
    Insert,
    /// Replace the local content with the remote one (no local edits pending).
    Replace,
    /// Both changed: keep this merged content, still to be pushed on top of
    /// the remote revision.
    Merge(NoteContent),
    /// Nothing to do (deleted remotely and unknown here; already this
    /// revision; or withdrawn here and waiting to be withdrawn there).
    Skip,
}

/// The planner for pulls: how a remote copy meets the local note.
pub fn take_in(local: Option<&LocalShare>, remote: &SharedNote) -> TakeIn {
    let Some(local) = local else {
        return if remote.content.deleted {
            TakeIn::Skip
        } else {
            TakeIn::Insert
        };
    };
    if local.shared_with.as_ref() != Some(&remote.group) {
        // Private here (made private again, or withdrawn already), or moved
        // to another group: the old group's copy never touches it.
        return TakeIn::Skip;
    }
    if local.server_rev.is_some_and(|r| r >= remote.rev) {
        return TakeIn::Skip;
    }
    if !local.pending {
        return TakeIn::Replace;
    }
    let base = local.base.as_ref().unwrap_or(&remote.content);
    TakeIn::Merge(merge(base, &local.content, &remote.content))
}

/// Three-way merge of a note's content. Whatever only one side changed
/// comes from that side; when both rewrote the text differently, the result
/// holds both texts, theirs first, with a line saying so, so neither is lost.
/// A delete loses against an edit (the edited note stays).
pub fn merge(base: &NoteContent, mine: &NoteContent, theirs: &NoteContent) -> NoteContent {
    let color = if mine.color != base.color {
        mine.color
    } else {
        theirs.color
    };
    let body = if mine.body == base.body || mine.body == theirs.body {
        theirs.body.clone()
    } else if theirs.body == base.body {
        mine.body.clone()
    } else {
        // The product's own rule: notes are short prose, and a teammate must
        // see both wordings to reconcile them; a line-level merge could
        // interleave half-sentences.
        format!(
            "{}\n\n{CONFLICT_LINE}\n{}",
            theirs.body.trim_end(),
            mine.body.trim_start()
        )
    };
    let base_tags: BTreeSet<&String> = base.tags.iter().collect();
    let mine_tags: BTreeSet<&String> = mine.tags.iter().collect();
    let theirs_tags: BTreeSet<&String> = theirs.tags.iter().collect();
    let mut tags: Vec<String> = Vec::new();
    for t in theirs.tags.iter().chain(mine.tags.iter()) {
        let added = !base_tags.contains(t);
        let kept_by_both = mine_tags.contains(t) && theirs_tags.contains(t);
        if (added || kept_by_both) && !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let edited = |side: &NoteContent| {
        side.body != base.body || side.tags != base.tags || side.color != base.color
    };
    let deleted = match (mine.deleted, theirs.deleted) {
        (true, true) => true,
        (true, false) => !edited(theirs),
        (false, true) => !edited(mine),
        (false, false) => false,
    };
    NoteContent {
        color,
        body,
        tags,
        deleted,
    }
}

/// The line between the two texts of a note both sides rewrote.
pub const CONFLICT_LINE: &str = "— edited at the same time on another computer; both texts kept —";

/// What a notes sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NotesReport {
    pub pushed: usize,
    pub withdrawn: usize,
    pub pulled: usize,
    pub merged: usize,
    pub cursor: u64,
}

/// How many times a write that meets a newer revision is merged and sent again.
const MAX_REWRITES: usize = 5;

impl SyncClient {
    /// Pushes the notes shared from here and pulls the group's notes.
    /// Sharing needs a token: without one this does nothing.
    pub async fn sync_notes(
        &self,
        cache: &Arc<Mutex<Cache>>,
        timeout: Duration,
    ) -> Result<NotesReport, SyncError> {
        let mut report = NotesReport::default();
        if self.token().is_none() {
            return Ok(report);
        }
        let server = self.server().to_owned();
        // 1. Who we are and our groups.
        let groups: Groups = self.json("GET", "/v1/groups", None, timeout).await?;
        {
            let groups = groups.clone();
            blocking(cache, move |c| c.set_note_groups(&groups)).await?;
        }
        // 2. Pushes, then 3. pulls (so that our own writes come back as
        //    already known and a teammate's newer revision merges once).
        let locals = blocking(cache, |c| c.local_shares()).await?;
        for push in plan_pushes(&locals) {
            match push {
                Push::Write { id, group } => {
                    for _ in 0..MAX_REWRITES {
                        let (id2, group2) = (id.clone(), group.clone());
                        let (write, edits) =
                            blocking(cache, move |c| c.note_write(&id2, &group2)).await?;
                        let body = serde_json::to_value(&write)
                            .map_err(|e| SyncError::Protocol(e.to_string()))?;
                        match self
                            .json::<SharedNote>(
                                "PUT",
                                &format!("/v1/notes/{id}"),
                                Some(body),
                                timeout,
                            )
                            .await
                        {
                            Ok(saved) => {
                                blocking(cache, move |c| c.note_pushed(&saved, edits)).await?;
                                report.pushed += 1;
                                break;
                            }
                            Err(SyncError::Conflict(current)) => {
                                let current = *current;
                                blocking(cache, move |c| c.take_in_remote(&current)).await?;
                                report.merged += 1;
                            }
                            Err(SyncError::Refused { status: 403, .. }) => {
                                // No longer a member: keep it here, private.
                                let id2 = id.clone();
                                blocking(cache, move |c| c.note_unshareable(&id2)).await?;
                                break;
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
                Push::Withdraw { id, group } => {
                    let path = format!("/v1/groups/{group}/notes/{id}");
                    match self
                        .json::<serde_json::Value>("DELETE", &path, None, timeout)
                        .await
                    {
                        Ok(_)
                        | Err(SyncError::Refused {
                            status: 403 | 404, ..
                        }) => {
                            blocking(cache, move |c| c.note_withdrawn(&id)).await?;
                            report.withdrawn += 1;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        let mut cursor = {
            let server = server.clone();
            blocking(cache, move |c| c.notes_cursor(&server)).await?
        };
        loop {
            let page: NotesPage = self
                .json(
                    "GET",
                    &format!("/v1/notes?since={cursor}&limit=500"),
                    None,
                    timeout,
                )
                .await?;
            let n = page.notes.len();
            let (server2, next, more) = (server.clone(), page.cursor, page.more);
            let merged = blocking(cache, move |c| {
                c.take_in_remotes(&page.notes, &server2, next)
            })
            .await?;
            report.pulled += n;
            report.merged += merged;
            cursor = next;
            if !more {
                break;
            }
        }
        report.cursor = cursor;
        // Merges made while pulling are pushed at once.
        if report.merged > 0 {
            let again = blocking(cache, |c| c.local_shares()).await?;
            if plan_pushes(&again)
                .iter()
                .any(|p| matches!(p, Push::Write { .. }))
            {
                let more = Box::pin(self.push_only(cache, timeout)).await?;
                report.pushed += more;
            }
        }
        Ok(report)
    }

    /// Pushes pending writes (after a merge), without pulling again.
    async fn push_only(
        &self,
        cache: &Arc<Mutex<Cache>>,
        timeout: Duration,
    ) -> Result<usize, SyncError> {
        let locals = blocking(cache, |c| c.local_shares()).await?;
        let mut pushed = 0;
        for push in plan_pushes(&locals) {
            let Push::Write { id, group } = push else {
                continue;
            };
            let (id2, group2) = (id.clone(), group.clone());
            let (write, edits) = blocking(cache, move |c| c.note_write(&id2, &group2)).await?;
            let body =
                serde_json::to_value(&write).map_err(|e| SyncError::Protocol(e.to_string()))?;
            match self
                .json::<SharedNote>("PUT", &format!("/v1/notes/{id}"), Some(body), timeout)
                .await
            {
                Ok(saved) => {
                    blocking(cache, move |c| c.note_pushed(&saved, edits)).await?;
                    pushed += 1;
                }
                // Someone wrote again meanwhile: merged now, pushed next sync.
                Err(SyncError::Conflict(current)) => {
                    let current = *current;
                    blocking(cache, move |c| c.take_in_remote(&current)).await?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(pushed)
    }

    /// One JSON request; a 409 with the server's copy becomes
    /// [`SyncError::Conflict`].
    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
        timeout: Duration,
    ) -> Result<T, SyncError> {
        let resp = self
            .send_once(method, path, body, timeout)
            .await
            .map_err(|f: Failed| f.error)?;
        let bytes = tokio::time::timeout(timeout, resp.bytes())
            .await
            .map_err(|_| self.unreachable(format!("{method} {path} stalled")))?
            .map_err(|e| self.transport(&e, &format!("{method} {path}")))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| SyncError::Protocol(format!("{method} {path}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(body: &str, tags: &[&str], color: NoteColor) -> NoteContent {
        NoteContent {
            color,
            body: body.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            deleted: false,
        }
    }

    #[test]
    fn an_edit_on_one_side_only_is_taken_from_that_side() {
        let base = content("Support", &["art5"], NoteColor::Yellow);
        let mine = content("Support, with reservations", &["art5"], NoteColor::Yellow);
        let theirs = content("Support", &["art5", "victims"], NoteColor::Green);
        let m = merge(&base, &mine, &theirs);
        assert_eq!(
            m.body, "Support, with reservations",
            "my text edit survives"
        );
        assert_eq!(m.tags, vec!["art5", "victims"], "their tag survives");
        assert_eq!(m.color, NoteColor::Green, "their colour change survives");
        assert!(!m.deleted);
    }

    #[test]
    fn when_both_rewrite_the_text_both_texts_are_kept() {
        let base = content("Support", &[], NoteColor::Yellow);
        let mine = content("Oppose: see capital's instructions", &[], NoteColor::Yellow);
        let theirs = content("Support if paragraph 2 goes", &[], NoteColor::Yellow);
        let m = merge(&base, &mine, &theirs);
        assert!(
            m.body.contains("Oppose: see capital's instructions")
                && m.body.contains("Support if paragraph 2 goes")
                && m.body.contains(CONFLICT_LINE),
            "a conflict must keep both wordings: {:?}",
            m.body
        );
    }

    #[test]
    fn an_edit_beats_a_delete_and_tag_removals_on_one_side_hold() {
        let base = content("x", &["a", "b"], NoteColor::Yellow);
        let mut mine = content("x", &["a"], NoteColor::Yellow);
        mine.deleted = true;
        let theirs = content("x, and more", &["a", "b"], NoteColor::Yellow);
        let m = merge(&base, &mine, &theirs);
        assert!(!m.deleted, "their edit keeps the note alive");
        assert_eq!(m.body, "x, and more");
        assert_eq!(m.tags, vec!["a"], "the tag I removed stays removed");
        let mine = NoteContent {
            deleted: true,
            ..base.clone()
        };
        assert!(
            merge(&base, &mine, &base).deleted,
            "an unopposed delete holds"
        );
    }

    fn local(id: &str, want: Option<&str>, have: Option<&str>, pending: bool) -> LocalShare {
        LocalShare {
            id: id.into(),
            shared_with: want.map(str::to_owned),
            pushed_group: have.map(str::to_owned),
            pending,
            server_rev: have.map(|_| 1),
            content: content("x", &[], NoteColor::Yellow),
            base: None,
        }
    }

    #[test]
    fn the_planner_pushes_new_and_edited_shares_and_withdraws_unshared_ones() {
        let notes = [
            local("private", None, None, true),
            local("new", Some("g"), None, true),
            local("edited", Some("g"), Some("g"), true),
            local("quiet", Some("g"), Some("g"), false),
            local("unshared", None, Some("g"), true),
            local("moved", Some("h"), Some("g"), true),
        ];
        assert_eq!(
            plan_pushes(&notes),
            vec![
                Push::Write {
                    id: "new".into(),
                    group: "g".into()
                },
                Push::Write {
                    id: "edited".into(),
                    group: "g".into()
                },
                Push::Withdraw {
                    id: "unshared".into(),
                    group: "g".into()
                },
                Push::Withdraw {
                    id: "moved".into(),
                    group: "g".into()
                },
            ]
        );
    }
}
