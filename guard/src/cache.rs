//! A content-hash cache of each file's lowered model, so an unchanged file is
//! never parsed twice.
//!
//! The cache lives in `.guard-cache/` under the analysis root. Every file is
//! read and hashed (BLAKE3) on every run, and a file whose hash matches its
//! entry is not parsed again. The size and modification time only decide
//! whether the cache file needs rewriting. Files with syntax errors are never
//! cached. The whole cache is dropped when the guard's
//! version, the cache format or the frontend settings change.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::model::Module;

/// The folder of the cache, relative to the analysis root.
pub const CACHE_DIR: &str = ".guard-cache";
const CACHE_FILE: &str = "models.bin";
/// The format of the cache file; bump it when the model's layout changes.
const FORMAT: u32 = 8;

/// The size and modification time of a file, which decide whether the cache needs rewriting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileStamp {
    pub len: u64,
    pub modified_ns: u64,
}

impl FileStamp {
    /// Reads the stamp of a file; `None` when the file system cannot tell.
    pub fn of(path: &Path) -> Option<FileStamp> {
        let metadata = std::fs::metadata(path).ok()?;
        let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(FileStamp {
            len: metadata.len(),
            modified_ns: u64::try_from(modified.as_nanos()).ok()?,
        })
    }
}

/// One cached file: how to recognise it, and its lowered modules.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub stamp: FileStamp,
    pub hash: [u8; 32],
    pub modules: Vec<Module>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct CacheFile {
    version: String,
    fingerprint: [u8; 32],
    entries: HashMap<PathBuf, Entry>,
}

#[derive(serde::Serialize)]
struct CacheFileRef<'a> {
    version: String,
    fingerprint: [u8; 32],
    entries: HashMap<&'a Path, EntryRef<'a>>,
}

/// An entry to write, borrowing the modules from the index.
#[derive(serde::Serialize)]
pub struct EntryRef<'a> {
    pub stamp: FileStamp,
    pub hash: [u8; 32],
    pub modules: Vec<&'a Module>,
}

fn version() -> String {
    format!("guard {} format {FORMAT}", env!("CARGO_PKG_VERSION"))
}

/// Loads the cache of a root. A missing, unreadable, outdated or corrupt cache is empty.
pub fn load(root: &Path, fingerprint: [u8; 32]) -> HashMap<PathBuf, Entry> {
    let Ok(bytes) = std::fs::read(root.join(CACHE_DIR).join(CACHE_FILE)) else {
        return HashMap::new();
    };
    match postcard::from_bytes::<CacheFile>(&bytes) {
        Ok(file) if file.version == version() && file.fingerprint == fingerprint => file.entries,
        _ => HashMap::new(),
    }
}

/// Writes the cache atomically. Errors are returned for the caller to log:
/// a cache that cannot be written only makes the next run slower.
pub fn store(
    root: &Path,
    fingerprint: [u8; 32],
    entries: HashMap<&Path, EntryRef<'_>>,
) -> std::io::Result<()> {
    let dir = root.join(CACHE_DIR);
    std::fs::create_dir_all(&dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(
            &ignore,
            "# Created by guard: the cache of parsed models.\n*\n",
        )?;
    }
    let file = CacheFileRef {
        version: version(),
        fingerprint,
        entries,
    };
    let bytes = postcard::to_stdvec(&file).map_err(std::io::Error::other)?;
    let temporary = dir.join(format!("{CACHE_FILE}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, dir.join(CACHE_FILE))
}

/// Hashes the settings that change what a frontend produces for the same
/// file, and the stamp of the guard's own executable, so a rebuilt guard
/// never reads models that an older build wrote.
pub fn fingerprint(python_roots: &[PathBuf]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    if let Some(stamp) = std::env::current_exe()
        .ok()
        .and_then(|exe| FileStamp::of(&exe))
    {
        hasher.update(&stamp.len.to_le_bytes());
        hasher.update(&stamp.modified_ns.to_le_bytes());
    }
    for root in python_roots {
        hasher.update(root.to_string_lossy().as_bytes());
        hasher.update(b"\0");
    }
    *hasher.finalize().as_bytes()
}
