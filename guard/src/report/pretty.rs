//! The pretty reporter: miette diagnostics with the source snippet, the span
//! on the callee, the rule id, the ban's reason and the replacement as help.

use std::io::Write;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use super::Outcome;
use crate::config::Severity;
use crate::diagnostics::{FileError, Finding};

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct FindingReport {
    message: String,
    code: String,
    severity: miette::Severity,
    source_text: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

impl Diagnostic for FindingReport {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source_text)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme).with_context_lines(1)
}

fn finding_report(finding: &Finding, text: String) -> FindingReport {
    let mut label = match finding.chain.len() {
        0 => format!("calls `{}`", finding.callee),
        1 => format!("reaches `{}` through 1 call", finding.callee),
        hops => format!("reaches `{}` through {hops} calls", finding.callee),
    };
    if let Some(reason) = &finding.reason {
        label.push_str(&format!(": {reason}"));
    }
    let span: SourceSpan = (finding.bytes.start, finding.bytes.len()).into();
    let mut help = finding
        .replacement
        .as_ref()
        .map(|r| format!("instead: {r}"));
    if !finding.chain.is_empty() {
        let hops: Vec<String> = finding
            .chain
            .iter()
            .map(|h| {
                let note = h
                    .note
                    .as_deref()
                    .map(|n| format!(" [{n}]"))
                    .unwrap_or_default();
                format!(
                    "{} ({}:{}:{}) calls {}{}",
                    h.function, h.file, h.line, h.column, h.callee, note
                )
            })
            .collect();
        let chain = format!("call chain:\n  {}", hops.join("\n  "));
        help = Some(match help {
            Some(h) => format!("{chain}\n{h}"),
            None => chain,
        });
    }
    FindingReport {
        message: format!("{} (banned by `{}`)", finding.message, finding.ban),
        code: finding.rule.clone(),
        severity: match finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        },
        source_text: NamedSource::new(finding.file.clone(), text),
        labels: vec![LabeledSpan::new_primary_with_span(Some(label), span)],
        help,
    }
}

fn error_report(error: &FileError, text: String) -> FindingReport {
    let labels = error
        .bytes
        .as_ref()
        .map(|b| {
            vec![LabeledSpan::new_primary_with_span(
                Some("here".into()),
                (b.start, b.len()),
            )]
        })
        .unwrap_or_default();
    FindingReport {
        message: format!("{}: {}", error.file, error.message),
        code: "guard::file-error".into(),
        severity: miette::Severity::Error,
        source_text: NamedSource::new(error.file.clone(), text),
        labels,
        help: Some(
            "fix the file: a file the guard cannot read or parse is never reported as clean".into(),
        ),
    }
}

pub fn write(out: &mut dyn Write, outcome: &Outcome<'_>) -> std::io::Result<()> {
    let handler = handler(outcome.color);
    let text_of =
        |file: &str| std::fs::read_to_string(outcome.analysis.root.join(file)).unwrap_or_default();

    for error in outcome.errors {
        let mut rendered = String::new();
        let _ = handler.render_report(&mut rendered, &error_report(error, text_of(&error.file)));
        write!(out, "{rendered}")?;
    }
    for finding in outcome.findings {
        let mut rendered = String::new();
        let _ = handler.render_report(
            &mut rendered,
            &finding_report(finding, text_of(&finding.file)),
        );
        writeln!(out, "{rendered}")?;
    }
    Ok(())
}
