//! Text renditions: the text of each published file, page by page, extracted
//! once at publication so that clients search, compare and anchor notes
//! without extracting again.
//!
//! PDFs go through poppler's `pdftotext` in a child process: a malformed or
//! hostile PDF can at worst crash or hang that process, which is killed at
//! the time limit; the server itself is never at risk.

use std::time::Duration;

use plenary_core::model::MediaType;
use tokio::io::AsyncWriteExt;

use crate::store::Rendition;

pub async fn extract(bytes: &[u8], media_type: MediaType, timeout: Duration) -> Rendition {
    match media_type {
        MediaType::Pdf => pdf(bytes, timeout).await,
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

async fn pdf(bytes: &[u8], timeout: Duration) -> Rendition {
    const EXTRACTOR: &str = "pdftotext";
    let child = tokio::process::Command::new("pdftotext")
        .args(["-q", "-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            return unavailable(
                EXTRACTOR,
                format!("pdftotext could not be started ({e}); install poppler-utils"),
            );
        }
    };
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let input = bytes.to_vec();
    let feed = tokio::spawn(async move {
        // A PDF pdftotext rejects early closes the pipe; that is not our error.
        let _ = stdin.write_all(&input).await;
    });
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return unavailable(EXTRACTOR, format!("pdftotext failed: {e}")),
        Err(_) => {
            return unavailable(
                EXTRACTOR,
                format!("extraction took longer than {} s", timeout.as_secs()),
            );
        }
    };
    let _ = feed.await;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = match output.status.code() {
            Some(1) | Some(2) => "the PDF could not be read (damaged or not a PDF)".to_owned(),
            Some(3) => "the PDF does not permit copying its text".to_owned(),
            _ => format!("pdftotext exited with {}", output.status),
        };
        return unavailable(EXTRACTOR, format!("{reason}: {}", stderr.trim()));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    // pdftotext ends every page with a form feed.
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    if pages.iter().all(|p| p.trim().is_empty()) {
        return unavailable(EXTRACTOR, "the PDF has no text layer (scanned images?)");
    }
    Rendition::Ok {
        extractor: EXTRACTOR.into(),
        pages,
    }
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
