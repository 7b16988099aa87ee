//! `plenary`: the headless command line. Everything the app does without a
//! window, a script or a secretariat's pipeline can do from here.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use plenary_core::Cache;
use plenary_core::model::{DocumentId, MeetingId};

mod annotations;
mod burst;
mod compare;
mod notes;
mod publish;
mod search;
mod show;
mod sync;
mod term;

#[derive(Debug, Parser)]
#[command(
    name = "plenary",
    version,
    about = "Plenary: meeting documents, offline."
)]
struct Cli {
    /// The cache folder (default: $PLENARY_CACHE_DIR, else the platform's data directory).
    #[arg(long, global = true, env = plenary_core::paths::CACHE_DIR_ENV)]
    cache_dir: Option<PathBuf>,

    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the meetings in the cache.
    Meetings,
    /// Show a meeting: agenda, documents and statements.
    Meeting { id: MeetingId },
    /// Show a document and its versions.
    Document { id: DocumentId },
    /// Search the text of the documents in the cache (the latest revision
    /// of each, unless --all-revisions).
    Search(search::SearchArgs),
    /// Compare two versions of a document: word by word, moves recognised,
    /// page furniture and line breaks ignored. Two text files (OLD NEW), or
    /// two versions in the cache (--version OLD --version NEW).
    Compare(compare::CompareArgs),
    /// Inspect or check the cache.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// The demo meeting that ships with Plenary.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Bring the cache up to date with a server: the feed, then the files
    /// kept offline, then their texts. Interrupted downloads resume.
    Sync(sync::SyncArgs),
    /// Show or change what is kept offline (metadata is always synced).
    Settings {
        #[command(subcommand)]
        command: Option<sync::SettingsCommand>,
    },
    /// Annotations (W3C Web Annotations): place them on a new revision.
    Annotations {
        #[command(subcommand)]
        command: annotations::AnnotationsCommand,
    },
    /// Your notes: export as W3C Web Annotation JSON-LD, import, report.
    Notes {
        #[command(subcommand)]
        command: notes::NotesCommand,
    },
    /// Publish a bundle folder or one file to a server (needs a staff token).
    Publish(publish::PublishArgs),
    /// For tests of crash safety: commit many small batches, announcing each.
    #[command(hide = true)]
    WriteBurst {
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        /// Write annotations instead of documents.
        #[arg(long)]
        notes: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CacheCommand {
    /// Where the cache is and how much it holds.
    Info,
    /// Check the database's integrity and re-hash every stored file;
    /// damaged files are moved aside. Exits 1 if anything was wrong.
    Verify,
    /// How much space the downloaded files take, by language and meeting.
    Space,
    /// Delete the files of languages and meetings no longer kept offline.
    Free,
}

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// Put the demo meeting into the cache (running it again changes nothing).
    Seed,
    /// Write the demo meeting's records and files to a folder.
    Export { dir: PathBuf },
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PLENARY_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => std::process::exit(code),
        // The reader went away (`plenary meeting X | head`): stop quietly.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            std::process::exit(0)
        }
        Err(e) => {
            eprintln!("plenary: {e:#}");
            std::process::exit(2);
        }
    }
}

fn open(cli: &Cli) -> Result<Cache> {
    let dir = plenary_core::paths::cache_dir(cli.cache_dir.clone());
    Cache::open(&dir).with_context(|| format!("opening the cache at {}", dir.display()))
}

fn run(cli: Cli) -> Result<i32> {
    let out = &mut std::io::stdout().lock();
    match &cli.command {
        Command::Meetings => show::meetings(out, &open(&cli)?, cli.json)?,
        Command::Meeting { id } => show::meeting(out, &open(&cli)?, id, cli.json)?,
        Command::Document { id } => show::document(out, &open(&cli)?, id, cli.json)?,
        Command::Search(args) => search::run(out, &open(&cli)?, args, cli.json)?,
        Command::Compare(args) => compare::run(out, args, || open(&cli), cli.json)?,
        Command::Cache {
            command: CacheCommand::Info,
        } => show::cache_info(out, &open(&cli)?, cli.json)?,
        Command::Cache {
            command: CacheCommand::Verify,
        } => return show::cache_verify(out, &open(&cli)?, cli.json),
        Command::Demo {
            command: DemoCommand::Seed,
        } => {
            let mut cache = open(&cli)?;
            let report = plenary_demo::seed(&mut cache).context("seeding the demo meeting")?;
            if cli.json {
                term::json(out, &report)?;
            } else {
                writeln!(
                    out,
                    "Demo meeting seeded into {} ({} records, {} files).",
                    cache.dir().display(),
                    report.records,
                    report.files
                )?;
            }
        }
        Command::Demo {
            command: DemoCommand::Export { dir },
        } => {
            let demo = plenary_demo::generate().context("generating the demo meeting")?;
            plenary_demo::write_bundle(&demo, dir)
                .with_context(|| format!("writing the demo to {}", dir.display()))?;
            writeln!(
                out,
                "Demo meeting written to {} ({} records, {} files).",
                dir.display(),
                demo.records.len(),
                demo.files.len()
            )?;
        }
        Command::Publish(args) => publish::run(out, args)?,
        Command::Annotations { command } => annotations::run(out, command)?,
        Command::Notes { command } => notes::run(out, command, || open(&cli), cli.json)?,
        Command::Cache {
            command: CacheCommand::Space,
        } => sync::space(out, &open(&cli)?, cli.json)?,
        Command::Cache {
            command: CacheCommand::Free,
        } => sync::free(out, &mut open(&cli)?, cli.json)?,
        Command::Sync(args) => return sync::sync(out, open(&cli)?, args, cli.json),
        Command::Settings { command } => {
            sync::settings(out, &open(&cli)?, command.as_ref(), cli.json)?
        }
        Command::WriteBurst { count, notes } => {
            if *notes {
                burst::run_notes(out, &mut open(&cli)?, *count)?
            } else {
                burst::run(out, &mut open(&cli)?, *count)?
            }
        }
    }
    Ok(0)
}
