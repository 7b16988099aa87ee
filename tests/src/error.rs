use std::fmt;
use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while driving the app. The messages are meant
/// for a person reading a failed test's output, so they say what was being
/// attempted and, where it helps, what to do about it.
#[derive(thiserror::Error)]
pub enum Error {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// The environment is not ready (a binary is missing, a helper process
    /// died, seeding failed): the message says how to fix it.
    #[error("{0}")]
    Setup(String),

    #[error("timed out after {}s waiting for {what}{}", waited.as_secs(), show_last_seen(.last_seen))]
    Timeout {
        what: String,
        waited: Duration,
        last_seen: Option<String>,
    },

    #[error("WebDriver command failed while {what}: {source}")]
    WebDriver {
        what: String,
        #[source]
        source: fantoccini::error::CmdError,
    },

    #[error("could not start a WebDriver session on {app}: {source}")]
    NewSession {
        app: String,
        #[source]
        source: fantoccini::error::NewSessionError,
    },

    /// A scenario's expectation about the app did not hold.
    #[error("{0}")]
    Assertion(String),

    /// Any of the above, plus what the app looked like when it happened.
    #[error("{error}\n\n{diagnostics}")]
    WithDiagnostics {
        error: Box<Error>,
        diagnostics: String,
    },
}

fn show_last_seen(seen: &Option<String>) -> String {
    match seen {
        Some(seen) => format!("\n  last seen: {seen}"),
        None => String::new(),
    }
}

impl Error {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    pub fn has_diagnostics(&self) -> bool {
        matches!(self, Error::WithDiagnostics { .. })
    }
}

// A test returning `Err` is reported with `{:?}`; make that the readable form.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `ensure!(condition, "message {}", args)`: fail the scenario with an
/// [`Error::Assertion`] (and so with screenshots and page source) instead of
/// panicking.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::Error::Assertion(format!($($arg)+)));
        }
    };
}
