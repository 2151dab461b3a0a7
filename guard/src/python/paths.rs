//! Module paths of Python files: the dotted path a file is imported by,
//! from its location below the most specific source root.

use std::path::{Component, Path, PathBuf};

/// Removes `.` components, so that `./src` and `src` name the same root.
pub fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Returns the module path of a file relative to the analysis root, and
/// whether the file is a package's `__init__.py`. The longest source root that
/// contains the file wins: with roots `""` and `src`, `src/nyx/llm.py` is `nyx.llm`.
pub fn module_path(file: &Path, roots: &[PathBuf]) -> (Vec<String>, bool) {
    let file = normalize(file);
    let relative = roots
        .iter()
        .filter_map(|root| {
            file.strip_prefix(root)
                .ok()
                .map(|rest| (root.components().count(), rest))
        })
        .max_by_key(|(depth, _)| *depth)
        .map_or(file.as_path(), |(_, rest)| rest);

    let mut segments: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let Some(last) = segments.pop() else {
        return (Vec::new(), false);
    };
    let stem = last.strip_suffix(".py").unwrap_or(&last);
    if stem == "__init__" {
        return (segments, true);
    }
    segments.push(stem.to_string());
    (segments, false)
}
