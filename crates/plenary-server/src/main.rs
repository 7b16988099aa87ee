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
            // Scripts and tests read this line to learn the port.
            println!("listening on http://{}", running.addr);
            wait_for_stop_signal().await?;
            Ok(())
        }
        Command::Token { command } => {
            std::fs::create_dir_all(&cli.data_dir)?;
            let store = SqliteStore::open(&cli.data_dir.join("server.sqlite3"))?;
            match command {
                TokenCommand::Create { role, name } => {
                    let (info, secret) = store.create_token(role, &name, None).await?;
                    eprintln!(
                        "created {} token {} for {:?}; keep the secret, it is not shown again:",
                        info.role.as_str(),
                        info.id,
                        info.name
                    );
                    println!("{secret}");
                }
                TokenCommand::List => {
                    for t in store.tokens().await? {
                        let state = if t.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        };
                        println!("{}  {:<9} {:<8} {}", t.id, t.role.as_str(), state, t.name);
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
