//! The `modelroom` binary: parse the command line, hand it to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    modelroom::run(modelroom::cli::Cli::parse())
}
