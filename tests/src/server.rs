//! The real `plenary-server` process for scenarios: started on a free port
//! (`--addr 127.0.0.1:0`) with its own data folder, its output kept in the
//! scenario's artifacts, killed when the scenario ends.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::paths;
use crate::process::GroupChild;

/// Upper bound for the server to publish the demo meeting and listen (the
/// demo's PDFs are generated at start: about a second, more on a busy machine).
pub const SERVER_START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running server.
#[derive(Debug)]
pub struct Server {
    url: String,
    data_dir: PathBuf,
    child: GroupChild,
}

impl Server {
    /// The server binary (`PLENARY_SERVER_BIN` overrides).
    pub fn binary() -> Result<PathBuf> {
        paths::workspace_binary("plenary-server", "plenary-server", "PLENARY_SERVER_BIN")
    }

    /// Starts `plenary-server --data-dir <data_dir> serve --addr 127.0.0.1:0
    /// [--demo]` and waits until it prints the address it listens on. Its
    /// output goes to `log`.
    pub fn start(data_dir: &Path, demo: bool, log: &Path) -> Result<Server> {
        let binary = Self::binary()?;
        let mut cmd = Command::new(&binary);
        cmd.arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--addr", "127.0.0.1:0"]);
        if demo {
            cmd.arg("--demo");
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = GroupChild::spawn("plenary-server", cmd)?;
        let stdout = child.child_mut().stdout.take().expect("piped above");
        let stderr = child.child_mut().stderr.take().expect("piped above");
        let file = std::fs::File::create(log)
            .map_err(|e| Error::io(format!("creating {}", log.display()), e))?;
        let err_file = file
            .try_clone()
            .map_err(|e| Error::io(format!("opening {}", log.display()), e))?;

        // The first "listening on <url>" line is the signal; every line is
        // also copied to the log for the failure report.
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut file = file;
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                let _ = writeln!(file, "{line}");
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        std::thread::spawn(move || {
            let mut file = err_file;
            for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                let _ = writeln!(file, "{line}");
            }
        });
        match rx.recv_timeout(SERVER_START_TIMEOUT) {
            Ok(url) => {
                println!("plenary-server listening on {url} (log: {})", log.display());
                Ok(Server {
                    url,
                    data_dir: data_dir.to_path_buf(),
                    child,
                })
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(Error::Setup(format!(
                "plenary-server exited before listening ({:?}); its output:\n{}",
                child.exited(),
                log_tail(log, 40)
            ))),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(Error::Timeout {
                what: "plenary-server to listen".into(),
                waited: SERVER_START_TIMEOUT,
                last_seen: Some(log_tail(log, 20)),
            }),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Creates an access token with `role` (reader, annotator, staff, admin)
    /// through the server's own admin command; returns its secret.
    pub fn create_token(&self, role: &str) -> Result<String> {
        let out = Command::new(Self::binary()?)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["token", "create", "--role", role, "--name"])
            .arg(format!("e2e {role}"))
            .output()
            .map_err(|e| Error::io("running plenary-server token create", e))?;
        if !out.status.success() {
            return Err(Error::Setup(format!(
                "plenary-server token create --role {role} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Creates a token named `name`; returns its id and its secret.
    pub fn create_named_token(&self, role: &str, name: &str) -> Result<(String, String)> {
        let out = Command::new(Self::binary()?)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["token", "create", "--role", role, "--name", name])
            .output()
            .map_err(|e| Error::io("running plenary-server token create", e))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        // "created annotator token <id> for ..."
        let id = stderr
            .split_whitespace()
            .skip_while(|w| *w != "token")
            .nth(1)
            .map(str::to_owned);
        match (out.status.success(), id) {
            (true, Some(id)) => Ok((id, String::from_utf8_lossy(&out.stdout).trim().to_string())),
            _ => Err(Error::Setup(format!(
                "plenary-server token create --role {role} failed ({}): {stderr}",
                out.status
            ))),
        }
    }

    /// Creates a group of token ids (`plenary-server group set`).
    pub fn set_group(&self, id: &str, name: &str, members: &[&str]) -> Result<()> {
        let mut cmd = Command::new(Self::binary()?);
        cmd.arg("--data-dir")
            .arg(&self.data_dir)
            .args(["group", "set", id, "--name", name]);
        for m in members {
            cmd.args(["--member", m]);
        }
        let out = cmd
            .output()
            .map_err(|e| Error::io("running plenary-server group set", e))?;
        if !out.status.success() {
            return Err(Error::Setup(format!(
                "plenary-server group set failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }

    /// Kills the server at once (as a crash or a pulled cable would).
    pub fn kill(&mut self) {
        self.child.kill();
    }
}

fn log_tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    crate::display::tail(&text, lines)
}
