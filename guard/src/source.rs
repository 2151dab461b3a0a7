//! Source files as the guard reads them, with conversion between line and
//! column positions and byte offsets.

use std::path::{Path, PathBuf};

use crate::model::Span;

/// A file read from disk, with the index of its line starts.
#[derive(Debug)]
pub struct SourceFile {
    /// The path relative to the analysis root, with `/` separators on every platform.
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// Returns the byte offset of a 1-based line and a 0-based column counted in characters.
    pub fn offset_of(&self, line: usize, char_column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let column_bytes = rest[..line_end]
            .char_indices()
            .nth(char_column)
            .map_or(line_end, |(i, _)| i);
        start + column_bytes
    }

    /// Returns the 1-based line and column (in characters) of a byte offset.
    pub fn position_of(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_index = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line_index];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line_index + 1, column + 1)
    }

    /// Builds a span from a byte range.
    pub fn span(&self, bytes: std::ops::Range<usize>) -> Span {
        let (line, column) = self.position_of(bytes.start);
        Span {
            bytes,
            line,
            column,
        }
    }
}

/// Formats a relative path with `/` separators.
pub fn display_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
