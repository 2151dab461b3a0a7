//! The `guard` command: a thin wrapper over the library's command line.

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = guard::cli::Cli::parse();
    std::process::exit(guard::cli::run(cli));
}
