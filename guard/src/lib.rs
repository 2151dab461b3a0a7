//! guard: a static-analysis CI guard that keeps slow, blocking calls (above all
//! language-model calls) out of the latency-critical hot paths of a codebase.
//!
//! The pipeline: [`discover`] files, parse and lower them with a language
//! [`frontend`] into the shared [`model`], resolve names in the [`index`], run
//! the [`rules`] and print the findings with a [`report`]er.

/// Writes a line to stderr, ignoring a closed stream: a guard whose output is
/// piped into `head` must exit with its own code, not a panic.
macro_rules! write_stderr {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Writes a line to stdout, ignoring a closed stream, like `write_stderr!`.
macro_rules! write_stdout {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod cache;
pub mod callgraph;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod discover;
pub mod engine;
pub mod explain_path;
pub mod frontend;
pub mod index;
pub mod model;
pub mod prune;
pub mod python;
pub mod report;
pub mod rules;
pub mod rust;
pub mod source;
