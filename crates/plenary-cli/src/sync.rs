//! `plenary sync`, `plenary cache space|free`, `plenary settings`: thin
//! adapters over `plenary_core::sync` and the cache's settings.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use plenary_core::Cache;
use plenary_core::model::{Language, MeetingId};
use plenary_core::sync::{
    Keep, Languages, LiveSync, Meetings, SyncClient, SyncControl, SyncOptions, SyncPhase,
    SyncProgress,
};
use tokio::sync::watch;

use crate::term;

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// The server's address.
    #[arg(long, env = "PLENARY_SERVER", default_value = "http://127.0.0.1:8787")]
    server: String,
    /// A token, for restricted meetings.
    #[arg(long, env = "PLENARY_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Languages whose files to keep offline this time, e.g. `fr,en`
    /// (default: the cache's settings; see `plenary settings`).
    #[arg(long, value_delimiter = ',')]
    languages: Vec<Language>,
    /// How many files to download at once.
    #[arg(long, default_value_t = 6)]
    parallel: usize,
    /// Keep syncing whenever the server publishes, until Ctrl-C.
    #[arg(long)]
    watch: bool,
    /// Seconds without a byte before a response counts as stalled.
    #[arg(long, default_value_t = 30)]
    read_timeout: u64,
    /// Seconds between polls while live events are unavailable (--watch).
    #[arg(long, default_value_t = 60)]
    poll_interval: u64,
}

impl SyncArgs {
    fn options(&self) -> SyncOptions {
        SyncOptions {
            keep: (!self.languages.is_empty()).then(|| Keep {
                meetings: Meetings::All,
                languages: Languages::Only(self.languages.clone()),
            }),
            parallel: self.parallel.max(1),
            read_timeout: Duration::from_secs(self.read_timeout.max(1)),
            poll_interval: Duration::from_secs(self.poll_interval.max(1)),
            ..SyncOptions::default()
        }
    }
}

pub fn sync(out: &mut impl Write, cache: Cache, args: &SyncArgs, as_json: bool) -> Result<i32> {
    let cache = Arc::new(Mutex::new(cache));
    let runtime = tokio::runtime::Runtime::new()?;
    let client = SyncClient::new(&args.server, args.token.clone())?;
    if args.watch {
        return runtime.block_on(watch_forever(out, client, cache, args.options(), as_json));
    }
    let (tx, rx) = watch::channel(SyncProgress::default());
    let control = SyncControl {
        progress: Some(tx),
        ..SyncControl::default()
    };
    let started = Instant::now();
    let options = args.options();
    let report = runtime.block_on(async {
        let cancel = control.cancel.clone();
        let shown = tokio::spawn(show_progress(rx));
        let ctrl_c = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        });
        let report = client.sync_with(&cache, &options, &control).await;
        drop(control);
        ctrl_c.abort();
        let _ = shown.await;
        report
    });
    let report = report.map_err(|e| anyhow::anyhow!("{} [{}]", e.for_people(), code(e.code())))?;
    if as_json {
        term::json(out, &report)?;
    } else {
        writeln!(
            out,
            "Synced with {} in {:.2} s: {} records in {} pages, {} files ({:.1} MB), {} texts; feed at {}.",
            args.server,
            started.elapsed().as_secs_f64(),
            report.records,
            report.pages,
            report.files_fetched,
            report.bytes_fetched as f64 / 1e6,
            report.texts_fetched,
            report.cursor
        )?;
        if report.texts_pending > 0 {
            writeln!(
                out,
                "  {} texts are not extracted yet; the next sync fetches them.",
                report.texts_pending
            )?;
        }
        if let Some(n) = &report.notes {
            writeln!(
                out,
                "  Shared notes: {} sent, {} withdrawn, {} received, {} merged with a teammate's edit.",
                n.pushed, n.withdrawn, n.pulled, n.merged
            )?;
        }
        if let Some(why) = &report.notes_error {
            writeln!(out, "  Shared notes were not synced: {why}")?;
        }
        for (sha, why) in &report.files_failed {
            writeln!(out, "  not fetched, will retry: {sha}: {why}")?;
        }
    }
    Ok(if report.files_failed.is_empty() { 0 } else { 1 })
}

fn code(c: plenary_core::ErrorCode) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A progress bar on a terminal; plain lines (a few per phase) otherwise. On stderr.
async fn show_progress(mut rx: watch::Receiver<SyncProgress>) {
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix:>6} [{bar:30}] {msg} {binary_bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        while rx.changed().await.is_ok() {
            let p = rx.borrow_and_update().clone();
            bar.set_prefix(phase_name(p.phase));
            if p.phase == SyncPhase::Files {
                bar.set_length(p.bytes_total);
                bar.set_position(p.bytes_done);
            } else {
                bar.set_length(p.documents_total);
                bar.set_position(p.documents_done);
            }
            bar.set_message(format!(
                "{}/{} {}",
                p.documents_done,
                p.documents_total,
                p.current_file.as_deref().unwrap_or("")
            ));
        }
        bar.finish_and_clear();
        return;
    }
    let mut last = (SyncPhase::Done, Instant::now(), 0u64);
    while rx.changed().await.is_ok() {
        let p = rx.borrow_and_update().clone();
        // The summary line that follows says what was done; the progress of
        // the "done" phase has no counts of its own.
        if p.phase == SyncPhase::Done {
            continue;
        }
        let tenth = (p.bytes_done * 10).checked_div(p.bytes_total).unwrap_or(0);
        if p.phase != last.0
            || tenth > last.2
            || last.1.elapsed() > Duration::from_secs(5) && p.documents_done < p.documents_total
        {
            eprintln!(
                "sync: {}: {}/{} done, {:.1}/{:.1} MB, {:.1} MB/s{}",
                phase_name(p.phase),
                p.documents_done,
                p.documents_total,
                p.bytes_done as f64 / 1e6,
                p.bytes_total as f64 / 1e6,
                p.rate_bytes_per_sec / 1e6,
                p.eta_secs
                    .map(|s| format!(", {s} s left"))
                    .unwrap_or_default()
            );
            last = (p.phase, Instant::now(), tenth);
        }
    }
}

fn phase_name(phase: SyncPhase) -> &'static str {
    match phase {
        SyncPhase::Feed => "feed",
        SyncPhase::Files => "files",
        SyncPhase::Texts => "texts",
        SyncPhase::Done => "done",
    }
}

/// `plenary sync --watch`: one line per change of status, until Ctrl-C.
async fn watch_forever(
    out: &mut impl Write,
    client: SyncClient,
    cache: Arc<Mutex<Cache>>,
    options: SyncOptions,
    as_json: bool,
) -> Result<i32> {
    let live = LiveSync::start(client, cache, options);
    let mut status = live.status();
    let mut shown = None;
    loop {
        {
            let s = status.borrow_and_update().clone();
            // Progress changes are many: show the rest of the status only.
            let key = (
                s.connection.clone(),
                s.syncing,
                s.last_error.clone(),
                s.cursor,
            );
            if shown.as_ref() != Some(&key) {
                if as_json {
                    serde_json::to_writer(&mut *out, &s)?;
                    writeln!(out)?;
                } else {
                    writeln!(
                        out,
                        "{} {:?}{} feed at {}{}",
                        time::OffsetDateTime::now_utc()
                            .format(&time::format_description::well_known::Rfc3339)
                            .unwrap_or_default(),
                        s.connection,
                        if s.syncing { ", syncing," } else { "," },
                        s.cursor,
                        s.last_error
                            .as_deref()
                            .map(|e| format!(" — {e}"))
                            .unwrap_or_default()
                    )?;
                }
                out.flush()?;
                shown = Some(key);
            }
        }
        tokio::select! {
            r = status.changed() => if r.is_err() { break },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    live.stop().await;
    Ok(0)
}

pub fn space(out: &mut impl Write, cache: &Cache, as_json: bool) -> Result<()> {
    let used = cache.space_used()?;
    if as_json {
        return term::json(out, &used);
    }
    let mb = |n: u64| n as f64 / 1e6;
    writeln!(out, "Files:        {:.1} MB", mb(used.total_bytes))?;
    for (language, bytes) in &used.by_language {
        writeln!(out, "  {language}:         {:.1} MB", mb(*bytes))?;
    }
    for (meeting, bytes) in &used.by_meeting {
        writeln!(out, "  {meeting}: {:.1} MB", mb(*bytes))?;
    }
    writeln!(out, "Withdrawn:    {:.1} MB", mb(used.unreferenced_bytes))?;
    writeln!(out, "Interrupted:  {:.1} MB", mb(used.partial_bytes))?;
    Ok(())
}

pub fn free(out: &mut impl Write, cache: &mut Cache, as_json: bool) -> Result<()> {
    let freed = cache.free_space().context("freeing space")?;
    if as_json {
        term::json(out, &freed)?;
    } else {
        writeln!(
            out,
            "Deleted {} files no longer kept offline ({:.1} MB). Notes are never deleted.",
            freed.files,
            freed.bytes as f64 / 1e6
        )?;
    }
    Ok(())
}

#[derive(Debug, clap::Subcommand)]
pub enum SettingsCommand {
    /// Which languages' files to keep offline: `all`, or a list like `fr,en`.
    Languages { list: String },
    /// Which meetings' files to keep offline: `all`, or a list of meeting ids.
    Meetings { list: String },
}

pub fn settings(
    out: &mut impl Write,
    cache: &Cache,
    command: Option<&SettingsCommand>,
    as_json: bool,
) -> Result<()> {
    match command {
        Some(SettingsCommand::Languages { list }) => {
            let languages = if list.trim() == "all" {
                Languages::All
            } else {
                Languages::Only(
                    list.split(',')
                        .map(|l| l.trim().parse::<Language>())
                        .collect::<Result<_, _>>()?,
                )
            };
            cache.set_keep_languages(&languages)?;
        }
        Some(SettingsCommand::Meetings { list }) => {
            let meetings = if list.trim() == "all" {
                Meetings::All
            } else {
                Meetings::Only(
                    list.split(',')
                        .map(|m| m.trim().parse::<MeetingId>())
                        .collect::<Result<_, _>>()?,
                )
            };
            cache.set_keep_meetings(&meetings)?;
        }
        None => {}
    }
    let keep = cache.keep()?;
    if as_json {
        return term::json(out, &keep);
    }
    let show = |all: bool, list: Vec<String>| {
        if all {
            "all".to_owned()
        } else {
            list.join(",")
        }
    };
    writeln!(
        out,
        "Files kept offline: meetings {}; languages {}.",
        match &keep.meetings {
            Meetings::All => show(true, vec![]),
            Meetings::Only(l) => show(false, l.iter().map(|m| m.to_string()).collect()),
        },
        match &keep.languages {
            Languages::All => show(true, vec![]),
            Languages::Only(l) => show(false, l.iter().map(|m| m.to_string()).collect()),
        }
    )?;
    if command.is_some() {
        writeln!(
            out,
            "The next sync downloads what is now kept; `plenary cache free` deletes what is not."
        )?;
    }
    Ok(())
}
