//! `plenary write-burst`: commits small batches as fast as it can, printing
//! `committed N` after each commit returns. Crash-safety tests SIGKILL it at
//! arbitrary moments and then check that every announced batch survived.
//! With `--notes`, it writes annotations instead (`saved <id>` after each).

use std::io::Write;

use anyhow::Result;
use plenary_core::Cache;
use plenary_core::model::*;
use time::OffsetDateTime;
use time::macros::date;

pub const MEETING: &str = "burst-meeting";

pub fn run(out: &mut impl Write, cache: &mut Cache, count: u64) -> Result<()> {
    cache.apply(&[burst_meeting()?])?;
    // Continue numbering after what earlier (killed) runs committed.
    let start = cache
        .meeting_overview(&MeetingId::new(MEETING)?)?
        .documents
        .len() as u64;
    for n in start..start + count {
        // A file of a few hundred KiB, so kills often land mid-write.
        let bytes = burst_file(n);
        let sha = Sha256::of(&bytes);
        cache.put_blob(&sha, &bytes)?;
        let doc = DocumentId::new(format!("burst-{n:08}"))?;
        cache.apply(&[
            Record::Document(Document {
                id: doc.clone(),
                meeting_id: MeetingId::new(MEETING)?,
                symbol: None,
                title: format!("Burst document {n}"),
                kind: DocumentKind::Information,
                agenda_item_id: None,
            }),
            Record::Version(Version {
                id: VersionId::new(format!("burst-{n:08}-en"))?,
                document_id: doc,
                language: Language::En,
                revision: 0,
                label: "Original".into(),
                published_at: OffsetDateTime::now_utc(),
                sha256: sha,
                size: bytes.len() as u64,
                media_type: MediaType::Text,
                file_name: format!("burst-{n}.txt"),
            }),
        ])?;
        writeln!(out, "committed {n}")?;
        out.flush()?;
    }
    Ok(())
}

/// The meeting that both bursts write into.
fn burst_meeting() -> Result<Record> {
    Ok(Record::Meeting(Meeting {
        id: MeetingId::new(MEETING)?,
        title: "Write burst".into(),
        body: "Crash test".into(),
        venue: "-".into(),
        city: "-".into(),
        starts_on: date!(2024 - 01 - 01),
        ends_on: date!(2024 - 01 - 01),
        symbol_prefix: None,
    }))
}

/// The content of burst file `n`: deterministic, so a test can recompute it.
pub fn burst_file(n: u64) -> Vec<u8> {
    let line = format!("burst file {n}: the quick brown fox jumps over the lazy dog\n");
    line.repeat(256 * 1024 / line.len()).into_bytes()
}

/// The document the notes burst annotates.
pub const NOTES_VERSION: &str = "burst-notes-en";

/// Saves notes as fast as it can on one version, announcing `saved <id>`
/// after each `create_note` returned (committed) and editing every third
/// one, so that kills land in creates and updates alike.
pub fn run_notes(out: &mut impl Write, cache: &mut Cache, count: u64) -> Result<()> {
    use plenary_core::cache::{NewNote, NoteColor, NoteEdit, Rendition, Selection};
    let text = "Article 1\nEach State Party shall clear cluster munition remnants.\nArticle 2\n\
                Each State Party shall assist victims.";
    let bytes = text.as_bytes();
    let sha = Sha256::of(bytes);
    cache.apply(&[
        burst_meeting()?,
        Record::Document(Document {
            id: DocumentId::new("burst-notes")?,
            meeting_id: MeetingId::new(MEETING)?,
            symbol: None,
            title: "Annotated document".into(),
            kind: DocumentKind::Draft,
            agenda_item_id: None,
        }),
        Record::Version(Version {
            id: VersionId::new(NOTES_VERSION)?,
            document_id: DocumentId::new("burst-notes")?,
            language: Language::En,
            revision: 0,
            label: "Original".into(),
            published_at: OffsetDateTime::UNIX_EPOCH,
            sha256: sha,
            size: bytes.len() as u64,
            media_type: MediaType::Text,
            file_name: "notes.txt".into(),
        }),
    ])?;
    cache.put_rendition(
        &sha,
        &Rendition::Ok {
            extractor: "plain".into(),
            pages: vec![text.to_owned()],
        },
    )?;
    let quotes = [
        "clear cluster munition remnants",
        "assist victims",
        "Each State Party",
    ];
    for n in 0..count {
        let placed = cache.create_note(NewNote {
            version_id: VersionId::new(NOTES_VERSION)?,
            selection: Selection {
                page: Some(1),
                exact: quotes[(n % 3) as usize].into(),
                prefix: String::new(),
                suffix: String::new(),
            },
            color: NoteColor::ALL[(n % 5) as usize],
            body: format!("burst note {n}: {}", "position text ".repeat(40)),
            tags: vec![format!("t{}", n % 7)],
        })?;
        writeln!(out, "saved {}", placed.note.id)?;
        out.flush()?;
        if n % 3 == 0 {
            cache.update_note(
                &placed.note.id,
                NoteEdit {
                    body: Some(format!("edited note {n}")),
                    ..Default::default()
                },
            )?;
            writeln!(out, "edited {}", placed.note.id)?;
            out.flush()?;
        }
    }
    Ok(())
}
