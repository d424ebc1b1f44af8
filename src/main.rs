use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = halfpipe::cli::Cli::parse();
    halfpipe::cli::init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    runtime.block_on(halfpipe::cli::run(cli))
}
