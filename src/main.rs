//! The `cxspec` command line: simulate scenarios, model-check the rules, generate and run
//! conformance vectors. Each subcommand lives in its own module; this file only parses.
//!
//! Exit codes, for every subcommand: 0 success, 1 a property or conformance failure,
//! 2 a usage, input or kit error.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod check;
mod conform;
mod diagram;
mod generated;
mod readings;
mod replay;
mod simulate;

/// The model checker clones and drops states by the million (`cxspec check`); mimalloc's
/// small-object paths are much cheaper than the system allocator's for that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "cxspec",
    version,
    about = "Executable specification and conformance kit for contact-center task, conversation and SLA rules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario through the reference rules and print the published events with their times.
    Simulate(simulate::SimulateArgs),
    /// Model-check the rules exhaustively with stateright.
    Check(check::CheckArgs),
    /// Serve stateright's web Explorer for the model on localhost.
    Explore(check::ExploreArgs),
    /// Conformance vectors.
    Vectors(conform::VectorsArgs),
    /// Run conformance vectors against the reference or an adapter.
    Conform(conform::ConformArgs),
    /// State diagrams of the task, media, conversation and SLA machines, from the model
    /// (under another rule set or a reading, [+] marks a transition only it takes, [-] one
    /// only `specified` takes, [~] one taken with other rules).
    Diagram(diagram::DiagramArgs),
    /// The readings of the sources (open points with alternatives) and their model-checked matrix.
    Readings(readings::ReadingsArgs),
    /// Check a recorded event log of a running platform against the spec, per conversation.
    Replay(replay::ReplayArgs),
    /// Write a multi-conversation event log from the engine (to try `cxspec replay` on).
    SimulateLog(replay::SimulateLogArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap exits 2 on usage errors already; keep help/version at 0.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Simulate(args) => simulate::run(args),
        Command::Check(args) => check::run(args),
        Command::Explore(args) => check::explore(args),
        Command::Vectors(args) => conform::vectors(args),
        Command::Conform(args) => conform::run(args),
        Command::Readings(args) => readings::run(args),
        Command::Diagram(args) => diagram::run(args),
        Command::Replay(args) => replay::run(args),
        Command::SimulateLog(args) => replay::simulate_log(args),
    }
}
