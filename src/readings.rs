//! `cxspec readings`: the catalogue of readings (`spec/src/readings.rs`), and the readings
//! matrix: each alternative on top of a rule set, model-checked, as a table of the
//! properties it keeps or breaks. The table lives in spec/RULES.md between two markers;
//! `--write` regenerates it there and `--check` fails when it is stale, as
//! `vectors check` does for the vectors.

use crate::generated::{self, Block};
use cxspec_model::run::{check_all, RunOptions, Verdict};
use cxspec_model::Preset;
use cxspec_spec::{Reading, Readings, RuleSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The matrix's block in spec/RULES.md.
const MATRIX: Block = Block {
    start: "<!-- readings-matrix:start -->",
    end: "<!-- readings-matrix:end -->",
    what: "the readings matrix",
    regenerate: "cargo run --release -- readings matrix --write FILE",
};

#[derive(clap::Args)]
pub struct ReadingsArgs {
    #[command(subcommand)]
    command: ReadingsCommand,
}

#[derive(clap::Subcommand)]
enum ReadingsCommand {
    /// Print every reading, its alternatives (`specified`'s first) and their sources.
    List,
    /// Model-check each alternative on top of a rule set and print the table of properties.
    Matrix {
        /// The rule set the alternatives are put on.
        #[arg(long, default_value = "specified")]
        rules: RuleSet,
        /// The model-checking preset (`ci` finishes in seconds per alternative).
        #[arg(long, default_value = "ci")]
        config: String,
        /// Replace the table between the markers of this file (spec/RULES.md).
        #[arg(long, value_name = "FILE", conflicts_with = "check")]
        write: Option<PathBuf>,
        /// Exit 1 if the table in this file is not what the model checker says now.
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
        /// Checker threads (default: the number of cores).
        #[arg(long)]
        threads: Option<usize>,
    },
}

pub fn run(args: ReadingsArgs) -> ExitCode {
    match args.command {
        ReadingsCommand::List => {
            print!("{}", catalogue());
            ExitCode::SUCCESS
        }
        ReadingsCommand::Matrix {
            rules,
            config,
            write,
            check,
            threads,
        } => matrix(rules, &config, write.as_deref(), check.as_deref(), threads),
    }
}

fn catalogue() -> String {
    let mut s = String::new();
    for r in Reading::ALL {
        s.push_str(&format!(
            "{} {} ({}): {}\n",
            r.id(),
            r.key(),
            r.rule().id(),
            r.title()
        ));
        for (i, a) in r.alternatives().iter().enumerate() {
            let tag = if i == 0 { " [specified]" } else { "" };
            let dev = a
                .deviation
                .map_or(String::new(), |d| format!(" (= {})", d.id()));
            s.push_str(&format!(
                "    {}{tag}{dev}: {}\n        source: {}\n",
                a.name, a.meaning, a.source
            ));
        }
    }
    s
}

/// The matrix as a markdown table: one row per alternative that differs from the rule
/// set's own, one column of violated properties (with the length of the shortest
/// counterexample) and one of the sub-configurations.
fn table(rules: RuleSet, preset_name: &str, threads: usize) -> Result<String, String> {
    let preset =
        Preset::named(preset_name).ok_or_else(|| format!("unknown preset `{preset_name}`"))?;
    let mut rows = Vec::new();
    for reading in Reading::ALL {
        let own = reading.default_for(rules);
        for (i, alternative) in reading.alternatives().iter().enumerate() {
            if i as u8 == own {
                continue;
            }
            let readings = Readings::NONE.with(*reading, i as u8);
            eprintln!("readings matrix: {} + {} ...", rules, readings.label());
            let options = RunOptions {
                threads,
                symmetry: true,
                shortest: true,
                readings,
            };
            let report = check_all(
                &preset.subs,
                rules,
                &options,
                Duration::from_secs(3600),
                |_| {},
            );
            let violated: Vec<String> = report
                .verdicts
                .iter()
                .filter(|(_, _, v)| *v == Verdict::Violated)
                .map(|(name, _, _)| {
                    let steps = report.discovery(name).map_or(String::new(), |(_, path)| {
                        format!(" ({} steps)", path.len())
                    });
                    format!("`{name}`{steps}")
                })
                .collect();
            rows.push(format!(
                "| {} `{}` | `{}` | {} |",
                reading.id(),
                reading.key(),
                alternative.name,
                if violated.is_empty() {
                    "every property holds".to_string()
                } else {
                    format!("**violated:** {}", violated.join(", "))
                }
            ));
        }
    }
    let mut s = format!(
        "On `{rules}`, preset `{preset_name}` ({} sub-configurations; `cxspec check --config {preset_name} --list`).\n\n| reading | alternative | model check |\n|---|---|---|\n",
        preset.subs.len()
    );
    for row in rows {
        s.push_str(&row);
        s.push('\n');
    }
    Ok(s)
}

fn matrix(
    rules: RuleSet,
    preset: &str,
    write: Option<&Path>,
    check: Option<&Path>,
    threads: Option<usize>,
) -> ExitCode {
    let threads = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 256);
    let table = match table(rules, preset, threads) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(path) = write.or(check) else {
        print!("{table}");
        return ExitCode::SUCCESS;
    };
    generated::write_or_check(&MATRIX, path, write.is_some(), &table)
}
