//! Plain-text renditions (UTF-8), wrapped the way a secretariat's e-mail
//! circular would be: a header block, the title, then paragraphs.

use crate::doc::{Block, Doc};

const WIDTH: usize = 78;

/// Greedy word wrap by characters. Good enough for the Latin-script texts we
/// publish as plain text; no library needed for one use.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    let mut line_len = indent.chars().count();
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line_len > indent.len() && line_len + 1 + len > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
            line_len = indent.chars().count();
        }
        if line_len > indent.len() {
            line.push(' ');
            line_len += 1;
        }
        line.push_str(word);
        line_len += len;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

pub(crate) fn render(doc: &Doc) -> Vec<u8> {
    let mut t = String::new();
    t.push_str(&doc.masthead);
    t.push('\n');
    if let Some(symbol) = &doc.symbol {
        t.push_str(symbol);
        t.push('\n');
    }
    for line in doc.meeting_lines.iter().chain(&doc.distribution) {
        if !line.is_empty() {
            t.push_str(line);
            t.push('\n');
        }
    }
    t.push('\n');
    t.push_str(&doc.title);
    t.push('\n');
    if let Some(sub) = &doc.subtitle {
        t.push_str(sub);
        t.push('\n');
    }
    for block in &doc.blocks {
        t.push('\n');
        match block {
            Block::Heading(x) | Block::SubHeading(x) | Block::Centered(x) | Block::Note(x) => {
                t.push_str(x);
                t.push('\n');
            }
            Block::Para(x) => t.push_str(&wrap(x, "")),
            Block::Numbered { label, text } => t.push_str(&wrap(&format!("{label} {text}"), "")),
            Block::Item { label, text, .. } => {
                t.push_str(&wrap(&format!("{label} {text}"), "    "))
            }
        }
    }
    t.into_bytes()
}
