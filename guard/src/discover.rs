//! File discovery: the source files and Cargo manifests under the analysis
//! root, honouring `.gitignore` and never following a symlink out of the root.

use std::path::{Path, PathBuf};

use crate::config::Globs;
use crate::source::display_path;

/// The files discovery found, as paths relative to the root.
#[derive(Debug, Default)]
pub struct Discovered {
    pub sources: Vec<PathBuf>,
    pub manifests: Vec<PathBuf>,
    /// Folders and files the walk could not read, with the error.
    pub errors: Vec<(PathBuf, String)>,
}

/// Walks the root. `is_source` decides which files a frontend reads.
pub fn discover(root: &Path, exclude: &Globs, is_source: impl Fn(&Path) -> bool) -> Discovered {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut found = Discovered::default();
    let walker = ignore::WalkBuilder::new(root)
        .follow_links(false)
        .require_git(false)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build();

    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                found.errors.push(walk_error_path(root, &error));
                continue;
            }
        };
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if file_type.is_symlink() {
            let inside = path
                .canonicalize()
                .is_ok_and(|target| target.starts_with(&canonical_root) && target.is_file());
            if !inside {
                continue;
            }
        } else if !file_type.is_file() {
            continue;
        }
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        if exclude.is_match(&display_path(relative)) {
            continue;
        }
        if relative.file_name().is_some_and(|n| n == "Cargo.toml") {
            found.manifests.push(relative.to_path_buf());
        } else if is_source(relative) {
            found.sources.push(relative.to_path_buf());
        }
    }
    found.sources.sort();
    found.manifests.sort();
    found
}

/// Returns the path a walk error is about, relative to the root, and its message.
fn walk_error_path(root: &Path, error: &ignore::Error) -> (PathBuf, String) {
    fn path_of(error: &ignore::Error) -> Option<&Path> {
        match error {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            _ => None,
        }
    }
    let path = path_of(error)
        .map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf())
        .unwrap_or_default();
    (path, error.to_string())
}
