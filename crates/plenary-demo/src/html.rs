//! HTML renditions: a well-formed, self-contained page (inline style, no
//! scripts), as some secretariats publish statements and notes.

use crate::doc::{Block, Doc};

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn render(doc: &Doc) -> Vec<u8> {
    let lang = doc.lang.code();
    let dir = if doc.lang.is_right_to_left() {
        "rtl"
    } else {
        "ltr"
    };
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n");
    h.push_str(&format!(
        "<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n"
    ));
    h.push_str(&format!("<title>{}</title>\n", esc(&doc.title)));
    h.push_str(
        "<style>\nbody { font-family: serif; max-width: 40em; margin: 2em auto; line-height: 1.45; }\n\
         header p { margin: 0; }\n.symbol { font-weight: bold; }\n.note { font-style: italic; text-align: end; }\n\
         .item { padding-inline-start: 2em; text-indent: -2em; }\n.centered { text-align: center; font-weight: bold; }\n</style>\n",
    );
    h.push_str("</head>\n<body>\n<header>\n");
    h.push_str(&format!(
        "<p class=\"masthead\">{}</p>\n",
        esc(&doc.masthead)
    ));
    if let Some(symbol) = &doc.symbol {
        h.push_str(&format!("<p class=\"symbol\">{}</p>\n", esc(symbol)));
    }
    for line in doc.meeting_lines.iter().chain(&doc.distribution) {
        if !line.is_empty() {
            h.push_str(&format!("<p>{}</p>\n", esc(line)));
        }
    }
    h.push_str("</header>\n<main>\n");
    h.push_str(&format!("<h1>{}</h1>\n", esc(&doc.title)));
    if let Some(sub) = &doc.subtitle {
        h.push_str(&format!(
            "<p class=\"subtitle\"><strong>{}</strong></p>\n",
            esc(sub)
        ));
    }
    for block in &doc.blocks {
        let line = match block {
            Block::Heading(t) => format!("<h2>{}</h2>", esc(t)),
            Block::SubHeading(t) => format!("<h3>{}</h3>", esc(t)),
            Block::Para(t) => format!("<p>{}</p>", esc(t)),
            Block::Numbered { label, text } => format!("<p>{} {}</p>", esc(label), esc(text)),
            Block::Item { label, text, .. } => {
                format!("<p class=\"item\">{} {}</p>", esc(label), esc(text))
            }
            Block::Centered(t) => format!("<p class=\"centered\">{}</p>", esc(t)),
            Block::Note(t) => format!("<p class=\"note\">{}</p>", esc(t)),
        };
        h.push_str(&line);
        h.push('\n');
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h.into_bytes()
}
