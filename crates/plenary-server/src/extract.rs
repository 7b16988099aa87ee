//! Text renditions: the text of each published file, page by page, extracted
//! once at publication so that clients search, compare and anchor notes
//! without extracting again.
//!
//! PDFs go through poppler's `pdftotext` in a child process: a malformed or
//! hostile PDF can at worst crash or hang that process, which is killed at
//! the time limit; the server itself is never at risk. `pdftotext` was chosen
//! over the pure-Rust crates by measurement (`extract-bench`, see
//! ARCHITECTURE.md): the same paragraph fidelity on the UN documents, and a
//! process boundary of its own. The crates are faster (no process to start)
//! and read the weasyprint Arabic samples that `pdftotext` gets wrong.
//!
//! DOCX files are read with `zip` and `quick-xml` in the server itself: that is
//! safe code over a size-bounded input, so no child process is needed.

use std::io::Read;
use std::time::Duration;

use plenary_core::model::MediaType;
use tokio::io::AsyncWriteExt;

use crate::store::{Preview, Rendition};

pub async fn extract(bytes: &[u8], media_type: MediaType, timeout: Duration) -> Rendition {
    match media_type {
        MediaType::Pdf => pdf(bytes, timeout).await,
        MediaType::Docx => {
            let input = bytes.to_vec();
            let task = tokio::task::spawn_blocking(move || docx_pages(&input));
            match tokio::time::timeout(timeout, task).await {
                Ok(Ok(Ok(pages))) if pages.iter().any(|p| !p.trim().is_empty()) => Rendition::Ok {
                    extractor: DOCX.into(),
                    pages,
                },
                Ok(Ok(Ok(_))) => unavailable(DOCX, "the document has no text"),
                Ok(Ok(Err(e))) => unavailable(DOCX, e.to_string()),
                Ok(Err(e)) => unavailable(DOCX, format!("extraction failed: {e}")),
                Err(_) => unavailable(
                    DOCX,
                    format!("extraction took longer than {} s", timeout.as_secs()),
                ),
            }
        }
        MediaType::Text => match std::str::from_utf8(bytes) {
            Ok(text) => Rendition::Ok {
                extractor: "text".into(),
                pages: vec![text.to_owned()],
            },
            Err(e) => unavailable("text", format!("not valid UTF-8: {e}")),
        },
        MediaType::Html => match std::str::from_utf8(bytes) {
            Ok(html) => Rendition::Ok {
                extractor: "html".into(),
                pages: vec![html_text(html)],
            },
            Err(e) => unavailable("html", format!("not valid UTF-8: {e}")),
        },
    }
}

fn unavailable(extractor: &str, reason: impl Into<String>) -> Rendition {
    Rendition::Unavailable {
        extractor: extractor.into(),
        reason: reason.into(),
    }
}

/// A picture of a PDF's first page, made at publication like the text, so
/// that a reader shows the page at once while pdf.js (its worker, its fonts)
/// gets ready to draw the real one: pdf.js alone takes ~450-650 ms to draw a
/// window's first PDF (pdf-bench, ARCHITECTURE.md), a PNG ~30 ms.
pub const PREVIEW_DPI: f64 = 120.0;
/// The longest side of a preview, in pixels: a poster-sized page is drawn
/// at a lower resolution rather than as a huge image.
pub const PREVIEW_MAX_SIDE_PX: f64 = 1600.0;
/// A preview larger than this is not kept (a page of fine noise, say).
pub const PREVIEW_MAX_BYTES: usize = 2 << 20;

/// Draws page 1 of a PDF as a PNG with poppler's `pdftoppm` (in a child
/// process killed at the time limit, as `pdftotext`). The page's size in
/// points is derived from the pixels and the resolution, so it is the box
/// `pdftoppm` drew (crop box, rotation applied), which is what pdf.js shows.
pub async fn pdf_preview(bytes: &[u8], timeout: Duration) -> Result<Preview, String> {
    let deadline = tokio::time::Instant::now() + timeout;
    // Neither pdfinfo nor pdftoppm (poppler 22) writes a PNG to stdout or
    // reads every PDF from stdin: both work on a file in a folder of their own.
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let input = dir.path().join("in.pdf");
    tokio::fs::write(&input, bytes)
        .await
        .map_err(|e| format!("could not write a temporary copy: {e}"))?;
    let info = run_poppler("pdfinfo", &["-f", "1", "-l", "1"], &[&input], deadline).await?;
    let (width, height) = page_one_size(&String::from_utf8_lossy(&info))
        .ok_or("pdfinfo did not give page 1's size")?;
    let longest = width.max(height).max(1.0);
    let dpi = PREVIEW_DPI.min(PREVIEW_MAX_SIDE_PX * 72.0 / longest);
    let out = dir.path().join("page");
    let dpi_arg = format!("{dpi:.3}");
    // Raw pixels (PPM), encoded here: pdftoppm's own PNGs are always 8-bit RGB.
    run_poppler(
        "pdftoppm",
        &["-f", "1", "-l", "1", "-singlefile", "-r", &dpi_arg],
        &[&input, &out],
        deadline,
    )
    .await?;
    let ppm = tokio::fs::read(dir.path().join("page.ppm"))
        .await
        .map_err(|e| format!("pdftoppm wrote no picture: {e}"))?;
    let png = tokio::task::spawn_blocking(move || encode_preview(&ppm))
        .await
        .map_err(|e| format!("encoding the picture failed: {e}"))??;
    if png.len() > PREVIEW_MAX_BYTES {
        return Err(format!(
            "the picture of page 1 takes {} KB (more than {} KB)",
            png.len() / 1024,
            PREVIEW_MAX_BYTES / 1024
        ));
    }
    let (px_w, px_h) = png_size(&png).ok_or("pdftoppm did not write a PNG")?;
    Ok(Preview {
        width_pt: f64::from(px_w) * 72.0 / dpi,
        height_pt: f64::from(px_h) * 72.0 / dpi,
        png,
    })
}

/// Encodes a binary PPM (what `pdftoppm` writes by default) as the smallest
/// PNG that looks the same for a moment: a page without colour (most UN
/// documents) in 16 grey levels, 4 bits a pixel (anti-aliased text keeps
/// its look; about a third of the bytes of 8-bit RGB), else 8-bit RGB.
pub fn encode_preview(ppm: &[u8]) -> Result<Vec<u8>, String> {
    let (width, height, pixels) = parse_ppm(ppm).ok_or("pdftoppm wrote an unreadable picture")?;
    // A grey pixel has equal channels; a little slack for rounding.
    let grey = pixels.chunks_exact(3).all(|p| {
        let (lo, hi) = (p[0].min(p[1]).min(p[2]), p[0].max(p[1]).max(p[2]));
        hi - lo <= 6
    });
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, width, height);
    encoder.set_compression(png::Compression::High);
    let data: Vec<u8> = if grey {
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Four);
        // Two pixels a byte, each row starting on a byte.
        let row = width as usize;
        let mut data = Vec::with_capacity(row.div_ceil(2) * height as usize);
        for line in pixels.chunks_exact(row * 3) {
            let levels: Vec<u8> = line
                .chunks_exact(3)
                .map(|p| ((u16::from(p[1]) * 15 + 127) / 255) as u8)
                .collect();
            data.extend(
                levels
                    .chunks(2)
                    .map(|two| two[0] << 4 | two.get(1).copied().unwrap_or(0)),
            );
        }
        data
    } else {
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        pixels.to_vec()
    };
    let mut writer = encoder.write_header().map_err(|e| format!("PNG: {e}"))?;
    writer
        .write_image_data(&data)
        .map_err(|e| format!("PNG: {e}"))?;
    writer.finish().map_err(|e| format!("PNG: {e}"))?;
    Ok(png)
}

/// A binary PPM's width, height and RGB bytes (maximum value 255).
fn parse_ppm(ppm: &[u8]) -> Option<(u32, u32, &[u8])> {
    let mut fields = Vec::with_capacity(4);
    let mut at = 0;
    while fields.len() < 4 {
        while ppm.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !ppm.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&ppm[start..at]).ok()?);
    }
    at += 1; // the one whitespace byte before the pixels
    let (w, h): (u32, u32) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
    let size = (w as usize).checked_mul(h as usize)?.checked_mul(3)?;
    let pixels = ppm.get(at..at.checked_add(size)?)?;
    (fields[0] == "P6" && fields[3] == "255" && w > 0 && h > 0).then_some((w, h, pixels))
}

/// Runs a poppler tool on files until `deadline`; its standard output.
async fn run_poppler(
    tool: &str,
    args: &[&str],
    files: &[&std::path::Path],
    deadline: tokio::time::Instant,
) -> Result<Vec<u8>, String> {
    let child = tokio::process::Command::new(tool)
        .args(args)
        .args(files)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{tool} could not be started ({e}); install poppler-utils"))?;
    let output = match tokio::time::timeout_at(deadline, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return Err(format!("{tool} failed: {e}")),
        Err(_) => return Err(format!("{tool} took too long")),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        let detail = last.map(|l| format!(" ({})", l.trim())).unwrap_or_default();
        return Err(format!("{tool} exited with {}{detail}", output.status));
    }
    Ok(output.stdout)
}

/// Page 1's displayed size in points from `pdfinfo -f 1 -l 1`: its
/// "Page    1 size: W x H pts" line, swapped when "Page    1 rot:" is 90 or 270.
pub fn page_one_size(info: &str) -> Option<(f64, f64)> {
    let field = |name: &str| {
        info.lines().find_map(|l| {
            let rest = l.strip_prefix("Page")?.trim_start();
            let rest = rest.strip_prefix('1')?.trim_start();
            rest.strip_prefix(name).map(str::trim)
        })
    };
    let mut size = field("size:")?.split_whitespace();
    let w: f64 = size.next()?.parse().ok()?;
    let _x = size.next().filter(|x| *x == "x")?;
    let h: f64 = size.next()?.parse().ok()?;
    if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
        return None;
    }
    let rot: i64 = field("rot:").and_then(|r| r.parse().ok()).unwrap_or(0);
    Some(if rot.rem_euclid(180) == 90 {
        (h, w)
    } else {
        (w, h)
    })
}

/// The width and height of a PNG, from its header chunk.
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if png.len() < 24 || !png.starts_with(SIGNATURE) || &png[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(png[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(png[20..24].try_into().ok()?);
    (w > 0 && h > 0).then_some((w, h))
}

/// Splits `pdftotext` output into pages. It ends every page, empty ones
/// included, with a form feed, so page `i` of the rendition is page `i` of the
/// PDF (what notes and search hits anchor to): only the one form feed after
/// the last page is dropped, never a blank last page.
pub fn pdftotext_pages(text: &str) -> Vec<String> {
    let text = text.strip_suffix('\u{c}').unwrap_or(text);
    if text.is_empty() {
        return Vec::new();
    }
    text.split('\u{c}').map(str::to_owned).collect()
}

/// Runs `pdftotext` on a PDF; the page texts, or why there are none.
pub async fn pdftotext(bytes: &[u8], timeout: Duration) -> Result<Vec<String>, String> {
    // No `-q`: poppler's messages say why a file failed ("Incorrect password").
    let child = tokio::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = child
        .map_err(|e| format!("pdftotext could not be started ({e}); install poppler-utils"))?;
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let input = bytes.to_vec();
    let feed = tokio::spawn(async move {
        // A PDF pdftotext rejects early closes the pipe; that is not our error.
        let _ = stdin.write_all(&input).await;
    });
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return Err(format!("pdftotext failed: {e}")),
        Err(_) => {
            return Err(format!(
                "extraction took longer than {} s",
                timeout.as_secs()
            ));
        }
    };
    let _ = feed.await;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // The last message is the one that stopped it; warnings come before.
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        let detail = last.map(|l| format!(" ({})", l.trim())).unwrap_or_default();
        let reason = if stderr.contains("Incorrect password") {
            "the PDF is encrypted with a password; publish an unencrypted copy to have its text"
                .to_owned()
        } else {
            match output.status.code() {
                Some(1) => "the PDF could not be read (damaged or not a PDF)".to_owned(),
                Some(3) => "the PDF does not permit copying its text".to_owned(),
                _ => format!("pdftotext exited with {}", output.status),
            }
        };
        return Err(format!("{reason}{detail}"));
    }
    Ok(pdftotext_pages(&String::from_utf8_lossy(&output.stdout)))
}

async fn pdf(bytes: &[u8], timeout: Duration) -> Rendition {
    const EXTRACTOR: &str = "pdftotext";
    match pdftotext(bytes, timeout).await {
        Err(reason) => unavailable(EXTRACTOR, reason),
        Ok(pages) if pages.is_empty() => unavailable(
            EXTRACTOR,
            "no page of the PDF could be read (the file is damaged)",
        ),
        Ok(pages) if pages.iter().all(|p| p.trim().is_empty()) => {
            unavailable(EXTRACTOR, "the PDF has no text layer (scanned images?)")
        }
        Ok(pages) => Rendition::Ok {
            extractor: EXTRACTOR.into(),
            pages,
        },
    }
}

const DOCX: &str = "docx";
/// The most of `word/document.xml` read, uncompressed: far above any real
/// meeting document, low enough that a zip bomb cannot exhaust memory.
const DOCX_XML_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("the file is not a readable zip archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("the file has no word/document.xml; it is not a Word document")]
    NoDocument,
    #[error("word/document.xml is larger than {} MB uncompressed", DOCX_XML_LIMIT >> 20)]
    TooLarge,
    #[error("word/document.xml could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("word/document.xml is not well-formed XML: {0}")]
    Xml(#[from] quick_xml::Error),
}

/// Whether these bytes are a Word (OOXML) document: a zip with `word/document.xml`.
pub fn is_docx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
        && zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .is_ok_and(|z| z.index_for_name("word/document.xml").is_some())
}

/// The text of a Word document, page by page, from `word/document.xml`: a
/// line per paragraph (`w:p`), text from `w:t`, tabs and line breaks kept.
///
/// A DOCX has no fixed pages; the breaks Word recorded are the best there is.
/// `w:lastRenderedPageBreak` marks where each page began when Word last laid
/// the document out (explicit breaks included), so when a document has any,
/// only those count; otherwise explicit breaks (`w:br w:type="page"`,
/// `w:pageBreakBefore`) do. Counting both would double every explicit break.
///
/// Hand-written over `quick-xml` events because only these few elements
/// matter; `mc:Fallback` is skipped because it repeats its `mc:Choice`
/// (text boxes would otherwise appear twice).
pub fn docx_pages(bytes: &[u8]) -> Result<Vec<String>, DocxError> {
    use quick_xml::events::Event;

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let file = archive
        .by_name("word/document.xml")
        .map_err(|_| DocxError::NoDocument)?;
    if file.size() > DOCX_XML_LIMIT {
        return Err(DocxError::TooLarge);
    }
    let mut xml = String::new();
    // `size()` is what the archive claims; `take` bounds what it delivers.
    file.take(DOCX_XML_LIMIT + 1).read_to_string(&mut xml)?;
    if xml.len() as u64 > DOCX_XML_LIMIT {
        return Err(DocxError::TooLarge);
    }
    let rendered_breaks = xml.contains("lastRenderedPageBreak");

    let mut pages = vec![String::new()];
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut in_text, mut skip_depth, mut in_body) = (false, 0usize, false);
    loop {
        let event = reader.read_event()?;
        if skip_depth > 0 {
            match event {
                Event::Start(_) => skip_depth += 1,
                Event::End(_) => skip_depth -= 1,
                Event::Eof => break,
                _ => {}
            }
            continue;
        }
        let page = pages.last_mut().expect("never empty");
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                "body" => in_body = true,
                "t" => in_text = true,
                "Fallback" => skip_depth = 1,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" if in_body => page.push('\t'),
                "cr" if in_body => page.push('\n'),
                "br" if in_body => {
                    let kind = e
                        .try_get_attribute("w:type")
                        .ok()
                        .flatten()
                        .map(|a| a.value.to_string());
                    match kind.as_deref() {
                        Some("page") if !rendered_breaks => pages.push(String::new()),
                        Some("page") | Some("column") => {}
                        _ => page.push('\n'),
                    }
                }
                "lastRenderedPageBreak" if in_body && rendered_breaks => pages.push(String::new()),
                "pageBreakBefore" if in_body && !rendered_breaks => {
                    let off = e
                        .try_get_attribute("w:val")
                        .ok()
                        .flatten()
                        .is_some_and(|a| matches!(a.value.as_ref(), "0" | "false" | "off"));
                    // The break belongs before this paragraph, whose text is not out yet.
                    if !off && !page.trim().is_empty() {
                        pages.push(String::new());
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text => page.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    page.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    page.push_str(s);
                }
            }
            Event::CData(t) if in_text => page.push_str(&t.xml10_content()),
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" if in_body => page.push('\n'),
                "body" => in_body = false,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    // A break as the very last thing (a trailing page break) opens no page.
    if pages.len() > 1 && pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    Ok(pages
        .into_iter()
        .map(|p| p.trim_matches('\n').to_owned())
        .collect())
}

/// The readable text of an HTML document: element text with block elements on
/// their own lines, scripts and styles dropped, common entities decoded.
/// Written by hand because published HTML versions are simple, well-formed
/// secretariat documents; a full HTML parser is the upgrade path if that changes.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[..gt].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[gt + 1..];
        if !tag.starts_with('/') && matches!(name.as_str(), "script" | "style" | "head") {
            let close = format!("</{name}");
            rest = match rest.to_ascii_lowercase().find(&close) {
                Some(end) => &rest[end..],
                None => "",
            };
            continue;
        }
        if matches!(
            name.as_str(),
            "p" | "br"
                | "div"
                | "li"
                | "tr"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "section"
                | "article"
                | "table"
                | "ul"
                | "ol"
                | "blockquote"
        ) && !out.ends_with('\n')
        {
            out.push('\n');
        }
    }
    out.push_str(&decode_entities(rest));
    let lines: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let entity = &after[..e];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => entity
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_keeps_text_and_blocks_drops_scripts() {
        let html = "<html><head><title>x</title><style>p{}</style></head><body>\
            <h1>Article 5</h1><p>States Parties shall&nbsp;clear &amp; destroy</p>\
            <script>alert(1)</script><p dir=\"rtl\">المادة ٥</p></body></html>";
        assert_eq!(
            html_text(html),
            "Article 5\nStates Parties shall\u{a0}clear & destroy\nالمادة ٥"
        );
    }

    fn docx(body: &str) -> Vec<u8> {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="w" xmlns:mc="mc"><w:body>{body}</w:body></w:document>"#
        )
        .unwrap();
        zip.finish().unwrap();
        out.into_inner()
    }

    /// Decodes a PNG to 8-bit samples (grey or RGB) for comparison.
    fn decode(png: &[u8]) -> (png::ColorType, Vec<u8>) {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.color_type, buf)
    }

    #[test]
    fn previews_are_16_grey_levels_without_colour_and_rgb_with_it() {
        // 3 x 2 pixels: white, black, mid grey / grey, light, dark.
        let grey_px: [u8; 6] = [255, 0, 128, 100, 200, 30];
        let mut ppm = b"P6\n3 2\n255\n".to_vec();
        ppm.extend(grey_px.iter().flat_map(|&g| [g, g, g]));
        let png = encode_preview(&ppm).unwrap();
        assert_eq!(png_size(&png), Some((3, 2)));
        let (colour, samples) = decode(&png);
        assert_eq!(colour, png::ColorType::Grayscale);
        for (got, want) in samples.iter().zip(grey_px) {
            assert!(
                got.abs_diff(want) <= 9,
                "grey {want} came back as {got}: {samples:?}"
            );
        }
        // One blue pixel: kept in colour, exactly.
        let mut ppm = b"P6 2 1 255 ".to_vec();
        ppm.extend([255, 255, 255, 0, 51, 153]);
        let (colour, samples) = decode(&encode_preview(&ppm).unwrap());
        assert_eq!(colour, png::ColorType::Rgb);
        assert_eq!(samples, [255, 255, 255, 0, 51, 153]);
        // Truncated, or not a PPM: an error, not a panic.
        assert!(encode_preview(b"P6\n3 2\n255\n\0\0").is_err());
        assert!(encode_preview(b"P5\n1 1\n255\n\0").is_err());
        assert!(encode_preview(b"").is_err());
    }

    #[test]
    fn page_one_size_reads_pdfinfo_and_turns_rotated_pages() {
        let info =
            "Pages:           25\nPage    1 size:  595.22 x 842 pts (A4)\nPage    1 rot:   0\n";
        assert_eq!(page_one_size(info), Some((595.22, 842.0)));
        let turned = "Page    1 size:  595.22 x 842 pts (A4)\nPage    1 rot:   270\n";
        assert_eq!(page_one_size(turned), Some((842.0, 595.22)));
        assert_eq!(page_one_size("Page    1 size:  0 x 842 pts\n"), None);
        assert_eq!(page_one_size("Pages: 1\n"), None);
    }

    #[tokio::test]
    async fn a_preview_is_page_one_as_a_png_and_garbage_has_none() {
        let pdf = plenary_demo::long_report_pdf(3).expect("the demo renders a report");
        let p = pdf_preview(&pdf, Duration::from_secs(20))
            .await
            .expect("a preview");
        let (w, h) = png_size(&p.png).expect("a PNG");
        assert!(p.png.len() < PREVIEW_MAX_BYTES);
        // The size in points is what pdf.js shows at scale 1 (A4 here).
        assert!((p.width_pt - 595.0).abs() < 1.5, "{} pt", p.width_pt);
        assert!((p.height_pt - 842.0).abs() < 1.5, "{} pt", p.height_pt);
        assert!(
            (990..=994).contains(&w) && (1400..=1405).contains(&h),
            "A4 at 120 dpi: {w} x {h}"
        );
        let why = pdf_preview(b"%PDF-1.7 not really", Duration::from_secs(20))
            .await
            .expect_err("garbage has no page to draw");
        assert!(why.contains("pdfinfo"), "the reason names the tool: {why}");
    }

    #[test]
    fn pdftotext_pages_keep_blank_pages_in_place() {
        assert_eq!(pdftotext_pages("a\u{c}\u{c}c\u{c}"), ["a", "", "c"]);
        assert_eq!(
            pdftotext_pages("a\u{c}\u{c}"),
            ["a", ""],
            "a blank last page stays"
        );
        assert!(pdftotext_pages("").is_empty());
    }

    #[test]
    fn docx_pages_follow_the_breaks_word_rendered_else_the_explicit_ones() {
        let explicit = docx(concat!(
            "<w:p><w:r><w:t>one</w:t><w:tab/><w:t>1</w:t></w:r></w:p>",
            "<w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>two</w:t></w:r></w:p>",
            "<w:p><w:r><w:t>x&lt;y &#x41;</w:t><w:br/><w:t>z</w:t></w:r></w:p>",
            "<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>",
        ));
        assert!(is_docx(&explicit));
        assert_eq!(docx_pages(&explicit).unwrap(), ["one\t1", "two\nx<y A\nz"]);

        // Word's own layout: a rendered break inside a paragraph, and an
        // explicit break that is followed by its rendered twin (counted once).
        let rendered = docx(concat!(
            "<w:p><w:r><w:t>a</w:t></w:r><w:r><w:lastRenderedPageBreak/><w:t>b</w:t></w:r></w:p>",
            "<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>",
            "<w:p><w:r><w:lastRenderedPageBreak/><w:t>c</w:t></w:r></w:p>",
        ));
        assert_eq!(docx_pages(&rendered).unwrap(), ["a", "b", "c"]);

        // A text box is written twice (the choice and a fallback): read once.
        let textbox = docx(concat!(
            "<w:p><w:r><mc:AlternateContent><mc:Choice><w:t>box</w:t></mc:Choice>",
            "<mc:Fallback><w:pict><w:t>box</w:t></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>",
        ));
        assert_eq!(docx_pages(&textbox).unwrap(), ["box"]);
    }

    #[test]
    fn non_word_zips_and_broken_xml_are_errors_not_panics() {
        assert!(!is_docx(b"PK\x03\x04 not a zip"));
        assert!(matches!(docx_pages(b"PK\x03\x04"), Err(DocxError::Zip(_))));
        let broken = docx("<w:p><w:t>unclosed</w:p>");
        assert!(matches!(docx_pages(&broken), Err(DocxError::Xml(_))));
    }

    #[tokio::test]
    async fn garbage_is_published_without_text_and_says_why() {
        let r = extract(
            b"%PDF-1.7 not really",
            MediaType::Pdf,
            Duration::from_secs(20),
        )
        .await;
        match r {
            Rendition::Unavailable { reason, .. } => {
                assert!(!reason.is_empty());
            }
            Rendition::Ok { pages, .. } => panic!("garbage gave text: {pages:?}"),
        }
    }
}
