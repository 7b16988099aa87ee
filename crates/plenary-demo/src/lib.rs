//! plenary-demo: Plenary's demo meeting, generated.
//!
//! The demo is what a new user sees on first run and what the tests use: the
//! Twelfth Meeting of States Parties to the Convention on Cluster Munitions
//! (Geneva, 10-13 September 2024), with its agenda, documents in the six UN
//! languages (real PDFs with selectable text, plus a few HTML and plain-text
//! versions), a draft declaration in four revisions, and statements.
//! The texts are written for this project; nothing is copied from real
//! documents.
//!
//! Architecture invariant: [`generate`] is deterministic. The same build
//! produces byte-identical files on every run, because files are addressed by
//! their SHA-256 and a changed hash would look like a new publication.

mod content;
mod doc;
pub mod facts;
mod html;
mod pdf;
#[cfg(test)]
mod tests;
mod text;

use std::path::{Path, PathBuf};

use plenary_core::Cache;
use plenary_core::cache::ApplyReport;
use plenary_core::model::{
    AgendaItem, AgendaItemId, Document, DocumentId, Language, MediaType, Meeting, MeetingId,
    Record, Sha256, Statement, Symbol, Version, VersionId,
};
use time::Duration;

use content::{DocSpec, Publisher, Text};
use doc::{Block, Doc};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo content is malformed: {0}")]
    Content(String),
    #[error("could not render a demo PDF: {0}")]
    Render(String),
    #[error(
        "the font family {0:?} is not installed; run scripts/setup to install the demo's fonts"
    )]
    MissingFont(String),
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Core(#[from] plenary_core::Error),
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    pub sha256: Sha256,
    pub media_type: MediaType,
    pub bytes: Vec<u8>,
}

/// The whole demo: the records to apply and the files they refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demo {
    pub records: Vec<Record>,
    pub files: Vec<DemoFile>,
}

/// What [`seed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SeedReport {
    pub records: usize,
    pub files: usize,
    pub bytes: u64,
    pub applied: ApplyReport,
}

/// The version id the demo gives a document in one language and revision.
pub fn version_id(document_id: &str, lang: Language, revision: u32) -> String {
    format!("{document_id}.{}.r{revision}", lang.code())
}

/// Generates the demo meeting: records plus every file, in memory.
pub fn generate() -> Result<Demo, DemoError> {
    let catalogue = content::catalogue();
    let mut records = meeting_records()?;
    let mut jobs = Vec::new();
    for spec in &catalogue {
        records.push(Record::Document(document_record(spec)?));
        for v in &spec.versions {
            for revision in 0..=revisions_of(v)? {
                jobs.push((spec, v, revision));
            }
        }
        if let Publisher::Statement(st) = &spec.publisher {
            records.push(Record::Statement(Statement {
                id: id(format!("{}-st-{}", content::MEETING_ID, st.key))?,
                meeting_id: id(content::MEETING_ID)?,
                agenda_item_id: Some(agenda_id(spec.item)?),
                delegation: st.delegation.into(),
                speaker: st.speaker.map(Into::into),
                on_behalf_of: st.on_behalf_of.map(Into::into),
                delivered_on: st.delivered_on,
                document_id: Some(id(spec.id)?),
            }));
        }
    }
    for (key, delegation, on_behalf_of, item, delivered_on) in content::ORAL_STATEMENTS {
        records.push(Record::Statement(Statement {
            id: id(format!("{}-st-{key}", content::MEETING_ID))?,
            meeting_id: id(content::MEETING_ID)?,
            agenda_item_id: Some(agenda_id(item)?),
            delegation: delegation.into(),
            speaker: None,
            on_behalf_of: on_behalf_of.map(Into::into),
            delivered_on,
            document_id: None,
        }));
    }

    // Rendering is the expensive part: spread the versions over the cores.
    // pango objects are not Send, so each worker has its own renderer.
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(jobs.len().max(1));
    let rendered: Vec<Result<(Version, DemoFile), DemoError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let jobs = &jobs;
                scope.spawn(move || {
                    let mut renderer = None;
                    let mut out = Vec::new();
                    for (n, (spec, v, revision)) in jobs.iter().enumerate() {
                        if n % workers != w {
                            continue;
                        }
                        out.push((n, render_version(&mut renderer, spec, v, *revision)));
                    }
                    out
                })
            })
            .collect();
        let mut all: Vec<_> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        all.sort_by_key(|(n, _)| *n);
        all.into_iter().map(|(_, r)| r).collect()
    });

    let mut files: Vec<DemoFile> = Vec::new();
    for result in rendered {
        let (version, file) = result?;
        records.push(Record::Version(version));
        if !files.iter().any(|f| f.sha256 == file.sha256) {
            files.push(file);
        }
    }
    Ok(Demo { records, files })
}

/// Puts every file into the cache, then applies all records in one batch.
/// Seeding again changes nothing (blobs and upserts are idempotent).
pub fn seed(cache: &mut Cache) -> Result<SeedReport, DemoError> {
    let demo = generate()?;
    seed_demo(cache, &demo)
}

/// Like [`seed`], for a demo already generated.
pub fn seed_demo(cache: &mut Cache, demo: &Demo) -> Result<SeedReport, DemoError> {
    let mut bytes = 0;
    for file in &demo.files {
        cache.put_blob(&file.sha256, &file.bytes)?;
        bytes += file.bytes.len() as u64;
    }
    let applied = cache.apply(&demo.records)?;
    Ok(SeedReport {
        records: demo.records.len(),
        files: demo.files.len(),
        bytes,
        applied,
    })
}

/// Writes the demo as a publishing bundle: `records.json` (an array of
/// records) and `files/<sha256>.<ext>`.
pub fn write_bundle(demo: &Demo, dir: &Path) -> Result<(), DemoError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| DemoError::Io { path, source }
    };
    let files = dir.join("files");
    std::fs::create_dir_all(&files).map_err(io(&files))?;
    for file in &demo.files {
        let path = files.join(format!("{}.{}", file.sha256, file.media_type.extension()));
        std::fs::write(&path, &file.bytes).map_err(io(&path))?;
    }
    let path = dir.join("records.json");
    let json = serde_json::to_vec_pretty(&demo.records)
        .map_err(|e| DemoError::Content(format!("serializing records: {e}")))?;
    std::fs::write(&path, json).map_err(io(&path))?;
    Ok(())
}

fn id<T: std::str::FromStr<Err = plenary_core::InvalidInput>>(
    value: impl AsRef<str>,
) -> Result<T, DemoError> {
    value
        .as_ref()
        .parse()
        .map_err(|e: plenary_core::InvalidInput| DemoError::Content(e.to_string()))
}

fn agenda_id(key: &str) -> Result<AgendaItemId, DemoError> {
    id(format!("{}-item-{key}", content::MEETING_ID))
}

fn meeting_records() -> Result<Vec<Record>, DemoError> {
    let meeting_id: MeetingId = id(content::MEETING_ID)?;
    let mut records = vec![Record::Meeting(Meeting {
        id: meeting_id.clone(),
        title: facts::MEETING_TITLE.into(),
        body: facts::MEETING_BODY.into(),
        venue: "Palais des Nations".into(),
        city: "Geneva".into(),
        starts_on: content::STARTS_ON,
        ends_on: content::ENDS_ON,
        symbol_prefix: Some(content::SYMBOL_PREFIX.into()),
    })];
    for (position, item) in content::AGENDA.iter().enumerate() {
        records.push(Record::AgendaItem(AgendaItem {
            id: agenda_id(item.key)?,
            meeting_id: meeting_id.clone(),
            number: item.number_en(),
            title: item.title(Language::En).into(),
            position: position as u32 + 1,
        }));
    }
    Ok(records)
}

fn source_of(v: &content::LangVersion) -> Result<Option<doc::Source>, DemoError> {
    match v.text {
        Text::Agenda => Ok(None),
        Text::File(src) => doc::parse(&format!("{}", v.lang), src).map(Some),
    }
}

fn revisions_of(v: &content::LangVersion) -> Result<u32, DemoError> {
    Ok(source_of(v)?.map_or(0, |s| s.max_revision()))
}

fn english_title(spec: &DocSpec) -> Result<String, DemoError> {
    let v = spec
        .versions
        .iter()
        .find(|v| v.lang == Language::En)
        .or(spec.versions.first())
        .ok_or_else(|| DemoError::Content(format!("{} has no versions", spec.id)))?;
    Ok(match source_of(v)? {
        Some(s) => s.title,
        None => content::tr(v.lang, &content::AGENDA_TITLE).into(),
    })
}

fn document_record(spec: &DocSpec) -> Result<Document, DemoError> {
    let symbol = match &spec.publisher {
        Publisher::Official { symbol, .. } => {
            Some(Symbol::new(*symbol).map_err(|e| DemoError::Content(e.to_string()))?)
        }
        _ => None,
    };
    Ok(Document {
        id: id(spec.id)?,
        meeting_id: id(content::MEETING_ID)?,
        symbol,
        title: english_title(spec)?,
        kind: spec.kind,
        agenda_item_id: Some(agenda_id(spec.item)?),
    })
}

/// Translations come out a little after the original; the draft's revisions
/// are issued language by language within two hours.
fn language_delay(lang: Language) -> Duration {
    Duration::minutes(match lang {
        Language::En => 0,
        Language::Fr => 35,
        Language::Es => 50,
        Language::Ru => 70,
        Language::Ar => 85,
        Language::Zh => 100,
    })
}

fn render_version(
    renderer: &mut Option<pdf::Renderer>,
    spec: &DocSpec,
    v: &content::LangVersion,
    revision: u32,
) -> Result<(Version, DemoFile), DemoError> {
    let lang = v.lang;
    let is_draft = spec.kind == plenary_core::model::DocumentKind::Draft;
    let (published_at, dated) = if is_draft {
        let at = content::DRAFT_PUBLISHED[revision as usize] + language_delay(lang);
        (at, at.date())
    } else {
        (spec.published_at, spec.dated)
    };
    let item = content::agenda_item(spec.item);
    let source = source_of(v)?;
    let (title, subtitle, mut blocks) = match &source {
        Some(s) => (
            s.title.clone(),
            s.subtitle.clone(),
            s.blocks(lang, revision),
        ),
        None => (
            content::tr(lang, &content::AGENDA_TITLE).to_owned(),
            None,
            agenda_blocks(lang),
        ),
    };
    let label = if revision == 0 {
        "Original".to_owned()
    } else {
        format!("Rev.{revision}")
    };
    let meeting = vec![
        content::tr(lang, &content::MEETING_NAME).to_owned(),
        content::tr(lang, &content::PLACE_DATES).to_owned(),
    ];
    let (masthead, symbol, distribution, meeting_lines, job_number, file_stem) =
        match &spec.publisher {
            Publisher::Official { symbol, job } => {
                let printed = if revision == 0 {
                    (*symbol).to_owned()
                } else {
                    format!("{symbol}/Rev.{revision}")
                };
                let mut lines = meeting;
                // The agenda itself is not "under" an item.
                if spec.kind != plenary_core::model::DocumentKind::Agenda || spec.item != "3" {
                    lines.push(content::item_line(lang, item));
                    lines.push(item.title(lang).to_owned());
                }
                let job = format!(
                    "GE.24-{}({})",
                    job + revision * 137,
                    content::job_suffix(lang)
                );
                (
                    content::tr(lang, &content::MASTHEAD).to_owned(),
                    Some(printed.clone()),
                    content::distribution(lang, dated),
                    lines,
                    Some(job),
                    printed.replace('/', "_"),
                )
            }
            Publisher::Statement(st) => {
                let mut lines = meeting;
                lines.push(content::item_line(lang, item));
                lines.push(item.title(lang).to_owned());
                (
                    content::tr(lang, &content::MASTHEAD).to_owned(),
                    None,
                    Vec::new(),
                    lines,
                    None,
                    format!("statement-{}", st.key),
                )
            }
            Publisher::Press => {
                let when = content::distribution(lang, dated)
                    .get(1)
                    .cloned()
                    .unwrap_or_default();
                (
                    content::tr(lang, &content::PRESS_MASTHEAD).to_owned(),
                    None,
                    vec![content::tr(lang, &content::PRESS_RELEASE).to_owned(), when],
                    meeting,
                    None,
                    "press-release-2024-09-10".to_owned(),
                )
            }
        };
    if blocks.is_empty() {
        blocks.push(Block::Para(String::new()));
    }
    let doc = Doc {
        lang,
        masthead,
        symbol,
        distribution,
        meeting_lines,
        title,
        subtitle,
        blocks,
        job_number,
        pdf_date: published_at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| DemoError::Content(e.to_string()))?,
    };
    let bytes = match v.media {
        MediaType::Pdf => {
            if renderer.is_none() {
                *renderer = Some(pdf::Renderer::new()?);
            }
            renderer.as_ref().expect("just created").render(&doc)?
        }
        MediaType::Html => html::render(&doc),
        MediaType::Text => text::render(&doc),
        MediaType::Docx => {
            return Err(DemoError::Content(format!(
                "{}: the demo renders PDF, HTML and text, not DOCX",
                spec.id
            )));
        }
    };
    let sha256 = Sha256::of(&bytes);
    let version = Version {
        id: id::<VersionId>(version_id(spec.id, lang, revision))?,
        document_id: id::<DocumentId>(spec.id)?,
        language: lang,
        revision,
        label,
        published_at,
        sha256,
        size: bytes.len() as u64,
        media_type: v.media,
        file_name: format!("{file_stem}-{}.{}", lang.code(), v.media.extension()),
    };
    Ok((
        version,
        DemoFile {
            sha256,
            media_type: v.media,
            bytes,
        },
    ))
}

/// The provisional agenda, built from the agenda table.
fn agenda_blocks(lang: Language) -> Vec<Block> {
    content::AGENDA
        .iter()
        .map(|item| match item.letter_label(lang) {
            None => Block::Item {
                label: format!("{}.", item.number),
                text: match lang {
                    Language::Ar | Language::Zh => item.title(lang).to_owned(),
                    _ => format!("{}.", item.title(lang)),
                },
                level: 1,
            },
            Some(letter) => Block::Item {
                label: letter,
                text: item.title(lang).to_owned(),
                level: 2,
            },
        })
        .collect()
}

/// A long English report of about `pages` pages (the annual review's text,
/// its sections repeated and renumbered), rendered like every demo PDF: for
/// benchmarks of the reader on long documents. Deterministic.
pub fn long_report_pdf(pages: usize) -> Result<Vec<u8>, DemoError> {
    let spec = content::catalogue()
        .into_iter()
        .find(|s| s.id == facts::DOCUMENT_ID)
        .ok_or_else(|| DemoError::Content("the annual review is missing".into()))?;
    let en = spec
        .versions
        .iter()
        .find(|v| v.lang == Language::En)
        .ok_or_else(|| DemoError::Content("the annual review has no English text".into()))?;
    let source = source_of(en)?
        .ok_or_else(|| DemoError::Content("the annual review has no source text".into()))?;
    let base = source.blocks(Language::En, 0);
    let renderer = pdf::Renderer::new()?;
    let doc_with = |repeats: usize| Doc {
        lang: Language::En,
        masthead: content::tr(Language::En, &content::MASTHEAD).to_owned(),
        symbol: Some("CCM/MSP/2024/INF.99".into()),
        distribution: content::distribution(Language::En, spec.dated),
        meeting_lines: vec![
            content::tr(Language::En, &content::MEETING_NAME).to_owned(),
            content::tr(Language::En, &content::PLACE_DATES).to_owned(),
        ],
        title: format!("{} (compilation, {pages} pages)", source.title),
        subtitle: source.subtitle.clone(),
        blocks: (1..=repeats)
            .flat_map(|n| {
                std::iter::once(Block::Heading(format!("Part {n}"))).chain(base.iter().cloned())
            })
            .collect(),
        job_number: Some("GE.24-99999(E)".into()),
        pdf_date: "2024-09-01T09:00:00Z".into(),
    };
    // One rendering to learn pages per repeat, then the right size.
    let (_, one) = renderer.render_counted(&doc_with(4))?;
    let repeats = (pages * 4).div_ceil(one.max(1)).max(1);
    let (mut bytes, mut got) = renderer.render_counted(&doc_with(repeats))?;
    let mut repeats = repeats;
    while got < pages {
        repeats += 1;
        (bytes, got) = renderer.render_counted(&doc_with(repeats))?;
    }
    Ok(bytes)
}
