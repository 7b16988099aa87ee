//! A private X server (Xvfb) for one scenario or benchmark.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::process::GroupChild;

/// How long Xvfb may take to accept connections (seconds on a loaded machine).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running Xvfb, killed on drop.
#[derive(Debug)]
pub struct Display {
    number: u32,
    // Xvfb writes its display number to this pipe; it is kept open so that
    // the server never sees a closed stdout.
    _stdout: BufReader<ChildStdout>,
    // Declared last: dropped (killed) after the pipe is closed.
    process: GroupChild,
}

impl Display {
    /// Starts Xvfb on a free display number. `-displayfd 1` makes the server
    /// pick the number itself and print it once it accepts connections, so
    /// there is neither a fixed `:99` to collide on nor a sleep.
    /// The server's own messages go to `log`.
    pub fn start(log: &Path) -> Result<Self> {
        let log_file = std::fs::File::create(log)
            .map_err(|e| Error::io(format!("creating {}", log.display()), e))?;
        let mut cmd = Command::new("Xvfb");
        cmd.args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x900x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file);
        let mut process = GroupChild::spawn("Xvfb", cmd)?;
        let stdout = process
            .child_mut()
            .stdout
            .take()
            .ok_or_else(|| Error::Setup("Xvfb's stdout was not captured".into()))?;

        // Read the number on a thread so the wait has a deadline.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line);
            let _ = tx.send((read, line, reader));
        });
        let (read, line, reader) = match rx.recv_timeout(START_TIMEOUT) {
            Ok(got) => got,
            Err(_) => {
                return Err(Error::Timeout {
                    what: format!("Xvfb to accept connections (log: {})", log.display()),
                    waited: START_TIMEOUT,
                    last_seen: None,
                });
            }
        };
        let number = match (read, line.trim().parse::<u32>()) {
            (Ok(_), Ok(number)) => number,
            _ => {
                let log_text = std::fs::read_to_string(log).unwrap_or_default();
                return Err(Error::Setup(format!(
                    "Xvfb did not start (exit status {:?}); its log {} says:\n{}",
                    process.exited(),
                    log.display(),
                    tail(&log_text, 20)
                )));
            }
        };
        Ok(Display {
            number,
            _stdout: reader,
            process,
        })
    }

    /// The `DISPLAY` value, e.g. `:3`.
    pub fn name(&self) -> String {
        format!(":{}", self.number)
    }

    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Sets the variables a GTK program needs to land on this display (and on
    /// nothing else: no Wayland, no accessibility bus to wait for).
    pub fn apply_env(&self, cmd: &mut Command) {
        cmd.env("DISPLAY", self.name())
            .env("GDK_BACKEND", "x11")
            .env("NO_AT_BRIDGE", "1")
            .env_remove("WAYLAND_DISPLAY");
    }
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
