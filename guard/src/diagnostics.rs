//! Findings, file errors and configuration errors: everything a run reports.

use std::ops::Range;
use std::path::Path;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::config::Severity;
use crate::model::Span;

/// One step of a transitive finding's chain: a call inside a function.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Hop {
    /// The qualified name of the function that makes the call.
    pub function: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The qualified name the call resolves to.
    pub callee: String,
    /// Set when the call reaches the callee through dynamic dispatch or a dispatch table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A forbidden call found in hot-path code.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip)]
    pub bytes: Range<usize>,
    /// The qualified name of the forbidden function the call reaches.
    pub callee: String,
    /// The ban pattern that matched, as written in rules.toml.
    pub ban: String,
    pub message: String,
    pub reason: Option<String>,
    pub replacement: Option<String>,
    /// The calls from the call site down to the forbidden call; empty for a direct call.
    pub chain: Vec<Hop>,
}

impl Finding {
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (&self.file, self.line, self.column, &self.rule, &self.callee)
    }
}

/// A file the guard could not read or parse. It is never reported as clean.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    #[serde(skip)]
    pub bytes: Option<Range<usize>>,
    pub message: String,
}

impl FileError {
    pub fn new(file: String, span: Option<&Span>, message: String) -> Self {
        FileError {
            file,
            line: span.map(|s| s.line),
            column: span.map(|s| s.column),
            bytes: span.map(|s| s.bytes.clone()),
            message,
        }
    }
}

/// A configuration that cannot be used. The run stops with exit code 2.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {message}")]
    #[diagnostic(code(guard::config))]
    Read { path: String, message: String },

    #[error("no rules.toml found in {start} or any folder above it")]
    #[diagnostic(
        code(guard::config),
        help("create rules.toml at the repository root, or pass --config FILE")
    )]
    NotFound { start: String },

    #[error("invalid configuration: {message}")]
    #[diagnostic(
        code(guard::config),
        help("see docs/rules.md for every key of rules.toml")
    )]
    Invalid {
        message: String,
        #[source_code]
        source_code: NamedSource<String>,
        #[label("{message}")]
        span: SourceSpan,
    },
}

impl ConfigError {
    pub fn invalid(file: &Path, source: &str, message: String, span: Range<usize>) -> ConfigError {
        ConfigError::Invalid {
            message,
            source_code: NamedSource::new(file.display().to_string(), source.to_string()),
            span: span.into(),
        }
    }
}

/// A warning about the configuration that does not stop the run, such as a ban that can never match.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(guard::config), severity(Warning))]
pub struct ConfigWarning {
    pub message: String,
    #[source_code]
    pub source_code: NamedSource<String>,
    #[label("this ban")]
    pub span: SourceSpan,
    #[help]
    pub help: Option<String>,
}
