//! guard: a static-analysis CI guard that keeps slow, blocking calls (above all
//! language-model calls) out of the latency-critical hot paths of a codebase.

pub mod frontend;
pub mod model;
pub mod rust;
pub mod source;
