//! `cxspec vectors` and `cxspec conform` (conformance issue).
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct VectorsArgs {}

#[derive(clap::Args)]
pub struct ConformArgs {}

pub fn vectors(_args: VectorsArgs) -> ExitCode {
    eprintln!("cxspec vectors: not built yet");
    ExitCode::from(2)
}

pub fn run(_args: ConformArgs) -> ExitCode {
    eprintln!("cxspec conform: not built yet");
    ExitCode::from(2)
}
