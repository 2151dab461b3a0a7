//! The JSON reporter. The schema is stable and documented in docs/json-output.md:
//! fields may be added in a later version, never renamed or removed.

use std::io::Write;

use super::Outcome;

/// The version of the JSON schema.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(serde::Serialize)]
struct Document<'a> {
    version: u32,
    findings: &'a [crate::diagnostics::Finding],
    errors: &'a [crate::diagnostics::FileError],
    summary: Summary,
}

#[derive(serde::Serialize)]
struct Summary {
    findings: usize,
    error_findings: usize,
    errors: usize,
    files: usize,
    elapsed_ms: u128,
}

pub fn write(out: &mut dyn Write, outcome: &Outcome<'_>) -> std::io::Result<()> {
    let document = Document {
        version: SCHEMA_VERSION,
        findings: outcome.findings,
        errors: outcome.errors,
        summary: Summary {
            findings: outcome.findings.len(),
            error_findings: outcome.error_findings(),
            errors: outcome.errors.len(),
            files: outcome.analysis.files_checked(),
            elapsed_ms: outcome.elapsed_ms,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
