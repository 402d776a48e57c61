//! `cxspec check` and `cxspec explore` (model-checking issue).
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CheckArgs {}

#[derive(clap::Args)]
pub struct ExploreArgs {}

pub fn run(_args: CheckArgs) -> ExitCode {
    eprintln!("cxspec check: not built yet");
    ExitCode::from(2)
}

pub fn explore(_args: ExploreArgs) -> ExitCode {
    eprintln!("cxspec explore: not built yet");
    ExitCode::from(2)
}
