//! `plenary-server`: run the server, manage tokens.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use plenary_server::store::{Role, SqliteStore, Store};
use plenary_server::{AppState, Config};

#[derive(Debug, Parser)]
#[command(
    name = "plenary-server",
    version,
    about = "The server Plenary's secretariat publishes to."
)]
struct Cli {
    /// Folder for the database and files.
    #[arg(
        long,
        global = true,
        env = "PLENARY_SERVER_DATA",
        default_value = "plenary-server-data"
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (prints the address it listens on).
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: SocketAddr,
        /// Largest upload accepted, in MiB.
        #[arg(long, default_value_t = 200)]
        max_upload_mb: usize,
        /// Publish the demo meeting (if it is not there yet) before serving.
        #[arg(long)]
        demo: bool,
    },
    /// Create, list or revoke access tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Groups (a delegation, an NGO coalition) whose members share notes.
    Group {
        #[command(subcommand)]
        command: GroupCommand,
    },
}

#[derive(Debug, Subcommand)]
enum GroupCommand {
    /// Create a group, or rename it and replace its members.
    Set {
        /// A short id ("cmc", "delegation-mx").
        id: String,
        #[arg(long)]
        name: String,
        /// A member's token id (see `token list`); repeat for each member.
        #[arg(long = "member")]
        members: Vec<String>,
    },
    /// Every group with its members.
    List,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token and print its secret (shown once; only its hash is stored).
    Create {
        #[arg(long)]
        role: Role,
        /// Who holds it ("Secretariat", "Delegation of Mexico").
        #[arg(long, default_value = "")]
        name: String,
        /// Lifetime: a number and a unit, s, m, h, d or w ("30d", "12h").
        /// Without it the token lasts until revoked.
        #[arg(long, value_parser = parse_lifetime)]
        expires_in: Option<std::time::Duration>,
    },
    List,
    Revoke {
        id: String,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PLENARY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            addr,
            max_upload_mb,
            demo,
        } => {
            // Every live-event client holds a socket; the usual soft limit of
            // 1,024 descriptors would cap a meeting at about a thousand laptops.
            match rlimit::increase_nofile_limit(u64::MAX) {
                Ok(n) => tracing::debug!(limit = n, "open file limit"),
                Err(e) => tracing::warn!("could not raise the open file limit: {e}"),
            }
            let mut config = Config::new(&cli.data_dir);
            config.max_upload_bytes = max_upload_mb * 1024 * 1024;
            let state = AppState::open(config)
                .await
                .with_context(|| format!("opening the data folder {}", cli.data_dir.display()))?;
            if demo {
                let head = plenary_server::publish_demo(&state)
                    .await
                    .context("publishing the demo meeting")?;
                tracing::info!(cursor = head, "demo meeting published");
            }
            let running = plenary_server::serve(state, addr)
                .await
                .with_context(|| format!("listening on {addr}"))?;
            let background = running.state.clone();
            tokio::spawn(async move {
                match plenary_server::make_missing_previews(&background).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(
                        "made the page-1 previews of {n} PDFs published before previews existed"
                    ),
                    Err(e) => tracing::warn!("page-1 previews of earlier PDFs: {e:#}"),
                }
            });
            // Scripts and tests read this line to learn the port.
            println!("listening on http://{}", running.addr);
            wait_for_stop_signal().await?;
            Ok(())
        }
        Command::Group { command } => group_command(&cli.data_dir, command).await,
        Command::Token { command } => {
            std::fs::create_dir_all(&cli.data_dir)?;
            let store = SqliteStore::open(&cli.data_dir.join("server.sqlite3"))?;
            match command {
                TokenCommand::Create {
                    role,
                    name,
                    expires_in,
                } => {
                    let expires_at = expires_in.map(|d| time::OffsetDateTime::now_utc() + d);
                    let (info, secret) = store.create_token(role, &name, expires_at).await?;
                    eprintln!(
                        "created {} token {} for {:?}; keep the secret, it is not shown again:",
                        info.role.as_str(),
                        info.id,
                        info.name
                    );
                    println!("{secret}");
                }
                TokenCommand::List => {
                    let now = time::OffsetDateTime::now_utc();
                    for t in store.tokens().await? {
                        let state = if t.revoked_at.is_some() {
                            "revoked"
                        } else if t.expires_at.is_some_and(|e| e <= now) {
                            "expired"
                        } else {
                            "active"
                        };
                        let expiry = t
                            .expires_at
                            .and_then(|e| {
                                e.format(&time::format_description::well_known::Rfc3339)
                                    .ok()
                            })
                            .map(|e| format!(" (expires {e})"))
                            .unwrap_or_default();
                        println!(
                            "{}  {:<9} {:<8} {}{expiry}",
                            t.id,
                            t.role.as_str(),
                            state,
                            t.name
                        );
                    }
                }
                TokenCommand::Revoke { id } => {
                    store.revoke_token(&id).await?;
                    println!("revoked {id}");
                }
            }
            Ok(())
        }
    }
}

async fn group_command(data_dir: &std::path::Path, command: GroupCommand) -> Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let store = SqliteStore::open(&data_dir.join("server.sqlite3"))?;
    match command {
        GroupCommand::Set { id, name, members } => {
            let n = members.len();
            store.set_group(&id, &name, members).await?;
            println!("group {id} ({name}): {n} member(s)");
        }
        GroupCommand::List => {
            for g in store.groups(None).await? {
                let members: Vec<String> = g
                    .members
                    .iter()
                    .map(|m| format!("{} {}", m.id, m.name))
                    .collect();
                println!("{}  {}  [{}]", g.id, g.name, members.join(", "));
            }
        }
    }
    Ok(())
}

/// "30d", "12h", "90m", "45s", "2w": a token's lifetime.
fn parse_lifetime(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit, e.g. 30d"))?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("{s:?}: the unit must be s, m, h, d or w")),
    };
    if n == 0 {
        return Err("a token must live longer than 0".into());
    }
    n.checked_mul(unit_secs)
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| format!("{s:?} is too long"))
}

/// Ctrl-C or SIGTERM (what service managers send) stops the server.
async fn wait_for_stop_signal() -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}
