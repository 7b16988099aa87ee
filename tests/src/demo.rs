//! Demo data for scenarios and the benchmark.

use std::path::Path;

use plenary_core::Cache;

use crate::error::{Error, Result};

/// Seeds the demo meeting into the cache at `dir` (created if needed).
pub fn seed_cache(dir: &Path) -> Result<()> {
    let mut cache = Cache::open(dir)
        .map_err(|e| Error::Setup(format!("opening a cache in {}: {e}", dir.display())))?;
    plenary_demo::seed(&mut cache)
        .map_err(|e| Error::Setup(format!("seeding the demo into {}: {e}", dir.display())))?;
    Ok(())
}

/// The document id of the long report ([`add_long_document`]).
pub const LONG_DOCUMENT_ID: &str = "ccm-msp-2024-inf99";

/// What the server makes of a PDF at publication (`plenary_server::extract`):
/// its text, page by page, and the picture of its first page.
pub fn server_renditions(pdf: &[u8]) -> Result<(Vec<String>, plenary_core::cache::Preview)> {
    let limit = std::time::Duration::from_secs(120);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("starting a runtime: {e}")))?;
    let pages = runtime
        .block_on(plenary_server::extract::pdftotext(pdf, limit))
        .map_err(|e| Error::Setup(format!("pdftotext: {e}")))?;
    let preview = runtime
        .block_on(plenary_server::extract::pdf_preview(pdf, limit))
        .map_err(|e| Error::Setup(format!("page-1 preview: {e}")))?;
    Ok((pages, preview))
}

/// Adds a long report (`plenary_demo::long_report_pdf`) as a document of the
/// demo meeting ([`LONG_DOCUMENT_ID`]), as a sync leaves it: its file, its
/// text and (when given) page 1's picture.
pub fn add_long_document(
    cache_dir: &Path,
    pdf: &[u8],
    pages: &[String],
    preview: Option<&plenary_core::cache::Preview>,
) -> Result<()> {
    use plenary_core::model::{
        Document, DocumentKind, Language, MediaType, Record, Sha256, Version,
    };
    use plenary_demo::facts;
    let setup = |e: &dyn std::fmt::Display| {
        Error::Setup(format!(
            "adding the long report to the cache in {}: {e}",
            cache_dir.display()
        ))
    };
    let mut cache = Cache::open(cache_dir).map_err(|e| setup(&e))?;
    let sha256 = Sha256::of(pdf);
    cache.blobs().put(pdf).map_err(|e| setup(&e))?;
    let rendition = plenary_core::cache::Rendition::Ok {
        extractor: "pdftotext".into(),
        pages: pages.to_vec(),
    };
    let previews: Vec<_> = preview.map(|p| (sha256, p.clone())).into_iter().collect();
    cache
        .put_texts(&[(sha256, rendition)], &previews)
        .map_err(|e| setup(&e))?;
    fn id<T: std::str::FromStr<Err: std::fmt::Display>>(s: &str) -> Result<T> {
        s.parse()
            .map_err(|e| Error::Setup(format!("the long report's id {s:?}: {e}")))
    }
    cache
        .apply(&[
            Record::Document(Document {
                id: id(LONG_DOCUMENT_ID)?,
                meeting_id: id(facts::MEETING_ID)?,
                symbol: Some(id("CCM/MSP/2024/INF.99")?),
                title: "Compilation of annual reviews".into(),
                kind: DocumentKind::Information,
                agenda_item_id: None,
            }),
            Record::Version(Version {
                id: id(&format!("{LONG_DOCUMENT_ID}-en-0"))?,
                document_id: id(LONG_DOCUMENT_ID)?,
                language: Language::En,
                revision: 0,
                label: "Original".into(),
                published_at: time::OffsetDateTime::now_utc(),
                sha256,
                size: pdf.len() as u64,
                media_type: MediaType::Pdf,
                file_name: "inf99.pdf".into(),
            }),
        ])
        .map_err(|e| setup(&e))?;
    Ok(())
}
