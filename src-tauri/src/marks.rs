//! PLENARY_MARK lines for the benchmark and the e2e tests.
//!
//! With `PLENARY_MARKS=1` the shell prints `PLENARY_MARK <name> <ms>` to
//! stdout (one line, flushed) each time the UI calls the `mark` command.
//! `<ms>` is milliseconds since the process started: an [`Instant`] taken as
//! the first statement of `main`, plus the time the process spent before
//! `main` (exec, dynamic linking of WebKitGTK and GTK), which Linux reports in
//! `/proc/self/stat` (start time, in clock ticks since boot) and
//! `/proc/uptime`. Both have 10 ms resolution; elsewhere, or if they cannot
//! be read, the pre-`main` part counts as 0.

use std::io::Write;
use std::time::{Duration, Instant};

pub const MARKS_ENV: &str = "PLENARY_MARKS";

#[derive(Debug, Clone, Copy)]
pub struct Marks {
    enabled: bool,
    main_started: Instant,
    before_main: Duration,
}

impl Marks {
    /// Call first thing in `main`.
    pub fn start() -> Self {
        let main_started = Instant::now();
        let enabled = std::env::var(MARKS_ENV).is_ok_and(|v| v == "1");
        let before_main = if enabled {
            time_before_main().unwrap_or_default()
        } else {
            Duration::ZERO
        };
        Marks {
            enabled,
            main_started,
            before_main,
        }
    }

    /// Milliseconds since the process started.
    pub fn elapsed_ms(&self) -> u128 {
        (self.before_main + self.main_started.elapsed()).as_millis()
    }

    /// The line for `name`, or `None` when marks are off.
    pub fn line(&self, name: &str) -> Option<String> {
        self.enabled
            .then(|| format!("PLENARY_MARK {name} {}", self.elapsed_ms()))
    }

    pub fn emit(&self, name: &str) {
        if let Some(line) = self.line(name) {
            let mut out = std::io::stdout().lock();
            // A closed stdout must not take the app down; the mark is lost.
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

/// A mark name is one word: letters, digits, `-`, `_`, `.` (1-64 characters),
/// so the line stays parseable.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(target_os = "linux")]
fn time_before_main() -> Option<Duration> {
    // USER_HZ, the unit of /proc's tick counts, is 100 on every Linux ABI.
    const TICKS_PER_SECOND: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may contain spaces; fields resume after ')'.
    let after_comm = &stat[stat.rfind(')')? + 1..];
    // Field 22 (starttime) is the 20th field after the command name.
    let start_ticks: f64 = after_comm.split_whitespace().nth(19)?.parse().ok()?;
    let uptime = std::fs::read_to_string("/proc/uptime").ok()?;
    let uptime: f64 = uptime.split_whitespace().next()?.parse().ok()?;
    let seconds = uptime - start_ticks / TICKS_PER_SECOND;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(not(target_os = "linux"))]
fn time_before_main() -> Option<Duration> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_single_words() {
        assert!(valid_name("meetings-visible"));
        assert!(valid_name("document-visible"));
        assert!(!valid_name(""));
        assert!(!valid_name("two words"));
        assert!(!valid_name("line\nPLENARY_MARK fake 0"));
        assert!(!valid_name(&"x".repeat(65)));
    }

    #[test]
    fn lines_have_the_contract_format_only_when_enabled() {
        let on = Marks {
            enabled: true,
            main_started: Instant::now(),
            before_main: Duration::from_millis(40),
        };
        let line = on.line("meetings-visible").unwrap();
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts[..2], ["PLENARY_MARK", "meetings-visible"]);
        let ms: u128 = parts[2].parse().unwrap();
        assert!(ms >= 40, "{ms} includes the time before main");
        let off = Marks {
            enabled: false,
            ..on
        };
        assert_eq!(off.line("meetings-visible"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn time_before_main_is_read_from_proc() {
        let t = time_before_main().expect("/proc is readable");
        // This test process has existed for less than an hour.
        assert!(t < Duration::from_secs(3600), "{t:?}");
    }
}
