//! Child processes that run in their own process group, so that killing one
//! also kills everything it started (tauri-driver -> WebKitWebDriver -> app ->
//! WebKitWebProcess/NetworkProcess).

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::error::{Error, Result};

#[derive(Debug)]
pub struct GroupChild {
    name: String,
    child: Child,
    reaped: bool,
}

impl GroupChild {
    /// Spawns `cmd` as the leader of a new process group.
    pub fn spawn(name: impl Into<String>, mut cmd: Command) -> Result<Self> {
        let name = name.into();
        cmd.process_group(0);
        let child = cmd.spawn().map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                " (is it installed? scripts/setup installs it)"
            } else {
                ""
            };
            Error::Setup(format!("could not start {name}{hint}: {e}"))
        })?;
        Ok(GroupChild {
            name,
            child,
            reaped: false,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// `Some(status)` once the leader has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap_or_default()
    }

    /// Kills the whole group (SIGKILL: nothing here holds data worth a clean
    /// shutdown) and reaps the leader.
    pub fn kill(&mut self) {
        if self.reaped {
            return;
        }
        // The group id is the leader's pid; it stays reserved while the leader
        // is a zombie, so signalling before `wait` cannot hit a stranger.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let _ = self.child.wait();
        self.reaped = true;
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        self.kill();
    }
}
