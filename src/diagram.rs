//! `cxspec diagram`: state diagrams of the task, media, conversation and SLA machines,
//! drawn from the model's exploration (`cxspec_model::diagram`), as Mermaid, DOT or SVG.
//!
//! By default it explores the `ci` preset with both routing modes (PUSH and PULL), which
//! takes seconds; `--config default` reaches more and takes minutes. Under a rule set
//! other than `specified`, or with a reading, `specified` is explored too and the
//! transitions that differ are marked. `--write spec/RULES.md` puts the Mermaid diagrams
//! between their markers there, `--check` fails (exit 1) when they are stale, the same
//! mechanism as the readings matrix (`generated`).
//! Exit codes: 0 drawn (or up to date), 1 stale, 2 usage or file error.
//! Left out: drawing scenarios (`cxspec simulate --format`), and layouts other than
//! layout-rs's for SVG (pipe `--format dot` into Graphviz for those).

use crate::check::{RuleChoice, Selection};
use crate::generated::{self, Block};
use cxspec_conformance::output::write_atomic;
use cxspec_model::diagram::{self, Diagram, Machine};
use cxspec_model::CxModel;
use cxspec_spec::{Readings, RuleSet, Rules};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The diagrams' block in spec/RULES.md: all four machines, labels with rule IDs.
const DIAGRAMS: Block = Block {
    start: "<!-- state-diagrams:start -->",
    end: "<!-- state-diagrams:end -->",
    what: "the state diagrams",
    regenerate: "cargo run --release -- diagram --write spec/RULES.md --write README.md",
};

/// The README's picture: the conversation's states, arrows labelled by input names only.
const PICTURE: Block = Block {
    start: "<!-- conversation-diagram:start -->",
    end: "<!-- conversation-diagram:end -->",
    what: "the conversation diagram",
    regenerate: "cargo run --release -- diagram --write spec/RULES.md --write README.md",
};

#[derive(clap::Args)]
pub struct DiagramArgs {
    /// The machine to draw: task, media, conversation or sla (default: all four).
    #[arg(long, value_parser = ["task", "media", "conversation", "sla"])]
    machine: Option<String>,
    /// mermaid (renders on code hosts), dot (Graphviz) or svg (laid out by layout-rs).
    #[arg(long, default_value = "mermaid", value_parser = ["mermaid", "dot", "svg"])]
    format: String,
    /// The rules drawn; other than plain `specified`, the transitions that differ from
    /// `specified` are marked ([+] only here, [-] only there, [~] other rules).
    #[command(flatten)]
    choice: RuleChoice,
    /// The model-checking preset explored (`ci`: seconds; `default`: minutes).
    #[arg(long, default_value = "ci")]
    config: String,
    /// Routing modes explored: push, pull or both.
    #[arg(long, default_value = "both", value_parser = ["push", "pull", "both"])]
    routing: String,
    /// Label arrows with input names only: no rule IDs, reason codes or SLA events (a
    /// picture to look at; the full labels are for reading).
    #[arg(long)]
    compact: bool,
    /// Write each drawn machine to DIR/<machine>.<format> instead of standard output.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["write", "check"])]
    out_dir: Option<PathBuf>,
    /// Put the Mermaid diagrams between the markers of FILE (repeatable): all four
    /// machines between `state-diagrams` markers (spec/RULES.md), the conversation with
    /// input names only between `conversation-diagram` markers (README.md).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["check", "machine", "compact"])]
    write: Vec<PathBuf>,
    /// Exit 1 if the diagrams between the markers of FILE (repeatable) are not what the
    /// model says now.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["machine", "compact"])]
    check: Vec<PathBuf>,
    /// Exploration threads (default: the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
}

pub fn run(args: DiagramArgs) -> ExitCode {
    match draw(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn draw(args: &DiagramArgs) -> Result<ExitCode, String> {
    let selection = Selection::of_preset(
        args.choice.clone(),
        args.config.clone(),
        Some(args.routing.clone()),
    );
    let readings = selection.readings()?;
    let subs = selection.sub_configs()?;
    let machines: Vec<Machine> = match &args.machine {
        Some(name) => vec![Machine::from_name(name).expect("clap checks the name")],
        None => Machine::ALL.to_vec(),
    };
    let single_file_format = args.format != "mermaid";
    if single_file_format
        && machines.len() > 1
        && args.out_dir.is_none()
        && args.write.is_empty()
        && args.check.is_empty()
    {
        return Err(format!(
            "--format {} draws one machine at a time on standard output: give --machine, or --out-dir DIR for all four",
            args.format
        ));
    }
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    let rules = Rules::new(args.choice.rules, readings);
    let routing = match args.routing.as_str() {
        "both" => "PUSH and PULL",
        "push" => "PUSH",
        _ => "PULL",
    };
    let caption = format!(
        "rules {rules}, preset {}, {routing} ({} sub-configurations)",
        args.config,
        subs.len()
    );
    let explore = |rule_set: RuleSet, readings: Readings| {
        let models: Vec<CxModel> = subs
            .iter()
            .map(|b| CxModel::new(b.clone(), rule_set).with_readings(readings))
            .collect();
        let start = std::time::Instant::now();
        let explored = diagram::explore(&models, threads);
        eprintln!(
            "cxspec diagram: explored {} under {} ({} unique states, {} projected transitions, {:.1} s)",
            args.config,
            Rules::new(rule_set, readings),
            explored.unique.iter().sum::<usize>(),
            explored.transitions.len(),
            start.elapsed().as_secs_f64()
        );
        explored.transitions
    };
    let explored = explore(args.choice.rules, readings);
    let compared = args.choice.rules != RuleSet::Specified || !readings.is_empty();
    let specified = compared.then(|| explore(RuleSet::Specified, Readings::NONE));
    let diagrams: Vec<Diagram> = machines
        .iter()
        .map(|m| match &specified {
            Some(spec) => Diagram::compare(*m, &explored, spec, &caption),
            None => Diagram::of(*m, &explored, &caption),
        })
        .map(|d| if args.compact { d.compact() } else { d })
        .collect();
    if compared {
        for d in &diagrams {
            eprintln!(
                "  {}: {} transitions differ from specified",
                d.machine.name(),
                d.changes()
            );
        }
    }
    if !args.write.is_empty() || !args.check.is_empty() {
        let conversation = diagrams
            .iter()
            .find(|d| d.machine == Machine::Conversation)
            .expect("--write and --check draw every machine");
        let blocks = [
            (&DIAGRAMS, markdown(&diagrams, &caption)),
            (
                &PICTURE,
                format!("```mermaid\n{}```\n", conversation.mermaid_inputs()),
            ),
        ];
        let write = !args.write.is_empty();
        let mut code = 0u8;
        for path in args.write.iter().chain(&args.check) {
            let exit = generated::write_or_check_blocks(&blocks, path, write);
            // The worst exit wins: 2 (a file error) over 1 (stale) over 0.
            if exit == ExitCode::from(2) {
                code = 2;
            } else if exit == ExitCode::from(1) && code == 0 {
                code = 1;
            }
        }
        return Ok(ExitCode::from(code));
    }
    let mut outputs = Vec::new();
    for d in &diagrams {
        let text = match args.format.as_str() {
            "dot" => d.dot(),
            "svg" => d
                .svg()
                .map_err(|e| format!("cannot lay out the {} diagram: {e}", d.machine.name()))?,
            _ => d.mermaid(),
        };
        outputs.push((d.machine, text));
    }
    match &args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            for (machine, text) in &outputs {
                let ext = if args.format == "mermaid" {
                    "mmd"
                } else {
                    &args.format
                };
                let file = dir.join(format!("{}.{ext}", machine.name()));
                write(&file, text)?;
                println!("{}", file.display());
            }
        }
        None if outputs.len() == 1 => print!("{}", outputs[0].1),
        None => print!("{}", markdown(&diagrams, &caption)),
    }
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    write_atomic(path, text.as_bytes()).map_err(|e| e.to_string())
}

/// The Mermaid diagrams of all machines as markdown, as RULES.md embeds them.
fn markdown(diagrams: &[Diagram], caption: &str) -> String {
    let mut s = format!(
        "Generated from the model's exploration ({caption}) by `cargo run --release -- diagram --write spec/RULES.md --write README.md`; CI fails when they are stale (`diagram --check`). Each arrow is a transition the model checker took, labelled with the input and the rules it applied.\n"
    );
    for d in diagrams {
        s.push_str(&format!(
            "\n#### {}\n\n```mermaid\n{}```\n",
            d.machine.title(),
            d.mermaid()
        ));
    }
    s
}
