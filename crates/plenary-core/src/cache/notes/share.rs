//! Sharing notes with a group: what the user chooses, and what sync reads
//! and writes (see [`crate::sync::notes`] for the protocol and the merge).
//!
//! Rules:
//! - a shared note's local row is the truth for this computer; a teammate's
//!   copy replaces it only when it has no unacknowledged edits
//!   (`edits > synced_edits`), otherwise the two are merged;
//! - every change here is one committed transaction, as for private notes.

use rusqlite::{OptionalExtension, params};

use super::{Cache, Note, NoteColor, SHARE_PENDING, json_error, now, ts};
use crate::InvalidInput;
use crate::error::Result;
use crate::sync::notes::{
    Group, Groups, LocalShare, Member, NoteContent, NoteWrite, SharedNote, TakeIn, take_in,
};

const SETTINGS_ME: &str = "notes_me";

fn cursor_key(server: &str) -> String {
    format!("notes_cursor {server}")
}

fn content_of(note: &Note) -> NoteContent {
    NoteContent {
        color: note.color,
        body: note.body.clone(),
        tags: note.tags.clone(),
        deleted: note.deleted,
    }
}

/// The groups this computer can share with, and who it is on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SharingView {
    /// `None` until a sync with a token has asked the server.
    pub me: Option<Member>,
    pub groups: Vec<Group>,
}

impl Cache {
    /// Remembers who we are on the server and our groups (after a sync).
    pub fn set_note_groups(&mut self, groups: &Groups) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM note_groups", [])?;
        for g in &groups.groups {
            tx.execute(
                "INSERT INTO note_groups (id, name, members) VALUES (?1, ?2, ?3)",
                params![
                    g.id,
                    g.name,
                    serde_json::to_string(&g.members).map_err(json_error)?
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![
                SETTINGS_ME,
                serde_json::to_string(&groups.me).map_err(json_error)?
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The groups notes can be shared with, as the server last said.
    pub fn note_groups(&self) -> Result<SharingView> {
        let me: Option<Member> = self.setting(SETTINGS_ME)?;
        let groups = self
            .conn
            .prepare_cached("SELECT id, name, members FROM note_groups ORDER BY name, id")?
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .map(|row| {
                let (id, name, members) = row?;
                Ok(Group {
                    id,
                    name,
                    members: serde_json::from_str(&members).unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SharingView { me, groups })
    }

    /// Shares a note with a group (`Some`) or makes it private (`None`).
    /// Pushed at the next sync; a teammate's note can be shared only with
    /// its own group.
    pub fn share_note(&mut self, id: &str, group: Option<&str>) -> Result<Note> {
        let note = self.note(id)?;
        if let Some(g) = group {
            let known: bool = self
                .conn
                .query_row("SELECT 1 FROM note_groups WHERE id = ?1", [g], |_| Ok(true))
                .optional()?
                .unwrap_or(false);
            if !known {
                return Err(InvalidInput::new(
                    "group",
                    format!(
                        "{g:?} is not one of your groups; sync with the server to see the groups your token belongs to"
                    ),
                )
                .into());
            }
        }
        if note.shared_with.as_deref() == group {
            return Ok(note);
        }
        let mine = self.note_is_mine(&note)?;
        if !mine && group.is_some() {
            return Err(InvalidInput::new(
                "group",
                "a teammate's note stays in the group it was shared with",
            )
            .into());
        }
        self.conn.execute(
            "UPDATE annotations SET shared_with = ?2, updated_at = ?3, edits = edits + 1 WHERE id = ?1",
            params![id, group, ts(now())],
        )?;
        self.note(id)
    }

    /// Whether the note was written by this computer's user.
    pub fn note_is_mine(&self, note: &Note) -> Result<bool> {
        let me: Option<Member> = self.setting(SETTINGS_ME)?;
        Ok(match (&note.author_id, me) {
            (None, _) => true,
            (Some(a), Some(me)) => *a == me.id,
            (Some(_), None) => false,
        })
    }

    /// Notes sync has to look at: shared ones, and unshared ones the server
    /// still holds.
    pub fn local_shares(&self) -> Result<Vec<LocalShare>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {SHARE_COLUMNS} FROM annotations \
                 WHERE shared_with IS NOT NULL OR pushed_group IS NOT NULL ORDER BY created_at, id"
            ))?
            .query_map([], read_share)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// What to send for a note, and the edit count it reflects.
    pub fn note_write(&self, id: &str, group: &str) -> Result<(NoteWrite, i64)> {
        let note = self.note(id)?;
        let rev: Option<i64> = self
            .conn
            .query_row(
                "SELECT server_version FROM annotations WHERE id = ?1 AND pushed_group IS ?2",
                params![id, group],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok((
            NoteWrite {
                group: group.to_owned(),
                base_rev: rev.map(|r| r as u64),
                meeting_id: note.meeting_id.clone(),
                document_id: note.document_id.clone(),
                language: note.language,
                origin_version_id: note.origin_version_id.clone(),
                origin_revision: note.origin_revision,
                target: note.target.clone(),
                content: content_of(&note),
                created_at: note.created_at,
            },
            note.edits,
        ))
    }

    /// The server accepted a write made from `edits`: what it holds is now
    /// the merge base. Edits made since stay pending.
    pub fn note_pushed(&mut self, saved: &SharedNote, edits: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE annotations SET server_version = ?2, pushed_group = ?3, base = ?4, synced_edits = ?5, \
             author = ?6, author_id = ?7, editor = ?8 WHERE id = ?1",
            params![
                saved.id,
                saved.rev as i64,
                saved.group,
                serde_json::to_string(&saved.content).map_err(json_error)?,
                edits,
                saved.author,
                saved.author_id,
                saved.editor,
            ],
        )?;
        Ok(())
    }

    /// The server no longer holds the note in a group.
    pub fn note_withdrawn(&mut self, id: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE annotations SET pushed_group = NULL, server_version = NULL, base = NULL, synced_edits = 0 \
             WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    /// The server refused the share (the token left the group): the note
    /// stays here, private.
    pub fn note_unshareable(&mut self, id: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE annotations SET shared_with = NULL, pushed_group = NULL, server_version = NULL, \
             base = NULL, synced_edits = 0 WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    /// Where this computer has read the server's notes feed up to.
    pub fn notes_cursor(&self, server: &str) -> Result<u64> {
        Ok(self.setting::<u64>(&cursor_key(server))?.unwrap_or(0))
    }

    /// Whether a notes sync has anything to push, or has never run.
    pub fn notes_sync_wanted(&self, server: &str, head: Option<u64>) -> Result<bool> {
        let cursor: Option<u64> = self.setting(&cursor_key(server))?;
        let Some(cursor) = cursor else {
            return Ok(true);
        };
        if head.is_some_and(|h| h != cursor) {
            return Ok(true);
        }
        let pending: bool = self.conn.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM annotations WHERE {SHARE_PENDING})"),
            [],
            |r| r.get(0),
        )?;
        Ok(pending)
    }

    /// Takes in one remote copy; returns whether it was merged with local edits.
    pub fn take_in_remote(&mut self, remote: &SharedNote) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let merged = take_in_one(&tx, remote)?;
        tx.commit()?;
        Ok(merged)
    }

    /// Takes in a page of the notes feed and its cursor, in one transaction.
    /// Returns how many were merged with local edits.
    pub fn take_in_remotes(
        &mut self,
        remotes: &[SharedNote],
        server: &str,
        cursor: u64,
    ) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut merged = 0;
        for r in remotes {
            merged += usize::from(take_in_one(&tx, r)?);
        }
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![cursor_key(server), cursor.to_string()],
        )?;
        tx.commit()?;
        Ok(merged)
    }
}

fn local_share(tx: &rusqlite::Transaction<'_>, id: &str) -> Result<Option<LocalShare>> {
    Ok(tx
        .query_row(
            &format!("SELECT {SHARE_COLUMNS} FROM annotations WHERE id = ?1"),
            [id],
            read_share,
        )
        .optional()?)
}

/// What sync reads of a note (the columns of [`SHARE_COLUMNS`]).
const SHARE_COLUMNS: &str = "id, shared_with, pushed_group, edits > synced_edits, server_version, \
     color, body, tags, deleted_at IS NOT NULL, base";

fn read_share(r: &rusqlite::Row<'_>) -> rusqlite::Result<LocalShare> {
    Ok(LocalShare {
        id: r.get(0)?,
        shared_with: r.get(1)?,
        pushed_group: r.get(2)?,
        pending: r.get(3)?,
        server_rev: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
        content: NoteContent {
            color: NoteColor::parse(&r.get::<_, String>(5)?),
            body: r.get(6)?,
            tags: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
            deleted: r.get(8)?,
        },
        base: r
            .get::<_, Option<String>>(9)?
            .and_then(|b| serde_json::from_str(&b).ok()),
    })
}

fn take_in_one(tx: &rusqlite::Transaction<'_>, remote: &SharedNote) -> Result<bool> {
    let local = local_share(tx, &remote.id)?;
    let base = serde_json::to_string(&remote.content).map_err(json_error)?;
    let tags = serde_json::to_string(&remote.content.tags).map_err(json_error)?;
    let deleted_at = remote.content.deleted.then(|| ts(remote.updated_at));
    match take_in(local.as_ref(), remote) {
        TakeIn::Skip => Ok(false),
        TakeIn::Insert => {
            tx.execute(
                "INSERT INTO annotations (id, meeting_id, document_id, language, origin_version_id, \
                 origin_revision, author, color, body, tags, target, shared_with, created_at, updated_at, \
                 deleted_at, edits, synced_edits, server_version, author_id, editor, base, pushed_group) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 1, 1, ?16, ?17, ?18, ?19, ?12)",
                params![
                    remote.id,
                    remote.meeting_id.as_str(),
                    remote.document_id.as_str(),
                    remote.language.code(),
                    remote.origin_version_id.as_str(),
                    remote.origin_revision,
                    remote.author,
                    remote.content.color.as_str(),
                    remote.content.body,
                    tags,
                    serde_json::to_string(&remote.target).map_err(json_error)?,
                    remote.group,
                    ts(remote.created_at),
                    ts(remote.updated_at),
                    deleted_at,
                    remote.rev as i64,
                    remote.author_id,
                    remote.editor,
                    base,
                ],
            )?;
            Ok(false)
        }
        TakeIn::Replace => {
            tx.execute(
                "UPDATE annotations SET color = ?2, body = ?3, tags = ?4, deleted_at = ?5, updated_at = ?6, \
                 server_version = ?7, base = ?8, author = ?9, author_id = ?10, editor = ?11, \
                 shared_with = ?12, pushed_group = ?12, edits = edits + 1, synced_edits = edits + 1 \
                 WHERE id = ?1",
                params![
                    remote.id,
                    remote.content.color.as_str(),
                    remote.content.body,
                    tags,
                    deleted_at,
                    ts(remote.updated_at),
                    remote.rev as i64,
                    base,
                    remote.author,
                    remote.author_id,
                    remote.editor,
                    remote.group,
                ],
            )?;
            Ok(false)
        }
        TakeIn::Merge(merged) => {
            // Still pending (synced_edits unchanged): pushed on top of the
            // remote revision, which becomes the base.
            tx.execute(
                "UPDATE annotations SET color = ?2, body = ?3, tags = ?4, \
                 deleted_at = CASE WHEN ?5 THEN coalesce(deleted_at, ?6) ELSE NULL END, updated_at = ?6, \
                 server_version = ?7, base = ?8, author = ?9, author_id = ?10, editor = ?11, \
                 pushed_group = ?12, edits = edits + 1 WHERE id = ?1",
                params![
                    remote.id,
                    merged.color.as_str(),
                    merged.body,
                    serde_json::to_string(&merged.tags).map_err(json_error)?,
                    merged.deleted,
                    ts(now()),
                    remote.rev as i64,
                    base,
                    remote.author,
                    remote.author_id,
                    remote.editor,
                    remote.group,
                ],
            )?;
            Ok(true)
        }
    }
}
