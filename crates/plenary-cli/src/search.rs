//! `plenary search`: a thin adapter over `Cache::search`.

use std::io::Write;

use anyhow::{Result, bail};
use plenary_core::Cache;
use plenary_core::model::{AgendaItemId, DocumentKind, Language, MeetingId};
use plenary_core::search::{SearchHit, SearchQuery, SearchResults};
use time::Date;

use crate::term::{self, Style};

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// What to search for: words (all must match), "quoted phrases",
    /// prefix*, OR, -excluded. Several arguments are joined with spaces
    /// (put `--` before a query that starts with `-`).
    #[arg(required = true, num_args = 1.., value_name = "QUERY")]
    query: Vec<String>,
    /// Only this meeting's documents.
    #[arg(long)]
    meeting: Option<MeetingId>,
    /// Only these languages (repeat, or separate with commas: `--lang fr,en`).
    #[arg(long = "lang", value_delimiter = ',')]
    languages: Vec<Language>,
    /// Only these kinds: agenda, working_paper, draft, report, statement,
    /// information, press (repeat, or separate with commas).
    #[arg(long = "kind", value_delimiter = ',')]
    kinds: Vec<DocumentKind>,
    /// Only documents under this agenda item.
    #[arg(long)]
    agenda_item: Option<AgendaItemId>,
    /// Only versions published on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_parser = parse_date)]
    from: Option<Date>,
    /// Only versions published on or before this day (YYYY-MM-DD, UTC).
    #[arg(long, value_parser = parse_date)]
    to: Option<Date>,
    /// Search every revision, not only the latest of each document.
    #[arg(long)]
    all_revisions: bool,
    /// How many results to show.
    #[arg(long, default_value_t = plenary_core::search::DEFAULT_LIMIT)]
    limit: u32,
    /// Results to skip (the next page).
    #[arg(long, default_value_t = 0)]
    offset: u32,
}

fn parse_date(s: &str) -> Result<Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &format).map_err(|e| format!("{s:?} is not a date as YYYY-MM-DD ({e})"))
}

impl SearchArgs {
    fn query(&self) -> SearchQuery {
        SearchQuery {
            text: self.query.join(" "),
            meeting: self.meeting.clone(),
            languages: self.languages.clone(),
            kinds: self.kinds.clone(),
            agenda_item: self.agenda_item.clone(),
            from: self.from,
            to: self.to,
            all_revisions: self.all_revisions,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

pub fn run(out: &mut impl Write, cache: &Cache, args: &SearchArgs, as_json: bool) -> Result<()> {
    if args.limit == 0 || args.limit > plenary_core::search::MAX_LIMIT {
        bail!(
            "--limit must be between 1 and {}",
            plenary_core::search::MAX_LIMIT
        );
    }
    let query = args.query();
    let results = cache.search(&query)?;
    if as_json {
        return term::json(out, &results);
    }
    let has_texts = results.total > 0 || !cache.rendition_shas()?.is_empty();
    human(out, &query, &results, has_texts, Style::for_stdout())
}

fn human(
    out: &mut impl Write,
    query: &SearchQuery,
    results: &SearchResults,
    has_texts: bool,
    style: Style,
) -> Result<()> {
    if results.fallback {
        writeln!(
            out,
            "(The query's syntax could not be read; searched for its words instead.)"
        )?;
    }
    if results.total == 0 {
        writeln!(out, "No results for {:?}.", query.text)?;
        if !has_texts {
            writeln!(
                out,
                "The cache holds no document texts yet: they come with `plenary sync`."
            )?;
        }
        return Ok(());
    }
    let first = query.offset as u64 + 1;
    let last = query.offset as u64 + results.hits.len() as u64;
    if results.hits.is_empty() {
        writeln!(
            out,
            "{} results; none after {}.",
            results.total, query.offset
        )?;
        return Ok(());
    }
    writeln!(out, "{} results, {first}-{last}:", results.total)?;
    for hit in &results.hits {
        writeln!(out)?;
        writeln!(out, "{}", heading(hit))?;
        writeln!(out, "    {}", snippet(hit, style))?;
    }
    Ok(())
}

fn heading(hit: &SearchHit) -> String {
    let symbol = hit
        .symbol
        .as_ref()
        .map_or(hit.document_id.as_str(), |s| s.as_str());
    let also = if hit.also_pages.is_empty() {
        String::new()
    } else {
        let pages: Vec<String> = hit.also_pages.iter().map(u32::to_string).collect();
        format!(" (also p. {})", pages.join(", "))
    };
    format!(
        "{symbol}  {}  {}  p. {}{also}  {}  [{}]",
        hit.language.code(),
        hit.revision_label,
        hit.page,
        hit.title,
        hit.version_id
    )
}

fn snippet(hit: &SearchHit, style: Style) -> String {
    hit.snippet
        .iter()
        .map(|s| {
            // Text from documents never carries control characters to the terminal.
            let text: String = s
                .text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            match (s.hit, style) {
                (false, _) => text,
                (true, Style::Terminal) => format!("\x1b[1m{text}\x1b[0m"),
                (true, Style::Plain) => format!("[{text}]"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use plenary_core::search::SnippetSegment;

    fn hit() -> SearchHit {
        SearchHit {
            version_id: "v-fr-1".parse().unwrap(),
            document_id: "d".parse().unwrap(),
            meeting_id: "m".parse().unwrap(),
            symbol: Some("CCM/MSP/2024/10".parse().unwrap()),
            title: "Projet".into(),
            kind: DocumentKind::Draft,
            language: Language::Fr,
            revision: 1,
            revision_label: "Rev.1".into(),
            published_at: time::macros::datetime!(2024-09-10 09:00 UTC),
            page: 4,
            also_pages: vec![2, 7],
            snippet: vec![
                SnippetSegment {
                    text: "Les ".into(),
                    hit: false,
                },
                SnippetSegment {
                    text: "États".into(),
                    hit: true,
                },
                SnippetSegment {
                    text: " parties\x1b[31m".into(),
                    hit: false,
                },
            ],
            terms: vec!["États".into()],
            score: 1.0,
        }
    }

    #[test]
    fn hits_are_bracketed_in_plain_text_and_bold_on_a_terminal() {
        let h = hit();
        assert_eq!(
            heading(&h),
            "CCM/MSP/2024/10  fr  Rev.1  p. 4 (also p. 2, 7)  Projet  [v-fr-1]"
        );
        assert_eq!(snippet(&h, Style::Plain), "Les [États] parties [31m");
        assert_eq!(
            snippet(&h, Style::Terminal),
            "Les \x1b[1mÉtats\x1b[0m parties [31m"
        );
    }
}
