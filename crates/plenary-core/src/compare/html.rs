//! A comparison as one standalone HTML document that prints cleanly:
//! insertions and deletions are `<ins>`/`<del>` with visible text markers
//! (`[+ … +]`, `[− … −]`) and underline/strikethrough, so they read without
//! colour and in black and white; a summary table links to each change.
//! Every piece of document text is escaped.

use std::fmt::Write;

use super::{Comparison, RowKind, Word, WordOp};

/// What the export is titled and how much unchanged text it keeps.
#[derive(Debug, Clone)]
pub struct HtmlOptions {
    pub title: String,
    /// How the two versions are named ("Rev.1", a file name).
    pub old_label: String,
    pub new_label: String,
    /// Unchanged paragraphs kept before and after each change; `None`
    /// keeps the whole document.
    pub context: Option<usize>,
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 15px/1.5 "Noto Serif", Georgia, serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
h1 { font-size: 1.4rem; margin-bottom: .25rem; }
.versions { color: #444; margin-top: 0; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #999; padding: .2rem .6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
ins { text-decoration: underline; text-decoration-thickness: 2px; background: #ddf4dd; color: #064b06; }
del { text-decoration: line-through; background: #fbe0e0; color: #7a0c0c; }
.mark { font-weight: bold; font-family: ui-monospace, monospace; font-size: .85em; }
.n-label { font: bold .75em ui-monospace, monospace; color: #333; border: 1px solid #666; border-radius: 3px; padding: 0 .2em; margin-right: .2em; }
p { margin: .6rem 0; white-space: pre-wrap; }
p.changed { border-left: 3px solid #888; padding-left: .5rem; }
p.moved { border-left: 3px double #555; padding-left: .5rem; }
.move-label { display: block; font: italic .85em sans-serif; color: #333; }
.elided { color: #666; font-style: italic; text-align: center; }
@media print {
  body { font-size: 10.5pt; max-width: none; margin: 0; }
  a { color: inherit; text-decoration: none; }
  ins, del { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  table, tr, p.changed, p.moved { break-inside: avoid; }
  h1, h2 { break-after: avoid; }
}
"#;

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape(s, &mut out);
    out
}

fn words(ws: &[Word], out: &mut String, anchors: &mut Vec<u32>) {
    for w in ws {
        if let Some(c) = w.change
            && !anchors.contains(&c)
        {
            anchors.push(c);
            let _ = write!(
                out,
                r#"<span class="n-label" id="change-{}">{}</span>"#,
                c + 1,
                c + 1
            );
        }
        match w.op {
            WordOp::Equal => escape(&w.text, out),
            WordOp::Insert => {
                out.push_str(r#"<ins><span class="mark">[+</span>"#);
                escape(&w.text, out);
                out.push_str(r#"<span class="mark">+]</span></ins>"#);
            }
            WordOp::Delete => {
                out.push_str(r#"<del><span class="mark">[−</span>"#);
                escape(&w.text, out);
                out.push_str(r#"<span class="mark">−]</span></del>"#);
            }
        }
    }
}

/// The comparison as a standalone HTML document.
pub fn render(c: &Comparison, options: &HtmlOptions) -> String {
    let mut out = String::with_capacity(c.rows.len() * 200 + 4096);
    let s = &c.summary;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"versions\">{} → {}</p>\n",
        esc(&options.title),
        esc(&options.title),
        esc(&options.old_label),
        esc(&options.new_label),
    );
    let _ = write!(
        out,
        "<table class=\"summary\"><caption>Summary</caption>\n<tr><th>Changes</th><td class=\"n\">{}</td></tr>\n<tr><th>Replacements</th><td class=\"n\">{}</td></tr>\n<tr><th>Insertions</th><td class=\"n\">{}</td></tr>\n<tr><th>Deletions</th><td class=\"n\">{}</td></tr>\n<tr><th>Moves</th><td class=\"n\">{}</td></tr>\n<tr><th>Words inserted / deleted</th><td class=\"n\">{} / {}</td></tr>\n</table>\n",
        s.changes,
        s.replacements,
        s.insertions,
        s.deletions,
        s.moves,
        s.words_inserted,
        s.words_deleted
    );
    if !s.by_location.is_empty() {
        out.push_str("<table class=\"where\"><caption>Where</caption>\n<tr><th>Location</th><th>Page</th><th>Changes</th></tr>\n");
        for l in &s.by_location {
            let _ = writeln!(
                out,
                "<tr><td><a href=\"#change-{}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                l.first + 1,
                esc(&l.location),
                l.page,
                l.changes
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("<main>\n");
    // Which rows to show.
    let show: Vec<bool> = match options.context {
        None => vec![true; c.rows.len()],
        Some(n) => {
            let mut show = vec![false; c.rows.len()];
            for (i, r) in c.rows.iter().enumerate() {
                if r.kind != RowKind::Equal {
                    let lo = i.saturating_sub(n);
                    let hi = (i + n + 1).min(c.rows.len());
                    show[lo..hi].fill(true);
                }
            }
            show
        }
    };
    let mut anchors = Vec::new();
    let mut hidden = 0usize;
    for (i, row) in c.rows.iter().enumerate() {
        if !show[i] {
            hidden += 1;
            continue;
        }
        if hidden > 0 {
            let _ = writeln!(
                out,
                "<p class=\"elided\">… {hidden} unchanged paragraph(s) …</p>"
            );
            hidden = 0;
        }
        match row.kind {
            RowKind::Equal => {
                out.push_str("<p>");
                words(&row.words, &mut out, &mut anchors);
                out.push_str("</p>\n");
            }
            RowKind::Changed => {
                out.push_str("<p class=\"changed\">");
                words(&row.words, &mut out, &mut anchors);
                out.push_str("</p>\n");
            }
            RowKind::MovedFrom | RowKind::MovedTo => {
                let id = row.changes.first().copied().unwrap_or(0);
                let change = &c.changes[id as usize];
                let label = if row.kind == RowKind::MovedFrom {
                    format!(
                        "Moved from here to {} ({}), change {}:",
                        change.new.location.label,
                        format_page(change.new.page),
                        id + 1
                    )
                } else {
                    format!(
                        "Moved here from {} ({}):",
                        change.old.location.label,
                        format_page(change.old.page)
                    )
                };
                let _ = write!(
                    out,
                    "<p class=\"moved\"><span class=\"move-label\">{}</span>",
                    esc(&label)
                );
                if row.kind == RowKind::MovedFrom {
                    out.push_str(r#"<del><span class="mark">[moved:</span> "#);
                    for w in &row.words {
                        escape(&w.text, &mut out);
                    }
                    out.push_str(r#"<span class="mark">]</span></del>"#);
                } else {
                    words(&row.words, &mut out, &mut anchors);
                }
                out.push_str("</p>\n");
            }
        }
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "<p class=\"elided\">… {hidden} unchanged paragraph(s) …</p>"
        );
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn format_page(page: u32) -> String {
    format!("page {page}")
}

#[cfg(test)]
mod tests {
    use super::super::{CompareOptions, compare};
    use super::*;

    #[test]
    fn escapes_marks_and_summarises() {
        let old = vec![
            "The <b>parties</b> & \"others\" agree.\n\nArticle 2\n\nUnchanged text here."
                .to_string(),
        ];
        let new = vec![
            "The <b>States</b> & \"others\" agree.\n\nArticle 2\n\nUnchanged text here."
                .to_string(),
        ];
        let c = compare(&old, &new, &CompareOptions::default());
        let html = render(
            &c,
            &HtmlOptions {
                title: "A <title>".into(),
                old_label: "Rev.1".into(),
                new_label: "Rev.2".into(),
                context: None,
            },
        );
        assert!(html.contains("<title>A &lt;title&gt;</title>"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;b&gt;"));
        assert!(
            html.contains(
                r#"<del><span class="mark">[−</span>parties<span class="mark">−]</span></del>"#
            ),
            "{html}"
        );
        assert!(html.contains(
            r#"<ins><span class="mark">[+</span>States<span class="mark">+]</span></ins>"#
        ));
        assert!(html.contains("@media print"));
        assert!(html.contains("id=\"change-1\""));
        assert!(html.contains("Unchanged text here."));
        let short = render(
            &c,
            &HtmlOptions {
                title: "t".into(),
                old_label: "a".into(),
                new_label: "b".into(),
                context: Some(0),
            },
        );
        assert!(!short.contains("Unchanged text here."));
        assert!(short.contains("2 unchanged paragraph(s)"));
    }
}
