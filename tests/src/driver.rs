//! tauri-driver (and the WebKitWebDriver it runs) for one scenario.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::display::{Display, tail};
use crate::error::{Error, Result};
use crate::paths::find_program;
use crate::process::GroupChild;

/// How long tauri-driver + WebKitWebDriver may take to answer `/status`.
const START_TIMEOUT: Duration = Duration::from_secs(45);
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A running tauri-driver; dropping it kills its process group, which takes
/// WebKitWebDriver and any app it launched down too.
#[derive(Debug)]
pub struct Driver {
    port: u16,
    log: PathBuf,
    process: GroupChild,
}

impl Driver {
    /// Starts `tauri-driver` on free ports with `display` as its X server and
    /// waits until its `/status` answers. Its output, and that of the native
    /// driver and of every app it launches, goes to `log`.
    pub fn start(display: &Display, log: &Path) -> Result<Self> {
        let program = std::env::var_os("TAURI_DRIVER")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| find_program("tauri-driver"))
            .ok_or_else(|| {
                Error::Setup(
                    "tauri-driver not found on PATH or in ~/.cargo/bin: \
                     cargo install tauri-driver --version '^2' --locked (scripts/setup does)"
                        .into(),
                )
            })?;
        if find_program("WebKitWebDriver").is_none() {
            return Err(Error::Setup(
                "WebKitWebDriver not found on PATH: apt-get install webkit2gtk-driver \
                 (scripts/setup does)"
                    .into(),
            ));
        }
        let port = free_port()?;
        let native_port = free_port()?;
        let log_file = std::fs::File::create(log)
            .map_err(|e| Error::io(format!("creating {}", log.display()), e))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| Error::io(format!("opening {}", log.display()), e))?;
        let mut cmd = Command::new(&program);
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err);
        display.apply_env(&mut cmd);
        let process = GroupChild::spawn("tauri-driver", cmd)?;
        let mut driver = Driver {
            port,
            log: log.to_path_buf(),
            process,
        };
        driver.wait_ready()?;
        Ok(driver)
    }

    fn wait_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.process.exited() {
                return Err(Error::Setup(format!(
                    "tauri-driver exited ({status}) before it was ready; its log {} says:\n{}",
                    self.log.display(),
                    self.log_tail(20)
                )));
            }
            if status_ok(self.port) {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(Error::Timeout {
                    what: format!("tauri-driver's /status on port {}", self.port),
                    waited: START_TIMEOUT,
                    last_seen: Some(format!(
                        "log {}:\n{}",
                        self.log.display(),
                        self.log_tail(20)
                    )),
                });
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// The WebDriver endpoint, e.g. `http://127.0.0.1:4444`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The end of the log (the app's stderr ends up there too).
    pub fn log_tail(&self, lines: usize) -> String {
        tail(
            &std::fs::read_to_string(&self.log).unwrap_or_default(),
            lines,
        )
    }
}

/// A port nobody listens on right now. (Another process could take it before
/// tauri-driver binds it; scenarios run one at a time, so that does not
/// happen in practice, and tauri-driver failing to bind is reported clearly.)
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .map_err(|e| Error::io("finding a free TCP port", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::io("finding a free TCP port", e))?
        .port();
    Ok(port)
}

/// Whether `GET /status` answers 200. Hand-written over a TcpStream: one
/// request to localhost does not justify a blocking HTTP client dependency.
fn status_ok(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request =
        format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}
