//! The `guard` command: a thin wrapper over the library's command line.

use clap::Parser;

fn main() {
    let cli = guard::cli::Cli::parse();
    std::process::exit(guard::cli::run(cli));
}
