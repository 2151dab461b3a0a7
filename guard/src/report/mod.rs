//! Reporters: how findings and file errors are printed.

mod json;
mod pretty;

use std::io::Write;

use crate::config::Severity;
use crate::diagnostics::{FileError, Finding};
use crate::engine::Analysis;

/// The output format, chosen with `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with the span underlined, the ban's reason and the replacement.
    Pretty,
    /// One line per finding: `path:line:col: rule-id message`.
    Concise,
    /// A JSON document; see docs/json-output.md.
    Json,
}

/// The result of a run: findings, file errors and timing.
pub struct Outcome<'a> {
    pub findings: &'a [Finding],
    pub errors: &'a [FileError],
    pub analysis: &'a Analysis,
    pub elapsed_ms: u128,
    pub color: bool,
}

impl Outcome<'_> {
    pub fn error_findings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// Returns the summary line printed after the findings.
    pub fn summary(&self) -> String {
        let warnings = self.findings.len() - self.error_findings();
        let mut line = format!(
            "{} finding{} ({} error{}, {} warning{}) in {} file{} checked in {} ms",
            self.findings.len(),
            plural(self.findings.len()),
            self.error_findings(),
            plural(self.error_findings()),
            warnings,
            plural(warnings),
            self.analysis.files_checked(),
            plural(self.analysis.files_checked()),
            self.elapsed_ms
        );
        if !self.errors.is_empty() {
            line.push_str(&format!(
                "; {} file error{}",
                self.errors.len(),
                plural(self.errors.len())
            ));
        }
        line
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// Writes the outcome in a format.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    outcome: &Outcome<'_>,
    quiet: bool,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(out, outcome),
        Format::Concise => {
            write_concise(out, outcome)?;
            if !quiet {
                writeln!(out, "{}", outcome.summary())?;
            }
            Ok(())
        }
        Format::Pretty => {
            pretty::write(out, outcome)?;
            if !quiet {
                writeln!(out, "{}", outcome.summary())?;
            }
            Ok(())
        }
    }
}

fn write_concise(out: &mut dyn Write, outcome: &Outcome<'_>) -> std::io::Result<()> {
    for error in outcome.errors {
        let position = match (error.line, error.column) {
            (Some(line), Some(column)) => format!("{line}:{column}"),
            _ => "1:1".to_string(),
        };
        writeln!(out, "{}:{}: error {}", error.file, position, error.message)?;
    }
    for finding in outcome.findings {
        let verb = if finding.chain.is_empty() {
            "calls"
        } else {
            "reaches"
        };
        writeln!(
            out,
            "{}:{}:{}: {} {}: {verb} `{}` (banned by `{}`)",
            finding.file,
            finding.line,
            finding.column,
            finding.rule,
            finding.message,
            finding.callee,
            finding.ban
        )?;
        for hop in &finding.chain {
            let note = hop
                .note
                .as_deref()
                .map(|n| format!(" [{n}]"))
                .unwrap_or_default();
            writeln!(
                out,
                "    via {}:{}:{}: {} calls `{}`{}",
                hop.file, hop.line, hop.column, hop.function, hop.callee, note
            )?;
        }
    }
    Ok(())
}
