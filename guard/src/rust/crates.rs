//! Crates and the module tree: the crate roots a Cargo package declares, and
//! the qualified path of each Rust module, found by following `mod` items from
//! the roots (`x.rs`, `x/mod.rs`, `#[path]`).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use crate::model::{Language, Module};

/// A Cargo package: its folder (relative to the analysis root) and crate roots.
#[derive(Debug, Clone)]
pub struct Package {
    pub dir: PathBuf,
    /// The library crate's name: the package name with `-` replaced by `_`.
    pub crate_name: String,
    /// Root files relative to the analysis root, each with the crate name it starts.
    pub roots: Vec<(PathBuf, String)>,
    /// Dependencies renamed in the manifest: `(name in code, crate name of the package)`.
    pub renames: Vec<(String, String)>,
}

/// Collects renamed dependencies from every dependency table of a manifest.
fn dependency_renames(manifest: &toml::Table) -> Vec<(String, String)> {
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        tables.extend(manifest.get(key).and_then(|t| t.as_table()));
    }
    for target in manifest
        .get("target")
        .and_then(|t| t.as_table())
        .into_iter()
        .flat_map(|t| t.values())
    {
        for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
            tables.extend(target.get(key).and_then(|t| t.as_table()));
        }
    }
    let mut renames = Vec::new();
    for table in tables {
        for (name, spec) in table {
            if let Some(package) = spec.get("package").and_then(|p| p.as_str()) {
                renames.push((crate_ident(name), crate_ident(package)));
            }
        }
    }
    renames
}

fn crate_ident(name: &str) -> String {
    name.replace('-', "_")
}

/// Reads a package's crate roots from its manifest. Returns `None` for a
/// manifest with no `[package]` table (a virtual workspace manifest).
pub fn read_package(
    manifest: &Path,
    text: &str,
    exists: impl Fn(&Path) -> bool,
) -> Option<Package> {
    let value: toml::Table = text.parse().ok()?;
    let package = value.get("package")?.as_table()?;
    let name = crate_ident(package.get("name")?.as_str()?);
    let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    let lib_name = value
        .get("lib")
        .and_then(|lib| lib.get("name"))
        .and_then(|n| n.as_str())
        .map_or_else(|| name.clone(), crate_ident);

    let mut roots = Vec::new();
    let lib_path = value
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
        .unwrap_or("src/lib.rs");
    roots.push((dir.join(lib_path), lib_name.clone()));
    roots.push((dir.join("src/main.rs"), lib_name.clone()));
    for bin in value
        .get("bin")
        .and_then(|b| b.as_array())
        .into_iter()
        .flatten()
    {
        if let (Some(path), Some(bin_name)) = (
            bin.get("path").and_then(|p| p.as_str()),
            bin.get("name").and_then(|n| n.as_str()),
        ) {
            roots.push((dir.join(path), crate_ident(bin_name)));
        }
    }
    roots.retain(|(path, _)| exists(path));

    let renames = dependency_renames(&value);
    Some(Package {
        dir,
        crate_name: lib_name,
        roots,
        renames,
    })
}

/// Returns the crate name a file starts when Cargo's conventions make it a
/// crate root: `src/bin/x.rs`, `src/bin/x/main.rs`, `tests/x.rs`, `examples/x.rs`, `benches/x.rs`.
fn conventional_root(package: &Package, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(&package.dir).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let stem = |name: &str| crate_ident(name.trim_end_matches(".rs"));
    match parts.as_slice() {
        ["src", "bin", file] => Some(stem(file)),
        ["src", "bin", dir, "main.rs"] => Some(crate_ident(dir)),
        ["tests" | "examples" | "benches", file] => Some(stem(file)),
        ["tests" | "examples" | "benches", dir, "main.rs"] => Some(crate_ident(dir)),
        _ => None,
    }
}

/// Returns the folder where `mod x;` declared in `file` looks for `x.rs` and `x/mod.rs`.
fn child_dir(file: &Path, is_mod_rs: bool, inline_path: &[String]) -> PathBuf {
    let parent = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut dir = if is_mod_rs {
        parent
    } else {
        parent.join(file.file_stem().unwrap_or_default())
    };
    for segment in inline_path {
        dir.push(segment);
    }
    dir
}

fn is_mod_rs(file: &Path, is_root: bool) -> bool {
    is_root || file.file_name().is_some_and(|n| n == "mod.rs")
}

/// Assigns the qualified path of every Rust module. Files that no crate root
/// reaches get a path from their place in the package (`src/a/b.rs` is `crate::a::b`).
pub fn assign_module_paths(modules: &mut [Module], packages: &[Package]) {
    let mut by_file: HashMap<PathBuf, Vec<usize>> = HashMap::new();
    for (index, module) in modules.iter().enumerate() {
        if module.language == Language::Rust {
            by_file.entry(module.file.clone()).or_default().push(index);
        }
    }
    let mut file_paths: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut test_files: HashMap<PathBuf, bool> = HashMap::new();
    let mut queue: VecDeque<(PathBuf, Vec<String>, bool, bool)> = VecDeque::new();

    for package in packages {
        for (root, name) in &package.roots {
            queue.push_back((root.clone(), vec![name.clone()], true, false));
        }
        for file in by_file.keys() {
            if let Some(name) = conventional_root(package, file) {
                queue.push_back((file.clone(), vec![name], true, false));
            }
        }
    }

    while let Some((file, path, is_root, in_test)) = queue.pop_front() {
        if file_paths.contains_key(&file) {
            continue;
        }
        let Some(indices) = by_file.get(&file) else {
            continue;
        };
        file_paths.insert(file.clone(), path.clone());
        test_files.insert(file.clone(), in_test);
        for &index in indices {
            let module = &modules[index];
            let dir = child_dir(&file, is_mod_rs(&file, is_root), &module.inline_path);
            for (name, path_attr, child_in_test) in &module.child_files {
                let mut child_path = path.clone();
                child_path.extend(module.inline_path.iter().cloned());
                child_path.push(name.clone());
                let candidates = match path_attr {
                    Some(p) => vec![file
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default()
                        .join(p)],
                    None => vec![
                        dir.join(format!("{name}.rs")),
                        dir.join(name).join("mod.rs"),
                    ],
                };
                for candidate in candidates {
                    let candidate = normalize(&candidate);
                    if by_file.contains_key(&candidate) {
                        queue.push_back((
                            candidate,
                            child_path.clone(),
                            path_attr.is_some(),
                            in_test || *child_in_test,
                        ));
                        break;
                    }
                }
            }
        }
    }

    for (file, indices) in &by_file {
        let base = file_paths
            .get(file)
            .cloned()
            .unwrap_or_else(|| fallback_path(file, packages));
        let in_test = test_files.get(file).copied().unwrap_or(false);
        for &index in indices {
            let module = &mut modules[index];
            module.in_test |= in_test;
            module.path = base.clone();
            module.path.extend(module.inline_path.iter().cloned());
        }
    }
}

/// Resolves `.` and `..` components without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Returns a module path for a file that no crate root reaches.
fn fallback_path(file: &Path, packages: &[Package]) -> Vec<String> {
    let package = packages
        .iter()
        .filter(|p| file.starts_with(&p.dir))
        .max_by_key(|p| p.dir.components().count());
    let (mut path, relative) = match package {
        Some(p) => {
            let relative = file
                .strip_prefix(p.dir.join("src"))
                .unwrap_or_else(|_| file.strip_prefix(&p.dir).unwrap_or(file));
            (vec![p.crate_name.clone()], relative.to_path_buf())
        }
        None => (Vec::new(), file.to_path_buf()),
    };
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| crate_ident(&c.as_os_str().to_string_lossy()))
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) && !(path.is_empty() && parts.len() == 1)
    {
        parts.pop();
    }
    path.extend(parts);
    path
}
