//! Text and JSON views of the cache for the terminal.

use std::io::Write;

use anyhow::Result;
use plenary_core::Cache;
use plenary_core::model::{DocumentId, MeetingId};

use crate::term::json;

pub fn meetings(out: &mut impl Write, cache: &Cache, as_json: bool) -> Result<()> {
    let meetings = cache.meetings()?;
    if as_json {
        return json(out, &meetings);
    }
    if meetings.is_empty() {
        writeln!(
            out,
            "No meetings in the cache at {}. Try `plenary demo seed`.",
            cache.dir().display()
        )?;
    }
    for m in meetings {
        let langs: Vec<_> = m.languages.iter().map(|l| l.code()).collect();
        writeln!(
            out,
            "{}  {}\n    {}, {} to {} · {} documents, {} statements · {}",
            m.meeting.id,
            m.meeting.title,
            m.meeting.city,
            m.meeting.starts_on,
            m.meeting.ends_on,
            m.document_count,
            m.statement_count,
            langs.join(" ")
        )?;
    }
    Ok(())
}

pub fn meeting(out: &mut impl Write, cache: &Cache, id: &MeetingId, as_json: bool) -> Result<()> {
    let o = cache.meeting_overview(id)?;
    if as_json {
        return json(out, &o);
    }
    writeln!(
        out,
        "{}\n{}, {}",
        o.meeting.title, o.meeting.venue, o.meeting.city
    )?;
    writeln!(out, "\nAgenda")?;
    for item in &o.agenda {
        writeln!(out, "  {:>5}  {}", item.number, item.title)?;
    }
    writeln!(out, "\nDocuments")?;
    for d in &o.documents {
        let symbol = d
            .document
            .symbol
            .as_ref()
            .map(|s| s.as_str())
            .unwrap_or("-");
        let langs: Vec<_> = d.languages.iter().map(|l| l.code()).collect();
        writeln!(
            out,
            "  {:<28} {:<14} {}  [{} · {}]  ({})",
            symbol,
            d.document.kind.as_str(),
            d.document.title,
            d.latest_label,
            langs.join(" "),
            d.document.id
        )?;
    }
    writeln!(out, "\nStatements")?;
    for s in &o.statements {
        let behalf = s
            .on_behalf_of
            .as_deref()
            .map(|g| format!(" on behalf of {g}"))
            .unwrap_or_default();
        writeln!(out, "  {}  {}{}", s.delivered_on, s.delegation, behalf)?;
    }
    Ok(())
}

pub fn document(out: &mut impl Write, cache: &Cache, id: &DocumentId, as_json: bool) -> Result<()> {
    let d = cache.document(id)?;
    if as_json {
        return json(out, &d);
    }
    let symbol = d
        .document
        .symbol
        .as_ref()
        .map(|s| s.as_str())
        .unwrap_or("-");
    writeln!(out, "{symbol}  {}", d.document.title)?;
    for v in &d.versions {
        writeln!(
            out,
            "  {:<3} {:<12} {}  {:>9} bytes  {}  {}",
            v.version.language.code(),
            v.version.label,
            v.version.published_at.date(),
            v.version.size,
            if v.downloaded {
                "downloaded"
            } else {
                "not downloaded"
            },
            v.version.id
        )?;
    }
    Ok(())
}

pub fn cache_info(out: &mut impl Write, cache: &Cache, as_json: bool) -> Result<()> {
    let s = cache.stats()?;
    if as_json {
        return json(out, &s);
    }
    writeln!(out, "Cache:      {}", s.path.display())?;
    writeln!(out, "Format:     {}", s.schema_version)?;
    writeln!(out, "Meetings:   {}", s.meetings)?;
    writeln!(out, "Documents:  {}", s.documents)?;
    writeln!(
        out,
        "Versions:   {} ({} downloaded)",
        s.versions, s.versions_downloaded
    )?;
    writeln!(
        out,
        "Disk:       {:.1} MB files, {:.1} MB database",
        s.blob_bytes as f64 / 1e6,
        s.database_bytes as f64 / 1e6
    )?;
    Ok(())
}

/// Returns the process exit code: 0 if everything is intact, 1 if not.
pub fn cache_verify(out: &mut impl Write, cache: &Cache, as_json: bool) -> Result<i32> {
    let (integrity, report) = cache.verify()?;
    let ok = integrity == "ok" && report.quarantined.is_empty();
    if as_json {
        json(
            out,
            &serde_json::json!({"ok": ok, "database": integrity, "files": report}),
        )?;
    } else {
        writeln!(out, "Database:   {integrity}")?;
        writeln!(
            out,
            "Files:      {} checked ({:.1} MB), {} damaged",
            report.checked,
            report.bytes as f64 / 1e6,
            report.quarantined.len()
        )?;
        for sha in &report.quarantined {
            writeln!(out, "  damaged, moved aside: {sha}")?;
        }
    }
    Ok(if ok { 0 } else { 1 })
}
