//! What every command's output shares: JSON for scripts, and text that is
//! readable without colour (colour only when stdout is a terminal).

use std::io::Write;

use anyhow::Result;

/// Writes `value` as pretty JSON and a newline.
pub fn json(out: &mut impl Write, value: &impl serde::Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// How text output is decorated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Markers plus ANSI colour and weight.
    Terminal,
    /// Markers only.
    Plain,
}

impl Style {
    /// `Terminal` when stdout is a terminal, else `Plain`.
    pub fn for_stdout() -> Style {
        if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            Style::Terminal
        } else {
            Style::Plain
        }
    }

    /// `text` in the ANSI style `code` on a terminal, else as it is.
    pub fn paint(self, code: &str, text: &str) -> String {
        match self {
            Style::Terminal => format!("\x1b[{code}m{text}\x1b[0m"),
            Style::Plain => text.to_string(),
        }
    }
}
